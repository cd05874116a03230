"""Output serializers shared by content's endpoints. Objects are named by their public
`id` (a UUID); input serializers live on the API class that reads them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.members import ObjectRefSerializer
from content.lib.networks import Network
from content.models import (
    AudienceDimension,
    ContentItem,
    ContentKind,
    ContentState,
    PreviewStatus,
    SuggestionState,
    Visibility,
)


class MemberRefSerializer(serializers.Serializer):
    """A member named inside another object."""

    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField(source="user.full_name")


class LinkPreviewSerializer(serializers.Serializer):
    title = serializers.CharField(source="preview_title")
    description = serializers.CharField(source="preview_description")
    image_url = serializers.CharField(source="preview_image_url", help_text="On the linked site; may be empty.")
    canonical_url = serializers.CharField(source="preview_canonical_url")
    site_name = serializers.CharField(source="preview_site_name")


class AudienceSerializer(serializers.Serializer):
    """Who the item is for: a member must match one value of every non-empty list. All
    lists empty means everyone."""

    departments = serializers.ListField(child=serializers.CharField())
    locations = serializers.ListField(child=serializers.CharField())
    roles = serializers.ListField(child=serializers.CharField(), help_text="Role names.")
    groups = serializers.ListField(child=serializers.UUIDField(), help_text="Group ids.")
    topics = serializers.ListField(child=serializers.UUIDField(), help_text="Ids of topics the member follows.")


def _audience_of(item: ContentItem) -> dict[str, list[str]]:
    # From the prefetched rules: group and topic rules already hold public ids.
    keys = {
        AudienceDimension.DEPARTMENT: "departments",
        AudienceDimension.LOCATION: "locations",
        AudienceDimension.ROLE: "roles",
        AudienceDimension.GROUP: "groups",
        AudienceDimension.TOPIC: "topics",
    }
    audience: dict[str, list[str]] = {key: [] for key in keys.values()}
    for rule in item.audience_rules.all():
        audience[keys[AudienceDimension(rule.dimension)]].append(rule.value)
    return {key: sorted(values) for key, values in audience.items()}


class _PreviewMixin(serializers.Serializer):
    preview_status = serializers.ChoiceField(choices=PreviewStatus.choices)
    preview = serializers.SerializerMethodField(help_text="The link's preview once fetched (`preview_status` ready).")

    @extend_schema_field(LinkPreviewSerializer(allow_null=True))
    def get_preview(self, item: ContentItem) -> dict[str, Any] | None:
        if item.preview_status != PreviewStatus.READY:
            return None
        return dict(LinkPreviewSerializer(item).data)


class ContentItemSerializer(_PreviewMixin):
    """An item as curators see it, whatever its state."""

    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    kind = serializers.ChoiceField(choices=ContentKind.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    state = serializers.ChoiceField(choices=ContentState.choices)
    topics = ObjectRefSerializer(many=True)
    audience = serializers.SerializerMethodField()
    publish_at = serializers.DateTimeField(allow_null=True, help_text="Null publishes as soon as it is approved.")
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Null never expires.")
    published_at = serializers.DateTimeField(allow_null=True)
    author = MemberRefSerializer(allow_null=True)
    credited_member = MemberRefSerializer(allow_null=True, help_text="The employee whose suggestion it came from.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(AudienceSerializer)
    def get_audience(self, item: ContentItem) -> dict[str, list[str]]:
        return _audience_of(item)


class CaptionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    network = serializers.ChoiceField(choices=Network.choices())
    text = serializers.CharField()
    position = serializers.IntegerField(help_text="Order among the item's captions for the same network.")
    created_at = serializers.DateTimeField()


class FeedItemSerializer(_PreviewMixin):
    """An item as it appears in an employee's feed."""

    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    kind = serializers.ChoiceField(choices=ContentKind.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    shareable = serializers.BooleanField(source="is_shareable", help_text="False for internal news: read only.")
    topics = ObjectRefSerializer(many=True)
    published_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class FeedItemDetailSerializer(FeedItemSerializer):
    captions = CaptionSerializer(many=True, help_text="Suggested captions, by network and position.")


class SuggestionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.CharField()
    note = serializers.CharField()
    state = serializers.ChoiceField(choices=SuggestionState.choices)
    decline_reason = serializers.CharField(help_text="Why it was declined; empty otherwise.")
    author = MemberRefSerializer()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    item = serializers.UUIDField(
        source="item.public_id", allow_null=True, help_text="The draft item it became, once accepted."
    )
    created_at = serializers.DateTimeField()
