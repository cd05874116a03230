"""Manager pages for content items."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from accounts.permissions import CURATORS, OrganizationViewMixin
from accounts.selectors import get_for_organization
from content.models import ContentItem, ItemTransition


class ItemDetailView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        history = ItemTransition.objects.filter(organization=self.organization, item=item).select_related("actor__user")
        return render(request, "content/item_detail.html", {"item": item, "history": history})
