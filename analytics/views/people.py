"""People pages: the 1 / 9 / 90 tiers, champions and leaders for report readers, the
program manager's scorecard, the recognition board and each member's own impact."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts.models import Membership, Role
from accounts.permissions import CURATORS, EVERYONE, REPORT_READERS, OrganizationViewMixin
from analytics.forms_reports import ReportFilterForm, report_filter
from analytics.lib import recognition
from analytics.lib.periods import DEFAULT_PERIOD, PERIOD_CHOICES, Period
from analytics.selectors import people
from analytics.selectors.reports import report_period
from analytics.selectors.segments import Segment, SegmentError
from analytics.services.people import ranking_preference_set


def _picker(request: HttpRequest, view: OrganizationViewMixin) -> tuple[ReportFilterForm, Period, Segment | None, int]:
    """The period (and segment) the query string names; bad values keep the default
    period and answer 400 with the form's errors shown on the page."""
    data = request.GET.copy()
    if not data.get("period"):
        data["period"] = DEFAULT_PERIOD  # so the picker shows the period the page shows
    form = report_filter(data, organization=view.organization)
    if form.is_valid() and form.report_period is not None:
        return form, form.report_period, form.report_segment, 200
    return form, report_period(organization=view.organization), None, 400


def _picker_context(form: ReportFilterForm, period: Period) -> dict[str, Any]:
    return {"filter_form": form, "period": period, "period_choices": PERIOD_CHOICES}


class PeopleReportView(OrganizationViewMixin, View):
    """Tiers by impact, champions and leaders' activity."""

    roles = {"GET": REPORT_READERS}
    template_name = "analytics/people/report.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form, period, segment, status = _picker(request, self)
        try:
            tiers = people.participation_tiers(organization=self.organization, period=period, segment=segment)
        except SegmentError as error:
            form.add_error("segment", str(error))
            segment, status = None, 400
            tiers = people.participation_tiers(organization=self.organization, period=period)
        context = {
            **_picker_context(form, period),
            "segment": segment,
            "segment_choices": form.segment_choices(),
            "tiers": tiers,
            "tier_top": tiers.summary(recognition.Tier.TOP),
            "tier_contributors": tiers.summary(recognition.Tier.CONTRIBUTORS),
            "tier_majority": tiers.summary(recognition.Tier.MAJORITY),
            "champions": people.champions(organization=self.organization, period=period, limit=10),
            "leaders": people.leaders_activity(organization=self.organization, period=period),
            "weights": {
                "conversion": int(recognition.CONVERSION_POINTS),
                "value": int(recognition.VALUE_POINTS),
                "click": int(recognition.CLICK_POINTS),
                "reach": int(recognition.REACH_POINTS_PER_THOUSAND),
            },
        }
        return render(request, self.template_name, context, status=status)


def _member_by_public_id(organization_id: int, raw: str) -> Membership:
    """The organisation's member with this public id, or 404 (the same for a malformed
    id, one that does not exist and another organisation's)."""
    try:
        public_id = uuid.UUID(raw)
    except ValueError:
        raise Http404("No such member.") from None
    found = Membership.objects.filter(organization=organization_id, public_id=public_id).select_related("user").first()
    if found is None:
        raise Http404("No such member.")
    return found


class ScorecardView(OrganizationViewMixin, View):
    """The KPIs a program manager owns against target; engagement as leading indicators.
    Admins may open anyone's with `?member=<member id>`."""

    roles = {"GET": CURATORS}
    template_name = "analytics/people/scorecard.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        subject = self.membership
        raw = request.GET.get("member", "").strip()
        if raw:
            subject = _member_by_public_id(self.organization.pk, raw)
            if subject.pk != self.membership.pk and self.membership.role != Role.ADMIN:
                raise PermissionDenied("Only admins may open another member's scorecard.")
        form, period, _segment, status = _picker(request, self)
        card = people.scorecard(organization=self.organization, membership=subject, period=period)
        context = {
            **_picker_context(form, period),
            "card": card,
            "subject": subject,
            "is_own": subject.pk == self.membership.pk,
            "owners": people.scorecard_owners(organization=self.organization)
            if self.membership.role == Role.ADMIN
            else [],
        }
        return render(request, self.template_name, context, status=status)


class RecognitionView(OrganizationViewMixin, View):
    """The recognition board, when the organisation has turned it on."""

    roles = {"GET": EVERYONE}
    template_name = "analytics/people/recognition.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form, period, _segment, status = _picker(request, self)
        by_team = request.GET.get("view") == "teams"
        try:
            board = people.recognition_board(organization=self.organization, period=period, group_by_team=by_team)
        except people.RecognitionDisabled:
            if self.membership.role != Role.ADMIN:
                raise Http404("Recognition boards are not turned on.") from None
            off = {"settings_url": reverse("analytics:analytics_settings", kwargs={"org_slug": org_slug})}
            return render(request, "analytics/people/recognition_off.html", off)
        context = {
            **_picker_context(form, period),
            "board": board,
            "by_team": by_team,
            "hidden_myself": people.hidden_from_rankings(membership=self.membership),
        }
        return render(request, self.template_name, context, status=status)


class MyImpactView(OrganizationViewMixin, View):
    """What my sharing achieved; the ranking opt-out when recognition is on."""

    roles = {"GET": EVERYONE, "POST": EVERYONE}
    template_name = "analytics/people/my_impact.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form, period, _segment, status = _picker(request, self)
        impact = people.my_impact(membership=self.membership, period=period)
        context = {
            **_picker_context(form, period),
            "impact": impact,
            "chart": impact.trend,
            "forbidden_networks": sorted(recognition.INCENTIVE_FORBIDDEN_NETWORKS),
        }
        return render(request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        choice = request.POST.get("hide_from_rankings")
        if choice not in ("on", "off"):
            messages.error(request, "Choose whether to appear on recognition boards.")
            return redirect("analytics:my_impact", org_slug=org_slug)
        ranking_preference_set(membership=self.membership, hide=choice == "on")
        if choice == "on":
            messages.success(request, "You no longer appear on recognition boards. Your own figures stay here.")
        else:
            messages.success(request, "You appear on recognition boards again.")
        return redirect("analytics:my_impact", org_slug=org_slug)
