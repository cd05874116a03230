"""Listening through the API: answering, the pulse, the promises and the results."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from accounts.tenancy import scopes_disabled
from analytics.models import BrandPromise, PulseResponse, StoppingAnswer
from tests.analytics.support import NOW, answers, promise, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: Any) -> Any:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return client.post(path, json.dumps(body), content_type="application/json")


def test_a_member_answers_the_survey(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    assert client.get(url("api:listening_stopping", tenant_a)).json()["reasons"]["no_time"] == "I don't have time"
    bad = post(client, url("api:listening_stopping", tenant_a), {"reasons": ["other"]})
    assert bad.status_code == 400 and "other_text" in bad.json()
    unknown = post(client, url("api:listening_stopping", tenant_a), {"reasons": ["no_time"], "member": "x"})
    assert unknown.status_code == 400
    ok = post(client, url("api:listening_stopping", tenant_a), {"reasons": ["other"], "other_text": "Shy"})
    assert ok.status_code == 204
    with scopes_disabled():
        assert StoppingAnswer.objects.get(organization=tenant_a.organization).other_text == "Shy"


def test_a_member_rates_the_promises_and_sees_their_own_ratings(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kept = promise(tenant_a.organization)
    client = client_for(tenant_a.employee)
    assert (
        post(
            client, url("api:listening_pulse", tenant_a), {"ratings": [{"promise": str(kept.public_id), "rating": 6}]}
        ).status_code
        == 400
    )
    ok = post(
        client, url("api:listening_pulse", tenant_a), {"ratings": [{"promise": str(kept.public_id), "rating": 3}]}
    )
    assert ok.status_code == 204
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        status = client.get(url("api:listening_pulse", tenant_a)).json()
    assert status["quarter"] == "2025Q2" and status["due"] is False
    assert status["my_ratings"] == {str(kept.public_id): 3}
    with scopes_disabled():
        assert PulseResponse.objects.filter(organization=tenant_a.organization).count() == 1


def test_curators_manage_promises(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    first = post(client, url("api:listening_promise_list", tenant_a), {"text": "One"}).json()
    second = post(client, url("api:listening_promise_list", tenant_a), {"text": "Two"}).json()
    assert (first["position"], second["position"]) == (1, 2)
    order = post(client, url("api:listening_promise_order", tenant_a), {"order": [second["id"], first["id"]]})
    assert [p["text"] for p in order.json()] == ["Two", "One"]
    assert post(client, url("api:listening_promise_order", tenant_a), {"order": [first["id"]]}).status_code == 400
    patched = client.patch(
        url("api:listening_promise_detail", tenant_a, promise_id=first["id"]),
        json.dumps({"is_active": False}),
        content_type="application/json",
    )
    assert patched.json()["is_active"] is False
    assert client.delete(url("api:listening_promise_detail", tenant_a, promise_id=second["id"])).status_code == 204
    with scopes_disabled():
        assert list(BrandPromise.objects.filter(organization=tenant_a.organization).values_list("text", flat=True)) == [
            "One"
        ]


def test_a_rated_promise_cannot_be_deleted(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kept = promise(tenant_a.organization)
    post(
        client_for(tenant_a.employee),
        url("api:listening_pulse", tenant_a),
        {"ratings": [{"promise": str(kept.public_id), "rating": 3}]},
    )
    response = client_for(tenant_a.admin).delete(
        url("api:listening_promise_detail", tenant_a, promise_id=kept.public_id)
    )
    assert response.status_code == 400 and "deactivate" in response.json()["detail"]


def test_results_take_a_quarter_and_filters(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    answers(tenant_a.organization, 5, department="Sales", location="Paris")
    client = client_for(tenant_a.executive)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        data = client.get(url("api:listening_results", tenant_a) + "?quarter=2025Q2&by=location").json()
        assert client.get(url("api:listening_results", tenant_a) + "?quarter=2019Q1").status_code == 400
        assert client.get(url("api:listening_results", tenant_a) + "?by=team").status_code == 400
    assert data["threshold"] == 5 and data["stopping_total"]["respondents"] == 5
    assert {row["segment"]: row["shown"] for row in data["stopping_rows"]}["Paris"] is True
