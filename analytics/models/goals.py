"""Business goals and their KPIs, the values that feed them, and each organisation's
analytics settings (earned media value rates, attribution, recognition).

The program manager is accountable for business KPIs (leads, hires, pipeline, cost
saved), not for engagement counts: a KPI names its owner, its target and its period,
and every value it is measured by keeps where it came from.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.timezone import now

from accounts.models import Membership
from accounts.tenancy import TenantModel
from content.lib.networks import Network

DEFAULT_ATTRIBUTION_WINDOW_DAYS = 30


class AttributionModel(models.TextChoices):
    LAST_TOUCH = "last_touch", "Last touch: the latest tracked click before the conversion"
    FIRST_TOUCH = "first_touch", "First touch: the earliest tracked click in the window"


class AnalyticsSettings(TenantModel):
    """One row per organisation; `analytics.selectors.analytics_settings` returns the
    defaults when it does not exist yet."""

    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code of every money figure.")
    # EMV = CPM × impressions / 1000 + CPC × (reaction weight × reactions + clicks)
    cpc = models.DecimalField(
        max_digits=10, decimal_places=4, default=Decimal("0.80"), validators=[MinValueValidator(Decimal(0))]
    )
    reaction_weight = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        default=Decimal("0.25"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    attribution_window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ATTRIBUTION_WINDOW_DAYS, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    attribution_model = models.CharField(
        max_length=12, choices=AttributionModel.choices, default=AttributionModel.LAST_TOUCH
    )
    recognition_enabled = models.BooleanField(
        default=False, help_text="Show recognition boards (impact and originality per head) to members."
    )
    # The conversion webhook's HMAC secret, encrypted like social tokens (accounts.lib.crypto).
    webhook_secret_encrypted = models.TextField(blank=True)
    # The public key the first-party snippet sends with conversion events (not a secret:
    # it is on the company's web pages), and the origins allowed to send them.
    snippet_key = models.CharField(max_length=40, blank=True)
    snippet_origins = models.TextField(blank=True, help_text="One origin per line, e.g. https://www.acme.example")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="analytics_settings_one_per_org")]

    def __str__(self) -> str:
        return f"Analytics settings of {self.organization_id}"


class NetworkRate(TenantModel):
    """The organisation's cost per thousand impressions on one network, for EMV."""

    network = models.CharField(max_length=16, choices=Network.choices())
    cpm = models.DecimalField(max_digits=10, decimal_places=4, validators=[MinValueValidator(Decimal(0))])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "network"], name="analytics_rate_per_network")]

    def __str__(self) -> str:
        return f"CPM {self.cpm} on {self.network}"


class GoalCategory(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    RECRUITING = "recruiting", "Recruiting"
    EMPLOYER_BRAND = "employer_brand", "Employer brand"
    COST_SAVINGS = "cost_savings", "Cost savings"
    CUSTOM = "custom", "Custom"


class Goal(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=GoalCategory.choices, default=GoalCategory.MARKETING)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField(default=0)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "public_id"], name="analytics_goal_public_id")]

    def __str__(self) -> str:
        return self.name


class KpiDirection(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"


class KpiPeriod(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"


class KpiAggregation(models.TextChoices):
    SUM = "sum", "Sum of the period's values (leads, hires, pipeline)"
    LATEST = "latest", "Latest value in the period (a rate, a balance)"


class KpiMeasure(models.TextChoices):
    """Where a KPI's actual comes from."""

    VALUES = "values", "Values entered, imported or sent through the API"
    CONVERSION_COUNT = "conversion_count", "Number of attributed conversions of a type"
    CONVERSION_VALUE = "conversion_value", "Value of attributed conversions of a type"


class Kpi(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, help_text="What one is counted in: leads, hires, EUR, %.")
    direction = models.CharField(max_length=4, choices=KpiDirection.choices, default=KpiDirection.UP)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    period = models.CharField(max_length=8, choices=KpiPeriod.choices, default=KpiPeriod.QUARTER)
    owner = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    measure = models.CharField(max_length=20, choices=KpiMeasure.choices, default=KpiMeasure.VALUES)
    aggregation = models.CharField(max_length=8, choices=KpiAggregation.choices, default=KpiAggregation.SUM)
    # For the conversion measures: which conversions count (see ConversionKind).
    conversion_kind = models.CharField(max_length=16, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "public_id"], name="analytics_kpi_public_id")]

    def __str__(self) -> str:
        return self.name


class KpiValueSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    CSV = "csv", "CSV import"
    API = "api", "API"


class KpiValue(TenantModel):
    """One figure of a KPI on a day. One per (KPI, day, source): importing the same file
    again, or entering the day again, replaces the figure instead of adding to it."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="values")
    on_date = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=8, choices=KpiValueSource.choices)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-on_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kpi", "on_date", "source"], name="analytics_kpivalue_once_per_source"
            ),
            models.UniqueConstraint(fields=["organization", "public_id"], name="analytics_kpivalue_public_id"),
        ]
        indexes = [models.Index(fields=["organization", "kpi", "on_date"], name="analytics_kpivalue_kpi_day")]

    def __str__(self) -> str:
        return f"{self.value} on {self.on_date}"


class RankingPreference(TenantModel):
    """A member's choice to stay off public recognition boards (they still see their own impact)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    hide_from_rankings = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership"], name="analytics_ranking_pref_once"),
        ]

    def __str__(self) -> str:
        return f"Ranking preference of {self.membership_id}"
