"""Content settings: admins change them, managers read them."""

from __future__ import annotations

import pytest

from accounts.tenancy import organization_scope
from content import services
from tests.content.views_support import OTHER_ROLES, url

pytestmark = pytest.mark.django_db

DATA = {"disclosure": "#iworkforacme", "blocked_phrases": "guaranteed\n  insider tip \n\nguaranteed", "four_eyes": ""}


def saved(tenant):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return services.content_settings_get(organization=tenant.organization)


def test_an_admin_saves_the_disclosure_blocked_phrases_and_four_eyes(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("settings"), DATA)
    assert response.status_code == 302
    settings = saved(tenant_a)
    assert settings.disclosure == "#iworkforacme"
    assert settings.blocked_phrase_list == ["guaranteed", "insider tip"]
    assert settings.four_eyes is False


def test_the_form_shows_the_saved_values(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    client.post(url("settings"), {**DATA, "four_eyes": "on"})
    body = client.get(url("settings")).content.decode()
    assert 'value="#iworkforacme"' in body and "insider tip" in body and "checked" in body


def test_a_manager_sees_the_settings_read_only(tenant_a, client_for):
    response = client_for(tenant_a.manager).get(url("settings"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Only admins can change these settings" in body
    assert "disabled" in body and "Save settings" not in body


def test_a_manager_cannot_change_the_settings(tenant_a, client_for):
    response = client_for(tenant_a.manager).post(url("settings"), DATA)
    assert response.status_code == 403
    assert saved(tenant_a).disclosure == ""


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_executives_and_employees_get_forbidden(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    assert client.get(url("settings")).status_code == 403
    assert client.post(url("settings"), DATA).status_code == 403


def test_a_too_long_disclosure_is_refused_with_a_message(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("settings"), {**DATA, "disclosure": "#" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    assert saved(tenant_a).disclosure == ""
