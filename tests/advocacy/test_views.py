"""The employee's sharing screens: the composer with its live checks, My shares, and the
managers' and admins' pages (connection health, guardrails)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from accounts.tenancy import scopes_disabled
from advocacy.models import (
    AdvocacySettings,
    ConnectionStatus,
    Share,
    ShareKind,
    ShareState,
    SocialConnection,
    TrackedLink,
)
from content.models import ContentSettings, Visibility
from tests.advocacy.support import connect, open_sharing
from tests.conftest import Tenant


@pytest.fixture
def sharing(tenant_a: Tenant) -> Tenant:
    """Acme with sharing open, a disclosure, a blocked phrase, an item with a link, and
    the employee's X and Sandbox accounts connected."""
    open_sharing(tenant_a.organization)
    with scopes_disabled():  # test set-up
        ContentSettings.objects.update_or_create(
            organization=tenant_a.organization,
            defaults={"disclosure": "#iworkforacme", "blocked_phrases": "guaranteed returns"},
        )
        tenant_a.item.url = "https://acme.example/rocket"
        tenant_a.item.save()
    connect(tenant_a.employee, network="x", handle="ada_x")
    connect(tenant_a.employee, network="sandbox", handle="ada")
    return tenant_a


def accounts_of(tenant: Tenant) -> list[str]:
    with scopes_disabled():
        return [str(c.public_id) for c in SocialConnection.objects.filter(membership=tenant.employee)]


def compose_url(tenant: Tenant) -> str:
    return f"/o/{tenant.organization.slug}/feed/{tenant.item.public_id}/share/"


def shares_of(tenant: Tenant) -> list[Share]:
    with scopes_disabled():
        return list(Share.objects.filter(membership=tenant.employee).select_related("tracked_link"))


@pytest.mark.django_db
def test_the_composer_offers_the_suggested_captions_and_the_employees_accounts(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    page = client_for(sharing.employee).get(compose_url(sharing)).content.decode()

    assert "Share in your own words" in page
    assert sharing.caption.text in page
    post_to = page.split("Post to")[1]
    assert "X · ada_x" in post_to and "Sandbox · ada" in post_to
    assert 'data-testid="originality"' in page


@pytest.mark.django_db
def test_sharing_writes_one_share_per_account_with_its_own_tracked_link(
    client_for, sharing: Tenant, broker, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(sharing.employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            compose_url(sharing),
            {"text": "I helped build this rocket. Proud of the team!", "accounts": accounts_of(sharing), "when": "now"},
        )

    assert response.status_code == 302 and response["Location"] == "/o/acme/shares/"
    shares = shares_of(sharing)
    assert len(shares) == 2
    assert {share.kind for share in shares} == {ShareKind.BRAND}
    assert len({share.batch_id for share in shares}) == 1
    codes = {share.tracked_link.code for share in shares}
    assert len(codes) == 2, "each share has its own link"
    for share in shares:
        assert f"/s/{share.tracked_link.code}" in share.body
        assert share.body.rstrip().endswith("#iworkforacme")
        assert f"utm_source={share.network}" in share.tracked_link.target_url
    sent = [kwargs["share_id"] for name, kwargs in broker.drain() if name == "advocacy.tasks.share_post"]
    assert sorted(sent) == sorted(share.pk for share in shares)


@pytest.mark.django_db
def test_a_blocked_phrase_is_named_and_nothing_is_saved(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    response = client_for(sharing.employee).post(
        compose_url(sharing),
        {"text": "Guaranteed returns for everyone!", "accounts": accounts_of(sharing), "when": "now"},
    )

    assert response.status_code == 400
    assert "guaranteed returns" in response.content.decode()
    assert shares_of(sharing) == []


@pytest.mark.django_db
def test_a_caption_too_long_for_x_is_refused_with_the_network_named(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    response = client_for(sharing.employee).post(
        compose_url(sharing), {"text": "word " * 80, "accounts": accounts_of(sharing), "when": "now"}
    )

    assert response.status_code == 400
    assert "X:" in response.content.decode()
    assert shares_of(sharing) == []


@pytest.mark.django_db
def test_the_weekly_cap_on_company_posts_refuses_the_next_one(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(sharing.employee)
    for n in range(2):
        response = client.post(
            compose_url(sharing),
            {"text": f"My take number {n} on our rocket launch", "accounts": accounts_of(sharing)[:1], "when": "now"},
        )
        assert response.status_code == 302

    third = client.post(
        compose_url(sharing),
        {"text": "And a third post about the rocket", "accounts": accounts_of(sharing)[:1], "when": "now"},
    )
    assert third.status_code == 400
    assert "limit 2" in third.content.decode()
    assert len(shares_of(sharing)) == 2


@pytest.mark.django_db
def test_an_almost_identical_copy_of_a_colleagues_post_is_refused(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    words = "Our rocket team worked nights for months and today it flew higher than anyone expected"
    colleague = sharing.admin
    connect(colleague, network="x", handle="colleague")
    with scopes_disabled():
        colleague_account = [str(SocialConnection.objects.get(membership=colleague).public_id)]
    assert (
        client_for(colleague)
        .post(compose_url(sharing), {"text": words, "accounts": colleague_account, "when": "now"})
        .status_code
        == 302
    )

    check = client_for(sharing.employee).post(
        "/o/acme/share/check/",
        {"item": str(sharing.item.public_id), "text": words + "!", "accounts": accounts_of(sharing)},
    )
    assert "Almost the same as a colleague" in check.content.decode()
    refused = client_for(sharing.employee).post(
        compose_url(sharing), {"text": words + "!", "accounts": accounts_of(sharing), "when": "now"}
    )
    assert refused.status_code == 400
    assert len(shares_of(sharing)) == 0


@pytest.mark.django_db
def test_the_originality_meter_rises_as_the_employee_rewrites_the_suggestion(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(sharing.employee)

    def meter(text: str) -> int:
        page = client.post("/o/acme/share/check/", {"item": str(sharing.item.public_id), "text": text}).content.decode()
        return int(page.split('data-testid="originality-score">')[1].split("%")[0])

    copied = meter(sharing.caption.text)
    rewritten = meter("Last night I watched our rocket go up from the roof of the office, and I cried a little.")
    assert copied < 20 < 80 < rewritten


@pytest.mark.django_db
def test_a_time_in_the_organisations_quiet_hours_is_refused_with_the_reason(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        AdvocacySettings.objects.update_or_create(
            organization=sharing.organization, defaults={"quiet_hours_start": time(21), "quiet_hours_end": time(7)}
        )
    tomorrow_night = (timezone.now() + timedelta(days=1)).astimezone(timezone.get_default_timezone())
    at = tomorrow_night.replace(hour=23, minute=30).strftime("%Y-%m-%dT%H:%M")

    response = client_for(sharing.employee).post(
        compose_url(sharing),
        {"text": "Launch night thoughts", "accounts": accounts_of(sharing), "when": "at", "at": at},
    )
    assert response.status_code == 400
    assert "quiet hours" in response.content.decode()
    assert shares_of(sharing) == []


@pytest.mark.django_db
def test_a_scheduled_share_waits_and_can_be_cancelled(client_for, sharing: Tenant, broker) -> None:  # type: ignore[no-untyped-def]
    client = client_for(sharing.employee)
    at = (timezone.now() + timedelta(days=2)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        compose_url(sharing),
        {"text": "Scheduled thoughts on the rocket", "accounts": accounts_of(sharing)[:1], "when": "at", "at": at},
    )
    assert response.status_code == 302
    (share,) = shares_of(sharing)
    assert share.state == ShareState.SCHEDULED
    assert broker.drain() == [], "no long ETA in the broker: the dispatcher sends it at its time"

    page = client.get("/o/acme/shares/").content.decode()
    assert "Scheduled" in page and "Cancel" in page
    client.post(f"/o/acme/shares/{share.public_id}/cancel/")
    assert shares_of(sharing)[0].state == ShareState.CANCELLED


@pytest.mark.django_db
def test_a_failed_share_shows_the_error_and_a_retry_button(
    client_for, sharing: Tenant, broker, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(sharing.employee)
    client.post(
        compose_url(sharing), {"text": "A post that will fail", "accounts": accounts_of(sharing)[:1], "when": "now"}
    )
    (share,) = shares_of(sharing)
    with scopes_disabled():
        Share.objects.filter(pk=share.pk).update(
            state=ShareState.FAILED, last_error="X refused the post: it is too long.", error_action="edit"
        )
    broker.drain()

    page = client.get("/o/acme/shares/?state=problems").content.decode()
    assert "X refused the post: it is too long." in page and "Try again" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/acme/shares/{share.public_id}/retry/")
    assert shares_of(sharing)[0].state in (ShareState.QUEUED, ShareState.NEEDS_RECONCILE)
    assert [name for name, _ in broker.drain()] == ["advocacy.tasks.share_post"]


@pytest.mark.django_db
def test_a_colleagues_share_cannot_be_cancelled(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    at = (timezone.now() + timedelta(days=2)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    client_for(sharing.employee).post(
        compose_url(sharing), {"text": "Mine", "accounts": accounts_of(sharing)[:1], "when": "at", "at": at}
    )
    (share,) = shares_of(sharing)

    assert client_for(sharing.manager).post(f"/o/acme/shares/{share.public_id}/cancel/").status_code == 404
    assert shares_of(sharing)[0].state == ShareState.SCHEDULED


@pytest.mark.django_db
def test_an_internal_item_cannot_be_shared(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        sharing.item.visibility = Visibility.INTERNAL
        sharing.item.save()

    response = client_for(sharing.employee).post(
        compose_url(sharing), {"text": "Internal news", "accounts": accounts_of(sharing), "when": "now"}
    )
    assert response.status_code == 400
    assert "internal news" in response.content.decode()
    assert shares_of(sharing) == []


@pytest.mark.django_db
def test_a_personal_post_has_no_tracked_link_and_counts_towards_the_mix(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    response = client_for(sharing.employee).post(
        "/o/acme/share/",
        {"text": "Ran my first half marathon today!", "accounts": accounts_of(sharing)[:1], "when": "now"},
    )

    assert response.status_code == 302
    (share,) = shares_of(sharing)
    assert share.kind == ShareKind.PERSONAL and share.item is None
    with scopes_disabled():
        assert not TrackedLink.objects.filter(share=share).exists()


@pytest.mark.django_db
def test_managers_see_accounts_that_need_their_owner(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        SocialConnection.objects.filter(membership=sharing.employee, network="x").update(
            status=ConnectionStatus.NEEDS_RECONNECT, status_reason="X revoked the token."
        )
        SocialConnection.objects.filter(membership=sharing.employee, network="sandbox").update(
            token_expires_at=timezone.now() + timedelta(days=3), refresh_token_encrypted=""
        )

    page = client_for(sharing.manager).get("/o/acme/connections/health/").content.decode()
    assert "X revoked the token." in page and "Expiring soon" in page
    assert sharing.employee.user.email in page
    assert client_for(sharing.employee).get("/o/acme/connections/health/").status_code == 403


@pytest.mark.django_db
def test_an_admin_sets_the_guardrails_and_a_refusal_below_the_warning_is_rejected(client_for, sharing: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(sharing.admin)
    fields = {
        "brand_shares_per_week": 3,
        "brand_mix_percent": 25,
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "06:30",
        "originality_warn": 60,
        "originality_block": 85,
    }
    assert client.post("/o/acme/sharing/settings/", fields).status_code == 302
    with scopes_disabled():
        assert AdvocacySettings.objects.get(organization=sharing.organization).brand_shares_per_week == 3

    bad = client.post("/o/acme/sharing/settings/", {**fields, "originality_block": 50})
    assert bad.status_code == 400
    assert "cannot be below the warning" in bad.content.decode()
    assert client_for(sharing.employee).get("/o/acme/sharing/settings/").status_code == 403
