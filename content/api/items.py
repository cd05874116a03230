"""Items for curators: list with filters, create, read, edit, the workflow's moves and
the item's history."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.models import Group, Organization, Topic
from accounts.permissions import CURATORS
from content import selectors, services
from content.api.serializers import ContentItemSerializer, MemberRefSerializer
from content.models import ContentItem, ContentKind, ContentState, ItemTransition, Visibility
from content.services import Audience, ItemInput

# The moves a person may make (content.models.TRANSITIONS minus the scheduler's and
# the automatic "edit"), with what they do.
ACTION_CHOICES = [
    ("submit", "Submit a draft (or an item sent back for changes) for review"),
    ("approve", "Approve an item in review; it publishes at its publish time"),
    ("request_changes", "Send an item in review back to its author; `note` says what to change"),
    ("archive", "Take an item out of use"),
    ("restore", "Bring an archived or expired item back as a draft"),
]


def with_details(items: QuerySet[ContentItem], organization: Organization) -> QuerySet[ContentItem]:
    """What ContentItemSerializer reads, in a fixed number of queries."""
    return items.select_related("author__user", "credited_member__user").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.filter(organization=organization).order_by("name")),
        "audience_rules",
    )


def item_queryset(organization: Organization) -> QuerySet[ContentItem]:
    return with_details(ContentItem.objects.filter(organization=organization), organization)


class AudienceInputSerializer(serializers.Serializer):
    departments = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Exact department names."
    )
    locations = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Exact location names."
    )
    roles = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="Role names: admin, manager, executive, employee.",
    )
    groups = TenantObjectField(Group, many=True, required=False, help_text="Group ids.")
    topics = TenantObjectField(Topic, many=True, required=False, help_text="Ids of topics members follow.")


class ContentItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    body = serializers.CharField(required=False, allow_blank=True, help_text="Context for employees.")
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, help_text="http:// or https://")
    kind = serializers.ChoiceField(choices=ContentKind.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    topics = TenantObjectField(Topic, many=True, required=False, help_text="Topic ids; replace the item's topics.")
    publish_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Null: once approved.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Null: never.")
    audience = AudienceInputSerializer(
        required=False, help_text="Replaces the whole audience; a list left out is empty. Omit it for everyone."
    )


def _item_input(data: dict[str, Any], current: ItemInput) -> ItemInput:
    """The sent fields over the current values (all defaults for a new item)."""
    audience = current.audience
    if "audience" in data:
        sent = data["audience"]
        audience = Audience(
            departments=sent.get("departments", []),
            locations=sent.get("locations", []),
            roles=sent.get("roles", []),
            groups=sent.get("groups", []),
            topics=sent.get("topics", []),
        )
    return ItemInput(
        title=data.get("title", current.title),
        body=data.get("body", current.body),
        url=data.get("url", current.url),
        kind=data.get("kind", current.kind),
        visibility=data.get("visibility", current.visibility),
        topics=list(data.get("topics", current.topics)),
        publish_at=data.get("publish_at", current.publish_at),
        expires_at=data.get("expires_at", current.expires_at),
        audience=audience,
    )


class ItemListAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "POST": CURATORS}

    class ItemFilterSerializer(serializers.Serializer):
        search = serializers.CharField(required=False, allow_blank=True, help_text="Part of the title, body or link.")
        state = serializers.ChoiceField(choices=ContentState.choices, required=False)
        kind = serializers.ChoiceField(choices=ContentKind.choices, required=False)
        topic = serializers.UUIDField(required=False, help_text="A topic id.")
        author = serializers.UUIDField(required=False, help_text="The author's member id.")
        created_from = serializers.DateField(required=False, help_text="Created on or after this day.")
        created_to = serializers.DateField(required=False, help_text="Created on or before this day.")

    @extend_schema(
        operation_id="items_list",
        tags=["content"],
        summary="List content items, newest first",
        parameters=[ItemFilterSerializer],
        responses=with_errors({200: ContentItemSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.ItemFilterSerializer)
        for name in ("topic", "author"):
            if name in filters:
                filters[name] = str(filters[name])
        items = selectors.content_item_list(organization=self.organization, **filters)
        return self.paginated_response(with_details(items, self.organization), ContentItemSerializer)

    @extend_schema(
        operation_id="items_create",
        tags=["content"],
        summary="Create a draft item",
        description="The item starts as a draft; a link's preview is fetched in the background.",
        request=ContentItemInputSerializer,
        responses=with_errors({201: ContentItemSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(ContentItemInputSerializer)
        item = services.content_item_create(
            organization=self.organization, author=self.membership, data=_item_input(data, ItemInput(title=""))
        )
        item = self.get_tenant_object(item_queryset(self.organization), item.public_id)
        return Response(ContentItemSerializer(item).data, status=status.HTTP_201_CREATED)


class ItemDetailAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "PATCH": CURATORS}

    @extend_schema(
        operation_id="items_retrieve",
        tags=["content"],
        summary="One content item",
        responses=with_errors({200: ContentItemSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        return Response(ContentItemSerializer(self.get_tenant_object(item_queryset(self.organization), item_id)).data)

    @extend_schema(
        operation_id="items_partial_update",
        tags=["content"],
        summary="Edit a content item",
        description=(
            "Only the fields sent change. Editing an approved or published item sends it back to "
            "review; an archived or expired item must be restored first (400)."
        ),
        request=ContentItemInputSerializer,
        responses=with_errors({200: ContentItemSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = self.get_tenant_object(item_queryset(self.organization), item_id)
        data = self.validated_body(ContentItemInputSerializer, partial=True)
        current = ItemInput(
            title=item.title,
            body=item.body,
            url=item.url,
            kind=item.kind,
            visibility=item.visibility,
            topics=list(item.topics.all()),
            publish_at=item.publish_at,
            expires_at=item.expires_at,
            audience=selectors.item_audience(item=item),
        )
        services.content_item_update(item=item, actor=self.membership, data=_item_input(data, current))
        return Response(ContentItemSerializer(self.get_tenant_object(item_queryset(self.organization), item_id)).data)


class ItemTransitionSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_state = serializers.CharField(help_text="A content item state.")
    to_state = serializers.CharField(help_text="A content item state.")
    actor = MemberRefSerializer(allow_null=True, help_text="Null for the scheduler's moves.")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class ItemTransitionsAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "POST": CURATORS}

    class TransitionInputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=ACTION_CHOICES)
        note = serializers.CharField(
            max_length=5000, required=False, allow_blank=True, help_text="Required for request_changes."
        )

    @extend_schema(
        operation_id="items_transitions_list",
        tags=["content"],
        summary="The item's history, oldest first",
        responses=with_errors({200: ItemTransitionSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = self.get_tenant_object(ContentItem.objects.all(), item_id)
        history = (
            ItemTransition.objects.filter(organization=self.organization, item=item)
            .select_related("actor__user")
            .order_by("created_at", "pk")
        )
        return self.paginated_response(history, ItemTransitionSerializer)

    @extend_schema(
        operation_id="items_transitions_create",
        tags=["content"],
        summary="Move an item through the workflow",
        description=(
            "A move the item's state does not allow, an approval by the author when four-eyes "
            "review is on, or request_changes without a note is refused with 400. Publishing "
            "and expiry happen by themselves at the item's times."
        ),
        request=TransitionInputSerializer,
        responses=with_errors({200: ContentItemSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = self.get_tenant_object(ContentItem.objects.select_related("organization"), item_id)
        data = self.validated_body(self.TransitionInputSerializer)
        services.content_item_transition(
            item=item, action=data["action"], actor=self.membership, note=data.get("note", "")
        )
        return Response(ContentItemSerializer(self.get_tenant_object(item_queryset(self.organization), item_id)).data)
