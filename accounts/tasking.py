"""Celery plumbing shared by every app: the organisation-scoped task base class and
the lock that keeps a periodic job from overlapping itself.

Tasks take ids, never model instances. A task bound to an organisation is declared
with `base=OrganizationTask` and receives `organization_id`; the base class loads the
organisation and runs the task body inside its scope, so the body's queries are
filtered and an unscoped query raises.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from celery import Task, shared_task
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization, PeriodicJobLock
from accounts.tenancy import organization_scope, scope

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class OrganizationTask(Task):  # type: ignore[misc]
    """Enters the organisation scope named by the `organization_id` keyword argument."""

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        organization_id = kwargs.get("organization_id")
        if organization_id is None:
            raise TypeError(f"{self.name} must be called with organization_id=…")
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            # The organisation was deleted after the message was sent: nothing to do.
            logger.info("%s skipped: organisation %s no longer exists", self.name, organization_id)
            return None
        with organization_scope(organization):
            return super().__call__(*args, **kwargs)


@contextmanager
def job_lock(name: str, *, ttl: timedelta) -> Iterator[bool]:
    """Try to take the lease on `name`; yield whether this caller holds it.

    A conditional UPDATE claims the row only when nobody holds a live lease, so two
    overlapping runs (beat re-firing a slow job, a duplicate delivery) cannot both
    proceed. The lease expires after `ttl`, so a crashed holder does not block the job
    forever. Portable across PostgreSQL and SQLite.
    """
    holder = uuid.uuid4().hex
    now = timezone.now()
    try:
        with transaction.atomic():
            PeriodicJobLock.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # Another process created the row at the same moment; the UPDATE below decides.
    claimed = PeriodicJobLock.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now), name=name).update(
        holder=holder, locked_until=now + ttl
    )
    try:
        yield bool(claimed)
    finally:
        if claimed:
            PeriodicJobLock.objects.filter(name=name, holder=holder).update(locked_until=None, holder="")


def periodic_job(name: str, *, ttl: timedelta = timedelta(minutes=10)) -> Callable[[F], F]:
    """Declare a beat-scheduled job: a Celery task that runs its body only when it holds
    the job's lock, and otherwise returns at once. The body runs with no organisation in
    scope (tenant queries raise), so it must enter each organisation's scope itself."""

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with job_lock(name, ttl=ttl) as acquired:
                if not acquired:
                    logger.info("periodic job %s is already running; this run does nothing", name)
                    return None
                with scope():
                    return func(*args, **kwargs)

        return shared_task(name=name)(run)  # type: ignore[no-any-return]

    return decorator
