"""SCIM errors (RFC 7644 §3.12): raised anywhere below a SCIM view, answered with the
error body by the view."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimError(Exception):
    """`scim_type` is one of RFC 7644's detail error keywords (invalidFilter, tooMany,
    uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue,
    invalidVers, sensitive) or None where the RFC defines none (401, 404, 412)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def invalid_syntax(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidSyntax")


def invalid_path(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidPath")


def invalid_filter(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def no_target(detail: str) -> ScimError:
    return ScimError(400, detail, "noTarget")


def mutability(detail: str) -> ScimError:
    return ScimError(400, detail, "mutability")


def not_found(resource_type: str) -> ScimError:
    # The same answer for an id that does not exist, a malformed id and another
    # organisation's id, so a token cannot probe other tenants.
    return ScimError(404, f"No {resource_type} with this id.")
