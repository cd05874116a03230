"""People through the API: the 1 / 9 / 90 tiers, champions and leaders for report
readers; every member's own impact and their choice to stay off recognition boards."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, with_errors
from accounts.permissions import EVERYONE, REPORT_READERS
from analytics.api_goals import PeriodSerializer, ReportQuerySerializer
from analytics.lib.periods import PeriodError, period_from_code
from analytics.lib.recognition import Tier
from analytics.selectors import people
from analytics.selectors.conversions import organization_today
from analytics.selectors.segments import Segment, SegmentError, segment_parse
from analytics.services.people import ranking_preference_set

TAG = "people"


# Output -----------------------------------------------------------------------------------


class PersonImpactSerializer(serializers.Serializer):
    member = serializers.UUIDField(source="public_id", help_text="The member's `id`.")
    name = serializers.CharField()
    role = serializers.CharField()
    department = serializers.CharField()
    shares = serializers.IntegerField(help_text="Shares posted in the period (effort, not part of impact).")
    clicks = serializers.IntegerField(help_text="Tracked-link clicks, bots excluded.")
    reach = serializers.IntegerField(help_text="Reach where the network reports it, else impressions.")
    conversions = serializers.IntegerField(help_text="Attributed conversions.")
    conversion_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    impact = serializers.FloatField(help_text="The impact score (see docs/analytics-people.md).")
    tier = serializers.ChoiceField(choices=[tier.value for tier in Tier])


class TierSummarySerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=[tier.value for tier in Tier])
    label = serializers.CharField(source="tier.label")  # type: ignore[assignment]
    members = serializers.IntegerField()
    impact = serializers.FloatField()
    impact_percent = serializers.FloatField(help_text="Part of the organisation's impact, 0–100.")
    conversions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    reach = serializers.IntegerField()
    min_impact = serializers.FloatField(allow_null=True, help_text="The lowest impact in the tier; null when empty.")


class TiersSerializer(serializers.Serializer):
    period = PeriodSerializer()
    population = serializers.IntegerField(help_text="Members the percentages are of (executives aside).")
    summaries = TierSummarySerializer(many=True)
    top = PersonImpactSerializer(many=True, help_text="The 1 %, highest impact first.")
    contributors = PersonImpactSerializer(many=True, help_text="The 9 %.")
    quiet_sharers = PersonImpactSerializer(many=True, help_text="In the 90 % despite sharing often.")


class ChampionSerializer(serializers.Serializer):
    person = PersonImpactSerializer()
    impact_per_share = serializers.FloatField()
    ratio = serializers.FloatField(help_text="Impact per share over the organisation's.")


class ChampionsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    champions = ChampionSerializer(many=True)
    baseline_impact_per_share = serializers.FloatField()
    min_shares = serializers.IntegerField()
    ratio = serializers.FloatField(help_text="The least ratio a champion has.")


class LeadersSerializer(serializers.Serializer):
    period = PeriodSerializer()
    leaders = PersonImpactSerializer(many=True, help_text="Every executive, most impact first.")
    executives = serializers.IntegerField()
    active_executives = serializers.IntegerField()
    shares = serializers.IntegerField()
    reach = serializers.IntegerField()
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    reach_percent = serializers.FloatField(allow_null=True)
    clicks_percent = serializers.FloatField(allow_null=True)


class ShareEffectSerializer(serializers.Serializer):
    share = serializers.UUIDField(source="public_id", help_text="The share's `id`.")
    network = serializers.CharField()
    posted_at = serializers.DateTimeField()
    item_title = serializers.CharField()
    external_url = serializers.CharField()
    originality = serializers.FloatField(allow_null=True)
    impressions = serializers.IntegerField(allow_null=True, help_text="Null: unknown or not measured yet.")
    reach = serializers.IntegerField(allow_null=True)
    reactions = serializers.IntegerField(allow_null=True)
    comments = serializers.IntegerField(allow_null=True)
    reshares = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    conversion_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    measured_at = serializers.DateTimeField(allow_null=True)
    earns_points = serializers.BooleanField(help_text="False on networks that forbid incentives (Facebook).")


class ConversionKindCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class ImpactDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reach = serializers.IntegerField()
    clicks = serializers.IntegerField()


class MyImpactSerializer(serializers.Serializer):
    period = PeriodSerializer()
    shares = serializers.IntegerField()
    reach = serializers.IntegerField()
    impressions = serializers.IntegerField(allow_null=True)
    reactions = serializers.IntegerField(allow_null=True)
    clicks = serializers.IntegerField()
    conversions = serializers.IntegerField()
    conversion_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    conversions_by_kind = ConversionKindCountSerializer(many=True)
    originality = serializers.FloatField(allow_null=True, help_text="Your average, 0–1.")
    organization_originality = serializers.FloatField(allow_null=True, help_text="Everyone's average, 0–1.")
    last_shares = ShareEffectSerializer(many=True)
    trend = ImpactDaySerializer(many=True)
    recognition_enabled = serializers.BooleanField()
    hidden_from_rankings = serializers.BooleanField()


class RankingPreferenceSerializer(serializers.Serializer):
    hide_from_rankings = serializers.BooleanField(help_text="True: you are not listed on recognition boards.")
    recognition_enabled = serializers.BooleanField(read_only=True, help_text="Whether boards are turned on.")


# Input -------------------------------------------------------------------------------------


class ChampionsQuerySerializer(ReportQuerySerializer):
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)


class _PeopleAPI(OrganizationAPIView):
    def period_and_segment(self, query: dict[str, Any]) -> tuple[Any, Segment | None]:
        try:
            period = period_from_code(
                query["period"],
                today=organization_today(self.organization),
                start=query.get("start"),
                end=query.get("end"),
            )
        except PeriodError as error:
            raise serializers.ValidationError({"period": [str(error)]}) from None
        try:
            segment = segment_parse(
                organization=self.organization, dimension=query.get("segment", ""), value=query.get("segment_value", "")
            )
        except SegmentError as error:
            raise serializers.ValidationError({"segment": [str(error)]}) from None
        return period, segment


def _person(person: people.PersonFigures) -> dict[str, Any]:
    return {**person.__dict__, "tier": person.tier.value}


# Endpoints ---------------------------------------------------------------------------------


class PeopleTiersAPI(_PeopleAPI):
    roles = {"GET": REPORT_READERS}

    @extend_schema(
        operation_id="people_tiers",
        tags=[TAG],
        summary="Members in the 1 / 9 / 90 participation tiers by business impact",
        parameters=[ReportQuerySerializer],
        responses=with_errors({200: TiersSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        """Members ranked by impact over the period (attributed outcomes first, then
        tracked clicks and reach; the number of shares is never part of it) and split
        into the top 1 %, the next 9 % and everyone else. Executives are in
        `reports/people/leaders/` instead. A segment may be a department, a location, a
        group or a network (not a topic)."""
        period, segment = self.period_and_segment(self.validated_query(ReportQuerySerializer))
        try:
            report = people.participation_tiers(organization=self.organization, period=period, segment=segment)
        except SegmentError as error:
            raise serializers.ValidationError({"segment": [str(error)]}) from None
        data = {
            "period": period,
            "population": report.population,
            "summaries": report.summaries,
            "top": [_person(p) for p in report.top],
            "contributors": [_person(p) for p in report.contributors],
            "quiet_sharers": [_person(p) for p in report.quiet_sharers],
        }
        return Response(TiersSerializer(data).data)


class PeopleChampionsAPI(_PeopleAPI):
    roles = {"GET": REPORT_READERS}

    @extend_schema(
        operation_id="people_champions",
        tags=[TAG],
        summary="Champions: members with outsized impact for their effort",
        parameters=[ChampionsQuerySerializer],
        responses=with_errors({200: ChampionsSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        """Members whose impact per share is at least `ratio` times the organisation's,
        with at least `min_shares` shares in the period, best ratio first (segments are
        ignored here: champions are the whole organisation's)."""
        query = self.validated_query(ChampionsQuerySerializer)
        period, _segment = self.period_and_segment(query)
        report = people.champions(organization=self.organization, period=period, limit=query["limit"])
        data = {
            **report.__dict__,
            "champions": [
                {"person": _person(c.person), "impact_per_share": c.impact_per_share, "ratio": c.ratio}
                for c in report.champions
            ],
        }
        return Response(ChampionsSerializer(data).data)


class PeopleLeadersAPI(_PeopleAPI):
    roles = {"GET": REPORT_READERS}

    @extend_schema(
        operation_id="people_leaders",
        tags=[TAG],
        summary="Leaders' activity: executives' shares, reach and outcomes",
        parameters=[ReportQuerySerializer],
        responses=with_errors({200: LeadersSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        """Every executive's figures over the period, and their part of the
        organisation's reach and clicks."""
        period, _segment = self.period_and_segment(self.validated_query(ReportQuerySerializer))
        report = people.leaders_activity(organization=self.organization, period=period)
        data = {**report.__dict__, "leaders": [_person(p) for p in report.leaders]}
        return Response(LeadersSerializer(data).data)


class MyImpactAPI(_PeopleAPI):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="my_impact",
        tags=[TAG],
        summary="What your sharing achieved",
        parameters=[ReportQuerySerializer],
        responses=with_errors({200: MyImpactSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        """Your reach, tracked clicks and attributed outcomes over the period, your
        originality against everyone's, the day-by-day trend and your last ten shares with
        their latest figures. Opting out of recognition boards changes nothing here."""
        period, _segment = self.period_and_segment(self.validated_query(ReportQuerySerializer))
        impact = people.my_impact(membership=self.membership, period=period)
        data = {
            **impact.__dict__,
            "conversions_by_kind": [entry.__dict__ for entry in impact.conversions_by_kind],
            "trend": [
                {"date": day, "reach": reach, "clicks": clicks}
                for day, reach, clicks in zip(
                    impact.trend["days"], impact.trend["reach"], impact.trend["clicks"], strict=True
                )
            ],
            "last_shares": [effect.__dict__ for effect in impact.last_shares],
        }
        return Response(MyImpactSerializer(data).data)


class RankingPreferenceAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "PUT": EVERYONE}

    def _data(self) -> dict[str, Any]:
        return {
            "hide_from_rankings": people.hidden_from_rankings(membership=self.membership),
            "recognition_enabled": people.recognition_enabled(organization=self.organization),
        }

    @extend_schema(
        operation_id="my_ranking_preference",
        tags=[TAG],
        summary="Whether you appear on recognition boards",
        responses=with_errors({200: RankingPreferenceSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(RankingPreferenceSerializer(self._data()).data)

    @extend_schema(
        operation_id="my_ranking_preference_set",
        tags=[TAG],
        summary="Choose whether you appear on recognition boards",
        request=RankingPreferenceSerializer,
        responses=with_errors({200: RankingPreferenceSerializer}, 400, 403, 404),
    )
    def put(self, request: Request, org_slug: str) -> Response:
        """Hide yourself from (or show yourself on) recognition boards. Your own impact
        stays visible to you either way; the choice is kept even while boards are off."""
        body = self.validated_body(RankingPreferenceSerializer)
        ranking_preference_set(membership=self.membership, hide=body["hide_from_rankings"])
        return Response(RankingPreferenceSerializer(self._data()).data)
