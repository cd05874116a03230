"""Invitations to join an organisation."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.api.members import MemberAttributesSerializer
from accounts.models import Group, Invitation, InvitationState, Role
from accounts.permissions import ADMINS


class InvitationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    state = serializers.ChoiceField(choices=InvitationState.choices)
    member_id = serializers.UUIDField(source="membership.public_id", help_text="The invited member's id.")
    invited_by = serializers.EmailField(source="invited_by.email", allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class InvitationListAPI(OrganizationAPIView):
    roles = {"GET": ADMINS, "POST": ADMINS}

    class InvitationCreateSerializer(MemberAttributesSerializer):
        email = serializers.CharField(max_length=254)
        role = serializers.ChoiceField(choices=Role.choices, default=Role.EMPLOYEE)
        full_name = serializers.CharField(
            max_length=200,
            required=False,
            allow_blank=True,
            default="",
            help_text="Used when the person is new to Chorus.",
        )
        groups = TenantObjectField(Group, many=True, required=False, help_text="Ids of the groups to join.")

        class Meta(MemberAttributesSerializer.Meta):
            fields = ("email", "role", "full_name", *services.MEMBER_ATTRIBUTES, "groups")

    class InvitationFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=InvitationState.choices, required=False)
        search = serializers.CharField(required=False, allow_blank=True, help_text="Part of the email or name.")

    @extend_schema(
        operation_id="invitations_list",
        tags=["invitations"],
        summary="List invitations, newest first",
        parameters=[InvitationFilterSerializer],
        responses=with_errors({200: InvitationSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.InvitationFilterSerializer)
        invitations = selectors.invitation_list(organization=self.organization, **filters)
        return self.paginated_response(invitations, InvitationSerializer)

    @extend_schema(
        operation_id="invitations_create",
        tags=["invitations"],
        summary="Invite a person by email",
        description=(
            "Creates an `invited` member with the role and attributes given and emails them a single-use link. "
            "Inviting someone again replaces their pending invitation."
        ),
        request=InvitationCreateSerializer,
        responses=with_errors({201: InvitationSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.InvitationCreateSerializer)
        invitation = services.invitation_create(
            organization=self.organization,
            email=data.pop("email"),
            role=data.pop("role"),
            full_name=data.pop("full_name"),
            groups=data.pop("groups", None),
            attributes=data,
            invited_by=request.user,  # type: ignore[arg-type]
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevokeAPI(OrganizationAPIView):
    roles = {"POST": ADMINS}

    @extend_schema(
        operation_id="invitations_revoke",
        tags=["invitations"],
        summary="Withdraw an invitation",
        description="The link stops working. A person left with no pending invitation is removed.",
        request=None,
        responses=with_errors({204: None}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, invitation_id: uuid.UUID) -> Response:
        invitation = self.get_tenant_object(
            Invitation.objects.select_related("organization", "membership"), invitation_id
        )
        services.invitation_revoke(invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)
