"""Forms of listening. They check the shape of input; services check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from accounts.forms import BootstrapFormMixin
from analytics.lib.quarters import last_quarters, parse_quarter_code, quarter_code, quarter_label
from analytics.models import COMMENT_MAX, BrandPromise, StoppingReason
from analytics.selectors import SEGMENTS
from analytics.services import PulseRating

RATING_CHOICES = [
    (1, "1 · Not at all true"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 · Completely true"),
]
RESULT_QUARTERS = 8


class StoppingSurveyForm(BootstrapFormMixin, forms.Form):
    reasons = forms.MultipleChoiceField(
        choices=StoppingReason.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What's stopping you from sharing?",
        help_text="Tick all that apply.",
        required=False,  # the service says "tick at least one" in its own words
    )
    other_text = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Something else? Tell us",
        help_text="Please don't name colleagues. Shown to report readers only in a list, without your name, "
        "when at least five people answered.",
    )


class PulseForm(BootstrapFormMixin, forms.Form):
    """One rating (radio 1–5, may be skipped) and one comment per active promise."""

    def __init__(self, *args: Any, promises: list[BrandPromise], **kwargs: Any) -> None:
        self.promises = promises
        super().__init__(*args, **kwargs)
        for promise in promises:
            self.fields[f"rating_{promise.public_id}"] = forms.TypedChoiceField(
                choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect, required=False, label=promise.text
            )
            self.fields[f"comment_{promise.public_id}"] = forms.CharField(
                required=False,
                max_length=COMMENT_MAX,
                label="Comment (optional)",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[BrandPromise, forms.BoundField, forms.BoundField]]:
        return [(p, self[f"rating_{p.public_id}"], self[f"comment_{p.public_id}"]) for p in self.promises]

    def ratings(self) -> list[PulseRating]:
        data = self.cleaned_data
        return [
            PulseRating(promise=p, rating=data[f"rating_{p.public_id}"], comment=data[f"comment_{p.public_id}"])
            for p in self.promises
            if data.get(f"rating_{p.public_id}") not in (None, "")
        ]

    @staticmethod
    def initial_for(answers: dict[int, Any], promises: list[BrandPromise]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for promise in promises:
            if promise.pk in answers:
                initial[f"rating_{promise.public_id}"] = answers[promise.pk].rating
                initial[f"comment_{promise.public_id}"] = answers[promise.pk].comment
        return initial


class PromiseForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        max_length=300, label="Promise", help_text="For example: “We answer every customer within a day.”"
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Ask members about it in the pulse")


class ResultsFilterForm(BootstrapFormMixin, forms.Form):
    """The segment selector of the results: a quarter, the breakdown and two filters.
    Filters may combine (department ∩ location); the threshold applies to the result."""

    quarter = forms.ChoiceField(required=False)
    by = forms.ChoiceField(choices=list(SEGMENTS.items()), required=False, label="Break down by")
    department = forms.ChoiceField(required=False)
    location = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, current: date, departments: list[str], locations: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        quarters = last_quarters(current, RESULT_QUARTERS)[::-1]
        self.fields["quarter"].choices = [(quarter_code(q), quarter_label(q)) for q in quarters]  # type: ignore[attr-defined]
        self.fields["department"].choices = [("", "All departments")] + [(d, d) for d in departments if d]  # type: ignore[attr-defined]
        self.fields["location"].choices = [("", "All locations")] + [(loc, loc) for loc in locations if loc]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "quarter": parse_quarter_code(data.get("quarter") or "") or self.current,
            "by": data.get("by") or "department",
            "department": data.get("department") or "",
            "location": data.get("location") or "",
        }
