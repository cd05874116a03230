"""What every page's layout needs: the organisation and membership of the request, the
main navigation and the organisation switcher. The last two are lazy (computed only
when a template reads them) and cheap to read again: every page shows them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import get_script_prefix
from django.utils.functional import SimpleLazyObject

from accounts.models import Membership, Role
from accounts.navigation import NavSection, navigation_for, navigation_sections
from accounts.selectors import memberships_of_user

# The switcher lists the person's other organisations too, which change without this
# process hearing of it (an invitation accepted elsewhere, a role changed by another
# organisation's admin): kept this long at most, counted from when it was read from the
# database, in the shared cache and in this process alike. The current organisation is
# checked on every page, so the one being looked at is always right.
SWITCHER_CACHE_SECONDS = 60
SWITCHERS_KEPT_IN_PROCESS = 5000  # a few hundred bytes each


@dataclass(frozen=True)
class SwitcherEntry:
    """One organisation in the navbar's switcher."""

    organization_id: int
    slug: str
    name: str
    role: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def _switcher_key(user_pk: int) -> str:
    # A person's own memberships across tenants, so keyed by the user, not a tenant.
    return f"user:{user_pk}:organization-switcher-read"


# By (user pk, user public id): until when each list may be shown, and the list. Read on
# every page, so kept here too: a round trip to the shared cache cost as much as
# building the rest of a kept feed page.
_switchers_in_process: dict[tuple[int, str], tuple[float, list[SwitcherEntry]]] = {}


def _kept_switcher(key: tuple[int, str]) -> list[SwitcherEntry] | None:
    found = _switchers_in_process.get(key)
    if found is None:
        return None
    until, entries = found
    if until <= time.time():
        _switchers_in_process.pop(key, None)
        return None
    return entries


def _keep_switcher(key: tuple[int, str], read_at: float, entries: list[SwitcherEntry]) -> None:
    _switchers_in_process[key] = (read_at + SWITCHER_CACHE_SECONDS, entries)
    while len(_switchers_in_process) > SWITCHERS_KEPT_IN_PROCESS:
        _switchers_in_process.pop(next(iter(_switchers_in_process)), None)  # the oldest


def organization_switcher(request: HttpRequest) -> list[SwitcherEntry]:
    """The signed-in person's active memberships, by organisation name, for the switcher."""
    user = request.user
    if not user.is_authenticated:
        return []
    read: list[SwitcherEntry] | None = getattr(request, "_organization_switcher", None)
    if read is not None:
        return read  # a page may ask more than once (its cache key, then its navbar)
    local_key = (user.pk, str(user.public_id))  # type: ignore[union-attr]
    entries = _kept_switcher(local_key)
    read_at: float | None = None
    if entries is None:
        kept: dict[str, Any] | None = cache.get(_switcher_key(user.pk))
        if kept is not None:
            entries, read_at = kept["entries"], kept["read_at"]
    membership: Membership | None = getattr(request, "membership", None)
    if entries is not None and membership is not None and membership.is_active:
        organization = membership.organization
        current = SwitcherEntry(organization.pk, organization.slug, organization.name, membership.role)
        if current not in entries:
            entries = None  # what this page shows differs from what was kept: read again
    if entries is None:
        entries = [
            SwitcherEntry(m.organization_id, m.organization.slug, m.organization.name, m.role)
            for m in memberships_of_user(user=user)  # type: ignore[arg-type]
        ]
        read_at = time.time()
        cache.set(_switcher_key(user.pk), {"entries": entries, "read_at": read_at}, timeout=SWITCHER_CACHE_SECONDS)
    if read_at is not None:
        _keep_switcher(local_key, read_at, entries)
    request._organization_switcher = entries  # type: ignore[attr-defined]
    return entries


@lru_cache(maxsize=2048)
def _navigation(
    role: str, organization_slug: str, current_path: str, urlconf: str, prefix: str
) -> tuple[NavSection, ...]:
    # A pure function of its arguments (the URLconf and script prefix are in them), so
    # remembering it is safe; it saves reversing every section's URL on every page.
    items = navigation_for(role=role, organization_slug=organization_slug, current_path=current_path)
    return tuple(navigation_sections(items))


def navigation(request: HttpRequest) -> tuple[NavSection, ...]:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        return ()
    urlconf = str(getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
    return _navigation(membership.role, membership.organization.slug, request.path, urlconf, get_script_prefix())


def organization(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        "role": membership.role if membership else None,
        "Role": Role,
        "navigation": SimpleLazyObject(lambda: navigation(request)),
        "organization_switcher": SimpleLazyObject(lambda: organization_switcher(request)),
    }
