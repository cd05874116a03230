"""Report data through the API: the executive dashboard and a KPI's drill-down, the
same figures as the pages (and their CSV and PDF exports), for report readers.

Unknown is null, never 0: a counter no network reported for the period (impressions on
X without elevated access, say) is `null`, and `emv.lower_bound` says when the earned
media value misses some of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, with_errors
from accounts.permissions import REPORT_READERS
from accounts.selectors import get_for_organization
from analytics.forms_reports import report_filter
from analytics.lib.periods import DEFAULT_PERIOD, PERIOD_CHOICES, Period
from analytics.models import Kpi
from analytics.selectors.goals import KpiProgress
from analytics.selectors.reports import (
    ContentRow,
    Dashboard,
    Figure,
    KpiDrilldown,
    PersonRow,
    dashboard,
    emv_lower_bound_note,
    emv_statement,
    kpi_drilldown,
)
from analytics.selectors.segments import Segment

TAG = "reports"
KPI_ID = OpenApiParameter("kpi_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A KPI's `id`.")


def amount(**options: Any) -> serializers.DecimalField:
    """A count or a money figure, as a string (exact decimals)."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True, **options)


class ReportQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[code for code, _ in PERIOD_CHOICES],
        required=False,
        help_text=f"Default `{DEFAULT_PERIOD}`. The last N days up to today on the organisation's calendar, this "
        "month/quarter/year so far, the last whole month or quarter, or `custom` with `start` and `end`.",
    )
    start = serializers.DateField(required=False, help_text="First day, with `period=custom`.")
    end = serializers.DateField(required=False, help_text="Last day (included), with `period=custom`.")
    segment = serializers.CharField(
        required=False,
        help_text="`dimension:value`: `department:Sales`, `location:Paris`, `group:<group id>`, "
        "`network:linkedin`, `topic:<topic id>`. Empty for the whole organisation.",
    )


# Output --------------------------------------------------------------------------------


class ReportPeriodSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()


class ReportSegmentSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class ReportFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = amount(allow_null=True, help_text="Null when unknown (never 0 for unknown).")
    previous = amount(allow_null=True, help_text="The previous period of the same length.")
    change_percent = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    unit = serializers.CharField()
    note = serializers.CharField()


class ReportKpiProgressSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="kpi.public_id")
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    measure = serializers.CharField(source="kpi.measure")
    actual = amount(allow_null=True, help_text="Null: no data in the period.")
    target = amount(help_text="For the report's period (prorated when summed).")
    target_per_period = amount()
    percent_of_target = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    on_track = serializers.BooleanField(allow_null=True)
    target_note = serializers.CharField()
    segmentable = serializers.BooleanField()
    segment_note = serializers.CharField()
    excluded_note = serializers.CharField()
    series_grain = serializers.CharField()
    series = serializers.ListField(child=serializers.DictField(), help_text="[{date, value}] per day or week.")


class ReportGoalProgressSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="goal.public_id")
    name = serializers.CharField(source="goal.name")
    category = serializers.CharField(source="goal.category")
    on_track_count = serializers.IntegerField()
    measured_count = serializers.IntegerField()
    kpis = ReportKpiProgressSerializer(many=True)


class ReportKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    value = amount()


class ReportConversionsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    value = amount()
    currency = serializers.CharField()
    attributed_count = serializers.IntegerField()
    attributed_value = amount()
    unattributed_count = serializers.IntegerField()
    unattributed_value = amount()
    other_currency_count = serializers.IntegerField(help_text="Conversions in another currency, left out of values.")
    by_kind = ReportKindSerializer(many=True)


class ReportEmvSerializer(serializers.Serializer):
    value = amount()
    currency = serializers.CharField()
    lower_bound = serializers.BooleanField(help_text="True when impressions are unknown or unrated on some network.")
    unknown_impressions = serializers.ListField(child=serializers.CharField(), help_text="Network codes.")
    unrated = serializers.ListField(child=serializers.CharField(), help_text="Networks without a CPM.")
    statement = serializers.CharField(help_text="One sentence for a report, with the lower-bound statement.")
    lower_bound_note = serializers.CharField()


class ReportParticipationSerializer(serializers.Serializer):
    active_sharers = serializers.IntegerField(help_text="Members with a posted share in the period.")
    previous_active_sharers = serializers.IntegerField()
    certified_members = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    previous_percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class ReportNetworkRowSerializer(serializers.Serializer):
    network = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    shares_posted = serializers.IntegerField()
    impressions = serializers.IntegerField(allow_null=True)
    impressions_complete = serializers.BooleanField()
    reach = serializers.IntegerField(allow_null=True)
    reactions = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    reshares = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    emv = amount()


class ReportTrendPointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The day, or the first day of the week.")
    shares_posted = serializers.IntegerField()
    impressions = serializers.IntegerField(allow_null=True)
    reactions = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    reshares = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    conversions_attributed = serializers.IntegerField()
    conversions_unattributed = serializers.IntegerField()


class ReportContentRowSerializer(serializers.Serializer):
    item_id = serializers.UUIDField()
    title = serializers.CharField()
    shares_posted = serializers.IntegerField()
    impressions = serializers.IntegerField(allow_null=True)
    reactions = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    conversion_value = amount()


class ReportPersonRowSerializer(serializers.Serializer):
    member_id = serializers.UUIDField()
    name = serializers.CharField()
    department = serializers.CharField()
    location = serializers.CharField()
    shares_posted = serializers.IntegerField()
    impressions = serializers.IntegerField(allow_null=True)
    reactions = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    conversion_value = amount()


class ReportDashboardSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    previous_period = ReportPeriodSerializer()
    segment = ReportSegmentSerializer(allow_null=True)
    grain = serializers.CharField(help_text="`day`, or `week` beyond 92 days.")
    currency = serializers.CharField()
    outcomes = ReportFigureSerializer(many=True, help_text="Attributed conversions and value, per kind, pipeline, EMV.")
    goals = ReportGoalProgressSerializer(many=True)
    conversions = ReportConversionsSerializer()
    previous_conversions = ReportConversionsSerializer()
    emv = ReportEmvSerializer()
    reach = ReportFigureSerializer(many=True)
    engagement = ReportFigureSerializer(many=True)
    activity = ReportFigureSerializer(many=True, help_text="Clicks, unique clicks, shares posted, participation.")
    participation = ReportParticipationSerializer()
    unknown_impressions = serializers.ListField(child=serializers.CharField(), help_text="Network names.")
    networks = ReportNetworkRowSerializer(many=True)
    trend = ReportTrendPointSerializer(many=True)
    top_content = ReportContentRowSerializer(many=True)
    top_people = ReportPersonRowSerializer(many=True)
    top_note = serializers.CharField()


class ReportKpiValueRowSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    on_date = serializers.DateField()
    value = amount()
    source = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()


class ReportConversionRowSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = amount(allow_null=True)
    currency = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    network = serializers.CharField()
    member_id = serializers.UUIDField(source="membership.public_id", allow_null=True)
    item_id = serializers.UUIDField(source="item.public_id", allow_null=True)


class ReportNetworkCountSerializer(serializers.Serializer):
    network = serializers.CharField()
    count = serializers.IntegerField()
    value = amount()


class ReportDrilldownSerializer(serializers.Serializer):
    period = ReportPeriodSerializer()
    segment = ReportSegmentSerializer(allow_null=True)
    progress = ReportKpiProgressSerializer()
    from_conversions = serializers.BooleanField(
        help_text="False for a KPI measured by values entered or imported: then `content` and `people` are "
        "the period's top content and people by conversions and clicks, not the KPI's sources."
    )
    note = serializers.CharField()
    content = ReportContentRowSerializer(many=True)
    people = ReportPersonRowSerializer(many=True)
    by_network = ReportNetworkCountSerializer(many=True)
    recent_conversions = ReportConversionRowSerializer(many=True, help_text="Up to 50, newest first.")
    values = ReportKpiValueRowSerializer(many=True, help_text="Up to 100, for a KPI measured by values.")


# Data ----------------------------------------------------------------------------------


def _period(period: Period) -> dict[str, Any]:
    return {"code": period.code, "label": period.label, "start": period.start, "end": period.end, "days": period.days}


def _figure(figure: Figure) -> dict[str, Any]:
    return {**figure.__dict__, "change_percent": figure.change_percent}


def _progress(progress: KpiProgress) -> dict[str, Any]:
    return {
        **progress.__dict__,
        "series": [{"date": day.isoformat(), "value": str(value)} for day, value in progress.series],
    }


def _rows(rows: list[ContentRow] | list[PersonRow]) -> list[dict[str, Any]]:
    return [row.__dict__ for row in rows]


def dashboard_data(d: Dashboard) -> dict[str, Any]:
    return {
        "period": _period(d.period),
        "previous_period": _period(d.previous_period),
        "segment": d.segment.__dict__ if d.segment else None,
        "grain": d.grain,
        "currency": d.currency,
        "outcomes": [_figure(f) for f in d.outcomes],
        "goals": [
            {
                "goal": goal.goal,
                "on_track_count": goal.on_track_count,
                "measured_count": goal.measured_count,
                "kpis": [_progress(p) for p in goal.kpis],
            }
            for goal in d.goals
        ],
        "conversions": d.conversions.__dict__,
        "previous_conversions": d.previous_conversions.__dict__,
        "emv": {
            **d.emv.__dict__,
            "statement": emv_statement(d.emv),
            "lower_bound_note": emv_lower_bound_note(d.emv),
        },
        "reach": [_figure(f) for f in d.reach],
        "engagement": [_figure(f) for f in d.engagement],
        "activity": [_figure(f) for f in d.activity],
        "participation": {
            **d.participation.__dict__,
            "percent": d.participation.percent,
            "previous_percent": d.participation.previous_percent,
        },
        "unknown_impressions": list(d.unknown_impressions),
        "networks": [row.__dict__ for row in d.networks],
        "trend": [point.__dict__ for point in d.trend],
        "top_content": _rows(d.top_content),
        "top_people": _rows(d.top_people),
        "top_note": d.top_note,
    }


def drilldown_data(d: KpiDrilldown) -> dict[str, Any]:
    return {
        "period": _period(d.period),
        "segment": d.segment.__dict__ if d.segment else None,
        "progress": _progress(d.progress),
        "from_conversions": d.from_conversions,
        "note": d.note,
        "content": _rows(d.content),
        "people": _rows(d.people),
        "by_network": [
            {"network": label, "count": count, "value": value or Decimal(0)} for label, count, value in d.by_network
        ],
        "recent_conversions": d.recent_conversions,
        "values": d.values,
    }


class ReportAPIView(OrganizationAPIView):
    roles = {"GET": REPORT_READERS}

    def report_choice(self) -> tuple[Period, Segment | None]:
        """The period and segment of the query string, or a 400 saying what is wrong."""
        self.validated_query(ReportQuerySerializer)
        form = report_filter(self.request.query_params, organization=self.organization)
        if not form.is_valid() or form.report_period is None:
            raise serializers.ValidationError(form.error_dict())
        return form.report_period, form.report_segment


class DashboardAPI(ReportAPIView):
    @extend_schema(
        operation_id="reports_dashboard",
        tags=[TAG],
        summary="The executive dashboard's figures for a period and a segment",
        parameters=[ReportQuerySerializer],
        responses=with_errors({200: ReportDashboardSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        """Outcomes first (goals and KPI progress, conversions by kind, attributed value,
        pipeline, earned media value), then reach, engagement, clicks, shares posted and
        participation, each with the previous period of the same length; the trend per
        day (per week beyond 92 days); totals per network; top content and people.
        Figures a network did not report are `null`, not 0."""
        period, segment = self.report_choice()
        report = dashboard(organization=self.organization, period=period, segment=segment)
        return Response(ReportDashboardSerializer(dashboard_data(report)).data)


class KpiDrilldownAPI(ReportAPIView):
    @extend_schema(
        operation_id="reports_kpi_drilldown",
        tags=[TAG],
        summary="The content and people behind a KPI in a period",
        parameters=[KPI_ID, ReportQuerySerializer],
        responses=with_errors({200: ReportDrilldownSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str, kpi_id: str) -> Response:
        """For a KPI measured by conversions: its attributed conversions by content item,
        by member and by network, and the latest 50. For a KPI measured by values
        entered or imported: those values, and the period's top content and people
        (`from_conversions: false`)."""
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        period, segment = self.report_choice()
        drilldown = kpi_drilldown(organization=self.organization, kpi=kpi, period=period, segment=segment)
        return Response(ReportDrilldownSerializer(drilldown_data(drilldown)).data)
