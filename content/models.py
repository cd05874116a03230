"""Curated content: items with links, text and images, suggested captions per network,
audiences, the approval workflow and its history, compliance settings, employee
suggestions, RSS/Atom sources, and the per-member signals the feed ranks by."""

from __future__ import annotations

import uuid

from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse
from django.utils.timezone import now

from accounts.models import Membership, Topic
from accounts.tenancy import TenantModel
from content.lib.networks import Network

http_url = URLValidator(schemes=["http", "https"], message="Enter a web address starting with http:// or https://.")


class ContentKind(models.TextChoices):
    COMPANY = "company", "Company news"
    INDUSTRY = "industry", "Industry article"
    EMPLOYEE = "employee", "Employee suggestion"


class Visibility(models.TextChoices):
    SHAREABLE = "shareable", "Shareable on social networks"
    INTERNAL = "internal", "Internal news (read only)"


class ContentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"
    EXPIRED = "expired", "Expired"
    ARCHIVED = "archived", "Archived"


# The approval workflow: every allowed move, in one place. `content.services` refuses
# any other; `system` moves are made by the scheduler, never by a person.
TRANSITIONS: dict[str, dict[ContentState, frozenset[ContentState]]] = {
    "submit": {
        ContentState.IN_REVIEW: frozenset({ContentState.DRAFT, ContentState.CHANGES_REQUESTED}),
    },
    "approve": {ContentState.APPROVED: frozenset({ContentState.IN_REVIEW})},
    "request_changes": {ContentState.CHANGES_REQUESTED: frozenset({ContentState.IN_REVIEW})},
    # An approved or published item that is edited goes back to review.
    "edit": {ContentState.IN_REVIEW: frozenset({ContentState.APPROVED, ContentState.PUBLISHED})},
    "publish": {ContentState.PUBLISHED: frozenset({ContentState.APPROVED})},  # system, at publish_at
    "expire": {ContentState.EXPIRED: frozenset({ContentState.APPROVED, ContentState.PUBLISHED})},  # system
    "archive": {
        ContentState.ARCHIVED: frozenset(
            {
                ContentState.DRAFT,
                ContentState.IN_REVIEW,
                ContentState.CHANGES_REQUESTED,
                ContentState.APPROVED,
                ContentState.PUBLISHED,
                ContentState.EXPIRED,
            }
        )
    },
    "restore": {ContentState.DRAFT: frozenset({ContentState.ARCHIVED, ContentState.EXPIRED})},
}
SYSTEM_ACTIONS = frozenset({"publish", "expire"})
EDITABLE_STATES = frozenset(
    {
        ContentState.DRAFT,
        ContentState.CHANGES_REQUESTED,
        ContentState.IN_REVIEW,
        ContentState.APPROVED,
        ContentState.PUBLISHED,
    }
)


class PreviewStatus(models.TextChoices):
    NONE = "none", "No link"
    PENDING = "pending", "Fetching preview"
    READY = "ready", "Preview ready"
    FAILED = "failed", "Preview unavailable"


class ContentSettings(TenantModel):
    """An organisation's compliance rules and review policy for content."""

    disclosure = models.CharField(
        max_length=100,
        blank=True,
        help_text="Appended to every shared caption and cannot be removed, e.g. #iworkforacme.",
    )
    blocked_phrases = models.TextField(
        blank=True, help_text="One word or phrase per line. Matched as whole words, ignoring case."
    )
    four_eyes = models.BooleanField(
        default=True, help_text="An item must be approved by someone other than its author."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="content_settings_one_per_org")]

    def __str__(self) -> str:
        return f"Content settings of {self.organization_id}"

    @property
    def blocked_phrase_list(self) -> list[str]:
        return [line.strip() for line in self.blocked_phrases.splitlines() if line.strip()]


class FeedSource(TenantModel):
    """An RSS or Atom feed whose new entries become draft items for review."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=2000, validators=[http_url])
    kind = models.CharField(
        max_length=16,
        choices=[
            (ContentKind.INDUSTRY.value, ContentKind.INDUSTRY.label),
            (ContentKind.COMPANY.value, ContentKind.COMPANY.label),
        ],
        default=ContentKind.INDUSTRY,
    )
    topics: models.ManyToManyField[Topic, FeedSourceTopic] = models.ManyToManyField(
        Topic, through="FeedSourceTopic", related_name="+", blank=True
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="content_feedsource_public_id"),
            models.UniqueConstraint(fields=["organization", "url"], name="content_feedsource_url"),
        ]

    def __str__(self) -> str:
        return self.name


class FeedSourceTopic(TenantModel):
    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "source", "topic"], name="content_feedsourcetopic_unique")
        ]


def _preview_image_path(instance: ContentItem, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"content/{instance.organization_id}/previews/{instance.public_id}.{extension}"


class ContentItem(TenantModel):
    """One piece of curated content that employees may read and share."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="Context for employees: why this matters, what to say.")
    url = models.URLField(max_length=2000, blank=True, validators=[http_url])
    kind = models.CharField(max_length=16, choices=ContentKind.choices, default=ContentKind.COMPANY)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.SHAREABLE)
    state = models.CharField(max_length=20, choices=ContentState.choices, default=ContentState.DRAFT)
    topics: models.ManyToManyField[Topic, ContentTopic] = models.ManyToManyField(
        Topic, through="ContentTopic", related_name="+", blank=True
    )
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Empty publishes as soon as it is approved.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty never expires.")

    author = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    credited_member = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The employee whose suggestion this item came from.",
    )
    source = models.ForeignKey(FeedSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_guid = models.CharField(max_length=500, blank=True)

    # Audience: 0 means everyone; otherwise how many dimensions (department, location,
    # role, group, topic) the rules constrain. Kept by content.services so the feed can
    # match an item in one indexed query: all constrained dimensions must match.
    audience_dimensions = models.PositiveSmallIntegerField(default=0, editable=False)

    preview_status = models.CharField(max_length=10, choices=PreviewStatus.choices, default=PreviewStatus.NONE)
    preview_title = models.CharField(max_length=300, blank=True)
    preview_description = models.TextField(blank=True)
    preview_image_url = models.URLField(max_length=2000, blank=True)
    preview_canonical_url = models.URLField(max_length=2000, blank=True)
    preview_site_name = models.CharField(max_length=200, blank=True)
    preview_error = models.CharField(max_length=300, blank=True)
    preview_fetched_at = models.DateTimeField(null=True, blank=True)
    # Our copy of the page's image: the CSP shows no image from another site.
    preview_image = models.ImageField(upload_to=_preview_image_path, blank=True)

    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="content_item_public_id"),
            models.UniqueConstraint(
                fields=["organization", "source", "source_guid"],
                condition=models.Q(source__isnull=False),
                name="content_item_source_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "state", "publish_at"], name="content_item_state_publish"),
            models.Index(fields=["organization", "state", "expires_at"], name="content_item_state_expiry"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:item_detail", kwargs={"org_slug": self.organization.slug, "item_id": self.public_id})

    @property
    def is_shareable(self) -> bool:
        return self.visibility == Visibility.SHAREABLE


class ContentTopic(TenantModel):
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "item", "topic"], name="content_topic_unique")]


def _image_path(instance: ContentImage, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"content/{instance.organization_id}/{instance.public_id}.{extension}"


class ContentImage(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(max_length=300, blank=True, help_text="Describe the image for screen readers.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "public_id"], name="content_image_public_id")]

    def __str__(self) -> str:
        return self.alt_text or str(self.public_id)


class Caption(TenantModel):
    """A suggested caption for one network; several per network give employees
    different starting points, so colleagues do not all post the same words."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="captions")
    network = models.CharField(max_length=16, choices=Network.choices())
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["network", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["organization", "public_id"], name="content_caption_public_id")]

    def __str__(self) -> str:
        return f"{self.network}: {self.text[:40]}"


class AudienceDimension(models.TextChoices):
    DEPARTMENT = "department", "Department"
    LOCATION = "location", "Location"
    ROLE = "role", "Role"
    GROUP = "group", "Group"
    TOPIC = "topic", "Interest"


class AudienceRule(TenantModel):
    """One allowed value on one dimension. An item's audience is every active member who
    matches at least one value on every dimension the item constrains."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="audience_rules")
    dimension = models.CharField(max_length=16, choices=AudienceDimension.choices)
    # Department and location names, role values, and group/topic public ids.
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item", "dimension", "value"], name="content_audience_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "dimension", "value"], name="content_audience_match")]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}"


class ItemTransition(TenantModel):
    """The item's history: every state change with who, when and why."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=20, choices=ContentState.choices)
    to_state = models.CharField(max_length=20, choices=ContentState.choices)
    actor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class ReviewComment(TenantModel):
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class SuggestionState(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Suggestion(TenantModel):
    """An employee's idea or link for the program; managers accept it as a draft or decline it."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000, blank=True, validators=[http_url])
    note = models.TextField(help_text="What is it, and why would colleagues want to share it?")
    state = models.CharField(max_length=10, choices=SuggestionState.choices, default=SuggestionState.PENDING)
    decline_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    item = models.ForeignKey(ContentItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="content_suggestion_public_id")
        ]

    def __str__(self) -> str:
        return self.note[:40]


class FeedDismissal(TenantModel):
    """A member marked an item as not relevant: it leaves their feed, and the signal
    lowers similar items."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership", "item"], name="content_dismissal_unique")
        ]


class TopicAffinity(TenantModel):
    """How well a member's shares on a topic have done (0–1), pushed down by analytics
    through content.services so the feed reads its own table."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership", "topic"], name="content_affinity_unique")
        ]
