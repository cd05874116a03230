"""The manager's announcement page: compose a featured announcement, see how many
members the audience matches, send it (delivered under each person's quiet hours and,
for hourly staff, working hours)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.forms import add_service_errors
from content import selectors
from content.forms import AnnouncementForm
from content.services import Audience
from content.services.announcements import announcement_send
from content.views.base import CURATOR_READ_WRITE, CuratorView


class AnnounceView(CuratorView):
    roles = CURATOR_READ_WRITE
    template_name = "content/announce.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AnnouncementForm(organization=self.organization)
        count = selectors.audience_member_count(organization=self.organization, audience=Audience())
        return render(request, self.template_name, {"form": form, "audience_count": count})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AnnouncementForm(request.POST, organization=self.organization)
        count = None
        if form.is_valid():
            count = selectors.audience_member_count(organization=self.organization, audience=form.audience())
            try:
                result = announcement_send(
                    organization=self.organization,
                    sender=self.membership,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    audience=form.audience(),
                    item=form.chosen_item(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                held = result.recipients - result.delivered_now
                note = f" {held} will see it when their quiet or working hours allow." if held else ""
                messages.success(
                    request,
                    f"Announcement sent to {result.recipients} member{'s' if result.recipients != 1 else ''}.{note}",
                )
                return redirect("content:announce", org_slug=org_slug)
        context = {"form": form, "audience_count": count or 0}
        return render(request, self.template_name, context, status=400)
