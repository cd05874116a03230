"""The cross-tenant walk: every route that takes an organisation slug or an object id
is requested by each role of organisation A with organisation B's slug or ids.

Each must answer 404 or 403, show none of B's data and change none of B's rows.
Object ids are filled in from URL keyword names (`KWARG_VALUES`); a route with a
keyword the walk does not know fails `test_every_route_can_be_walked` until it is
given a value here, or an explicit exemption with the reason. New routes are
walked automatically; nothing can be skipped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.lib import crypto
from accounts.models import Group, Invitation, Membership, Role, ScimToken, SsoConnection, Topic
from accounts.models.notifications import Notification
from accounts.models.onboarding import AccessRequest, PolicyVersion, QuizAttempt, QuizQuestion, TrainingModule
from accounts.services.sso import SsoConnectionInput, sso_connection_save
from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState, SocialConnection
from analytics.models import AnalyticsSettings, BrandPromise, Conversion, Goal, Kpi, KpiValue, PulseResponse
from content.models import Caption, ContentImage, ContentItem, FeedSource, Suggestion
from tests.conftest import Tenant
from tests.factories import ScimTokenFactory
from tests.factories_onboarding import AccessRequestFactory, PolicyVersionFactory, certify, module_with_quiz


def image_of(tenant: Tenant) -> ContentImage:
    """An image on the tenant's item (the shared fixture has none). The row is enough:
    the walk must be refused before any file is read."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        image = ContentImage.objects.filter(organization=tenant.organization, item=tenant.item).first()
        return image or ContentImage.objects.create(
            organization=tenant.organization, item=tenant.item, image="content/walk.png", width=1, height=1
        )


def promise_of(tenant: Tenant) -> BrandPromise:
    """A brand promise of the tenant, rated by its employee (the shared fixture has none)."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        promise = BrandPromise.objects.filter(organization=tenant.organization).first()
        if promise is None:
            promise = BrandPromise.objects.create(
                organization=tenant.organization, text=f"{tenant.organization.name} promise", position=1
            )
            PulseResponse.objects.create(
                organization=tenant.organization,
                promise=promise,
                membership=tenant.employee,
                quarter=date(2025, 1, 1),
                rating=4,
                comment=f"{tenant.organization.name} pulse comment",
            )
        return promise


def scim_token_of(tenant: Tenant) -> ScimToken:
    """A SCIM token of the tenant (the shared fixture has none)."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        token = ScimToken.objects.filter(organization=tenant.organization).first()
        return token or ScimTokenFactory(organization=tenant.organization, name=f"{tenant.organization.name} IdP")


def sso_connection_of(tenant: Tenant) -> SsoConnection:
    """A single sign-on connection of the tenant (the shared fixture has none)."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        connection = SsoConnection.objects.filter(organization=tenant.organization).first()
        return connection or sso_connection_save(
            organization=tenant.organization,
            data=SsoConnectionInput(
                protocol="oidc",
                name=f"{tenant.organization.name} identity provider",
                domains=[f"{tenant.organization.slug}.example"],
                oidc_server_url=f"https://idp.{tenant.organization.slug}.example",
                oidc_client_id=f"{tenant.organization.slug}-client",
                oidc_client_secret="walk-secret",
            ),
            actor=None,
        )


@dataclass(frozen=True)
class OnboardingObjects:
    policy: PolicyVersion
    module: TrainingModule
    question: QuizQuestion
    access_request: AccessRequest


def onboarding_of(tenant: Tenant) -> OnboardingObjects:
    """The tenant's policy, a module with a quiz, and an access request (the shared fixture
    has none), built once per organisation; the employee acknowledged and passed."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        policy = PolicyVersion.objects.filter(organization=tenant.organization).first()
        if policy is None:
            policy = PolicyVersionFactory(
                organization=tenant.organization, title=f"{tenant.organization.name} policy title"
            )
            module = module_with_quiz(tenant.organization, title=f"{tenant.organization.name} training")
            certify(tenant.employee, policy, [module])
            AccessRequestFactory(
                organization=tenant.organization, membership=tenant.employee, message=f"{tenant.organization.name} plea"
            )
        module = TrainingModule.objects.get(organization=tenant.organization)
        return OnboardingObjects(
            policy=policy,
            module=module,
            question=QuizQuestion.objects.filter(organization=tenant.organization).first(),  # type: ignore[misc]
            access_request=AccessRequest.objects.get(organization=tenant.organization),
        )


def notification_of(tenant: Tenant) -> Notification:
    """A delivered notification of the tenant's employee (the shared fixture has none)."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        notification = Notification.objects.filter(organization=tenant.organization).first()
        return notification or Notification.objects.create(
            organization=tenant.organization,
            recipient=tenant.employee,
            title=f"{tenant.organization.name} notice",
            deliver_after=tenant.employee.created_at,
            delivered_at=tenant.employee.created_at,
        )


@dataclass(frozen=True)
class AdvocacyObjects:
    connection: SocialConnection
    share: Share


def advocacy_of(tenant: Tenant) -> AdvocacyObjects:
    """A connected account of the tenant's employee with a failed share on it (the shared
    fixture has neither), so cancel, retry and disconnect would each change something
    if they reached it. Built once per organisation."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        connection = SocialConnection.objects.filter(organization=tenant.organization).first()
        if connection is None:
            name = tenant.organization.name
            connection = SocialConnection.objects.create(
                organization=tenant.organization,
                membership=tenant.employee,
                network="sandbox",
                external_user_id=f"{tenant.organization.slug}-walk",
                author_ref=f"{tenant.organization.slug}-walk",
                handle=f"{name} social handle",
                display_name=f"{name} social name",
                access_token_encrypted=crypto.encrypt(f"{name} access token"),
                refresh_token_encrypted=crypto.encrypt(f"{name} refresh token"),
            )
            Share.objects.create(
                organization=tenant.organization,
                membership=tenant.employee,
                connection=connection,
                network=connection.network,
                item=tenant.item,
                text=f"{name} share text",
                body=f"{name} share text",
                state=ShareState.FAILED,
                last_error=f"{name} share error",
            )
        return AdvocacyObjects(connection=connection, share=Share.objects.get(connection=connection))


@dataclass(frozen=True)
class AnalyticsObjects:
    goal: Goal
    kpi: Kpi
    kpi_value: KpiValue
    conversion: Conversion


def analytics_of(tenant: Tenant) -> AnalyticsObjects:
    """A goal with a KPI, a value of it and a conversion of the tenant (the shared
    fixture has none). Built once per organisation."""
    with scopes_disabled():  # test data, built outside any request like the fixtures
        org, name = tenant.organization, tenant.organization.name
        goal = Goal.objects.filter(organization=org).first()
        if goal is None:
            goal = Goal.objects.create(organization=org, name=f"{name} goal", owner=tenant.manager)
            kpi = Kpi.objects.create(organization=org, goal=goal, name=f"{name} kpi", unit="leads", target=100)
            KpiValue.objects.create(
                organization=org, kpi=kpi, on_date=date(2026, 1, 5), value=7, source="manual", note=f"{name} kpi note"
            )
            Conversion.objects.create(
                organization=org,
                event_id=f"{org.slug}-walk-event",
                kind="lead",
                label=f"{name} conversion",
                occurred_at=datetime(2026, 1, 5, tzinfo=UTC),
                source="api",
            )
        kpi = Kpi.objects.get(goal=goal)
        return AnalyticsObjects(
            goal=goal,
            kpi=kpi,
            kpi_value=KpiValue.objects.get(kpi=kpi),
            conversion=Conversion.objects.filter(organization=org).first(),  # type: ignore[arg-type]
        )


# How to fill each URL keyword with organisation B's value.
KWARG_VALUES: dict[str, Callable[[Tenant], object]] = {
    "org_slug": lambda b: b.organization.slug,
    "member_id": lambda b: b.employee.public_id,
    "group_id": lambda b: b.group.public_id,
    "topic_id": lambda b: b.topic.public_id,
    "invitation_id": lambda b: b.invitation.public_id,
    "item_id": lambda b: b.item.public_id,
    "caption_id": lambda b: b.caption.public_id,
    "suggestion_id": lambda b: b.suggestion.public_id,
    "source_id": lambda b: b.source.public_id,
    "image_id": lambda b: image_of(b).public_id,
    "policy_id": lambda b: onboarding_of(b).policy.public_id,
    "module_id": lambda b: onboarding_of(b).module.public_id,
    "question_id": lambda b: onboarding_of(b).question.public_id,
    "request_id": lambda b: onboarding_of(b).access_request.public_id,
    "token_id": lambda b: scim_token_of(b).public_id,
    "connection_id": lambda b: sso_connection_of(b).public_id,
    "promise_id": lambda b: promise_of(b).public_id,
    "notification_id": lambda b: notification_of(b).public_id,
    "account_id": lambda b: advocacy_of(b).connection.public_id,
    "share_id": lambda b: advocacy_of(b).share.public_id,
    "goal_id": lambda b: analytics_of(b).goal.public_id,
    "kpi_id": lambda b: analytics_of(b).kpi.public_id,
    "kpi_value_id": lambda b: analytics_of(b).kpi_value.public_id,
    "conversion_id": lambda b: analytics_of(b).conversion.public_id,
    # A report table's name (analytics.report_exports) is not an object: every name under A's slug is A's
    # own table, so "B's table" is a name A does not have (404); B's slug and kpi_id are walked beside it.
    "table": lambda b: f"{b.organization.slug}-table",
}

# Routes that take parameters but address no tenant object, and why.
EXEMPT_ROUTES: dict[str, str] = {
    # The Sandbox network (sandbox/) stands outside the tenants like a real network: its
    # pages are its owner's only (others get 404) and its API takes bearer tokens.
    "sandbox:account": "a Sandbox handle, not tenant data; owner-only (tests/sandbox/test_timeline.py)",
    "sandbox:post": "a Sandbox handle and post id, not tenant data; owner-only (tests/sandbox/test_timeline.py)",
    "sandbox:api_post": "bearer-token auth on the token's own posts (tests/sandbox/test_server.py)",
    "tracked_link": "the public click redirect: the short code is the key and it only ever redirects to the "
    "link's stored target (tests/advocacy/test_links.py)",
    "tracked_link_slash": "the same redirect with a trailing slash",
    "advocacy:connect": "a network's name, not an object id; another organisation's slug answers 404 "
    "(tests/advocacy/test_connect_flow.py)",
    "advocacy_oauth_callback": "a network's name; the state in the caller's session is the credential "
    "(tests/advocacy/test_connect_flow.py)",
    "invitation_accept": "the signed token is a bearer credential, not an object id (see test_invitation_accept.py)",
    "unsubscribe": "the signed token is the credential, not an object id (see tests/accounts/test_notifications.py)",
    "account_confirm_email": "allauth: a signed key for one email address, not tenant data",
    "account_reset_password_from_key": "allauth: a signed key for one user, not tenant data",
    # SCIM (/scim/v2/) authenticates by bearer token, not session: the token names the
    # organisation, so there is no slug or session to swap. Its cross-tenant test is
    # tests/accounts/test_scim.py::test_a_token_of_one_organization_never_reaches_another.
    "scim_resource_type": "SCIM: bearer-token auth; a schema name, not tenant data",
    "scim_schema": "SCIM: bearer-token auth; a schema URN, not tenant data",
    "scim_user": "SCIM: bearer-token auth; walked by test_scim.py's cross-tenant test",
    "scim_group": "SCIM: bearer-token auth; walked by test_scim.py's cross-tenant test",
    "scim_unknown": "SCIM: bearer-token auth; any other path answers a SCIM 404",
    # Single sign-on (allauth.socialaccount): the key in these public sign-in endpoints
    # names an identity provider, not tenant data; they show no organisation's data and
    # are tested in tests/accounts/test_sso.py (a disabled connection answers 404).
    "openid_connect_login": "SSO: public sign-in start for a connection key (test_sso.py)",
    "openid_connect_callback": "SSO: the identity provider's redirect back, state-checked (test_sso.py)",
    "saml_acs": "SSO: the identity provider's POST back, signature-checked (test_sso.py)",
    "saml_finish_acs": "SSO: second half of the ACS view, state-checked (test_sso.py)",
    "saml_sls": "SSO: single logout for a connection key, signature-checked",
    "saml_metadata": "SSO: the public SP metadata the identity provider reads (test_sso.py)",
    "saml_login": "SSO: public sign-in start for a connection key (test_sso.py)",
    # Conversion tracking: each authenticates by its own secret, not by a session, and
    # records only into the organisation that secret belongs to.
    "analytics_snippet": "the snippet key is the credential; it serves only that organisation's snippet "
    "(tests/analytics/test_snippet.py)",
    "analytics_snippet_conversions": "the snippet key and allowed origins; records only into the key's "
    "organisation (tests/analytics/test_snippet.py)",
    "analytics_conversion_webhook": "the HMAC signature under the organisation's own secret is the credential "
    "(tests/analytics/test_webhook.py)",
}
# The operators' admin site is for staff only: tests/isolation/test_operator_admin.py.
EXEMPT_PREFIXES = ("django-admin/",)


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # e.g. "o/<org_slug>/members/<member_id>/"
    kwargs: tuple[str, ...]


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[Route]:  # type: ignore[type-arg]
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            template = (prefix + str(entry.pattern)).replace("^", "").replace("$", "").replace("\\Z", "")
            kwargs = tuple(dict.fromkeys(a or b for a, b in _PARAMETER.findall(template)))
            yield Route(name=f"{namespace}{entry.name or template}", template=template, kwargs=kwargs)


def all_routes(urlconf: str | None = None) -> list[Route]:
    routes = _walk(get_resolver(urlconf).url_patterns)
    return [route for route in routes if not route.template.startswith(EXEMPT_PREFIXES)]


def walked_routes(urlconf: str | None = None) -> list[Route]:
    return [
        route
        for route in all_routes(urlconf)
        if route.kwargs and route.name not in EXEMPT_ROUTES and route.name.split(":")[-1] not in EXEMPT_ROUTES
    ]


def unfillable(routes: list[Route]) -> dict[str, list[str]]:
    """Routes with keywords the walk has no value for."""
    return {
        route.name: sorted(set(route.kwargs) - set(KWARG_VALUES))
        for route in routes
        if set(route.kwargs) - set(KWARG_VALUES)
    }


def _path_for(route: Route, values: dict[str, object]) -> str:
    return "/" + _PARAMETER.sub(lambda m: str(values[m.group(1) or m.group(2)]), route.template)


def test_every_route_can_be_walked() -> None:
    unknown = unfillable(walked_routes())
    assert unknown == {}, (
        "These routes take parameters the cross-tenant walk cannot fill. Add a value to KWARG_VALUES "
        f"(or, if they address no tenant data, an exemption with the reason): {unknown}"
    )


def test_a_new_route_with_an_unknown_keyword_fails_the_walk() -> None:
    assert unfillable(walked_routes("tests.isolation.unwalkable_urls")) == {"thing_detail": ["thing_id"]}


def test_the_walk_covers_the_tenant_routes() -> None:
    names = {route.name for route in walked_routes()}
    assert "accounts:dashboard" in names and "accounts:profile" in names


def snapshot(tenant: Tenant) -> dict[str, object]:
    """B's rows as they are, to prove the walk changed nothing."""
    org = tenant.organization
    advocacy_of(tenant)  # built once, before the first snapshot, like the fixture's rows
    with scopes_disabled():  # reading B's rows from outside any request, for comparison only
        return {
            "org": (org.name, org.slug, org.timezone),
            "members": sorted(
                Membership.objects.filter(organization=org).values_list(
                    "public_id", "role", "status", "department", "location", "job_title"
                )
            ),
            "groups": sorted(Group.objects.filter(organization=org).values_list("public_id", "name")),
            "group_members": sorted(
                Membership.groups.through.objects.filter(organization=org).values_list("group_id", "membership_id")
            ),
            "topics": sorted(Topic.objects.filter(organization=org).values_list("public_id", "name")),
            "items": sorted(ContentItem.objects.filter(organization=org).values_list("public_id", "title", "state")),
            "captions": sorted(Caption.objects.filter(organization=org).values_list("public_id", "text")),
            "images": sorted(ContentImage.objects.filter(organization=org).values_list("public_id", "alt_text")),
            "suggestions": sorted(Suggestion.objects.filter(organization=org).values_list("public_id", "state")),
            "sources": sorted(FeedSource.objects.filter(organization=org).values_list("public_id", "name", "url")),
            "scim_tokens": sorted(ScimToken.objects.filter(organization=org).values_list("public_id", "revoked_at")),
            "sso_connections": sorted(
                SsoConnection.objects.filter(organization=org).values_list(
                    "public_id", "name", "enabled", "oidc_server_url", "oidc_client_secret_encrypted"
                )
            ),
            "policies": sorted(
                PolicyVersion.objects.filter(organization=org).values_list("public_id", "number", "body")
            ),
            "modules": sorted(TrainingModule.objects.filter(organization=org).values_list("public_id", "title")),
            "questions": sorted(QuizQuestion.objects.filter(organization=org).values_list("public_id", "text")),
            "attempts": sorted(QuizAttempt.objects.filter(organization=org).values_list("public_id", "passed")),
            "access_requests": sorted(
                AccessRequest.objects.filter(organization=org).values_list("public_id", "status", "decided_at")
            ),
            "promises": sorted(
                BrandPromise.objects.filter(organization=org).values_list("public_id", "text", "position", "is_active")
            ),
            "pulse_responses": sorted(
                PulseResponse.objects.filter(organization=org).values_list("promise_id", "rating", "comment")
            ),
            "invitations": sorted(
                Invitation.objects.filter(organization=org).values_list("public_id", "revoked_at", "accepted_at")
            ),
            "notifications": sorted(
                Notification.objects.filter(organization=org).values_list("public_id", "read_at", "delivered_at")
            ),
            "social_connections": sorted(
                SocialConnection.objects.filter(organization=org).values_list(
                    "public_id", "status", "access_token_encrypted", "refresh_token_encrypted"
                )
            ),
            "shares": sorted(
                Share.objects.filter(organization=org).values_list(
                    "public_id", "state", "attempts", "last_error", "scheduled_for"
                )
            ),
            "goals": sorted(Goal.objects.filter(organization=org).values_list("public_id", "name", "is_archived")),
            "kpis": sorted(Kpi.objects.filter(organization=org).values_list("public_id", "name", "target")),
            "kpi_values": sorted(KpiValue.objects.filter(organization=org).values_list("public_id", "value", "note")),
            "conversions": sorted(
                Conversion.objects.filter(organization=org).values_list("public_id", "kind", "share_id", "value")
            ),
            "analytics_settings": sorted(
                AnalyticsSettings.objects.filter(organization=org).values_list("currency", "cpc", "snippet_key")
            ),
        }


def secrets_of(tenant: Tenant) -> list[str]:
    return [
        tenant.organization.name,
        tenant.admin.user.email,
        tenant.employee.user.email,
        tenant.employee.user.full_name,
        tenant.group.name,
        tenant.topic.name,
        tenant.invitation.email,
        tenant.item.title,
        tenant.caption.text,
        tenant.suggestion.note,
        tenant.source.name,
        f"{tenant.organization.name} policy title",
        f"{tenant.organization.name} training",
        f"{tenant.organization.name} plea",
        f"{tenant.organization.name} identity provider",
        f"{tenant.organization.name} promise",
        f"{tenant.organization.name} pulse comment",
        f"{tenant.organization.name} notice",
        f"{tenant.organization.name} social handle",
        f"{tenant.organization.name} social name",
        f"{tenant.organization.name} access token",
        f"{tenant.organization.name} refresh token",
        f"{tenant.organization.name} share text",
        f"{tenant.organization.name} share error",
        f"{tenant.organization.name} goal",
        f"{tenant.organization.name} kpi",
        f"{tenant.organization.name} kpi note",
        f"{tenant.organization.name} conversion",
        *_advocacy_token_ciphertexts(tenant),
    ]


def _advocacy_token_ciphertexts(tenant: Tenant) -> list[str]:
    connection = advocacy_of(tenant).connection
    return [connection.access_token_encrypted, connection.refresh_token_encrypted]


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_members_of_a_cannot_reach_b(client: Client, tenant_a: Tenant, tenant_b: Tenant, role: str) -> None:
    client.force_login(tenant_a.member(role).user)
    image_of(tenant_b)
    onboarding_of(tenant_b)
    scim_token_of(tenant_b)
    promise_of(tenant_b)
    sso_connection_of(tenant_b)
    notification_of(tenant_b)
    advocacy_of(tenant_b)
    analytics_of(tenant_b)
    before = snapshot(tenant_b)
    leaks: list[str] = []
    for route in walked_routes():
        # Case 1: A's own slug with B's object ids. Case 2: B's slug (with B's ids).
        cases = []
        if "org_slug" in route.kwargs:
            values = {k: KWARG_VALUES[k](tenant_b) for k in route.kwargs}
            values["org_slug"] = tenant_a.organization.slug
            if len(route.kwargs) > 1:
                cases.append(values)
        cases.append({k: KWARG_VALUES[k](tenant_b) for k in route.kwargs})
        for values in cases:
            path = _path_for(route, values)
            for method in ("get", "post", "patch", "delete"):
                response = (
                    getattr(client, method)(path, content_type="application/json")
                    if method != "get"
                    else client.get(path)
                )
                body = response.content.decode(errors="replace")
                if response.status_code not in (403, 404, 405):
                    leaks.append(f"{method.upper()} {path} ({route.name}) answered {response.status_code}")
                leaked = [secret for secret in secrets_of(tenant_b) if secret in body]
                if leaked:
                    leaks.append(f"{method.upper()} {path} ({route.name}) shows B's data: {leaked}")
    assert leaks == []
    assert snapshot(tenant_b) == before, "a request from organisation A changed organisation B's data"
