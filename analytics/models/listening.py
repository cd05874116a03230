"""Listening: the "what's stopping you?" survey and the brand-promise pulse.

Anonymity is designed into the tables, not only into the reports:
- a survey answer (`StoppingAnswer`) has no link to the member at all, only the
  department and location they had when answering, so a later move or an export of
  the table cannot re-identify it; whether a member answered or dismissed recently
  lives apart, in `ListeningPromptState`, without the answer;
- a pulse response (`PulseResponse`) must know its member, because answering again
  within the quarter replaces it; the reports read only its snapshot of department and
  location, never the member.
Reports never show a group below `analytics.lib.anonymity.ANONYMITY_THRESHOLD`.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.timezone import now

from accounts.models import Membership
from accounts.tenancy import TenantModel

COMMENT_MAX = 1000


class StoppingReason(models.TextChoices):
    """The reasons a member may tick; the value is also the name of the answer's column."""

    NO_TIME = "no_time", "I don't have time"
    NOT_RELEVANT = "not_relevant", "The content isn't relevant to me or my network"
    UNSURE_ALLOWED = "unsure_allowed", "I'm not sure what I'm allowed to share"
    NETWORK_REACTION = "network_reaction", "I'm worried about how my network will react"
    OTHER = "other", "Something else"


class StoppingAnswer(TenantModel):
    """One anonymous answer to "What's stopping you?". No member column, by design."""

    no_time = models.BooleanField(default=False)
    not_relevant = models.BooleanField(default=False)
    unsure_allowed = models.BooleanField(default=False)
    network_reaction = models.BooleanField(default=False)
    other = models.BooleanField(default=False)
    other_text = models.CharField(max_length=COMMENT_MAX, blank=True)
    # The respondent's attributes when answering (a later move must not re-identify).
    department = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    # The quarter only, no time: a timestamp would let anyone who knows when a member
    # answered (the prompt state, a log line) find their row.
    quarter = models.DateField(help_text="First day of the quarter the answer was given in.")

    class Meta:
        indexes = [models.Index(fields=["organization", "quarter"], name="analytics_stop_org_quarter")]

    def __str__(self) -> str:
        return f"Stopping answer of {self.quarter}"

    def reasons(self) -> list[str]:
        return [reason for reason in StoppingReason.values if getattr(self, reason)]


class ListeningPromptState(TenantModel):
    """When a member last answered or dismissed each in-app prompt: what decides whether
    the prompt is offered again. Holds no answer."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    stopping_answered_at = models.DateTimeField(null=True, blank=True)
    stopping_dismissed_at = models.DateTimeField(null=True, blank=True)
    pulse_dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership"], name="analytics_promptstate_org_member")
        ]

    def __str__(self) -> str:
        return f"Listening prompts of {self.membership_id}"


class BrandPromise(TenantModel):
    """A promise the organisation makes (to customers, to its people) that members rate
    each quarter: how true is it in your day-to-day work?"""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Inactive promises are not asked; their results stay.")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="analytics_promise_org_public_id"),
        ]

    def __str__(self) -> str:
        return self.text


class PulseResponse(TenantModel):
    """A member's rating of one promise in one quarter; answering again replaces it."""

    promise = models.ForeignKey(BrandPromise, on_delete=models.CASCADE, related_name="responses")
    # Only for replacing within the quarter and for "have I answered?"; reports never read it.
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    quarter = models.DateField(help_text="First day of the quarter.")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(max_length=COMMENT_MAX, blank=True)
    department = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    answered_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "promise", "membership", "quarter"], name="analytics_pulse_once_per_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="analytics_pulse_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["organization", "quarter"], name="analytics_pulse_org_quarter")]

    def __str__(self) -> str:
        return f"Pulse {self.quarter}: {self.rating}"
