"""The SCIM settings page (admins): the base URL to give the identity provider, and
the organisation's bearer tokens — create (shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from accounts.forms import BootstrapFormMixin, add_service_errors
from accounts.models import ScimToken
from accounts.permissions import ADMINS, OrganizationViewMixin
from accounts.scim.views import scim_base_url
from accounts.selectors import get_for_organization
from accounts.selectors import scim as selectors
from accounts.services import scim as services


class ScimTokenForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        max_length=120, label="Token name", help_text="Which identity provider will use it, for example “Okta”."
    )


class ScimSettingsView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS, "POST": ADMINS}
    template_name = "accounts/admin/scim_settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, ScimTokenForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ScimTokenForm(request.POST)
        if form.is_valid():
            try:
                token, raw = services.scim_token_create(
                    organization=self.organization,
                    name=form.cleaned_data["name"],
                    created_by=request.user,  # type: ignore[arg-type]  # the middleware let only members in
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # Rendered, not redirected: the token exists only in this response.
                response = self._render(request, ScimTokenForm(), new_token=raw, created=token)
                response["Cache-Control"] = "no-store"
                return response
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: ScimTokenForm, status: int = 200, **extra: object) -> HttpResponse:
        context = {
            "form": form,
            "tokens": selectors.scim_tokens(organization=self.organization),
            "base_url": scim_base_url(),
            **extra,
        }
        return render(request, self.template_name, context, status=status)


class ScimTokenRevokeView(OrganizationViewMixin, View):
    roles = {"POST": ADMINS}

    def post(self, request: HttpRequest, org_slug: str, token_id: str) -> HttpResponse:
        token = get_for_organization(ScimToken, self.organization, token_id)
        try:
            services.scim_token_revoke(token=token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The token “{token.name}” was revoked. Requests that use it now fail.")
        return redirect("accounts:scim_settings", org_slug=org_slug)
