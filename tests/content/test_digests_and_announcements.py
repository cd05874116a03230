"""Email digests (08:00 local, held through quiet hours and outside hourly workers'
hours, never dropped; one-click unsubscribe headers) and featured announcements."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import DigestFrequency, Membership, Notification, NotificationKind, Organization
from accounts.services.notifications import notification_preference_update
from accounts.tenancy import organization_scope, scopes_disabled
from content.models import ContentItem
from content.services import Audience
from content.services.announcements import announcement_send
from content.services.digests import digest_slot, digests_send_due
from tests.conftest import Tenant

# The unsubscribe route is global (accounts.urls_public); this urlconf adds it to the project's.
pytestmark = pytest.mark.django_db


def set_member(membership: Membership, **fields: object) -> Membership:
    with scopes_disabled():  # test setup
        Membership.objects.filter(pk=membership.pk).update(**fields)
        return Membership.objects.select_related("organization", "user").get(pk=membership.pk)


def set_zone(organization: Organization, zone: str) -> None:
    Organization.objects.filter(pk=organization.pk).update(timezone=zone)


def publish_at(tenant: Tenant, moment: datetime) -> None:
    with scopes_disabled():  # the fixture's item, published at a chosen moment
        ContentItem.objects.filter(pk=tenant.item.pk).update(published_at=moment)


def run(tenant: Tenant, now: datetime) -> int:
    organization = Organization.objects.get(pk=tenant.organization.pk)
    with organization_scope(organization):
        return digests_send_due(organization=organization, now=now)


def digests_to(email: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [email] and "to share" in m.subject]


def only_employee_gets_digests(tenant: Tenant) -> None:
    with organization_scope(tenant.organization):
        for member in (tenant.admin, tenant.manager, tenant.executive):
            notification_preference_update(membership=member, digest=DigestFrequency.OFF)


# The schedule ------------------------------------------------------------------------


def test_the_daily_slot_is_eight_in_the_morning_local_time() -> None:
    now = datetime(2025, 3, 12, 20, 0, tzinfo=UTC)
    assert digest_slot(frequency="daily", zone_name="Europe/London", now=now) == datetime(2025, 3, 12, 8, 0, tzinfo=UTC)
    # Los Angeles (UTC-7): 13:00 local on the 12th; 08:00 PDT is 15:00 UTC.
    assert digest_slot(frequency="daily", zone_name="America/Los_Angeles", now=now) == datetime(
        2025, 3, 12, 15, 0, tzinfo=UTC
    )
    # Auckland (UTC+13): already 09:00 on the 13th.
    assert digest_slot(frequency="daily", zone_name="Pacific/Auckland", now=now) == datetime(
        2025, 3, 12, 19, 0, tzinfo=UTC
    )


def test_the_weekly_slot_is_monday_morning() -> None:
    wednesday = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
    assert digest_slot(frequency="weekly", zone_name="Europe/London", now=wednesday) == datetime(
        2025, 3, 10, 8, 0, tzinfo=UTC
    )


# Sending, holding and releasing ----------------------------------------------------------


def test_a_daily_digest_lists_new_items_at_eight_local_and_only_once(tenant_a: Tenant) -> None:
    only_employee_gets_digests(tenant_a)
    publish_at(tenant_a, datetime(2025, 3, 11, 15, 0, tzinfo=UTC))
    assert run(tenant_a, datetime(2025, 3, 12, 7, 59, tzinfo=UTC)) == 1  # yesterday's 08:00 slot, first digest
    mail.outbox.clear()
    assert run(tenant_a, datetime(2025, 3, 12, 8, 5, tzinfo=UTC)) == 0  # nothing new since
    publish_at(tenant_a, datetime(2025, 3, 12, 9, 0, tzinfo=UTC))
    assert run(tenant_a, datetime(2025, 3, 12, 10, 0, tzinfo=UTC)) == 0  # today's slot is covered
    assert run(tenant_a, datetime(2025, 3, 13, 8, 0, tzinfo=UTC)) == 1
    assert run(tenant_a, datetime(2025, 3, 13, 8, 1, tzinfo=UTC)) == 0
    sent = digests_to(tenant_a.employee.user.email)
    assert len(sent) == 1
    assert tenant_a.item.title in sent[0].body


def test_a_digest_carries_one_click_unsubscribe_headers(tenant_a: Tenant) -> None:
    only_employee_gets_digests(tenant_a)
    publish_at(tenant_a, datetime(2025, 3, 12, 7, 0, tzinfo=UTC))
    run(tenant_a, datetime(2025, 3, 12, 8, 0, tzinfo=UTC))
    (message,) = digests_to(tenant_a.employee.user.email)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert "/unsubscribe/" in link and link in message.body


def test_a_digest_due_in_quiet_hours_is_held_not_dropped(tenant_a: Tenant) -> None:
    only_employee_gets_digests(tenant_a)
    set_member(tenant_a.employee, timezone="America/Los_Angeles", quiet_hours_start=time(6), quiet_hours_end=time(9))
    publish_at(tenant_a, datetime(2025, 3, 12, 10, 0, tzinfo=UTC))
    # 08:00 PDT on 12 March is 15:00 UTC: quiet until 09:00 PDT = 16:00 UTC.
    assert run(tenant_a, datetime(2025, 3, 12, 15, 0, tzinfo=UTC)) == 0
    assert run(tenant_a, datetime(2025, 3, 12, 15, 55, tzinfo=UTC)) == 0
    assert run(tenant_a, datetime(2025, 3, 12, 16, 0, tzinfo=UTC)) == 1
    assert run(tenant_a, datetime(2025, 3, 12, 16, 5, tzinfo=UTC)) == 0


def test_an_hourly_workers_weekly_digest_waits_for_their_shift(tenant_a: Tenant) -> None:
    only_employee_gets_digests(tenant_a)
    employee = set_member(
        tenant_a.employee,
        timezone="Pacific/Auckland",
        is_hourly=True,
        work_days="2345",  # Tuesday to Friday
        work_start=time(10),
        work_end=time(18),
    )
    with organization_scope(tenant_a.organization):
        notification_preference_update(membership=employee, digest=DigestFrequency.WEEKLY)
    publish_at(tenant_a, datetime(2025, 3, 14, 0, 0, tzinfo=UTC))
    # Monday 17 March 08:00 NZDT = Sunday 16 March 19:00 UTC: not a working day.
    assert run(tenant_a, datetime(2025, 3, 16, 19, 0, tzinfo=UTC)) == 0
    assert run(tenant_a, datetime(2025, 3, 17, 12, 0, tzinfo=UTC)) == 0  # Tuesday 01:00 local
    # Tuesday 18 March 10:00 NZDT = Monday 17 March 21:00 UTC.
    assert run(tenant_a, datetime(2025, 3, 17, 21, 0, tzinfo=UTC)) == 1
    assert run(tenant_a, datetime(2025, 3, 18, 1, 0, tzinfo=UTC)) == 0


def test_no_digest_when_off_or_nothing_is_new(tenant_a: Tenant) -> None:
    publish_at(tenant_a, datetime(2025, 1, 1, tzinfo=UTC))
    assert run(tenant_a, datetime(2025, 3, 12, 8, 0, tzinfo=UTC)) == 0
    with organization_scope(tenant_a.organization):
        notification_preference_update(membership=tenant_a.employee, digest=DigestFrequency.OFF)
    publish_at(tenant_a, datetime(2025, 3, 13, 7, 0, tzinfo=UTC))
    run(tenant_a, datetime(2025, 3, 13, 8, 0, tzinfo=UTC))
    assert digests_to(tenant_a.employee.user.email) == []


def test_the_digest_job_does_nothing_while_another_run_holds_its_lock(tenant_a: Tenant) -> None:
    from accounts.tasking import job_lock
    from content.tasks import digests_send

    publish_at(tenant_a, datetime.now(UTC) - timedelta(hours=1))
    with job_lock("content.tasks.digests_send", ttl=timedelta(minutes=1)) as held:
        assert held
        assert digests_send() is None


# Announcements ----------------------------------------------------------------------


def announce(tenant: Tenant, audience: Audience, now: datetime, **kwargs: object):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return announcement_send(
            organization=tenant.organization,
            sender=tenant.manager,
            title=kwargs.pop("title", "Town hall at noon"),  # type: ignore[arg-type]
            text="Bring questions.",
            audience=audience,
            now=now,
            **kwargs,  # type: ignore[arg-type]
        )


def test_an_announcement_reaches_exactly_its_audience(tenant_a: Tenant, tenant_b: Tenant) -> None:
    result = announce(tenant_a, Audience(groups=[tenant_a.group]), datetime(2025, 3, 12, 12, 0, tzinfo=UTC))
    assert result.recipients == 1
    with scopes_disabled():
        notifications = list(Notification.objects.filter(kind=NotificationKind.ANNOUNCEMENT))
    assert [n.recipient_id for n in notifications] == [tenant_a.employee.pk]
    assert notifications[0].email is True


def test_an_announcement_respects_each_persons_hours(tenant_a: Tenant) -> None:
    set_member(tenant_a.employee, quiet_hours_start=time(22), quiet_hours_end=time(7))
    result = announce(tenant_a, Audience(), datetime(2025, 3, 12, 23, 0, tzinfo=UTC))
    assert result.recipients == 4 and result.delivered_now == 3
    with scopes_disabled():
        held = Notification.objects.get(recipient=tenant_a.employee)
    assert held.delivered_at is None and held.deliver_after == datetime(2025, 3, 13, 7, 0, tzinfo=UTC)


def test_an_announcement_links_a_published_item(tenant_a: Tenant, tenant_b: Tenant) -> None:
    from django.core.exceptions import ValidationError

    announce(tenant_a, Audience(roles=["employee"]), datetime(2025, 3, 12, 12, 0, tzinfo=UTC), item=tenant_a.item)
    with scopes_disabled():
        assert Notification.objects.get(recipient=tenant_a.employee).url == reverse(
            "content:feed_item", args=["acme", tenant_a.item.public_id]
        )
    with pytest.raises(ValidationError):
        announce(tenant_a, Audience(), datetime(2025, 3, 12, 12, 0, tzinfo=UTC), item=tenant_b.item)


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("manager", True), ("executive", False), ("employee", False)]
)
def test_only_curators_may_announce(client_for, tenant_a: Tenant, role: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.member(role))
    page = client.get(reverse("content:announce", args=["acme"]))
    assert page.status_code == (200 if allowed else 403)
    if allowed:
        assert "Matches 4 active members" in page.content.decode()
    response = client.post(
        reverse("content:announce", args=["acme"]), {"title": "Web news", "text": "", "audience_roles": ["employee"]}
    )
    assert response.status_code == (302 if allowed else 403)
    api = client.post(
        reverse("api:announcement_create", args=["acme"]),
        {"title": "API news", "audience": {"roles": ["employee"]}},
        content_type="application/json",
    )
    assert api.status_code == (201 if allowed else 403)
    if allowed:
        assert api.json()["recipients"] == 1


def test_the_announce_api_refuses_another_organisations_group(client_for, tenant_a: Tenant, tenant_b: Tenant) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.manager).post(
        reverse("api:announcement_create", args=["acme"]),
        {"title": "x", "audience": {"groups": [str(tenant_b.group.public_id)]}},
        content_type="application/json",
    )
    assert response.status_code == 400
    with scopes_disabled():
        assert not Notification.objects.exists()
