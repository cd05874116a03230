"""The API's edge: base classes, the one access helper, errors and pagination.

Every endpoint under /api/v1/o/<org_slug>/ subclasses `OrganizationAPIView`, which
resolves the organisation, checks the member's role and enters the tenant scope in one
place (after Sentry's `OrganizationEndpoint.convert_args`); subclasses only declare
`roles` and call a selector or a service. Endpoints outside an organisation (`/me/`)
subclass `ChorusAPIView`.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.models import MembershipStatus, Role
from accounts.permissions import HasOrganizationRole, RoleMap, roles_for
from accounts.selectors import membership_for_user
from accounts.tenancy import activate_organization, scope

if TYPE_CHECKING:
    from accounts.models import Membership, Organization

ModelT = TypeVar("ModelT", bound=models.Model)

HANDLER_METHODS = ("get", "post", "put", "patch", "delete")


# Errors ------------------------------------------------------------------------


class RuleViolation(exceptions.APIException):
    """A service refused the request (a business rule, not a malformed field)."""

    status_code = 400
    default_detail = "This request breaks a rule of the organisation."
    default_code = "invalid"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus Django's ValidationError from services as HTTP 400.

    A rule with no field becomes `{"detail": "…"}`, like every other DRF error; errors
    tied to fields keep DRF's serializer shape, `{"<field>": ["…"]}`, so a client reads
    one format whether the serializer or the service found the problem."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
                for name, messages in exc.message_dict.items()
            }
            exc = serializers.ValidationError(detail)
        else:
            exc = RuleViolation(" ".join(exc.messages))
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


_ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description=(
            'Invalid input: `{"<field>": ["…"]}` per field, or `{"detail": "…"}` for a rule the request breaks.'
        ),
    ),
    403: OpenApiResponse(ErrorSerializer, description="Not signed in, or the member's role does not allow this."),
    404: OpenApiResponse(
        ErrorSerializer,
        description="No such organisation or object, or the caller is not a member: the same answer for all.",
    ),
}


def with_errors(responses: Mapping[int, Any], *codes: int) -> dict[int, Any]:
    """The operation's success responses plus the documented error responses `codes`."""
    return {**responses, **{code: _ERROR_RESPONSES[code] for code in codes}}


PATH_PARAMETERS = {
    "org_slug": "The organisation's slug, as in its web address /o/<slug>/.",
    "member_id": "A member's `id`.",
    "invitation_id": "An invitation's `id`.",
    "group_id": "A group's `id`.",
    "item_id": "A content item's `id`.",
    "caption_id": "A caption's `id`.",
    "suggestion_id": "A suggestion's `id`.",
}


class ChorusAutoSchema(AutoSchema):
    """Operation descriptions come from the handler's or the API class's own docstring
    (never a base class's) and end with who may call the operation, read from the
    class's `roles`, so the documentation cannot disagree with the check."""

    def get_description(self) -> str:  # type: ignore[override]
        handler = getattr(self.view, self.method.lower(), None)
        doc = getattr(handler, "__doc__", None) or self.view.__class__.__dict__.get("__doc__") or ""
        return inspect.cleandoc(doc)

    def get_override_parameters(self) -> list[Any]:
        described = [
            OpenApiParameter(
                name,
                OpenApiTypes.UUID if name.endswith("_id") else OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=text,
            )
            for name, text in PATH_PARAMETERS.items()
            if f"{{{name}}}" in self.path
        ]
        return [*described, *super().get_override_parameters()]

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        access = self.view.access_description(self.method)  # type: ignore[attr-defined]
        description = "\n\n".join(part for part in (operation.pop("description", ""), access) if part)
        return {"operationId": operation.pop("operationId"), "description": description, **operation}


# Pagination --------------------------------------------------------------------


class ChorusPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


# Base classes ------------------------------------------------------------------


class ChorusAPIView(APIView):
    """Every API class: session authentication (settings), our error format, pagination."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    pagination_class = ChorusPagination
    schema = ChorusAutoSchema()

    @classmethod
    def access_description(cls, method: str) -> str:
        return "**Who:** any signed-in person."

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler

    def paginated_response(self, queryset: QuerySet[Any], serializer_class: type[serializers.Serializer]) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)

    def validated_body(
        self, serializer_class: type[serializers.Serializer], *, partial: bool = False
    ) -> dict[str, Any]:
        """The request's JSON body, validated. A field the serializer does not know is an
        error rather than silently ignored: `{"rol": "admin"}` must not answer 200."""
        data = self.request.data
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - {name for name, f in serializer_class().fields.items() if not f.read_only})
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field does not exist or cannot be changed here."] for name in unknown}
                )
        return self._validated(serializer_class, data, partial=partial)

    def validated_query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """Filters from the query string (other parameters, such as `page`, pass through)."""
        return self._validated(serializer_class, self.request.query_params, partial=False)

    def _validated(self, serializer_class: type[serializers.Serializer], data: Any, *, partial: bool) -> dict[str, Any]:
        serializer = serializer_class(data=data, partial=partial, context={"request": self.request, "view": self})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class OrganizationAPIView(ChorusAPIView):
    """Base of every endpoint under /api/v1/o/<org_slug>/.

    Subclasses declare who may call each method, using the role sets of
    accounts.permissions, and implement the handlers:

        class GroupListAPI(OrganizationAPIView):
            roles = {"GET": CURATORS, "POST": ADMINS}

    `initial()` resolves the membership before any handler runs: a missing organisation
    and one the caller does not belong to both answer 404 with the same body; a
    deactivated member gets 403 (as on the web). Then DRF's permission classes check the
    role; a method without roles is refused.

    Why the scope is handled here and not in middleware: DRF authenticates lazily,
    inside `dispatch` (`request.user` runs the authentication classes), so the
    middleware cannot know the API caller — a token-authenticated request looks
    anonymous there. So `dispatch` runs the whole of DRF's dispatch inside an empty
    `scope()`, where a tenant query raises until the organisation is known; `initial()`,
    once the membership is resolved, sets the organisation on that open scope with
    `activate_organization` (a `with organization_scope(...)` inside `initial` would end
    before the handler runs). The enclosing `with` restores the previous state however
    dispatch ends — a response, a handled error, an uncaught exception — so no
    organisation survives into the next request served by the same thread.

    After PostHog's routing base, a subclass cannot override the methods that enforce
    this (`dispatch`, `initial`, the permission hooks), and a handler without roles
    for its method fails at import time instead of being silently refused.
    """

    permission_classes = [IsAuthenticated, HasOrganizationRole]
    roles: ClassVar[RoleMap] = {}

    organization: Organization
    membership: Membership

    _PROTECTED: ClassVar[tuple[str, ...]] = (
        "dispatch",
        "initial",
        "check_permissions",
        "get_permissions",
        "permission_classes",
        "_enter_organization",
        "get_tenant_object",
    )

    @classmethod
    def access_description(cls, method: str) -> str:
        allowed = roles_for(cls.roles, method)
        return f"**Roles:** {', '.join(role for role in Role.values if role in allowed)}."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = [name for name in cls._PROTECTED if name in cls.__dict__]
        if overridden:
            raise TypeError(
                f"{cls.__qualname__} overrides {', '.join(overridden)}: OrganizationAPIView resolves the "
                "organisation, checks roles and scopes queries there. Declare `roles` instead."
            )
        undeclared = [name.upper() for name in HANDLER_METHODS if hasattr(cls, name) and not roles_for(cls.roles, name)]
        if undeclared:
            raise TypeError(f"{cls.__qualname__} handles {', '.join(undeclared)} but declares no roles for it.")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with scope():
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        self.perform_authentication(request)
        if request.user.is_authenticated:
            # Anonymous callers skip this and get DRF's 401/403 from the permission classes.
            self._enter_organization(request, kwargs["org_slug"])
        super().initial(request, *args, **kwargs)

    def _enter_organization(self, request: Request, org_slug: str) -> None:
        membership = membership_for_user(user=request.user, organization_slug=org_slug)
        if membership is None:
            raise exceptions.NotFound("No such organisation.")
        if membership.status == MembershipStatus.DEACTIVATED:
            raise exceptions.PermissionDenied("Your access to this organisation was deactivated.")
        organization = membership.organization
        self.organization = organization
        self.membership = membership
        # On DRF's request for the API classes, and on Django's for anything below DRF.
        request.organization = request._request.organization = organization  # type: ignore[attr-defined]
        request.membership = request._request.membership = membership  # type: ignore[attr-defined]
        activate_organization(organization)

    def get_tenant_object(self, queryset: QuerySet[ModelT], public_id: uuid.UUID) -> ModelT:
        """The one access helper: this organisation's object with this public id, or 404 —
        the same answer for an id that does not exist and one of another organisation."""
        found = queryset.filter(organization=self.organization, public_id=public_id).first()
        if found is None:
            raise exceptions.NotFound(f"No {queryset.model._meta.verbose_name} with this id.")
        return found


# Fields ------------------------------------------------------------------------


class TenantObjectField(serializers.SlugRelatedField):
    """Input: an object of the request's organisation, named by its public id. Another
    organisation's id is answered exactly like an id that does not exist."""

    default_error_messages = {
        "does_not_exist": "There is no {model} with id {value}.",
        "invalid": "“{value}” is not a valid id.",
    }

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        # The manager (not a queryset) is given so that drf-spectacular can read the model
        # without a query; lookups go through get_queryset below.
        super().__init__(slug_field="public_id", queryset=model._default_manager, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        organization = self.context["request"].organization
        return self.queryset.filter(organization=organization)  # type: ignore[union-attr]

    def to_internal_value(self, data: Any) -> models.Model:
        try:
            public_id = uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid", value=data)
        found = self.get_queryset().filter(public_id=public_id).first()
        if found is None:
            self.fail("does_not_exist", model=self.queryset.model._meta.verbose_name, value=public_id)  # type: ignore[union-attr]
        return found
