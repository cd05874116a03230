"""The cached feed page: what one member or organisation sees never reaches another,
and publishing, expiry, edits, new previews, dismissals and profile changes show on
the next page view, although windows, rankings and cards are cached."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Membership, MembershipTopic, Role
from accounts.tenancy import organization_scope
from content import services
from content.models import ContentItem, ContentState, PreviewStatus
from content.selectors import FEED_PAGE_SIZE
from content.services import Audience, ItemInput
from tests.conftest import Tenant
from tests.factories import GroupFactory, MembershipFactory, OrganizationFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a: Tenant) -> Tenant:
    """Acme with nothing in its feed yet, so each test sees only its own items."""
    with organization_scope(tenant_a.organization):
        tenant_a.item.delete()
    return tenant_a


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Runs the on-commit callbacks (the feed version bumps) of the block it wraps."""
    return django_capture_on_commit_callbacks


def signed_in(membership: Membership) -> Client:
    """A client of its own per member: two members never share a session."""
    client = Client()
    client.force_login(membership.user)
    return client


def feed(client: Client, tenant: Tenant, **query: str) -> str:
    url = reverse("content:feed", kwargs={"org_slug": tenant.organization.slug})
    response = client.get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def titles(body: str) -> list[str]:
    return re.findall(r'<h2 class="h5 card-title[^>]*><a [^>]*>([^<]+)</a>', body)


def publish(tenant: Tenant, title: str, capture, **data) -> ContentItem:  # type: ignore[no-untyped-def]
    """Create, submit and approve an item as the managers would; approving publishes it,
    and the commit bumps the organisation's feed version."""
    with organization_scope(tenant.organization), capture(execute=True):
        item = services.content_item_create(
            organization=tenant.organization, author=tenant.manager, data=ItemInput(title=title, **data)
        )
        services.content_item_transition(item=item, action="submit", actor=tenant.manager)
        services.content_item_transition(item=item, action="approve", actor=tenant.admin)
    assert item.state == ContentState.PUBLISHED
    return item


# Isolation -----------------------------------------------------------------------------


def test_each_member_sees_only_their_audience_although_both_feeds_are_cached(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    paris = MembershipFactory(organization=acme.organization, location="Paris")
    berlin = MembershipFactory(organization=acme.organization, location="Berlin")
    publish(acme, "Paris office party", on_commit, audience=Audience(locations=["Paris"]))
    publish(acme, "Berlin office party", on_commit, audience=Audience(locations=["Berlin"]))
    paris_client, berlin_client = signed_in(paris), signed_in(berlin)
    for _ in range(2):  # the second round is served from the cache
        assert titles(feed(paris_client, acme)) == ["Paris office party"]
        assert titles(feed(berlin_client, acme)) == ["Berlin office party"]


def test_another_organisation_never_gets_a_cached_card_or_feed(acme, tenant_b, on_commit) -> None:  # type: ignore[no-untyped-def]
    publish(acme, "Acme quarterly results", on_commit)
    acme_client, globex_client = signed_in(acme.employee), signed_in(tenant_b.employee)
    for _ in range(2):
        acme_body, globex_body = feed(acme_client, acme), feed(globex_client, tenant_b)
        assert titles(acme_body) == ["Acme quarterly results"]
        assert titles(globex_body) == ["Globex launches a rocket"]
        assert "/o/acme/" not in globex_body and "Acme" not in globex_body


def test_a_card_shared_by_two_members_carries_each_ones_own_reasons(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    cloud = TopicFactory(organization=acme.organization, name="Cloud", slug="cloud")
    follower = MembershipFactory(organization=acme.organization)
    other = MembershipFactory(organization=acme.organization)
    with organization_scope(acme.organization):
        MembershipTopic.objects.create(organization=acme.organization, membership=follower, topic=cloud)
    publish(acme, "Our cloud is greener", on_commit, topics=[cloud])
    assert "Because you follow Cloud" in feed(signed_in(follower), acme)
    other_body = feed(signed_in(other), acme)
    assert titles(other_body) == ["Our cloud is greener"]
    assert "Because you follow Cloud" not in other_body


def test_the_not_relevant_form_carries_the_viewers_own_csrf_token(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    item = publish(acme, "Canteen menu", on_commit)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(acme.employee.user)
    other = MembershipFactory(organization=acme.organization)
    second.force_login(other.user)
    feed(second, acme)  # renders and caches the card first
    body = feed(first, acme)
    card = body[body.index("<article") : body.index("</article>")]
    [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', card)
    assert not re.search(r"slot[0-9a-f]{40}", body)
    dismiss = reverse("content:feed_dismiss", kwargs={"org_slug": "acme", "item_id": item.public_id})
    # The other member's session does not accept it: the token was not cached with the card.
    assert second.post(dismiss, {"csrfmiddlewaretoken": token}).status_code == 403
    with on_commit(execute=True):
        assert first.post(dismiss, {"csrfmiddlewaretoken": token}).status_code == 302
    assert titles(feed(first, acme)) == []


# Changes show at once ----------------------------------------------------------------


def test_a_newly_published_item_shows_on_the_next_view(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    publish(acme, "First", on_commit)
    assert titles(feed(client, acme)) == ["First"]
    publish(acme, "Second", on_commit)
    assert sorted(titles(feed(client, acme))) == ["First", "Second"]


def test_an_item_past_its_expiry_leaves_before_the_scheduler_runs(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    publish(acme, "Stays", on_commit)
    soon = timezone.now() + timedelta(hours=1)
    going = publish(acme, "Flash sale", on_commit, expires_at=soon)
    assert sorted(titles(feed(client, acme))) == ["Flash sale", "Stays"]
    with organization_scope(acme.organization):
        # The clock passing the expiry: nothing bumps a version for that.
        ContentItem.objects.filter(pk=going.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert titles(feed(client, acme)) == ["Stays"]


def test_an_item_the_scheduler_expires_leaves_at_once(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    soon = timezone.now() + timedelta(hours=1)
    going = publish(acme, "Flash sale", on_commit, expires_at=soon)
    assert titles(feed(client, acme)) == ["Flash sale"]
    with organization_scope(acme.organization), on_commit(execute=True):
        services.content_items_publish_due(organization=acme.organization, at=going.expires_at + timedelta(seconds=1))
    assert titles(feed(client, acme)) == []


def test_an_edited_item_leaves_until_approved_again_then_shows_the_edit(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    item = publish(acme, "Old title", on_commit)
    assert titles(feed(client, acme)) == ["Old title"]
    with organization_scope(acme.organization):
        services.content_item_update(item=item, actor=acme.manager, data=ItemInput(title="New title"))
    assert item.state == ContentState.IN_REVIEW
    assert titles(feed(client, acme)) == []
    with organization_scope(acme.organization), on_commit(execute=True):
        services.content_item_transition(item=item, action="approve", actor=acme.admin)
    assert titles(feed(client, acme)) == ["New title"]


def test_a_caption_edit_sends_the_item_back_to_review_and_out_of_the_feed(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    item = publish(acme, "Launch day", on_commit)
    assert titles(feed(client, acme)) == ["Launch day"]
    with organization_scope(acme.organization), on_commit(execute=True):
        services.caption_save(item=item, network="linkedin", text="We launched!", actor=acme.manager)
    assert titles(feed(client, acme)) == []


def test_a_link_preview_fetched_after_publishing_shows_at_once(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    item = publish(acme, "Press coverage", on_commit, url="https://news.example/a")
    assert "Rocket reaches orbit" not in feed(client, acme)
    with organization_scope(acme.organization):
        # What the preview worker writes: an update that leaves updated_at alone.
        ContentItem.objects.filter(pk=item.pk).update(
            preview_status=PreviewStatus.READY,
            preview_title="Rocket reaches orbit",
            preview_site_name="Space News",
            preview_fetched_at=timezone.now(),
        )
    body = feed(client, acme)
    assert "Rocket reaches orbit" in body and "Space News" in body


def test_not_relevant_hides_the_item_on_every_page_at_once(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    items = [publish(acme, f"News {n:02d}", on_commit) for n in range(FEED_PAGE_SIZE + 2)]
    client = signed_in(acme.employee)
    first_page = titles(feed(client, acme))
    second_page = titles(feed(client, acme, page="2"))
    assert len(first_page) == FEED_PAGE_SIZE and len(second_page) == 2
    top = next(item for item in items if item.title == first_page[0])
    dismiss = reverse("content:feed_dismiss", kwargs={"org_slug": "acme", "item_id": top.public_id})
    with on_commit(execute=True):
        assert client.post(dismiss, headers={"HX-Request": "true"}).status_code == 200
    assert top.title not in titles(feed(client, acme))
    assert len(titles(feed(client, acme))) == FEED_PAGE_SIZE
    assert titles(feed(client, acme, page="2")) == [t for t in second_page[1:]]


def test_leaving_a_group_takes_its_items_away_at_once_and_joining_brings_them(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    board = GroupFactory(organization=acme.organization, name="Board", slug="board")
    member = MembershipFactory(organization=acme.organization)
    publish(acme, "Board minutes", on_commit, audience=Audience(groups=[board]))
    client = signed_in(member)
    assert titles(feed(client, acme)) == []
    with organization_scope(acme.organization):
        accounts_services.group_set_members(group=board, memberships=[member])
    assert titles(feed(client, acme)) == ["Board minutes"]
    with organization_scope(acme.organization):
        accounts_services.group_set_members(group=board, memberships=[])
    assert titles(feed(client, acme)) == []


def test_a_change_of_department_or_role_changes_the_feed_at_once(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    member = MembershipFactory(organization=acme.organization, department="Sales", role=Role.EMPLOYEE)
    publish(acme, "Sales kick-off", on_commit, audience=Audience(departments=["Sales"]))
    publish(acme, "Managers only", on_commit, audience=Audience(roles=[Role.MANAGER]))
    client = signed_in(member)
    assert titles(feed(client, acme)) == ["Sales kick-off"]
    with organization_scope(acme.organization):
        accounts_services.membership_update(membership=member, attributes={"department": "Legal"})
        accounts_services.membership_change_role(membership=member, role=Role.MANAGER)
    assert titles(feed(client, acme)) == ["Managers only"]


def test_following_a_topic_shows_in_the_reasons_and_the_filters_at_once(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    cloud = TopicFactory(organization=acme.organization, name="Cloud", slug="cloud")
    golf = TopicFactory(organization=acme.organization, name="Golf", slug="golf")
    member = MembershipFactory(organization=acme.organization)
    with organization_scope(acme.organization):
        MembershipTopic.objects.create(organization=acme.organization, membership=member, topic=golf)
    publish(acme, "Our cloud is greener", on_commit, topics=[cloud])
    client = signed_in(member)
    body = feed(client, acme)
    assert "Because you follow Cloud" not in body and f"?topic={golf.public_id}" in body
    with organization_scope(acme.organization):
        accounts_services.membership_update(membership=member, attributes={}, interests=[cloud])
    body = feed(client, acme)
    assert "Because you follow Cloud" in body
    assert f'href="?topic={cloud.public_id}"' in body and f'href="?topic={golf.public_id}"' not in body


def test_the_dashboard_preview_shows_a_new_item_at_once(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    preview = reverse("content:feed_preview", kwargs={"org_slug": "acme"})
    assert "Nothing to share yet" in client.get(preview, headers={"HX-Request": "true"}).content.decode()
    publish(acme, "Fresh news", on_commit)
    assert titles(client.get(preview, headers={"HX-Request": "true"}).content.decode()) == ["Fresh news"]


# Cost ----------------------------------------------------------------------------------


def queries_of(client: Client, tenant: Tenant) -> int:
    with CaptureQueriesContext(connection) as captured:
        feed(client, tenant)
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_items(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    topic = TopicFactory(organization=acme.organization)
    client = signed_in(acme.employee)
    feed(client, acme)  # the session's first page stores the organisation in it: not counted
    publish(acme, "One", on_commit, topics=[topic])
    cold_few, warm_few = queries_of(client, acme), queries_of(client, acme)
    for n in range(FEED_PAGE_SIZE + 5):
        publish(acme, f"Item {n}", on_commit, topics=[topic])
    cold_many, warm_many = queries_of(client, acme), queries_of(client, acme)
    assert len(titles(feed(client, acme))) == FEED_PAGE_SIZE
    assert cold_many == cold_few and warm_many == warm_few
    # A warm page: the session (from the database here; from Redis when REDIS_URL is set,
    # tests/accounts/test_request_caching.py), the membership with its user, groups and
    # interests (the middleware), and the check of the window's items.
    assert warm_many == 3


def test_the_number_of_queries_does_not_grow_with_members(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    publish(acme, "One", on_commit)
    client = signed_in(acme.employee)
    feed(client, acme)
    before = queries_of(client, acme)
    MembershipFactory.create_batch(30, organization=acme.organization)
    assert queries_of(client, acme) == before


# The navbar ----------------------------------------------------------------------------


def test_the_switcher_lists_only_the_viewers_own_organisations(acme, tenant_b) -> None:  # type: ignore[no-untyped-def]
    both = MembershipFactory(organization=acme.organization)
    MembershipFactory(organization=tenant_b.organization, user=both.user, role=Role.MANAGER)
    assert "Globex" in feed(signed_in(both), acme)
    only_acme = feed(signed_in(acme.employee), acme)
    assert 'id="org-switcher"' not in only_acme and "Globex" not in only_acme


def test_renaming_the_organisation_shows_in_the_switcher_at_once(acme, tenant_b) -> None:  # type: ignore[no-untyped-def]
    both = MembershipFactory(organization=acme.organization)
    MembershipFactory(organization=tenant_b.organization, user=both.user)
    client = signed_in(both)
    assert "Acme" in feed(client, acme)
    with organization_scope(acme.organization):
        accounts_services.organization_update(
            organization=acme.organization, name="Acme Rockets", timezone_name="Europe/London"
        )
    body = feed(client, acme)
    switcher = body[body.index('id="org-switcher"') :]
    assert "Acme Rockets" in switcher[: switcher.index("</ul>")]


def test_a_role_change_shows_in_the_navigation_at_once(acme) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    content_list = reverse("content:item_list", kwargs={"org_slug": "acme"})
    assert f'href="{content_list}"' not in feed(client, acme)
    with organization_scope(acme.organization):
        accounts_services.membership_change_role(membership=acme.employee, role=Role.MANAGER)
    assert f'href="{content_list}"' in feed(client, acme)


def test_a_new_organisation_of_the_viewer_appears_in_its_own_switcher(acme) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(acme.employee)
    feed(client, acme)  # the switcher list is now cached without the new organisation
    newco = OrganizationFactory(name="Newco", slug="newco")
    MembershipFactory(organization=newco, user=acme.employee.user)
    response = client.get(reverse("accounts:dashboard", kwargs={"org_slug": "newco"}))
    body = response.content.decode()
    switcher = body[body.index('id="org-switcher"') :]
    assert "Newco" in switcher and "Acme" in switcher


# The page around the cards -------------------------------------------------------------


def csrf_tokens(body: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body) + re.findall(
        r'"X-CSRFToken": "([^"]+)"', body
    )


def test_a_kept_page_is_the_page_a_fresh_render_gives(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    from content.views import feed as feed_views

    cloud = TopicFactory(organization=acme.organization, name="Cloud", slug="cloud")
    with organization_scope(acme.organization):
        MembershipTopic.objects.create(organization=acme.organization, membership=acme.employee, topic=cloud)
    for n in range(FEED_PAGE_SIZE + 1):
        publish(acme, f"News {n:02d}", on_commit, topics=[cloud])
    client = signed_in(acme.employee)
    for query in ({}, {"topic": str(cloud.public_id)}, {"page": "2"}):
        first = feed(client, acme, **query)
        kept = feed(client, acme, **query)
        feed_views._pages_in_process = feed_views._KeptInProcess(feed_views.PAGES_KEPT_IN_PROCESS)
        feed_views._cards_in_process = feed_views._KeptInProcess(feed_views.CARDS_KEPT_IN_PROCESS)
        fresh = feed(client, acme, **query)
        tokens = csrf_tokens(kept)
        assert len(tokens) >= 2 and not re.search(r"slot[0-9a-f]{40}", kept)
        assert re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", kept) == re.sub(
            r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", fresh
        )
        assert first.count("<article") == kept.count("<article")


def test_two_sessions_of_one_person_each_get_their_own_csrf_token(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    item = publish(acme, "Canteen menu", on_commit)
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    laptop.force_login(acme.employee.user)
    phone.force_login(acme.employee.user)
    feed(laptop, acme)  # keeps the page and the card
    body = feed(phone, acme)
    card = body[body.index("<article") : body.index("</article>")]
    [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', card)
    [header_token] = re.findall(r'"X-CSRFToken": "([^"]+)"', body)
    dismiss = reverse("content:feed_dismiss", kwargs={"org_slug": "acme", "item_id": item.public_id})
    assert laptop.post(dismiss, {"csrfmiddlewaretoken": token}).status_code == 403
    with on_commit(execute=True):
        assert phone.post(dismiss, headers={"X-CSRFToken": header_token, "HX-Request": "true"}).status_code == 200


def test_a_message_shows_once_on_a_kept_page(acme, on_commit) -> None:  # type: ignore[no-untyped-def]
    item = publish(acme, "Canteen menu", on_commit)
    publish(acme, "Parking", on_commit)
    client = signed_in(acme.employee)
    feed(client, acme)
    dismiss = reverse("content:feed_dismiss", kwargs={"org_slug": "acme", "item_id": item.public_id})
    with on_commit(execute=True):
        assert client.post(dismiss).status_code == 302
    after = feed(client, acme)
    assert "Hidden from your feed" in after and titles(after) == ["Parking"]
    assert "Hidden from your feed" not in feed(client, acme)
