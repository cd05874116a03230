"""API routes for people reports (tiers, champions, my impact), under /api/v1/o/<org_slug>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics import api_people

organization_patterns: list[URLPattern | URLResolver] = [
    path("reports/people/tiers/", api_people.PeopleTiersAPI.as_view(), name="people_tiers"),
    path("reports/people/champions/", api_people.PeopleChampionsAPI.as_view(), name="people_champions"),
    path("reports/people/leaders/", api_people.PeopleLeadersAPI.as_view(), name="people_leaders"),
    path("me/impact/", api_people.MyImpactAPI.as_view(), name="my_impact"),
    path("me/ranking-preference/", api_people.RankingPreferenceAPI.as_view(), name="my_ranking_preference"),
]
