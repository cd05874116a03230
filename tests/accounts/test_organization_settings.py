"""The organisation's settings: name and time zone."""

from __future__ import annotations

import pytest

from accounts.models import Organization
from tests.accounts.admin_support import NON_ADMIN_ROLES, messages_of, url

pytestmark = pytest.mark.django_db


def reload(organization: Organization) -> Organization:
    return Organization.objects.get(pk=organization.pk)


def test_admin_sees_the_settings_filled_in(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("organization_settings", "acme"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"name": "Acme", "timezone": "Europe/London"}
    assert '<option value="Europe/London" selected>' in response.content.decode()


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_see_or_change_the_settings(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    assert client.get(url("organization_settings", "acme")).status_code == 403
    response = client.post(url("organization_settings", "acme"), {"name": "Hacked", "timezone": "UTC"})
    assert response.status_code == 403
    assert reload(tenant_a.organization).name == "Acme"


def test_an_admin_of_another_organization_gets_not_found(tenant_a, tenant_b, client_for):
    response = client_for(tenant_b.admin).post(
        url("organization_settings", "acme"), {"name": "Hacked", "timezone": "UTC"}
    )
    assert response.status_code == 404
    assert reload(tenant_a.organization).name == "Acme"


def test_admin_renames_the_organization_and_changes_its_time_zone(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.post(
        url("organization_settings", "acme"), {"name": " Acme Corp ", "timezone": "America/New_York"}
    )
    assert response.status_code == 302
    organization = reload(tenant_a.organization)
    assert (organization.name, organization.timezone, organization.slug) == ("Acme Corp", "America/New_York", "acme")
    assert "The organisation’s settings were saved." in messages_of(client.get(response.url))


def test_an_unknown_time_zone_is_refused(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(
        url("organization_settings", "acme"), {"name": "Acme", "timezone": "Mars/Base"}
    )
    assert response.status_code == 400
    assert "timezone" in response.context["form"].errors
    assert reload(tenant_a.organization).timezone == "Europe/London"


def test_an_empty_name_is_refused_and_the_page_keeps_the_saved_name(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("organization_settings", "acme"), {"name": "  ", "timezone": "UTC"})
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert reload(tenant_a.organization).name == "Acme"
    assert "<title>Settings · Acme · Chorus</title>" in response.content.decode()
