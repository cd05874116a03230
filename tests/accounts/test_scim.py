"""SCIM 2.0 provisioning: an identity provider creates, updates and deactivates members
and keeps groups in step, authenticated by the organisation's bearer token.

The flow test replays the request examples of RFC 7644 (§3.3, §3.4.1, §3.4.2, §3.5.1,
§3.5.2, §3.6) with our ids; the bad-input tests check the exact error bodies of
§3.12."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import GroupMembership, Membership, MembershipStatus, ScimToken, ScimUserRecord, User
from accounts.services.scim import scim_token_create, scim_token_revoke
from accounts.tenancy import organization_scope, scopes_disabled
from tests.conftest import Tenant
from tests.isolation.test_cross_tenant_walk import unfillable, walked_routes

pytestmark = pytest.mark.django_db

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
BASE = f"{settings.SITE_URL}/scim/v2"


def error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status)}
    if scim_type:
        body["scimType"] = scim_type
    body["detail"] = detail
    return body


class Scim:
    """An identity provider: JSON requests with the bearer token."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.token = token

    def request(self, method: str, path: str, body: Any = None, *, raw: str | None = None, **headers: str) -> Any:
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"content_type": "application/scim+json"} if data is not None else {}
        response = getattr(self.client, method)(
            f"/scim/v2/{path}", data, headers={"Authorization": f"Bearer {self.token}", **headers}, **kwargs
        )
        response.body = json.loads(response.content) if response.content else None
        return response

    def get(self, path: str, **params: str) -> Any:
        response = self.client.get(f"/scim/v2/{path}", params, headers={"Authorization": f"Bearer {self.token}"})
        response.body = json.loads(response.content) if response.content else None
        return response

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("post", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("put", path, body, **kwargs)

    def patch(self, path: str, *operations: dict[str, Any], **kwargs: Any) -> Any:
        return self.request("patch", path, {"schemas": [PATCH_OP], "Operations": list(operations)}, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("delete", path, **kwargs)


def new_token(tenant: Tenant) -> str:
    with organization_scope(tenant.organization):
        return scim_token_create(organization=tenant.organization, name="Okta", created_by=tenant.admin.user)[1]


@pytest.fixture
def idp(tenant_a: Tenant) -> Scim:
    return Scim(new_token(tenant_a))


def member(public_id: str) -> Membership:
    with scopes_disabled():  # reading the result of a request, for assertions only
        return Membership.objects.select_related("user").get(public_id=public_id)


def group_member_ids(group_public_id: str) -> set[str]:
    with scopes_disabled():
        return {
            str(public_id)
            for public_id in GroupMembership.objects.filter(group__public_id=group_public_id).values_list(
                "membership__public_id", flat=True
            )
        }


# RFC 7644 §3.3 (create) with the user of RFC 7643 §8.2, adapted: Chorus needs an email.
BJENSEN = {
    "schemas": [USER, ENTERPRISE],
    "userName": "bjensen@example.com",
    "externalId": "bjensen",
    "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
    "addresses": [{"type": "work", "locality": "Hollywood", "region": "CA", "country": "USA"}],
    "title": "Tour Guide",
    ENTERPRISE: {"department": "Tour Operations", "employeeNumber": "701984"},
}


def test_an_identity_provider_provisions_a_member_through_the_rfc_7644_examples(idp: Scim, tenant_a: Tenant) -> None:
    # §3.3 Creating a resource
    created = idp.post("Users", BJENSEN)
    assert created.status_code == 201, created.body
    assert created["Content-Type"] == "application/scim+json"
    user_id = created.body["id"]
    assert created["Location"] == f"{BASE}/Users/{user_id}" == created.body["meta"]["location"]
    assert created.body["userName"] == "bjensen@example.com"
    assert created.body["active"] is True
    assert created.body["addresses"] == [{"type": "work", "locality": "Hollywood"}]
    assert created.body[ENTERPRISE] == {"department": "Tour Operations"}
    assert created.body["meta"]["resourceType"] == "User"
    assert created.body["meta"]["version"].startswith('W/"')
    membership = member(user_id)
    assert membership.organization == tenant_a.organization
    assert membership.status == MembershipStatus.ACTIVE and membership.joined_at is not None
    assert (membership.department, membership.location, membership.job_title) == (
        "Tour Operations",
        "Hollywood",
        "Tour Guide",
    )
    assert membership.user.email == "bjensen@example.com"
    assert membership.user.full_name == "Ms. Barbara J Jensen III"
    assert not membership.user.has_usable_password()

    # §3.4.1 Retrieving a known resource
    fetched = idp.get(f"Users/{user_id}")
    assert fetched.status_code == 200
    assert fetched.body == created.body
    assert fetched["ETag"] == created.body["meta"]["version"]

    # §3.4.2 Query resources: filter, startIndex and count
    found = idp.get("Users", filter='userName Eq "BJensen@example.com"')
    assert found.body["schemas"] == [LIST]
    assert (found.body["totalResults"], [r["id"] for r in found.body["Resources"]]) == (1, [user_id])
    assert idp.get("Users", filter='externalId eq "bjensen"').body["totalResults"] == 1
    assert idp.get("Users", filter='externalId eq "BJENSEN"').body["totalResults"] == 0  # caseExact
    both = idp.get("Users", filter='title sw "tour" and (emails.value co "jensen" or userName eq "x")')
    assert [r["id"] for r in both.body["Resources"]] == [user_id]
    page = idp.get("Users", startIndex="2", count="2")
    assert (page.body["totalResults"], page.body["startIndex"], page.body["itemsPerPage"]) == (6, 2, 2)
    assert idp.get("Users", count="0").body == {
        "schemas": [LIST],
        "totalResults": 6,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }

    # §3.5.1 Replacing with PUT (attributes not sent are cleared)
    replaced = idp.put(
        f"Users/{user_id}",
        {
            "schemas": [USER, ENTERPRISE],
            "id": user_id,
            "userName": "bjensen@example.com",
            "externalId": "bjensen",
            "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
            "roles": [],
            "userType": "Employee",
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
            ENTERPRISE: {"department": "Tours"},
        },
        **{"If-Match": fetched["ETag"]},
    )
    assert replaced.status_code == 200, replaced.body
    assert replaced.body[ENTERPRISE] == {"department": "Tours"}
    assert "addresses" not in replaced.body and "title" not in replaced.body
    assert replaced.body["meta"]["version"] != fetched.body["meta"]["version"]
    stale = idp.put(f"Users/{user_id}", {**BJENSEN}, **{"If-Match": fetched["ETag"]})
    assert stale.status_code == 412

    # §3.5.2 Modifying with PATCH: user attributes, with every path form
    patched = idp.patch(
        f"Users/{user_id}",
        {"op": "replace", "value": {"nickName": "Babs", "displayName": "Babs Jensen"}},
        {"op": "replace", "path": "name.givenName", "value": "Babs"},
        {"op": "add", "path": 'addresses[type eq "work"].locality', "value": "Burbank"},
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Studio Tours"},
        {"op": "add", "path": "title", "value": "Senior Guide"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "babs@example.com"},
    )
    assert patched.status_code == 200, patched.body
    assert patched.body["name"]["givenName"] == "Babs"
    assert patched.body["displayName"] == "Babs Jensen"
    assert patched.body["emails"] == [{"value": "babs@example.com", "type": "work", "primary": True}]
    membership = member(user_id)
    assert (membership.department, membership.location, membership.job_title) == (
        "Studio Tours",
        "Burbank",
        "Senior Guide",
    )
    assert (membership.user.email, membership.user.full_name) == ("babs@example.com", "Babs Jensen")
    removed = idp.patch(f"Users/{user_id}", {"op": "remove", "path": "title"})
    assert "title" not in removed.body and member(user_id).job_title == ""

    # §3.6 Deleting: deprovisioning deactivates, keeping the member's history
    deleted = idp.delete(f"Users/{user_id}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert member(user_id).status == MembershipStatus.DEACTIVATED
    assert idp.get(f"Users/{user_id}").body["active"] is False


def test_an_identity_provider_keeps_group_members_in_step(idp: Scim, tenant_a: Tenant) -> None:
    babs = idp.post("Users", BJENSEN).body["id"]
    jim = str(tenant_a.employee.public_id)
    manager = str(tenant_a.manager.public_id)

    # §3.3 with a Group
    created = idp.post(
        "Groups",
        {
            "schemas": [GROUP],
            "displayName": "Tour Guides",
            "externalId": "tour-guides",
            "members": [{"value": babs, "$ref": f"{BASE}/Users/{babs}", "display": "Babs Jensen"}],
        },
    )
    assert created.status_code == 201, created.body
    group_id = created.body["id"]
    assert created["Location"] == f"{BASE}/Groups/{group_id}"
    assert created.body["members"] == [
        {"value": babs, "display": "Ms. Barbara J Jensen III", "type": "User", "$ref": f"{BASE}/Users/{babs}"}
    ]
    assert group_member_ids(group_id) == {babs}
    assert idp.get("Groups", filter='displayName eq "tour guides"').body["totalResults"] == 1
    assert idp.get(f"Users/{babs}").body["groups"] == [
        {"value": group_id, "display": "Tour Guides", "$ref": f"{BASE}/Groups/{group_id}"}
    ]

    # §3.5.2.1 Add members
    added = idp.patch(
        f"Groups/{group_id}",
        {"op": "add", "path": "members", "value": [{"display": "Jim", "value": jim}, {"value": manager}]},
    )
    assert added.status_code == 200, added.body
    assert group_member_ids(group_id) == {babs, jim, manager}

    # §3.5.2.2 Remove one member, then (Entra ID's form) members by value
    idp.patch(f"Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{babs}"]'})
    assert group_member_ids(group_id) == {jim, manager}
    idp.patch(f"Groups/{group_id}", {"op": "Remove", "path": "members", "value": [{"value": manager}]})
    assert group_member_ids(group_id) == {jim}

    # §3.5.2.3 Replace all members, and the name
    replaced = idp.patch(
        f"Groups/{group_id}",
        {"op": "replace", "path": "members", "value": [{"value": babs}, {"value": manager}]},
        {"op": "replace", "value": {"displayName": "Guides"}},
    )
    assert replaced.body["displayName"] == "Guides"
    assert group_member_ids(group_id) == {babs, manager}

    # Remove all members, then PUT them back (§3.5.1)
    idp.patch(f"Groups/{group_id}", {"op": "remove", "path": "members"})
    assert group_member_ids(group_id) == set()
    put = idp.put(f"Groups/{group_id}", {"schemas": [GROUP], "displayName": "Guides", "members": [{"value": jim}]})
    assert put.status_code == 200 and group_member_ids(group_id) == {jim}
    assert idp.get("Groups", filter=f'members.value eq "{jim}"').body["totalResults"] == 2  # and the fixture's

    listed = idp.get("Groups", excludedAttributes="members")
    assert all("members" not in group for group in listed.body["Resources"])

    assert idp.delete(f"Groups/{group_id}").status_code == 204
    assert idp.get(f"Groups/{group_id}").status_code == 404


def test_active_false_deactivates_the_member_and_blocks_their_web_access(
    idp: Scim, tenant_a: Tenant, client_for: Any
) -> None:
    employee = tenant_a.employee
    response = idp.patch(f"Users/{employee.public_id}", {"op": "Replace", "value": {"active": "False"}})
    assert response.status_code == 200 and response.body["active"] is False
    page = client_for(employee).get("/o/acme/")
    assert page.status_code == 403
    assert "Your access has been deactivated" in page.content.decode()

    # …and `active: true` brings them back.
    idp.patch(f"Users/{employee.public_id}", {"op": "replace", "path": "active", "value": True})
    assert client_for(employee).get("/o/acme/profile/").status_code == 200


def test_a_member_known_before_scim_is_found_by_their_email(idp: Scim, tenant_a: Tenant) -> None:
    found = idp.get("Users", filter=f'userName eq "{tenant_a.employee.user.email}"')
    assert [r["id"] for r in found.body["Resources"]] == [str(tenant_a.employee.public_id)]
    assert found.body["Resources"][0]["userName"] == tenant_a.employee.user.email


def test_discovery_documents(idp: Scim) -> None:
    config = idp.get("ServiceProviderConfig").body
    assert config["patch"] == {"supported": True} and config["filter"] == {"supported": True, "maxResults": 200}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = idp.get("ResourceTypes").body
    assert [r["id"] for r in types["Resources"]] == ["User", "Group"]
    assert idp.get("ResourceTypes/User").body["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert {r["id"] for r in idp.get("Schemas").body["Resources"]} == {USER, GROUP, ENTERPRISE}
    assert idp.get(f"Schemas/{ENTERPRISE}").body["attributes"][0]["name"] == "department"


# Bad input: exact RFC 7644 §3.12 error bodies ------------------------------------------


def test_malformed_json_is_invalid_syntax(idp: Scim) -> None:
    response = idp.post("Users", raw='{"schemas": [')
    assert response.status_code == 400
    assert response["Content-Type"] == "application/scim+json"
    assert response.body == error(400, "The request body is not valid JSON.", "invalidSyntax")
    deep = idp.post("Users", raw="[" * 100_000 + "]" * 100_000)
    assert deep.body == error(400, "The request body is not valid JSON.", "invalidSyntax")
    assert idp.post("Users", [1, 2]).body == error(400, "The body must be a JSON object.", "invalidSyntax")


def test_an_unknown_schema_is_invalid_syntax(idp: Scim) -> None:
    response = idp.post("Users", {**BJENSEN, "schemas": [USER, "urn:example:custom"]})
    assert response.status_code == 400
    assert response.body == error(
        400, f"Unknown schema: urn:example:custom. Supported here: {USER}, {ENTERPRISE}.", "invalidSyntax"
    )
    assert idp.post("Users", {**BJENSEN, "shoeSize": 9}).body == error(
        400, "Unknown attribute: shoesize.", "invalidSyntax"
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('userName gt "a"', "The operator “gt” is not supported. Supported: eq, co, sw, pr."),
        ("userName eq", "The filter ends too early."),
        ('not (userName eq "a")', "The “not” operator is not supported."),
        (
            'emails[type eq "work"]',
            "Value filters such as emails[…] are not supported in a filter; "
            "compare a sub-attribute instead, for example emails.value.",
        ),
        ('(userName eq "a"', "A parenthesis in the filter is not closed."),
        ("userName eq bob", "Expected a value (a quoted string, true, false, null or a number), found “bob”."),
        ("(" * 40 + 'userName eq "a"' + ")" * 40, "The filter nests more than 16 levels of parentheses."),
    ],
)
def test_a_bad_filter_is_invalid_filter(idp: Scim, text: str, detail: str) -> None:
    response = idp.get("Users", filter=text)
    assert (response.status_code, response.body) == (400, error(400, detail, "invalidFilter"))


def test_filtering_on_an_unsupported_attribute_is_invalid_filter(idp: Scim) -> None:
    response = idp.get("Groups", filter='shoeSize eq "9"')
    assert response.status_code == 400 and response.body["scimType"] == "invalidFilter"
    assert idp.get("Users", startIndex="first").body == error(400, "startIndex must be an integer.", "invalidValue")


def test_bad_patch_paths_and_targets(idp: Scim, tenant_a: Tenant) -> None:
    path = f"Users/{tenant_a.employee.public_id}"
    cases = [
        (
            {"op": "replace", "path": "shoeSize", "value": 9},
            error(400, "“shoeSize” is not an attribute of this resource.", "invalidPath"),
        ),
        (
            {"op": "replace", "path": 'emails[type eq "work"', "value": "x"},
            error(400, '“emails[type eq "work"” is not a valid attribute path.', "invalidPath"),
        ),
        (
            {"op": "replace", "path": "name.shoeSize", "value": "x"},
            error(400, "“name.shoeSize”: name has no sub-attribute “shoeSize”.", "invalidPath"),
        ),
        (
            {"op": "replace", "path": 'emails[type eq "home"].value', "value": "x@example.com"},
            error(400, "No emails value matches the filter.", "noTarget"),
        ),
        ({"op": "remove"}, error(400, "A remove operation needs a path.", "noTarget")),
        ({"op": "replace", "path": "id", "value": "x"}, error(400, "“id” is read-only.", "mutability")),
        (
            {"op": "add", "path": "groups", "value": [{"value": "x"}]},
            error(400, "“groups” is read-only.", "mutability"),
        ),
        (
            {"op": "move", "path": "title"},
            error(400, "“move” is not a PATCH operation: use add, replace or remove.", "invalidSyntax"),
        ),
        (
            {"op": "replace", "path": "active", "value": "maybe"},
            error(400, "active must be true or false.", "invalidValue"),
        ),
        ({"op": "remove", "path": "userName"}, error(400, "userName is required.", "invalidValue")),
    ]
    before = member(str(tenant_a.employee.public_id))
    for operation, expected in cases:
        response = idp.patch(path, operation)
        assert (response.status_code, response.body) == (400, expected), operation
    after = member(str(tenant_a.employee.public_id))
    assert (after.status, after.job_title) == (before.status, before.job_title)
    wrong_body = idp.request("patch", path, {"schemas": [USER], "Operations": []})
    assert wrong_body.body == error(400, f"Unknown schema: {USER}. Supported here: {PATCH_OP}.", "invalidSyntax")
    empty = idp.request("patch", path, {"schemas": [PATCH_OP], "Operations": []})
    assert empty.body == error(400, "A PATCH body needs a non-empty list of Operations.", "invalidSyntax")


def test_a_duplicate_user_name_is_a_conflict(idp: Scim, tenant_a: Tenant) -> None:
    assert idp.post("Users", BJENSEN).status_code == 201
    again = idp.post("Users", {**BJENSEN, "userName": "BJENSEN@example.com"})
    assert again.status_code == 409
    assert again.body == error(409, "A member with the userName BJENSEN@example.com already exists.", "uniqueness")
    existing = idp.post("Users", {"schemas": [USER], "userName": tenant_a.manager.user.email})
    assert existing.body == error(
        409, f"A member with the userName {tenant_a.manager.user.email} already exists.", "uniqueness"
    )
    taken = idp.patch(
        f"Users/{tenant_a.employee.public_id}", {"op": "replace", "path": "userName", "value": "bjensen@example.com"}
    )
    assert taken.status_code == 409 and taken.body["scimType"] == "uniqueness"
    group = idp.post("Groups", {"schemas": [GROUP], "displayName": tenant_a.group.name.upper()})
    assert group.body == error(409, f"A group named “{tenant_a.group.name.upper()}” already exists.", "uniqueness")


def test_a_user_without_an_email_address_is_refused(idp: Scim) -> None:
    response = idp.post("Users", {"schemas": [USER], "userName": "bjensen"})
    assert response.body == error(400, "A new User needs an email address: in userName or in emails.", "invalidValue")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer chorus_scim_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500],
)
def test_a_missing_or_wrong_token_is_unauthorized(tenant_a: Tenant, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = Client().get("/scim/v2/Users", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="SCIM"'
    assert json.loads(response.content)["schemas"] == [ERROR]


def test_a_revoked_token_is_unauthorized(idp: Scim, tenant_a: Tenant) -> None:
    assert idp.get("Users").status_code == 200
    with organization_scope(tenant_a.organization):
        scim_token_revoke(token=ScimToken.objects.get(organization=tenant_a.organization))
    response = idp.get("Users")
    assert (response.status_code, response.body) == (
        401,
        error(401, "The bearer token is not valid or has been revoked."),
    )
    assert response["WWW-Authenticate"] == 'Bearer realm="SCIM"'


def test_unknown_endpoints_and_methods_answer_scim_errors(idp: Scim) -> None:
    assert idp.get("Bulk").body == error(404, "/Bulk is not a SCIM endpoint of this server.")
    assert idp.delete("Users").body == error(405, "DELETE is not supported here.")
    assert idp.get("Users/not-a-uuid").body == error(404, "No User with this id.")


# Tenancy ---------------------------------------------------------------------------------


def test_a_token_of_one_organization_never_reaches_another(idp: Scim, tenant_a: Tenant, tenant_b: Tenant) -> None:
    from tests.isolation.test_cross_tenant_walk import secrets_of, snapshot

    before = snapshot(tenant_b)
    b_user, b_group = str(tenant_b.employee.public_id), str(tenant_b.group.public_id)
    missing = "00000000-0000-4000-8000-000000000000"
    for kind, b_id in (("Users", b_user), ("Groups", b_group)):
        noun = kind[:-1]
        expected = error(404, f"No {noun} with this id.")
        for response in (
            idp.get(f"{kind}/{b_id}"),
            idp.put(f"{kind}/{b_id}", BJENSEN if kind == "Users" else {"schemas": [GROUP], "displayName": "X"}),
            idp.patch(f"{kind}/{b_id}", {"op": "replace", "path": "displayName", "value": "Hacked"}),
            idp.delete(f"{kind}/{b_id}"),
        ):
            assert (response.status_code, response.body) == (404, expected)
        assert idp.get(f"{kind}/{missing}").body == expected  # exactly like a missing id
    listed = json.dumps([idp.get("Users").body, idp.get("Groups").body])
    assert not [secret for secret in secrets_of(tenant_b) if secret in listed]
    assert idp.get("Users", filter=f'userName eq "{tenant_b.employee.user.email}"').body["totalResults"] == 0
    assert idp.get("Users", filter=f'id eq "{b_user}"').body["totalResults"] == 0
    assert idp.get("Groups", filter=f'members.value eq "{b_user}"').body["totalResults"] == 0
    adding_b = idp.patch(
        f"Groups/{tenant_a.group.public_id}", {"op": "add", "path": "members", "value": [{"value": b_user}]}
    )
    assert adding_b.body == error(400, f"There is no User with id {b_user}.", "invalidValue")
    assert snapshot(tenant_b) == before


def test_provisioning_a_person_of_another_organization_leaves_their_account_alone(
    idp: Scim, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    person = tenant_b.employee.user
    created = idp.post(
        "Users", {"schemas": [USER], "userName": person.email, "name": {"givenName": "Someone", "familyName": "Else"}}
    )
    assert created.status_code == 201
    assert created.body["name"]["givenName"] == "Someone"
    person.refresh_from_db()
    assert person.full_name == "Globex Employee"  # User is global: A's IdP does not rename them
    moved = idp.patch(f"Users/{created.body['id']}", {"op": "replace", "path": "userName", "value": "x@evil.example"})
    assert moved.status_code == 200  # userName is A's own identifier for them…
    hijack = idp.patch(
        f"Users/{created.body['id']}",
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "x@evil.example"},
    )
    assert hijack.body["scimType"] == "mutability"  # …but their sign-in address is theirs
    assert User.objects.get(pk=person.pk).email == person.email


def test_the_cross_tenant_walk_knows_the_scim_routes() -> None:
    routes = walked_routes()
    assert unfillable(routes) == {}
    assert "accounts:scim_token_revoke" in {route.name for route in routes}


# The settings page -------------------------------------------------------------------------


def test_an_admin_creates_a_token_that_is_shown_once(tenant_a: Tenant, client_for: Any) -> None:
    client = client_for(tenant_a.admin)
    url = reverse("accounts:scim_settings", kwargs={"org_slug": "acme"})
    page = client.get(url)
    assert page.status_code == 200
    assert f'value="{BASE}"' in page.content.decode()
    response = client.post(url, {"name": "Okta"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]
    assert raw.startswith("chorus_scim_") and raw in response.content.decode()
    with organization_scope(tenant_a.organization):
        token = ScimToken.objects.get(organization=tenant_a.organization)
    assert raw not in (token.token_hash, token.prefix) and raw.startswith(token.prefix)
    assert raw not in client.get(url).content.decode()  # never again
    assert Scim(raw).get("Users").status_code == 200
    with organization_scope(tenant_a.organization):
        assert ScimToken.objects.get(pk=token.pk).last_used_at is not None

    revoke = reverse("accounts:scim_token_revoke", kwargs={"org_slug": "acme", "token_id": token.public_id})
    assert client.post(revoke).status_code == 302
    assert Scim(raw).get("Users").status_code == 401


@pytest.mark.parametrize("role", ["manager", "executive", "employee"])
def test_only_admins_manage_tokens(tenant_a: Tenant, client_for: Any, role: str) -> None:
    client = client_for(tenant_a.member(role))
    url = reverse("accounts:scim_settings", kwargs={"org_slug": "acme"})
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Sneaky"}).status_code == 403
    with scopes_disabled():
        assert not ScimToken.objects.exists()


def test_an_admin_cannot_revoke_another_organizations_token(
    tenant_a: Tenant, tenant_b: Tenant, client_for: Any
) -> None:
    b_token = new_token(tenant_b)
    with scopes_disabled():
        token_id = ScimToken.objects.get(organization=tenant_b.organization).public_id
    url = reverse("accounts:scim_token_revoke", kwargs={"org_slug": "acme", "token_id": token_id})
    assert client_for(tenant_a.admin).post(url).status_code == 404
    assert Scim(b_token).get("Users").status_code == 200


def test_the_user_record_is_kept_per_organization(idp: Scim, tenant_a: Tenant) -> None:
    user_id = idp.post("Users", BJENSEN).body["id"]
    with organization_scope(tenant_a.organization):
        record = ScimUserRecord.objects.get(membership__public_id=user_id)
    assert (record.user_name, record.external_id, record.given_name) == ("bjensen@example.com", "bjensen", "Barbara")


ODD_PATCHES = [
    {"op": "add", "path": "name", "value": "not an object"},
    {"op": "add", "path": "emails", "value": "x"},
    {"op": "replace", "path": "name.givenName", "value": {"a": 1}},
    {"op": "replace", "path": 5, "value": "x"},
    {"op": "replace", "value": {"": "x"}},
    {"op": "replace", "value": {"urn:example:other:attr": "x"}},
    {"op": "replace", "value": "not an object"},
    {"op": "replace", "path": "userName", "value": "nul\u0000name"},
    {"op": "replace", "path": "timezone", "value": "Mars/Base"},
    {"op": "replace", "path": "title", "value": "x" * 500},
    {"op": "add", "path": 'emails[type eq "home" or type eq "other"].value', "value": "a@example.com"},
    {"op": "add", "path": "emails[type eq]", "value": "a@example.com"},
    {"op": "replace", "path": f"{ENTERPRISE}:department", "value": ["a"]},
    {"op": "replace", "path": f"{ENTERPRISE}", "value": 5},
    {"op": "replace", "path": "title[type eq 'x']", "value": "x"},
    "not an operation",
]


@pytest.mark.parametrize("operation", ODD_PATCHES)
def test_odd_patches_answer_400_and_change_nothing(idp: Scim, tenant_a: Tenant, operation: Any) -> None:
    path = f"Users/{tenant_a.employee.public_id}"
    before = idp.get(path).body
    response = idp.request("patch", path, {"schemas": [PATCH_OP], "Operations": [operation]})
    assert response.status_code == 400, response.body
    assert response.body["schemas"] == [ERROR]
    assert idp.get(path).body == before


@pytest.mark.parametrize(
    "text",
    ['externalId eq "a\\u0000b"', "userName eq 5", 'active eq "true"', 'id co "a"', "title pr pr", '"a" eq "b"'],
)
def test_odd_filters_answer_invalid_filter(idp: Scim, text: str) -> None:
    response = idp.get("Users", filter=text)
    assert (response.status_code, response.body["scimType"]) == (400, "invalidFilter")


@pytest.mark.parametrize(
    "body",
    [
        {"schemas": [GROUP], "displayName": "G", "members": [{"value": 123}]},
        {"schemas": [GROUP], "displayName": "G", "members": [{"value": "not-a-uuid"}]},
        {"schemas": [GROUP], "displayName": "G", "members": [{"value": "x", "type": "Group"}]},
        {"schemas": [GROUP], "displayName": ""},
        {"schemas": [GROUP], "displayName": "G", "members": "everyone"},
    ],
)
def test_odd_groups_answer_400(idp: Scim, body: dict[str, Any]) -> None:
    response = idp.post("Groups", body)
    assert (response.status_code, response.body["scimType"]) == (400, "invalidValue")
