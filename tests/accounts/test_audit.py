"""The audit log: every sensitive action leaves an entry naming who, what, when and from
where; entries cannot be changed; only admins read them, and only their own
organisation's."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuditAction, AuditEvent, AuditLogIsAppendOnly, Invitation, MembershipStatus, Role, User
from accounts.navigation import navigation_for
from accounts.services.audit import audit_context, audit_record
from accounts.tenancy import ScopeError, organization_scope, scopes_disabled
from content import services as content_services
from content.models import ContentState
from tests.accounts.admin_support import NON_ADMIN_ROLES, url
from tests.conftest import Tenant
from tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.7"
BROWSER = "Mozilla/5.0 (Chorus test browser)"


@pytest.fixture
def browser(client: Client) -> Client:
    """A client whose requests come from CLIENT_IP with a browser's user agent."""
    client.defaults.update(REMOTE_ADDR=CLIENT_IP, HTTP_USER_AGENT=BROWSER)
    return client


def events_of(tenant: Tenant, action: str | None = None) -> list[AuditEvent]:
    with scopes_disabled():  # the test reads the log from outside any request
        events = AuditEvent.objects.filter(organization=tenant.organization).select_related("actor")
        if action:
            events = events.filter(action=action)
        return list(events.order_by("occurred_at", "id"))


def only_event(tenant: Tenant, action: str) -> AuditEvent:
    events = events_of(tenant, action)
    assert len(events) == 1, [e.action for e in events_of(tenant)]
    return events[0]


def assert_from_browser(event: AuditEvent, actor: User) -> None:
    assert event.actor == actor
    assert event.actor_label == actor.email
    assert event.ip_address == CLIENT_IP
    assert event.user_agent == BROWSER
    assert event.request_id


# Each listed action leaves an entry -----------------------------------------------


def test_changing_a_role_records_who_from_where_and_the_change(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    response = browser.post(url("member_role", "acme", member_id=tenant_a.employee.public_id), {"role": "manager"})
    assert response.status_code == 302

    event = only_event(tenant_a, AuditAction.MEMBER_ROLE_CHANGED)
    assert_from_browser(event, tenant_a.admin.user)
    assert event.target_type == "accounts.membership"
    assert event.target_id == str(tenant_a.employee.public_id)
    assert event.target_label == tenant_a.employee.user.email
    assert event.changes == {"role": {"before": "employee", "after": "manager"}}
    assert response.headers["X-Request-ID"] == event.request_id


def test_choosing_the_same_role_again_records_nothing(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    browser.post(url("member_role", "acme", member_id=tenant_a.employee.public_id), {"role": "employee"})
    assert events_of(tenant_a, AuditAction.MEMBER_ROLE_CHANGED) == []


def test_deactivating_and_reactivating_a_member_are_recorded(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    browser.post(url("member_deactivate", "acme", member_id=tenant_a.employee.public_id))
    browser.post(url("member_reactivate", "acme", member_id=tenant_a.employee.public_id))

    deactivated = only_event(tenant_a, AuditAction.MEMBER_DEACTIVATED)
    assert_from_browser(deactivated, tenant_a.admin.user)
    assert deactivated.changes == {"status": {"before": "active", "after": "deactivated"}}
    reactivated = only_event(tenant_a, AuditAction.MEMBER_REACTIVATED)
    assert_from_browser(reactivated, tenant_a.admin.user)
    assert reactivated.changes == {"status": {"before": "deactivated", "after": "active"}}
    assert reactivated.target_id == str(tenant_a.employee.public_id)


def test_inviting_and_withdrawing_an_invitation_are_recorded(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    browser.post(url("invite", "acme"), {"email": "new.person@acme.example", "role": "manager", "full_name": "New"})
    created = only_event(tenant_a, AuditAction.INVITATION_CREATED)
    assert_from_browser(created, tenant_a.admin.user)
    assert created.target_label == "new.person@acme.example"
    assert created.changes == {"role": {"before": None, "after": "manager"}}

    with scopes_disabled():
        invitation = Invitation.objects.get(organization=tenant_a.organization, email="new.person@acme.example")
    browser.post(url("invitation_revoke", "acme", invitation_id=invitation.public_id))
    revoked = only_event(tenant_a, AuditAction.INVITATION_REVOKED)
    assert_from_browser(revoked, tenant_a.admin.user)
    assert revoked.target_id == str(invitation.public_id)
    assert revoked.target_label == "new.person@acme.example"


def test_changing_the_organisation_settings_records_before_and_after(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    response = browser.post(url("organization_settings", "acme"), {"name": "Acme Rockets", "timezone": "Europe/Paris"})
    assert response.status_code == 302

    event = only_event(tenant_a, AuditAction.ORGANIZATION_SETTINGS_CHANGED)
    assert_from_browser(event, tenant_a.admin.user)
    assert event.changes == {
        "name": {"before": "Acme", "after": "Acme Rockets"},
        "timezone": {"before": "Europe/London", "after": "Europe/Paris"},
    }


def item_in_review(tenant: Tenant):  # type: ignore[no-untyped-def]
    return ContentItemFactory(
        organization=tenant.organization, author=tenant.manager, title="Quarterly results", state=ContentState.IN_REVIEW
    )


def test_approving_content_is_recorded(browser: Client, tenant_a: Tenant) -> None:
    item = item_in_review(tenant_a)
    browser.force_login(tenant_a.admin.user)
    response = browser.post(
        reverse("api:item_transitions", kwargs={"org_slug": "acme", "item_id": item.public_id}),
        {"action": "approve"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content

    event = only_event(tenant_a, AuditAction.CONTENT_APPROVED)
    assert_from_browser(event, tenant_a.admin.user)
    assert (event.target_type, event.target_id, event.target_label) == (
        "content.contentitem",
        str(item.public_id),
        "Quarterly results",
    )
    assert event.changes == {"state": {"before": "in_review", "after": "approved"}}


def test_requesting_changes_is_recorded_with_the_note(browser: Client, tenant_a: Tenant) -> None:
    item = item_in_review(tenant_a)
    browser.force_login(tenant_a.admin.user)
    browser.post(
        reverse("content:item_transition", kwargs={"org_slug": "acme", "item_id": item.public_id}),
        {"action": "request_changes", "note": "Add the source of the figures."},
    )
    event = only_event(tenant_a, AuditAction.CONTENT_CHANGES_REQUESTED)
    assert_from_browser(event, tenant_a.admin.user)
    assert event.note == "Add the source of the figures."
    assert event.changes == {"state": {"before": "in_review", "after": "changes_requested"}}


def test_archiving_content_is_not_an_audited_action(tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization):
        item = ContentItemFactory(organization=tenant_a.organization, author=tenant_a.manager, state=ContentState.DRAFT)
        content_services.content_item_transition(item=item, action="archive", actor=tenant_a.manager)
    assert events_of(tenant_a) == []


def test_changing_the_content_settings_records_the_fields_that_changed(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    response = browser.post(
        reverse("content:settings", kwargs={"org_slug": "acme"}),
        {"disclosure": "#iworkforacme", "blocked_phrases": "guaranteed returns", "four_eyes": "on"},
    )
    assert response.status_code == 302, response.content

    event = only_event(tenant_a, AuditAction.CONTENT_SETTINGS_CHANGED)
    assert_from_browser(event, tenant_a.admin.user)
    assert event.target_label == "Content settings"
    assert event.target_id == ""  # the settings row has no public id; its key stays private
    assert event.changes == {
        "disclosure": {"before": "", "after": "#iworkforacme"},
        "blocked_phrases": {"before": "", "after": "guaranteed returns"},
    }


@pytest.mark.parametrize(
    "action", [AuditAction.POLICY_PUBLISHED, AuditAction.TOKENS_KEY_ROTATED, AuditAction.SCIM_MEMBER_DEPROVISIONED]
)
def test_the_actions_other_features_record_are_accepted(tenant_a: Tenant, action: str) -> None:
    with organization_scope(tenant_a.organization), transaction.atomic():
        event = audit_record(
            organization=tenant_a.organization,
            action=action,
            actor_label="SCIM: Okta",
            target=tenant_a.employee,
            changes={"version": {"before": 1, "after": 2}},
        )
    stored = only_event(tenant_a, action)
    assert stored == event
    assert stored.actor is None and stored.actor_label == "SCIM: Okta"
    assert stored.ip_address is None  # no request: a job or an identity provider's call


def test_an_explicit_context_names_the_actor_outside_a_request(tenant_a: Tenant) -> None:
    context = audit_context(user=tenant_a.admin.user, ip_address="198.51.100.2", request_id="job-42")
    with context, organization_scope(tenant_a.organization):
        services.membership_change_role(membership=tenant_a.employee, role=Role.MANAGER)
    event = only_event(tenant_a, AuditAction.MEMBER_ROLE_CHANGED)
    assert (event.actor, event.ip_address, event.request_id) == (tenant_a.admin.user, "198.51.100.2", "job-42")


def test_an_unknown_action_is_refused(tenant_a: Tenant) -> None:
    with pytest.raises(ValueError, match="not a known audit action"):
        audit_record(organization=tenant_a.organization, action="member.teleported")


def test_an_event_cannot_name_another_organisations_object(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with pytest.raises(ValueError, match="another organisation"):
        audit_record(
            organization=tenant_a.organization, action=AuditAction.MEMBER_DEACTIVATED, target=tenant_b.employee
        )


def test_secrets_never_enter_the_log(tenant_a: Tenant) -> None:
    event = audit_record(
        organization=tenant_a.organization,
        action=AuditAction.TOKENS_KEY_ROTATED,
        changes={
            "key_version": {"before": 1, "after": 2},
            "access_token": {"before": "old-secret-token", "after": "new-secret-token"},
            "client_secret": "shh",
        },
    )
    assert event.changes == {
        "key_version": {"before": 1, "after": 2},
        "access_token": {"before": "[redacted]", "after": "[redacted]"},
        "client_secret": "[redacted]",
    }
    assert "secret-token" not in json.dumps(event.changes) and "shh" not in json.dumps(event.changes)


# Same transaction ----------------------------------------------------------------


class Boom(Exception):
    pass


def test_a_change_that_rolls_back_leaves_no_entry(tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization), pytest.raises(Boom), transaction.atomic():
        services.membership_change_role(membership=tenant_a.employee, role=Role.MANAGER)
        assert len(events_of(tenant_a)) == 1  # written, inside the transaction
        raise Boom
    assert events_of(tenant_a) == []
    tenant_a.employee.refresh_from_db()
    assert tenant_a.employee.role == Role.EMPLOYEE


def test_a_refused_change_leaves_no_entry(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    # The only admin may not deactivate themselves: the service refuses, nothing is recorded.
    browser.post(url("member_deactivate", "acme", member_id=tenant_a.admin.public_id))
    assert events_of(tenant_a) == []


# Append-only ---------------------------------------------------------------------


@pytest.fixture
def event(tenant_a: Tenant) -> AuditEvent:
    return audit_record(organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED, note="first")


def test_an_event_cannot_be_updated(tenant_a: Tenant, event: AuditEvent) -> None:
    event.note = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly, match="append-only"):
        event.save()
    with organization_scope(tenant_a.organization):
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.bulk_update([event], ["note"])
        assert AuditEvent.objects.get(pk=event.pk).note == "first"


def test_an_event_cannot_be_deleted(tenant_a: Tenant, event: AuditEvent) -> None:
    with pytest.raises(AuditLogIsAppendOnly, match="cannot be changed or deleted"):
        event.delete()
    with organization_scope(tenant_a.organization):
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_new_event_cannot_overwrite_an_existing_one(tenant_a: Tenant, event: AuditEvent) -> None:
    from django.db import IntegrityError

    copy = AuditEvent(pk=event.pk, organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED)
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_an_unscoped_read_of_the_log_fails_closed(event: AuditEvent) -> None:
    with pytest.raises(ScopeError):
        AuditEvent.objects.count()


def test_the_record_outlives_the_person_who_acted(tenant_a: Tenant) -> None:
    person = User.objects.create_user(email="leaver@acme.example")
    with audit_context(user=person):
        audit_record(organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED)
    person.delete()
    event = only_event(tenant_a, AuditAction.EXPORT_DOWNLOADED)
    assert event.actor is None
    assert event.actor_label == "leaver@acme.example"


def test_the_operators_admin_site_cannot_add_change_or_delete(tenant_a: Tenant, event: AuditEvent) -> None:
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    model_admin = site._registry[AuditEvent]
    request = RequestFactory().get("/django-admin/")
    request.user = User.objects.create_superuser(email="operator@chorus.example", password="x")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_operators_can_read_the_log_in_the_admin_site(client: Client, tenant_a: Tenant, event: AuditEvent) -> None:
    client.force_login(User.objects.create_superuser(email="operator@chorus.example", password="x"))
    assert client.get("/django-admin/accounts/auditevent/").status_code == 200
    assert client.get(f"/django-admin/accounts/auditevent/{event.pk}/change/").status_code == 200


def test_deleting_an_organisation_takes_its_log_with_it(tenant_a: Tenant, tenant_b: Tenant) -> None:
    audit_record(organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED)
    audit_record(organization=tenant_b.organization, action=AuditAction.EXPORT_DOWNLOADED)
    with scopes_disabled():  # removing a whole tenant is an operator's job, across tenants
        tenant_a.organization.delete()
    assert len(events_of(tenant_b)) == 1


# Where the request came from -----------------------------------------------------


def test_a_forwarded_address_is_ignored_without_a_trusted_proxy(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    browser.post(
        url("member_role", "acme", member_id=tenant_a.employee.public_id),
        {"role": "manager"},
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert only_event(tenant_a, AuditAction.MEMBER_ROLE_CHANGED).ip_address == CLIENT_IP


def test_behind_a_trusted_proxy_the_address_it_saw_is_recorded(browser: Client, tenant_a: Tenant, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    browser.force_login(tenant_a.admin.user)
    browser.post(
        url("member_role", "acme", member_id=tenant_a.employee.public_id),
        {"role": "manager"},
        HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.44",  # the first entry is whatever the client claimed
        HTTP_X_REQUEST_ID="edge-abc-123",
    )
    event = only_event(tenant_a, AuditAction.MEMBER_ROLE_CHANGED)
    assert (event.ip_address, event.request_id) == ("192.0.2.44", "edge-abc-123")


def test_a_long_user_agent_is_cut_short(browser: Client, tenant_a: Tenant) -> None:
    browser.force_login(tenant_a.admin.user)
    browser.post(
        url("member_role", "acme", member_id=tenant_a.employee.public_id),
        {"role": "manager"},
        HTTP_USER_AGENT="x" * 5000,
    )
    assert only_event(tenant_a, AuditAction.MEMBER_ROLE_CHANGED).user_agent == "x" * 300


# The admin page ------------------------------------------------------------------


def record_some(tenant: Tenant) -> None:
    """A role change by the admin, an approval by the manager and an old system export."""
    with organization_scope(tenant.organization):
        with audit_context(user=tenant.admin.user):
            services.membership_change_role(membership=tenant.employee, role=Role.MANAGER)
        with audit_context(user=tenant.manager.user):
            audit_record(
                organization=tenant.organization,
                action=AuditAction.CONTENT_APPROVED,
                target=tenant.item,
                note=f"{tenant.organization.name} approval note",
            )
        old = AuditEvent(
            organization=tenant.organization,
            action=AuditAction.EXPORT_DOWNLOADED,
            occurred_at=timezone.now() - timedelta(days=40),
            target_label=f"{tenant.organization.name} old export",
        )
        old.save()


def test_the_admin_sees_the_log_newest_first_with_details(client: Client, tenant_a: Tenant) -> None:
    record_some(tenant_a)
    client.force_login(tenant_a.admin.user)
    response = client.get(url("audit_log", "acme"))
    assert response.status_code == 200
    events = list(response.context["page_obj"])
    assert [e.action for e in events] == ["content.approved", "member.role_changed", "export.downloaded"]
    body = response.content.decode()
    assert "Member&#x27;s role changed" in body or "Member's role changed" in body
    assert "employee@acme.example" in body  # the target
    assert "Acme approval note" in body  # the detail row
    assert "Audit log" in body


def test_the_log_can_be_searched_and_filtered(client: Client, tenant_a: Tenant) -> None:
    record_some(tenant_a)
    client.force_login(tenant_a.admin.user)

    def actions(**query: object) -> list[str]:
        response = client.get(url("audit_log", "acme"), query)
        assert response.status_code == 200
        return [event.action for event in response.context["page_obj"]]

    assert actions(action="member.role_changed") == ["member.role_changed"]
    assert actions(actor=str(tenant_a.manager.public_id)) == ["content.approved"]
    assert actions(q="approval note") == ["content.approved"]
    assert actions(q="employee@acme") == ["member.role_changed"]  # the target
    assert actions(q="admin@acme") == ["member.role_changed"]  # the actor
    today = timezone.localdate()
    assert actions(date_from=today - timedelta(days=50), date_to=today - timedelta(days=30)) == ["export.downloaded"]
    assert actions(date_from=today) == ["content.approved", "member.role_changed"]


def test_an_end_date_before_the_start_is_explained(client: Client, tenant_a: Tenant) -> None:
    client.force_login(tenant_a.admin.user)
    response = client.get(url("audit_log", "acme"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The end date is before the start date." in response.content.decode()


def test_the_log_is_paginated(client: Client, tenant_a: Tenant) -> None:
    for number in range(30):
        audit_record(organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED, note=f"#{number}")
    client.force_login(tenant_a.admin.user)
    first = client.get(url("audit_log", "acme"))
    second = client.get(url("audit_log", "acme"), {"page": 2})
    assert len(first.context["page_obj"]) == 25 and len(second.context["page_obj"]) == 5


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_only_admins_may_read_or_export_the_log(client: Client, tenant_a: Tenant, role: str) -> None:
    record_some(tenant_a)
    client.force_login(tenant_a.member(role).user)
    assert client.get(url("audit_log", "acme")).status_code == 403
    assert client.get(url("audit_log_export", "acme")).status_code == 403
    assert client.get(reverse("api:audit_event_list", kwargs={"org_slug": "acme"})).status_code == 403
    assert events_of(tenant_a, AuditAction.EXPORT_DOWNLOADED)[0].note == ""  # only the old one: no export recorded
    assert len(events_of(tenant_a, AuditAction.EXPORT_DOWNLOADED)) == 1


def test_the_navigation_shows_the_log_to_admins_only(tenant_a: Tenant) -> None:
    def labels(role: str) -> list[str]:
        return [item.label for item in navigation_for(role=role, organization_slug="acme", current_path="/o/acme/")]

    assert "Audit log" in labels(Role.ADMIN)
    assert all("Audit log" not in labels(role) for role in NON_ADMIN_ROLES)


# The export ----------------------------------------------------------------------


def rows_of(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_export_has_the_filtered_view_and_records_itself(browser: Client, tenant_a: Tenant) -> None:
    record_some(tenant_a)
    browser.force_login(tenant_a.admin.user)
    response = browser.get(url("audit_log_export", "acme"), {"action": "member.role_changed"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response)
    assert [row["action"] for row in rows] == ["member.role_changed"]
    assert rows[0]["actor"] == "admin@acme.example"
    assert json.loads(rows[0]["changes"]) == {"role": {"after": "manager", "before": "employee"}}

    exports = [e for e in events_of(tenant_a, AuditAction.EXPORT_DOWNLOADED) if e.actor is not None]
    assert len(exports) == 1
    assert_from_browser(exports[0], tenant_a.admin.user)
    assert "1 event" in exports[0].note and "action=member.role_changed" in exports[0].note


def test_the_export_defuses_spreadsheet_formulas(client: Client, tenant_a: Tenant) -> None:
    audit_record(organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED, target_label="=HYPERLINK(1)")
    client.force_login(tenant_a.admin.user)
    rows = rows_of(client.get(url("audit_log_export", "acme")))
    assert rows[0]["target"] == "'=HYPERLINK(1)"


def test_an_export_with_a_bad_filter_exports_nothing(client: Client, tenant_a: Tenant) -> None:
    client.force_login(tenant_a.admin.user)
    response = client.get(url("audit_log_export", "acme"), {"actor": str(tenant_a.employee.public_id)})
    assert response.status_code == 302
    assert events_of(tenant_a) == []


# Organisations never see each other's log ----------------------------------------


def test_b_events_never_reach_a_page_export_or_api(client: Client, tenant_a: Tenant, tenant_b: Tenant) -> None:
    record_some(tenant_a)
    record_some(tenant_b)
    client.force_login(tenant_a.admin.user)
    b_values = ["Globex approval note", "Globex old export", "admin@globex.example", "employee@globex.example"]

    page = client.get(url("audit_log", "acme")).content.decode()
    export = client.get(url("audit_log_export", "acme")).content.decode()
    api = client.get(reverse("api:audit_event_list", kwargs={"org_slug": "acme"})).content.decode()
    for body in (page, export, api):
        assert "Acme approval note" in body
        assert [value for value in b_values if value in body] == []

    # B's member ids as filters find nothing rather than B's events.
    b_actor = {"actor": str(tenant_b.admin.public_id)}
    filtered = client.get(url("audit_log", "acme"), b_actor)
    assert filtered.context["filter_form"].errors["actor"]
    assert [value for value in b_values if value in filtered.content.decode()] == []
    assert client.get(reverse("api:audit_event_list", kwargs={"org_slug": "acme"}), b_actor).json()["count"] == 0

    # B's slug answers 404, and B's log gains no export event.
    assert client.get(url("audit_log", "globex")).status_code == 404
    assert client.get(url("audit_log_export", "globex")).status_code == 404
    assert client.get(reverse("api:audit_event_list", kwargs={"org_slug": "globex"})).status_code == 404
    assert len(events_of(tenant_b, AuditAction.EXPORT_DOWNLOADED)) == 1


# The API -------------------------------------------------------------------------


def test_the_api_lists_filters_and_paginates_the_log(client: Client, tenant_a: Tenant) -> None:
    record_some(tenant_a)
    client.force_login(tenant_a.admin.user)
    endpoint = reverse("api:audit_event_list", kwargs={"org_slug": "acme"})

    everything = client.get(endpoint).json()
    assert everything["count"] == 3
    newest = everything["results"][0]
    assert newest["action"] == "content.approved"
    assert newest["actor"] == "manager@acme.example"
    assert newest["actor_member_id"] == str(tenant_a.manager.public_id)
    assert newest["target_type"] == "content.contentitem"
    assert newest["target_id"] == str(tenant_a.item.public_id)

    role_changes = client.get(endpoint, {"action": "member.role_changed"}).json()["results"]
    assert [event["changes"] for event in role_changes] == [{"role": {"before": "employee", "after": "manager"}}]
    assert client.get(endpoint, {"actor": str(tenant_a.admin.public_id)}).json()["count"] == 1
    assert client.get(endpoint, {"search": "old export"}).json()["count"] == 1
    assert client.get(endpoint, {"page_size": 2}).json()["next"]
    refused = client.get(endpoint, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert refused.status_code == 400 and "date_to" in refused.json()
    assert client.get(endpoint, {"action": "member.teleported"}).status_code == 400


def test_deactivated_members_cannot_read_the_api(client: Client, tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization):
        tenant_a.admin.status = MembershipStatus.DEACTIVATED
        tenant_a.admin.save(update_fields=["status"])
    client.force_login(tenant_a.admin.user)
    assert client.get(reverse("api:audit_event_list", kwargs={"org_slug": "acme"})).status_code == 403


def test_onboarding_and_provisioning_decisions_are_audited(tenant_a: Tenant) -> None:
    from accounts.services import onboarding, scim
    from tests.factories_onboarding import PolicyVersionFactory

    with organization_scope(tenant_a.organization):
        onboarding.onboarding_settings_update(
            organization=tenant_a.organization, certification_required_to_share=True, access_approval_required=True
        )
        draft = PolicyVersionFactory(organization=tenant_a.organization, number=None, published_at=None)
        onboarding.policy_publish(version=draft, publisher=tenant_a.manager)
        token, _raw = scim.scim_token_create(organization=tenant_a.organization, name="Okta", created_by=None)
        scim.scim_token_revoke(token=token)
        actions = list(AuditEvent.objects.filter(organization=tenant_a.organization).values_list("action", flat=True))
    assert {
        "onboarding.settings_changed",
        "policy.published",
        "scim.token_created",
        "scim.token_revoked",
    } <= set(actions)
