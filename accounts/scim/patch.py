"""PATCH (RFC 7644 §3.5.2): `add`, `replace` and `remove` operations applied to a
resource's current JSON representation. The caller then validates the result as a
whole resource (`serializers.parse_user` / `parse_group`) and saves it, inside one
transaction with the row locked, so a PATCH and a PUT obey the same rules.

Paths: `userName`, `name.givenName`, `emails[type eq "work"].value`,
`addresses[type eq "work"].locality`, `members[value eq "…"]`, and schema-qualified
names such as `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
Without a path, `value` is an object whose keys are paths (Microsoft Entra ID sends
`{"op": "Replace", "value": {"active": false}}` and dotted keys like `name.givenName`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accounts.scim.errors import ScimError, invalid_path, invalid_syntax, invalid_value, mutability, no_target
from accounts.scim.filters import Node, equality_pairs, matches, parse
from accounts.scim.schemas import CORE_SCHEMAS, ENTERPRISE_SCHEMA, PATCH_OP_SCHEMA
from accounts.scim.serializers import check_schemas

MAX_OPERATIONS = 1000

MULTI_VALUED = frozenset(
    {"emails", "addresses", "members", "groups", "phonenumbers", "ims", "photos", "entitlements", "roles"}
    | {"x509certificates"}
)
SUB_ATTRIBUTES = {
    "name": {"givenname", "familyname", "formatted", "middlename", "honorificprefix", "honorificsuffix"},
    "emails": {"value", "type", "primary", "display"},
    "addresses": {"type", "locality", "formatted", "streetaddress", "region", "postalcode", "country", "primary"},
    "members": {"value", "type", "display", "$ref"},
}
_PATH = re.compile(r"^(?P<attribute>[^\[\].]+)(?:\[(?P<filter>.*)\])?(?:\.(?P<sub>[^\[\].]+))?$")


@dataclass(frozen=True)
class ResourceRules:
    """What a resource type's paths may name."""

    attributes: frozenset[str]  # writable, lower case
    read_only: frozenset[str]
    ignored: frozenset[str] = frozenset()
    enterprise: frozenset[str] = frozenset()  # writable enterprise attributes
    enterprise_ignored: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Path:
    attribute: str  # lower case
    extension: bool = False
    filter: Node | None = None
    sub: str | None = None


def parse_path(text: Any, rules: ResourceRules) -> Path:
    if not isinstance(text, str) or not text.strip():
        raise invalid_path("The path must be a non-empty string.")
    rest = text.strip()
    extension = False
    for schema in (*CORE_SCHEMAS, ENTERPRISE_SCHEMA):
        if rest.lower().startswith(schema.lower() + ":"):
            rest = rest[len(schema) + 1 :]
            extension = schema == ENTERPRISE_SCHEMA
            break
    else:
        if rest.lower().startswith("urn:"):
            raise invalid_path(f"“{text}” names a schema this server does not support.")
    match = _PATH.match(rest)
    if match is None:
        raise invalid_path(f"“{text}” is not a valid attribute path.")
    attribute, sub = match["attribute"].lower(), (match["sub"] or "").lower() or None
    if extension and rules.enterprise | rules.enterprise_ignored:
        if attribute not in rules.enterprise | rules.enterprise_ignored or match["filter"] is not None or sub:
            raise invalid_path(f"“{text}” is not an attribute of {ENTERPRISE_SCHEMA}.")
        return Path(attribute=attribute, extension=True)
    if extension or attribute not in rules.attributes | rules.read_only | rules.ignored:
        raise invalid_path(f"“{text}” is not an attribute of this resource.")
    if attribute in rules.read_only:
        raise mutability(f"“{match['attribute']}” is read-only.")
    node = None
    if match["filter"] is not None:
        if attribute not in MULTI_VALUED:
            raise invalid_path(f"“{text}”: only multi-valued attributes take a value filter.")
        try:
            node = parse(match["filter"])
        except ScimError as error:
            raise invalid_path(f"“{text}”: {error.detail}") from None
    if sub is not None and attribute in SUB_ATTRIBUTES and sub not in SUB_ATTRIBUTES[attribute]:
        raise invalid_path(f"“{text}”: {match['attribute']} has no sub-attribute “{match['sub']}”.")
    if sub is not None and attribute not in SUB_ATTRIBUTES and attribute not in rules.ignored:
        raise invalid_path(f"“{text}”: {match['attribute']} has no sub-attributes.")
    return Path(attribute=attribute, filter=node, sub=sub)


def _container(resource: dict[str, Any], path: Path) -> dict[str, Any]:
    if not path.extension:
        return resource
    key = _key(resource, ENTERPRISE_SCHEMA.lower()) or ENTERPRISE_SCHEMA
    extension = resource.get(key)
    if not isinstance(extension, dict):
        extension = resource[key] = {}
    return extension


def _key(container: Mapping[str, Any], attribute: str) -> str | None:
    return next((key for key in container if key.lower() == attribute), None)


def _elements(container: dict[str, Any], key: str) -> list[Any]:
    elements = container.get(key)
    if elements is None:
        elements = container[key] = []
    if not isinstance(elements, list):
        raise invalid_path(f"“{key}” is not multi-valued.")
    return elements


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, Mapping) and isinstance(right, Mapping) and "value" in left and "value" in right:
        return str(left["value"]).lower() == str(right["value"]).lower()
    return bool(left == right)


def _as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid_value(f"{what} needs an object as its value.")
    return dict(value)


def _apply(operation: str, resource: dict[str, Any], path_text: Any, value: Any, rules: ResourceRules) -> None:
    if path_text is None:
        if operation == "remove":
            raise no_target("A remove operation needs a path.")
        for key, item in _as_object(value, f"An {operation} operation without a path").items():
            _apply(operation, resource, key, item, rules)
        return
    if isinstance(path_text, str) and path_text.strip().lower() == ENTERPRISE_SCHEMA.lower():
        if operation == "remove":
            resource.pop(_key(resource, ENTERPRISE_SCHEMA.lower()) or ENTERPRISE_SCHEMA, None)
            return
        for key, item in _as_object(value, f"The {ENTERPRISE_SCHEMA} extension").items():
            _apply(operation, resource, f"{ENTERPRISE_SCHEMA}:{key}", item, rules)
        return
    path = parse_path(path_text, rules)
    container = _container(resource, path)
    key = _key(container, path.attribute) or path.attribute
    if operation == "add":
        _add(container, key, path, value)
    elif operation == "replace":
        _replace(container, key, path, value)
    else:
        _remove(container, key, path, value)


def _add(container: dict[str, Any], key: str, path: Path, value: Any) -> None:
    if path.filter is not None:
        elements = _elements(container, key)
        matched = [element for element in elements if matches(path.filter, element)]
        if not matched:
            template = equality_pairs(path.filter)
            if template is None:
                raise no_target(f"No {key} value matches the filter, and one cannot be built from it.")
            elements.append(template)
            matched = [template]
        for element in matched:
            if path.sub:
                element[path.sub] = value
            else:
                element.update(_as_object(value, "Adding to a filtered value"))
    elif path.sub:
        parent = container.get(key)
        if not isinstance(parent, dict):
            parent = container[key] = {}
        parent[path.sub] = value
    elif path.attribute in MULTI_VALUED:
        elements = _elements(container, key)
        for item in value if isinstance(value, list) else [value]:
            if not any(_same(item, existing) for existing in elements):
                elements.append(item)
    elif isinstance(value, Mapping) and isinstance(container.get(key), dict):
        container[key].update(value)
    else:
        container[key] = value


def _replace(container: dict[str, Any], key: str, path: Path, value: Any) -> None:
    if path.filter is not None:
        elements = _elements(container, key)
        matched = [index for index, element in enumerate(elements) if matches(path.filter, element)]
        if not matched:
            raise no_target(f"No {key} value matches the filter.")
        for index in matched:
            if path.sub:
                elements[index][path.sub] = value
            else:
                elements[index] = _as_object(value, "Replacing a filtered value")
    elif path.sub:
        parent = container.get(key)
        if not isinstance(parent, dict):
            parent = container[key] = {}
        parent[path.sub] = value
    elif path.attribute in MULTI_VALUED:
        container[key] = list(value) if isinstance(value, list) else [value]
    elif isinstance(value, Mapping) and isinstance(container.get(key), dict):
        # RFC 7644 §3.5.2.3: sub-attributes not given are left unchanged.
        container[key].update(value)
    else:
        container[key] = value


def _remove(container: dict[str, Any], key: str, path: Path, value: Any) -> None:
    if path.filter is not None:
        elements = _elements(container, key)
        if path.sub:
            for element in elements:
                if matches(path.filter, element):
                    element.pop(_key(element, path.sub) or path.sub, None)
        else:
            container[key] = [element for element in elements if not matches(path.filter, element)]
    elif path.sub:
        parent = container.get(key)
        if isinstance(parent, dict):
            parent.pop(_key(parent, path.sub) or path.sub, None)
    elif path.attribute in MULTI_VALUED and value is not None:
        # Entra ID removes members as {"op": "Remove", "path": "members", "value": [{"value": "…"}]}.
        doomed = value if isinstance(value, list) else [value]
        container[key] = [
            element for element in _elements(container, key) if not any(_same(element, d) for d in doomed)
        ]
    else:
        container.pop(key, None)


def apply_patch(resource: dict[str, Any], body: Any, rules: ResourceRules) -> dict[str, Any]:
    """The resource after the body's operations; raises ScimError for a bad request."""
    check_schemas(body, core=PATCH_OP_SCHEMA, allowed=[PATCH_OP_SCHEMA])
    operations = next((value for key, value in body.items() if key.lower() == "operations"), None)
    if not isinstance(operations, list) or not operations:
        raise invalid_syntax("A PATCH body needs a non-empty list of Operations.")
    if len(operations) > MAX_OPERATIONS:
        raise invalid_value(f"A PATCH may carry at most {MAX_OPERATIONS} operations.")
    for operation in operations:
        if not isinstance(operation, Mapping):
            raise invalid_syntax("Each operation must be an object.")
        fields = {key.lower(): value for key, value in operation.items()}
        name = fields.get("op")
        if not isinstance(name, str) or name.lower() not in ("add", "replace", "remove"):
            raise invalid_syntax(f"“{name}” is not a PATCH operation: use add, replace or remove.")
        if name.lower() != "remove" and "value" not in fields:
            raise invalid_value(f"The {name} operation needs a value.")
        _apply(name.lower(), resource, fields.get("path"), fields.get("value"), rules)
    return resource
