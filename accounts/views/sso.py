"""Single sign-on pages: "Sign in with your company account" (public: the work email
finds the organisation's identity provider) and the admins' connection settings."""

from __future__ import annotations

from typing import Any

from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts.adapters import SAML_PROVIDER
from accounts.forms import add_service_errors
from accounts.forms_sso import SsoConnectionForm, SsoStartForm
from accounts.models import SsoConnection, SsoProtocol
from accounts.permissions import ADMINS, OrganizationViewMixin
from accounts.selectors import get_for_organization
from accounts.selectors import sso as selectors
from accounts.services import sso as services

NO_SSO_MESSAGE = "No single sign-on is set up for this address; sign in with your password."


@method_decorator(never_cache, name="dispatch")
class SsoStartView(View):
    """POST a work email: redirect to the identity provider of the one enabled connection
    that claims its domain. Every other address gets the same sentence, so the page
    tells nobody which organisations use Chorus."""

    template_name = "accounts/sso/start.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": SsoStartForm(), "next": get_next_redirect_url(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SsoStartForm(request.POST)
        next_url = get_next_redirect_url(request)  # only a URL of this site
        if form.is_valid():
            connection = selectors.sso_connection_for_email(form.cleaned_data["email"])
            provider = _provider_for(request, connection) if connection is not None else None
            if provider is not None:
                # A CSRF-protected POST of ours starts the flow, so allauth's "continue?"
                # page (its defence against login CSRF on GET) is not needed. The answer
                # is a page that moves on by itself, not a 302: browsers apply the
                # submitting page's CSP form-action ('self') to a form's redirects too.
                started = provider.redirect(request, process=AuthProcess.LOGIN, next_url=next_url)
                context = {"idp_url": started["Location"], "connection_name": connection.name}  # type: ignore[union-attr]
                return render(request, "accounts/sso/redirect.html", context)
            form.add_error("email", NO_SSO_MESSAGE)
        return render(request, self.template_name, {"form": form, "next": next_url}, status=400)


def _provider_for(request: HttpRequest, connection: SsoConnection) -> Any:
    if not apps.is_installed("allauth.socialaccount"):
        return None
    from allauth.socialaccount.models import SocialApp  # allauth loads its models after the adapters

    adapter = get_social_adapter(request)
    try:
        if connection.protocol == SsoProtocol.SAML:
            app = adapter.get_app(request, provider=SAML_PROVIDER, client_id=connection.provider_id)
        else:
            app = adapter.get_app(request, provider=connection.provider_id)
    except SocialApp.DoesNotExist:
        return None  # the provider is not installed here
    return app.get_provider(request)


class SsoSettingsView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS}
    template_name = "accounts/admin/sso_settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        connections = list(selectors.sso_connections(organization=self.organization))
        rows = [(connection, selectors.sso_service_provider_values(connection)) for connection in connections]
        return render(request, self.template_name, {"rows": rows})


class SsoConnectionCreateView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS, "POST": ADMINS}
    template_name = "accounts/admin/sso_connection_form.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        protocol = request.GET.get("protocol", SsoProtocol.OIDC)
        form = SsoConnectionForm(initial={"protocol": protocol if protocol in SsoProtocol.values else "oidc"})
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = SsoConnectionForm(request.POST)
        if form.is_valid():
            try:
                connection = services.sso_connection_save(
                    organization=self.organization,
                    data=form.to_input(),
                    actor=request.user,  # type: ignore[arg-type]  # the middleware let only members in
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"“{connection.name}” was saved. Now give your identity provider these values."
                )
                return redirect("accounts:sso_connection_edit", org_slug=org_slug, connection_id=connection.public_id)
        return render(request, self.template_name, {"form": form}, status=400)


class SsoConnectionEditView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS, "POST": ADMINS}
    template_name = "accounts/admin/sso_connection_form.html"

    def _context(self, connection: SsoConnection, form: SsoConnectionForm) -> dict[str, object]:
        return {
            "form": form,
            "connection": connection,
            "values": selectors.sso_service_provider_values(connection),
        }

    def get(self, request: HttpRequest, org_slug: str, connection_id: str) -> HttpResponse:
        connection = get_for_organization(SsoConnection, self.organization, connection_id)
        form = SsoConnectionForm(connection=connection)
        return render(request, self.template_name, self._context(connection, form))

    def post(self, request: HttpRequest, org_slug: str, connection_id: str) -> HttpResponse:
        connection = get_for_organization(SsoConnection, self.organization, connection_id)
        form = SsoConnectionForm(request.POST, connection=connection)
        if form.is_valid():
            try:
                services.sso_connection_save(
                    organization=self.organization,
                    data=form.to_input(),
                    connection=connection,
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{form.cleaned_data['name']}” was saved.")
                return redirect("accounts:sso_connection_edit", org_slug=org_slug, connection_id=connection_id)
        return render(request, self.template_name, self._context(connection, form), status=400)


class SsoConnectionEnabledView(OrganizationViewMixin, View):
    roles = {"POST": ADMINS}

    def post(self, request: HttpRequest, org_slug: str, connection_id: str) -> HttpResponse:
        connection = get_for_organization(SsoConnection, self.organization, connection_id)
        enabled = request.POST.get("enabled") == "true"
        try:
            services.sso_connection_set_enabled(connection=connection, enabled=enabled, actor=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            state = "enabled" if enabled else "disabled: its sign-in stops now"
            messages.success(request, f"“{connection.name}” is {state}.")
        return redirect("accounts:sso_settings", org_slug=org_slug)
