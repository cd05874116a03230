"""The SCIM endpoints. Each request is authenticated by its bearer token, which names
the organisation, and runs entirely inside that organisation's scope: every lookup
below is this organisation's, so another organisation's id is answered exactly like
an id that does not exist (404).

Views stay thin: parse, call one selector or service, represent. Errors are SCIM
error bodies (RFC 7644 §3.12), never an HTML page or a 500 for bad input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Group, Membership, Organization, ScimToken
from accounts.scim.auth import token_for_request
from accounts.scim.errors import ScimError, invalid_syntax, invalid_value, not_found
from accounts.scim.filters import GROUP_FILTERS, USER_FILTERS, QueryBuilder, parse, to_q
from accounts.scim.schemas import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE_SCHEMA,
    MAX_RESULTS,
    USER_SCHEMA,
    resource_type_document,
    resource_type_documents,
    schema_document,
    schema_documents,
    service_provider_config,
)
from accounts.scim.serializers import check_schemas, group_resource, parse_group, parse_user, project, user_resource
from accounts.selectors import scim as selectors
from accounts.services import scim as services
from accounts.tenancy import organization_scope

CONTENT_TYPE = "application/scim+json"
# PostgreSQL's OFFSET is a bigint; larger start indexes are past the end anyway.
MAX_START_INDEX = 2**31


def scim_base_url() -> str | None:
    """The absolute base URL an identity provider is configured with, or None where the
    SCIM endpoints are not mounted."""
    try:
        path = reverse("scim_service_provider_config")
    except NoReverseMatch:
        return None
    return settings.SITE_URL + path.removesuffix("/ServiceProviderConfig")


def scim_response(data: dict[str, Any] | None, status: int = 200, *, location: str = "") -> HttpResponse:
    if data is None:
        return HttpResponse(status=status)
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    version = (data.get("meta") or {}).get("version")
    if version and "Resources" not in data:
        response["ETag"] = version
    if location:
        response["Location"] = location
    return response


def error_response(error: ScimError) -> HttpResponse:
    response = scim_response(error.body(), error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
    return response


@method_decorator(csrf_exempt, name="dispatch")  # bearer-token clients; no cookies are read
class ScimView(View):
    """Base of every SCIM endpoint: authenticates the token, enters the organisation's
    scope, and turns errors into SCIM error bodies."""

    http_method_names = ["get", "post", "put", "patch", "delete"]
    organization: Organization
    token: ScimToken

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            self.token = token_for_request(request)
            self.organization = self.token.organization
            with organization_scope(self.organization):
                services.scim_token_touch(token=self.token)
                return super().dispatch(request, *args, **kwargs)
        except ScimError as error:
            return error_response(error)
        except services.UniquenessError as error:
            return error_response(ScimError(409, " ".join(error.messages), "uniqueness"))
        except services.MutabilityError as error:
            return error_response(ScimError(400, " ".join(error.messages), "mutability"))
        except ValidationError as error:
            return error_response(invalid_value(" ".join(error.messages)))
        except IntegrityError:
            # Two requests creating the same member or group at once: the loser is told
            # exactly what a later duplicate would be.
            return error_response(ScimError(409, "This conflicts with a concurrent change; retry.", "uniqueness"))
        except RequestDataTooBig:
            return error_response(ScimError(413, "The request body is too large."))

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise ScimError(405, f"{request.method} is not supported here.")

    @property
    def base_url(self) -> str:
        return scim_base_url() or settings.SITE_URL

    def body(self) -> Any:
        try:
            return json.loads(self.request.body or b"null")
        except (ValueError, RecursionError):
            raise invalid_syntax("The request body is not valid JSON.") from None

    def check_version(self, resource: dict[str, Any]) -> None:
        """If-Match (RFC 7644 §3.14): refuse to change a resource that changed since the
        client read it."""
        wanted = self.request.headers.get("If-Match")
        if not wanted or wanted.strip() == "*":
            return
        current = resource["meta"]["version"].removeprefix("W/")
        if current not in {tag.strip().removeprefix("W/") for tag in wanted.split(",")}:
            raise ScimError(412, "The resource changed since it was read; read it again.")

    def projected(self, resource: dict[str, Any]) -> dict[str, Any]:
        return project(
            resource,
            attributes=self.request.GET.get("attributes", ""),
            excluded=self.request.GET.get("excludedAttributes", ""),
        )

    def condition(self, fields: dict[str, QueryBuilder]) -> Q | None:
        text = self.request.GET.get("filter")
        return None if text is None else to_q(parse(text), fields)

    def page(self) -> tuple[int, int]:
        """startIndex (1-based) and count (RFC 7644 §3.4.2.4), clamped as the RFC says."""

        def integer(name: str, default: int) -> int:
            raw = self.request.GET.get(name, "").strip()
            if not raw:
                return default
            try:
                return int(raw)
            except ValueError:
                raise invalid_value(f"{name} must be an integer.") from None

        start = min(max(1, integer("startIndex", 1)), MAX_START_INDEX)
        count = min(max(0, integer("count", MAX_RESULTS)), MAX_RESULTS)
        return start, count

    def list_response(self, total: int, start: int, resources: list[dict[str, Any]]) -> HttpResponse:
        return scim_response(
            {
                "schemas": [LIST_RESPONSE_SCHEMA],
                "totalResults": total,
                "startIndex": start,
                "itemsPerPage": len(resources),
                "Resources": resources,
            }
        )


# Discovery ---------------------------------------------------------------------------


class ServiceProviderConfigView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return scim_response(service_provider_config(self.base_url))


class ResourceTypeListView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        documents = resource_type_documents(self.base_url)
        return self.list_response(len(documents), 1, documents)


class ResourceTypeView(ScimView):
    def get(self, request: HttpRequest, resource_type: str) -> HttpResponse:
        document = resource_type_document(resource_type, self.base_url)
        if document is None:
            raise ScimError(404, f"No resource type {resource_type}.")
        return scim_response(document)


class SchemaListView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        documents = schema_documents(self.base_url)
        return self.list_response(len(documents), 1, documents)


class SchemaView(ScimView):
    def get(self, request: HttpRequest, schema_id: str) -> HttpResponse:
        document = schema_document(schema_id, self.base_url)
        if document is None:
            raise ScimError(404, f"No schema {schema_id}.")
        return scim_response(document)


class UnknownEndpointView(ScimView):
    def dispatch_any(self, request: HttpRequest, rest: str) -> HttpResponse:
        raise ScimError(404, f"/{rest} is not a SCIM endpoint of this server.")

    get = post = put = patch = delete = dispatch_any


# Users -------------------------------------------------------------------------------


class UserListView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        members = selectors.scim_members(organization=self.organization, condition=self.condition(USER_FILTERS))
        start, count = self.page()
        total = members.count()
        page = list(members[start - 1 : start - 1 + count]) if count else []
        return self.list_response(total, start, [self.projected(user_resource(m, self.base_url)) for m in page])

    def post(self, request: HttpRequest) -> HttpResponse:
        body = check_schemas(self.body(), core=USER_SCHEMA, allowed=[USER_SCHEMA, ENTERPRISE_SCHEMA])
        membership = services.scim_user_create(organization=self.organization, data=parse_user(body))
        resource = self._represent(membership)
        return scim_response(resource, 201, location=resource["meta"]["location"])

    def _represent(self, membership: Membership) -> dict[str, Any]:
        fresh = selectors.scim_member(organization=self.organization, public_id=str(membership.public_id))
        return user_resource(fresh or membership, self.base_url)


class UserView(ScimView):
    def get(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        return scim_response(self.projected(user_resource(self._member(resource_id), self.base_url)))

    def put(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        membership = self._member(resource_id)
        body = check_schemas(self.body(), core=USER_SCHEMA, allowed=[USER_SCHEMA, ENTERPRISE_SCHEMA])
        self.check_version(user_resource(membership, self.base_url))
        services.scim_user_replace(membership=membership, data=parse_user(body))
        return scim_response(user_resource(self._member(resource_id), self.base_url))

    def patch(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        membership = self._member(resource_id)
        body = self.body()
        self.check_version(user_resource(membership, self.base_url))
        represent: Callable[[Membership], dict[str, Any]] = lambda m: user_resource(m, self.base_url)  # noqa: E731
        services.scim_user_patch(membership=membership, body=body, represent=represent)
        return scim_response(user_resource(self._member(resource_id), self.base_url))

    def delete(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        """Deprovisioning deactivates the member; their history stays."""
        membership = self._member(resource_id)
        self.check_version(user_resource(membership, self.base_url))
        services.scim_user_deactivate(membership=membership)
        return scim_response(None, 204)

    def _member(self, resource_id: str) -> Membership:
        membership = selectors.scim_member(organization=self.organization, public_id=resource_id)
        if membership is None:
            raise not_found("User")
        return membership


# Groups ------------------------------------------------------------------------------


class GroupListView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        groups = selectors.scim_groups(organization=self.organization, condition=self.condition(GROUP_FILTERS))
        start, count = self.page()
        total = groups.count()
        page = list(groups[start - 1 : start - 1 + count]) if count else []
        with_members = "members" not in self.request.GET.get("excludedAttributes", "").lower()
        links = selectors.scim_group_links(organization=self.organization, groups=page) if with_members else {}
        resources = [
            self.projected(
                group_resource(group, self.base_url, links=links.get(group.pk, []), include_members=with_members)
            )
            for group in page
        ]
        return self.list_response(total, start, resources)

    def post(self, request: HttpRequest) -> HttpResponse:
        body = check_schemas(self.body(), core=GROUP_SCHEMA, allowed=[GROUP_SCHEMA])
        group = services.scim_group_create(organization=self.organization, data=parse_group(body))
        resource = group_resource(_fresh_group(self.organization, group), self.base_url)
        return scim_response(resource, 201, location=resource["meta"]["location"])


class GroupView(ScimView):
    def get(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        return scim_response(self.projected(group_resource(self._group(resource_id), self.base_url)))

    def put(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        group = self._group(resource_id)
        body = check_schemas(self.body(), core=GROUP_SCHEMA, allowed=[GROUP_SCHEMA])
        self.check_version(group_resource(group, self.base_url))
        services.scim_group_replace(group=group, data=parse_group(body))
        return scim_response(group_resource(self._group(resource_id), self.base_url))

    def patch(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        group = self._group(resource_id)
        body = self.body()
        self.check_version(group_resource(group, self.base_url))
        represent: Callable[[Group], dict[str, Any]] = lambda g: group_resource(g, self.base_url)  # noqa: E731
        services.scim_group_patch(group=group, body=body, represent=represent)
        return scim_response(group_resource(self._group(resource_id), self.base_url))

    def delete(self, request: HttpRequest, resource_id: str) -> HttpResponse:
        group = self._group(resource_id)
        self.check_version(group_resource(group, self.base_url))
        services.scim_group_delete(group=group)
        return scim_response(None, 204)

    def _group(self, resource_id: str) -> Group:
        group = selectors.scim_group(organization=self.organization, public_id=resource_id)
        if group is None:
            raise not_found("Group")
        return group


def _fresh_group(organization: Organization, group: Group) -> Group:
    return selectors.scim_group(organization=organization, public_id=str(group.public_id)) or group
