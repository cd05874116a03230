"""Blocked words and phrases, and the disclosure every shared caption carries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import organization_scope
from content import services
from content.lib.compliance import blocked_matches, with_disclosure
from content.models import ContentState
from tests.factories import ContentItemFactory

PHRASES = ["guarantee", "insider tip", "Q3 numbers"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We GUARANTEE results", ["guarantee"]),
        ("Here is an insider   tip for you", ["insider tip"]),
        ("A guaranteed win", []),  # whole words only
        ("insider tipping point", []),
        ("Our q3 numbers are out", ["Q3 numbers"]),
        ("guarantee, and an insider tip.", ["guarantee", "insider tip"]),
        ("Nothing to see", []),
    ],
)
def test_blocked_phrases_match_whole_words_ignoring_case(text: str, expected: list[str]) -> None:
    assert blocked_matches(text, PHRASES) == expected


def test_the_disclosure_is_appended_once() -> None:
    once = with_disclosure("Proud of the team!", "#iworkforacme")
    assert once == "Proud of the team!\n\n#iworkforacme"
    assert with_disclosure(once, "#iworkforacme") == once
    assert with_disclosure("Shout out #IWorkForAcme", "#iworkforacme") == "Shout out #IWorkForAcme"
    assert with_disclosure("No rule", "") == "No rule"


@pytest.mark.django_db
def test_submitting_an_item_with_a_blocked_phrase_names_it_and_changes_nothing(tenant_a) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        services.content_settings_update(
            organization=tenant_a.organization,
            disclosure="#iworkforacme",
            blocked_phrases="insider tip",
            four_eyes=True,
        )
        item = ContentItemFactory(organization=tenant_a.organization, author=tenant_a.manager, body="An insider tip!")
        with pytest.raises(ValidationError) as error:
            services.content_item_transition(item=item, action="submit", actor=tenant_a.manager)
        assert "blocked phrase “insider tip”" in str(error.value)
        item.refresh_from_db()
        assert item.state == ContentState.DRAFT


@pytest.mark.django_db
def test_an_employee_caption_is_checked_by_the_same_rules(tenant_a) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        services.content_settings_update(
            organization=tenant_a.organization, disclosure="#iworkforacme", blocked_phrases="guarantee", four_eyes=True
        )
        final = services.caption_validate(organization=tenant_a.organization, network="linkedin", text="Great news")
        assert final.endswith("#iworkforacme")
        with pytest.raises(ValidationError, match="blocked phrase “guarantee”"):
            services.caption_validate(organization=tenant_a.organization, network="x", text="We guarantee it")
        with pytest.raises(ValidationError, match="280"):
            services.caption_validate(organization=tenant_a.organization, network="x", text="a" * 280)
