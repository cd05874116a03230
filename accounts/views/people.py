"""Admin screens for people: members, invitations and the CSV import."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts import selectors, services
from accounts.forms import (
    InvitationFilterForm,
    InviteForm,
    MemberFilterForm,
    MemberForm,
    MemberImportForm,
    MemberRoleForm,
    add_service_errors,
)
from accounts.models import Invitation, Membership, Role
from accounts.permissions import ADMINS, OrganizationViewMixin
from accounts.selectors import get_for_organization
from accounts.views.listing import paginate, redirect_back

# POST-only endpoints also declare GET, so an admin who opens one by address gets
# 405 Method Not Allowed rather than a misleading 403.
ADMIN_READ_WRITE = {"GET": ADMINS, "POST": ADMINS}


def _member_url(org_slug: str, member: Membership) -> str:
    return reverse("accounts:member_detail", kwargs={"org_slug": org_slug, "member_id": member.public_id})


# Members -------------------------------------------------------------------------


class MemberListView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = MemberFilterForm(request.GET or None, organization=self.organization)
        members = selectors.member_list(organization=self.organization, **filter_form.filters())
        context = {
            "filter_form": filter_form,
            "page_obj": paginate(request, members),
            "counts": selectors.member_counts(organization=self.organization),
        }
        return render(request, "accounts/admin/member_list.html", context)


class MemberDetailView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE
    template_name = "accounts/admin/member_detail.html"

    def get(self, request: HttpRequest, org_slug: str, member_id: str) -> HttpResponse:
        member = get_for_organization(Membership, self.organization, member_id)
        form = MemberForm(initial=MemberForm.initial_for(member), organization=self.organization)
        return self._render(request, member, form)

    def post(self, request: HttpRequest, org_slug: str, member_id: str) -> HttpResponse:
        member = get_for_organization(Membership, self.organization, member_id)
        form = MemberForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                services.membership_update(membership=member, **form.service_arguments())
            except ValidationError as error:
                add_service_errors(form, error)
                member.refresh_from_db()  # the page shows the saved values, not the refused ones
            else:
                messages.success(request, f"{member.user} was saved.")
                return redirect(_member_url(org_slug, member))
        return self._render(request, member, form, status=400)

    def _render(self, request: HttpRequest, member: Membership, form: MemberForm, status: int = 200) -> HttpResponse:
        context = {
            "member": member,
            "form": form,
            "role_form": MemberRoleForm(initial={"role": member.role}, auto_id="id_role_%s"),
            "invitations": selectors.invitations_of_membership(membership=member),
            "is_self": member.pk == self.membership.pk,
        }
        return render(request, self.template_name, context, status=status)


class MemberRoleView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, member_id: str) -> HttpResponse:
        member = get_for_organization(Membership, self.organization, member_id)
        form = MemberRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the roles.")
            return redirect(_member_url(org_slug, member))
        try:
            services.membership_change_role(membership=member, role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_member_url(org_slug, member))
        messages.success(request, f"{member.user} is now {member.get_role_display().lower()}.")
        if member.pk == self.membership.pk and member.role != Role.ADMIN:
            return redirect("accounts:dashboard", org_slug=org_slug)  # the admin screens are closed to them now
        return redirect(_member_url(org_slug, member))


class MemberDeactivateView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, member_id: str) -> HttpResponse:
        member = get_for_organization(Membership, self.organization, member_id)
        try:
            services.membership_deactivate(membership=member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_member_url(org_slug, member))
        messages.success(request, f"{member.user} was deactivated and can no longer use {self.organization}.")
        if member.pk == self.membership.pk:
            return redirect("home")
        return redirect(_member_url(org_slug, member))


class MemberReactivateView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, member_id: str) -> HttpResponse:
        member = get_for_organization(Membership, self.organization, member_id)
        try:
            services.membership_reactivate(membership=member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{member.user} was reactivated.")
        return redirect(_member_url(org_slug, member))


# Invitations ---------------------------------------------------------------------


class InviteView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE
    template_name = "accounts/admin/invite.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, self.template_name, {"form": InviteForm(organization=self.organization)})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = InviteForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    organization=self.organization,
                    invited_by=request.user,  # type: ignore[arg-type]
                    **form.service_arguments(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("accounts:invitation_list", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=400)


class InvitationListView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = InvitationFilterForm(request.GET or None)
        invitations = selectors.invitation_list(organization=self.organization, **filter_form.filters())
        context = {"filter_form": filter_form, "page_obj": paginate(request, invitations)}
        return render(request, "accounts/admin/invitation_list.html", context)


class InvitationResendView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, invitation_id: str) -> HttpResponse:
        invitation = get_for_organization(Invitation, self.organization, invitation_id)
        try:
            fresh = services.invitation_resend(invitation=invitation, invited_by=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"A new invitation was sent to {fresh.email}; the earlier link no longer works.")
        return redirect_back(request, org_slug, reverse("accounts:invitation_list", kwargs={"org_slug": org_slug}))


class InvitationRevokeView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, invitation_id: str) -> HttpResponse:
        invitation = get_for_organization(Invitation, self.organization, invitation_id)
        try:
            services.invitation_revoke(invitation=invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The invitation for {invitation.email} was withdrawn; its link no longer works.")
        return redirect_back(request, org_slug, reverse("accounts:invitation_list", kwargs={"org_slug": org_slug}))


# CSV import ----------------------------------------------------------------------


class MemberImportView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE
    template_name = "accounts/admin/member_import.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, self.template_name, self._context(MemberImportForm()))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = MemberImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self._context(form), status=400)
        report = services.invitations_import_csv(
            organization=self.organization,
            data=form.cleaned_data["file"].read(),
            invited_by=request.user,  # type: ignore[arg-type]
        )
        if report.is_valid:
            messages.success(
                request,
                f"{report.imported} {'person was' if report.imported == 1 else 'people were'} invited. "
                "Their invitations are on their way.",
            )
            return redirect("accounts:invitation_list", org_slug=org_slug)
        context = self._context(MemberImportForm())
        context.update(report=report, file_name=form.cleaned_data["file"].name)
        return render(request, self.template_name, context, status=400)

    def _context(self, form: MemberImportForm) -> dict[str, object]:
        return {"form": form, "columns": services.CSV_COLUMNS, "max_rows": services.CSV_MAX_ROWS}


class MemberImportTemplateView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        response = HttpResponse(
            services.invitations_import_template(organization=self.organization), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{org_slug}-members-template.csv"'
        return response
