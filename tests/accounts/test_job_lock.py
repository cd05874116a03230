from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import PeriodicJobLock
from accounts.tasking import job_lock

pytestmark = pytest.mark.django_db


def test_an_overlapping_run_does_not_get_the_lock() -> None:
    with job_lock("report", ttl=timedelta(minutes=5)) as first, job_lock("report", ttl=timedelta(minutes=5)) as second:
        assert first and not second
    with job_lock("report", ttl=timedelta(minutes=5)) as after_release:
        assert after_release


def test_a_lease_left_by_a_crashed_run_expires() -> None:
    with job_lock("report", ttl=timedelta(minutes=5)):
        pass
    # A crashed holder never released; its lease ran out a second ago.
    from django.utils import timezone

    PeriodicJobLock.objects.filter(name="report").update(
        holder="crashed", locked_until=timezone.now() - timedelta(seconds=1)
    )
    with job_lock("report", ttl=timedelta(minutes=5)) as acquired:
        assert acquired


def test_different_jobs_do_not_block_each_other() -> None:
    with job_lock("a", ttl=timedelta(minutes=5)) as a, job_lock("b", ttl=timedelta(minutes=5)) as b:
        assert a and b
