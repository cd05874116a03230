"""Connecting and disconnecting an employee's own accounts, and the managers' view of
every account's health.

The OAuth round trip: the connect view keeps the state, the PKCE verifier and the
organisation in the session under the state's own key, then sends the browser to the
network; the network sends it back to one callback per network (outside /o/<slug>/, as
networks register one redirect URI), which checks the state, finishes in the
organisation it came from, and returns to that organisation's Connections page.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_GET

from accounts.permissions import CURATORS, EVERYONE, OrganizationViewMixin
from accounts.selectors import membership_for_user
from accounts.tenancy import organization_scope
from advocacy import selectors
from advocacy.forms import BlueskyConnectForm, MastodonConnectForm
from advocacy.registry import CONNECTABLE
from advocacy.services import connections as services
from content.lib.networks import Network

SESSION_KEY = "advocacy_oauth"
STATE_TTL = 15 * 60  # seconds a connect attempt may take
MAX_PENDING = 5  # connect attempts remembered per session


def _connections_url(org_slug: str) -> str:
    return reverse("advocacy:connection_list", kwargs={"org_slug": org_slug})


class ConnectionListView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        context = {
            "offers": selectors.network_offers(membership=self.membership),
            "mastodon_form": MastodonConnectForm(),
            "bluesky_form": BlueskyConnectForm(),
            "sandbox_url": reverse("sandbox:timeline"),
        }
        return render(request, "advocacy/connections.html", context)


def _remember(request: HttpRequest, start: services.ConnectStart, org_slug: str) -> None:
    pending: dict[str, Any] = {
        state: entry
        for state, entry in request.session.get(SESSION_KEY, {}).items()
        if entry.get("at", 0) > time.time() - STATE_TTL
    }
    pending[start.authorization.state] = {
        "org": org_slug,
        "network": start.network,
        "verifier": start.authorization.code_verifier,
        "instance": start.instance_url,
        "at": time.time(),
    }
    newest = sorted(pending.items(), key=lambda pair: pair[1]["at"])[-MAX_PENDING:]
    request.session[SESSION_KEY] = dict(newest)


class ConnectView(OrganizationViewMixin, View):
    """POST only: starting a connection changes state (it may register an app)."""

    roles = {"GET": EVERYONE, "POST": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str, network: str) -> HttpResponse:
        return HttpResponse("Use the Connect button on the Connections page.", status=405)

    def post(self, request: HttpRequest, org_slug: str, network: str) -> HttpResponse:
        if network not in {n.value for n in CONNECTABLE}:
            raise Http404("No such network.")
        if network == Network.BLUESKY:
            return self._bluesky(request, org_slug)
        try:
            start = services.connection_start(
                membership=self.membership, network=network, instance_url=request.POST.get("instance", "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_connections_url(org_slug))
        except services.ConnectError as error:
            messages.error(request, str(error))
            return redirect(_connections_url(org_slug))
        _remember(request, start, org_slug)
        return redirect(start.authorization.url)

    def _bluesky(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = BlueskyConnectForm(request.POST)
        if form.is_valid():
            try:
                connection = services.connection_connect_bluesky(
                    membership=self.membership,
                    identifier=form.cleaned_data["identifier"],
                    app_password=form.cleaned_data["app_password"],
                )
            except (ValidationError, services.ConnectError) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                messages.error(request, text)
            else:
                messages.success(request, f"Connected {connection.handle} on Bluesky.")
        else:
            messages.error(request, "Enter your Bluesky handle and an app password.")
        return redirect(_connections_url(org_slug))


@login_required
@require_GET
def oauth_callback(request: HttpRequest, network: str) -> HttpResponse:
    state = request.GET.get("state", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if entry is None or entry.get("network") != network or entry.get("at", 0) < time.time() - STATE_TTL:
        # No matching attempt: a forged or replayed callback, or one that took too long.
        return render(
            request,
            "advocacy/connect_failed.html",
            {"message": "This connection attempt has expired or was not started here. Start it again."},
            status=400,
        )
    membership = membership_for_user(user=request.user, organization_slug=entry["org"])
    if membership is None or not membership.is_active:
        raise Http404("No such organisation.")
    back = _connections_url(entry["org"])
    if request.GET.get("error"):
        messages.info(request, f"{Network(network).label} was not connected: you cancelled or declined the request.")
        return redirect(back)
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, f"{Network(network).label} sent no authorisation code. Try again.")
        return redirect(back)
    with organization_scope(membership.organization):
        try:
            connection = services.connection_complete(
                membership=membership,
                network=network,
                code=code,
                code_verifier=entry.get("verifier", ""),
                instance_url=entry.get("instance", ""),
            )
        except services.ConnectError as error:
            messages.error(request, str(error))
            return redirect(back)
    messages.success(request, f"Connected {connection.handle or connection.display_name} on {Network(network).label}.")
    return redirect(back)


class DisconnectView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str, account_id: str) -> HttpResponse:
        selectors.connection_of(membership=self.membership, public_id=account_id)
        return HttpResponse("Use the Disconnect button.", status=405)

    def post(self, request: HttpRequest, org_slug: str, account_id: str) -> HttpResponse:
        connection = selectors.connection_of(membership=self.membership, public_id=account_id)
        services.connection_disconnect(connection=connection, actor=self.membership)
        messages.success(request, f"Disconnected {connection}. Posts waiting for it were cancelled.")
        return redirect(_connections_url(org_slug))


class ConnectionHealthView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        rows = selectors.connection_health(organization=self.organization)
        counts = selectors.connection_health_counts(organization=self.organization)
        return render(
            request,
            "advocacy/connection_health.html",
            {"rows": rows, "counts": counts, "total": sum(counts.values())},
        )
