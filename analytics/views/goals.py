"""Goals, KPIs, conversions and the analytics settings, for managers: curators write,
report readers (executives included) read the goals, KPIs and conversions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.forms import add_service_errors
from accounts.permissions import CURATORS, REPORT_READERS, OrganizationViewMixin, membership_may
from accounts.selectors import get_for_organization
from analytics.forms_goals import (
    AnalyticsSettingsForm,
    ConversionFilterForm,
    ConversionForm,
    CsvUploadForm,
    GoalForm,
    KpiForm,
    KpiValueForm,
)
from analytics.lib.periods import DEFAULT_PERIOD, Period, PeriodError, period_from_code
from analytics.models import Conversion, ConversionSource, Goal, Kpi, KpiMeasure, KpiValue, KpiValueSource
from analytics.selectors import conversions as conversion_selectors
from analytics.selectors import goals as goal_selectors
from analytics.services import conversions as conversion_services
from analytics.services import goals as goal_services
from analytics.services.goals import KPI_VALUES_CSV_HEADER

CURATORS_READ_WRITE = {"GET": CURATORS, "POST": CURATORS}
READERS_READ_CURATORS_WRITE = {"GET": REPORT_READERS, "POST": CURATORS}
GOALS_PERIOD = "qtd"
CONVERSIONS_PER_PAGE = 50
KPI_VALUES_PER_PAGE = 50


def _csv_response(filename: str, header: tuple[str, ...], example: list[str]) -> HttpResponse:
    response = HttpResponse(",".join(header) + "\n" + ",".join(example) + "\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _period(organization: Any, data: Any, default: str = DEFAULT_PERIOD) -> tuple[Period, str]:
    """The period the query string names, or the default with the reason it was not used."""
    today = conversion_selectors.organization_today(organization)
    code = data.get("period") or default
    try:
        start = datetime.strptime(data["start"], "%Y-%m-%d").date() if data.get("start") else None
        end = datetime.strptime(data["end"], "%Y-%m-%d").date() if data.get("end") else None
        return period_from_code(code, today=today, start=start, end=end), ""
    except (PeriodError, ValueError) as error:
        return period_from_code(default, today=today), str(error)


# Settings -----------------------------------------------------------------------------------


class AnalyticsSettingsView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/settings.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        settings = goal_selectors.analytics_settings(organization=self.organization)
        rates = goal_selectors.network_rates(organization=self.organization)
        return self._render(request, AnalyticsSettingsForm(instance=settings, rates=rates))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        settings = goal_selectors.analytics_settings(organization=self.organization)
        rates = goal_selectors.network_rates(organization=self.organization)
        form = AnalyticsSettingsForm(request.POST, instance=settings, rates=rates)
        if form.is_valid():
            try:
                _row, attribution_changed = goal_services.analytics_settings_save(
                    organization=self.organization, values=form.settings_values(), rates=form.rates()
                )
            except ValidationError as error:
                add_service_errors(form, error)  # type: ignore[arg-type]
            else:
                if attribution_changed:
                    from analytics.tasks import conversions_reattribute

                    organization_id = self.organization.pk
                    transaction.on_commit(lambda: conversions_reattribute.delay(organization_id=organization_id))
                    messages.success(
                        request, "Settings saved. Past conversions are being attributed again under the new rules."
                    )
                else:
                    messages.success(request, "Settings saved.")
                return redirect("analytics:analytics_settings", org_slug=org_slug)
        return self._render(request, form, status=400)

    def _render(
        self, request: HttpRequest, form: AnalyticsSettingsForm, *, status: int = 200, new_secret: str = ""
    ) -> HttpResponse:
        settings = goal_selectors.analytics_settings(organization=self.organization)
        snippet_url = (
            request.build_absolute_uri(reverse("analytics_snippet", args=[settings.snippet_key]))
            if settings.snippet_key
            else ""
        )
        webhook_url = request.build_absolute_uri(
            reverse("analytics_conversion_webhook", args=[self.organization.public_id])
        )
        context = {
            "form": form,
            "settings": settings,
            "snippet_url": snippet_url,
            "webhook_url": webhook_url,
            "new_secret": new_secret,
            "has_secret": bool(settings.webhook_secret_encrypted),
        }
        response = render(request, self.template_name, context, status=status)
        if new_secret:
            response["Cache-Control"] = "no-store"
        return response


class WebhookSecretRotateView(AnalyticsSettingsView):
    """Shows the new secret on this response only: it is never displayed again."""

    roles = {"POST": CURATORS}

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        secret = goal_services.webhook_secret_rotate(organization=self.organization)
        settings = goal_selectors.analytics_settings(organization=self.organization)
        rates = goal_selectors.network_rates(organization=self.organization)
        messages.success(request, "A new webhook secret was made; the previous one no longer works.")
        return self._render(request, AnalyticsSettingsForm(instance=settings, rates=rates), new_secret=secret)


class SnippetKeyView(OrganizationViewMixin, View):
    roles = {"POST": CURATORS}

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        rotate = request.POST.get("rotate") == "1"
        goal_services.snippet_key_ensure(organization=self.organization, rotate=rotate)
        messages.success(
            request,
            "A new snippet key was made: update the script tag on your website."
            if rotate
            else "Your website snippet is ready.",
        )
        return redirect(reverse("analytics:analytics_settings", args=[org_slug]) + "#snippet")


# Goals -------------------------------------------------------------------------------------------


class GoalListView(OrganizationViewMixin, View):
    roles = READERS_READ_CURATORS_WRITE
    template_name = "analytics/goals/goal_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, GoalForm(organization=self.organization))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = GoalForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                goal = goal_services.goal_save(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The goal “{goal.name}” was created. Add its KPIs.")
                return redirect("analytics:kpi_create", org_slug=org_slug, goal_id=goal.public_id)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: GoalForm, *, status: int = 200) -> HttpResponse:
        period, period_error = _period(self.organization, request.GET, default=GOALS_PERIOD)
        progress = goal_selectors.goals_progress(organization=self.organization, period=period)
        archived = list(
            goal_selectors.goal_list(organization=self.organization, include_archived=True).filter(is_archived=True)
        )
        context = {
            "form": form,
            "goals": progress,
            "archived": archived,
            "period": period,
            "period_error": period_error,
            "period_choices": [
                ("mtd", "This month"),
                ("qtd", "This quarter"),
                ("ytd", "This year"),
                ("last_month", "Last month"),
                ("last_quarter", "Last quarter"),
            ],
            "may_write": membership_may(self.membership, {"POST": CURATORS}, "POST"),
        }
        return render(request, self.template_name, context, status=status)


class GoalEditView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/goal_edit.html"

    def get(self, request: HttpRequest, org_slug: str, goal_id: str) -> HttpResponse:
        goal = get_for_organization(Goal, self.organization, goal_id)
        initial = {
            "name": goal.name,
            "category": goal.category,
            "description": goal.description,
            "owner": goal.owner.public_id if goal.owner else None,
        }
        form = GoalForm(initial=initial, organization=self.organization)
        return render(request, self.template_name, {"form": form, "goal": goal})

    def post(self, request: HttpRequest, org_slug: str, goal_id: str) -> HttpResponse:
        goal = get_for_organization(Goal, self.organization, goal_id)
        form = GoalForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                goal_services.goal_save(organization=self.organization, goal=goal, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The goal was saved.")
                return redirect("analytics:goal_list", org_slug=org_slug)
        return render(request, self.template_name, {"form": form, "goal": goal}, status=400)


class GoalArchiveView(OrganizationViewMixin, View):
    roles = {"POST": CURATORS}

    def post(self, request: HttpRequest, org_slug: str, goal_id: str) -> HttpResponse:
        goal = get_for_organization(Goal, self.organization, goal_id)
        archived = request.POST.get("archived", "1") == "1"
        goal_services.goal_archive(goal=goal, archived=archived)
        messages.success(
            request,
            f"“{goal.name}” was archived: it left the dashboards, its KPIs and values are kept."
            if archived
            else f"“{goal.name}” is active again.",
        )
        return redirect("analytics:goal_list", org_slug=org_slug)


# KPIs ----------------------------------------------------------------------------------------------


def _kpi_form_data(form: KpiForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    if data["measure"] == KpiMeasure.VALUES:
        data["conversion_kind"] = ""
    return data


class KpiCreateView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/kpi_edit.html"

    def get(self, request: HttpRequest, org_slug: str, goal_id: str) -> HttpResponse:
        goal = get_for_organization(Goal, self.organization, goal_id)
        form = KpiForm(
            initial={"goal": goal.public_id, "owner": self.membership.public_id}, organization=self.organization
        )
        return render(request, self.template_name, {"form": form, "goal": goal, "kpi": None})

    def post(self, request: HttpRequest, org_slug: str, goal_id: str) -> HttpResponse:
        goal = get_for_organization(Goal, self.organization, goal_id)
        form = KpiForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                kpi = goal_services.kpi_save(organization=self.organization, **_kpi_form_data(form))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The KPI “{kpi.name}” was created.")
                return redirect("analytics:kpi_detail", org_slug=org_slug, kpi_id=kpi.public_id)
        return render(request, self.template_name, {"form": form, "goal": goal, "kpi": None}, status=400)


class KpiEditView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/kpi_edit.html"

    def get(self, request: HttpRequest, org_slug: str, kpi_id: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        initial = {
            "goal": kpi.goal.public_id,
            "name": kpi.name,
            "unit": kpi.unit,
            "measure": kpi.measure,
            "conversion_kind": kpi.conversion_kind,
            "aggregation": kpi.aggregation,
            "direction": kpi.direction,
            "target": kpi.target,
            "period": kpi.period,
            "owner": kpi.owner.public_id if kpi.owner else None,
        }
        form = KpiForm(initial=initial, organization=self.organization)
        return render(request, self.template_name, {"form": form, "goal": kpi.goal, "kpi": kpi})

    def post(self, request: HttpRequest, org_slug: str, kpi_id: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        if request.POST.get("delete") == "1":
            goal_services.kpi_delete(kpi=kpi)
            messages.success(request, f"The KPI “{kpi.name}” and its values were deleted.")
            return redirect("analytics:goal_list", org_slug=org_slug)
        form = KpiForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                goal_services.kpi_save(organization=self.organization, kpi=kpi, **_kpi_form_data(form))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The KPI was saved.")
                return redirect("analytics:kpi_detail", org_slug=org_slug, kpi_id=kpi.public_id)
        return render(request, self.template_name, {"form": form, "goal": kpi.goal, "kpi": kpi}, status=400)


class KpiDetailView(OrganizationViewMixin, View):
    """The KPI's progress, chart and values with their sources; curators add a value."""

    roles = READERS_READ_CURATORS_WRITE
    template_name = "analytics/goals/kpi_detail.html"

    def get(self, request: HttpRequest, org_slug: str, kpi_id: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        today = conversion_selectors.organization_today(self.organization)
        return self._render(request, kpi, KpiValueForm(initial={"on_date": today}))

    def post(self, request: HttpRequest, org_slug: str, kpi_id: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        form = KpiValueForm(request.POST)
        if form.is_valid():
            try:
                _value, created = goal_services.kpi_value_record(
                    kpi=kpi, source=KpiValueSource.MANUAL, actor=self.membership, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, "The value was added." if created else "That day's manual value was replaced."
                )
                return redirect("analytics:kpi_detail", org_slug=org_slug, kpi_id=kpi.public_id)
        return self._render(request, kpi, form, status=400)

    def _render(self, request: HttpRequest, kpi: Kpi, form: KpiValueForm, *, status: int = 200) -> HttpResponse:
        period, period_error = _period(self.organization, request.GET, default=GOALS_PERIOD)
        progress = goal_selectors.kpi_progress(organization=self.organization, kpi=kpi, period=period)
        values = Paginator(goal_selectors.kpi_values_of(kpi=kpi).order_by("-on_date", "source"), KPI_VALUES_PER_PAGE)
        chart = {
            "labels": [day.isoformat() for day, _ in progress.series],
            "values": [float(value) for _, value in progress.series],
            "grain": progress.series_grain,
            "unit": kpi.unit,
            "cumulative": kpi.aggregation == "sum",
            "target": float(progress.target),
        }
        context = {
            "kpi": kpi,
            "progress": progress,
            "period": period,
            "period_error": period_error,
            "form": form,
            "page_obj": values.get_page(request.GET.get("page")),
            "chart": chart,
            "takes_values": kpi.measure == KpiMeasure.VALUES,
            "may_write": membership_may(self.membership, {"POST": CURATORS}, "POST"),
            "period_choices": [
                ("mtd", "This month"),
                ("qtd", "This quarter"),
                ("ytd", "This year"),
                ("last_month", "Last month"),
                ("last_quarter", "Last quarter"),
                ("365d", "Last 12 months"),
            ],
        }
        return render(request, self.template_name, context, status=status)


class KpiValueDeleteView(OrganizationViewMixin, View):
    roles = {"POST": CURATORS}

    def post(self, request: HttpRequest, org_slug: str, kpi_id: str, kpi_value_id: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        value = get_for_organization(KpiValue, self.organization, kpi_value_id)
        if value.kpi_id != kpi.pk:
            value = get_for_organization(KpiValue, self.organization, uuid.uuid4())  # the same 404 as a wrong id
        goal_services.kpi_value_delete(value=value)
        messages.success(request, f"The value of {value.on_date:%-d %b %Y} ({value.get_source_display()}) was deleted.")
        return redirect("analytics:kpi_detail", org_slug=org_slug, kpi_id=kpi.public_id)


class KpiValuesImportView(OrganizationViewMixin, View):
    """All or nothing: a file with any wrong row saves nothing and lists every wrong row."""

    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/kpi_import.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        if request.GET.get("template") == "1":
            kpi = goal_selectors.kpi_list(organization=self.organization).filter(measure=KpiMeasure.VALUES).first()
            example = [
                str(kpi.public_id) if kpi else "Qualified leads",
                timezone.now().date().isoformat(),
                "42",
                "CRM export",
            ]
            return _csv_response("kpi-values.csv", KPI_VALUES_CSV_HEADER, example)
        return self._render(request, CsvUploadForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = CsvUploadForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            try:
                report = goal_services.kpi_values_import(
                    organization=self.organization, data=form.cleaned_data["file"], actor=self.membership
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if report.saved:
                    messages.success(
                        request,
                        f"Imported {report.rows} rows: {report.created} new, {report.updated} updated, "
                        f"{report.unchanged} unchanged.",
                    )
                    return redirect("analytics:goal_list", org_slug=org_slug)
        return self._render(request, form, report=report, status=400)

    def _render(
        self, request: HttpRequest, form: CsvUploadForm, *, report: Any = None, status: int = 200
    ) -> HttpResponse:
        kpis = goal_selectors.kpi_list(organization=self.organization).filter(
            measure=KpiMeasure.VALUES, goal__is_archived=False
        )
        context = {"form": form, "report": report, "kpis": kpis, "header": ",".join(KPI_VALUES_CSV_HEADER)}
        return render(request, self.template_name, context, status=status)


# Conversions -----------------------------------------------------------------------------------------


class ConversionListView(OrganizationViewMixin, View):
    roles = {"GET": REPORT_READERS}
    template_name = "analytics/goals/conversion_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ConversionFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        raw = {
            "period": data.get("period") or "",
            "start": data["start"].isoformat() if data.get("start") else "",
            "end": data["end"].isoformat() if data.get("end") else "",
        }
        period, period_error = _period(self.organization, raw)
        attributed = {"yes": True, "no": False}.get(data.get("attributed") or "")
        conversions = conversion_selectors.conversions_for(
            organization=self.organization, period=period, kind=data.get("kind") or None, attributed=attributed
        )
        summary = conversion_selectors.conversions_summary(organization=self.organization, period=period)
        context = {
            "filter_form": form,
            "page_obj": Paginator(conversions, CONVERSIONS_PER_PAGE).get_page(request.GET.get("page")),
            "summary": summary,
            "period": period,
            "period_error": period_error,
            "may_write": membership_may(self.membership, {"POST": CURATORS}, "POST"),
        }
        return render(request, self.template_name, context)


class ConversionCreateView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/conversion_edit.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        now = timezone.localtime(timezone.now(), conversion_selectors.organization_zone(self.organization))
        return render(
            request, self.template_name, {"form": ConversionForm(initial={"occurred_at": now.replace(tzinfo=None)})}
        )

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ConversionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            zone = conversion_selectors.organization_zone(self.organization)
            occurred_at = data["occurred_at"]
            # The form's time is on the organisation's clock, whatever the server's is.
            occurred_at = occurred_at.replace(tzinfo=None).replace(tzinfo=zone) if occurred_at else timezone.now()
            try:
                conversion, created = conversion_services.conversion_record(
                    organization=self.organization,
                    data=conversion_services.ConversionInput(
                        event_id=data["event_id"] or f"manual-{uuid.uuid4()}",
                        kind=data["kind"],
                        occurred_at=occurred_at,
                        value=data["value"],
                        currency=data["currency"],
                        label=data["label"],
                        first_click_id=data["click_id"],
                        last_click_id=data["click_id"],
                    ),
                    source=ConversionSource.MANUAL,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if created:
                    state = "attributed" if conversion.is_attributed else "unattributed"
                    messages.success(request, f"The conversion was recorded ({state}).")
                else:
                    messages.info(request, "A conversion with this reference was already recorded: nothing changed.")
                return redirect("analytics:conversion_list", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=400)


class ConversionDeleteView(OrganizationViewMixin, View):
    roles = {"POST": CURATORS}

    def post(self, request: HttpRequest, org_slug: str, conversion_id: str) -> HttpResponse:
        conversion = get_for_organization(Conversion, self.organization, conversion_id)
        conversion_services.conversion_delete(conversion=conversion)
        messages.success(request, f"The conversion {conversion.event_id} was deleted.")
        return redirect("analytics:conversion_list", org_slug=org_slug)


class ConversionImportView(OrganizationViewMixin, View):
    """All or nothing, and idempotent on event_id: the same file twice records each once."""

    roles = CURATORS_READ_WRITE
    template_name = "analytics/goals/conversion_import.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        if request.GET.get("template") == "1":
            example = [
                "crm-lead-4711",
                "lead",
                timezone.now().replace(microsecond=0).isoformat(),
                "120.00",
                "EUR",
                "",
                "",
            ]
            return _csv_response("conversions.csv", conversion_services.CONVERSIONS_CSV_HEADER, example)
        return self._render(request, CsvUploadForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = CsvUploadForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            try:
                report = conversion_services.conversions_import(
                    organization=self.organization, data=form.cleaned_data["file"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if report.saved:
                    messages.success(
                        request,
                        f"Imported {report.rows} rows: {report.created} new conversions, "
                        f"{report.unchanged} already recorded.",
                    )
                    return redirect("analytics:conversion_list", org_slug=org_slug)
        return self._render(request, form, report=report, status=400)

    def _render(
        self, request: HttpRequest, form: CsvUploadForm, *, report: Any = None, status: int = 200
    ) -> HttpResponse:
        context = {"form": form, "report": report, "header": ",".join(conversion_services.CONVERSIONS_CSV_HEADER)}
        return render(request, self.template_name, context, status=status)
