"""The signed-in person (`/me/`) and an organisation's members."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.base import ChorusAPIView, OrganizationAPIView, TenantObjectField, with_errors
from accounts.models import Group, Membership, MembershipStatus, Role, Topic
from accounts.permissions import ADMINS, CURATORS, EVERYONE

# Output ---------------------------------------------------------------------------


class ObjectRefSerializer(serializers.Serializer):
    """A group or topic named inside another object."""

    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()


class MemberSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text="The member's id in this organisation.")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=MembershipStatus.choices)
    department = serializers.CharField()
    location = serializers.CharField()
    job_title = serializers.CharField()
    joined_at = serializers.DateTimeField(allow_null=True)


class MemberSerializer(MemberSummarySerializer):
    timezone = serializers.CharField(help_text="Empty means the organisation's.")
    work_days = serializers.CharField(help_text="ISO weekday digits, Monday = 1 … Sunday = 7.")
    work_start = serializers.TimeField(allow_null=True)
    work_end = serializers.TimeField(allow_null=True)
    quiet_hours_start = serializers.TimeField(allow_null=True)
    quiet_hours_end = serializers.TimeField(allow_null=True)
    is_hourly = serializers.BooleanField()
    groups = ObjectRefSerializer(many=True)
    interests = ObjectRefSerializer(many=True)
    focus_topic = ObjectRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    deactivated_at = serializers.DateTimeField(allow_null=True)


class MeOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="organization.public_id")
    slug = serializers.SlugField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    role = serializers.ChoiceField(choices=Role.choices)
    member_id = serializers.UUIDField(source="public_id", help_text="Your member id in this organisation.")


# Input ----------------------------------------------------------------------------


# The attributes an admin may set (accounts.services.MEMBER_ATTRIBUTES), with the model's
# own field validators; shared by the member update and the invitation.
class MemberAttributesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields: tuple[str, ...] = services.MEMBER_ATTRIBUTES


def member_queryset() -> QuerySet[Membership]:
    return Membership.objects.select_related("user", "focus_topic").prefetch_related("groups", "interests")


# Endpoints ---------------------------------------------------------------------


class MeAPI(ChorusAPIView):
    class MeSerializer(serializers.Serializer):
        id = serializers.UUIDField(source="user.public_id")
        email = serializers.EmailField(source="user.email")
        full_name = serializers.CharField(source="user.full_name")
        organizations = MeOrganizationSerializer(
            source="memberships", many=True, help_text="Active memberships, by organisation name."
        )

    @extend_schema(
        operation_id="me_retrieve",
        tags=["me"],
        summary="The signed-in person and their organisations",
        responses=with_errors({200: MeSerializer}, 403),
    )
    def get(self, request: Request) -> Response:
        memberships = selectors.memberships_of_user(user=request.user)  # type: ignore[arg-type]
        return Response(self.MeSerializer({"user": request.user, "memberships": memberships}).data)


class MemberListAPI(OrganizationAPIView):
    roles = {"GET": CURATORS}

    class MemberFilterSerializer(serializers.Serializer):
        search = serializers.CharField(
            required=False, allow_blank=True, help_text="Part of the name, email, job title, department or location."
        )
        role = serializers.ChoiceField(choices=Role.choices, required=False)
        status = serializers.ChoiceField(choices=MembershipStatus.choices, required=False)
        department = serializers.CharField(required=False, allow_blank=True, help_text="Exact department.")

    @extend_schema(
        operation_id="members_list",
        tags=["members"],
        summary="List members",
        parameters=[MemberFilterSerializer],
        responses=with_errors({200: MemberSummarySerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.MemberFilterSerializer)
        members = selectors.member_list(organization=self.organization, **filters)
        return self.paginated_response(members, MemberSummarySerializer)


class MemberMeAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="members_me_retrieve",
        tags=["members"],
        summary="The caller's own membership",
        responses=with_errors({200: MemberSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        member = self.get_tenant_object(member_queryset(), self.membership.public_id)
        return Response(MemberSerializer(member).data)


class MemberDetailAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "PATCH": ADMINS}

    class MemberUpdateSerializer(MemberAttributesSerializer):
        role = serializers.ChoiceField(choices=Role.choices)
        groups = TenantObjectField(Group, many=True, help_text="Ids of the groups; replaces the member's groups.")
        interests = TenantObjectField(Topic, many=True, help_text="Ids of topics; replaces the member's interests.")
        focus_topic = TenantObjectField(Topic, allow_null=True, help_text="Id of a topic, or null.")

        class Meta(MemberAttributesSerializer.Meta):
            fields = ("role", *services.MEMBER_ATTRIBUTES, "groups", "interests", "focus_topic")

    @extend_schema(
        operation_id="members_retrieve",
        tags=["members"],
        summary="One member",
        responses=with_errors({200: MemberSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, member_id: uuid.UUID) -> Response:
        return Response(MemberSerializer(self.get_tenant_object(member_queryset(), member_id)).data)

    @extend_schema(
        operation_id="members_partial_update",
        tags=["members"],
        summary="Change a member's role, attributes, groups, interests or focus topic",
        description="Only the fields sent change. Demoting the last active admin is refused with 400.",
        request=MemberUpdateSerializer,
        responses=with_errors({200: MemberSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, member_id: uuid.UUID) -> Response:
        member = self.get_tenant_object(Membership.objects.select_related("organization", "user"), member_id)
        data = self.validated_body(self.MemberUpdateSerializer, partial=True)
        role = data.pop("role", None)
        groups = data.pop("groups", None)
        interests = data.pop("interests", None)
        focus_topic = data.pop("focus_topic", ...)
        # One transaction for both services: when the role change is refused (the last
        # admin), the other edits of the same request must not be saved either.
        with transaction.atomic():
            if role is not None:
                services.membership_change_role(membership=member, role=role)
            services.membership_update(
                membership=member, attributes=data, groups=groups, interests=interests, focus_topic=focus_topic
            )
        return Response(MemberSerializer(self.get_tenant_object(member_queryset(), member_id)).data)


class MemberDeactivateAPI(OrganizationAPIView):
    roles = {"POST": ADMINS}

    @extend_schema(
        operation_id="members_deactivate",
        tags=["members"],
        summary="Deactivate a member",
        description="The member loses access at once. Deactivating the last active admin is refused with 400.",
        request=None,
        responses=with_errors({200: MemberSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, member_id: uuid.UUID) -> Response:
        member = self.get_tenant_object(Membership.objects.select_related("organization", "user"), member_id)
        services.membership_deactivate(membership=member)
        return Response(MemberSerializer(self.get_tenant_object(member_queryset(), member_id)).data)


class MemberReactivateAPI(OrganizationAPIView):
    roles = {"POST": ADMINS}

    @extend_schema(
        operation_id="members_reactivate",
        tags=["members"],
        summary="Reactivate a deactivated member",
        description="Someone who never accepted their invitation goes back to `invited`.",
        request=None,
        responses=with_errors({200: MemberSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, member_id: uuid.UUID) -> Response:
        member = self.get_tenant_object(Membership.objects.select_related("organization", "user"), member_id)
        services.membership_reactivate(membership=member)
        return Response(MemberSerializer(self.get_tenant_object(member_queryset(), member_id)).data)
