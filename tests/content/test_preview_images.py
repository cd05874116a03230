"""Link-preview images: the worker stores a checked copy of the page's image (the CSP
shows no image from another site), curators and employees see it through checked
views only, and adding or removing an image sends an approved item back to review."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tenancy import organization_scope, scopes_disabled
from content import services
from content.models import ContentImage, ContentItem, ContentState, ItemTransition, PreviewStatus
from content.services import Audience, ItemInput
from tests.conftest import Tenant
from tests.content.views_support import png_bytes
from tests.fakes.website import FakeWebsite

pytestmark = pytest.mark.django_db

ARTICLE = """<html><head>
<meta property="og:title" content="Acme opens a lab in Lyon">
<meta property="og:image" content="{image}">
</head><body>…</body></html>"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def site(settings) -> Iterator[FakeWebsite]:  # type: ignore[no-untyped-def]
    with FakeWebsite() as website:
        settings.CONTENT_FETCH_ALLOW_HOSTS = [website.host]
        yield website


def linked_item(tenant: Tenant, url: str) -> ContentItem:
    """A draft linking to `url`, its preview fetched as the worker does."""
    with organization_scope(tenant.organization):
        item = services.content_item_create(
            organization=tenant.organization, author=tenant.manager, data=ItemInput(title="Lab", url=url)
        )
        return services.content_item_refresh_preview(item=item)


def stored(media: Path, item: ContentItem) -> bytes:
    return (media / item.preview_image.name).read_bytes()


def with_preview_image(item: ContentItem, data: bytes | None = None) -> ContentItem:
    """Give an item a ready preview with a stored image, as the worker leaves it."""
    with scopes_disabled():  # test data, written outside any request like the fixtures
        item.preview_status = PreviewStatus.READY
        item.preview_title = "Rocket reaches orbit"
        item.preview_fetched_at = timezone.now()
        item.preview_image.save("preview.png", ContentFile(data or png_bytes((16, 9))), save=False)
        item.save()
    return item


def published(tenant: Tenant, title: str, *, audience: Audience | None = None) -> ContentItem:
    with organization_scope(tenant.organization):
        item = services.content_item_create(
            organization=tenant.organization,
            author=tenant.manager,
            data=ItemInput(title=title, audience=audience or Audience()),
        )
    with scopes_disabled():  # straight to published, as the scheduler leaves it
        ContentItem.objects.filter(pk=item.pk).update(state=ContentState.PUBLISHED, published_at=timezone.now())
        item.refresh_from_db()
    return item


def uploaded_image(item: ContentItem) -> ContentImage:
    """An uploaded image on an item, whatever its state (the row as the service leaves it)."""
    with scopes_disabled():  # test data
        image = ContentImage(organization=item.organization, item=item, alt_text="The lab")
        image.image.save("photo.png", ImageFile(io.BytesIO(png_bytes()), name="photo.png"), save=False)
        image.save()
    return image


def feed_url(name: str, item: ContentItem, slug: str = "acme", **kwargs: object) -> str:
    return reverse(f"content:{name}", kwargs={"org_slug": slug, "item_id": item.public_id, **kwargs})


def reload(item: ContentItem) -> ContentItem:
    with scopes_disabled():
        return ContentItem.objects.get(pk=item.pk)


# The worker's copy ------------------------------------------------------------------------


def test_the_worker_stores_a_checked_copy_of_the_pages_image(tenant_a, site, media) -> None:  # type: ignore[no-untyped-def]
    image = png_bytes((40, 21))
    site.page("/img/lab.png", image, content_type="image/png")
    item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image="/img/lab.png")))

    assert item.preview_status == PreviewStatus.READY
    assert item.preview_title == "Acme opens a lab in Lyon"
    assert item.preview_image.name == f"content/{tenant_a.organization.pk}/previews/{item.public_id}.png"
    assert stored(media, item) == image
    [request] = [r for r in site.requests if r.path == "/img/lab.png"]
    assert "image/png" in request.headers["accept"]


def test_the_copy_is_named_after_what_the_image_is_not_what_the_site_says(tenant_a, site, media) -> None:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (8, 8), "blue").save(buffer, format="GIF")
    site.page("/img/photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image="/img/photo.jpg")))
    assert item.preview_image.name.endswith(".gif")


def test_a_new_fetch_replaces_the_copy_and_deletes_the_old_file(  # type: ignore[no-untyped-def]
    tenant_a, site, media, django_capture_on_commit_callbacks
) -> None:
    site.page("/img/lab.png", png_bytes((10, 10)), content_type="image/png")
    item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image="/img/lab.png")))
    old_file = media / item.preview_image.name

    site.page("/img/lab.png", png_bytes((20, 10)), content_type="image/png")
    with organization_scope(tenant_a.organization), django_capture_on_commit_callbacks(execute=True):
        services.content_item_refresh_preview(item=item)

    assert item.preview_image.name != old_file.relative_to(media).as_posix()
    assert stored(media, item) == png_bytes((20, 10))
    assert not old_file.exists()


BIG = 2 * 1024 * 1024 + 1  # one byte over the fetch policy's cap


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"<html><body>Not an image</body></html>", "text/html", id="an HTML page"),
        pytest.param(b"<html><body>Not an image</body></html>", "image/png", id="HTML that claims to be a PNG"),
        pytest.param(b"%PDF-1.4 a document", None, id="no content type at all"),
        pytest.param(png_bytes()[:40], "image/png", id="a cut-off PNG"),
        pytest.param(png_bytes() + b"\0" * BIG, "image/png", id="an image over the byte cap"),
    ],
)
def test_an_unusable_image_leaves_the_preview_ready_without_one(  # type: ignore[no-untyped-def]
    tenant_a, site, media, caplog, body: bytes, content_type: str | None
) -> None:
    site.page("/img/lab.png", body, content_type=content_type)
    with caplog.at_level(logging.INFO, logger="content.services"):
        item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image="/img/lab.png")))
    assert item.preview_status == PreviewStatus.READY
    assert item.preview_title == "Acme opens a lab in Lyon"
    assert not item.preview_image
    assert list(media.rglob("*.*")) == []
    assert [r.levelno for r in caplog.records if "Preview image" in r.getMessage()] == [logging.INFO]


def test_an_image_on_an_address_that_is_not_allowed_is_never_fetched(tenant_a, site, media) -> None:  # type: ignore[no-untyped-def]
    # The page's site is allow-listed for the test; the image's is not, so it counts as
    # the private address it is.
    with FakeWebsite() as internal:
        internal.page("/secret.png", png_bytes(), content_type="image/png")
        for image_url in (internal.url("/secret.png"), "http://169.254.169.254/latest/meta-data/icon.png"):
            item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image=image_url)))
            assert item.preview_status == PreviewStatus.READY
            assert item.preview_image_url == image_url and not item.preview_image
        assert internal.requests == []
    assert list(media.rglob("*.*")) == []


def test_a_page_without_an_image_drops_the_old_copy(tenant_a, site, media, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    site.page("/img/lab.png", png_bytes(), content_type="image/png")
    item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image="/img/lab.png")))
    old_file = media / item.preview_image.name
    site.page("/news/lab", "<html><head><title>No image now</title></head></html>")
    with organization_scope(tenant_a.organization), django_capture_on_commit_callbacks(execute=True):
        services.content_item_refresh_preview(item=item)
    assert item.preview_status == PreviewStatus.READY and not item.preview_image
    assert not old_file.exists()


def test_a_copy_fetched_for_a_link_that_changed_meanwhile_is_thrown_away(  # type: ignore[no-untyped-def]
    tenant_a, site, media, django_capture_on_commit_callbacks
) -> None:
    site.page("/img/lab.png", png_bytes(), content_type="image/png")
    url = site.page("/news/lab", ARTICLE.format(image="/img/lab.png"))
    with organization_scope(tenant_a.organization):
        item = services.content_item_create(
            organization=tenant_a.organization, author=tenant_a.manager, data=ItemInput(title="Lab", url=url)
        )
        stale = ContentItem.objects.get(pk=item.pk)
        ContentItem.objects.filter(pk=item.pk).update(url="https://news.example/other")
        with django_capture_on_commit_callbacks(execute=True):
            services.content_item_refresh_preview(item=stale)
    assert not reload(item).preview_image
    assert list(media.rglob("*.*")) == []


def test_changing_the_link_clears_the_copy_and_deletes_its_file(  # type: ignore[no-untyped-def]
    tenant_a, site, media, broker, django_capture_on_commit_callbacks
) -> None:
    site.page("/img/lab.png", png_bytes(), content_type="image/png")
    item = linked_item(tenant_a, site.page("/news/lab", ARTICLE.format(image="/img/lab.png")))
    old_file = media / item.preview_image.name
    with organization_scope(tenant_a.organization), django_capture_on_commit_callbacks(execute=True):
        services.content_item_update(
            item=item, actor=tenant_a.manager, data=ItemInput(title="Lab", url="https://news.example/new")
        )
    assert reload(item).preview_status == PreviewStatus.PENDING and not reload(item).preview_image
    assert not old_file.exists()
    assert [name for name, _ in broker.drain()] == ["content.tasks.content_item_fetch_preview"]


def test_an_edit_that_keeps_the_link_keeps_the_copy(tenant_a, site, media, broker) -> None:  # type: ignore[no-untyped-def]
    site.page("/img/lab.png", png_bytes(), content_type="image/png")
    url = site.page("/news/lab", ARTICLE.format(image="/img/lab.png"))
    item = linked_item(tenant_a, url)
    name = item.preview_image.name
    with organization_scope(tenant_a.organization):
        services.content_item_update(item=item, actor=tenant_a.manager, data=ItemInput(title="Lab, renamed", url=url))
    assert reload(item).preview_image.name == name and (media / name).exists()


# Who sees it ------------------------------------------------------------------------------


def test_an_employee_sees_the_preview_image_of_an_item_in_their_feed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    item = with_preview_image(tenant_a.item)
    client = client_for(tenant_a.employee)
    image_url = feed_url("feed_item_preview_image", item)

    response = client.get(image_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content) == png_bytes((16, 9))

    for page in (reverse("content:feed", kwargs={"org_slug": "acme"}), feed_url("feed_item", item)):
        body = client.get(page).content.decode()
        assert f'src="{image_url}?v=' in body
        assert 'alt="" width="1200" height="675" loading="lazy"' in body


def test_an_employee_sees_the_uploaded_images_of_an_item_in_their_feed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    image = uploaded_image(tenant_a.item)
    client = client_for(tenant_a.employee)
    image_url = feed_url("feed_item_image", tenant_a.item, image_id=image.public_id)

    response = client.get(image_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content) == png_bytes()
    body = client.get(feed_url("feed_item", tenant_a.item)).content.decode()
    assert f'src="{image_url}" alt="The lab" width="4" height="3" loading="lazy"' in body


def test_images_of_an_item_outside_the_employees_audience_are_not_found(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    item = with_preview_image(published(tenant_a, "For sales only", audience=Audience(departments=["Sales"])))
    image = uploaded_image(item)
    client = client_for(tenant_a.employee)
    assert client.get(feed_url("feed_item_preview_image", item)).status_code == 404
    assert client.get(feed_url("feed_item_image", item, image_id=image.public_id)).status_code == 404
    # …while someone in the audience sees them.
    with scopes_disabled():
        tenant_a.executive.department = "Sales"
        tenant_a.executive.save()
    assert client_for(tenant_a.executive).get(feed_url("feed_item_preview_image", item)).status_code == 200


def test_images_of_a_draft_are_not_in_the_feed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        draft = services.content_item_create(
            organization=tenant_a.organization, author=tenant_a.manager, data=ItemInput(title="Not yet")
        )
    with_preview_image(draft)
    image = uploaded_image(draft)
    client = client_for(tenant_a.manager)
    assert client.get(feed_url("feed_item_preview_image", draft)).status_code == 404
    assert client.get(feed_url("feed_item_image", draft, image_id=image.public_id)).status_code == 404


def test_another_organisations_images_are_not_found(tenant_a, tenant_b, client_for) -> None:  # type: ignore[no-untyped-def]
    item = with_preview_image(tenant_b.item)
    image = uploaded_image(item)
    employee, manager = client_for(tenant_a.employee), client_for(tenant_a.manager)
    assert employee.get(feed_url("feed_item_preview_image", item)).status_code == 404
    assert employee.get(feed_url("feed_item_image", item, image_id=image.public_id)).status_code == 404
    assert manager.get(feed_url("item_preview_image", item)).status_code == 404
    # Under Globex's own address, Acme's members are not members at all.
    assert manager.get(feed_url("feed_item_preview_image", item, slug="globex")).status_code in (403, 404)


def test_an_image_of_another_item_is_not_found_through_this_one(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    other = published(tenant_a, "Another item")
    image = uploaded_image(other)
    response = client_for(tenant_a.employee).get(feed_url("feed_item_image", tenant_a.item, image_id=image.public_id))
    assert response.status_code == 404


def test_a_missing_file_is_not_found(tenant_a, client_for, media) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    assert client.get(feed_url("feed_item_preview_image", tenant_a.item)).status_code == 404  # none stored
    item = with_preview_image(tenant_a.item)
    image = uploaded_image(item)
    (media / item.preview_image.name).unlink()
    (media / image.image.name).unlink()
    assert client.get(feed_url("feed_item_preview_image", item)).status_code == 404
    assert client.get(feed_url("feed_item_image", item, image_id=image.public_id)).status_code == 404
    assert client_for(tenant_a.manager).get(feed_url("item_preview_image", item)).status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_curators_see_the_preview_image_in_the_link_preview(tenant_a, client_for, role) -> None:  # type: ignore[no-untyped-def]
    item = with_preview_image(tenant_a.item)
    client = client_for(tenant_a.member(role))
    image_url = feed_url("item_preview_image", item)
    response = client.get(image_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, max-age=3600"
    body = client.get(feed_url("item_preview", item)).content.decode()
    assert f'src="{image_url}?v=' in body and 'alt="" width="1200" height="675" loading="lazy"' in body


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.EMPLOYEE])
def test_the_curators_preview_image_is_forbidden_to_other_roles(tenant_a, client_for, role) -> None:  # type: ignore[no-untyped-def]
    item = with_preview_image(tenant_a.item)
    assert client_for(tenant_a.member(role)).get(feed_url("item_preview_image", item)).status_code == 403


def test_the_feed_page_needs_no_more_queries_for_more_cards_with_images(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    page = reverse("content:feed", kwargs={"org_slug": "acme"})
    with_preview_image(tenant_a.item)
    client.get(page)  # the session and the like, warmed up
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert client.get(page).status_code == 200
    for n in range(12):
        item = with_preview_image(published(tenant_a, f"Item {n}"))
        uploaded_image(item)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        body = client.get(page).content.decode()
    assert body.count("/preview-image/?v=") == 13
    assert len(many.captured_queries) == len(few.captured_queries)


# Images count as edits ------------------------------------------------------------------


def image_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")


@pytest.mark.parametrize("state", [ContentState.APPROVED, ContentState.PUBLISHED])
def test_adding_an_image_to_an_approved_item_sends_it_back_to_review(tenant_a, client_for, state) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        ContentItem.objects.filter(pk=tenant_a.item.pk).update(state=state)
    response = client_for(tenant_a.manager).post(
        feed_url("image_add", tenant_a.item), {"image": image_upload(), "alt_text": "The lab"}
    )
    assert response.status_code == 302
    assert reload(tenant_a.item).state == ContentState.IN_REVIEW
    with scopes_disabled():
        last = ItemTransition.objects.filter(item=tenant_a.item).last()
        assert ContentImage.objects.filter(item=tenant_a.item).count() == 1
    assert last is not None
    assert (last.action, last.from_state, last.to_state, last.actor) == (
        "edit",
        state,
        ContentState.IN_REVIEW,
        tenant_a.manager,
    )


@pytest.mark.parametrize("state", [ContentState.APPROVED, ContentState.PUBLISHED])
def test_removing_an_image_of_an_approved_item_sends_it_back_to_review(tenant_a, client_for, state) -> None:  # type: ignore[no-untyped-def]
    image = uploaded_image(tenant_a.item)
    with scopes_disabled():
        ContentItem.objects.filter(pk=tenant_a.item.pk).update(state=state)
    response = client_for(tenant_a.manager).post(feed_url("image_delete", tenant_a.item, image_id=image.public_id))
    assert response.status_code == 302
    assert reload(tenant_a.item).state == ContentState.IN_REVIEW
    with scopes_disabled():
        last = ItemTransition.objects.filter(item=tenant_a.item).last()
        assert not ContentImage.objects.filter(pk=image.pk).exists()
    assert last is not None and (last.action, last.actor) == ("edit", tenant_a.manager)


def test_images_of_a_draft_change_nothing_but_the_images(tenant_a) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        draft = services.content_item_create(
            organization=tenant_a.organization, author=tenant_a.manager, data=ItemInput(title="Draft")
        )
        image = services.content_image_add(item=draft, upload=image_upload(), actor=tenant_a.manager)
        services.content_image_delete(image=image, actor=tenant_a.manager)
        assert reload(draft).state == ContentState.DRAFT
        assert list(ItemTransition.objects.filter(item=draft).values_list("action", flat=True)) == ["create"]
