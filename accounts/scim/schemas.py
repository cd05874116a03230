"""Schema URNs and the discovery documents (RFC 7643 §5–§7, RFC 7644 §4): what the
identity provider reads to learn which attributes and features Chorus supports."""

from __future__ import annotations

from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SERVICE_PROVIDER_CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

CORE_SCHEMAS = (USER_SCHEMA, GROUP_SCHEMA)
MAX_RESULTS = 200

# Attributes RFC 7643 defines that Chorus does not store: accepted and ignored, so an
# identity provider's default attribute mapping works unchanged. A name that no schema
# defines is refused with invalidPath.
IGNORED_USER_ATTRIBUTES = frozenset(
    {
        "nickname",
        "profileurl",
        "usertype",
        "preferredlanguage",
        "locale",
        "password",
        "phonenumbers",
        "ims",
        "photos",
        "entitlements",
        "roles",
        "x509certificates",
    }
)
IGNORED_ENTERPRISE_ATTRIBUTES = frozenset({"employeenumber", "costcenter", "organization", "division", "manager"})


def attribute(
    name: str,
    type_: str = "string",
    *,
    description: str = "",
    required: bool = False,
    multi_valued: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    case_exact: bool = False,
    sub_attributes: list[dict[str, Any]] | None = None,
    reference_types: list[str] | None = None,
) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi_valued,
        "description": description,
        "required": required,
        "mutability": mutability,
        "returned": returned,
    }
    if type_ in ("string", "reference"):
        described["caseExact"] = case_exact
        described["uniqueness"] = uniqueness
    if sub_attributes:
        described["subAttributes"] = sub_attributes
    if reference_types:
        described["referenceTypes"] = reference_types
    return described


USER_ATTRIBUTES = [
    attribute(
        "userName",
        description="Unique in the organisation. The person's email address, unless emails gives one.",
        required=True,
        uniqueness="server",
    ),
    attribute(
        "name",
        "complex",
        description="The person's name as the identity provider knows it.",
        sub_attributes=[
            attribute("formatted", description="The full name."),
            attribute("familyName"),
            attribute("givenName"),
        ],
    ),
    attribute("displayName", description="The name shown in Chorus."),
    attribute("title", description="Job title."),
    attribute("timezone", description="IANA time zone, for example Europe/London."),
    attribute("active", "boolean", description="false deactivates the member; true activates them again."),
    attribute(
        "emails",
        "complex",
        multi_valued=True,
        description="The primary (else work, else first) address is the person's sign-in address.",
        sub_attributes=[
            attribute("value"),
            attribute("type", description="work, home or other."),
            attribute("primary", "boolean"),
        ],
    ),
    attribute(
        "addresses",
        "complex",
        multi_valued=True,
        description="The work address's locality is the member's location.",
        sub_attributes=[attribute("type"), attribute("locality"), attribute("primary", "boolean")],
    ),
    attribute(
        "groups",
        "complex",
        multi_valued=True,
        mutability="readOnly",
        description="The groups the member belongs to; change them through Groups.",
        sub_attributes=[
            attribute("value", mutability="readOnly"),
            attribute("$ref", "reference", mutability="readOnly", reference_types=["Group"]),
            attribute("display", mutability="readOnly"),
        ],
    ),
]
ENTERPRISE_ATTRIBUTES = [attribute("department", description="The member's department.")]
GROUP_ATTRIBUTES = [
    attribute("displayName", description="Unique in the organisation.", required=True, uniqueness="server"),
    attribute(
        "members",
        "complex",
        multi_valued=True,
        description="Users only; nested groups are not supported.",
        sub_attributes=[
            attribute("value", mutability="immutable"),
            attribute("$ref", "reference", mutability="immutable", reference_types=["User"]),
            attribute("display", mutability="readOnly"),
            attribute("type", mutability="immutable", description="User."),
        ],
    ),
]

_SCHEMAS = {
    USER_SCHEMA: ("User", "A member of the organisation.", USER_ATTRIBUTES),
    ENTERPRISE_SCHEMA: ("EnterpriseUser", "Enterprise attributes of a member.", ENTERPRISE_ATTRIBUTES),
    GROUP_SCHEMA: ("Group", "A group of members.", GROUP_ATTRIBUTES),
}


def _meta(base_url: str, resource_type: str, path: str) -> dict[str, str]:
    return {"resourceType": resource_type, "location": f"{base_url}/{path}"}


def schema_document(schema_id: str, base_url: str) -> dict[str, Any] | None:
    for known, (name, description, attributes) in _SCHEMAS.items():
        if known.lower() == schema_id.lower():
            return {
                "schemas": [SCHEMA_SCHEMA],
                "id": known,
                "name": name,
                "description": description,
                "attributes": attributes,
                "meta": _meta(base_url, "Schema", f"Schemas/{known}"),
            }
    return None


def schema_documents(base_url: str) -> list[dict[str, Any]]:
    return [document for schema in _SCHEMAS if (document := schema_document(schema, base_url))]


def resource_type_document(name: str, base_url: str) -> dict[str, Any] | None:
    if name.lower() == "user":
        return {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A member of the organisation.",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
            "meta": _meta(base_url, "ResourceType", "ResourceTypes/User"),
        }
    if name.lower() == "group":
        return {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A group of members.",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": _meta(base_url, "ResourceType", "ResourceTypes/Group"),
        }
    return None


def resource_type_documents(base_url: str) -> list[dict[str, Any]]:
    return [document for name in ("User", "Group") if (document := resource_type_document(name, base_url))]


def service_provider_config(base_url: str) -> dict[str, Any]:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token an admin creates on the organisation's SCIM settings page.",
                "primary": True,
            }
        ],
        "meta": _meta(base_url, "ServiceProviderConfig", "ServiceProviderConfig"),
    }
