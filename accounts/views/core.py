"""Landing, dashboards, the member's own profile, invitation acceptance, health."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors, services
from accounts.forms import InvitationAcceptForm, NotificationPreferenceForm, ProfileForm, add_service_errors
from accounts.models import Invitation, Role, User
from accounts.permissions import EVERYONE, OrganizationViewMixin
from accounts.selectors.notifications import notification_preference_of
from accounts.selectors.onboarding import onboarding_status
from accounts.services import InvitationError
from accounts.services.notifications import notification_preference_update
from accounts.tenancy import organization_scope


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers; also the trivial view benchmarks compare against."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the person to their organisation, or let them choose one."""
    memberships = selectors.memberships_of_user(user=request.user)  # type: ignore[arg-type]
    if len(memberships) == 1:
        return redirect("accounts:dashboard", org_slug=memberships[0].organization.slug)
    last = request.session.get("last_org")
    for membership in memberships:
        if membership.organization.slug == last:
            return redirect("accounts:dashboard", org_slug=last)
    return render(request, "accounts/choose_organization.html", {"memberships": memberships})


DASHBOARD_TEMPLATES = {
    Role.ADMIN: "accounts/dashboard/admin.html",
    Role.MANAGER: "accounts/dashboard/manager.html",
    Role.EXECUTIVE: "accounts/dashboard/executive.html",
    Role.EMPLOYEE: "accounts/dashboard/employee.html",
}


class DashboardView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        context: dict[str, object] = {}
        context["onboarding"] = onboarding_status(membership=self.membership)
        if self.membership.role == Role.ADMIN:
            context["counts"] = selectors.member_counts(organization=self.organization)
            context["recent_invitations"] = selectors.invitation_list(organization=self.organization)[:5]
        return render(request, DASHBOARD_TEMPLATES[self.membership.role], context)


class ProfileView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE, "POST": EVERYONE}
    template_name = "accounts/profile.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ProfileForm(initial=ProfileForm.initial_for(self.membership), organization=self.organization)
        preference = notification_preference_of(membership=self.membership)
        notification_form = NotificationPreferenceForm(initial={"digest": preference.digest}, prefix="notifications")
        return render(request, self.template_name, {"form": form, "notification_form": notification_form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ProfileForm(request.POST, organization=self.organization)
        notification_form = NotificationPreferenceForm(request.POST, prefix="notifications")
        if form.is_valid() and notification_form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.membership_update_profile(
                    membership=self.membership,
                    full_name=data.pop("full_name"),
                    interests=list(data.pop("interests")),
                    focus_topic=data.pop("focus_topic"),
                    attributes=data,
                )
                if notification_form.cleaned_data["digest"]:
                    notification_preference_update(
                        membership=self.membership, digest=notification_form.cleaned_data["digest"]
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Your profile was saved.")
                return redirect("accounts:profile", org_slug=org_slug)
        context = {"form": form, "notification_form": notification_form}
        return render(request, self.template_name, context, status=400)


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token)
    except InvitationError as error:
        return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)
    # The signed token names the organisation: this view is an edge that enters its scope.
    with organization_scope(invitation.organization):
        return _invitation_page(request, invitation)


def _invitation_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    invitee = invitation.membership.user
    context: dict[str, object] = {"invitation": invitation, "invited_org": invitation.organization}

    if invitee.has_usable_password():
        # An existing Chorus user: they prove who they are by signing in, then accept.
        if not request.user.is_authenticated:
            messages.info(request, f"Sign in as {invitee.email} to accept the invitation to {invitation.organization}.")
            return redirect_to_login(request.path)
        if request.method == "POST":
            return _accept(request, invitation, request.user, {})  # type: ignore[arg-type]
        if request.user.pk != invitee.pk:
            context["wrong_user"] = True
        return render(request, "accounts/invitation_accept.html", context)

    if request.user.is_authenticated and request.user.pk != invitee.pk:
        if request.method == "POST":
            return _accept(request, invitation, request.user, {})  # type: ignore[arg-type]
        context["wrong_user"] = True
        return render(request, "accounts/invitation_accept.html", context)
    form = InvitationAcceptForm(request.POST or None, user=invitee, initial={"full_name": invitee.full_name})
    if request.method == "POST" and form.is_valid():
        return _accept(
            request,
            invitation,
            invitee,
            {"full_name": form.cleaned_data["full_name"], "password": form.cleaned_data["password"]},
        )
    context["form"] = form
    return render(request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200)


def _accept(request: HttpRequest, invitation: Invitation, user: User, fields: dict[str, str]) -> HttpResponse:
    try:
        membership = services.invitation_accept(invitation=invitation, user=user, **fields)
    except InvitationError as error:
        return render(request, "accounts/invitation_invalid.html", {"reason": str(error)}, status=410)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(request.path)
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome to {membership.organization}!")
    return redirect("accounts:dashboard", org_slug=membership.organization.slug)
