"""In-app notifications: held until the recipient may be reached, released by the beat
job exactly once, read state, the bell and the page, the API, and the one-click
unsubscribe link of digest emails."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.models import DigestFrequency, Membership, Notification, NotificationKind, NotificationPreference
from accounts.services import notifications as services
from accounts.tenancy import organization_scope, scopes_disabled
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

# Wednesday 12 March 2025; the fixture organisations are in Europe/London (UTC+0 then).
NOON = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
NIGHT = datetime(2025, 3, 12, 23, 0, tzinfo=UTC)


def quiet_nights(membership: Membership) -> Membership:
    with scopes_disabled():  # test setup
        Membership.objects.filter(pk=membership.pk).update(quiet_hours_start=time(22), quiet_hours_end=time(7))
        return Membership.objects.select_related("organization", "user").get(pk=membership.pk)


def notify(membership: Membership, now: datetime, **kwargs: object) -> Notification:
    with organization_scope(membership.organization):
        return services.notify(
            membership=membership,
            kind=kwargs.pop("kind", NotificationKind.SYSTEM),  # type: ignore[arg-type]
            title=kwargs.pop("title", "Hello"),  # type: ignore[arg-type]
            now=now,
            **kwargs,  # type: ignore[arg-type]
        )


def release(tenant: Tenant, now: datetime) -> int:
    with organization_scope(tenant.organization):
        return services.notifications_release(organization=tenant.organization, now=now)


def visible_titles(membership: Membership) -> list[str]:
    from accounts.selectors.notifications import notifications_for_member

    with organization_scope(membership.organization):
        return [n.title for n in notifications_for_member(membership=membership)]


# Holding and releasing ---------------------------------------------------------------


def test_a_notification_at_an_allowed_moment_is_delivered_at_once(tenant_a: Tenant) -> None:
    notification = notify(tenant_a.employee, NOON, title="Now")
    assert notification.delivered_at == NOON
    assert visible_titles(tenant_a.employee) == ["Now"]


def test_a_notification_in_quiet_hours_is_held_and_invisible_until_released(tenant_a: Tenant) -> None:
    employee = quiet_nights(tenant_a.employee)
    notification = notify(employee, NIGHT, title="Late news")
    assert notification.delivered_at is None
    assert notification.deliver_after == datetime(2025, 3, 13, 7, 0, tzinfo=UTC)
    assert visible_titles(employee) == []

    assert release(tenant_a, datetime(2025, 3, 13, 6, 59, tzinfo=UTC)) == 0
    assert visible_titles(employee) == []
    assert release(tenant_a, datetime(2025, 3, 13, 7, 0, tzinfo=UTC)) == 1
    assert visible_titles(employee) == ["Late news"]


def test_hourly_staff_get_weekend_notifications_on_monday(tenant_a: Tenant) -> None:
    with scopes_disabled():  # test setup
        Membership.objects.filter(pk=tenant_a.employee.pk).update(
            is_hourly=True, work_start=time(9), work_end=time(17), work_days="12345"
        )
        employee = Membership.objects.select_related("organization").get(pk=tenant_a.employee.pk)
    saturday = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)
    notification = notify(employee, saturday)
    assert notification.deliver_after == datetime(2025, 3, 17, 9, 0, tzinfo=UTC)


def test_the_release_job_is_idempotent_and_emails_once(tenant_a: Tenant, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    employee = quiet_nights(tenant_a.employee)
    notify(employee, NIGHT, title="Big news", email=True, url="/o/acme/feed/")
    morning = datetime(2025, 3, 13, 7, 5, tzinfo=UTC)
    assert release(tenant_a, morning) == 1
    assert release(tenant_a, morning) == 0
    assert release(tenant_a, morning + timedelta(minutes=1)) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [employee.user.email]
    assert "Big news" in mail.outbox[0].subject
    assert "http://" in mail.outbox[0].body and "/o/acme/feed/" in mail.outbox[0].body


def test_a_held_notification_sends_no_email_before_its_time(tenant_a: Tenant) -> None:
    employee = quiet_nights(tenant_a.employee)
    notify(employee, NIGHT, email=True)
    release(tenant_a, NIGHT + timedelta(minutes=5))
    assert mail.outbox == []


def test_an_email_the_server_refuses_is_tried_again(tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    employee = quiet_nights(tenant_a.employee)
    notify(employee, NIGHT, email=True)
    morning = datetime(2025, 3, 13, 7, 0, tzinfo=UTC)

    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    release(tenant_a, morning)
    monkeypatch.undo()
    with scopes_disabled():
        assert Notification.objects.get(recipient=employee).emailed_at is None
    release(tenant_a, morning + timedelta(minutes=1))
    assert len(mail.outbox) == 1


def test_an_immediate_email_is_queued_after_commit(
    tenant_a: Tenant, django_capture_on_commit_callbacks, broker
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        notify(tenant_a.employee, NOON, email=True)
    assert broker.drain() == [("accounts.tasks.notifications_email_due", {"organization_id": tenant_a.organization.pk})]


def test_a_link_must_be_a_chorus_path_or_a_web_address(tenant_a: Tenant) -> None:
    from django.core.exceptions import ValidationError

    for bad in ("javascript:alert(1)", "//evil.example/", "data:text/html,hi"):
        with pytest.raises(ValidationError):
            notify(tenant_a.employee, NOON, url=bad)
    assert notify(tenant_a.employee, NOON, url="https://example.com/x").url == "https://example.com/x"


def test_a_member_of_another_organisation_cannot_be_notified_in_bulk(tenant_a: Tenant, tenant_b: Tenant) -> None:
    from django.core.exceptions import ValidationError

    with organization_scope(tenant_a.organization), pytest.raises(ValidationError):
        services.notify_many(
            organization=tenant_a.organization, memberships=[tenant_b.employee], kind="system", title="x"
        )


# The bell and the page ---------------------------------------------------------------


def test_the_bell_counts_only_delivered_unread_notifications(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    notify(tenant_a.employee, NOON, title="One")
    notify(tenant_a.employee, datetime(2099, 1, 1, tzinfo=UTC) - timedelta(days=1), title="Two")
    employee = quiet_nights(tenant_a.employee)
    notify(employee, datetime(2099, 1, 1, 23, 0, tzinfo=UTC), title="Held")
    client = client_for(tenant_a.employee)
    response = client.get(reverse("accounts:notification_bell", args=["acme"]))
    assert response.status_code == 200
    assert ">2<" in response.content.decode()


def test_the_navbar_loads_the_bell(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    body = client_for(tenant_a.employee).get(reverse("accounts:dashboard", args=["acme"])).content.decode()
    assert reverse("accounts:notification_bell", args=["acme"]) in body


def test_the_page_lists_notifications_and_marks_them_read(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    first = notify(tenant_a.employee, NOON, title="First news")
    notify(tenant_a.employee, NOON, title="Second news")
    client = client_for(tenant_a.employee)
    page = client.get(reverse("accounts:notification_list", args=["acme"])).content.decode()
    assert "First news" in page and "Second news" in page

    response = client.post(reverse("accounts:notification_read", args=["acme", first.public_id]))
    assert response.status_code == 302
    unread = client.get(reverse("accounts:notification_list", args=["acme"]) + "?show=unread").content.decode()
    assert "First news" not in unread and "Second news" in unread

    client.post(reverse("accounts:notification_read_all", args=["acme"]))
    unread = client.get(reverse("accounts:notification_list", args=["acme"]) + "?show=unread").content.decode()
    assert "Second news" not in unread and "all caught up" in unread


def test_marking_read_with_htmx_returns_the_row(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    notification = notify(tenant_a.employee, NOON, title="Row news")
    response = client_for(tenant_a.employee).post(
        reverse("accounts:notification_read", args=["acme", notification.public_id]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Row news" in response.content.decode() and "Mark read" not in response.content.decode()


def test_another_members_notification_answers_404(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    notification = notify(tenant_a.manager, NOON, title="For the manager")
    client = client_for(tenant_a.employee)
    assert client.post(reverse("accounts:notification_read", args=["acme", notification.public_id])).status_code == 404
    assert "For the manager" not in client.get(reverse("accounts:notification_list", args=["acme"])).content.decode()


def test_a_held_notification_cannot_be_marked_read(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    employee = quiet_nights(tenant_a.employee)
    held = notify(employee, datetime(2099, 1, 1, 23, 0, tzinfo=UTC))
    assert (
        client_for(employee).post(reverse("accounts:notification_read", args=["acme", held.public_id])).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["admin", "manager", "executive", "employee"])
def test_every_role_has_notifications(client_for, tenant_a: Tenant, role: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.member(role))
    assert client.get(reverse("accounts:notification_list", args=["acme"])).status_code == 200
    assert client.get(reverse("api:notification_list", args=["acme"])).status_code == 200


# The profile preference -------------------------------------------------------------


def test_the_digest_preference_is_on_the_profile_page(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    page = client.get(reverse("accounts:profile", args=["acme"])).content.decode()
    assert 'name="notifications-digest"' in page
    response = client.post(
        reverse("accounts:profile", args=["acme"]),
        {"full_name": "Erin Employee", "work_days": ["1", "2"], "notifications-digest": "weekly"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert NotificationPreference.objects.get(membership=tenant_a.employee).digest == DigestFrequency.WEEKLY


# The API ----------------------------------------------------------------------------


def test_the_api_lists_own_delivered_notifications_with_an_unread_filter(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    read = notify(tenant_a.employee, NOON, title="Read one")
    notify(tenant_a.employee, NOON, title="Unread one")
    notify(tenant_a.manager, NOON, title="Someone else's")
    with organization_scope(tenant_a.organization):
        services.notification_mark_read(notification=read)
    client = client_for(tenant_a.employee)
    data = client.get(reverse("api:notification_list", args=["acme"])).json()
    assert sorted(n["title"] for n in data["results"]) == ["Read one", "Unread one"]
    data = client.get(reverse("api:notification_list", args=["acme"]) + "?unread=true").json()
    assert [n["title"] for n in data["results"]] == ["Unread one"]


def test_the_api_marks_read_and_all_read(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    one = notify(tenant_a.employee, NOON, title="One")
    notify(tenant_a.employee, NOON, title="Two")
    client = client_for(tenant_a.employee)
    response = client.post(reverse("api:notification_read", args=["acme", one.public_id]))
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.post(reverse("api:notification_read", args=["acme", one.public_id])).status_code == 200
    assert client.post(reverse("api:notification_read_all", args=["acme"])).json() == {"marked": 1}


def test_the_api_refuses_another_members_and_another_organisations_notifications(
    client_for,  # type: ignore[no-untyped-def]
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    colleague = notify(tenant_a.manager, NOON)
    foreign = notify(tenant_b.employee, NOON)
    client = client_for(tenant_a.employee)
    assert client.post(reverse("api:notification_read", args=["acme", colleague.public_id])).status_code == 404
    assert client.post(reverse("api:notification_read", args=["acme", foreign.public_id])).status_code == 404
    assert client.post(reverse("api:notification_read", args=["globex", foreign.public_id])).status_code == 404
    with scopes_disabled():
        assert Notification.objects.get(pk=foreign.pk).read_at is None


def test_the_api_reads_and_changes_the_digest_preference(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    url = reverse("api:notification_preferences", args=["acme"])
    assert client.get(url).json() == {"digest": "daily"}
    assert client.patch(url, {"digest": "off"}, content_type="application/json").json() == {"digest": "off"}
    assert client.get(url).json() == {"digest": "off"}
    assert client.patch(url, {"digest": "hourly"}, content_type="application/json").status_code == 400
    assert client.patch(url, {"digst": "off"}, content_type="application/json").status_code == 400


# One-click unsubscribe --------------------------------------------------------------


def unsubscribe_path(membership: Membership) -> str:
    token = services.unsubscribe_token(membership=membership)
    return reverse("unsubscribe", kwargs={"token": token})


def digest_of(membership: Membership) -> str:
    with scopes_disabled():
        preference = NotificationPreference.objects.filter(membership=membership).first()
        return preference.digest if preference else DigestFrequency.DAILY


def test_the_unsubscribe_link_asks_first_and_needs_no_sign_in(client: Client, tenant_a: Tenant) -> None:
    path = unsubscribe_path(tenant_a.employee)
    page = client.get(path)
    assert page.status_code == 200
    assert "Unsubscribe" in page.content.decode() and tenant_a.employee.user.email in page.content.decode()
    assert digest_of(tenant_a.employee) == DigestFrequency.DAILY  # GET changes nothing

    done = client.post(path)
    assert done.status_code == 200 and "unsubscribed" in done.content.decode()
    assert digest_of(tenant_a.employee) == DigestFrequency.OFF


def test_one_click_unsubscribe_from_a_mail_client_needs_no_csrf_token(tenant_a: Tenant) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        unsubscribe_path(tenant_a.employee),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert digest_of(tenant_a.employee) == DigestFrequency.OFF


def test_using_the_link_again_is_harmless(client: Client, tenant_a: Tenant) -> None:
    path = unsubscribe_path(tenant_a.employee)
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200
    assert digest_of(tenant_a.employee) == DigestFrequency.OFF


def test_a_tampered_link_is_refused_with_a_clear_page(client: Client, tenant_a: Tenant) -> None:
    token = services.unsubscribe_token(membership=tenant_a.employee)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (tampered, "not-a-token", signing.dumps({"m": str(tenant_a.employee.public_id), "s": "digest"})):
        response = client.post(reverse("unsubscribe", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "cannot be used" in response.content.decode()
    assert digest_of(tenant_a.employee) == DigestFrequency.DAILY


def test_an_expired_link_is_refused(client: Client, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    path = unsubscribe_path(tenant_a.employee)
    monkeypatch.setattr(services, "UNSUBSCRIBE_MAX_AGE", timedelta(seconds=-1))
    response = client.post(path)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert digest_of(tenant_a.employee) == DigestFrequency.DAILY


def test_a_link_unsubscribes_only_the_member_it_was_made_for(
    client_for,  # type: ignore[no-untyped-def]
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    # Signed in as someone else, the link still changes only its own member.
    client = client_for(tenant_a.manager)
    client.post(unsubscribe_path(tenant_b.employee))
    assert digest_of(tenant_b.employee) == DigestFrequency.OFF
    assert digest_of(tenant_a.manager) == DigestFrequency.DAILY
    assert digest_of(tenant_a.employee) == DigestFrequency.DAILY
