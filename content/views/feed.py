"""The employee feed: ranked cards with the reason for each, a topic filter, "Load
more", "Not relevant", the dashboard's top three, and one item's own page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts.models import Topic
from accounts.permissions import EVERYONE, OrganizationViewMixin
from accounts.selectors import get_for_organization
from content import selectors, services
from content.views.captions import stored_image_response

DASHBOARD_PREVIEW_SIZE = 3
DISMISSED_MESSAGE = "Hidden from your feed. You will see fewer items like it."


def _page_number(request: HttpRequest) -> int:
    """`?page=`; anything that is not a positive number means the first page."""
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def feed_urls(organization_slug: str) -> dict[str, str]:
    """`feed_base` for content/feed_card.html, which builds each card's links from it."""
    return {"feed_base": reverse("content:feed", kwargs={"org_slug": organization_slug})}


class FeedView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        topic_id = request.GET.get("topic", "")
        topic = get_for_organization(Topic, self.organization, topic_id) if topic_id else None
        feed = selectors.feed_for_member(membership=self.membership, topic=topic, page=_page_number(request))
        context = {"feed": feed, "topic": topic, **feed_urls(org_slug)}
        # "Load more" asks htmx for the next cards only; they replace the button.
        if request.htmx and feed.page > 1:  # type: ignore[attr-defined]
            return render(request, "content/feed_cards.html", context)
        return render(request, "content/feed.html", context)


class FeedPreviewView(OrganizationViewMixin, View):
    """The top of the feed for the employee dashboard, which loads it with htmx (so
    accounts needs no import of content)."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        feed = selectors.feed_for_member(membership=self.membership)
        entries = feed.entries[:DASHBOARD_PREVIEW_SIZE]
        more = feed.has_next or len(feed.entries) > DASHBOARD_PREVIEW_SIZE
        return render(request, "content/feed_preview.html", {"entries": entries, "more": more, **feed_urls(org_slug)})


class FeedItemView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = selectors.feed_item_for_member(membership=self.membership, item_id=item_id)
        return render(request, "content/feed_item.html", {"item": item, "captions": item.captions.all()})


class FeedItemPreviewImageView(OrganizationViewMixin, View):
    """Our copy of the linked page's image, for an item in the member's feed only."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> FileResponse:
        item = selectors.feed_item_for_member(membership=self.membership, item_id=item_id)
        return stored_image_response(item.preview_image)


class FeedItemImageView(OrganizationViewMixin, View):
    """An uploaded image of an item in the member's feed."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str, item_id: str, image_id: uuid.UUID) -> FileResponse:
        item = selectors.feed_item_for_member(membership=self.membership, item_id=item_id)
        # The selector prefetched the item's images: no query to find this one.
        image = next((image for image in item.images.all() if image.public_id == image_id), None)
        if image is None:
            raise Http404("No such image on this item.")
        return stored_image_response(image.image)


class FeedDismissView(OrganizationViewMixin, View):
    # GET is declared so that opening the address answers 405, not a misleading 403.
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = selectors.feed_item_for_member(membership=self.membership, item_id=item_id)
        services.feed_item_dismiss(membership=self.membership, item=item)
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "content/feed_dismissed.html", {"item": item, "message": DISMISSED_MESSAGE})
        messages.success(request, DISMISSED_MESSAGE)
        return redirect("content:feed", org_slug=org_slug)
