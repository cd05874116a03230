"""Pagination and the return address shared by the admin screens."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    """The requested page; a missing, malformed or too-large page number gives the
    nearest valid page instead of an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def redirect_back(request: HttpRequest, organization_slug: str, default: str) -> HttpResponseRedirect:
    """Go to the form's `next` address if it is a page of this organisation, else `default`."""
    target = request.POST.get("next", "")
    if target.startswith(f"/o/{organization_slug}/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)
