"""Forms of the content manager screens. They validate input shape; services validate
business rules (blocked phrases, caption lengths, image formats, the workflow)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts import selectors as account_selectors
from accounts.forms import BootstrapFormMixin, PublicIdMultipleChoiceField
from accounts.models import Group, Membership, Organization, Role, Topic
from content.lib.networks import networks_for_captions, rules_for
from content.models import ContentItem, ContentKind, ContentSettings, ContentState, Visibility
from content.services import Audience, ItemInput

# Local date and time without seconds, as <input type="datetime-local"> sends it. The
# view activates the organisation's time zone, so Django reads and shows the values in it.
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_LOCAL, **kwargs)


def local_datetime_field(**kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        **kwargs,
    )


def _chosen_first(values: list[str], chosen: list[str]) -> list[tuple[str, str]]:
    """Choices from the members' values, plus values an item already targets that no
    member has any more (so saving the item does not silently drop them)."""
    return [(value, value) for value in dict.fromkeys([*values, *chosen])]


# The list ------------------------------------------------------------------------


class ItemFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, text or link"}),
    )
    state = forms.ChoiceField(choices=[("", "All states"), *ContentState.choices], required=False)
    topic = forms.ChoiceField(choices=[("", "All topics")], required=False)
    kind = forms.ChoiceField(choices=[("", "All kinds"), *ContentKind.choices], required=False)
    author = forms.ChoiceField(choices=[("", "All authors")], required=False)
    created_from = forms.DateField(required=False, label="Created from", widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, label="Created until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = Topic.objects.filter(organization=organization).order_by("name")
        self.fields["topic"].choices = [("", "All topics"), *((str(t.public_id), t.name) for t in topics)]  # type: ignore[attr-defined]
        curators = (
            Membership.objects.filter(organization=organization, role__in=[Role.ADMIN, Role.MANAGER])
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        self.fields["author"].choices = [  # type: ignore[attr-defined]
            ("", "All authors"),
            *((str(m.public_id), m.user.full_name or m.user.email) for m in curators),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("created_from")
        end: date | None = data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", "The end date comes before the start date.")
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.content_item_list; an invalid value filters nothing."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "state": data.get("state") or "",
            "topic": data.get("topic") or "",
            "kind": data.get("kind") or "",
            "author": data.get("author") or "",
            "created_from": data.get("created_from"),
            "created_to": data.get("created_to"),
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())


# The editor ------------------------------------------------------------------------


class AudienceForm(BootstrapFormMixin, forms.Form):
    """Who sees an item. Field names start with `audience_`, so the live count can send
    just these fields."""

    audience_departments = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Departments"
    )
    audience_locations = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Locations"
    )
    audience_roles = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=Role.choices, label="Roles"
    )
    audience_groups = PublicIdMultipleChoiceField(queryset=Group.objects.none(), label="Groups")
    audience_topics = PublicIdMultipleChoiceField(queryset=Topic.objects.none(), label="Interested in")

    def __init__(self, *args: Any, organization: Organization, targeted: Audience | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        targeted = targeted or Audience()
        departments = account_selectors.attribute_values(organization=organization, attribute="department")
        locations = account_selectors.attribute_values(organization=organization, attribute="location")
        self.fields["audience_departments"].choices = _chosen_first(departments, targeted.departments)  # type: ignore[attr-defined]
        self.fields["audience_locations"].choices = _chosen_first(locations, targeted.locations)  # type: ignore[attr-defined]
        self.fields["audience_groups"].queryset = Group.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]
        self.fields["audience_topics"].queryset = Topic.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]

    @staticmethod
    def initial_for_audience(audience: Audience) -> dict[str, Any]:
        return {
            "audience_departments": audience.departments,
            "audience_locations": audience.locations,
            "audience_roles": audience.roles,
            "audience_groups": audience.groups,
            "audience_topics": audience.topics,
        }

    def audience(self) -> Audience:
        data = self.cleaned_data
        return Audience(
            departments=list(data.get("audience_departments") or []),
            locations=list(data.get("audience_locations") or []),
            roles=list(data.get("audience_roles") or []),
            groups=list(data.get("audience_groups") or []),
            topics=list(data.get("audience_topics") or []),
        )


class ItemForm(AudienceForm):
    title = forms.CharField(max_length=300)
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Notes for employees",
        help_text="Why this matters and what to say about it. Employees see this; it is not posted.",
    )
    url = forms.URLField(
        required=False,
        max_length=2000,
        label="Link",
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text="Chorus fetches the page's title, description and image for the preview.",
    )
    kind = forms.ChoiceField(choices=ContentKind.choices, initial=ContentKind.COMPANY)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.SHAREABLE)
    topics = PublicIdMultipleChoiceField(queryset=Topic.objects.none(), label="Topics")
    publish_at = local_datetime_field(label="Publish at", help_text="Empty publishes as soon as it is approved.")
    expires_at = local_datetime_field(label="Expires at", help_text="Empty never expires.")

    field_order = ["title", "url", "body", "kind", "visibility", "topics", "publish_at", "expires_at"]

    def __init__(self, *args: Any, organization: Organization, timezone_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]
        if timezone_name:
            for name in ("publish_at", "expires_at"):
                self.fields[name].help_text += f" Times are in {timezone_name.replace('_', ' ')}."

    @classmethod
    def initial_for(cls, item: ContentItem, audience: Audience) -> dict[str, Any]:
        return {
            "title": item.title,
            "body": item.body,
            "url": item.url,
            "kind": item.kind,
            "visibility": item.visibility,
            "topics": list(item.topics.all()),
            "publish_at": item.publish_at,
            "expires_at": item.expires_at,
            **cls.initial_for_audience(audience),
        }

    def clean_url(self) -> str:
        url: str = self.cleaned_data.get("url") or ""
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError("Enter a web address starting with http:// or https://.")
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        publish_at, expires_at = data.get("publish_at"), data.get("expires_at")
        if publish_at and expires_at and expires_at <= publish_at:
            self.add_error("expires_at", "The expiry must come after the publish time.")
        return data

    def item_input(self) -> ItemInput:
        data = self.cleaned_data
        return ItemInput(
            title=data["title"],
            body=data["body"],
            url=data["url"],
            kind=data["kind"],
            visibility=data["visibility"],
            topics=list(data["topics"]),
            publish_at=data["publish_at"],
            expires_at=data["expires_at"],
            audience=self.audience(),
        )


class CaptionForm(BootstrapFormMixin, forms.Form):
    """One caption for one network; the network comes with the form (a hidden field), so
    each network's section has its own counter."""

    network = forms.ChoiceField(widget=forms.HiddenInput)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Caption",
        # The network's own limit is checked by the service; this only stops absurd posts.
        max_length=70_000,
        strip=False,
    )

    def __init__(self, *args: Any, network: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("network", network)
        super().__init__(*args, **kwargs)
        self.fields["network"].choices = [(n.value, n.label) for n in networks_for_captions()]  # type: ignore[attr-defined]
        rules = rules_for(network)
        self.caption_network = rules.network
        self.limit = rules.max_length
        self.fields["text"].widget.attrs.update(
            {"data-caption-network": rules.network.value, "data-caption-limit": str(rules.max_length)}
        )


class ImageForm(BootstrapFormMixin, forms.Form):
    # A plain FileField: content.services.content_image_add decodes the file and says
    # what is wrong with it, in one place for the web and the API.
    image = forms.FileField(
        label="Image",
        help_text="JPEG, PNG, GIF or WebP, at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    alt_text = forms.CharField(
        max_length=300,
        required=False,
        label="Description (alt text)",
        help_text="What the image shows, for people who cannot see it.",
    )


# The workflow ------------------------------------------------------------------------


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=30)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label="Comment", strip=True)


# Settings and sources --------------------------------------------------------------


class ContentSettingsForm(BootstrapFormMixin, forms.Form):
    disclosure = forms.CharField(
        max_length=100,
        required=False,
        label="Disclosure",
        help_text=ContentSettings._meta.get_field("disclosure").help_text,
    )
    blocked_phrases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Blocked words and phrases",
        help_text="One per line. Items and captions containing one cannot be submitted for review.",
    )
    four_eyes = forms.BooleanField(
        required=False,
        label="Four-eyes review",
        help_text="An item must be approved by someone other than its author.",
    )

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_for(settings: ContentSettings) -> dict[str, Any]:
        return {
            "disclosure": settings.disclosure,
            "blocked_phrases": settings.blocked_phrases,
            "four_eyes": settings.four_eyes,
        }


class FeedSourceForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    url = forms.URLField(
        max_length=2000,
        label="Feed address",
        assume_scheme="https",
        help_text="The RSS or Atom feed's address, e.g. https://example.com/feed.xml.",
    )
    kind = forms.ChoiceField(
        choices=[
            (ContentKind.INDUSTRY.value, ContentKind.INDUSTRY.label),
            (ContentKind.COMPANY.value, ContentKind.COMPANY.label),
        ]
    )
    topics = PublicIdMultipleChoiceField(
        queryset=Topic.objects.none(), label="Topics", help_text="Given to every item from this feed."
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(organization=organization).order_by("name")  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"name": data["name"], "url": data["url"], "kind": data["kind"], "topics": list(data["topics"])}


class AnnouncementForm(AudienceForm):
    """A featured announcement: a title, a short text, an optional published item, and
    the audience (the same fields and live count as the item editor)."""

    title = forms.CharField(max_length=200)
    text = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label="Message")
    item = forms.ChoiceField(required=False, label="Link to a published item", help_text="Optional.")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, organization=organization, **kwargs)
        published = ContentItem.objects.filter(organization=organization, state=ContentState.PUBLISHED).order_by(
            "-published_at"
        )[:200]
        self._items = {str(item.public_id): item for item in published}
        self.fields["item"].choices = [("", "— none —"), *((key, item.title) for key, item in self._items.items())]  # type: ignore[attr-defined]

    def chosen_item(self) -> ContentItem | None:
        return self._items.get(self.cleaned_data.get("item") or "")
