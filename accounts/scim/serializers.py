"""SCIM's JSON for members and groups: representations out (`user_resource`,
`group_resource`) and validated input in (`parse_user`, `parse_group`).

A User resource is a Membership (its `id` is the membership's public id): userName
and the IdP's name parts come from the member's `ScimUserRecord`, the sign-in address
from `User.email`, and department (enterprise extension), location (the work
address's locality) and title from the membership.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import Group, GroupMembership, Membership, MembershipStatus, ScimGroupRecord, ScimUserRecord
from accounts.scim.errors import invalid_syntax, invalid_value
from accounts.scim.filters import canonical_attribute
from accounts.scim.schemas import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    IGNORED_ENTERPRISE_ATTRIBUTES,
    IGNORED_USER_ATTRIBUTES,
    USER_SCHEMA,
)

# Attributes the server sets: ignored in a POST or PUT body (RFC 7644 §3.5.1), refused
# in a PATCH (mutability).
READ_ONLY_ATTRIBUTES = frozenset({"id", "meta", "schemas"})
USER_READ_ONLY_ATTRIBUTES = READ_ONLY_ATTRIBUTES | {"groups"}
USER_ATTRIBUTES = frozenset(
    {"username", "externalid", "name", "displayname", "title", "timezone", "active", "emails", "addresses"}
)
GROUP_ATTRIBUTES = frozenset({"displayname", "externalid", "members"})


# Out ---------------------------------------------------------------------------------


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _with_meta(
    resource: dict[str, Any], *, resource_type: str, created: datetime, modified: datetime, location: str
) -> dict[str, Any]:
    # A weak ETag over the representation itself, so a change made on the web (a
    # department edited by an admin) changes the version as well as one made by SCIM.
    digest = hashlib.sha256(json.dumps(resource, sort_keys=True, default=str).encode()).hexdigest()[:20]
    resource["meta"] = {
        "resourceType": resource_type,
        "created": _timestamp(created),
        "lastModified": _timestamp(max(created, modified)),
        "location": location,
        "version": f'W/"{digest}"',
    }
    return resource


def user_record(membership: Membership) -> ScimUserRecord | None:
    # Through the prefetch cache when the list view prefetched it.
    records = list(membership.scim_records.all())  # type: ignore[attr-defined]
    return records[0] if records else None


def user_resource(membership: Membership, base_url: str) -> dict[str, Any]:
    user = membership.user
    record = user_record(membership)
    location = f"{base_url}/Users/{membership.public_id}"
    resource: dict[str, Any] = {"schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA], "id": str(membership.public_id)}
    if record and record.external_id:
        resource["externalId"] = record.external_id
    resource["userName"] = record.user_name if record else user.email
    name = {}
    if record and record.given_name:
        name["givenName"] = record.given_name
    if record and record.family_name:
        name["familyName"] = record.family_name
    formatted = " ".join(part for part in (name.get("givenName"), name.get("familyName")) if part)
    if formatted or user.full_name:
        name["formatted"] = formatted or user.full_name
    if name:
        resource["name"] = name
    display_name = (record.display_name if record else "") or user.full_name
    if display_name:
        resource["displayName"] = display_name
    if membership.job_title:
        resource["title"] = membership.job_title
    if membership.timezone:
        resource["timezone"] = membership.timezone
    resource["active"] = membership.status == MembershipStatus.ACTIVE
    resource["emails"] = [{"value": user.email, "type": "work", "primary": True}]
    if membership.location:
        resource["addresses"] = [{"type": "work", "locality": membership.location}]
    resource["groups"] = [
        {"value": str(group.public_id), "display": group.name, "$ref": f"{base_url}/Groups/{group.public_id}"}
        for group in sorted(membership.groups.all(), key=lambda group: group.name)
    ]
    if membership.department:
        resource[ENTERPRISE_SCHEMA] = {"department": membership.department}
    changes = [
        membership.created_at,
        *(moment for moment in (membership.joined_at, membership.deactivated_at) if moment),
    ]
    if record:
        changes.append(record.updated_at)
    return _with_meta(
        resource, resource_type="User", created=membership.created_at, modified=max(changes), location=location
    )


def group_record(group: Group) -> ScimGroupRecord | None:
    records = list(group.scim_records.all())  # type: ignore[attr-defined]
    return records[0] if records else None


def group_resource(
    group: Group, base_url: str, *, links: list[GroupMembership] | None = None, include_members: bool = True
) -> dict[str, Any]:
    """`links`: the group's member links when the caller read several groups' at once."""
    record = group_record(group)
    resource: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": str(group.public_id)}
    if record and record.external_id:
        resource["externalId"] = record.external_id
    resource["displayName"] = group.name
    if include_members:
        if links is None:
            links = list(
                GroupMembership.objects.filter(organization_id=group.organization_id, group=group)
                .select_related("membership__user")
                .order_by("pk")
            )
        resource["members"] = [
            {
                "value": str(link.membership.public_id),
                "display": link.membership.user.display_name,
                "type": "User",
                "$ref": f"{base_url}/Users/{link.membership.public_id}",
            }
            for link in links
        ]
    return _with_meta(
        resource,
        resource_type="Group",
        created=group.created_at,
        modified=record.updated_at if record else group.created_at,
        location=f"{base_url}/Groups/{group.public_id}",
    )


def project(resource: dict[str, Any], *, attributes: str = "", excluded: str = "") -> dict[str, Any]:
    """Apply the `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.9) at
    the level of top-level attributes: `name.givenName` returns the whole `name`."""

    def top_level(names: str) -> set[str]:
        wanted = set()
        for raw in names.split(","):
            name = canonical_attribute(raw)
            if name.startswith(ENTERPRISE_SCHEMA.lower()):
                wanted.add(ENTERPRISE_SCHEMA.lower())
            elif name:
                wanted.add(name.split(".")[0])
        return wanted

    always = {"schemas", "id", "meta"}
    if attributes:
        wanted = top_level(attributes) | always
        return {key: value for key, value in resource.items() if key.lower() in wanted}
    if excluded:
        unwanted = top_level(excluded) - always
        return {key: value for key, value in resource.items() if key.lower() not in unwanted}
    return resource


# In ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScimUserInput:
    user_name: str
    email: str | None  # None: the body names no usable address
    external_id: str
    given_name: str
    family_name: str
    formatted_name: str
    display_name: str
    active: bool
    department: str
    location: str
    job_title: str
    timezone: str

    @property
    def full_name(self) -> str:
        joined = " ".join(part for part in (self.given_name, self.family_name) if part)
        return self.display_name or self.formatted_name or joined


@dataclass(frozen=True)
class ScimGroupInput:
    display_name: str
    external_id: str
    member_ids: list[str]


def check_schemas(data: Any, *, core: str, allowed: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise invalid_syntax("The body must be a JSON object.")
    schemas = data.get("schemas")
    if not isinstance(schemas, list) or not all(isinstance(schema, str) for schema in schemas):
        raise invalid_syntax(f'The body must list its schemas, for example "schemas": ["{core}"].')
    known = {schema.lower() for schema in allowed}
    unknown = [schema for schema in schemas if schema.lower() not in known]
    if unknown:
        raise invalid_syntax(f"Unknown schema: {', '.join(unknown)}. Supported here: {', '.join(allowed)}.")
    if core.lower() not in {schema.lower() for schema in schemas}:
        raise invalid_syntax(f"The schemas must include {core}.")
    return data


def _text(value: Any, name: str, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid_value(f"{name} must be a string.")
    if "\x00" in value:
        raise invalid_value(f"{name} must not contain NUL characters.")
    value = value.strip()
    if required and not value:
        raise invalid_value(f"{name} is required.")
    if len(value) > max_length:
        raise invalid_value(f"{name} is longer than {max_length} characters.")
    return value


def _boolean(value: Any, name: str) -> bool:
    # Microsoft Entra ID sends "True"/"False" as strings in PATCH requests.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{name} must be true or false.")


def _lowered(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key.lower(): value for key, value in data.items()}


def _complex_list(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise invalid_value(f"{name} must be a list of objects.")
    return [_lowered(item) for item in value]


def _chosen_email(emails: list[dict[str, Any]]) -> str | None:
    for wanted in (
        lambda item: item.get("primary") is True,
        lambda item: str(item.get("type", "")).lower() == "work",
        lambda item: True,
    ):
        for item in emails:
            if wanted(item) and item.get("value"):
                return _text(item["value"], "emails.value", max_length=254).lower()
    return None


def _valid_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def parse_user(data: Mapping[str, Any]) -> ScimUserInput:
    """A whole User (POST, PUT, or the result of a PATCH). Attributes the schemas define
    but Chorus does not store are ignored; a name no schema defines is refused."""
    fields = _lowered(data)
    enterprise = fields.pop(ENTERPRISE_SCHEMA.lower(), None) or {}
    if not isinstance(enterprise, Mapping):
        raise invalid_value(f"{ENTERPRISE_SCHEMA} must be an object.")
    enterprise = _lowered(enterprise)
    unknown = set(fields) - USER_ATTRIBUTES - USER_READ_ONLY_ATTRIBUTES - IGNORED_USER_ATTRIBUTES
    unknown |= {
        f"{ENTERPRISE_SCHEMA}:{name}" for name in set(enterprise) - {"department"} - IGNORED_ENTERPRISE_ATTRIBUTES
    }
    if unknown:
        raise invalid_syntax(f"Unknown attribute: {', '.join(sorted(unknown))}.")

    name = fields.get("name") or {}
    if not isinstance(name, Mapping):
        raise invalid_value("name must be an object.")
    name = _lowered(name)
    emails = _complex_list(fields.get("emails"), "emails")
    addresses = _complex_list(fields.get("addresses"), "addresses")
    work_address = next((item for item in addresses if str(item.get("type", "")).lower() == "work"), {})

    user_name = _text(fields.get("username"), "userName", max_length=254, required=True)
    email = _chosen_email(emails)
    if email is None and _valid_email(user_name):
        email = user_name.lower()
    if email is not None and not _valid_email(email):
        raise invalid_value(f"“{email}” is not a valid email address.")
    active = fields.get("active")
    return ScimUserInput(
        user_name=user_name,
        email=email,
        external_id=_text(fields.get("externalid"), "externalId", max_length=255),
        given_name=_text(name.get("givenname"), "name.givenName", max_length=150),
        family_name=_text(name.get("familyname"), "name.familyName", max_length=150),
        formatted_name=_text(name.get("formatted"), "name.formatted", max_length=200),
        display_name=_text(fields.get("displayname"), "displayName", max_length=200),
        active=True if active is None else _boolean(active, "active"),
        department=_text(enterprise.get("department"), "department", max_length=120),
        location=_text(work_address.get("locality"), 'addresses[type eq "work"].locality', max_length=120),
        job_title=_text(fields.get("title"), "title", max_length=120),
        timezone=_text(fields.get("timezone"), "timezone", max_length=64),
    )


def parse_group(data: Mapping[str, Any]) -> ScimGroupInput:
    fields = _lowered(data)
    unknown = set(fields) - GROUP_ATTRIBUTES - READ_ONLY_ATTRIBUTES
    if unknown:
        raise invalid_syntax(f"Unknown attribute: {', '.join(sorted(unknown))}.")
    member_ids = []
    for member in _complex_list(fields.get("members"), "members"):
        if str(member.get("type") or "User").lower() != "user":
            raise invalid_value("Only Users can be members of a group; nested groups are not supported.")
        value = member.get("value")
        if not isinstance(value, str) or not value.strip():
            raise invalid_value("Each member needs a value: the User's id.")
        member_ids.append(value.strip())
    return ScimGroupInput(
        display_name=_text(fields.get("displayname"), "displayName", max_length=120, required=True),
        external_id=_text(fields.get("externalid"), "externalId", max_length=255),
        member_ids=member_ids,
    )
