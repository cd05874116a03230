"""Content settings (compliance and review policy) and the RSS/Atom feed sources."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import add_service_errors
from accounts.models import Role, Topic
from accounts.permissions import ADMINS, CURATORS, RoleMap
from accounts.selectors import get_for_organization
from content import services
from content.forms import ContentSettingsForm, FeedSourceForm
from content.models import FeedSource
from content.views.base import CURATOR_READ_WRITE, CuratorView


class ContentSettingsView(CuratorView):
    """Managers may read the rules they work under; only admins change them."""

    roles: RoleMap = {"GET": CURATORS, "POST": ADMINS}
    template_name = "content/settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        settings = services.content_settings_get(organization=self.organization)
        form = ContentSettingsForm(initial=ContentSettingsForm.initial_for(settings), read_only=not self._is_admin)
        return self._render(request, form)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ContentSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.content_settings_update(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The content settings were saved.")
                return redirect("content:settings", org_slug=org_slug)
        return self._render(request, form, status=400)

    @property
    def _is_admin(self) -> bool:
        return self.membership.role == Role.ADMIN

    def _render(self, request: HttpRequest, form: ContentSettingsForm, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "can_edit": self._is_admin}, status=status)


class SourceListView(CuratorView):
    """The list of feeds, with the form that adds one."""

    roles = CURATOR_READ_WRITE
    template_name = "content/source_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, FeedSourceForm(organization=self.organization))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = FeedSourceForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                source = services.feed_source_save(
                    organization=self.organization, created_by=self.membership, **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                services.feed_source_queue_fetch(source=source)
                messages.success(request, f"“{source.name}” was added; its first entries arrive as drafts shortly.")
                return redirect("content:source_list", org_slug=org_slug)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: FeedSourceForm, status: int = 200) -> HttpResponse:
        sources = FeedSource.objects.filter(organization=self.organization).prefetch_related(
            Prefetch("topics", queryset=Topic.objects.filter(organization=self.organization).order_by("name"))
        )
        return render(request, self.template_name, {"form": form, "sources": sources}, status=status)


class SourceDeleteView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, source_id: str) -> HttpResponse:
        source = get_for_organization(FeedSource, self.organization, source_id)
        name = source.name
        services.feed_source_delete(source=source)
        messages.success(request, f"“{name}” was removed. Items it brought in stay.")
        return redirect("content:source_list", org_slug=org_slug)


class SourceFetchView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, source_id: str) -> HttpResponse:
        source = get_for_organization(FeedSource, self.organization, source_id)
        services.feed_source_queue_fetch(source=source)
        messages.info(request, f"Fetching “{source.name}” now. New entries appear as drafts in a minute or two.")
        return redirect("content:source_list", org_slug=org_slug)
