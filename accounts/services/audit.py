"""Writing the audit log: `audit_record` and the request context it reads.

Services call `audit_record` inside their own `transaction.atomic`, after the change,
so a change that rolls back leaves no event and an event never describes a change
that did not happen. Who acted and from where come from the audit context, which
`accounts.middleware.AuditContextMiddleware` opens for every web and API request;
outside a request (Celery, management commands) there is none and the event is the
system's, unless the caller opens one with `audit_context(...)` or passes `actor`.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpRequest

from accounts.models import AuditAction, AuditEvent, Invitation, Membership, Organization, User
from accounts.selectors.audit import audit_event_list

USER_AGENT_MAX = 300
NOTE_MAX = 2000
REDACTED = "[redacted]"

# Field names whose values never enter the log, whatever a caller passes in `changes`.
_SECRET_FIELD = re.compile(r"password|secret|token|credential|private|api_?key|signature", re.IGNORECASE)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


# The request context -------------------------------------------------------------


@dataclass(frozen=True)
class AuditContext:
    """Who is acting and from where, for the events recorded while it is open.

    `request` is read when an event is recorded, not when the context opens: DRF
    authenticates inside the view, after the middleware has run, and sets the user on
    the Django request then."""

    request: HttpRequest | None = None
    user: User | None = None
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""

    @property
    def actor(self) -> User | None:
        user = self.user
        if user is None and self.request is not None:
            user = getattr(self.request, "user", None)
        if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
            return None
        return user


_current: ContextVar[AuditContext | None] = ContextVar("chorus_audit_context", default=None)


def current_audit_context() -> AuditContext:
    return _current.get() or AuditContext()


@contextmanager
def audit_context(
    *,
    request: HttpRequest | None = None,
    user: User | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    request_id: str = "",
) -> Iterator[AuditContext]:
    """Open an audit context for the block; the previous one is restored however it ends."""
    context = AuditContext(
        request=request,
        user=user,
        ip_address=ip_address,
        user_agent=user_agent[:USER_AGENT_MAX],
        request_id=request_id or uuid.uuid4().hex,
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def _behind_trusted_proxy() -> bool:
    # SECURE_PROXY_SSL_HEADER is set only when Chorus runs behind a proxy that sets the
    # forwarded headers itself (config.settings, SECURE_PROXY_SSL_HEADER_ENABLED).
    return bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. REMOTE_ADDR, unless Chorus runs behind a trusted proxy
    (SECURE_PROXY_SSL_HEADER is set): then the last X-Forwarded-For entry, the one
    that proxy appended. Earlier entries come from the client and could be anything."""
    if _behind_trusted_proxy():
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            found = _valid_ip(forwarded[-1])
            if found:
                return found
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def request_id_for(request: HttpRequest) -> str:
    """The proxy's X-Request-ID when a trusted proxy sent a well-formed one (so log lines
    of both can be matched), otherwise a fresh id."""
    if _behind_trusted_proxy():
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        if _REQUEST_ID.match(given):
            return given
    return uuid.uuid4().hex


@contextmanager
def audit_context_for_request(request: HttpRequest) -> Iterator[AuditContext]:
    with audit_context(
        request=request,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        request_id=request_id_for(request),
    ) as context:
        yield context


# Recording -----------------------------------------------------------------------


def audit_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`{"field": {"before": …, "after": …}}` for the fields whose value differs."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    }


def _without_secrets(changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if _SECRET_FIELD.search(name):
            cleaned[name] = {"before": REDACTED, "after": REDACTED} if isinstance(value, Mapping) else REDACTED
        elif isinstance(value, Mapping):
            cleaned[name] = _without_secrets(value) if not {"before", "after"} >= set(value) else dict(value)
        else:
            cleaned[name] = value
    # Round-trip through JSON now, so a value the column cannot hold fails here, at the
    # caller, rather than at the INSERT.
    return json.loads(json.dumps(cleaned, cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


def _target_label(target: models.Model) -> str:
    if isinstance(target, Membership):
        return target.user.email
    if isinstance(target, Invitation):
        return target.email
    return str(target)


def _target_organization_id(target: models.Model) -> int | None:
    if isinstance(target, Organization):
        return target.pk
    return getattr(target, "organization_id", None)


def audit_record(
    *,
    organization: Organization,
    action: str,
    actor: User | Membership | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_label: str = "",
    changes: Mapping[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event to `organization`'s audit log and return it.

    Call it inside the transaction of the change it describes. `actor` defaults to
    the signed-in person of the current request; pass a user or a membership to name
    someone else, and `actor_label` to name a non-person (say, "SCIM: Okta"). `changes`
    is `{"field": {"before": …, "after": …}}` (see `audit_changes`); values of fields
    named like passwords, tokens or keys are replaced by "[redacted]"."""
    if action not in AuditAction.values:
        raise ValueError(f"“{action}” is not a known audit action; add it to accounts.models.AuditAction.")
    if organization is None or organization.pk is None:
        raise ValueError("audit_record needs a saved organisation.")
    if target is not None and _target_organization_id(target) not in (None, organization.pk):
        raise ValueError("An audit event cannot name another organisation's object.")
    context = current_audit_context()
    user = actor.user if isinstance(actor, Membership) else actor
    if user is None:
        user = context.actor
    event = AuditEvent(
        organization=organization,
        actor=user,
        actor_label=(user.email if user is not None else actor_label)[:254],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        # Only public ids: the log is exported and read by people, sequential keys are not for them.
        target_id=str(getattr(target, "public_id", "")) if target is not None else "",
        target_label=(target_label or (_target_label(target) if target is not None else ""))[:300],
        changes=_without_secrets(changes or {}),
        note=note.strip()[:NOTE_MAX],
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        request_id=context.request_id,
    )
    # Fields only: the constraint check would query the table, and events are also
    # recorded outside an organisation scope (SCIM, Celery); the database enforces it.
    event.full_clean(validate_unique=False, validate_constraints=False)
    event.save()
    return event


# Export --------------------------------------------------------------------------

EXPORT_MAX_ROWS = 50_000
EXPORT_COLUMNS = (
    "occurred_at",
    "actor",
    "action",
    "action_label",
    "target_type",
    "target_id",
    "target",
    "changes",
    "note",
    "ip_address",
    "user_agent",
    "request_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Labels are typed by people (names, titles): a leading = + - @ would run as a
    # formula when the file is opened in a spreadsheet.
    return f"'{text}" if text.startswith(_FORMULA_START) else text


@transaction.atomic
def audit_log_export_csv(
    *,
    organization: Organization,
    action: str = "",
    actor_member_id: uuid.UUID | None = None,
    search: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> tuple[str, int]:
    """The filtered audit log as CSV text (newest first, at most EXPORT_MAX_ROWS rows)
    and the number of rows. The download is itself recorded, in the same transaction."""
    filters = {
        "action": action,
        "actor_member_id": actor_member_id,
        "search": search,
        "date_from": date_from,
        "date_to": date_to,
    }
    events = list(audit_event_list(organization=organization, **filters)[:EXPORT_MAX_ROWS])  # type: ignore[arg-type]
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for event in events:
        writer.writerow(
            _csv_cell(value)
            for value in (
                event.occurred_at.isoformat(),
                event.actor_label,
                event.action,
                event.action_label,
                event.target_type,
                event.target_id,
                event.target_label,
                json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
                event.note,
                event.ip_address,
                event.user_agent,
                event.request_id,
            )
        )
    described = ", ".join(f"{name}={value}" for name, value in filters.items() if value)
    audit_record(
        organization=organization,
        action=AuditAction.EXPORT_DOWNLOADED,
        target_label="Audit log (CSV)",
        note=f"{len(events)} event{'s' if len(events) != 1 else ''}; filters: {described or 'none'}",
    )
    return output.getvalue(), len(events)
