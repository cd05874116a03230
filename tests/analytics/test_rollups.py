"""Day rollups maintained incrementally from metric snapshots: whatever the sequence of
snapshots, every rollup row equals a recomputation from the raw snapshots; unknown stays
unknown; one organisation's ingest never touches another's rollups; tracked-link clicks
are recomputed from the link counters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Organization
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import LinkClickDay, TrackedLink
from analytics.models import ItemDay, MemberDay, OrgDay, ShareMetrics
from analytics.models.metrics import COUNTERS
from analytics.services import rollups
from analytics.services.metrics import SnapshotRow, clicks_rollup, share_metrics_start, snapshots_ingest
from tests.analytics.metrics_support import posted_share, recomputed_rollups, rollups_of
from tests.conftest import Tenant
from tests.factories import ContentItemFactory, MembershipFactory

POSTED = datetime(2026, 3, 30, 20, 0, tzinfo=UTC)  # a month boundary and a DST change nearby


def row(share, at: datetime, **counters: int | None) -> SnapshotRow:  # type: ignore[no-untyped-def]
    return SnapshotRow(
        organization_id=share.organization_id, share_id=share.pk, network=share.network, captured_at=at, **counters
    )


def metrics_of(share) -> ShareMetrics:  # type: ignore[no-untyped-def]
    with scopes_disabled():  # reading back for the assertion
        return ShareMetrics.objects.get(share_id=share.pk)


@pytest.mark.django_db
def test_a_posted_share_is_counted_once_on_its_local_day_and_due_an_hour_later(tenant_a: Tenant) -> None:
    Organization.objects.filter(pk=tenant_a.organization.pk).update(timezone="Pacific/Auckland")
    tenant_a.organization.refresh_from_db()
    share = posted_share(tenant_a.employee, posted_at=POSTED, item=tenant_a.item)
    with scopes_disabled():
        share_metrics_start(share=share)  # a second start changes nothing

    metrics = metrics_of(share)
    assert metrics.next_collect_at == POSTED + timedelta(hours=1)
    assert metrics.collect_step == 0
    local_day = date(2026, 3, 31)  # 20:00 UTC is the next morning in Auckland
    with scopes_disabled():
        assert MemberDay.objects.get(membership=tenant_a.employee, day=local_day, network="x").shares_posted == 1
        assert ItemDay.objects.get(item=tenant_a.item, day=local_day).shares_posted == 1
        org_day = OrgDay.objects.get(organization=tenant_a.organization, day=local_day, network="x")
    assert org_day.shares_posted == 1
    assert org_day.impressions is None, "nothing measured yet: unknown, not zero"


@pytest.mark.django_db
def test_gains_are_added_per_day_and_the_latest_values_kept(tenant_a: Tenant) -> None:
    share = posted_share(tenant_a.employee, posted_at=POSTED, item=tenant_a.item)
    snapshots_ingest(rows=[row(share, POSTED + timedelta(hours=1), impressions=100, reactions=3, comments=0)])
    snapshots_ingest(rows=[row(share, POSTED + timedelta(days=1), impressions=250, reactions=5, comments=0)])

    metrics = metrics_of(share)
    assert (metrics.impressions, metrics.reactions, metrics.comments, metrics.reach) == (250, 5, 0, None)
    assert metrics.snapshots == 2
    with scopes_disabled():
        first, second = OrgDay.objects.filter(organization=tenant_a.organization).order_by("day")
    assert (first.day, first.impressions, first.reactions) == (date(2026, 3, 30), 100, 3)
    assert (second.day, second.impressions, second.reactions) == (date(2026, 3, 31), 150, 2)
    assert first.comments == 0 and second.comments == 0, "a zero the network reported stays zero"
    assert first.reach is None and second.reach is None, "a counter nobody reported stays unknown"


@pytest.mark.django_db
def test_a_counter_that_stops_being_reported_keeps_its_last_value(tenant_a: Tenant) -> None:
    share = posted_share(tenant_a.employee, posted_at=POSTED)
    snapshots_ingest(rows=[row(share, POSTED + timedelta(days=14), impressions=900, network_clicks=40)])
    snapshots_ingest(rows=[row(share, POSTED + timedelta(days=31), impressions=1000)])  # past X's window

    metrics = metrics_of(share)
    assert (metrics.impressions, metrics.network_clicks) == (1000, 40)
    with scopes_disabled():
        late = OrgDay.objects.get(organization=tenant_a.organization, day=(POSTED + timedelta(days=31)).date())
    assert late.impressions == 100
    assert late.network_clicks is None, "no click figure that day: no gain, not a loss of 40"


@pytest.mark.django_db
def test_an_older_snapshot_is_stored_but_moves_no_rollup(tenant_a: Tenant) -> None:
    share = posted_share(tenant_a.employee, posted_at=POSTED)
    snapshots_ingest(rows=[row(share, POSTED + timedelta(days=3), reactions=10)])
    before = rollups_of(tenant_a.organization.pk)

    snapshots_ingest(rows=[row(share, POSTED + timedelta(days=1), reactions=4)])

    after = rollups_of(tenant_a.organization.pk)
    assert after["org_day"] == before["org_day"] and after["share_day"] == before["share_day"]
    assert metrics_of(share).snapshots == 2
    assert metrics_of(share).reactions == 10


@pytest.mark.django_db
def test_one_organisations_ingest_never_touches_anothers_rollups(tenant_a: Tenant, tenant_b: Tenant) -> None:
    share_a = posted_share(tenant_a.employee, posted_at=POSTED, item=tenant_a.item)
    share_b = posted_share(tenant_b.employee, posted_at=POSTED, item=tenant_b.item)
    snapshots_ingest(rows=[row(share_b, POSTED + timedelta(hours=1), impressions=7)])
    before = rollups_of(tenant_b.organization.pk)

    snapshots_ingest(rows=[row(share_a, POSTED + timedelta(hours=1), impressions=500, reactions=9)])
    # A row that claims another organisation's share is stored with its own
    # organisation and rolls up nowhere.
    snapshots_ingest(
        rows=[
            SnapshotRow(
                organization_id=tenant_a.organization.pk,
                share_id=share_b.pk,
                network="x",
                captured_at=POSTED + timedelta(hours=2),
                impressions=10**6,
            )
        ]
    )

    assert rollups_of(tenant_b.organization.pk) == before
    assert rollups_of(tenant_a.organization.pk)["org_day"][(POSTED.date(), "x")][0] == 500


def _ingest_examples(tenant: Tenant, data: st.DataObject, ingest) -> None:  # type: ignore[no-untyped-def]
    organization = tenant.organization
    zone = data.draw(st.sampled_from(["UTC", "America/Los_Angeles", "Asia/Kolkata"]), label="timezone")
    Organization.objects.filter(pk=organization.pk).update(timezone=zone)
    organization.refresh_from_db()
    members = [tenant.employee, tenant.manager]
    items = [tenant.item, None]
    shares = []
    for _ in range(data.draw(st.integers(1, 4), label="shares")):
        shares.append(
            posted_share(
                members[data.draw(st.integers(0, 1))],
                posted_at=POSTED + timedelta(hours=data.draw(st.integers(0, 30))),
                network=data.draw(st.sampled_from(["x", "mastodon"])),
                item=items[data.draw(st.integers(0, 1))],
            )
        )
    counter = st.one_of(st.none(), st.integers(0, 5000))
    batches = data.draw(
        st.lists(
            st.lists(
                st.tuples(st.integers(0, len(shares) - 1), st.integers(0, 24 * 40), *[counter] * len(COUNTERS)),
                min_size=1,
                max_size=8,
            ),
            min_size=1,
            max_size=5,
        )
    )
    for batch in batches:
        # A batch holds each share at most once per moment, in time order (as a
        # collection round sends them); across batches anything goes.
        unique = {(index, offset): values for index, offset, *values in batch}
        ingest(
            [
                SnapshotRow(
                    organization_id=organization.pk,
                    share_id=shares[index].pk,
                    network=shares[index].network,
                    captured_at=shares[index].posted_at + timedelta(hours=offset),
                    **dict(zip(COUNTERS, values, strict=True)),
                )
                for (index, offset), values in sorted(unique.items(), key=lambda pair: pair[0][1])
            ]
        )
    assert rollups_of(organization.pk) == recomputed_rollups(organization.pk, zone)


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rollups_equal_a_recomputation_from_the_raw_snapshots(tenant_a: Tenant, data: st.DataObject) -> None:
    with transaction.atomic():
        _ingest_examples(tenant_a, data, lambda rows: snapshots_ingest(rows=rows))
        transaction.set_rollback(True)


@pytest.mark.django_db
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_portable_ingest_gives_the_same_rollups(tenant_a: Tenant, data: st.DataObject) -> None:
    # The path SQLite takes, run here on PostgreSQL against the same oracle.
    with transaction.atomic():
        _ingest_examples(tenant_a, data, lambda rows: rollups._ingest_portable(rows))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_tracked_clicks_are_recomputed_from_the_link_counters_without_bots(tenant_a: Tenant) -> None:
    organization = tenant_a.organization
    other = MembershipFactory(organization=organization)
    item = ContentItemFactory(organization=organization, author=tenant_a.manager)
    first = posted_share(tenant_a.employee, posted_at=POSTED, item=item)
    second = posted_share(other, posted_at=POSTED, item=item, network="mastodon")
    day = POSTED.date()
    with scopes_disabled():  # test set-up
        for share, clicks, unique, bots in ((first, 12, 9, 40), (second, 3, 3, 0)):
            link = TrackedLink.objects.create(
                organization=organization, share=share, code=f"c{share.pk}", target_url="https://acme.example/a"
            )
            LinkClickDay.objects.create(
                organization=organization, link=link, day=day, clicks=clicks, unique_clicks=unique, bot_clicks=bots
            )

    with organization_scope(organization):
        clicks_rollup(organization=organization, days=[day])
        clicks_rollup(organization=organization, days=[day])  # idempotent

    with scopes_disabled():
        assert MemberDay.objects.get(membership=tenant_a.employee, day=day, network="x").clicks == 12
        assert [
            (row.network, row.clicks, row.unique_clicks)
            for row in ItemDay.objects.filter(item=item).order_by("network")
        ] == [
            ("mastodon", 3, 3),
            ("x", 12, 9),
        ]
        assert OrgDay.objects.get(organization=organization, day=day, network="x").unique_clicks == 9
        assert ShareMetrics.objects.get(share=first).clicks == 12
        LinkClickDay.objects.filter(link_id=first.pk).update(clicks=20)
    with organization_scope(organization):
        clicks_rollup(organization=organization, days=[day])
    with scopes_disabled():
        assert OrgDay.objects.get(organization=organization, day=day, network="x").clicks == 20
        assert ShareMetrics.objects.get(share=first).clicks == 20
