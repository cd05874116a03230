"""The review queue and the manager dashboard's card about it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from content import selectors
from content.views.base import CuratorView
from content.views.items import action_buttons


class ReviewQueueView(CuratorView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        items = list(selectors.review_queue(organization=self.organization))
        entries = [(item, {button.action: button for button in action_buttons(item, self)}) for item in items]
        return render(request, "content/review_queue.html", {"entries": entries})


class DashboardCardView(CuratorView):
    """Loaded by the manager dashboard with htmx, so accounts need not know content."""

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        queue = selectors.review_queue(organization=self.organization)
        context = {"review_count": queue.count(), "oldest": queue.first()}
        return render(request, "content/_dashboard_card.html", context)
