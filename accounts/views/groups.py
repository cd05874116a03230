"""Admin screens for groups (with their members) and topics."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts import selectors, services
from accounts.forms import GroupForm, GroupMembersForm, TopicForm, add_service_errors
from accounts.models import Group, Topic
from accounts.permissions import ADMINS, OrganizationViewMixin
from accounts.selectors import get_for_organization
from accounts.views.listing import paginate
from accounts.views.people import ADMIN_READ_WRITE


def _group_url(org_slug: str, group: Group) -> str:
    return reverse("accounts:group_detail", kwargs={"org_slug": org_slug, "group_id": group.public_id})


class GroupListView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        groups = selectors.group_list(organization=self.organization)
        return render(request, "accounts/admin/group_list.html", {"page_obj": paginate(request, groups)})


class GroupCreateView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE
    template_name = "accounts/admin/group_create.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, self.template_name, {"form": GroupForm()})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = GroupForm(request.POST)
        if form.is_valid():
            try:
                group = services.group_save(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Group “{group}” was created. Now add its members.")
                return redirect(_group_url(org_slug, group))
        return render(request, self.template_name, {"form": form}, status=400)


class GroupDetailView(OrganizationViewMixin, View):
    """The group's name and description (POST here) and its members (POST to group_members)."""

    roles = ADMIN_READ_WRITE
    template_name = "accounts/admin/group_detail.html"

    def get(self, request: HttpRequest, org_slug: str, group_id: str) -> HttpResponse:
        group = get_for_organization(Group, self.organization, group_id)
        form = GroupForm(initial={"name": group.name, "description": group.description})
        return self._render(request, group, form=form)

    def post(self, request: HttpRequest, org_slug: str, group_id: str) -> HttpResponse:
        group = get_for_organization(Group, self.organization, group_id)
        form = GroupForm(request.POST)
        if form.is_valid():
            try:
                services.group_save(organization=self.organization, group=group, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
                group.refresh_from_db()
            else:
                messages.success(request, f"Group “{group}” was saved.")
                return redirect(_group_url(org_slug, group))
        return self._render(request, group, form=form, status=400)

    def _render(
        self,
        request: HttpRequest,
        group: Group,
        *,
        form: GroupForm | None = None,
        members_form: GroupMembersForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        current = selectors.group_members(group=group)
        context = {
            "group": group,
            "form": form or GroupForm(initial={"name": group.name, "description": group.description}),
            "members_form": members_form
            or GroupMembersForm(initial={"members": list(current)}, organization=self.organization, group=group),
            "member_count": current.count(),
        }
        return render(request, self.template_name, context, status=status)


class GroupMembersView(GroupDetailView):
    """Saves the ticked members; shares the detail page's rendering for errors."""

    roles = ADMIN_READ_WRITE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, org_slug: str, group_id: str) -> HttpResponse:
        group = get_for_organization(Group, self.organization, group_id)
        members_form = GroupMembersForm(request.POST, organization=self.organization, group=group)
        if members_form.is_valid():
            members = list(members_form.cleaned_data["members"])
            try:
                services.group_set_members(group=group, memberships=members)
            except ValidationError as error:
                add_service_errors(members_form, error)
            else:
                count = len(members)
                messages.success(request, f"“{group}” now has {count} member{'' if count == 1 else 's'}.")
                return redirect(_group_url(org_slug, group))
        return self._render(request, group, members_form=members_form, status=400)


class GroupDeleteView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, group_id: str) -> HttpResponse:
        group = get_for_organization(Group, self.organization, group_id)
        name = group.name
        services.group_delete(group=group)
        messages.success(request, f"Group “{name}” was deleted. Its members were not affected.")
        return redirect("accounts:group_list", org_slug=org_slug)


# Topics --------------------------------------------------------------------------


class TopicListView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE
    template_name = "accounts/admin/topic_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, TopicForm(organization=self.organization))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = TopicForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                topic = services.topic_create(organization=self.organization, name=form.cleaned_data["name"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Topic “{topic}” was added.")
                return redirect("accounts:topic_list", org_slug=org_slug)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: TopicForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "topics": selectors.topic_list(organization=self.organization)}
        return render(request, self.template_name, context, status=status)


class TopicDeleteView(OrganizationViewMixin, View):
    roles = ADMIN_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, topic_id: str) -> HttpResponse:
        topic = get_for_organization(Topic, self.organization, topic_id)
        name = topic.name
        services.topic_delete(topic=topic)
        messages.success(request, f"Topic “{name}” was deleted.")
        return redirect("accounts:topic_list", org_slug=org_slug)
