"""The report picker: a period and a segment, from the query string of the dashboard,
its drill-down, its exports and its API. Bad values become form errors (the page) or
400 answers (exports, API) with the same sentences."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import Organization
from analytics.lib.periods import DEFAULT_PERIOD, PERIOD_CHOICES, Period, PeriodError
from analytics.selectors.reports import report_period
from analytics.selectors.segments import SEGMENT_DIMENSIONS, Segment, SegmentError, segment_options, segment_parse

WHOLE_ORGANIZATION = ""


def segment_code(segment: Segment | None) -> str:
    """The query-string form of a segment: `dimension:value` ("" for everyone)."""
    return f"{segment.dimension}:{segment.value}" if segment is not None else WHOLE_ORGANIZATION


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, initial=DEFAULT_PERIOD, label="Period")
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}), help_text="For custom dates."
    )
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    segment = forms.CharField(required=False, label="Segment")

    def __init__(self, data: Any = None, *, organization: Organization, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.organization = organization
        self.report_period: Period | None = None
        self.report_segment: Segment | None = None
        self.fields["period"].widget.attrs["class"] = "form-select"
        for name in ("start", "end"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["period"].error_messages["invalid_choice"] = (
            f"Unknown period: choose one of {', '.join(code for code, _ in PERIOD_CHOICES)}."
        )

    def segment_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Option groups for the segment picker, values as `dimension:value`."""
        options = segment_options(organization=self.organization)
        return [
            (label, [(f"{dimension}:{value}", text) for value, text in options.get(dimension, [])])
            for dimension, label in SEGMENT_DIMENSIONS
            if options.get(dimension)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "period" in data:
            try:
                self.report_period = report_period(
                    organization=self.organization,
                    code=data.get("period") or DEFAULT_PERIOD,
                    start=data.get("start"),
                    end=data.get("end"),
                )
            except PeriodError as error:
                self.add_error("start" if data.get("period") == "custom" else "period", str(error))
        code = (data.get("segment") or "").strip()
        if code:
            dimension, _, value = code.partition(":")
            try:
                self.report_segment = segment_parse(organization=self.organization, dimension=dimension, value=value)
            except SegmentError as error:
                self.add_error("segment", str(error))
        return data

    def error_text(self) -> str:
        """Every error in one line, for a 400 answer."""
        return " ".join(str(message) for messages in self.errors.values() for message in messages)

    def error_dict(self) -> dict[str, list[str]]:
        return {field: [str(message) for message in messages] for field, messages in self.errors.items()}

    @property
    def selected_segment(self) -> str:
        return segment_code(self.report_segment) if self.is_bound and self.is_valid() else self.data.get("segment", "")


def report_filter(data: Any, *, organization: Organization) -> ReportFilterForm:
    """The bound picker (an empty query string means the default period, everyone)."""
    return ReportFilterForm(data, organization=organization)
