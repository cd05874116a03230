"""Forms of goals, KPIs, KPI values, conversions and the analytics settings. They check
the shape of input; the services check the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.forms import BootstrapFormMixin
from accounts.models import Membership, MembershipStatus, Organization
from analytics.lib.periods import DEFAULT_PERIOD, PERIOD_CHOICES
from analytics.models import (
    AnalyticsSettings,
    ConversionKind,
    Goal,
    GoalCategory,
    KpiAggregation,
    KpiDirection,
    KpiMeasure,
    KpiPeriod,
)
from analytics.services.goals import CSV_MAX_BYTES
from content.lib.networks import Network

RATE_NETWORKS = [network for network in Network if network != Network.FACEBOOK]


def _members(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Membership) -> str:  # type: ignore[override]
        return f"{obj.user.display_name} ({obj.get_role_display()})"


class AnalyticsSettingsForm(BootstrapFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AnalyticsSettings
        fields = [
            "currency",
            "cpc",
            "reaction_weight",
            "attribution_window_days",
            "attribution_model",
            "recognition_enabled",
            "snippet_origins",
        ]
        labels = {
            "cpc": "CPC (cost per click)",
            "reaction_weight": "Reaction weight",
            "attribution_window_days": "Attribution window (days)",
            "attribution_model": "Attribution model",
            "recognition_enabled": "Show recognition boards to members",
            "snippet_origins": "Websites allowed to send conversions",
        }
        help_texts = {
            "cpc": "What one click is worth to you, e.g. your cost per click on paid social.",
            "reaction_weight": "What one reaction is worth in clicks: 0.25 means four reactions are worth one click.",
            "attribution_window_days": "How long before a conversion a tracked click may be to earn it (1–365).",
            "snippet_origins": "One origin per line, e.g. https://www.acme.example. Only these may use the snippet.",
        }
        widgets = {"snippet_origins": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, rates: dict[str, Decimal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for network in RATE_NETWORKS:
            field = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=4,
                label=f"CPM on {network.label}",
                help_text="Cost per 1,000 impressions; leave empty if you pay no media there.",
                initial=rates.get(network.value),
            )
            field.widget.attrs.update({"class": "form-control", "aria-describedby": f"id_cpm_{network.value}_helptext"})
            self.fields[f"cpm_{network.value}"] = field

    def rate_fields(self) -> list[forms.BoundField]:
        return [self[f"cpm_{network.value}"] for network in RATE_NETWORKS]

    def settings_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def rates(self) -> dict[str, Decimal | None]:
        return {network.value: self.cleaned_data.get(f"cpm_{network.value}") for network in RATE_NETWORKS}


class GoalForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Goal")
    category = forms.ChoiceField(choices=GoalCategory.choices, initial=GoalCategory.MARKETING)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="The business objective it serves."
    )
    owner = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, to_field_name="public_id", label="Accountable"
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(organization)  # type: ignore[attr-defined]


class KpiForm(BootstrapFormMixin, forms.Form):
    goal = forms.ModelChoiceField(queryset=Goal.objects.none(), to_field_name="public_id")
    name = forms.CharField(max_length=200, label="KPI", help_text="A business outcome, e.g. “Qualified leads”.")
    unit = forms.CharField(max_length=30, help_text="What it is counted in: leads, hires, EUR, %.")
    measure = forms.ChoiceField(choices=KpiMeasure.choices, initial=KpiMeasure.VALUES, label="Measured by")
    conversion_kind = forms.ChoiceField(
        choices=[("", "All kinds"), *ConversionKind.choices],
        required=False,
        label="Conversion type",
        help_text="For a KPI measured by conversions.",
    )
    aggregation = forms.ChoiceField(choices=KpiAggregation.choices, initial=KpiAggregation.SUM, label="Over a period")
    direction = forms.ChoiceField(choices=KpiDirection.choices, initial=KpiDirection.UP)
    target = forms.DecimalField(max_digits=14, decimal_places=2)
    period = forms.ChoiceField(
        choices=KpiPeriod.choices,
        initial=KpiPeriod.QUARTER,
        label="Target per",
        help_text="Reports over other periods prorate a summed target by days.",
    )
    owner = MemberChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Owner",
        help_text="Who is accountable for it — usually the program manager.",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(organization=organization, is_archived=False)  # type: ignore[attr-defined]
        self.fields["owner"].queryset = _members(organization)  # type: ignore[attr-defined]


class KpiValueForm(BootstrapFormMixin, forms.Form):
    on_date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    value = forms.DecimalField(max_digits=14, decimal_places=2)
    note = forms.CharField(
        max_length=500, label="Note", help_text="Where the figure comes from (a report, a system, a person)."
    )


class CsvUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file", help_text=f"UTF-8, comma or semicolon separated, at most {CSV_MAX_BYTES // (1024 * 1024)} MB."
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {CSV_MAX_BYTES // (1024 * 1024)} MB: split it.")
        return bytes(upload.read())


ATTRIBUTED_CHOICES = [("", "Attributed or not"), ("yes", "Attributed"), ("no", "Unattributed")]


class ConversionFilterForm(BootstrapFormMixin, forms.Form):
    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, initial=DEFAULT_PERIOD)
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(choices=[("", "All types"), *ConversionKind.choices], required=False, label="Type")
    attributed = forms.ChoiceField(choices=ATTRIBUTED_CHOICES, required=False, label="Attribution")

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class ConversionForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ConversionKind.choices, label="Type")
    label = forms.CharField(max_length=100, required=False, help_text="The name of a custom conversion.")
    occurred_at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    value = forms.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=Decimal(0))
    currency = forms.CharField(max_length=3, required=False, help_text="Empty: the organisation's currency.")
    event_id = forms.CharField(
        max_length=200,
        required=False,
        label="Reference",
        help_text="Your system's id (CRM, ATS, shop). Entering it again does not add a second conversion.",
    )
    click_id = forms.CharField(
        max_length=200,
        required=False,
        label="Click id",
        help_text="The chorus_click value from the landing address, if known: it attributes the conversion.",
    )
