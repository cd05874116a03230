"""What every page's layout needs: the organisation and membership of the request, the
main navigation and the organisation switcher. The last two are lazy (computed only
when a template reads them) and cheap to read again: every page shows them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import get_script_prefix
from django.utils.functional import SimpleLazyObject

from accounts.models import Membership, Role
from accounts.navigation import NavItem, navigation_for
from accounts.selectors import memberships_of_user

# The switcher lists the person's other organisations too, which change without this
# process hearing of it (an invitation accepted elsewhere, a role changed by another
# organisation's admin): kept this long at most. The current organisation is checked on
# every page, so the one being looked at is always right.
SWITCHER_CACHE_SECONDS = 60


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
    return f"user:{user_pk}:organization-switcher"


def organization_switcher(request: HttpRequest) -> list[SwitcherEntry]:
    """The signed-in person's active memberships, by organisation name, for the switcher."""
    user = request.user
    if not user.is_authenticated:
        return []
    read: list[SwitcherEntry] | None = getattr(request, "_organization_switcher", None)
    if read is not None:
        return read  # a page may ask more than once (its cache key, then its navbar)
    key = _switcher_key(user.pk)
    entries: list[SwitcherEntry] | None = cache.get(key)
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
        cache.set(key, entries, timeout=SWITCHER_CACHE_SECONDS)
    request._organization_switcher = entries  # type: ignore[attr-defined]
    return entries


@lru_cache(maxsize=2048)
def _navigation(role: str, organization_slug: str, current_path: str, urlconf: str, prefix: str) -> tuple[NavItem, ...]:
    # A pure function of its arguments (the URLconf and script prefix are in them), so
    # remembering it is safe; it saves reversing every section's URL on every page.
    return tuple(navigation_for(role=role, organization_slug=organization_slug, current_path=current_path))


def navigation(request: HttpRequest) -> tuple[NavItem, ...]:
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
