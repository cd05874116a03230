"""Onboarding through the API: the current policy and acknowledging it, training modules
and quiz attempts, the member's certification status, and for managers the
acknowledgement report and the access-request queue."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.models import (
    AccessRequest,
    AccessRequestStatus,
    PolicyVersion,
    Role,
    TrainingModule,
)
from accounts.permissions import CURATORS, EVERYONE
from accounts.selectors import onboarding as selectors
from accounts.services import onboarding as services

TAG = "onboarding"
MODULE_ID = OpenApiParameter(
    "module_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A training module's `id`."
)
REQUEST_ID = OpenApiParameter(
    "request_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="An access request's `id`."
)


# Output ---------------------------------------------------------------------------


class PolicySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    number = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField(help_text="Plain text with light markup (see the web page); never HTML.")
    change_summary = serializers.CharField(help_text="What changed since the previous version.")
    published_at = serializers.DateTimeField()


class CurrentPolicySerializer(PolicySerializer):
    acknowledged = serializers.BooleanField(help_text="Whether you acknowledged this version.")
    previously_acknowledged_number = serializers.IntegerField(
        allow_null=True, help_text="The older version you acknowledged, when this one is new to you."
    )


class AcknowledgementSerializer(serializers.Serializer):
    version_id = serializers.UUIDField(source="version.public_id")
    number = serializers.IntegerField(source="version.number")
    acknowledged_at = serializers.DateTimeField()


class ModuleSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    is_required = serializers.BooleanField()
    position = serializers.IntegerField()
    pass_mark = serializers.IntegerField(help_text="Percent of questions answered exactly right that passes.")
    question_count = serializers.IntegerField()
    passed = serializers.BooleanField(help_text="Whether you have passed it (a pass is never taken back).")
    attempt_count = serializers.IntegerField(help_text="Your attempts so far.")


class ChoiceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    text = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    text = serializers.CharField()
    choices = ChoiceSerializer(many=True, source="choices.all", help_text="Which are correct is never sent.")


class ModuleSerializer(ModuleSummarySerializer):
    body = serializers.CharField()
    video_url = serializers.CharField(help_text="An http(s) link, or empty.")
    questions = QuestionSerializer(many=True, source="questions_list")


class AttemptSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    module_id = serializers.UUIDField(source="module.public_id")
    score = serializers.IntegerField(help_text="Percent of questions answered exactly right, rounded down.")
    pass_mark = serializers.IntegerField(help_text="The pass mark this attempt was judged against.")
    passed = serializers.BooleanField()
    correct_count = serializers.IntegerField()
    question_count = serializers.IntegerField()
    correct_questions = serializers.ListField(
        child=serializers.UUIDField(), help_text="The questions answered right (the right choices are not revealed)."
    )
    submitted_at = serializers.DateTimeField()


class AccessRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    member_id = serializers.UUIDField(source="membership.public_id")
    email = serializers.EmailField(source="membership.user.email")
    full_name = serializers.CharField(source="membership.user.full_name")
    status = serializers.CharField(help_text="pending, approved or declined.")
    message = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.EmailField(source="decided_by.user.email", allow_null=True)
    decision_reason = serializers.CharField()


class StepSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="policy, module or access.")
    title = serializers.CharField(source="label")
    done = serializers.BooleanField()
    detail = serializers.CharField()
    module_id = serializers.UUIDField(source="module.public_id", allow_null=True, default=None)


class MyAccessRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField(help_text="pending, approved or declined.")
    requested_at = serializers.DateTimeField()
    decision_reason = serializers.CharField()


class StatusSerializer(serializers.Serializer):
    certified = serializers.BooleanField(
        help_text="Acknowledged the current policy and passed every published required module."
    )
    may_share = serializers.BooleanField(source="eligibility.allowed")
    reasons = serializers.ListField(
        child=serializers.CharField(), source="eligibility.reasons", help_text="Why you may not share yet."
    )
    certification_required_to_share = serializers.BooleanField(source="settings.certification_required_to_share")
    access_approval_required = serializers.BooleanField(source="settings.access_approval_required")
    policy_version = serializers.IntegerField(source="policy.number", allow_null=True, default=None)
    policy_acknowledged = serializers.BooleanField()
    access_request = MyAccessRequestSerializer(allow_null=True)
    steps = StepSerializer(many=True)


class AcknowledgementRowSerializer(serializers.Serializer):
    member_id = serializers.UUIDField(source="public_id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=Role.choices)
    department = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True, help_text="None: not acknowledged yet.")


def _published_module(view: OrganizationAPIView, module_id: uuid.UUID) -> TrainingModule:
    # Drafts answer like missing ids: members never see them.
    return view.get_tenant_object(TrainingModule.objects.filter(published_at__isnull=False), module_id)


# Endpoints ---------------------------------------------------------------------


class OnboardingStatusAPI(OrganizationAPIView):
    """Your onboarding: certification, whether you may share and why not, and the checklist."""

    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="onboarding_status_retrieve",
        tags=[TAG],
        summary="My certification and sharing status",
        responses=with_errors({200: StatusSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(StatusSerializer(selectors.onboarding_status(membership=self.membership)).data)


class PolicyCurrentAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="onboarding_policy_retrieve",
        tags=[TAG],
        summary="The current social media policy",
        description="The latest published version and whether you acknowledged it. 404 when none is published.",
        responses=with_errors({200: CurrentPolicySerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        status_ = selectors.onboarding_status(membership=self.membership)
        if status_.policy is None:
            raise exceptions.NotFound("No policy has been published yet.")
        policy: Any = status_.policy
        policy.acknowledged = status_.policy_acknowledged
        previous = status_.previously_acknowledged
        policy.previously_acknowledged_number = previous.number if previous else None
        return Response(CurrentPolicySerializer(policy).data)


class PolicyAcknowledgeAPI(OrganizationAPIView):
    roles = {"POST": EVERYONE}

    class AcknowledgeSerializer(serializers.Serializer):
        version = TenantObjectField(PolicyVersion, help_text="The `id` of the current version you read.")

    @extend_schema(
        operation_id="onboarding_policy_acknowledge",
        tags=[TAG],
        summary="Acknowledge the current policy",
        description="Only the current version can be acknowledged (400 for an older one). Repeating it is harmless.",
        request=AcknowledgeSerializer,
        responses=with_errors({201: AcknowledgementSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.AcknowledgeSerializer)
        acknowledgement = services.policy_acknowledge(membership=self.membership, version=data["version"])
        return Response(AcknowledgementSerializer(acknowledgement).data, status=status.HTTP_201_CREATED)


class ModuleListAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="onboarding_modules_list",
        tags=[TAG],
        summary="Published training modules, in order, with your progress",
        responses=with_errors({200: ModuleSummarySerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return self.paginated_response(
            selectors.modules_for_member(membership=self.membership), ModuleSummarySerializer
        )


class ModuleDetailAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="onboarding_modules_retrieve",
        tags=[TAG],
        summary="A training module with its quiz (without the answers)",
        parameters=[MODULE_ID],
        responses=with_errors({200: ModuleSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, module_id: uuid.UUID) -> Response:
        module = self.get_tenant_object(selectors.modules_for_member(membership=self.membership), module_id)
        module.questions_list = selectors.quiz_questions(module=module)  # type: ignore[attr-defined]
        return Response(ModuleSerializer(module).data)


class QuizAttemptAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    class SubmitSerializer(serializers.Serializer):
        answers = serializers.ListField(
            child=inline_serializer(
                "QuizAnswer",
                {
                    "question": serializers.UUIDField(help_text="A question's `id`."),
                    "choices": serializers.ListField(
                        child=serializers.UUIDField(), max_length=6, help_text="The `id`s of the choices you pick."
                    ),
                },
            ),
            max_length=200,
            help_text="One entry per question; a question left out counts as wrong.",
        )

        def validate_answers(self, value: list[dict[str, Any]]) -> dict[str, list[str]]:
            answers: dict[str, list[str]] = {}
            for answer in value:
                key = str(answer["question"])
                if key in answers:
                    raise serializers.ValidationError(f"Question {key} is answered twice.")
                answers[key] = [str(choice) for choice in answer["choices"]]
            return answers

    @extend_schema(
        operation_id="onboarding_attempts_list",
        tags=[TAG],
        summary="Your attempts at a module's quiz, newest first",
        parameters=[MODULE_ID],
        responses=with_errors({200: AttemptSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, module_id: uuid.UUID) -> Response:
        module = _published_module(self, module_id)
        attempts = selectors.attempts_of(membership=self.membership, module=module).select_related("module")
        return self.paginated_response(attempts, AttemptSerializer)

    @extend_schema(
        operation_id="onboarding_attempts_create",
        tags=[TAG],
        summary="Submit a quiz",
        description=(
            "A question is right only when exactly its correct choices are picked. Passes when the "
            "percentage of right questions reaches the module's pass mark. Retakes are allowed."
        ),
        parameters=[MODULE_ID],
        request=SubmitSerializer,
        responses=with_errors({201: AttemptSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, module_id: uuid.UUID) -> Response:
        module = _published_module(self, module_id)
        data = self.validated_body(self.SubmitSerializer)
        attempt = services.quiz_submit(membership=self.membership, module=module, answers=data["answers"])
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


class AccessRequestListAPI(OrganizationAPIView):
    roles = {"GET": CURATORS, "POST": EVERYONE}

    class AccessRequestFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=AccessRequestStatus.choices, required=False)

    class ApplySerializer(serializers.Serializer):
        message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="onboarding_access_requests_list",
        tags=[TAG],
        summary="Access requests (oldest first when filtered to pending)",
        parameters=[AccessRequestFilterSerializer],
        responses=with_errors({200: AccessRequestSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.AccessRequestFilterSerializer)
        return self.paginated_response(
            selectors.access_request_list(organization=self.organization, **filters), AccessRequestSerializer
        )

    @extend_schema(
        operation_id="onboarding_access_requests_create",
        tags=[TAG],
        summary="Apply for sharing access",
        description=(
            "Only when the organisation requires approval, after certification when certification is "
            "required, and not while a request is pending."
        ),
        request=ApplySerializer,
        responses=with_errors({201: AccessRequestSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.ApplySerializer)
        access_request = services.access_request_apply(membership=self.membership, message=data["message"])
        return Response(AccessRequestSerializer(access_request).data, status=status.HTTP_201_CREATED)


class AccessRequestDecideAPI(OrganizationAPIView):
    roles = {"POST": CURATORS}

    class DecisionSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
        reason = serializers.CharField(
            max_length=500, required=False, allow_blank=True, default="", help_text="Required to decline."
        )

    @extend_schema(
        operation_id="onboarding_access_requests_decide",
        tags=[TAG],
        summary="Approve or decline a pending access request",
        parameters=[REQUEST_ID],
        request=DecisionSerializer,
        responses=with_errors({200: AccessRequestSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, request_id: uuid.UUID) -> Response:
        access_request = self.get_tenant_object(AccessRequest.objects.select_related("membership__user"), request_id)
        data = self.validated_body(self.DecisionSerializer)
        access_request = services.access_request_decide(
            access_request=access_request,
            decider=self.membership,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        )
        return Response(AccessRequestSerializer(access_request).data)


class AcknowledgementReportAPI(OrganizationAPIView):
    roles = {"GET": CURATORS}

    class ReportFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=[(s, s) for s in selectors.ACKNOWLEDGEMENT_STATES], required=False)
        search = serializers.CharField(required=False, allow_blank=True, help_text="Part of the email or name.")
        department = serializers.CharField(required=False, allow_blank=True)
        role = serializers.ChoiceField(choices=Role.choices, required=False)

    @extend_schema(
        operation_id="onboarding_acknowledgements_list",
        tags=[TAG],
        summary="Who has and has not acknowledged the current policy",
        description="Active members, by name. `counts` cover every active member, whatever the filters.",
        parameters=[ReportFilterSerializer],
        responses=with_errors(
            {
                200: inline_serializer(
                    "AcknowledgementReport",
                    {
                        "policy_version": serializers.IntegerField(allow_null=True),
                        "counts": inline_serializer(
                            "AcknowledgementCounts",
                            {
                                "total": serializers.IntegerField(),
                                "acknowledged": serializers.IntegerField(),
                                "pending": serializers.IntegerField(),
                            },
                        ),
                        "count": serializers.IntegerField(),
                        "next": serializers.URLField(allow_null=True),
                        "previous": serializers.URLField(allow_null=True),
                        "results": AcknowledgementRowSerializer(many=True),
                    },
                )
            },
            400,
            403,
            404,
        ),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        filters = self.validated_query(self.ReportFilterSerializer)
        policy, members, counts = selectors.acknowledgement_report(organization=self.organization, **filters)
        response = self.paginated_response(members, AcknowledgementRowSerializer)
        response.data = {"policy_version": policy.number if policy else None, "counts": counts, **response.data}
        return response
