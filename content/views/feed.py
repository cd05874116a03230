"""The employee feed: ranked cards with the reason for each, a topic filter, "Load
more", "Not relevant", the dashboard's top three, and one item's own page.

Rendering is most of a feed page's cost, so rendered HTML is kept, keyed by everything
it shows (a kept piece is never stale and needs no invalidation), with secret slots for
what differs per request:
- A card is the same for every member who sees the item, except for the reasons line and
  the CSRF token of its "Not relevant" form. It is rendered once per item version
  (content.selectors.FeedCard.version), split at those slots and kept in this process and
  in the shared cache; a page joins the pieces with the member's reasons and the
  request's token.
- The page around the cards (layout, navbar, topic filters) is kept in this process,
  keyed by the member, the address and every value it shows (_page_key); the request's
  CSRF token and the cards go into its slots. A page with messages is rendered afresh."""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from functools import cache as memoize
from functools import lru_cache
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views import View

from accounts.context_processors import organization_switcher
from accounts.models import Organization, Topic
from accounts.permissions import EVERYONE, OrganizationViewMixin
from accounts.selectors import get_for_organization
from content import selectors, services
from content.models import ContentItem
from content.selectors import FeedCard, FeedWindow
from content.views.captions import stored_image_response

DASHBOARD_PREVIEW_SIZE = 3
DISMISSED_MESSAGE = "Hidden from your feed. You will see fewer items like it."
REASON_SEPARATOR = " · "

CARD_CACHE_SECONDS = 24 * 60 * 60  # in the shared cache; cards of items gone from every feed fall out
CARDS_KEPT_IN_PROCESS = 4000  # a few MB per worker
PAGES_KEPT_IN_PROCESS = 1000  # about 10 kB each


def _page_number(request: HttpRequest) -> int:
    """`?page=`; anything that is not a positive number means the first page."""
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


@lru_cache(maxsize=1024)
def _feed_base(organization_slug: str, urlconf: str | None, prefix: str) -> str:
    # A pure function of its arguments (the URLconf and the script prefix are among them).
    return reverse("content:feed", kwargs={"org_slug": organization_slug}, urlconf=urlconf)


def feed_urls(organization_slug: str) -> dict[str, str]:
    """`feed_base` for content/feed_card.html, which builds each card's links from it."""
    return {"feed_base": _feed_base(organization_slug, get_urlconf(), get_script_prefix())}


def _csrf_token(request: HttpRequest) -> str:
    """The request's masked CSRF token, the same in every form of the page (as the
    template tag gives it): masking it afresh for the cards and again for the page
    cost as much as the rest of joining them."""
    token: str | None = getattr(request, "_feed_csrf_token", None)
    if token is None:
        token = get_token(request)
        request._feed_csrf_token = token  # type: ignore[attr-defined]
    return token


# Cards ---------------------------------------------------------------------------------


@memoize
def _slot(name: str) -> str:
    """A placeholder rendered where per-request text goes (the CSRF token, the reasons,
    the cards). Derived from the secret key, so every process agrees on it (cards are
    shared through the cache) and no author can type it into a title to have a token put
    in its place. Letters and digits only: escaping leaves it as it is."""
    return "slot" + salted_hmac("content.views.feed.card-slot", name).hexdigest()[:40]


# A card split at its slots: before the reasons, between the reasons and the CSRF token,
# after the token.
CardPieces = tuple[str, str, str]

Kept = TypeVar("Kept")


class _KeptInProcess(Generic[Kept]):
    """Rendered HTML by key, the least recently used dropped first. Keys name everything
    the HTML shows, so an entry never goes stale; the bound only limits memory."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: OrderedDict[str, Kept] = OrderedDict()

    def get(self, key: str) -> Kept | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: str, value: Kept) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)


_cards_in_process: _KeptInProcess[CardPieces] = _KeptInProcess(CARDS_KEPT_IN_PROCESS)
_pages_in_process: _KeptInProcess[str] = _KeptInProcess(PAGES_KEPT_IN_PROCESS)


def _card_key(organization: Organization, version: str, feed_base: str) -> str:
    # The card's links start with the feed's address, which has the organisation's slug;
    # the slots change with the secret key, and cards kept with old slots must not be used.
    extra = hashlib.blake2b(f"{feed_base}:{_slot('reasons')}:{_slot('csrf')}".encode(), digest_size=6).hexdigest()
    return f"t:{organization.pk}:feed-card:{version}:{extra}"


def _render_card(item: ContentItem, feed_base: str) -> CardPieces:
    html = get_template("content/feed_card.html").render(
        {"item": item, "feed_base": feed_base, "reasons": _slot("reasons"), "csrf_token": _slot("csrf")}
    )
    head, found_reasons, rest = html.partition(_slot("reasons"))
    middle, found_token, tail = rest.partition(_slot("csrf"))
    if not (found_reasons and found_token):
        raise ImproperlyConfigured("content/feed_card.html must show {{ reasons }}, then {% csrf_token %}, once each.")
    return head, middle, tail


def _card_pieces(
    organization: Organization, window: FeedWindow, cards: tuple[FeedCard, ...], feed_base: str
) -> dict[int, CardPieces]:
    """The rendered cards of a window by item: from this process, else from the shared
    cache, else rendered (and kept in both) from the items the window was built with or,
    for a window from the cache, from the items loaded now."""
    keys = {card.item_pk: _card_key(organization, card.version, feed_base) for card in cards}
    pieces: dict[int, CardPieces] = {}
    for pk, key in keys.items():
        found = _cards_in_process.get(key)
        if found is not None:
            pieces[pk] = found
    missing = {pk: key for pk, key in keys.items() if pk not in pieces}
    if missing:
        shared = cache.get_many(list(missing.values()))
        for pk, key in list(missing.items()):
            if key in shared:
                pieces[pk] = shared[key]
                _cards_in_process.put(key, shared[key])
                del missing[pk]
    if missing:
        rendered: dict[str, CardPieces] = {}
        items = [window.items[pk] for pk in missing if pk in window.items]
        unloaded = [pk for pk in missing if pk not in window.items]
        if unloaded:
            items += selectors.feed_card_items(organization=organization, item_pks=unloaded)
        for item in items:
            pieces[item.pk] = _render_card(item, feed_base)
            # Kept under the version of what was rendered: if the item changed since the
            # window was checked, the card is still right for this page, and the window
            # is rebuilt by the next request.
            key = _card_key(organization, selectors.feed_card_version(item), feed_base)
            rendered[key] = pieces[item.pk]
            _cards_in_process.put(key, pieces[item.pk])
        cache.set_many(rendered, timeout=CARD_CACHE_SECONDS)
    return pieces


def feed_cards_html(
    request: HttpRequest, organization: Organization, window: FeedWindow, feed_base: str, *, limit: int | None = None
) -> SafeString:
    """The window's cards (the first `limit`) for this request: each card's pieces joined
    with the member's reasons (escaped) and the request's CSRF token (letters and digits)."""
    cards = window.cards[:limit]
    if not cards:
        return mark_safe("")
    token = _csrf_token(request)
    pieces = _card_pieces(organization, window, cards, feed_base)
    parts: list[str] = []
    for card in cards:
        found = pieces.get(card.item_pk)
        if found is None:
            continue  # deleted since the window was checked
        head, middle, tail = found
        parts += [head, escape(REASON_SEPARATOR.join(card.reasons)), middle, token, tail]
    return mark_safe("".join(parts))  # noqa: S308 - rendered by the template engine, escaped above


# The page around the cards ---------------------------------------------------------------


def _page_key(request: HttpRequest, context: dict[str, Any]) -> str:
    """Everything content/feed.html and the layout show, except the CSRF token and the
    cards: who is looking (the member, by id, so two members never share a page), in
    which organisation, at which address, the navbar's entries and the window's filters
    and paging. A new value anywhere means a new key."""
    membership = request.membership  # type: ignore[attr-defined]
    organization = membership.organization
    user = request.user
    window = context["feed"]
    topic = context["topic"]
    signature = repr(
        (
            organization.pk,
            organization.slug,
            organization.name,
            user.pk,
            user.display_name,  # type: ignore[union-attr]
            membership.pk,
            membership.role,
            request.path,
            request.GET.urlencode(),
            tuple(organization_switcher(request)),
            window.topics,
            window.page,
            window.has_next,
            bool(window.cards),
            (str(topic.public_id), topic.name) if topic else None,
        )
    )
    return hashlib.blake2b(signature.encode(), digest_size=20).hexdigest()


def _feed_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """content/feed.html for this request, from the kept page when there is one."""
    if len(messages.get_messages(request)):
        return render(request, "content/feed.html", context)  # shown once: never kept
    key = _page_key(request, context)
    page = _pages_in_process.get(key)
    if page is None:
        slots = {"cards": mark_safe(_slot("cards")), "csrf_token": _slot("csrf")}  # noqa: S308 - letters and digits
        page = render_to_string("content/feed.html", {**context, **slots}, request=request)
        _pages_in_process.put(key, page)
    html = page.replace(_slot("csrf"), _csrf_token(request)).replace(_slot("cards"), context["cards"])
    return HttpResponse(html)


# Views ---------------------------------------------------------------------------------


class FeedView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        topic_id = request.GET.get("topic", "")
        topic = get_for_organization(Topic, self.organization, topic_id) if topic_id else None
        window = selectors.feed_window_for_member(membership=self.membership, topic=topic, page=_page_number(request))
        urls = feed_urls(org_slug)
        current = str(topic.public_id) if topic else ""
        context = {
            "feed": window,
            "topic": topic,
            "current_topic_id": current,
            "topic_listed": any(t.public_id == current for t in window.topics),
            "cards": feed_cards_html(request, self.organization, window, urls["feed_base"]),
            **urls,
        }
        # "Load more" asks htmx for the next cards only; they replace the button.
        if request.htmx and window.page > 1:  # type: ignore[attr-defined]
            return render(request, "content/feed_cards.html", context)
        return _feed_page(request, context)


class FeedPreviewView(OrganizationViewMixin, View):
    """The top of the feed for the employee dashboard, which loads it with htmx (so
    accounts needs no import of content)."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        window = selectors.feed_window_for_member(membership=self.membership)
        more = window.has_next or len(window.cards) > DASHBOARD_PREVIEW_SIZE
        urls = feed_urls(org_slug)
        cards = feed_cards_html(request, self.organization, window, urls["feed_base"], limit=DASHBOARD_PREVIEW_SIZE)
        return render(request, "content/feed_preview.html", {"cards": cards, "more": more, **urls})


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
