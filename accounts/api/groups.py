"""Groups (named sets of members that content targets) and topics (the shared vocabulary)."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.base import OrganizationAPIView, with_errors
from accounts.models import Group, Topic
from accounts.permissions import ADMINS, CURATORS, EVERYONE


class GroupSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    slug = serializers.SlugField()
    description = serializers.CharField()
    member_count = serializers.IntegerField(help_text="Active members in the group.")
    created_at = serializers.DateTimeField()


class TopicSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    slug = serializers.SlugField()


class GroupListAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "POST": ADMINS}

    class GroupCreateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="groups_list",
        tags=["groups"],
        summary="List groups, by name",
        responses=with_errors({200: GroupSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return self.paginated_response(selectors.group_list(organization=self.organization), GroupSerializer)

    @extend_schema(
        operation_id="groups_create",
        tags=["groups"],
        summary="Create a group",
        request=GroupCreateSerializer,
        responses=with_errors({201: GroupSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.GroupCreateSerializer)
        group = services.group_save(organization=self.organization, **data)
        group = self.get_tenant_object(selectors.group_list(organization=self.organization), group.public_id)
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


class GroupDetailAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "PATCH": ADMINS, "DELETE": ADMINS}

    class GroupUpdateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(max_length=500, allow_blank=True)

    @extend_schema(
        operation_id="groups_retrieve",
        tags=["groups"],
        summary="One group",
        responses=with_errors({200: GroupSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, group_id: uuid.UUID) -> Response:
        group = self.get_tenant_object(selectors.group_list(organization=self.organization), group_id)
        return Response(GroupSerializer(group).data)

    @extend_schema(
        operation_id="groups_partial_update",
        tags=["groups"],
        summary="Rename a group or change its description",
        request=GroupUpdateSerializer,
        responses=with_errors({200: GroupSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, group_id: uuid.UUID) -> Response:
        group = self.get_tenant_object(Group.objects.select_related("organization"), group_id)
        data = self.validated_body(self.GroupUpdateSerializer, partial=True)
        services.group_save(
            organization=self.organization,
            group=group,
            name=data.get("name", group.name),
            description=data.get("description", group.description),
        )
        group = self.get_tenant_object(selectors.group_list(organization=self.organization), group_id)
        return Response(GroupSerializer(group).data)

    @extend_schema(
        operation_id="groups_destroy",
        tags=["groups"],
        summary="Delete a group",
        description="Members stay; only the group and their place in it go.",
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, group_id: uuid.UUID) -> Response:
        services.group_delete(group=self.get_tenant_object(Group.objects.all(), group_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TopicListAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": ADMINS}

    class TopicCreateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=80)

    @extend_schema(
        operation_id="topics_list",
        tags=["topics"],
        summary="List topics, by name",
        responses=with_errors({200: TopicSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return self.paginated_response(
            Topic.objects.filter(organization=self.organization).order_by("name"), TopicSerializer
        )

    @extend_schema(
        operation_id="topics_create",
        tags=["topics"],
        summary="Create a topic",
        description="A topic with the same name (ignoring case) is returned instead of a duplicate.",
        request=TopicCreateSerializer,
        responses=with_errors({201: TopicSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.TopicCreateSerializer)
        topic = services.topic_create(organization=self.organization, name=data["name"])
        return Response(TopicSerializer(topic).data, status=status.HTTP_201_CREATED)
