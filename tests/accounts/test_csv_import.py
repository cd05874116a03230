"""Importing members from a CSV file: all rows or none, with a report of what to fix."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services
from accounts.models import Invitation, Membership, MembershipStatus, Role
from accounts.tenancy import organization_scope
from tests.accounts.admin_support import NON_ADMIN_ROLES, messages_of, row_counts, url

pytestmark = pytest.mark.django_db

HEADER = "email,full_name,role,department,location,job_title,timezone,is_hourly,groups\n"


def upload(client, text: str | bytes, name: str = "people.csv"):  # type: ignore[no-untyped-def]
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(url("member_import", "acme"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def report_text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.content.decode().split())


# The page and the template ---------------------------------------------------------


def test_admin_sees_the_import_page_with_the_columns(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("member_import", "acme"))
    assert response.status_code == 200
    body = response.content.decode()
    for column in services.CSV_COLUMNS:
        assert f"<code>{column}</code>" in body
    assert url("member_import_template", "acme") in body


def test_admin_downloads_a_template_that_imports_as_it_stands(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.get(url("member_import_template", "acme"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(rows[0].keys()) == services.CSV_COLUMNS
    assert rows[0]["groups"] == "Acme Champions"
    assert upload(client, response.content).status_code == 302


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_import(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    before = row_counts()
    assert client.get(url("member_import", "acme")).status_code == 403
    assert client.get(url("member_import_template", "acme")).status_code == 403
    assert upload(client, HEADER + "x@acme.example,,,,,,,,\n").status_code == 403
    assert row_counts() == before


def test_a_member_of_another_organization_cannot_import_here(tenant_a, tenant_b, client_for):
    before = row_counts()
    response = upload(client_for(tenant_b.admin), HEADER + "x@acme.example,,,,,,,,\n")
    assert response.status_code == 404
    assert row_counts() == before


# A valid file ----------------------------------------------------------------------


def test_a_valid_file_invites_everyone_in_it(tenant_a, client_for, django_capture_on_commit_callbacks):
    text = (
        HEADER
        + "ada@acme.example,Ada Lovelace,manager,Research,London,Analyst,Europe/London,no,Acme Champions\n"
        + "GRACE@acme.example,Grace Hopper,,Navy,Arlington,Admiral,,yes,\n"
        + "\n"
        + "linus@acme.example,,employee,,,,,,acme champions\n"
    )
    before = row_counts()
    client = client_for(tenant_a.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = upload(client, text)
    assert response.status_code == 302
    assert response.url == url("invitation_list", "acme")
    assert len(callbacks) == 3
    after = row_counts()
    assert after["memberships"] == before["memberships"] + 3
    assert after["invitations"] == before["invitations"] + 3
    assert "3 people were invited. Their invitations are on their way." in messages_of(client.get(response.url))
    with organization_scope(tenant_a.organization):
        ada = Membership.objects.select_related("user").get(user__email="ada@acme.example")
        grace = Membership.objects.get(user__email="grace@acme.example")
        linus = Membership.objects.get(user__email="linus@acme.example")
        assert list(ada.groups.all()) == [tenant_a.group]
        assert list(linus.groups.all()) == [tenant_a.group]
        assert Invitation.objects.get(membership=ada).invited_by == tenant_a.admin.user
    assert (ada.role, ada.status, ada.department, ada.job_title) == (
        Role.MANAGER,
        MembershipStatus.INVITED,
        "Research",
        "Analyst",
    )
    assert ada.user.full_name == "Ada Lovelace"
    assert grace.role == Role.EMPLOYEE and grace.is_hourly is True


def test_columns_may_come_in_any_order_and_only_email_is_required(tenant_a, client_for):
    response = upload(client_for(tenant_a.admin), "Groups,EMAIL\nAcme Champions,solo@acme.example\n")
    assert response.status_code == 302
    with organization_scope(tenant_a.organization):
        assert Membership.objects.filter(user__email="solo@acme.example", status=MembershipStatus.INVITED).exists()


def test_someone_still_invited_can_be_imported_again(tenant_a, client_for):
    response = upload(client_for(tenant_a.admin), HEADER + "invitee@acme.example,,,,,,,,\n")
    assert response.status_code == 302


# Files with problems: a report, and nothing imported ---------------------------------


BAD_FILES = [
    pytest.param(
        HEADER + "not-an-email,,,,,,,,\n", ["Line 2", "“not-an-email” is not a valid email address."], id="bad-email"
    ),
    pytest.param(HEADER + ",Nameless,,,,,,,\n", ["The email is missing."], id="missing-email"),
    pytest.param(HEADER + "a@acme.example,,owner,,,,,,\n", ["“owner” is not a role"], id="unknown-role"),
    pytest.param(
        HEADER + "a@acme.example,,,,,,,,\nb@acme.example,,,,,,,,\nA@acme.example,,,,,,,,\n",
        ["Line 4", "a@acme.example appears more than once in the file."],
        id="duplicate-email",
    ),
    pytest.param(
        HEADER + "a@acme.example,,,,,,,,Nonexistent\n", ["There is no group named “Nonexistent”."], id="unknown-group"
    ),
    pytest.param(
        HEADER + "a@acme.example,,,,,,,,Globex Champions\n",
        ["There is no group named “Globex Champions”."],
        id="group-of-another-organization",
    ),
    pytest.param(
        HEADER + "employee@acme.example,,,,,,,,\n",
        ["employee@acme.example is already a member."],
        id="already-a-member",
    ),
    pytest.param(
        HEADER + "a@acme.example,,,,,,Mars/Olympus,,\n", ["timezone:", "Mars/Olympus"], id="unknown-time-zone"
    ),
    pytest.param(
        HEADER + "a@acme.example,,,,,,,maybe,\n", ["is_hourly “maybe” must be yes or no."], id="bad-hourly-flag"
    ),
    pytest.param(
        HEADER + "a@acme.example,,,,,,,,,extra\n", ["more values than there are columns"], id="too-many-values"
    ),
    pytest.param("mail,name\na@acme.example,A\n", ["must name the columns and include “email”"], id="wrong-header"),
    pytest.param(
        "email,name,shoe_size\na@acme.example,A,42\n", ["Unknown columns: “name”, “shoe_size”"], id="unknown-column"
    ),
    pytest.param(
        "email,email\na@acme.example,b@acme.example\n",
        ["These columns appear more than once: email."],
        id="repeated-column",
    ),
    pytest.param(HEADER, ["The file has no rows to import."], id="no-rows"),
    pytest.param(
        "email,full_name\nb@acme.example,Zoë\n".encode("latin-1"), ["The file is not UTF-8 text."], id="not-utf-8"
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_a_file_with_problems_gets_a_report_and_imports_nothing(tenant_a, tenant_b, client_for, text, expected):
    # A valid row next to the bad one: it must not be imported either.
    if isinstance(text, str) and text.startswith(HEADER) and text != HEADER:
        text = text.replace(HEADER, HEADER + "valid@acme.example,Valid,,,,,,,\n", 1)
        expected = [e.replace("Line 2", "Line 3").replace("Line 4", "Line 5") for e in expected]
    before = row_counts()
    response = upload(client_for(tenant_a.admin), text)
    assert response.status_code == 400
    page = report_text(response)
    assert "Nothing was imported" in page
    for fragment in expected:
        if fragment.startswith("Line "):
            line = fragment.split()[1]
            assert f'<span class="label">Line</span>{line}</td>' in page
        else:
            assert fragment in page
    assert row_counts() == before


def test_the_report_lists_each_bad_row_with_its_line_email_and_problems(tenant_a, client_for):
    text = HEADER + "ok@acme.example,,,,,,,,\nbad,,owner,,,,,,Nope\nok2@acme.example,,,,,,,,\n"
    response = upload(client_for(tenant_a.admin), text)
    report = response.context["report"]
    assert [(row.line, row.email) for row in report.invalid_rows] == [(3, "bad")]
    assert len(report.invalid_rows[0].errors) == 3
    assert "1 of 3 rows in people.csv has a problem." in report_text(response)


def test_a_file_larger_than_1_mb_is_refused_before_it_is_read(tenant_a, client_for):
    before = row_counts()
    big = HEADER + "".join(f"person{n}@acme.example,,,,,,,,\n" for n in range(40_000))
    assert len(big) > 1024 * 1024
    response = upload(client_for(tenant_a.admin), big)
    assert response.status_code == 400
    assert "the limit is 1.0 MB" in report_text(response)
    assert row_counts() == before


def test_an_empty_file_is_a_form_error(tenant_a, client_for):
    before = row_counts()
    response = upload(client_for(tenant_a.admin), "")
    assert response.status_code == 400
    assert "The submitted file is empty." in response.context["form"].errors["file"]
    assert row_counts() == before


def test_no_file_at_all_is_a_form_error(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("member_import", "acme"), {})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors


def test_the_import_service_refuses_more_than_1_mb_on_its_own(tenant_a):
    with organization_scope(tenant_a.organization):
        report = services.invitations_import_csv(
            organization=tenant_a.organization, data=b"email\n" + b"x" * (1024 * 1024), invited_by=None
        )
    assert not report.is_valid and "larger than 1 MB" in report.errors[0]
