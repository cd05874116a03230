"""Suggested captions of an item, per network, for curators."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, with_errors
from accounts.permissions import CURATORS
from content import services
from content.api.serializers import CaptionSerializer
from content.lib.networks import Network
from content.models import Caption, ContentItem


class CaptionInputSerializer(serializers.Serializer):
    network = serializers.ChoiceField(
        choices=Network.choices(), help_text="A network Chorus writes captions for (not every network does)."
    )
    text = serializers.CharField(max_length=10_000, help_text="Checked against the network's length rule.")


class CaptionListAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "POST": CURATORS}

    @extend_schema(
        operation_id="captions_list",
        tags=["content"],
        summary="The item's captions, by network and position",
        responses=with_errors({200: CaptionSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = self.get_tenant_object(ContentItem.objects.all(), item_id)
        captions = Caption.objects.filter(organization=self.organization, item=item).order_by(
            "network", "position", "pk"
        )
        return self.paginated_response(captions, CaptionSerializer)

    @extend_schema(
        operation_id="captions_create",
        tags=["content"],
        summary="Add a caption",
        description=(
            "At most five per network. Adding a caption to an approved or published item sends the item back to review."
        ),
        request=CaptionInputSerializer,
        responses=with_errors({201: CaptionSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = self.get_tenant_object(ContentItem.objects.select_related("organization"), item_id)
        data = self.validated_body(CaptionInputSerializer)
        caption = services.caption_save(item=item, network=data["network"], text=data["text"], actor=self.membership)
        return Response(CaptionSerializer(caption).data, status=status.HTTP_201_CREATED)


class CaptionDetailAPI(OrganizationAPIView):
    roles = {"PATCH": CURATORS, "DELETE": CURATORS}

    def _caption(self, item_id: uuid.UUID, caption_id: uuid.UUID) -> tuple[ContentItem, Caption]:
        item = self.get_tenant_object(ContentItem.objects.select_related("organization"), item_id)
        # A caption is addressed under its own item only.
        return item, self.get_tenant_object(Caption.objects.filter(item=item), caption_id)

    @extend_schema(
        operation_id="captions_partial_update",
        tags=["content"],
        summary="Change a caption's text or network",
        description="Only the fields sent change. An approved or published item goes back to review.",
        request=CaptionInputSerializer,
        responses=with_errors({200: CaptionSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, item_id: uuid.UUID, caption_id: uuid.UUID) -> Response:
        item, caption = self._caption(item_id, caption_id)
        data = self.validated_body(CaptionInputSerializer, partial=True)
        caption = services.caption_save(
            item=item,
            caption=caption,
            network=data.get("network", caption.network),
            text=data.get("text", caption.text),
            actor=self.membership,
        )
        return Response(CaptionSerializer(caption).data)

    @extend_schema(
        operation_id="captions_destroy",
        tags=["content"],
        summary="Delete a caption",
        description="An approved or published item goes back to review.",
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, item_id: uuid.UUID, caption_id: uuid.UUID) -> Response:
        _, caption = self._caption(item_id, caption_id)
        services.caption_delete(caption=caption, actor=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
