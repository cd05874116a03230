"""Listening through the API: the results for report readers (same anonymity threshold
as the web page), answering the survey and the pulse for members, and the brand
promises for curators."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.permissions import CURATORS, EVERYONE, REPORT_READERS
from analytics import selectors, services
from analytics.lib.quarters import last_quarters, parse_quarter_code, quarter_code
from analytics.models import COMMENT_MAX, BrandPromise, StoppingReason

TAG = "listening"
PROMISE_ID = OpenApiParameter(
    "promise_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A brand promise's `id`."
)
RESULT_QUARTERS = 8


def _now() -> datetime:
    return timezone.now()


# Output ---------------------------------------------------------------------------


class PromiseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    text = serializers.CharField()
    position = serializers.IntegerField(help_text="Order in which members see the promises (1 first).")
    is_active = serializers.BooleanField(help_text="Whether members are asked about it in the pulse.")
    created_at = serializers.DateTimeField()


class ReasonFigureSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="The reason code, as in `reasons` of the survey.")
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Share of the group's respondents who ticked it, rounded.")


class StoppingRowSerializer(serializers.Serializer):
    segment = serializers.CharField(help_text="The department or location (“Not set” when blank), or “All”.")
    shown = serializers.BooleanField(help_text="False when the group is below the anonymity threshold.")
    respondents = serializers.IntegerField(allow_null=True, help_text="Null when not shown.")
    reasons = ReasonFigureSerializer(many=True, help_text="Empty when not shown.")
    hidden_why = serializers.CharField(help_text="Why the figures are hidden; empty when shown.")


class PulseCellSerializer(serializers.Serializer):
    promise_id = serializers.UUIDField()
    shown = serializers.BooleanField()
    respondents = serializers.IntegerField(allow_null=True)
    average = serializers.FloatField(allow_null=True, help_text="Average rating, 1–5, one decimal.")
    hidden_why = serializers.CharField()


class PulseRowSerializer(serializers.Serializer):
    segment = serializers.CharField()
    cells = PulseCellSerializer(many=True)


class CommentListSerializer(serializers.Serializer):
    title = serializers.CharField()
    shown = serializers.BooleanField()
    texts = serializers.ListField(child=serializers.CharField(), help_text="Alphabetical, without names.")


class TrendPointSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    stopping_respondents = serializers.IntegerField(allow_null=True)
    stopping_percents = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    pulse_averages = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="One per promise, in the order of `promises`."
    )


class ResultsSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="For example 2025Q3.")
    by = serializers.ChoiceField(choices=list(selectors.SEGMENTS))
    department = serializers.CharField()
    location = serializers.CharField()
    threshold = serializers.IntegerField(help_text="The anonymity threshold: no group smaller than this is shown.")
    promises = PromiseSerializer(many=True)
    stopping_total = StoppingRowSerializer()
    stopping_rows = StoppingRowSerializer(many=True)
    pulse_total = PulseRowSerializer()
    pulse_rows = PulseRowSerializer(many=True)
    other_texts = CommentListSerializer()
    pulse_comments = CommentListSerializer(many=True)
    trend = TrendPointSerializer(many=True)


def _results_data(results: selectors.ListeningResults) -> dict[str, Any]:
    def pulse_row(row: selectors.PulseRow) -> dict[str, Any]:
        return {
            "segment": row.segment,
            "cells": [
                {**cell.__dict__, "promise_id": promise.public_id}
                for promise, cell in zip(results.promises, row.cells, strict=True)
            ],
        }

    return {
        **results.__dict__,
        "quarter": quarter_code(results.quarter),
        "pulse_total": pulse_row(results.pulse_total),
        "pulse_rows": [pulse_row(row) for row in results.pulse_rows],
    }


class RatingSerializer(serializers.Serializer):
    promise = TenantObjectField(BrandPromise, help_text="An active promise's `id`.")
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX)


# Results ----------------------------------------------------------------------------


class ListeningResultsAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS}

    class ResultsQuerySerializer(serializers.Serializer):
        quarter = serializers.CharField(required=False, help_text="For example 2025Q3; default the current quarter.")
        by = serializers.ChoiceField(choices=list(selectors.SEGMENTS), required=False, default="department")
        department = serializers.CharField(required=False, default="", allow_blank=True)
        location = serializers.CharField(required=False, default="", allow_blank=True)

        def validate_quarter(self, value: str) -> str:
            if parse_quarter_code(value) is None:
                raise serializers.ValidationError("Give a quarter like 2025Q3.")
            return value

    @extend_schema(
        operation_id="listening_results",
        tags=[TAG],
        summary="Listening results of a quarter, by department or location",
        parameters=[ResultsQuerySerializer],
        responses=with_errors({200: ResultsSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        """Survey reasons and pulse averages of one quarter (one of the last eight), broken
        down by department or location, optionally filtered to a department and/or a
        location, with the four-quarter trend and free text. Every group below `threshold`
        respondents — filters combined included — has `shown: false` and no numbers or
        text. Nothing names a member."""
        query = self.validated_query(self.ResultsQuerySerializer)
        current = selectors.current_quarter(organization=self.organization, now=_now())
        quarter = parse_quarter_code(query.get("quarter") or "") or current
        if quarter not in last_quarters(current, RESULT_QUARTERS):
            raise serializers.ValidationError({"quarter": ["Choose one of the last eight quarters."]})
        results = selectors.listening_results(
            organization=self.organization,
            quarter=quarter,
            by=query["by"],
            department=query["department"],
            location=query["location"],
        )
        return Response(ResultsSerializer(_results_data(results)).data)


# Members ----------------------------------------------------------------------------


class StoppingSurveyAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    class StoppingAnswerSerializer(serializers.Serializer):
        reasons = serializers.ListField(
            child=serializers.ChoiceField(choices=StoppingReason.choices), allow_empty=False
        )
        other_text = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=COMMENT_MAX, help_text="Required with “other”."
        )

    class StoppingStatusSerializer(serializers.Serializer):
        due = serializers.BooleanField(help_text="Whether the survey is offered to you now.")
        reasons = serializers.DictField(child=serializers.CharField(), help_text="Reason codes and their labels.")

    @extend_schema(
        operation_id="listening_stopping_status",
        tags=[TAG],
        summary="Whether “What's stopping you?” is offered to you, and its reasons",
        responses=with_errors({200: StoppingStatusSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        due = selectors.member_due_stopping_survey(membership=self.membership, now=_now())
        return Response({"due": due, "reasons": dict(StoppingReason.choices)})

    @extend_schema(
        operation_id="listening_stopping_answer",
        tags=[TAG],
        summary="Answer “What's stopping you?”",
        request=StoppingAnswerSerializer,
        responses=with_errors({204: None}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        """Stored anonymously: the reasons with your department and location as they are
        now, without your name. Once per quarter and at most every 90 days."""
        data = self.validated_body(self.StoppingAnswerSerializer)
        services.stopping_answer_submit(
            membership=self.membership, reasons=data["reasons"], other_text=data["other_text"], now=_now()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class StoppingDismissAPI(OrganizationAPIView):
    roles = {"POST": EVERYONE}

    @extend_schema(
        operation_id="listening_stopping_dismiss",
        tags=[TAG],
        summary="“Not now”: do not offer the survey for 30 days",
        request=None,
        responses=with_errors({204: None}, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        services.stopping_survey_dismiss(membership=self.membership, now=_now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PulseAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    class PulseInputSerializer(serializers.Serializer):
        ratings = RatingSerializer(many=True, allow_empty=False)

    class PulseStatusSerializer(serializers.Serializer):
        quarter = serializers.CharField()
        due = serializers.BooleanField(help_text="Whether the pulse is offered to you now.")
        promises = PromiseSerializer(many=True, help_text="The active promises, in order.")
        my_ratings = serializers.DictField(
            child=serializers.IntegerField(), help_text="Your ratings this quarter, by promise `id`."
        )

    @extend_schema(
        operation_id="listening_pulse_status",
        tags=[TAG],
        summary="This quarter's pulse: the promises and your ratings so far",
        responses=with_errors({200: PulseStatusSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        now = _now()
        quarter = selectors.current_quarter(organization=self.organization, now=now)
        promises = list(selectors.active_promises(organization=self.organization))
        mine = selectors.pulse_answers_of(membership=self.membership, quarter=quarter)
        by_pk = {p.pk: p for p in promises}
        data = {
            "quarter": quarter_code(quarter),
            "due": selectors.member_due_pulse(membership=self.membership, now=now),
            "promises": promises,
            "my_ratings": {str(by_pk[pk].public_id): r.rating for pk, r in mine.items() if pk in by_pk},
        }
        return Response(self.PulseStatusSerializer(data).data)

    @extend_schema(
        operation_id="listening_pulse_answer",
        tags=[TAG],
        summary="Rate the promises for this quarter",
        request=PulseInputSerializer,
        responses=with_errors({204: None}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        """Rate one or more active promises (1 = not at all true, 5 = completely true), each
        with an optional comment. Rating a promise again this quarter replaces your rating."""
        data = self.validated_body(self.PulseInputSerializer)
        ratings = [
            services.PulseRating(promise=item["promise"], rating=item["rating"], comment=item["comment"])
            for item in data["ratings"]
        ]
        services.pulse_submit(membership=self.membership, ratings=ratings, now=_now())
        return Response(status=status.HTTP_204_NO_CONTENT)


# Curators -----------------------------------------------------------------------------


class PromiseListAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "POST": CURATORS}

    class PromiseCreateSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=300)
        is_active = serializers.BooleanField(required=False, default=True)

    @extend_schema(
        operation_id="listening_promises_list",
        tags=[TAG],
        summary="List the brand promises, active first, in order",
        responses=with_errors({200: PromiseSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return self.paginated_response(selectors.promise_list(organization=self.organization), PromiseSerializer)

    @extend_schema(
        operation_id="listening_promises_create",
        tags=[TAG],
        summary="Add a brand promise (last in the order)",
        request=PromiseCreateSerializer,
        responses=with_errors({201: PromiseSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.PromiseCreateSerializer)
        promise = services.brand_promise_save(organization=self.organization, **data)
        return Response(PromiseSerializer(promise).data, status=status.HTTP_201_CREATED)


class PromiseOrderAPI(OrganizationAPIView):
    roles = {"POST": CURATORS}

    class PromiseOrderSerializer(serializers.Serializer):
        order = serializers.ListField(child=serializers.UUIDField(), help_text="Every promise's `id`, first first.")

    @extend_schema(
        operation_id="listening_promises_reorder",
        tags=[TAG],
        summary="Put the brand promises in a new order",
        request=PromiseOrderSerializer,
        responses=with_errors({200: PromiseSerializer(many=True)}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.PromiseOrderSerializer)
        found = {p.public_id: p for p in BrandPromise.objects.filter(organization=self.organization)}
        if len(set(data["order"])) != len(data["order"]) or any(pid not in found for pid in data["order"]):
            raise serializers.ValidationError({"order": ["List every promise of the organisation exactly once."]})
        services.brand_promise_reorder(organization=self.organization, promises=[found[pid] for pid in data["order"]])
        promises = selectors.promise_list(organization=self.organization)
        return Response(PromiseSerializer(promises, many=True).data)


class PromiseDetailAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "PATCH": CURATORS, "DELETE": CURATORS}

    class PromiseUpdateSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=300)
        is_active = serializers.BooleanField()

    @extend_schema(
        operation_id="listening_promises_retrieve",
        tags=[TAG],
        summary="One brand promise",
        parameters=[PROMISE_ID],
        responses=with_errors({200: PromiseSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, promise_id: uuid.UUID) -> Response:
        return Response(PromiseSerializer(self.get_tenant_object(BrandPromise.objects.all(), promise_id)).data)

    @extend_schema(
        operation_id="listening_promises_partial_update",
        tags=[TAG],
        summary="Change a promise's text or deactivate it",
        parameters=[PROMISE_ID],
        request=PromiseUpdateSerializer,
        responses=with_errors({200: PromiseSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, promise_id: uuid.UUID) -> Response:
        """An inactive promise is no longer asked; its results stay in the reports."""
        promise = self.get_tenant_object(BrandPromise.objects.all(), promise_id)
        data = self.validated_body(self.PromiseUpdateSerializer, partial=True)
        promise = services.brand_promise_save(
            organization=self.organization,
            promise=promise,
            text=data.get("text", promise.text),
            is_active=data.get("is_active", promise.is_active),
        )
        return Response(PromiseSerializer(promise).data)

    @extend_schema(
        operation_id="listening_promises_destroy",
        tags=[TAG],
        summary="Delete a promise nobody has rated",
        parameters=[PROMISE_ID],
        responses=with_errors({204: None}, 400, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, promise_id: uuid.UUID) -> Response:
        """A promise with ratings cannot be deleted (400): deactivate it instead."""
        services.brand_promise_delete(promise=self.get_tenant_object(BrandPromise.objects.all(), promise_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
