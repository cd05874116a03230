"""The member's notifications: the bell's unread count, the list, marking read; and
the global one-click unsubscribe page of digest emails (a signed link, no sign-in)."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import Notification
from accounts.permissions import EVERYONE, OrganizationViewMixin, RoleMap
from accounts.selectors import get_for_organization
from accounts.selectors.notifications import notifications_for_member, unread_notification_count
from accounts.services import notifications as services
from accounts.tenancy import organization_scope
from accounts.views.listing import paginate, redirect_back

# POST-only endpoints also declare GET, so opening one by address answers 405.
MEMBER_READ_WRITE: RoleMap = {"GET": EVERYONE, "POST": EVERYONE}


class NotificationListView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        unread = request.GET.get("show") == "unread"
        notifications = notifications_for_member(membership=self.membership, unread=unread)
        context = {
            "page_obj": paginate(request, notifications),
            "unread_only": unread,
            "unread_count": unread_notification_count(membership=self.membership),
        }
        return render(request, "accounts/notifications/list.html", context)


class NotificationBellView(OrganizationViewMixin, View):
    """The navbar bell's badge, loaded (and refreshed) by htmx so pages render without
    counting."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        count = unread_notification_count(membership=self.membership)
        return render(request, "accounts/notifications/_bell_count.html", {"unread_count": count})


class NotificationReadView(OrganizationViewMixin, View):
    roles = MEMBER_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, notification_id: uuid.UUID) -> HttpResponse:
        notification = get_for_organization(Notification, self.organization, notification_id)
        # Another member's notification, or one still held, answers like a missing one.
        if notification.recipient_id != self.membership.pk or notification.delivered_at is None:
            raise Http404("No such notification.")
        services.notification_mark_read(notification=notification)
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "accounts/notifications/_row.html", {"notification": notification})
        return redirect_back(request, org_slug, reverse("accounts:notification_list", args=[org_slug]))

    def get(self, request: HttpRequest, org_slug: str, notification_id: uuid.UUID) -> HttpResponse:
        return HttpResponse(status=405, headers={"Allow": "POST"})


class NotificationReadAllView(OrganizationViewMixin, View):
    roles = MEMBER_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        services.notifications_mark_all_read(membership=self.membership)
        return redirect_back(request, org_slug, reverse("accounts:notification_list", args=[org_slug]))

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return HttpResponse(status=405, headers={"Allow": "POST"})


# One-click unsubscribe ------------------------------------------------------------


@never_cache
@csrf_exempt  # RFC 8058: mail clients POST without a session or CSRF token; the signed token is the credential.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link turns off and a button; POST (the button, or a mail
    client's one-click `List-Unsubscribe=One-Click`) turns it off. No sign-in: the
    token names the member. GET never changes anything, so link scanners are harmless."""
    try:
        membership, setting = services.unsubscribe_target(token)
    except services.UnsubscribeError as error:
        return render(request, "accounts/notifications/unsubscribe_invalid.html", {"reason": str(error)}, status=400)
    context = {
        "member_email": membership.user.email,
        "member_organization": membership.organization,
        "setting_label": services.UNSUBSCRIBE_SETTINGS[setting],
        "done": False,
    }
    if request.method == "POST":
        # The token names the organisation: this view is an edge that enters its scope.
        with organization_scope(membership.organization):
            services.unsubscribe(membership=membership, setting=setting)
        context["done"] = True
    return render(request, "accounts/notifications/unsubscribe.html", context)
