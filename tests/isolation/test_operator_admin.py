"""The operators' admin site crosses tenants by design, so only staff may enter it."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_organisation_admin_is_not_an_operator(client: Client, tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    client.force_login(tenant_a.admin.user)
    response = client.get("/django-admin/accounts/membership/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]
