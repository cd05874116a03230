"""The employee feed: ranked items with the reasons, one item with its captions, and
"not relevant"."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.api.members import ObjectRefSerializer
from accounts.models import Topic
from accounts.permissions import EVERYONE
from content import selectors, services
from content.api.serializers import FeedItemDetailSerializer, FeedItemSerializer


class FeedEntrySerializer(serializers.Serializer):
    item = FeedItemSerializer()
    score = serializers.FloatField(help_text="Higher ranks first; comparable within one feed only.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text='Why it is here, e.g. "Because you follow Cloud".'
    )


class FeedPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")
    results = FeedEntrySerializer(many=True)
    topics = ObjectRefSerializer(many=True, help_text="Topics to filter by: the member's interests, else all.")


class FeedAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    class FeedQuerySerializer(serializers.Serializer):
        topic = TenantObjectField(Topic, required=False, help_text="Only items on this topic (a topic id).")
        page = serializers.IntegerField(min_value=1, required=False, default=1, help_text="From 1; 20 per page.")

    @extend_schema(
        operation_id="feed_list",
        tags=["feed"],
        summary="The caller's feed, best first",
        description=(
            "Published, unexpired items whose audience includes the caller, except those they "
            "marked as not relevant, each with the reasons it is there. A page past the end is "
            "empty."
        ),
        parameters=[FeedQuerySerializer],
        responses=with_errors({200: FeedPageSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        query = self.validated_query(self.FeedQuerySerializer)
        feed = selectors.feed_for_member(membership=self.membership, topic=query.get("topic"), page=query["page"])
        body: dict[str, Any] = {
            "page": feed.page,
            "next": replace_query_param(request.build_absolute_uri(), "page", feed.page + 1) if feed.has_next else None,
            "results": feed.entries,
            "topics": feed.topics,
        }
        return Response(FeedPageSerializer(body).data)


class FeedItemAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="feed_retrieve",
        tags=["feed"],
        summary="One item of the caller's feed, with its suggested captions",
        description=(
            "404 for an item that is not published, has expired or is for another audience, as for "
            "one that does not exist. An item the caller marked as not relevant stays readable."
        ),
        responses=with_errors({200: FeedItemDetailSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = selectors.feed_item_for_member(membership=self.membership, item_id=item_id)
        return Response(FeedItemDetailSerializer(item).data)


class FeedDismissAPI(OrganizationAPIView):
    roles = {"POST": EVERYONE}

    @extend_schema(
        operation_id="feed_dismiss",
        tags=["feed"],
        summary="Mark a feed item as not relevant",
        description="It leaves the caller's feed and similar items rank lower. Doing it again changes nothing.",
        request=None,
        responses=with_errors({204: None}, 403, 404),
    )
    def post(self, request: Request, org_slug: str, item_id: uuid.UUID) -> Response:
        item = selectors.feed_item_for_member(membership=self.membership, item_id=item_id)
        services.feed_item_dismiss(membership=self.membership, item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)
