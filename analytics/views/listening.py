"""Listening pages: the in-app prompts (loaded by the employee dashboard with htmx), the
survey and the pulse for members, the results for report readers and the brand
promises for curators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from accounts.forms import add_service_errors
from accounts.permissions import CURATORS, EVERYONE, REPORT_READERS, OrganizationViewMixin
from accounts.selectors import get_for_organization
from analytics import selectors, services
from analytics.forms import PromiseForm, PulseForm, ResultsFilterForm, StoppingSurveyForm
from analytics.lib.quarters import quarter_code, quarter_label
from analytics.models import BrandPromise

EVERYONE_READ_WRITE = {"GET": EVERYONE, "POST": EVERYONE}
CURATORS_READ_WRITE = {"GET": CURATORS, "POST": CURATORS}


class ListeningPromptView(OrganizationViewMixin, View):
    """The dashboard's prompt: the survey when due, else the pulse when due, else nothing."""

    roles = {"GET": EVERYONE}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        now = timezone.now()
        if selectors.member_due_stopping_survey(membership=self.membership, now=now):
            return render(request, "analytics/_prompt_stopping.html")
        if selectors.member_due_pulse(membership=self.membership, now=now):
            return render(request, "analytics/_prompt_pulse.html")
        return HttpResponse("")


def _after_dismiss(request: HttpRequest, org_slug: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "analytics/_prompt_dismissed.html")
    messages.info(request, "We won't ask again for a while.")
    return redirect("accounts:dashboard", org_slug=org_slug)


class StoppingSurveyView(OrganizationViewMixin, View):
    roles = EVERYONE_READ_WRITE
    template_name = "analytics/stopping.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, self.template_name, {"form": StoppingSurveyForm()})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = StoppingSurveyForm(request.POST)
        if form.is_valid():
            try:
                services.stopping_answer_submit(
                    membership=self.membership,
                    reasons=form.cleaned_data["reasons"],
                    other_text=form.cleaned_data["other_text"],
                    now=timezone.now(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Thank you. Your answer helps your comms team make sharing easier.")
                return redirect("accounts:dashboard", org_slug=org_slug)
        return render(request, self.template_name, {"form": form}, status=400)


class StoppingDismissView(OrganizationViewMixin, View):
    roles = EVERYONE_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        services.stopping_survey_dismiss(membership=self.membership, now=timezone.now())
        return _after_dismiss(request, org_slug)


class PulseView(OrganizationViewMixin, View):
    roles = EVERYONE_READ_WRITE
    template_name = "analytics/pulse.html"

    def _promises(self) -> list[BrandPromise]:
        return list(selectors.active_promises(organization=self.organization))

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        promises = self._promises()
        quarter = selectors.current_quarter(organization=self.organization, now=timezone.now())
        answers = selectors.pulse_answers_of(membership=self.membership, quarter=quarter)
        form = PulseForm(initial=PulseForm.initial_for(answers, promises), promises=promises)
        return self._render(request, form, answered=bool(answers))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = PulseForm(request.POST, promises=self._promises())
        if form.is_valid():
            try:
                services.pulse_submit(membership=self.membership, ratings=form.ratings(), now=timezone.now())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Thank you. You can change your answers until the quarter ends.")
                return redirect("accounts:dashboard", org_slug=org_slug)
        return self._render(request, form, answered=False, status=400)

    def _render(self, request: HttpRequest, form: PulseForm, *, answered: bool, status: int = 200) -> HttpResponse:
        quarter = selectors.current_quarter(organization=self.organization, now=timezone.now())
        context = {"form": form, "quarter_label": quarter_label(quarter), "answered": answered}
        return render(request, self.template_name, context, status=status)


class PulseDismissView(OrganizationViewMixin, View):
    roles = EVERYONE_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        services.pulse_dismiss(membership=self.membership, now=timezone.now())
        return _after_dismiss(request, org_slug)


def _results_filter(request: HttpRequest, view: OrganizationViewMixin) -> ResultsFilterForm:
    organization = view.organization
    return ResultsFilterForm(
        request.GET or None,
        current=selectors.current_quarter(organization=organization, now=timezone.now()),
        departments=selectors.segment_values(organization=organization, by="department"),
        locations=selectors.segment_values(organization=organization, by="location"),
    )


class ListeningResultsView(OrganizationViewMixin, View):
    roles = {"GET": REPORT_READERS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = _results_filter(request, self)
        filters = filter_form.filters()
        results = selectors.listening_results(organization=self.organization, **filters)
        chart = {
            "quarters": [point.quarter for point in results.trend],
            "promises": [promise.text for promise in results.promises],
            "pulse": [point.pulse_averages for point in results.trend],
            "respondents": [point.stopping_respondents for point in results.trend],
            "threshold": results.threshold,
        }
        context = {
            "filter_form": filter_form,
            "results": results,
            "chart": chart,
            "export_query": request.GET.urlencode(),
            "quarter_code": quarter_code(results.quarter),
            "may_curate": self.membership.role in CURATORS,
        }
        return render(request, "analytics/results.html", context)


class ListeningResultsExportView(OrganizationViewMixin, View):
    roles = {"GET": REPORT_READERS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filters = _results_filter(request, self).filters()
        text = services.listening_results_csv(organization=self.organization, **filters)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        filename = f"{org_slug}-listening-{quarter_code(filters['quarter'])}-by-{filters['by']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PromiseListView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/promise_list.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, PromiseForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = PromiseForm(request.POST)
        if form.is_valid():
            try:
                services.brand_promise_save(organization=self.organization, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The promise was added.")
                return redirect("analytics:promise_list", org_slug=org_slug)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: PromiseForm, status: int = 200) -> HttpResponse:
        promises = list(selectors.promise_list(organization=self.organization))
        return render(request, self.template_name, {"form": form, "promises": promises}, status=status)


class PromiseEditView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE
    template_name = "analytics/promise_edit.html"

    def get(self, request: HttpRequest, org_slug: str, promise_id: str) -> HttpResponse:
        promise = get_for_organization(BrandPromise, self.organization, promise_id)
        form = PromiseForm(initial={"text": promise.text, "is_active": promise.is_active})
        return render(request, self.template_name, {"form": form, "promise": promise})

    def post(self, request: HttpRequest, org_slug: str, promise_id: str) -> HttpResponse:
        promise = get_for_organization(BrandPromise, self.organization, promise_id)
        form = PromiseForm(request.POST)
        if form.is_valid():
            try:
                services.brand_promise_save(organization=self.organization, promise=promise, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The promise was saved.")
                return redirect("analytics:promise_list", org_slug=org_slug)
        return render(request, self.template_name, {"form": form, "promise": promise}, status=400)


class PromiseMoveView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, promise_id: str) -> HttpResponse:
        promise = get_for_organization(BrandPromise, self.organization, promise_id)
        try:
            services.brand_promise_move(promise=promise, direction=request.POST.get("direction", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("analytics:promise_list", org_slug=org_slug)


class PromiseActiveView(OrganizationViewMixin, View):
    """Activate or deactivate (results of an inactive promise stay)."""

    roles = CURATORS_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, promise_id: str) -> HttpResponse:
        promise = get_for_organization(BrandPromise, self.organization, promise_id)
        active = request.POST.get("active") == "1"
        services.brand_promise_save(
            organization=self.organization, promise=promise, text=promise.text, is_active=active
        )
        messages.success(request, "The promise is asked again." if active else "The promise is no longer asked.")
        return redirect("analytics:promise_list", org_slug=org_slug)
