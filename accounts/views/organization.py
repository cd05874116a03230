"""The organisation's own settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from accounts import services
from accounts.forms import OrganizationSettingsForm, add_service_errors
from accounts.permissions import ADMINS, OrganizationViewMixin


class OrganizationSettingsView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS, "POST": ADMINS}
    template_name = "accounts/admin/organization_settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        organization = self.organization
        form = OrganizationSettingsForm(initial={"name": organization.name, "timezone": organization.timezone})
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = OrganizationSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.organization_update(
                    organization=self.organization,
                    name=form.cleaned_data["name"],
                    timezone_name=form.cleaned_data["timezone"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
                # The navigation shows the organisation's name: show the saved one, not the refused one.
                self.organization.refresh_from_db()
            else:
                messages.success(request, "The organisation’s settings were saved.")
                return redirect("accounts:organization_settings", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=400)
