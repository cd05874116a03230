"""Tracked links and their clicks.

**Creating.** Every share of a content item gets its own link: `/s/<code>` to the item's
address with UTM tags (`tracked_link_create`). Codes are unique across all
organisations, because the redirect's address names none.

**Counting** (`click_record`, the hot path of `/s/<code>`). With Redis, a warm click
makes no database query and waits on nothing:

1. The code's link (organisation, id, target) comes from the web process's own memory
   (a minute), else from Redis `sl:{code}` (an hour), else from the database, which
   fills both. Unknown codes are remembered as `-` for a minute, so probing random
   codes does not reach the database either.
2. The click is written to Redis in one `sendall` on a connection that gets no replies
   (`CLIENT REPLY OFF`) and that the kernel batches (TCP_CORK); `_redis_count` says
   why that loses nothing that waiting would save:

       HINCRBY clicks:{yyyymmdd} {org_id}:{link_id} 1     (bots: bots:{yyyymmdd})
       PFADD   uv:{yyyymmdd}:{link_id} {visitor key}      (people only)
       SADD    clickdays {yyyymmdd}                       (which day buckets exist)

   The hash field carries the organisation, so the flush writes each organisation's
   rows inside its own scope without a cross-tenant lookup.

Why: measured on the 2-core bench machine, waiting for a Redis round trip cost a sync
worker about 240 µs of CPU per click (redis-py, the context switches and Redis waking
for every click), against about 200 µs for the whole trivial /healthz request; the
quiet, corked write costs under 20 µs (bench/README.md).

Without Redis (the embedded mode: `CLICK_REDIS_URL`, or else `REDIS_URL`, is empty) a
click is counted in the database as it happens: an upsert of the day's row with
increments, an insert-if-absent of the visitor's LinkVisitor row (which decides
whether the click is unique) and increments of the link's totals. When Redis is
configured but unreachable, the redirect looks the link up in the database and counts
the same way, and skips Redis for a few seconds instead of waiting on it for every
click. Counting never fails a redirect: a failed write is logged, and the visitor still
goes where the link points.

**Flushing** (`link_clicks_flush`, every minute from beat). For each day bucket it
writes the day's ABSOLUTE totals (counters and HyperLogLog counts) to LinkClickDay and
recomputes the touched links' totals from their days, per organisation and inside its
scope. Each total is written as the greater of the stored and the counted value, so the
flush is idempotent and counts never go down: re-running it after a crash writes the
same numbers, a Redis that restarted empty cannot erase flushed totals, and clicks
counted in the database while Redis was unreachable are not overwritten by a smaller
Redis total (the larger of the two survives; see the caveat at `_day_totals_write`). A
day's keys are deleted only after its totals were written and the day has been over
for DAY_CLOSE_GRACE, so no web process can still be counting into a bucket being
deleted; a crash between the write and the delete just flushes the same totals again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import lru_cache
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from redis.backoff import NoBackoff
from redis.connection import ConnectionInterface
from redis.retry import Retry

from accounts.models import Organization
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.lib import links as lib
from advocacy.models import LinkClickDay, LinkVisitor, Share, TrackedLink

logger = logging.getLogger(__name__)

T = TypeVar("T")

LINK_CACHE_SECONDS = 60 * 60
MISSING_CACHE_SECONDS = 60
# Each web process also remembers codes itself, for this long: a click then needs no
# lookup at all. A deleted link keeps redirecting for at most this plus the Redis TTL.
LOCAL_CACHE_SECONDS = 60
LOCAL_CACHE_SIZE = 20_000
# The counting connection is checked for a close or an error reply before a write when
# it was idle this long, and every WRITER_CHECK_EVERY writes.
WRITER_IDLE_SECONDS = 1.0
WRITER_CHECK_EVERY = 1000
# A Redis that does not answer within this is treated as down for REDIS_RETRY_SECONDS:
# the redirect must not wait on counting.
REDIS_TIMEOUT_SECONDS = 0.25
REDIS_RETRY_SECONDS = 5.0
# A day's bucket is deleted this long after midnight UTC: longer than any request takes
# and than web servers' clocks disagree, so nothing still counts into it.
DAY_CLOSE_GRACE = timedelta(minutes=10)
CREATE_ATTEMPTS = 5
_CHUNK = 1000

DAYS_KEY = "clickdays"
_MISSING = "-"


def _link_key(code: str) -> str:
    return f"sl:{code}"


def _clicks_key(day: str) -> str:
    return f"clicks:{day}"


def _bots_key(day: str) -> str:
    return f"bots:{day}"


def _visitors_key(day: str, link_id: int | str) -> str:
    return f"uv:{day}:{link_id}"


# Creating ----------------------------------------------------------------------


def tracked_link_create(*, share: Share) -> TrackedLink:
    """The share's tracked link to its item's address; the existing one when the share
    already has it. Raises ValueError when the share has nothing to link to."""
    item = share.item
    address = (item.url or item.preview_canonical_url) if item is not None else ""
    if item is None or not address:
        raise ValueError("This share has no link to track: its content item has no address.")
    existing = TrackedLink.objects.filter(organization=share.organization_id, share=share).first()
    if existing is not None:
        return existing
    target = lib.tracked_target(
        address, network=str(share.network), campaign=item.public_id.hex[:12], content=share.public_id.hex[:12]
    )
    for _attempt in range(CREATE_ATTEMPTS):
        code = lib.new_code()
        # The redirect looks codes up without an organisation (its address names none),
        # so a code must be free in every organisation, not only in this one.
        with scopes_disabled():
            if TrackedLink.objects.filter(code=code).exists():
                continue
        link = TrackedLink(organization_id=share.organization_id, share=share, code=code, target_url=target)
        link.full_clean(validate_unique=False, validate_constraints=False)
        try:
            # A savepoint: the caller's transaction (shares_create) survives a collision.
            with transaction.atomic():
                link.save(force_insert=True)
        except IntegrityError:
            # The same code taken in this organisation since the check, or the share got
            # its link from a concurrent call: the database's constraints decide.
            concurrent = TrackedLink.objects.filter(organization=share.organization_id, share=share).first()
            if concurrent is not None:
                return concurrent
            continue
        return link
    raise RuntimeError(f"No free short code after {CREATE_ATTEMPTS} attempts.")


def short_url(link: TrackedLink) -> str:
    return f"{settings.SHORT_LINK_BASE}/s/{link.code}"


# Click ids --------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _click_id_key(secret: str) -> bytes:
    # A key of its own, so a click id's MAC can never be replayed as any other signature
    # made with SECRET_KEY.
    return hashlib.sha256(b"chorus.advocacy.click-id|" + secret.encode()).digest()


def click_id_read(value: str) -> tuple[str, datetime] | None:
    """(link code, click time) of a click id this installation issued, under the current
    SECRET_KEY or one of SECRET_KEY_FALLBACKS; None for anything else."""
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        found = lib.click_id_parse(value, key=_click_id_key(secret))
        if found is not None:
            return found
    return None


def tracked_link_for_click(*, organization: Organization, click_id: str) -> tuple[TrackedLink, datetime] | None:
    """The organisation's link a click id names, and when the click happened; None for a
    forged id, a deleted link or another organisation's link (conversion attribution:
    click → link → share → employee)."""
    found = click_id_read(click_id)
    if found is None:
        return None
    code, at = found
    link = TrackedLink.objects.filter(organization=organization, code=code).select_related("share").first()
    return (link, at) if link is not None else None


# Counting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _LinkRow:
    link_id: int
    organization_id: int
    target: str


@dataclass(frozen=True)
class _Known:
    """What this process remembers about a code: its link, or that there is none."""

    row: _LinkRow | None
    until: float  # time.monotonic()


@dataclass
class _ClickStore:
    """One process's view of the click counters on one Redis."""

    client: redis.Redis  # lookups on a cache miss, and the flush
    pid: int
    # The counting connection (`_redis_count`): with `quiet`, Redis sends no replies and
    # a click never waits for it; otherwise each write waits for its replies.
    writer: ConnectionInterface | None = None
    quiet: bool = False
    writes: int = 0
    last_sent: float = 0.0  # time.monotonic()
    skip_until: float = 0.0  # time.monotonic(): Redis failed, use the database until then
    known: dict[str, _Known] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_stores: dict[str, _ClickStore] = {}


def _click_redis_url() -> str:
    url = getattr(settings, "CLICK_REDIS_URL", None)
    return str(settings.REDIS_URL if url is None else url)


def _click_store() -> _ClickStore | None:
    """This process's click store, or None in the embedded mode."""
    url = _click_redis_url()
    if not url:
        return None
    store = _stores.get(url)
    if store is None or store.pid != os.getpid():  # a forked child must not share sockets
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # No retries: a redirect falls back to the database instead of waiting.
            retry=Retry(NoBackoff(), 0),
            # RESP2 parses faster in redis-py than RESP3, and the replies here are plain.
            protocol=2,
        )
        store = _stores[url] = _ClickStore(client=client, pid=os.getpid())
    return store


def _day_text(day: date) -> str:
    return day.strftime("%Y%m%d")


def click_record(
    *, code: str, user_agent: str, ip: str, headers: Mapping[str, str], now: datetime, method: str = "GET"
) -> str | None:
    """Count a click on `/s/<code>` and return where to send the visitor: the stored
    target with a fresh click id (`chorus_click`); None for an unknown code. HEAD
    requests, crawlers, link-preview fetchers and prefetches count as bots."""
    if not lib.CODE_PATTERN.fullmatch(code):
        return None
    day = now.astimezone(UTC).date()
    bot = method == "HEAD" or lib.is_bot(user_agent, headers)
    visitor = "" if bot else lib.visitor_key(ip, user_agent, day=day, secret=settings.SECRET_KEY)
    row: _LinkRow | None = None
    counted = False
    store = _click_store()
    if store is not None and store.skip_until <= time.monotonic():
        try:
            row = _link_cached(store, code)
            if row is not None:
                _redis_count(store, row, day=day, visitor=visitor)
            counted = True
        except redis.RedisError as error:
            store.skip_until = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning("click counter unreachable, counting in the database: %s", error)
    if not counted:
        row = _database_click(code=code, day=day, visitor=visitor)
    if row is None:
        return None
    return lib.with_click_id(row.target, lib.click_id_new(code, at=now, key=_click_id_key(settings.SECRET_KEY)))


def _link_cached(store: _ClickStore, code: str) -> _LinkRow | None:
    """The link of `code`: from this process's memory, else from Redis (`sl:{code}`),
    else from the database, filling both caches."""
    moment = time.monotonic()
    known = store.known.get(code)
    if known is not None and known.until > moment:
        return known.row
    key = _link_key(code)
    cached: str | None = store.client.get(key)  # type: ignore[assignment]
    row: _LinkRow | None
    if cached is None:
        row = _link_lookup(code)
        if row is None:
            store.client.set(key, _MISSING, ex=MISSING_CACHE_SECONDS)
        else:
            store.client.set(key, f"{row.organization_id}:{row.link_id} {row.target}", ex=LINK_CACHE_SECONDS)
    elif cached == _MISSING:
        row = None
    else:
        ids, _, target = cached.partition(" ")
        organization_id, _, link_id = ids.partition(":")
        row = _LinkRow(link_id=int(link_id), organization_id=int(organization_id), target=target)
    ttl = LOCAL_CACHE_SECONDS if row is not None else min(LOCAL_CACHE_SECONDS, MISSING_CACHE_SECONDS)
    with store.lock:
        if len(store.known) >= LOCAL_CACHE_SIZE:
            # Forget the oldest entry (dicts keep insertion order): cheap, and codes
            # people click keep coming back.
            store.known.pop(next(iter(store.known)))
        store.known[code] = _Known(row=row, until=moment + ttl)
    return row


def _redis_count(store: _ClickStore, row: _LinkRow, *, day: date, visitor: str) -> None:
    """Hand the click's counter updates to Redis, without waiting when Redis allows.

    The counting connection runs with `CLIENT REPLY OFF` and TCP_CORK (`_writer_open`):
    once `sendall` returns, the commands are in the kernel's socket buffer, which the
    kernel sends within 200 ms, and also when this process exits or is killed (with no
    replies ever received, closing the socket sends everything queued before the FIN;
    unread replies would turn the close into a reset that drops it). So not waiting
    loses nothing that waiting would have saved: a reply only proves Redis applied the
    commands in memory, and its persistence is asynchronous either way. What a Redis
    restart can lose is what it had not persisted, plus up to 200 ms of clicks still
    queued towards it. A Redis (or proxy) without CLIENT REPLY gets plain writes that
    wait for their replies. A failed write raises, and the caller counts the click in
    the database instead."""
    day_text = _day_text(day)
    counter = f"{row.organization_id}:{row.link_id}"
    if visitor:
        commands = (
            _resp("HINCRBY", _clicks_key(day_text), counter, "1")
            + _resp("PFADD", _visitors_key(day_text, row.link_id), visitor)
            + _resp("SADD", DAYS_KEY, day_text)
        )
        replies = 3
    else:
        commands = _resp("HINCRBY", _bots_key(day_text), counter, "1") + _resp("SADD", DAYS_KEY, day_text)
        replies = 2
    moment = time.monotonic()
    with store.lock:
        writer = store.writer
        due = moment - store.last_sent > WRITER_IDLE_SECONDS or store.writes >= WRITER_CHECK_EVERY
        if writer is not None and store.quiet and due:
            # After a pause (and now and then), look first: Redis may have closed the
            # connection meanwhile (a restart, its idle `timeout`), and a write into a
            # closed connection would be lost without an error. A closed connection is
            # no outage: open a new one.
            store.writes = 0
            if not _writer_sound(writer):
                writer.disconnect()  # type: ignore[no-untyped-call]
                writer = store.writer = None
        try:
            if writer is None:
                writer = _writer_open(store)
            writer.send_packed_command([commands], check_health=False)  # type: ignore[no-untyped-call]
            if not store.quiet:
                for _ in range(replies):
                    writer.read_response()
        except redis.RedisError:
            if writer is not None:
                writer.disconnect()  # type: ignore[no-untyped-call]
            store.writer = None
            raise
        store.writes += 1
        store.last_sent = moment


def _writer_sound(writer: ConnectionInterface) -> bool:
    """Whether a quiet counting connection is still open and has said nothing: Redis
    speaks on it only to report an error (then an earlier click was not counted)."""
    try:
        if not writer.can_read(timeout=0):
            return True
        writer.read_response()
        logger.error("the click counter answered on a connection without replies")
    except redis.ResponseError as error:
        logger.error("the click counter refused an update: %s", error)
    except redis.RedisError:
        pass  # closed by Redis
    return False


def _writer_open(store: _ClickStore) -> ConnectionInterface:
    writer = store.client.connection_pool.make_connection()
    try:
        writer.connect()  # type: ignore[no-untyped-call]
        # `CLIENT REPLY ON` answers OK where the command exists; `OFF` then answers nothing.
        writer.send_command("CLIENT", "REPLY", "ON")  # type: ignore[no-untyped-call]
        try:
            writer.read_response()
        except redis.ResponseError:
            store.quiet = False
        else:
            writer.send_command("CLIENT", "REPLY", "OFF")  # type: ignore[no-untyped-call]
            store.quiet = True
            _cork(writer, on=True)
    except redis.RedisError:
        writer.disconnect()  # type: ignore[no-untyped-call]
        raise
    store.writer, store.writes = writer, 0
    return writer


def _cork(writer: ConnectionInterface, *, on: bool) -> None:
    """Let the kernel gather this connection's small writes into full segments (Linux
    TCP_CORK): Redis then wakes once per batch instead of once per click, which on the
    bench machine cut the CPU a click costs the web and Redis processes by more than
    half. The kernel sends queued data after at most 200 ms, when the socket is closed
    (also by the death of the process) and when the cork is pulled (`on=False`).
    Elsewhere (no TCP_CORK, a Unix socket) writes go out one by one: slower, as
    correct."""
    option = getattr(socket, "TCP_CORK", None)
    sock = getattr(writer, "_sock", None)  # redis-py exposes no public handle on its socket
    if option is None or sock is None:
        return
    with contextlib.suppress(OSError):  # not a TCP socket
        sock.setsockopt(socket.IPPROTO_TCP, option, 1 if on else 0)


def _resp(*parts: str) -> bytes:
    """One command in the Redis protocol (RESP): a few string operations, where
    redis-py's general packer costs more than the rest of the click."""
    encoded = [part.encode() for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded)


def click_counts_settle() -> None:
    """Wait until Redis has applied every click this process sent (the flush calls it,
    so a flush in the process that counted sees all its clicks)."""
    store = _click_store()
    if store is None:
        return
    with store.lock:
        writer = store.writer
        if writer is None or not store.quiet:
            return
        try:
            _cork(writer, on=False)  # sends what is queued
            # Redis answers this only after everything sent before it.
            writer.send_command("CLIENT", "REPLY", "ON")  # type: ignore[no-untyped-call]
            writer.read_response()
            writer.send_command("CLIENT", "REPLY", "OFF")  # type: ignore[no-untyped-call]
            _cork(writer, on=True)
        except redis.RedisError as error:
            logger.warning("click counter connection lost while settling: %s", error)
            writer.disconnect()  # type: ignore[no-untyped-call]
            store.writer = None


def _link_lookup(code: str) -> _LinkRow | None:
    # The redirect's address names no organisation: the code, unique across all of them,
    # is the only key, so this one read crosses tenants. Everything after it runs in the
    # link's own organisation.
    with scopes_disabled():
        found = list(TrackedLink.objects.filter(code=code).values_list("pk", "organization_id", "target_url")[:1])
    if not found:
        return None
    link_id, organization_id, target = found[0]
    return _LinkRow(link_id=link_id, organization_id=organization_id, target=target)


def _database_click(*, code: str, day: date, visitor: str) -> _LinkRow | None:
    row = _link_lookup(code)
    if row is None:
        return None
    try:
        _database_count(row, day=day, visitor=visitor)
    except DatabaseError:
        logger.exception("a click on /s/%s was not counted", code)
    return row


def _table(model: type[Any]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _database_count(row: _LinkRow, *, day: date, visitor: str) -> None:
    """Count one click synchronously (embedded mode, or Redis unreachable). The visitor
    row's insert-if-absent decides uniqueness, so two concurrent first clicks of one
    visitor count one unique."""
    # Only the id is needed to scope the writes; loading the organisation would be a
    # query per click for nothing.
    organization = Organization(pk=row.organization_id)
    clicks, bots = (0, 1) if not visitor else (1, 0)
    with organization_scope(organization), transaction.atomic(), connection.cursor() as cursor:
        unique = 0
        if visitor:
            cursor.execute(
                f"INSERT INTO {_table(LinkVisitor)} (organization_id, link_id, day, visitor) "  # noqa: S608 - quoted names, bound values
                "VALUES (%s, %s, %s, %s) ON CONFLICT (organization_id, link_id, day, visitor) DO NOTHING",
                [row.organization_id, row.link_id, day, visitor],
            )
            unique = 1 if cursor.rowcount == 1 else 0
        table = _table(LinkClickDay)
        cursor.execute(
            f"INSERT INTO {table} (organization_id, link_id, day, clicks, unique_clicks, bot_clicks) "  # noqa: S608 - quoted names, bound values
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (organization_id, link_id, day) DO UPDATE SET "
            f"clicks = {table}.clicks + EXCLUDED.clicks, "
            f"unique_clicks = {table}.unique_clicks + EXCLUDED.unique_clicks, "
            f"bot_clicks = {table}.bot_clicks + EXCLUDED.bot_clicks",
            [row.organization_id, row.link_id, day, clicks, unique, bots],
        )
        TrackedLink.objects.filter(organization=organization, pk=row.link_id).update(
            clicks=F("clicks") + clicks, unique_clicks=F("unique_clicks") + unique, bot_clicks=F("bot_clicks") + bots
        )


# Flushing ---------------------------------------------------------------------------


def _chunks(values: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _parse_day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").replace(tzinfo=UTC).date()
    except ValueError:
        return None


def _day_closed(day: date, now: datetime) -> bool:
    return now >= datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=UTC) + DAY_CLOSE_GRACE


@dataclass
class _DayTotals:
    clicks: int = 0
    unique_clicks: int = 0
    bot_clicks: int = 0


def link_clicks_flush(*, now: datetime) -> int:
    """Write every day bucket's counters to the database as absolute day totals; delete
    the buckets of days that are over. Returns the number of day rows written. In the
    embedded mode there is nothing to flush: clicks were counted as they happened."""
    store = _click_store()
    if store is None:
        return 0
    click_counts_settle()
    client = store.client
    written = 0
    members: set[str] = client.smembers(DAYS_KEY)  # type: ignore[assignment]
    for day_text in sorted(members):
        day = _parse_day(day_text)
        if day is None:
            client.srem(DAYS_KEY, day_text)
            continue
        count, link_ids = _day_flush(client, day_text=day_text, day=day)
        written += count
        if _day_closed(day, now):
            _day_forget(client, day_text=day_text, link_ids=link_ids)
    return written


def _day_flush(client: redis.Redis, *, day_text: str, day: date) -> tuple[int, list[str]]:
    clicks: dict[str, str] = client.hgetall(_clicks_key(day_text))  # type: ignore[assignment]
    bots: dict[str, str] = client.hgetall(_bots_key(day_text))  # type: ignore[assignment]
    totals: dict[int, dict[int, _DayTotals]] = {}
    human_links: list[str] = []
    for counter in {*clicks, *bots}:
        organization_id, _, link_id = counter.partition(":")
        if not (organization_id.isdigit() and link_id.isdigit()):
            continue
        entry = totals.setdefault(int(organization_id), {}).setdefault(int(link_id), _DayTotals())
        entry.bot_clicks = int(bots.get(counter, 0))
        if counter in clicks:
            entry.clicks = int(clicks[counter])
            human_links.append(link_id)
    uniques = _visitor_counts(client, day_text=day_text, link_ids=human_links)
    for links in totals.values():
        for link_pk, entry in links.items():
            # A HyperLogLog estimates; it never reports more visitors than clicks here.
            entry.unique_clicks = min(uniques.get(str(link_pk), 0), entry.clicks)
    written = 0
    for organization in Organization.objects.filter(pk__in=list(totals)).order_by("pk"):
        with organization_scope(organization), transaction.atomic():
            written += _day_totals_write(organization=organization, day=day, totals=totals[organization.pk])
    return written, human_links


def _visitor_counts(client: redis.Redis, *, day_text: str, link_ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in _chunks(link_ids):
        pipe = client.pipeline(transaction=False)
        for link_id in chunk:
            pipe.pfcount(_visitors_key(day_text, link_id))
        counts.update(zip(chunk, (int(value) for value in pipe.execute()), strict=True))
    return counts


def _day_totals_write(*, organization: Organization, day: date, totals: Mapping[int, _DayTotals]) -> int:
    """Upsert one organisation's day rows and recompute its touched links' totals.

    Each column becomes the greater of the stored and the flushed value. Without that, a
    Redis that lost its data, or a half-finished delete of a closed day, would lower
    flushed totals. The price: when Redis was unreachable for part of a day, the clicks
    counted in the database then and the clicks counted in Redis that day are not added
    up, the larger of the two wins. Adding them needs the database-counted part kept in
    columns of its own."""
    known = set[int]()
    link_ids = sorted(totals)
    for chunk in _chunks(link_ids):
        known.update(TrackedLink.objects.filter(organization=organization, pk__in=chunk).values_list("pk", flat=True))
    rows = [
        (organization.pk, link_id, day, entry.clicks, entry.unique_clicks, entry.bot_clicks)
        for link_id, entry in sorted(totals.items())
        if link_id in known  # deleted links: their counters die with the bucket
    ]
    table = _table(LinkClickDay)
    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    with connection.cursor() as cursor:
        for batch in _chunks(rows, 500):
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} (organization_id, link_id, day, clicks, unique_clicks, bot_clicks) "  # noqa: S608 - quoted names, bound values
                f"VALUES {placeholders} ON CONFLICT (organization_id, link_id, day) DO UPDATE SET "
                f"clicks = {greatest}({table}.clicks, EXCLUDED.clicks), "
                f"unique_clicks = {greatest}({table}.unique_clicks, EXCLUDED.unique_clicks), "
                f"bot_clicks = {greatest}({table}.bot_clicks, EXCLUDED.bot_clicks)",
                [value for row in batch for value in row],
            )
    _link_totals_recompute(organization=organization, link_ids=sorted(known))
    return len(rows)


def _link_totals_recompute(*, organization: Organization, link_ids: Iterable[int]) -> None:
    days = LinkClickDay.objects.filter(organization=organization, link=OuterRef("pk")).order_by().values("link")

    def total(column: str) -> Coalesce:
        summed = Subquery(days.annotate(total=Sum(column)).values("total"), output_field=IntegerField())
        return Coalesce(summed, Value(0), output_field=IntegerField())

    for chunk in _chunks(list(link_ids)):
        TrackedLink.objects.filter(organization=organization, pk__in=chunk).update(
            clicks=total("clicks"), unique_clicks=total("unique_clicks"), bot_clicks=total("bot_clicks")
        )


def _day_forget(client: redis.Redis, *, day_text: str, link_ids: Sequence[str]) -> None:
    # Visitors first, the day's name last: a crash part-way leaves a bucket that the
    # next flush reads again, and the greater-of write keeps the totals already stored.
    for chunk in _chunks(link_ids):
        client.unlink(*[_visitors_key(day_text, link_id) for link_id in chunk])
    client.unlink(_clicks_key(day_text), _bots_key(day_text))
    client.srem(DAYS_KEY, day_text)
