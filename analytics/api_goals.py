"""Goals, KPIs, KPI values and conversions through the API.

Curators (admins and managers) write; report readers (and executives) read. Values
sent through the API are stored with the source `api`, one per KPI and day: sending the
same day again replaces its figure (idempotent). Conversions sent through the API are
idempotent on `event_id`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.models import Membership
from accounts.permissions import CURATORS, REPORT_READERS
from analytics.lib.periods import DEFAULT_PERIOD, PERIOD_CHOICES, Period, PeriodError, period_from_code
from analytics.models import (
    Conversion,
    ConversionKind,
    ConversionSource,
    Goal,
    GoalCategory,
    Kpi,
    KpiAggregation,
    KpiDirection,
    KpiMeasure,
    KpiPeriod,
    KpiValue,
    KpiValueSource,
)
from analytics.models.conversions import CLICK_ID_MAX, EVENT_ID_MAX
from analytics.selectors import conversions as conversion_selectors
from analytics.selectors import goals as goal_selectors
from analytics.selectors.segments import SEGMENT_DIMENSIONS, Segment, SegmentError, segment_parse
from analytics.services import conversions as conversion_services
from analytics.services import goals as goal_services

TAG_GOALS = "goals"
TAG_CONVERSIONS = "conversions"
GOAL_ID = OpenApiParameter("goal_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A goal's `id`.")
KPI_ID = OpenApiParameter("kpi_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A KPI's `id`.")
KPI_VALUE_ID = OpenApiParameter(
    "kpi_value_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A KPI value's `id`."
)
CONVERSION_ID = OpenApiParameter(
    "conversion_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A conversion's `id`."
)
MONEY_FIELD: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


# The conversion kinds are documented as a string with its values listed: "kind" is also
# a content item's field, and the schema's enum components are named by field name.
KINDS_TEXT = ", ".join(f"`{kind}`" for kind in ConversionKind.values)


@extend_schema_field({"type": "string", "description": f"One of {KINDS_TEXT}."})
class ConversionKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ConversionKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": f"One of {KINDS_TEXT}, or empty for all kinds."})
class KpiConversionKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[("", "All kinds"), *ConversionKind.choices], **kwargs)


# Output ---------------------------------------------------------------------------------------


class GoalSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=GoalCategory.choices)
    description = serializers.CharField()
    owner = serializers.UUIDField(source="owner.public_id", allow_null=True, help_text="The accountable member's `id`.")
    position = serializers.IntegerField()
    is_archived = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class KpiSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    goal = serializers.UUIDField(source="goal.public_id")
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.ChoiceField(choices=KpiDirection.choices)
    target = serializers.DecimalField(**MONEY_FIELD, help_text="Per `period` (a calendar month, quarter or year).")
    period = serializers.ChoiceField(choices=KpiPeriod.choices)
    owner = serializers.UUIDField(source="owner.public_id", allow_null=True)
    measure = serializers.ChoiceField(choices=KpiMeasure.choices)
    aggregation = serializers.ChoiceField(choices=KpiAggregation.choices)
    conversion_kind = serializers.CharField(help_text="For conversion measures: the kind counted; empty = all.")
    position = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class KpiValueSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kpi = serializers.UUIDField(source="kpi.public_id")
    on_date = serializers.DateField()
    value = serializers.DecimalField(**MONEY_FIELD)
    source = serializers.ChoiceField(choices=KpiValueSource.choices)  # type: ignore[assignment]
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ConversionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    event_id = serializers.CharField()
    kind = ConversionKindField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.DecimalField(**MONEY_FIELD, allow_null=True)
    currency = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=ConversionSource.choices)  # type: ignore[assignment]
    attributed = serializers.BooleanField(source="is_attributed")
    attribution_model = serializers.CharField(help_text="Empty when unattributed.")
    clicked_at = serializers.DateTimeField(allow_null=True)
    share = serializers.UUIDField(source="share.public_id", allow_null=True, default=None)
    member = serializers.UUIDField(source="membership.public_id", allow_null=True, default=None)
    item = serializers.UUIDField(source="item.public_id", allow_null=True, default=None)
    network = serializers.CharField(help_text="Empty when unattributed.")
    created_at = serializers.DateTimeField()


class SeriesPointSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The day, or the first day of the week.")
    value = serializers.DecimalField(**MONEY_FIELD)


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class KpiProgressSerializer(serializers.Serializer):
    kpi = KpiSerializer()
    period = PeriodSerializer()
    actual = serializers.DecimalField(**MONEY_FIELD, allow_null=True, help_text="Null: no data in the period.")
    target = serializers.DecimalField(**MONEY_FIELD, help_text="For the period asked for (prorated when summed).")
    target_per_period = serializers.DecimalField(**MONEY_FIELD)
    prorated = serializers.BooleanField()
    target_note = serializers.CharField()
    percent_of_target = serializers.DecimalField(max_digits=16, decimal_places=1, allow_null=True)
    on_track = serializers.BooleanField(allow_null=True, help_text="Direction-aware; null without data.")
    series = SeriesPointSerializer(many=True)
    series_grain = serializers.ChoiceField(choices=["day", "week"])
    sources = serializers.DictField(
        child=serializers.DecimalField(**MONEY_FIELD), help_text="Part of `actual` per source."
    )
    segmentable = serializers.BooleanField(help_text="False: values are organisation totals, not split by segment.")
    segment_note = serializers.CharField()
    excluded_note = serializers.CharField()


def _progress_data(progress: goal_selectors.KpiProgress) -> dict[str, Any]:
    return {
        **progress.__dict__,
        "series": [{"date": day, "value": value} for day, value in progress.series],
    }


# Input helpers ----------------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=[code for code, _ in PERIOD_CHOICES], required=False, default=DEFAULT_PERIOD
    )
    start = serializers.DateField(required=False, help_text="With `period=custom`.")
    end = serializers.DateField(required=False, help_text="With `period=custom`.")
    segment = serializers.ChoiceField(choices=[code for code, _ in SEGMENT_DIMENSIONS], required=False)
    segment_value = serializers.CharField(required=False, default="", help_text="A name, a public id or a network.")


class _ReportMixin:
    organization: Any

    def period_and_segment(self, query: dict[str, Any]) -> tuple[Period, Segment | None]:
        today = conversion_selectors.organization_today(self.organization)
        try:
            period = period_from_code(query["period"], today=today, start=query.get("start"), end=query.get("end"))
        except PeriodError as error:
            raise serializers.ValidationError({"period": [str(error)]}) from None
        try:
            segment = segment_parse(
                organization=self.organization, dimension=query.get("segment", ""), value=query.get("segment_value", "")
            )
        except SegmentError as error:
            raise serializers.ValidationError({"segment": [str(error)]}) from None
        return period, segment


# Goals ------------------------------------------------------------------------------------------


class GoalWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=GoalCategory.choices, default=GoalCategory.MARKETING)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = TenantObjectField(Membership, required=False, allow_null=True, default=None, help_text="A member's `id`.")
    is_archived = serializers.BooleanField(required=False, default=False)


class GoalListAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "POST": CURATORS}

    class GoalQuerySerializer(serializers.Serializer):
        archived = serializers.BooleanField(required=False, default=False, help_text="Include archived goals.")

    @extend_schema(
        operation_id="goals_list",
        tags=[TAG_GOALS],
        summary="List the goals, in order",
        parameters=[GoalQuerySerializer],
        responses=with_errors({200: GoalSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        query = self.validated_query(self.GoalQuerySerializer)
        goals = goal_selectors.goal_list(organization=self.organization, include_archived=query["archived"])
        return self.paginated_response(goals, GoalSerializer)

    @extend_schema(
        operation_id="goals_create",
        tags=[TAG_GOALS],
        summary="Create a goal",
        request=GoalWriteSerializer,
        responses=with_errors({201: GoalSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(GoalWriteSerializer)
        goal = goal_services.goal_save(organization=self.organization, **data)
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


class GoalDetailAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "PATCH": CURATORS, "DELETE": CURATORS}

    @extend_schema(
        operation_id="goals_retrieve",
        tags=[TAG_GOALS],
        summary="One goal",
        parameters=[GOAL_ID],
        responses=with_errors({200: GoalSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, goal_id: uuid.UUID) -> Response:
        return Response(GoalSerializer(self.get_tenant_object(Goal.objects.all(), goal_id)).data)

    @extend_schema(
        operation_id="goals_partial_update",
        tags=[TAG_GOALS],
        summary="Change a goal, or archive it",
        parameters=[GOAL_ID],
        request=GoalWriteSerializer,
        responses=with_errors({200: GoalSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, goal_id: uuid.UUID) -> Response:
        """Archived goals leave the dashboards; their KPIs and values are kept."""
        goal = self.get_tenant_object(Goal.objects.all(), goal_id)
        data = self.validated_body(GoalWriteSerializer, partial=True)
        goal = goal_services.goal_save(organization=self.organization, goal=goal, **data)
        return Response(GoalSerializer(goal).data)

    @extend_schema(
        operation_id="goals_destroy",
        tags=[TAG_GOALS],
        summary="Delete a goal with its KPIs and their values",
        parameters=[GOAL_ID],
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, goal_id: uuid.UUID) -> Response:
        """Irreversible: archive the goal instead to keep its history."""
        goal_services.goal_delete(goal=self.get_tenant_object(Goal.objects.all(), goal_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# KPIs --------------------------------------------------------------------------------------------


class KpiWriteSerializer(serializers.Serializer):
    goal = TenantObjectField(Goal, help_text="The goal's `id`.")
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=30)
    direction = serializers.ChoiceField(choices=KpiDirection.choices, default=KpiDirection.UP)
    target = serializers.DecimalField(max_digits=14, decimal_places=2)
    period = serializers.ChoiceField(choices=KpiPeriod.choices, default=KpiPeriod.QUARTER)
    owner = TenantObjectField(Membership, required=False, allow_null=True, default=None)
    measure = serializers.ChoiceField(choices=KpiMeasure.choices, default=KpiMeasure.VALUES)
    aggregation = serializers.ChoiceField(choices=KpiAggregation.choices, default=KpiAggregation.SUM)
    conversion_kind = KpiConversionKindField(required=False, allow_blank=True, default="")


class KpiListAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "POST": CURATORS}

    class KpiQuerySerializer(serializers.Serializer):
        goal = serializers.UUIDField(required=False, help_text="Only this goal's KPIs.")

    @extend_schema(
        operation_id="kpis_list",
        tags=[TAG_GOALS],
        summary="List the KPIs",
        parameters=[KpiQuerySerializer],
        responses=with_errors({200: KpiSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        query = self.validated_query(self.KpiQuerySerializer)
        kpis = goal_selectors.kpi_list(organization=self.organization)
        if "goal" in query:
            kpis = kpis.filter(goal__public_id=query["goal"])
        return self.paginated_response(kpis.order_by("goal__position", "goal__created_at", "position"), KpiSerializer)

    @extend_schema(
        operation_id="kpis_create",
        tags=[TAG_GOALS],
        summary="Create a KPI of a goal",
        request=KpiWriteSerializer,
        responses=with_errors({201: KpiSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        """`measure` says where the actual comes from: `values` (entered, imported or sent
        here), or the attributed conversions of `conversion_kind` counted or summed."""
        data = self.validated_body(KpiWriteSerializer)
        kpi = goal_services.kpi_save(organization=self.organization, **data)
        return Response(KpiSerializer(kpi).data, status=status.HTTP_201_CREATED)


class KpiDetailAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "PATCH": CURATORS, "DELETE": CURATORS}

    @extend_schema(
        operation_id="kpis_retrieve",
        tags=[TAG_GOALS],
        summary="One KPI",
        parameters=[KPI_ID],
        responses=with_errors({200: KpiSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, kpi_id: uuid.UUID) -> Response:
        return Response(KpiSerializer(self.get_tenant_object(Kpi.objects.select_related("goal"), kpi_id)).data)

    @extend_schema(
        operation_id="kpis_partial_update",
        tags=[TAG_GOALS],
        summary="Change a KPI",
        parameters=[KPI_ID],
        request=KpiWriteSerializer,
        responses=with_errors({200: KpiSerializer}, 400, 403, 404),
    )
    def patch(self, request: Request, org_slug: str, kpi_id: uuid.UUID) -> Response:
        kpi = self.get_tenant_object(Kpi.objects.select_related("goal"), kpi_id)
        data = self.validated_body(KpiWriteSerializer, partial=True)
        kpi = goal_services.kpi_save(organization=self.organization, goal=kpi.goal, kpi=kpi, **data)
        return Response(KpiSerializer(kpi).data)

    @extend_schema(
        operation_id="kpis_destroy",
        tags=[TAG_GOALS],
        summary="Delete a KPI and its values",
        parameters=[KPI_ID],
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, kpi_id: uuid.UUID) -> Response:
        goal_services.kpi_delete(kpi=self.get_tenant_object(Kpi.objects.all(), kpi_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class KpiProgressAPI(_ReportMixin, OrganizationAPIView):
    roles = {"GET": REPORT_READERS}

    @extend_schema(
        operation_id="kpis_progress",
        tags=[TAG_GOALS],
        summary="A KPI's progress against its target over a period",
        parameters=[KPI_ID, ReportQuerySerializer],
        responses=with_errors({200: KpiProgressSerializer}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str, kpi_id: uuid.UUID) -> Response:
        """The actual over the period, the target prorated to it (a summed KPI's target is
        per calendar month, quarter or year), whether it is on track (direction-aware),
        a per-day or per-week series and the part of the actual from each source. Values
        are organisation totals: under a segment their KPI answers `actual: null` and
        `segmentable: false` instead of the organisation's figure."""
        kpi = self.get_tenant_object(Kpi.objects.select_related("goal"), kpi_id)
        period, segment = self.period_and_segment(self.validated_query(ReportQuerySerializer))
        progress = goal_selectors.kpi_progress(organization=self.organization, kpi=kpi, period=period, segment=segment)
        return Response(KpiProgressSerializer(_progress_data(progress)).data)


# KPI values ---------------------------------------------------------------------------------------


class KpiValueListAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "POST": CURATORS}

    class KpiValueWriteSerializer(serializers.Serializer):
        on_date = serializers.DateField()
        value = serializers.DecimalField(max_digits=14, decimal_places=2)
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    class KpiValueQuerySerializer(serializers.Serializer):
        source = serializers.ChoiceField(choices=KpiValueSource.choices, required=False)  # type: ignore[assignment]
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)

    @extend_schema(
        operation_id="kpi_values_list",
        tags=[TAG_GOALS],
        summary="List a KPI's values, newest day first",
        parameters=[KPI_ID, KpiValueQuerySerializer],
        responses=with_errors({200: KpiValueSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str, kpi_id: uuid.UUID) -> Response:
        kpi = self.get_tenant_object(Kpi.objects.all(), kpi_id)
        query = self.validated_query(self.KpiValueQuerySerializer)
        values = goal_selectors.kpi_values_of(kpi=kpi).select_related("kpi")
        if "source" in query:
            values = values.filter(source=query["source"])
        if "start" in query:
            values = values.filter(on_date__gte=query["start"])
        if "end" in query:
            values = values.filter(on_date__lte=query["end"])
        return self.paginated_response(values.order_by("-on_date", "source"), KpiValueSerializer)

    @extend_schema(
        operation_id="kpi_values_create",
        tags=[TAG_GOALS],
        summary="Send a KPI's figure for a day (idempotent per day)",
        parameters=[KPI_ID],
        request=KpiValueWriteSerializer,
        responses=with_errors({201: KpiValueSerializer, 200: KpiValueSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, kpi_id: uuid.UUID) -> Response:
        """Stored with the source `api`. One value per KPI and day from the API: sending
        a day again replaces its figure and answers 200 (201 for a new day). A KPI
        measured by conversions takes no values (400)."""
        kpi = self.get_tenant_object(Kpi.objects.all(), kpi_id)
        data = self.validated_body(self.KpiValueWriteSerializer)
        value, created = goal_services.kpi_value_record(
            kpi=kpi, source=KpiValueSource.API, actor=self.membership, **data
        )
        return Response(
            KpiValueSerializer(value).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class KpiValueDetailAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "DELETE": CURATORS}

    def _value(self, kpi_id: uuid.UUID, kpi_value_id: uuid.UUID) -> KpiValue:
        kpi = self.get_tenant_object(Kpi.objects.all(), kpi_id)
        return self.get_tenant_object(KpiValue.objects.filter(kpi=kpi).select_related("kpi"), kpi_value_id)

    @extend_schema(
        operation_id="kpi_values_retrieve",
        tags=[TAG_GOALS],
        summary="One KPI value",
        parameters=[KPI_ID, KPI_VALUE_ID],
        responses=with_errors({200: KpiValueSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, kpi_id: uuid.UUID, kpi_value_id: uuid.UUID) -> Response:
        return Response(KpiValueSerializer(self._value(kpi_id, kpi_value_id)).data)

    @extend_schema(
        operation_id="kpi_values_destroy",
        tags=[TAG_GOALS],
        summary="Delete a KPI value",
        parameters=[KPI_ID, KPI_VALUE_ID],
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, kpi_id: uuid.UUID, kpi_value_id: uuid.UUID) -> Response:
        goal_services.kpi_value_delete(value=self._value(kpi_id, kpi_value_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Conversions ---------------------------------------------------------------------------------------


class ConversionListAPI(_ReportMixin, OrganizationAPIView):
    roles = {"GET": REPORT_READERS, "POST": CURATORS}

    class ConversionQuerySerializer(ReportQuerySerializer):
        kind = ConversionKindField(required=False)
        attributed = serializers.BooleanField(required=False, allow_null=True, default=None)

    class ConversionWriteSerializer(serializers.Serializer):
        event_id = serializers.CharField(
            max_length=EVENT_ID_MAX, help_text="Your system's id: sending it again is safe."
        )
        kind = ConversionKindField()
        label = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)  # type: ignore[assignment]
        value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, default=None)
        currency = serializers.CharField(required=False, allow_blank=True, default="", max_length=3)
        occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
        click_id = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=CLICK_ID_MAX, help_text="The `chorus_click` value."
        )
        first_click_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=CLICK_ID_MAX)
        last_click_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=CLICK_ID_MAX)

    @extend_schema(
        operation_id="conversions_list",
        tags=[TAG_CONVERSIONS],
        summary="List conversions of a period, newest first",
        parameters=[ConversionQuerySerializer],
        responses=with_errors({200: ConversionSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        query = self.validated_query(self.ConversionQuerySerializer)
        period, segment = self.period_and_segment(query)
        conversions = conversion_selectors.conversions_for(
            organization=self.organization,
            period=period,
            segment=segment,
            kind=query.get("kind"),
            attributed=query.get("attributed"),
        )
        return self.paginated_response(conversions, ConversionSerializer)

    @extend_schema(
        operation_id="conversions_create",
        tags=[TAG_CONVERSIONS],
        summary="Record a conversion (idempotent on event_id)",
        request=ConversionWriteSerializer,
        responses=with_errors({201: ConversionSerializer, 200: ConversionSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        """Attributed at once under the organisation's window and model. An `event_id`
        already recorded answers 200 with the existing conversion, unchanged."""
        data = self.validated_body(self.ConversionWriteSerializer)
        click = data.pop("click_id")
        conversion, created = conversion_services.conversion_record(
            organization=self.organization,
            data=conversion_services.ConversionInput(
                event_id=data["event_id"],
                kind=data["kind"],
                occurred_at=data.get("occurred_at") or timezone.now(),
                value=data["value"],
                currency=data["currency"],
                label=data["label"],
                first_click_id=data["first_click_id"] or click,
                last_click_id=data["last_click_id"] or click,
            ),
            source=ConversionSource.API,
        )
        return Response(
            ConversionSerializer(conversion).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ConversionDetailAPI(OrganizationAPIView):
    roles = {"GET": REPORT_READERS}

    @extend_schema(
        operation_id="conversions_retrieve",
        tags=[TAG_CONVERSIONS],
        summary="One conversion and its attribution",
        parameters=[CONVERSION_ID],
        responses=with_errors({200: ConversionSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, conversion_id: uuid.UUID) -> Response:
        conversion = self.get_tenant_object(
            Conversion.objects.select_related("share", "membership", "item"), conversion_id
        )
        return Response(ConversionSerializer(conversion).data)
