"""The audit log, read-only: nothing in the API writes or changes an event directly."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, with_errors
from accounts.models import AuditAction
from accounts.permissions import ADMINS
from accounts.selectors.audit import audit_event_list


class AuditEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    occurred_at = serializers.DateTimeField()
    action = serializers.CharField(help_text="A dotted code, such as `member.role_changed`.")
    action_label = serializers.CharField()
    actor = serializers.CharField(
        source="actor_label",
        help_text="The acting person's email as it was at the time; empty for the system.",
    )
    actor_member_id = serializers.UUIDField(
        allow_null=True, help_text="The actor's member id, if they still belong to the organisation."
    )
    target_type = serializers.CharField(help_text="The kind of object acted on, such as `accounts.membership`.")
    target_id = serializers.CharField(help_text="The object's `id`; empty when it has none.")
    target_label = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.JSONField(), help_text='What changed: `{"field": {"before": …, "after": …}}`.'
    )
    note = serializers.CharField()
    ip_address = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    request_id = serializers.CharField()


class AuditEventListAPI(OrganizationAPIView):
    """The organisation's audit log, newest first: role changes, deactivations,
    invitations, approvals, settings changes, exports and the like. Entries cannot be
    changed or deleted."""

    roles = {"GET": ADMINS}

    class AuditFilterSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
        actor = serializers.UUIDField(required=False, help_text="The acting member's `id`.")
        search = serializers.CharField(
            required=False, allow_blank=True, help_text="Part of the actor's email or name, the target or the note."
        )
        date_from = serializers.DateField(
            required=False, help_text="First day included, in the organisation's time zone."
        )
        date_to = serializers.DateField(required=False, help_text="Last day included, in the organisation's time zone.")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
                raise serializers.ValidationError({"date_to": ["The end date is before the start date."]})
            return attrs

    @extend_schema(
        operation_id="audit_events_list",
        tags=["audit"],
        summary="List audit log entries, newest first",
        parameters=[AuditFilterSerializer],
        responses=with_errors({200: AuditEventSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.AuditFilterSerializer)
        events = audit_event_list(
            organization=self.organization,
            action=filters.get("action", ""),
            actor_member_id=filters.get("actor"),
            search=filters.get("search", ""),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        return self.paginated_response(events, AuditEventSerializer)
