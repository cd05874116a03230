"""Conversions: business outcomes reported back by the company (a lead, a hire, a
purchase), attributed to the tracked click that led to them.

The click id in a tracked link's target (`chorus_click=…`) travels to the company's
site; the first-party snippet keeps it in a cookie and reports conversions with it, or
the company's systems send it through the webhook, the API or a CSV file. Attribution
walks click → share → member → content item → network, within the organisation's
window and model, and is stored on the row; a conversion without a usable click is
kept and counted as unattributed.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.timezone import now

from accounts.models import Membership
from accounts.tenancy import TenantModel
from advocacy.models import Share
from analytics.models.goals import AttributionModel
from content.lib.networks import Network
from content.models import ContentItem

CLICK_ID_MAX = 200
EVENT_ID_MAX = 200


class ConversionKind(models.TextChoices):
    LEAD = "lead", "Lead"
    SIGNUP = "signup", "Sign-up"
    APPLICATION = "application", "Job application"
    HIRE = "hire", "Hire"
    PURCHASE = "purchase", "Purchase"
    CUSTOM = "custom", "Custom"


class ConversionSource(models.TextChoices):
    SNIPPET = "snippet", "Website snippet"
    WEBHOOK = "webhook", "Webhook"
    API = "api", "API"
    CSV = "csv", "CSV import"
    MANUAL = "manual", "Entered by hand"


class Conversion(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # The sender's id of the event: sending it again (a retried webhook, a re-imported
    # file) finds this row instead of adding one.
    event_id = models.CharField(max_length=EVENT_ID_MAX)
    kind = models.CharField(max_length=16, choices=ConversionKind.choices)
    label = models.CharField(max_length=100, blank=True, help_text="The name of a custom conversion.")
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=ConversionSource.choices)
    # The click ids as received: the first and the latest the visitor came with.
    first_click_id = models.CharField(max_length=CLICK_ID_MAX, blank=True)
    last_click_id = models.CharField(max_length=CLICK_ID_MAX, blank=True)
    # The attribution (all empty when unattributed).
    attribution_model = models.CharField(max_length=12, choices=AttributionModel.choices, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    share = models.ForeignKey(Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    membership = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey(ContentItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    network = models.CharField(max_length=16, choices=Network.choices(), blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "event_id"], name="analytics_conversion_event_once"),
            models.UniqueConstraint(fields=["organization", "public_id"], name="analytics_conversion_public_id"),
        ]
        indexes = [
            models.Index(fields=["organization", "occurred_at"], name="analytics_conv_org_at"),
            models.Index(fields=["organization", "membership", "occurred_at"], name="analytics_conv_member_at"),
            models.Index(fields=["organization", "item"], name="analytics_conv_item"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_id}"

    @property
    def is_attributed(self) -> bool:
        return self.share_id is not None
