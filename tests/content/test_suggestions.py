"""Employee suggestions: accepted into a credited draft, or declined with a reason."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tenancy import organization_scope
from content import selectors, services
from content.models import ContentImage, ContentKind, ContentState, SuggestionState
from tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(tenant_a):  # type: ignore[no-untyped-def]
    """Acme without the shared fixture's content, so each test sees only its own."""
    with organization_scope(tenant_a.organization):
        tenant_a.item.delete()
        tenant_a.suggestion.delete()
        yield tenant_a


def test_an_accepted_suggestion_becomes_a_draft_credited_to_the_employee(org) -> None:  # type: ignore[no-untyped-def]
    suggestion = services.suggestion_create(
        author=org.employee, note="Our team won an award\nThe jury loved it.", url="https://news.example/award"
    )
    assert list(selectors.suggestion_queue(organization=org.organization)) == [suggestion]
    item = services.suggestion_accept(suggestion=suggestion, reviewer=org.manager)
    assert (item.state, item.kind, item.credited_member) == (ContentState.DRAFT, ContentKind.EMPLOYEE, org.employee)
    assert item.title == "Our team won an award"
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.ACCEPTED and suggestion.item == item
    assert not selectors.suggestion_queue(organization=org.organization).exists()


def test_a_declined_suggestion_tells_the_employee_why(org) -> None:  # type: ignore[no-untyped-def]
    suggestion = services.suggestion_create(author=org.employee, note="Share our pricing page")
    with pytest.raises(ValidationError, match="Tell the employee why"):
        services.suggestion_decline(suggestion=suggestion, reviewer=org.manager, reason="")
    services.suggestion_decline(suggestion=suggestion, reviewer=org.manager, reason="Pricing changes next month.")
    mine = selectors.suggestions_of_member(membership=org.employee).get()
    assert (mine.state, mine.decline_reason) == (SuggestionState.DECLINED, "Pricing changes next month.")


def test_a_suggestion_is_reviewed_only_once(org) -> None:  # type: ignore[no-untyped-def]
    suggestion = services.suggestion_create(author=org.employee, note="Idea")
    services.suggestion_decline(suggestion=suggestion, reviewer=org.manager, reason="Not now")
    with pytest.raises(ValidationError, match="already reviewed"):
        services.suggestion_accept(suggestion=suggestion, reviewer=org.admin)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_is_checked_by_decoding_it(org, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    item = ContentItemFactory(organization=org.organization, author=org.manager)
    image = services.content_image_add(
        item=item, upload=SimpleUploadedFile("team.jpeg", _png(), "image/png"), alt_text="The team"
    )
    assert (image.width, image.height) == (4, 3)
    assert image.image.name.endswith(".png")  # named after what it is, not what it claims

    fake = SimpleUploadedFile("photo.png", b"<html>not an image</html>", "image/png")
    with pytest.raises(ValidationError, match="not an image"):
        services.content_image_add(item=item, upload=fake)
    assert ContentImage.objects.filter(item=item).count() == 1
