"""Featured announcements through the API: the same service as the manager's page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.permissions import CURATORS
from content.api.items import AudienceInputSerializer
from content.models import ContentItem
from content.services import Audience
from content.services.announcements import TEXT_MAX, TITLE_MAX, announcement_send


class AnnouncementResultSerializer(serializers.Serializer):
    recipients = serializers.IntegerField(help_text="Active members the audience matched; each gets it.")
    delivered_now = serializers.IntegerField(
        help_text="Delivered at once; the rest are held until each person's quiet or working hours allow."
    )


class AnnouncementAPI(OrganizationAPIView):
    """Send a featured announcement to an audience: an in-app notification and an email
    for each active member it matches, delivered outside each person's quiet hours
    (and, for hourly staff, within their working hours)."""

    roles = {"POST": CURATORS}

    class AnnouncementInputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX)
        text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
        item = TenantObjectField(
            ContentItem, required=False, allow_null=True, help_text="A published item's `id` to link to."
        )
        audience = AudienceInputSerializer(
            required=False, help_text="Omit it, or leave every list empty, for everyone."
        )

    @extend_schema(
        operation_id="announcements_create",
        tags=["announcements"],
        summary="Send a featured announcement",
        request=AnnouncementInputSerializer,
        responses=with_errors({201: AnnouncementResultSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.AnnouncementInputSerializer)
        sent = data.get("audience") or {}
        result = announcement_send(
            organization=self.organization,
            sender=self.membership,
            title=data["title"],
            text=data.get("text", ""),
            audience=Audience(
                departments=sent.get("departments", []),
                locations=sent.get("locations", []),
                roles=sent.get("roles", []),
                groups=sent.get("groups", []),
                topics=sent.get("topics", []),
            ),
            item=data.get("item"),
        )
        return Response(AnnouncementResultSerializer(result).data, status=status.HTTP_201_CREATED)
