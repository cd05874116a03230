"""Build large organisations full of analytics data, fast, for benchmarks and demos.

    manage.py generate_analytics --organizations 100 --members 50000 --shares 2500000 \\
        --snapshots 50000000 --months 12 --seed 1 --database-url postgres://…/chorus_bench_analytics

Creates `--organizations` organisations (sizes skewed like real customers: the largest
holds about a tenth of everything), their members with one connected account each (on
X, LinkedIn, Mastodon or Bluesky), content items, posted shares spread over the last
`--months` months with tracked links and click days, and `--snapshots` metric snapshots
(each share measured at moments from 1 hour to 30 days after posting; a counter its
network does not report is NULL, as the collector stores it). `--members`, `--shares`
and `--snapshots` are totals across the organisations.

Speed: one template row per table is made through the ORM (so every column gets its
model default) and cloned server-side with INSERT … SELECT generate_series; the
snapshot table's key and indexes are dropped during the load and built once at the
end, so run it on a database that serves nobody else (`--database-url` creates and
migrates one). The rollups are then built in one set-based pass per organisation
(`rollups_rebuild_from_log`, in `--jobs` processes), whereas the live path rolls up incrementally per batch;
both run the same statements, and tests/analytics/test_generate.py checks that they
give the same rollups. The generated schedules are finished (history only), so the
collector has nothing to fetch from the made-up accounts. PostgreSQL only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, models, transaction
from django.utils import timezone

from accounts.models import Membership, MembershipStatus, Organization, Role, User
from accounts.tenancy import scopes_disabled
from advocacy.models import LinkClickDay, Share, ShareState, SocialConnection, TrackedLink
from analytics.lib import partitions
from analytics.models import ShareMetrics
from analytics.models.metrics import COLLECTION_SCHEDULE
from analytics.services.rollups import rollups_rebuild_from_log
from content.models import ContentItem, ContentState

TIMEZONES = ("UTC", "Europe/London", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles")
# Network of the n-th member's account, by 7n mod 20: 7 X, 7 LinkedIn, 3 Mastodon, 3 Bluesky.
NETWORK_CYCLE = ["x"] * 7 + ["linkedin"] * 7 + ["mastodon"] * 3 + ["bluesky"] * 3
SKEW = 0.8  # organisation i gets a share proportional to 1 / (i + 1) ** SKEW


class Command(BaseCommand):
    help = "Generate organisations with members, posted shares, metric snapshots and their rollups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organizations", type=int, default=1)
        parser.add_argument(
            "--members", type=int, default=None, help="Total; default 2%% of --shares, at least 5 each."
        )
        parser.add_argument("--shares", type=int, default=None, help="Total; default --snapshots / 20.")
        parser.add_argument("--snapshots", type=int, default=100_000, help="Total metric snapshots.")
        parser.add_argument("--months", type=int, default=12, help="Shares are spread over this many past months.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--jobs", type=int, default=2, help="Processes that build the rollups, one organisation at a time each."
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="Build into this PostgreSQL database instead (created and migrated when missing; loopback only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database_url"]:
            self._run_elsewhere(options)
            return
        if connection.vendor != "postgresql":
            raise CommandError("generate_analytics needs PostgreSQL (set DATABASE_URL or pass --database-url).")
        plan = _Plan.from_options(options)
        started = time.monotonic()
        # A maintenance command building many organisations at once: it works across
        # tenants by design, like a migration, never inside a request.
        with scopes_disabled():
            _Generator(plan, self._progress).run()
        self._progress(f"Done in {time.monotonic() - started:.1f} s.")

    def _progress(self, message: str) -> None:
        self.stdout.write(f"[{time.strftime('%H:%M:%S')}] {message}")
        self.stdout.flush()

    def _run_elsewhere(self, options: dict[str, Any]) -> None:
        url = options["database_url"]
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql") or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise CommandError(
                "--database-url must be a PostgreSQL database on this machine (postgres://…@127.0.0.1/…)."
            )
        name = parts.path.lstrip("/")
        if not name:
            raise CommandError("--database-url must name a database.")
        _create_database(url, name)
        env = {**os.environ, "DATABASE_URL": url}
        manage = [sys.executable, sys.argv[0]]
        self._progress(f"Migrating {name}…")
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603 - our manage.py
        forwarded = [
            f"--{key.replace('_', '-')}={value}"
            for key, value in options.items()
            if key in ("organizations", "members", "shares", "snapshots", "months", "seed", "jobs")
            and value is not None
        ]
        subprocess.run([*manage, "generate_analytics", *forwarded], env=env, check=True)  # noqa: S603 - our manage.py


def _create_database(url: str, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()


class _Plan:
    def __init__(
        self, *, organizations: int, members: int, shares: int, snapshots: int, months: int, seed: int, jobs: int = 1
    ):
        self.jobs = jobs
        self.organizations, self.members, self.shares = organizations, members, shares
        self.snapshots, self.months, self.seed = snapshots, months, seed
        weights = [1 / (index + 1) ** SKEW for index in range(organizations)]
        total = sum(weights)
        self.weights = [weight / total for weight in weights]

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> _Plan:
        organizations, snapshots, months = options["organizations"], options["snapshots"], options["months"]
        if organizations < 1 or organizations > 10_000:
            raise CommandError("--organizations must be between 1 and 10,000.")
        if snapshots < 0:
            raise CommandError("--snapshots cannot be negative.")
        if not 1 <= options["jobs"] <= 16:
            raise CommandError("--jobs must be between 1 and 16.")
        if months < 1 or months > 24:
            raise CommandError("--months must be between 1 and 24 (the partitions the migration creates).")
        shares = options["shares"] if options["shares"] is not None else max(snapshots // 20, organizations * 10)
        members = options["members"] if options["members"] is not None else max(shares // 50, organizations * 5)
        if shares < organizations or members < organizations:
            raise CommandError("--shares and --members must be at least one per organisation.")
        return cls(
            organizations=organizations,
            members=members,
            shares=shares,
            snapshots=snapshots,
            months=months,
            seed=options["seed"],
            jobs=options["jobs"],
        )

    def split(self, total: int, index: int) -> int:
        """Organisation `index`'s part of `total` (every organisation gets at least one)."""
        return max(1, round(total * self.weights[index]))


class _Generator:
    def __init__(self, plan: _Plan, progress: Any) -> None:
        self.plan = plan
        self.progress = progress
        self.now = timezone.now().replace(microsecond=0)
        self.start = self.now - timedelta(days=30 * plan.months)

    def run(self) -> None:
        plan = self.plan
        self.progress(
            f"Building {plan.organizations} organisation(s): {plan.members:,} members, {plan.shares:,} shares, "
            f"{plan.snapshots:,} snapshots over {plan.months} months."
        )
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            # Foreign-key checks off for this session (triggers do not fire for a
            # "replica"): every generated reference points at a row made just before, and
            # the checks would cost more than the inserts. Needs a superuser, as bulk loads do.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        try:
            self._build()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
                cursor.execute("RESET synchronous_commit")
                cursor.execute("RESET work_mem")
                cursor.execute("RESET maintenance_work_mem")

    def _build(self) -> None:
        plan = self.plan
        organizations = []
        timer = time.monotonic()
        for index in range(plan.organizations):
            organizations.append(self._organization(index))
            if (index + 1) % 10 == 0 or index + 1 == plan.organizations:
                self.progress(f"  people, items and shares of {index + 1}/{plan.organizations} organisations…")
        self.progress(f"Organisations built in {time.monotonic() - timer:.1f} s.")
        timer = time.monotonic()
        snapshot_plan = self._snapshot_counts(organizations)
        with connection.cursor() as cursor:
            partitions.ensure_partitions(cursor, self.start.date(), self.now.date())
            partitions.drop_snapshot_indexes(cursor)
        for position, (organization, per_share, extra) in enumerate(snapshot_plan, start=1):
            self._snapshots(organization, per_share=per_share, extra=extra)
            if position % 10 == 0 or position == len(snapshot_plan):
                self.progress(f"  snapshots of {position}/{len(snapshot_plan)} organisations…")
        self.progress(f"Snapshots written in {time.monotonic() - timer:.1f} s; building the key and indexes…")
        timer = time.monotonic()
        with connection.cursor() as cursor:
            partitions.create_snapshot_indexes(cursor)
            cursor.execute(f"ANALYZE {partitions.SNAPSHOT_TABLE}")
        self.progress(f"Indexes built in {time.monotonic() - timer:.1f} s; rolling up…")
        timer = time.monotonic()
        rollups_build([organization.pk for organization in organizations], jobs=self.plan.jobs, progress=self.progress)
        with connection.cursor() as cursor:
            for model in (Share, ShareMetrics, TrackedLink, LinkClickDay, Membership, SocialConnection):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
            for table in ("analytics_shareday", "analytics_memberday", "analytics_itemday", "analytics_orgday"):
                cursor.execute(f"ANALYZE {table}")
        self.progress(f"Rollups built in {time.monotonic() - timer:.1f} s.")

    # People, content and shares -------------------------------------------------------

    def _organization(self, index: int) -> Organization:
        plan = self.plan
        slug = f"gen{plan.seed}-{index + 1}"
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"Organisation {slug} exists already: use another --seed or a fresh database.")
        members, shares = plan.split(plan.members, index), plan.split(plan.shares, index)
        items = max(3, shares // 200)
        with transaction.atomic():
            organization = Organization.objects.create(
                name=f"Generated {plan.seed}-{index + 1}", slug=slug, timezone=TIMEZONES[index % len(TIMEZONES)]
            )
            org = organization.pk
            user = User.objects.create(email=f"member0@{slug}.example", password=make_password(None))
            _clone(
                User,
                user.pk,
                count=members - 1,
                values={"email": f"'member' || g || '@{slug}.example'", "public_id": "gen_random_uuid()"},
            )
            first = Membership.objects.create(
                organization=organization,
                user=user,
                role=Role.EMPLOYEE,
                status=MembershipStatus.ACTIVE,
                joined_at=self.start,
            )
            _clone(
                Membership,
                first.pk,
                count=members - 1,
                values={
                    "user_id": f"(SELECT id FROM accounts_user WHERE email = 'member' || g || '@{slug}.example')",  # noqa: S608 - generated slug
                    "public_id": "gen_random_uuid()",
                },
            )
            item = ContentItem.objects.create(
                organization=organization,
                title="Generated item 0",
                url="https://example.com/news/0",
                state=ContentState.PUBLISHED,
                published_at=self.start,
                author=first,
            )
            _clone(
                ContentItem,
                item.pk,
                count=items - 1,
                values={
                    "title": "'Generated item ' || g",
                    "url": "'https://example.com/news/' || g",
                    "public_id": "gen_random_uuid()",
                },
            )
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS gen_members, gen_items")
                cursor.execute(
                    "CREATE TEMPORARY TABLE gen_members AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
                    "FROM accounts_membership WHERE organization_id = %s",
                    [org],
                )
                cursor.execute(
                    "CREATE TEMPORARY TABLE gen_items AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id "
                    "FROM content_contentitem WHERE organization_id = %s",
                    [org],
                )
            networks = "ARRAY[" + ", ".join(f"'{network}'" for network in NETWORK_CYCLE) + "]"
            account = SocialConnection.objects.create(
                organization=organization,
                membership=first,
                network="x",
                external_user_id="template",
                author_ref="template",
                handle="template",
            )
            _clone(
                SocialConnection,
                account.pk,
                count=members,
                start=0,
                values={
                    "membership_id": "(SELECT id FROM gen_members WHERE n = g)",
                    "network": f"({networks})[mod(g * 7, {len(NETWORK_CYCLE)}) + 1]",
                    "instance_url": f"CASE WHEN ({networks})[mod(g * 7, {len(NETWORK_CYCLE)}) + 1] = 'mastodon' "
                    "THEN 'https://mastodon.example' ELSE '' END",
                    "external_user_id": "'gen-' || g",
                    "author_ref": "'gen-' || g",
                    "handle": "'member' || g",
                    "public_id": "gen_random_uuid()",
                },
            )
            account.delete()
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS gen_accounts")
                cursor.execute(
                    "CREATE TEMPORARY TABLE gen_accounts AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, "
                    "membership_id, network FROM advocacy_socialconnection WHERE organization_id = %s",
                    [org],
                )
                cursor.execute("CREATE INDEX ON gen_accounts (n)")
                cursor.execute("CREATE INDEX ON gen_items (n)")
                # Tables filled a moment ago have no planner statistics: without them the
                # joins below run as nested loops over sequential scans.
                cursor.execute("ANALYZE gen_members, gen_items, gen_accounts, accounts_membership, content_contentitem")
            template = Share.objects.create(
                organization=organization,
                membership=first,
                connection_id=self._any_account(org),
                network="x",
                text="Proud of what we built",
                body="Proud of what we built https://example.com/news/0",
                state=ShareState.POSTED,
                posted_at=self.start,
            )
            span = int((self.now - self.start).total_seconds())
            seed = self.plan.seed
            # A share's moment: a pseudo-random point of the period (deterministic per seed).
            posted = (
                f"TIMESTAMPTZ '{self.start.isoformat()}' "
                f"+ mod(g::bigint * 7919 + {seed}::bigint * 104729, {span}) * INTERVAL '1 second'"
            )
            _clone(
                Share,
                template.pk,
                count=shares,
                start=0,
                source=(
                    f"generate_series(0, {shares - 1}) g JOIN gen_accounts a ON a.n = mod(g, {members}) "
                    f"LEFT JOIN gen_items i ON i.n = mod(g, {items}) AND mod(g, 10) <> 0"
                ),
                values={
                    "membership_id": "a.membership_id",
                    "connection_id": "a.id",
                    "network": "a.network",
                    "item_id": "i.id",
                    "public_id": "gen_random_uuid()",
                    "batch_id": "gen_random_uuid()",
                    "idempotency_key": "gen_random_uuid()",
                    "posted_at": posted,
                    "scheduled_for": posted,
                    "sent_at": posted,
                    "created_at": posted,
                    "updated_at": posted,
                    "external_id": f"'gen-{org}-' || g",
                },
            )
            template.delete()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE advocacy_share")
                cursor.execute(
                    "INSERT INTO advocacy_trackedlink (organization_id, share_id, code, target_url, created_at, "
                    "clicks, unique_clicks, bot_clicks) "
                    "SELECT organization_id, id, 'g' || to_hex(id), 'https://example.com/news/' || id, "
                    "posted_at, 0, 0, 0 "
                    "FROM advocacy_share WHERE organization_id = %s",
                    [org],
                )
                # Clicks on the posting day and, for most shares, the next days (human clicks;
                # a few bots on top), as the click flush leaves them.
                cursor.execute(
                    "INSERT INTO advocacy_linkclickday "
                    "(organization_id, link_id, day, clicks, unique_clicks, bot_clicks) "
                    "SELECT s.organization_id, s.id, (s.posted_at AT TIME ZONE 'UTC')::date + d, "
                    "c.clicks, greatest(c.clicks * 3 / 4, 0), mod(s.id + d, 3) "
                    "FROM advocacy_share s CROSS JOIN generate_series(0, 2) d "
                    "CROSS JOIN LATERAL (SELECT mod(s.id * 31 + d * 17, 23) / (d + 1) AS clicks) c "
                    "WHERE s.organization_id = %s AND (mod(s.id + d, 4) <> 3 OR d = 0) "
                    "AND (s.posted_at AT TIME ZONE 'UTC')::date + d <= %s",
                    [org, self.now.date()],
                )
                cursor.execute("ANALYZE advocacy_trackedlink, advocacy_linkclickday")
                cursor.execute(
                    "UPDATE advocacy_trackedlink l SET clicks = t.clicks, unique_clicks = t.unique_clicks, "
                    "bot_clicks = t.bot_clicks FROM (SELECT link_id, sum(clicks) clicks, sum(unique_clicks) "
                    "unique_clicks, sum(bot_clicks) bot_clicks FROM advocacy_linkclickday WHERE organization_id = %s "
                    "GROUP BY link_id) t WHERE l.share_id = t.link_id AND l.organization_id = %s",
                    [org, org],
                )
                cursor.execute(
                    "INSERT INTO analytics_sharemetrics (organization_id, share_id, membership_id, item_id, network, "
                    "posted_at, snapshots, clicks, unique_clicks, collect_step, next_collect_at, last_error) "
                    "SELECT organization_id, id, membership_id, item_id, network, posted_at, 0, 0, 0, %s, NULL, '' "
                    "FROM advocacy_share WHERE organization_id = %s",
                    [len(COLLECTION_SCHEDULE), org],
                )
                cursor.execute("ANALYZE analytics_sharemetrics")
                # Shares posted per local day, as share_metrics_start counts them.
                for table, key in (
                    ("analytics_memberday", "membership_id"),
                    ("analytics_itemday", "item_id"),
                    ("analytics_orgday", None),
                ):
                    columns = ", ".join(filter(None, ("organization_id", key, "day", "network")))
                    selected = ", ".join(
                        filter(
                            None,
                            (
                                "m.organization_id",
                                f"m.{key}" if key else None,
                                "(m.posted_at AT TIME ZONE o.timezone)::date",
                                "m.network",
                            ),
                        )
                    )
                    cursor.execute(
                        f"INSERT INTO {table} ({columns}, shares_posted, clicks, unique_clicks, updated_at) "  # noqa: S608 - constant names
                        f"SELECT {selected}, count(*), 0, 0, now() FROM analytics_sharemetrics m "
                        "JOIN accounts_organization o ON o.id = m.organization_id WHERE m.organization_id = %s"
                        + (f" AND m.{key} IS NOT NULL" if key else "")
                        + f" GROUP BY {selected}",
                        [org],
                    )
        return organization

    def _any_account(self, organization_id: int) -> int:
        found = SocialConnection.objects.filter(organization_id=organization_id).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError("No account was generated.")
        return int(found)

    # Snapshots ------------------------------------------------------------------------

    def _snapshot_counts(self, organizations: list[Organization]) -> list[tuple[Organization, int, int]]:
        """Per organisation: snapshots per share, and how many shares get one more, so
        that the totals add up to --snapshots exactly."""
        share_counts = {
            row["organization_id"]: row["count"]
            for row in Share.objects.filter(organization__in=organizations)
            .values("organization_id")
            .annotate(count=models.Count("id"))
        }
        total_shares = sum(share_counts.values())
        plan, left = [], self.plan.snapshots
        for position, organization in enumerate(organizations):
            shares = share_counts.get(organization.pk, 0)
            wanted = left if position == len(organizations) - 1 else round(self.plan.snapshots * shares / total_shares)
            wanted = min(wanted, left)
            left -= wanted
            plan.append((organization, wanted // shares if shares else 0, wanted % shares if shares else 0))
        return plan

    def _snapshots(self, organization: Organization, *, per_share: int, extra: int) -> None:
        """Snapshot k of n of a share is taken at 1 h × 720^(k/(n-1)) after posting
        (1 hour to 30 days, denser early, like the collection schedule), compressed for
        shares too young for that; counters grow towards a per-share ceiling. Unknown
        per network as the adapters report: impressions only from X, LinkedIn and the
        Sandbox, reach only from LinkedIn, link clicks only from X before day 30."""
        if per_share == 0 and extra == 0:
            return
        now = f"TIMESTAMPTZ '{self.now.isoformat()}'"
        n = "(CASE WHEN r.rank < %(extra)s THEN %(per_share)s + 1 ELSE %(per_share)s END)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {partitions.SNAPSHOT_TABLE} (organization_id, share_id, network, captured_at, "  # noqa: S608 - constant names
                "impressions, reach, reactions, comments, reshares, network_clicks) "
                "SELECT r.organization_id, r.id, r.network, r.posted_at + t.age, "
                "CASE WHEN r.network IN ('x', 'linkedin', 'sandbox') THEN (r.size * t.grown)::bigint END, "
                "CASE WHEN r.network = 'linkedin' THEN (r.size * 0.6 * t.grown)::bigint END, "
                "(r.size * 0.04 * t.grown)::bigint, (r.size * 0.006 * t.grown)::bigint, "
                "(r.size * 0.003 * t.grown)::bigint, "
                "CASE WHEN r.network = 'x' AND t.age < INTERVAL '30 days' THEN (r.size * 0.02 * t.grown)::bigint END "
                "FROM (SELECT s.organization_id, s.id, s.network, s.posted_at, "
                "      row_number() OVER (ORDER BY s.id) - 1 AS rank, 200 + mod(s.id * 7919, 5000) AS size, "
                f"      least(INTERVAL '30 days', {now} - s.posted_at) AS span "
                "      FROM advocacy_share s WHERE s.organization_id = %(org)s) r "
                f"CROSS JOIN LATERAL generate_series(0, {n} - 1) k "
                "CROSS JOIN LATERAL (SELECT a.age, "
                "1.0::float8 - exp(-extract(epoch FROM a.age)::float8 / 86400.0::float8) AS grown FROM "
                f"  (SELECT CASE WHEN {n} = 1 THEN least(INTERVAL '1 hour', r.span) "
                f"   ELSE r.span * (power(720.0::float8, k::float8 / ({n} - 1)) / 720.0) END AS age) a) t",
                {"org": organization.pk, "per_share": per_share, "extra": extra},
            )


def _clicks(organization_id: int) -> None:
    """The tracked clicks of the rollups, in one pass (the live path recomputes two
    days at a time with clicks_rollup)."""
    org = organization_id
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE analytics_sharemetrics m SET clicks = l.clicks, unique_clicks = l.unique_clicks "
            "FROM advocacy_trackedlink l WHERE l.share_id = m.share_id AND l.organization_id = %s "
            "AND m.organization_id = %s",
            [org, org],
        )
        for table, key in (
            ("analytics_memberday", "membership_id"),
            ("analytics_itemday", "item_id"),
            ("analytics_orgday", None),
        ):
            columns = ", ".join(filter(None, ("organization_id", key, "day", "network")))
            selected = ", ".join(filter(None, ("s.organization_id", f"s.{key}" if key else None, "c.day", "s.network")))
            cursor.execute(
                f"INSERT INTO {table} ({columns}, shares_posted, clicks, unique_clicks, updated_at) "  # noqa: S608 - constant names
                f"SELECT {selected}, 0, sum(c.clicks), sum(c.unique_clicks), now() "
                "FROM advocacy_linkclickday c JOIN advocacy_share s ON s.id = c.link_id "
                "AND s.organization_id = c.organization_id WHERE c.organization_id = %s"
                + (f" AND s.{key} IS NOT NULL" if key else "")
                + f" GROUP BY {selected} ON CONFLICT ({columns}) DO UPDATE SET clicks = EXCLUDED.clicks, "
                "unique_clicks = EXCLUDED.unique_clicks",
                [org],
            )


def rollups_build(organization_ids: list[int], *, jobs: int, progress: Any) -> None:
    """The one-off rollups of the generated organisations, in `jobs` processes (each
    takes every jobs-th organisation, largest first, so the work is spread evenly)."""
    if jobs <= 1 or len(organization_ids) <= 1:
        _rollup_organizations(organization_ids, progress=progress)
        return
    import multiprocessing

    # A forked child must not use the parent's database connection: each opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_rollup_worker, args=(organization_ids[index::jobs], index), daemon=False)
        for index in range(jobs)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    failed = [worker.exitcode for worker in workers if worker.exitcode != 0]
    if failed:
        raise CommandError(f"{len(failed)} rollup process(es) failed; see the errors above.")


def _rollup_worker(organization_ids: list[int], index: int) -> None:
    connections.close_all()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")  # as in the parent, see run()
        cursor.execute("SET work_mem = '256MB'")

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] (rollups {index + 1}) {message}", flush=True)

    with scopes_disabled():  # the same maintenance work as the parent's, split up
        _rollup_organizations(organization_ids, progress=progress)


def _rollup_organizations(organization_ids: list[int], *, progress: Any) -> None:
    for position, organization_id in enumerate(organization_ids, start=1):
        rollups_rebuild_from_log(organization_id=organization_id)
        _clicks(organization_id)
        if position % 10 == 0 or position == len(organization_ids):
            progress(f"  rollups of {position}/{len(organization_ids)} organisations…")


def _clone(
    model: type[models.Model],
    template_pk: int,
    *,
    count: int,
    values: dict[str, str],
    start: int = 1,
    source: str = "",
) -> None:
    """Insert `count` copies of the template row server-side: every column keeps the
    template's value (so new model fields with defaults need no change here) unless
    `values` gives an SQL expression for it, in terms of the series variable `g`
    (numbered from `start`) and the tables of `source`."""
    if count <= 0:
        return
    table = model._meta.db_table
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
            continue
        columns.append(field.column)
        expressions.append(values.get(field.column, f"t.{field.column}"))
    unknown = set(values) - set(columns)
    if unknown:
        raise CommandError(f"{table} has no column(s) {', '.join(sorted(unknown))}.")
    series = source or f"generate_series({start}, {start + count - 1}) g"
    pk = model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} "  # noqa: S608 - generated from the model
            f"FROM {table} t CROSS JOIN {series} WHERE t.{pk} = %s",
            [template_pk],
        )
