"""The composer, the employee's shares, and the organisation's guardrail settings."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, tzinfo
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.models import Membership
from accounts.permissions import ADMINS, EVERYONE, OrganizationViewMixin
from advocacy import selectors
from advocacy.forms import AdvocacySettingsForm, ComposeForm
from advocacy.models import ShareState, SocialConnection
from advocacy.services import shares as services
from advocacy.services.links import short_url
from content import selectors as content_selectors
from content.models import Caption, ContentItem

SHARES_PER_PAGE = 20


def member_zone(membership: Membership) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(membership.effective_timezone) if membership.effective_timezone else UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


class MemberTimeMixin(OrganizationViewMixin):
    """Times are read and shown in the member's own time zone."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        membership = getattr(request, "membership", None)
        zone = member_zone(membership) if membership is not None else UTC
        with timezone.override(zone):
            return super().dispatch(request, *args, **kwargs)


def _chosen_connections(membership: Membership, ids: list[str]) -> list[SocialConnection]:
    own = {str(connection.public_id): connection for connection in selectors.connections_of(membership=membership)}
    return [own[value] for value in ids if value in own]


class ComposeView(MemberTimeMixin, View):
    """From a feed item (`item_id`) or, without one, a personal post."""

    roles = {"GET": EVERYONE, "POST": EVERYONE}

    def _item(self, item_id: str | None) -> ContentItem | None:
        if item_id is None:
            return None
        return content_selectors.feed_item_for_member(membership=self.membership, item_id=item_id)

    def _form(self, data: Any = None, initial: dict[str, Any] | None = None) -> ComposeForm:
        connections = list(selectors.connections_of(membership=self.membership, usable_only=True))
        return ComposeForm(data, connections=connections, initial=initial)

    def _render(
        self, request: HttpRequest, item: ContentItem | None, form: ComposeForm, status: int = 200
    ) -> HttpResponse:
        captions = list(item.captions.all()) if item is not None else []
        rules = services.advocacy_settings_get(organization=self.organization)
        networks = sorted({c.network for c in form.connections})
        now = timezone.now()
        best = [selectors.best_time_for(membership=self.membership, network=n, rules=rules, now=now) for n in networks]
        context = {
            "item": item,
            "captions": captions,
            "form": form,
            "connections": form.connections,
            "best_times": best,
            "check_url": reverse("advocacy:compose_check", kwargs={"org_slug": self.organization.slug}),
            "connections_url": reverse("advocacy:connection_list", kwargs={"org_slug": self.organization.slug}),
            "checks": _checks_context(
                self.membership, item, form.data.get("text", "") if form.is_bound else "", form.connections
            ),
        }
        return render(request, "advocacy/compose.html", context, status=status)

    def get(self, request: HttpRequest, org_slug: str, item_id: str | None = None) -> HttpResponse:
        item = self._item(item_id)
        initial: dict[str, Any] = {"when": "now"}
        connections = list(selectors.connections_of(membership=self.membership, usable_only=True))
        initial["accounts"] = [str(c.public_id) for c in connections]
        return self._render(request, item, self._form(initial=initial))

    def post(self, request: HttpRequest, org_slug: str, item_id: str | None = None) -> HttpResponse:
        item = self._item(item_id)
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(request, item, form, status=400)
        connections = _chosen_connections(self.membership, form.cleaned_data["accounts"])
        caption = None
        if item is not None and form.cleaned_data.get("caption"):
            caption = Caption.objects.filter(item=item, public_id=form.cleaned_data["caption"]).first()
        best = None
        if form.cleaned_data["when"] == "best" and connections:
            rules = services.advocacy_settings_get(organization=self.organization)
            best = selectors.best_time_for(
                membership=self.membership, network=connections[0].network, rules=rules, now=timezone.now()
            ).at
            if best is None:
                form.add_error("when", "There is no allowed time to suggest this week: pick a time or share now.")
                return self._render(request, item, form, status=400)
        try:
            shares = services.shares_create(
                membership=self.membership,
                item=item,
                text=form.cleaned_data["text"],
                connections=connections,
                caption=caption,
                scheduled_for=form.scheduled_for(best),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self._render(request, item, form, status=400)
        scheduled = shares[0].state == ShareState.SCHEDULED
        when = timezone.localtime(shares[0].scheduled_for).strftime("%a %-d %b, %H:%M")
        messages.success(
            request,
            f"Scheduled for {when}." if scheduled else "Sharing now. Your post appears below as soon as it is live.",
        )
        return redirect(reverse("advocacy:share_list", kwargs={"org_slug": org_slug}))


def _checks_context(
    membership: Membership, item: ContentItem | None, text: str, connections: list[SocialConnection]
) -> dict[str, Any]:
    check = services.share_preflight(membership=membership, item=item, text=text, connections=connections)
    placeholder = services.short_url_placeholder() if item is not None and item.url else ""
    counters = []
    for network in sorted({c.network for c in connections}):
        body, length = services.post_preview(
            organization=membership.organization, network=network, text=text, link=placeholder
        )
        counters.append({"network": network, "check": length, "body": body})
    return {
        "check": check,
        "counters": counters,
        "meter": round(check.originality.score * 100),
        "has_text": bool(text.strip()),
    }


class ComposeCheckView(MemberTimeMixin, View):
    """The composer's live checks (htmx, as the employee types): originality, limits,
    counters and a preview per network."""

    roles = {"GET": EVERYONE, "POST": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return HttpResponse(status=405)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        item_id = request.POST.get("item", "")
        item = content_selectors.feed_item_for_member(membership=self.membership, item_id=item_id) if item_id else None
        connections = _chosen_connections(self.membership, request.POST.getlist("accounts"))
        context = _checks_context(self.membership, item, request.POST.get("text", ""), connections)
        return render(request, "advocacy/_composer_checks.html", context)


class ShareListView(MemberTimeMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        state = request.GET.get("state", "")
        shares = selectors.shares_of(membership=self.membership, state=state)
        page = Paginator(shares, SHARES_PER_PAGE).get_page(request.GET.get("page"))
        for share in page:
            link = getattr(share, "tracked_link", None)
            share.short_url = short_url(link) if link is not None else ""  # type: ignore[attr-defined]
        context = {
            "page_obj": page,
            "state": state,
            "stats": selectors.member_stats(membership=self.membership),
            "mix": selectors.mix_for(membership=self.membership),
            "filters": [
                ("", "All"),
                ("open", "In progress"),
                ("scheduled", "Scheduled"),
                ("posted", "Posted"),
                ("problems", "Needs you"),
            ],
            "personal_url": reverse("advocacy:compose_personal", kwargs={"org_slug": org_slug}),
            "sandbox_url": reverse("sandbox:timeline"),
        }
        if request.htmx and request.GET.get("fragment") == "list":  # type: ignore[attr-defined]
            return render(request, "advocacy/_share_rows.html", context)
        return render(request, "advocacy/share_list.html", context)


class ShareActionView(MemberTimeMixin, View):
    roles = {"GET": EVERYONE, "POST": EVERYONE}
    action = ""

    def get(self, request: HttpRequest, org_slug: str, share_id: str) -> HttpResponse:
        selectors.share_of(membership=self.membership, public_id=share_id)
        return HttpResponse(status=405)

    def post(self, request: HttpRequest, org_slug: str, share_id: str) -> HttpResponse:
        share = selectors.share_of(membership=self.membership, public_id=share_id)
        try:
            if self.action == "cancel":
                services.share_cancel(share=share)
                messages.success(request, "Cancelled. Nothing was posted.")
            else:
                services.share_retry(share=share)
                messages.success(request, "Trying again now.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(reverse("advocacy:share_list", kwargs={"org_slug": org_slug}))


class AdvocacySettingsView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS, "POST": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        row = services.advocacy_settings_get(organization=self.organization)
        return render(request, "advocacy/settings.html", {"form": AdvocacySettingsForm(instance=row)})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        row = services.advocacy_settings_get(organization=self.organization)
        form = AdvocacySettingsForm(request.POST, instance=row)
        if form.is_valid():
            try:
                services.advocacy_settings_update(
                    organization=self.organization,
                    actor=self.membership,
                    **{name: form.cleaned_data[name] for name in form.Meta.fields},
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Sharing guardrails saved.")
                return redirect(reverse("advocacy:settings", kwargs={"org_slug": org_slug}))
        return render(request, "advocacy/settings.html", {"form": form}, status=400)
