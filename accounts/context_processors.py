from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Role


def organization(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        "role": membership.role if membership else None,
        "Role": Role,
    }
