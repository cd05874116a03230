"""Writes about people: a member's choice to stay off public recognition boards."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Membership
from analytics.models import RankingPreference


def ranking_preference_set(*, membership: Membership, hide: bool) -> RankingPreference:
    """Hide `membership` from (or show them on) recognition boards. Their own impact
    view is unaffected. Setting the same value again changes nothing."""
    organization_id = membership.organization_id
    with transaction.atomic():
        preference = (
            RankingPreference.objects.select_for_update()
            .filter(organization_id=organization_id, membership=membership)
            .first()
        )
        if preference is None:
            try:
                # A savepoint: two first choices at once (two tabs) meet the unique
                # constraint, and the loser updates the winner's row instead.
                with transaction.atomic():
                    preference = RankingPreference(
                        organization_id=organization_id, membership=membership, hide_from_rankings=hide
                    )
                    preference.full_clean()
                    preference.save()
                    return preference
            except IntegrityError:
                preference = RankingPreference.objects.select_for_update().get(
                    organization_id=organization_id, membership=membership
                )
        if preference.hide_from_rankings != hide:
            preference.hide_from_rankings = hide
            preference.save(update_fields=["hide_from_rankings", "updated_at"])
        return preference
