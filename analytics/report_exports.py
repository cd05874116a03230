"""The dashboard's and the drill-down's tables as CSV, and the dashboard as a PDF for a
board pack. Both are drawn from the same `Dashboard` / `KpiDrilldown` the page shows,
so an export never disagrees with the screen.

CSV: an unknown figure is an empty cell (never 0); a text cell that a spreadsheet would
run as a formula (starting with = + - @, a tab or a carriage return) gets a leading
apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from analytics.lib.periods import Period
from analytics.selectors.reports import Dashboard, Figure, KpiDrilldown, emv_statement

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Row = Sequence[object]


def csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal, float)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A cell starting with one of these runs as a formula in a spreadsheet: an export of
    # names and titles written by people must never execute.
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_text(header: Row, rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return out.getvalue()


def _figure_rows(section: str, figures: Iterable[Figure]) -> list[Row]:
    return [
        (section, f.label, f.value, f.previous, f.change_percent, f.unit, f.note if f.known else "unknown")
        for f in figures
    ]


# Dashboard tables -------------------------------------------------------------------


def _summary(d: Dashboard) -> tuple[Row, list[Row]]:
    header = ("Section", "Figure", "This period", "Previous period", "Change %", "Unit", "Note")
    rows = (
        _figure_rows("Outcomes", d.outcomes)
        + _figure_rows("Reach", d.reach)
        + _figure_rows("Engagement", d.engagement)
        + _figure_rows("Activity", d.activity)
    )
    return header, rows


def _kpis(d: Dashboard) -> tuple[Row, list[Row]]:
    header = ("Goal", "KPI", "Unit", "Actual", "Target", "% of target", "On track", "Owner", "Target note", "Note")
    rows: list[Row] = []
    for goal in d.goals:
        for p in goal.kpis:
            owner = p.kpi.owner.user.display_name if p.kpi.owner_id and p.kpi.owner else ""
            rows.append(
                (
                    goal.goal.name,
                    p.kpi.name,
                    p.kpi.unit,
                    p.actual,
                    p.target,
                    p.percent_of_target,
                    p.on_track,
                    owner,
                    p.target_note,
                    " ".join(note for note in (p.segment_note, p.excluded_note) if note),
                )
            )
    return header, rows


def _conversions(d: Dashboard) -> tuple[Row, list[Row]]:
    header = ("Kind", "Conversions", f"Value ({d.currency})", "Previous period", f"Previous value ({d.currency})")
    before = {figure.kind: figure for figure in d.previous_conversions.by_kind}
    rows: list[Row] = []
    for figure in d.conversions.by_kind:
        previous = before.get(figure.kind)
        rows.append(
            (
                figure.label,
                figure.count,
                figure.value,
                previous.count if previous else 0,
                previous.value if previous else 0,
            )
        )
    c, p = d.conversions, d.previous_conversions
    rows.append(
        ("Attributed to a share", c.attributed_count, c.attributed_value, p.attributed_count, p.attributed_value)
    )
    rows.append(
        ("Not attributed", c.unattributed_count, c.unattributed_value, p.unattributed_count, p.unattributed_value)
    )
    rows.append(("All conversions", c.count, c.value, p.count, p.value))
    return header, rows


def _networks(d: Dashboard) -> tuple[Row, list[Row]]:
    header = (
        "Network",
        "Shares posted",
        "Impressions",
        "Impressions complete",
        "Reach",
        "Reactions",
        "Comments",
        "Reshares",
        "Clicks",
        "Unique clicks",
        f"Earned media value ({d.emv.currency})",
    )
    rows: list[Row] = [
        (
            n.label,
            n.shares_posted,
            n.impressions,
            n.impressions_complete,
            n.reach,
            n.reactions,
            n.comments,
            n.reshares,
            n.clicks,
            n.unique_clicks,
            n.emv,
        )
        for n in d.networks
    ]
    return header, rows


def _trend(d: Dashboard) -> tuple[Row, list[Row]]:
    header = (
        "Week starting" if d.grain == "week" else "Day",
        "Shares posted",
        "Impressions",
        "Reactions",
        "Comments",
        "Reshares",
        "Clicks",
        "Unique clicks",
        "Attributed conversions",
        "Unattributed conversions",
    )
    rows: list[Row] = [
        (
            t.start,
            t.shares_posted,
            t.impressions,
            t.reactions,
            t.comments,
            t.reshares,
            t.clicks,
            t.unique_clicks,
            t.conversions_attributed,
            t.conversions_unattributed,
        )
        for t in d.trend
    ]
    return header, rows


CONTENT_HEADER = (
    "Content",
    "Shares posted",
    "Impressions",
    "Reactions",
    "Clicks",
    "Unique clicks",
    "Attributed conversions",
    "Conversion value",
)
PEOPLE_HEADER = (
    "Member",
    "Department",
    "Location",
    "Shares posted",
    "Impressions",
    "Reactions",
    "Clicks",
    "Unique clicks",
    "Attributed conversions",
    "Conversion value",
)


def content_rows(rows: Iterable[Any]) -> list[Row]:
    return [
        (
            r.title,
            r.shares_posted,
            r.impressions,
            r.reactions,
            r.clicks,
            r.unique_clicks,
            r.conversions,
            r.conversion_value,
        )
        for r in rows
    ]


def people_rows(rows: Iterable[Any]) -> list[Row]:
    return [
        (
            r.name,
            r.department,
            r.location,
            r.shares_posted,
            r.impressions,
            r.reactions,
            r.clicks,
            r.unique_clicks,
            r.conversions,
            r.conversion_value,
        )
        for r in rows
    ]


def _top_content(d: Dashboard) -> tuple[Row, list[Row]]:
    return CONTENT_HEADER, content_rows(d.top_content)


def _top_people(d: Dashboard) -> tuple[Row, list[Row]]:
    return PEOPLE_HEADER, people_rows(d.top_people)


# Every table of the dashboard, by the name in its export URL, with its title.
DASHBOARD_TABLES: dict[str, tuple[str, Callable[[Dashboard], tuple[Row, list[Row]]]]] = {
    "summary": ("Headline figures", _summary),
    "kpis": ("KPI progress", _kpis),
    "conversions": ("Conversions by kind", _conversions),
    "networks": ("By network", _networks),
    "trend": ("Trend", _trend),
    "top_content": ("Top content", _top_content),
    "top_people": ("Top people", _top_people),
}
# Tables whose export holds more rows than the dashboard shows.
FULL_EXPORT_TABLES = frozenset({"top_content", "top_people"})


def dashboard_csv(dashboard: Dashboard, table: str) -> str:
    header, rows = DASHBOARD_TABLES[table][1](dashboard)
    return csv_text(header, rows)


# Drill-down tables --------------------------------------------------------------------


def _drill_content(d: KpiDrilldown) -> tuple[Row, list[Row]]:
    return CONTENT_HEADER, content_rows(d.content)


def _drill_people(d: KpiDrilldown) -> tuple[Row, list[Row]]:
    return PEOPLE_HEADER, people_rows(d.people)


def _drill_networks(d: KpiDrilldown) -> tuple[Row, list[Row]]:
    return ("Network", "Attributed conversions", "Conversion value"), [tuple(row) for row in d.by_network]


def _drill_conversions(d: KpiDrilldown) -> tuple[Row, list[Row]]:
    header = ("Occurred at", "Kind", "Label", "Value", "Currency", "Member", "Content", "Network", "Source")
    rows: list[Row] = [
        (
            c.occurred_at.isoformat(),
            c.get_kind_display(),
            c.label,
            c.value,
            c.currency,
            c.membership.user.display_name if c.membership else "",
            c.item.title if c.item else "",
            c.network,
            c.get_source_display(),
        )
        for c in d.recent_conversions
    ]
    return header, rows


def _drill_values(d: KpiDrilldown) -> tuple[Row, list[Row]]:
    header = ("Date", "Value", "Source", "Note", "Entered by")
    rows: list[Row] = [
        (
            v.on_date,
            v.value,
            v.get_source_display(),
            v.note,
            v.created_by.user.display_name if v.created_by else "",
        )
        for v in d.values
    ]
    return header, rows


DRILLDOWN_TABLES: dict[str, tuple[str, Callable[[KpiDrilldown], tuple[Row, list[Row]]]]] = {
    "content": ("Content behind the KPI", _drill_content),
    "people": ("People behind the KPI", _drill_people),
    "networks": ("By network", _drill_networks),
    "conversions": ("Attributed conversions", _drill_conversions),
    "values": ("Values entered or imported", _drill_values),
}


def drilldown_csv(drilldown: KpiDrilldown, table: str) -> str:
    header, rows = DRILLDOWN_TABLES[table][1](drilldown)
    return csv_text(header, rows)


def export_filename(slug: str, name: str, period: Period, segment_code: str = "") -> str:
    segment = "-" + "".join(ch if ch.isalnum() else "-" for ch in segment_code).strip("-")[:40] if segment_code else ""
    return f"{slug}-{name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}{segment}"


# PDF ----------------------------------------------------------------------------------


def _fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "unknown"
    if isinstance(value, Decimal):
        text = f"{value:,.2f}" if unit not in ("%",) else f"{value:,.1f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}".strip()


def _change(figure: Figure) -> str:
    change = figure.change_percent
    if change is None:
        return "–" if figure.previous in (None, 0) and figure.value in (None, 0) else "new" if figure.known else "–"
    return f"{change:+.1f}%"


def dashboard_pdf(dashboard: Dashboard, *, generated_on: date, compress: bool = True) -> bytes:
    """The dashboard as an A4 board pack: headline outcomes, KPI progress, the EMV
    statement, reach and engagement, trend charts and the network table."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    d = dashboard
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    heading = styles["Heading2"]
    blue, green, grey = colors.HexColor("#0d6efd"), colors.HexColor("#198754"), colors.HexColor("#6c757d")

    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def table(rows: list[list[object]], widths: list[float] | None = None) -> Table:
        cells = [[Paragraph(escape(str(cell)), small) for cell in row] for row in rows]
        result = Table(cells, colWidths=widths, repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dee2e6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return result

    story: list[Any] = []
    title = f"{escape(d.organization.name)}: advocacy report"
    story.append(Paragraph(title, styles["Title"]))
    scope = d.segment.label if d.segment else "Whole organisation"
    story.append(
        Paragraph(
            escape(
                f"{d.period.label} ({d.period.start:%-d %b %Y} – {d.period.end:%-d %b %Y}), compared with "
                f"{d.previous_period.start:%-d %b %Y} – {d.previous_period.end:%-d %b %Y}. {scope}. "
                f"Generated on {generated_on:%-d %b %Y}."
            ),
            body,
        )
    )
    story.append(Spacer(1, 4 * mm))

    story.append(Paragraph("Outcomes", heading))
    rows: list[list[object]] = [["Figure", "This period", "Previous period", "Change", "Note"]]
    rows += [[f.label, _fmt(f.value, f.unit), _fmt(f.previous, f.unit), _change(f), f.note] for f in d.outcomes]
    story.append(table(rows, [45 * mm, 32 * mm, 32 * mm, 18 * mm, 53 * mm]))
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(escape(emv_statement(d.emv)), body))

    story.append(Paragraph("Goals and KPIs", heading))
    kpi_rows: list[list[object]] = [["Goal", "KPI", "Actual", "Target", "% of target", "On track"]]
    for goal in d.goals:
        for p in goal.kpis:
            kpi_rows.append(
                [
                    goal.goal.name,
                    p.kpi.name,
                    _fmt(p.actual, p.kpi.unit),
                    _fmt(p.target, p.kpi.unit),
                    _fmt(p.percent_of_target, "%") if p.percent_of_target is not None else "–",
                    {True: "On track", False: "Behind", None: "No data"}[p.on_track],
                ]
            )
    if len(kpi_rows) == 1:
        story.append(Paragraph("No goals or KPIs are set for this organisation.", body))
    else:
        story.append(table(kpi_rows, [40 * mm, 45 * mm, 28 * mm, 28 * mm, 20 * mm, 19 * mm]))

    story.append(Paragraph("Reach, engagement and participation", heading))
    rows = [["Figure", "This period", "Previous period", "Change", "Note"]]
    rows += [
        [f.label, _fmt(f.value, f.unit), _fmt(f.previous, f.unit), _change(f), f.note]
        for f in d.reach + d.engagement + d.activity
    ]
    story.append(table(rows, [45 * mm, 32 * mm, 32 * mm, 18 * mm, 53 * mm]))

    def line_chart(title_text: str, series: list[tuple[str, list[float | None], Any]]) -> Drawing:
        drawing = Drawing(170 * mm, 62 * mm)
        drawing.add(String(0, 58 * mm, title_text, fontName="Helvetica-Bold", fontSize=9))
        chart = HorizontalLineChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 40 * mm
        chart.data = [[value if value is not None else 0 for value in values] for _, values, _ in series] or [[0]]
        labels = [point.start.strftime("%-d %b") for point in d.trend]
        step = max(1, len(labels) // 8)
        chart.categoryAxis.categoryNames = [label if i % step == 0 else "" for i, label in enumerate(labels)]
        chart.categoryAxis.labels.fontSize = 6
        chart.valueAxis.labels.fontSize = 6
        chart.valueAxis.valueMin = 0
        for index, (_, _, colour) in enumerate(series):
            chart.lines[index].strokeColor = colour
            chart.lines[index].strokeWidth = 1.2
        drawing.add(chart)
        legend = Legend()
        legend.x, legend.y = 110 * mm, 58 * mm
        legend.fontSize = 7
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.colorNamePairs = [(colour, name) for name, _, colour in series]
        drawing.add(legend)
        return drawing

    if d.trend:
        grain = "per week" if d.grain == "week" else "per day"
        story.append(Paragraph("Trend", heading))
        story.append(
            line_chart(
                f"Clicks and shares posted, {grain}",
                [
                    ("Clicks", [float(t.clicks) for t in d.trend], blue),
                    ("Shares posted", [float(t.shares_posted) for t in d.trend], green),
                ],
            )
        )
        bars = Drawing(170 * mm, 62 * mm)
        bars.add(String(0, 58 * mm, f"Conversions, {grain}", fontName="Helvetica-Bold", fontSize=9))
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 40 * mm
        chart.data = [
            [t.conversions_attributed for t in d.trend],
            [t.conversions_unattributed for t in d.trend],
        ]
        chart.categoryAxis.style = "stacked"
        chart.bars[0].fillColor = blue
        chart.bars[1].fillColor = grey
        labels = [point.start.strftime("%-d %b") for point in d.trend]
        step = max(1, len(labels) // 8)
        chart.categoryAxis.categoryNames = [label if i % step == 0 else "" for i, label in enumerate(labels)]
        chart.categoryAxis.labels.fontSize = 6
        chart.valueAxis.labels.fontSize = 6
        chart.valueAxis.valueMin = 0
        bars.add(chart)
        legend = Legend()
        legend.x, legend.y = 110 * mm, 58 * mm
        legend.fontSize = 7
        legend.columnMaximum = 1
        legend.colorNamePairs = [(blue, "Attributed"), (grey, "Not attributed")]
        bars.add(legend)
        story.append(KeepTogether([bars]))

    story.append(Paragraph("By network", heading))
    if d.networks:
        rows = [["Network", "Shares", "Impressions", "Reactions", "Clicks", f"EMV ({d.emv.currency})"]]
        rows += [
            [
                n.label,
                _fmt(n.shares_posted),
                _fmt(n.impressions) + ("" if n.impressions_complete or n.impressions is None else " (partial)"),
                _fmt(n.reactions),
                _fmt(n.clicks),
                _fmt(n.emv),
            ]
            for n in d.networks
        ]
        story.append(table(rows, [40 * mm, 22 * mm, 32 * mm, 25 * mm, 22 * mm, 39 * mm]))
    else:
        story.append(Paragraph("No shares posted in this period.", body))

    if d.top_content:
        story.append(Paragraph("Top content", heading))
        rows = [["Content", "Shares", "Clicks", "Conversions", "Value"]]
        rows += [
            [r.title, _fmt(r.shares_posted), _fmt(r.clicks), _fmt(r.conversions), _fmt(r.conversion_value)]
            for r in d.top_content
        ]
        story.append(table(rows, [80 * mm, 20 * mm, 20 * mm, 25 * mm, 35 * mm]))

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{d.organization.name} advocacy report",
        author="Chorus",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    document.build(story)
    return out.getvalue()
