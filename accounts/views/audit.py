"""The audit log for the organisation's admins: search, filters, detail and CSV export."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts.forms import BootstrapFormMixin
from accounts.models import AuditAction, AuditEvent, Organization
from accounts.permissions import ADMINS, OrganizationViewMixin
from accounts.selectors.audit import audit_actors, audit_event_list
from accounts.services.audit import audit_log_export_csv
from accounts.views.listing import paginate


class AuditFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Person, target or note"}),
    )
    action = forms.ChoiceField(choices=[("", "All actions"), *AuditAction.choices], required=False)
    actor = forms.TypedChoiceField(coerce=uuid.UUID, required=False, empty_value=None, label="Who")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor_field: forms.TypedChoiceField = self.fields["actor"]  # type: ignore[assignment]
        actor_field.choices = [
            ("", "Anyone"),
            *((str(member.public_id), str(member.user)) for member in audit_actors(organization=organization)),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.audit.audit_event_list; an invalid value filters nothing."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "action": data.get("action") or "",
            "actor_member_id": data.get("actor"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(part) for part in value) or "—"
    return str(value)


def change_rows(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, before, after) for the detail row; a value recorded without before/after
    is shown as the after value."""
    rows = []
    for name, value in (event.changes or {}).items():
        if isinstance(value, dict) and set(value) <= {"before", "after"}:
            rows.append((name.replace("_", " "), _shown(value.get("before")), _shown(value.get("after"))))
        else:
            rows.append((name.replace("_", " "), "—", _shown(value)))
    return rows


class AuditLogView(OrganizationViewMixin, View):
    roles = {"GET": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = AuditFilterForm(request.GET or None, organization=self.organization)
        page_obj = paginate(request, audit_event_list(organization=self.organization, **filter_form.filters()))
        for event in page_obj:
            event.change_rows = change_rows(event)
        query = request.GET.copy()
        query.pop("page", None)
        export_url = reverse("accounts:audit_log_export", kwargs={"org_slug": org_slug})
        context = {
            "filter_form": filter_form,
            "page_obj": page_obj,
            "export_url": f"{export_url}?{query.urlencode()}" if query else export_url,
        }
        return render(request, "accounts/admin/audit_log.html", context)


class AuditLogExportView(OrganizationViewMixin, View):
    """The filtered log as CSV; the download is itself recorded in the log."""

    roles = {"GET": ADMINS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = AuditFilterForm(request.GET or None, organization=self.organization)
        if filter_form.is_bound and not filter_form.is_valid():
            # Exporting without the filter the admin meant would hand out more than they asked for.
            messages.error(request, "Fix the filters before exporting.")
            return redirect(f"{reverse('accounts:audit_log', kwargs={'org_slug': org_slug})}?{request.GET.urlencode()}")
        text, _count = audit_log_export_csv(organization=self.organization, **filter_form.filters())
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{org_slug}-audit-log.csv"'
        response["Cache-Control"] = "no-store"
        return response
