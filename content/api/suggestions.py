"""Suggestions: employees suggest links and ideas and follow them; curators accept
them as drafts or decline them with a reason."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, with_errors
from accounts.permissions import CURATORS, EVERYONE
from content import selectors, services
from content.api.serializers import SuggestionSerializer
from content.models import Suggestion


def suggestion_queryset() -> QuerySet[Suggestion]:
    return Suggestion.objects.select_related("author__user", "item", "organization")


class SuggestionListAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    class SuggestionCreateSerializer(serializers.Serializer):
        url = serializers.URLField(
            max_length=2000, required=False, allow_blank=True, help_text="http:// or https://; optional."
        )
        note = serializers.CharField(max_length=5000, help_text="What is it, and why would colleagues share it?")

    @extend_schema(
        operation_id="suggestions_list",
        tags=["suggestions"],
        summary="The caller's own suggestions, newest first",
        description="With their state and, once declined, the reason.",
        responses=with_errors({200: SuggestionSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        mine = selectors.suggestions_of_member(membership=self.membership).select_related("author__user", "item")
        return self.paginated_response(mine, SuggestionSerializer)

    @extend_schema(
        operation_id="suggestions_create",
        tags=["suggestions"],
        summary="Suggest a link or an idea",
        request=SuggestionCreateSerializer,
        responses=with_errors({201: SuggestionSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.SuggestionCreateSerializer)
        suggestion = services.suggestion_create(author=self.membership, note=data["note"], url=data.get("url", ""))
        suggestion = self.get_tenant_object(suggestion_queryset(), suggestion.public_id)
        return Response(SuggestionSerializer(suggestion).data, status=status.HTTP_201_CREATED)


class SuggestionQueueAPI(OrganizationAPIView):
    roles = {"GET": CURATORS}

    @extend_schema(
        operation_id="suggestions_queue",
        tags=["suggestions"],
        summary="Suggestions waiting for review, oldest first",
        responses=with_errors({200: SuggestionSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        queue = selectors.suggestion_queue(organization=self.organization).select_related("item")
        return self.paginated_response(queue, SuggestionSerializer)


class SuggestionAcceptAPI(OrganizationAPIView):
    roles = {"POST": CURATORS}

    @extend_schema(
        operation_id="suggestions_accept",
        tags=["suggestions"],
        summary="Accept a suggestion as a draft item",
        description=(
            "The draft is credited to the employee; its id is the suggestion's `item`. A suggestion "
            "already reviewed is refused with 400."
        ),
        request=None,
        responses=with_errors({200: SuggestionSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, suggestion_id: uuid.UUID) -> Response:
        suggestion = self.get_tenant_object(suggestion_queryset(), suggestion_id)
        services.suggestion_accept(suggestion=suggestion, reviewer=self.membership)
        return Response(SuggestionSerializer(self.get_tenant_object(suggestion_queryset(), suggestion_id)).data)


class SuggestionDeclineAPI(OrganizationAPIView):
    roles = {"POST": CURATORS}

    class DeclineSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000, help_text="Shown to the employee.")

    @extend_schema(
        operation_id="suggestions_decline",
        tags=["suggestions"],
        summary="Decline a suggestion, saying why",
        description="A suggestion already reviewed is refused with 400.",
        request=DeclineSerializer,
        responses=with_errors({200: SuggestionSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, suggestion_id: uuid.UUID) -> Response:
        suggestion = self.get_tenant_object(suggestion_queryset(), suggestion_id)
        data = self.validated_body(self.DeclineSerializer)
        services.suggestion_decline(suggestion=suggestion, reviewer=self.membership, reason=data["reason"])
        return Response(SuggestionSerializer(self.get_tenant_object(suggestion_queryset(), suggestion_id)).data)
