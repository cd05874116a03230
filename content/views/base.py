"""What every content manager screen shares: the roles, and the organisation's time zone."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, tzinfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views import View

from accounts.permissions import CURATORS, OrganizationViewMixin, RoleMap
from content.lib.networks import rules_for

# POST-only endpoints also declare GET, so a curator who opens one by address gets 405
# Method Not Allowed rather than a misleading 403 (as in accounts.views.people).
CURATOR_READ_WRITE: RoleMap = {"GET": CURATORS, "POST": CURATORS}


def organization_zone(request: HttpRequest) -> tzinfo:
    organization = getattr(request, "organization", None)
    try:
        return zoneinfo.ZoneInfo(organization.timezone) if organization and organization.timezone else UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


class CuratorView(OrganizationViewMixin, View):
    """Admins and managers; dates and times are read and shown in the organisation's
    time zone (forms, `|date`, the calendar), not the server's."""

    roles: RoleMap = {"GET": CURATORS}

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        with timezone.override(organization_zone(request)):
            return super().dispatch(request, *args, **kwargs)


_FIELD_LABELS = {
    "title": "Title",
    "body": "Notes",
    "url": "Link",
    "expires_at": "Expiry",
    "publish_at": "Publish time",
    "audience": "Audience",
    "image": "Image",
    "text": "Caption",
}


def error_text(error: ValidationError) -> str:
    """A service's ValidationError as one sentence or a few, for a flash message."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts: list[str] = []
    for name, messages in error.message_dict.items():
        if name.startswith("caption "):
            network = name.removeprefix("caption ")
            try:
                label = f"Caption ({rules_for(network).display_name})"
            except ValueError:
                label = "Caption"
        else:
            label = _FIELD_LABELS.get(name, "")
        parts.extend(f"{label}: {message}" if label else message for message in messages)
    return " ".join(parts)
