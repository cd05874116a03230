"""People pages (participation tiers, champions, leaders, recognition, my impact, the
program manager's scorecard), under /o/<org_slug>/ by analytics.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics.views import people

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/people/", people.PeopleReportView.as_view(), name="people_report"),
    path("reports/scorecard/", people.ScorecardView.as_view(), name="scorecard"),
    path("recognition/", people.RecognitionView.as_view(), name="recognition"),
    path("me/impact/", people.MyImpactView.as_view(), name="my_impact"),
]
