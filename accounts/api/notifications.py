"""The caller's own notifications (delivered ones only: held notifications appear when
the caller may be reached), marking them read, and email preferences."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, with_errors
from accounts.models import DigestFrequency, NotificationKind
from accounts.permissions import EVERYONE
from accounts.selectors.notifications import notification_preference_of, notifications_for_member
from accounts.services import notifications as services

TAG = "notifications"
NOTIFICATION_ID = OpenApiParameter(
    "notification_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A notification's `id`."
)


class NotificationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    # A plain string in the schema: an enum would collide with content items' `kind`.
    kind = serializers.CharField(help_text=f"One of: {', '.join(NotificationKind.values)}.")
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField(help_text="A path in Chorus (/o/…) or an https address; empty for none.")
    delivered_at = serializers.DateTimeField(help_text="When it reached you (after your quiet hours, if any).")
    read_at = serializers.DateTimeField(allow_null=True)


class PreferenceSerializer(serializers.Serializer):
    digest = serializers.ChoiceField(
        choices=DigestFrequency.choices,
        help_text="Email digest of new content: at 08:00 your time, daily or on Mondays, or never.",
    )


class NotificationListAPI(OrganizationAPIView):
    """Your notifications, newest first. Notifications held for your quiet hours (or,
    for hourly staff, outside working hours) appear once they are delivered."""

    roles = {"GET": EVERYONE}

    class NotificationFilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False, help_text="Only unread ones.")

    @extend_schema(
        operation_id="notifications_list",
        tags=[TAG],
        summary="List your notifications",
        parameters=[NotificationFilterSerializer],
        responses=with_errors({200: NotificationSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.NotificationFilterSerializer)
        notifications = notifications_for_member(membership=self.membership, unread=filters["unread"])
        return self.paginated_response(notifications, NotificationSerializer)


class NotificationReadAPI(OrganizationAPIView):
    """Mark one of your notifications read. Repeating it is harmless; another member's
    notification answers 404."""

    roles = {"POST": EVERYONE}

    @extend_schema(
        operation_id="notifications_read",
        tags=[TAG],
        summary="Mark a notification read",
        parameters=[NOTIFICATION_ID],
        request=None,
        responses=with_errors({200: NotificationSerializer}, 403, 404),
    )
    def post(self, request: Request, org_slug: str, notification_id: uuid.UUID) -> Response:
        notification = self.get_tenant_object(notifications_for_member(membership=self.membership), notification_id)
        notification = services.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllAPI(OrganizationAPIView):
    """Mark all your delivered notifications read."""

    roles = {"POST": EVERYONE}

    @extend_schema(
        operation_id="notifications_read_all",
        tags=[TAG],
        summary="Mark all notifications read",
        request=None,
        responses=with_errors(
            {200: inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})}, 403, 404
        ),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        return Response({"marked": services.notifications_mark_all_read(membership=self.membership)})


class NotificationPreferenceAPI(OrganizationAPIView):
    """Your email preferences in this organisation."""

    roles = {"GET": EVERYONE, "PATCH": EVERYONE}

    @extend_schema(
        operation_id="notification_preferences_get",
        tags=[TAG],
        summary="Read your email preferences",
        responses=with_errors({200: PreferenceSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(PreferenceSerializer(notification_preference_of(membership=self.membership)).data)

    @extend_schema(
        operation_id="notification_preferences_update",
        tags=[TAG],
        summary="Change your email preferences",
        request=PreferenceSerializer,
        responses=with_errors({200: PreferenceSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(PreferenceSerializer, partial=True)
        preference = notification_preference_of(membership=self.membership)
        if "digest" in data:
            preference = services.notification_preference_update(membership=self.membership, digest=data["digest"])
        return Response(PreferenceSerializer(preference).data)
