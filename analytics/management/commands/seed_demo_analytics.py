"""Give the demo organisation (`seed_demo`, `seed_demo_content`) six months of plausible
history, so every report is alive on first start: more colleagues (most of whom never
share, as in real programs), past campaigns, posted shares on the Sandbox, LinkedIn, X
and Mastodon on a weekday rhythm (a few champions, regular and occasional sharers),
their metric snapshots on the collection schedule, tracked-link clicks, conversions of
several kinds (attributed and not), goals and KPIs with targets and imported values,
earned media value rates and recognition boards.

Safe to run again: people, items and goals are matched by email, title and name, and
the history is written once (it is recognised by its shares' external ids), in one
transaction. Fast on SQLite: every table is written in bulk, and the snapshots go
through the same `snapshots_ingest` and `clicks_rollup` the live pipeline uses, so the
rollups are exactly what the collectors would have produced.

The history's schedules are finished and its accounts disconnected: nothing will try
to fetch made-up posts from a real network.
"""

from __future__ import annotations

import math
import random
import unicodedata
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, MembershipStatus, Organization, Role, Topic, User
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.lib import links as link_lib
from advocacy.models import ConnectionStatus, LinkClickDay, Share, ShareKind, ShareState, SocialConnection, TrackedLink
from analytics.models import (
    COLLECTION_SCHEDULE,
    COUNTERS,
    AnalyticsSettings,
    Conversion,
    ConversionKind,
    ConversionSource,
    Goal,
    GoalCategory,
    ItemDay,
    Kpi,
    KpiAggregation,
    KpiMeasure,
    KpiPeriod,
    KpiValue,
    KpiValueSource,
    MemberDay,
    OrgDay,
    RankingPreference,
    ShareMetrics,
)
from analytics.services.goals import analytics_settings_save, goal_save, kpi_save
from analytics.services.rollups import SnapshotRow, clicks_rollup, day_upsert, snapshots_ingest
from content.models import ContentItem, ContentKind, ContentState, ContentTopic, PreviewStatus, Visibility

DEMO_SLUG = "acme"
HISTORY_DAYS = 182
HISTORY_MARK = "demo-history-"  # external ids of the history's shares: written once
SEED = 2026
INGEST_BATCH = 400  # snapshots per ingest

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Carla",
    "Dev",
    "Elif",
    "Farah",
    "Gabriel",
    "Hiro",
    "Ines",
    "Jonas",
    "Kaia",
    "Leon",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xenia",
    "Yusuf",
    "Zoe",
    "Anton",
    "Bea",
    "Caio",
    "Dana",
    "Emil",
    "Fiona",
    "Goran",
    "Hanna",
    "Ivo",
    "Julia",
    "Kofi",
    "Lena",
    "Milo",
    "Nora",
    "Omar",
    "Petra",
    "Rui",
    "Sara",
    "Theo",
]
LAST_NAMES = [
    "Adeyemi",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Greco",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Olsen",
    "Petrov",
    "Quist",
    "Romero",
    "Sato",
    "Tanaka",
    "Ulloa",
    "Virtanen",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zimmer",
    "Alvarez",
    "Brandt",
    "Cruz",
    "Dahl",
    "Evans",
    "Ferrari",
    "Gómez",
    "Horvat",
    "Iqbal",
    "Jovanović",
    "Kim",
    "Lindqvist",
    "Meyer",
    "Nakamura",
    "Ortiz",
    "Park",
    "Rossi",
    "Silva",
]
DEPARTMENTS = (
    ("Sales", "Account Executive", "London"),
    ("Engineering", "Software Engineer", "Berlin"),
    ("Marketing", "Marketing Specialist", "London"),
    ("Customer Success", "Customer Success Manager", "Paris"),
    ("Operations", "Operations Coordinator", "Manchester"),
    ("People", "Recruiter", "London"),
    ("Finance", "Accountant", "Madrid"),
    ("Engineering", "Data Engineer", "Lisbon"),
)
EXTRA_MEMBERS = 45

# Past campaigns: (title, url, topic, days ago published, appeal).
PAST_ITEMS: tuple[tuple[str, str, str, int, float], ...] = (
    ("Acme named a top employer for engineers", "https://acme.example/news/top-employer", "Careers", 176, 1.3),
    (
        "How Nordbank cut reporting time by 60% with Acme",
        "https://acme.example/customers/nordbank",
        "Customer stories",
        165,
        1.1,
    ),
    ("Open roles: sales development in Madrid", "https://acme.example/careers/madrid-sdr", "Careers", 150, 1.0),
    ("Our 2026 sustainability report", "https://acme.example/sustainability/2026", "Sustainability", 139, 0.9),
    ("Acme Analytics 4.0 is here", "https://acme.example/product/analytics-4", "Product", 124, 1.4),
    ("Meet us at the Lisbon Data Summit", "https://acme.example/events/lisbon-data-summit", "Events", 110, 0.8),
    (
        "Customer story: Helio Energy scales support with Acme",
        "https://acme.example/customers/helio",
        "Customer stories",
        96,
        1.2,
    ),
    (
        "We are hiring platform engineers in Berlin and Lisbon",
        "https://acme.example/careers/platform",
        "Careers",
        82,
        1.3,
    ),
    (
        "What the new EU data rules mean for analytics teams",
        "https://acme.example/blog/eu-data-rules",
        "Industry news",
        68,
        1.0,
    ),
    ("Acme Analytics mobile app: now on Android", "https://acme.example/product/mobile", "Product", 54, 1.1),
    ("Inside our graduate programme", "https://acme.example/careers/graduates", "Careers", 40, 1.2),
    (
        "Customer story: Vela Retail forecasts demand with Acme",
        "https://acme.example/customers/vela",
        "Customer stories",
        26,
        1.2,
    ),
    (
        "Webinar: a practical guide to data quality",
        "https://acme.example/events/data-quality-webinar",
        "Events",
        12,
        0.9,
    ),
)
CAPTIONS = {
    "Careers": [
        "My team is hiring — happy to tell you what it is really like to work here.",
        "If you are looking for your next role, have a look. Ask me anything.",
        "Great people, hard problems, flexible work. We are hiring.",
    ],
    "Customer stories": [
        "Love seeing what our customers build with us. Worth a read.",
        "This is why I enjoy my job: real results for a real customer.",
        "A good example of the difference good data makes.",
    ],
    "Product": [
        "Months of work from our product team, and it shows. Try it.",
        "The feature our customers asked for most is live.",
    ],
    "Sustainability": ["Proud of the progress in our sustainability report, and clear about what is left to do."],
    "Events": ["I will be there — come and say hello.", "Join us, it will be a good one."],
    "Industry news": ["A clear explainer on what is changing and what to do about it."],
    "": ["Some thoughts from this week at work.", "Lessons from a busy quarter.", "A small win worth sharing."],
}


# Who shares how often (batches per week), where, how originally, and how far they reach.
@dataclass(frozen=True)
class Profile:
    per_week: float
    networks: tuple[str, ...]
    originality: float
    audience: float = 1.0  # multiplies the network's usual audience
    converts: float = 1.0  # multiplies conversion rates (a recruiter's careers posts, a seller's)
    topics: tuple[str, ...] = ()  # favoured topics


NAMED_PROFILES: dict[str, Profile] = {
    "employee2": Profile(2.4, ("linkedin", "x"), 0.86, 1.2, 2.2, ("Customer stories", "Product")),
    "employee9": Profile(1.6, ("linkedin",), 0.9, 1.1, 2.5, ("Careers",)),
    "employee5": Profile(2.0, ("linkedin", "mastodon"), 0.92, 1.0, 1.2, ("Sustainability", "Product")),
    "manager": Profile(1.5, ("linkedin", "sandbox"), 0.7, 1.0, 1.0, ()),
    "exec": Profile(0.8, ("linkedin", "x"), 0.8, 4.0, 1.3, ("Industry news", "Product")),
    "employee1": Profile(1.0, ("linkedin", "mastodon"), 0.75, 0.8, 1.0, ("Product", "Careers")),
    "employee3": Profile(0.5, ("linkedin",), 0.6, 0.9, 1.4, ("Customer stories",)),
    # Shares a lot of copied captions to a small audience: busy, little impact.
    "employee4": Profile(2.6, ("x",), 0.12, 0.25, 0.2, ()),
    "employee7": Profile(0.3, ("linkedin",), 0.55, 0.8, 1.0, ("Customer stories",)),
    "employee8": Profile(0.3, ("x", "mastodon"), 0.5, 0.7, 1.0, ("Product",)),
    "employee12": Profile(0.35, ("linkedin",), 0.45, 0.7, 1.2, ("Customer stories",)),
    "admin": Profile(0.25, ("linkedin",), 0.65, 1.5, 1.0, ("Careers",)),
}
REGULAR = Profile(0.9, ("linkedin",), 0.6, 0.8, 1.0)
OCCASIONAL = Profile(0.2, ("linkedin",), 0.45, 0.6, 0.8)

# Usual audience per network (people who may see a post), and what each network reports.
AUDIENCE = {"linkedin": 700, "x": 450, "mastodon": 220, "sandbox": 300}
REPORTS = {
    "linkedin": {"impressions", "reach", "reactions", "comments", "reshares"},
    "x": {"impressions", "reactions", "comments", "reshares", "network_clicks"},
    "mastodon": {"reactions", "comments", "reshares"},
    "sandbox": {"impressions", "reactions", "comments", "reshares"},
}
# How much of a counter's final value is there at each collection step.
GROWTH = (0.18, 0.5, 0.78, 0.91, 0.97, 0.995, 1.0)
CLICK_DAYS = (0.5, 0.24, 0.1, 0.06, 0.04, 0.03, 0.02, 0.01)
# Per tracked click: (kind, probability, value range in EUR or None), by the item's topic.
CONVERSION_RATES: dict[str, tuple[tuple[str, float, tuple[int, int] | None], ...]] = {
    "Careers": ((ConversionKind.APPLICATION, 0.045, None), (ConversionKind.HIRE, 0.004, None)),
    "Customer stories": (
        (ConversionKind.LEAD, 0.03, (800, 6000)),
        (ConversionKind.PURCHASE, 0.0025, (1500, 12000)),
    ),
    "Product": (
        (ConversionKind.SIGNUP, 0.025, None),
        (ConversionKind.LEAD, 0.018, (800, 6000)),
        (ConversionKind.PURCHASE, 0.002, (900, 8000)),
    ),
    "Events": ((ConversionKind.SIGNUP, 0.04, None),),
    "Industry news": ((ConversionKind.LEAD, 0.008, (800, 5000)),),
    "Sustainability": ((ConversionKind.SIGNUP, 0.006, None),),
}
UNATTRIBUTED_SHARE = 0.3  # conversions the company reports without a usable click
CPM = {"linkedin": Decimal("33.80"), "x": Decimal("6.46"), "sandbox": Decimal("10.00")}


@dataclass
class PlannedShare:
    membership: Membership
    network: str
    posted_at: datetime
    item: ContentItem | None
    topic: str
    originality: float
    profile: Profile
    batch_id: Any
    share: Share | None = None
    finals: dict[str, int | None] = field(default_factory=dict)
    clicks: int = 0


class Command(BaseCommand):
    help = "Give the demo organisation six months of analytics history (run after seed_demo_content)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", default=DEMO_SLUG, help="The demo organisation's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError("Run `manage.py seed_demo` first: there is no demo organisation.")
        with organization_scope(organization):
            if not ContentItem.objects.filter(organization=organization).exists():
                raise CommandError("Run `manage.py seed_demo_content` first: the demo organisation has no content.")
            started = timezone.now()
            with transaction.atomic():
                added_people = self._people(organization)
                self._settings(organization)
                goals = self._goals(organization)
            if Share.objects.filter(organization=organization, external_id__startswith=HISTORY_MARK).exists():
                self.stdout.write(self.style.SUCCESS("Demo analytics history is already there (nothing added)."))
                return
            with transaction.atomic():
                shares, snapshots, conversions = self._history(organization, now=started)
                self._kpi_values(organization, goals, now=started)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo analytics history is ready: {added_people} more colleagues, {shares} shares, "
                f"{snapshots} metric snapshots, {conversions} conversions over {HISTORY_DAYS} days ({seconds:.1f} s)."
            )
        )

    # People ------------------------------------------------------------------------------

    def _people(self, organization: Organization) -> int:
        """Colleagues beyond the handful who sign in to the demo (no password: they
        cannot sign in), so the 1 / 9 / 90 has a 90."""
        wanted = []
        for index in range(EXTRA_MEMBERS):
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 7) % len(LAST_NAMES)]
            email = f"{first.lower()}.{_ascii(last).lower()}@acme.example"
            wanted.append((email, f"{first} {last}", DEPARTMENTS[index % len(DEPARTMENTS)]))
        emails = [email for email, _, _ in wanted]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(email=email, full_name=name, password=unusable) for email, name, _ in wanted if email not in existing]
        )
        users = {user.email: user for user in User.objects.filter(email__in=emails)}
        members = set(
            Membership.objects.filter(organization=organization, user__in=users.values()).values_list(
                "user__email", flat=True
            )
        )
        joined = timezone.now() - timedelta(days=HISTORY_DAYS + 30)
        new = [
            Membership(
                organization=organization,
                user=users[email],
                role=Role.EMPLOYEE,
                status=MembershipStatus.ACTIVE,
                department=department,
                job_title=title,
                location=location,
                joined_at=joined,
                created_at=joined,
            )
            for email, _, (department, title, location) in wanted
            if email not in members
        ]
        Membership.objects.bulk_create(new)
        return len(new)

    # Settings and goals ------------------------------------------------------------------

    def _settings(self, organization: Organization) -> None:
        if AnalyticsSettings.objects.filter(organization=organization).exists():
            return
        analytics_settings_save(
            organization=organization,
            values={"currency": "EUR", "recognition_enabled": True},
            rates=dict(CPM),
        )

    def _goals(self, organization: Organization) -> dict[str, Kpi]:
        """Goals and KPIs (matched by name); the program manager owns most KPIs."""
        members = {
            m.user.email.split("@")[0]: m
            for m in Membership.objects.filter(organization=organization).select_related("user")
        }
        manager, admin = members.get("manager"), members.get("admin")
        KpiPlan = tuple[str, str, int, str, Membership | None, str, str]
        plan: list[tuple[str, str, str, Membership | None, list[KpiPlan]]] = [
            (
                "Hire the engineers we need",
                GoalCategory.RECRUITING,
                "Fill the Berlin and Lisbon engineering roles through our people's networks.",
                admin,
                [
                    (
                        "Applications from shared posts",
                        "applications",
                        60,
                        KpiPeriod.QUARTER,
                        manager,
                        KpiMeasure.CONVERSION_COUNT,
                        ConversionKind.APPLICATION,
                    ),
                    (
                        "Hires from shared posts",
                        "hires",
                        6,
                        KpiPeriod.QUARTER,
                        admin,
                        KpiMeasure.CONVERSION_COUNT,
                        ConversionKind.HIRE,
                    ),
                ],
            ),
            (
                "Grow qualified pipeline",
                GoalCategory.SALES,
                "Leads and pipeline that sales can trace back to employees' posts.",
                manager,
                [
                    (
                        "Leads from shared posts",
                        "leads",
                        14,
                        KpiPeriod.MONTH,
                        manager,
                        KpiMeasure.CONVERSION_COUNT,
                        ConversionKind.LEAD,
                    ),
                    ("Pipeline value influenced", "EUR", 180000, KpiPeriod.QUARTER, manager, KpiMeasure.VALUES, ""),
                ],
            ),
        ]
        kpis: dict[str, Kpi] = {}
        for name, category, description, owner, kpi_plan in plan:
            goal = Goal.objects.filter(organization=organization, name=name).first() or goal_save(
                organization=organization, name=name, category=category, description=description, owner=owner
            )
            for kpi_name, unit, target, period, kpi_owner, measure, kind in kpi_plan:
                kpi = Kpi.objects.filter(organization=organization, goal=goal, name=kpi_name).first() or kpi_save(
                    organization=organization,
                    goal=goal,
                    name=kpi_name,
                    unit=unit,
                    target=Decimal(target),
                    period=period,
                    owner=kpi_owner,
                    measure=measure,
                    aggregation=KpiAggregation.SUM,
                    conversion_kind=kind,
                )
                kpis[kpi_name] = kpi
        return kpis

    def _kpi_values(self, organization: Organization, kpis: dict[str, Kpi], *, now: datetime) -> None:
        """The CRM's weekly pipeline figures, imported as a CSV would be."""
        kpi = kpis.get("Pipeline value influenced")
        if kpi is None or KpiValue.objects.filter(organization=organization, kpi=kpi).exists():
            return
        rng = random.Random(SEED + 1)
        today = now.date()
        monday = today - timedelta(days=today.weekday())
        values = []
        for week in range(HISTORY_DAYS // 7, 0, -1):
            on_date = monday - timedelta(weeks=week)
            growth = 1 + (HISTORY_DAYS // 7 - week) / 40
            value = Decimal(round(rng.uniform(9000, 17000) * growth, -2))
            values.append(
                KpiValue(
                    organization=organization,
                    kpi=kpi,
                    on_date=on_date,
                    value=value,
                    source=KpiValueSource.CSV,
                    note="Weekly CRM export: opportunities with a Chorus click id",
                )
            )
        KpiValue.objects.bulk_create(values)

    # History -----------------------------------------------------------------------------

    def _history(self, organization: Organization, *, now: datetime) -> tuple[int, int, int]:
        rng = random.Random(SEED)
        zone = zoneinfo.ZoneInfo(organization.timezone or "UTC")
        items = self._past_items(organization, now=now)
        members = list(
            Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE)
            .select_related("user")
            .order_by("pk")
        )
        profiles = self._profiles(members)
        planned = self._plan_shares(organization, profiles, items, rng=rng, zone=zone, now=now)
        self._write_shares(organization, planned, now=now)
        snapshots = self._snapshots(organization, planned, rng=rng, now=now)
        self._clicks(organization, planned, rng=rng, now=now)
        conversions = self._conversions(organization, planned, rng=rng, now=now)
        self._opt_outs(organization, members)
        return len(planned), snapshots, conversions

    def _past_items(self, organization: Organization, *, now: datetime) -> list[tuple[ContentItem, str, float]]:
        """Past campaigns (expired after six weeks, so the feed stays current) and the
        current items, each with its topic and appeal."""
        author = Membership.objects.filter(organization=organization, role=Role.MANAGER).first()
        topics = {topic.name: topic for topic in Topic.objects.filter(organization=organization)}
        found: list[tuple[ContentItem, str, float]] = []
        for title, url, topic_name, days_ago, appeal in PAST_ITEMS:
            item = ContentItem.objects.filter(organization=organization, title=title).first()
            if item is None:
                published = now - timedelta(days=days_ago, hours=3)
                item = ContentItem.objects.create(
                    organization=organization,
                    author=author,
                    title=title,
                    url=url,
                    body="A past campaign of the demo organisation.",
                    kind=ContentKind.COMPANY,
                    visibility=Visibility.SHAREABLE,
                    state=ContentState.PUBLISHED,
                    published_at=published,
                    expires_at=published + timedelta(days=42),
                    preview_status=PreviewStatus.READY,
                    preview_title=title,
                    preview_site_name="Acme",
                    preview_canonical_url=url,
                    created_at=published,
                )
                if topic_name in topics:
                    ContentTopic.objects.create(organization=organization, item=item, topic=topics[topic_name])
            found.append((item, topic_name, appeal))
        current = (
            ContentItem.objects.filter(
                organization=organization, state=ContentState.PUBLISHED, visibility=Visibility.SHAREABLE
            )
            .exclude(title__in=[title for title, *_ in PAST_ITEMS])
            .exclude(url="")
            .prefetch_related("topics")
        )
        for item in current:
            topic_names = [topic.name for topic in item.topics.all()]
            found.append((item, topic_names[0] if topic_names else "", 1.2))
        return found

    def _profiles(self, members: list[Membership]) -> list[tuple[Membership, Profile]]:
        named = {"".join(m.user.email.split("@")[:1]): m for m in members if m.user.email.endswith("@acme.example")}
        chosen: list[tuple[Membership, Profile]] = []
        for local, profile in NAMED_PROFILES.items():
            if local in named:
                chosen.append((named[local], profile))
        taken = {m.pk for m, _ in chosen}
        others = [m for m in members if m.pk not in taken and m.user.email.split("@")[0] not in NAMED_PROFILES]
        # Most people never share: three regulars, ten occasional sharers, the rest silent.
        for index, member in enumerate(others):
            if index % 11 == 3:
                chosen.append((member, REGULAR))
            elif index % 4 == 1:
                chosen.append((member, OCCASIONAL))
        return chosen

    def _plan_shares(
        self,
        organization: Organization,
        profiles: list[tuple[Membership, Profile]],
        items: list[tuple[ContentItem, str, float]],
        *,
        rng: random.Random,
        zone: zoneinfo.ZoneInfo,
        now: datetime,
    ) -> list[PlannedShare]:
        first_day = (now - timedelta(days=HISTORY_DAYS)).astimezone(zone).date()
        planned: list[PlannedShare] = []
        for membership, profile in profiles:
            for offset in range(HISTORY_DAYS):
                day = first_day + timedelta(days=offset)
                weekday = day.weekday() < 5
                chance = profile.per_week / 5 * (1 if weekday else 0.12)
                if rng.random() >= chance:
                    continue
                moment = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=zone)
                if moment >= now - timedelta(hours=2):
                    continue
                available = [entry for entry in items if entry[0].published_at and entry[0].published_at <= moment]
                live = [e for e in available if e[0].expires_at is None or e[0].expires_at > moment]
                item: ContentItem | None = None
                topic = ""
                if live and rng.random() > 0.12:
                    weights = [appeal * (3 if name in profile.topics else 1) for _, name, appeal in live]
                    item, topic, _appeal = rng.choices(live, weights=weights)[0]
                networks = list(profile.networks)
                count = len(networks) if rng.random() < 0.35 else 1
                batch = uuid.uuid4()
                for network in rng.sample(networks, count):
                    originality = min(1.0, max(0.0, rng.gauss(profile.originality, 0.08)))
                    planned.append(
                        PlannedShare(membership, network, moment, item, topic, round(originality, 2), profile, batch)
                    )
        return planned

    def _write_shares(self, organization: Organization, planned: list[PlannedShare], *, now: datetime) -> None:
        connections = self._connections(organization, planned)
        shares = []
        for index, plan in enumerate(planned):
            texts = CAPTIONS.get(plan.topic) or CAPTIONS[""]
            text = texts[index % len(texts)]
            plan.share = Share(
                organization=organization,
                batch_id=plan.batch_id,
                membership=plan.membership,
                connection=connections[(plan.membership.pk, plan.network)],
                network=plan.network,
                kind=ShareKind.BRAND if plan.item else ShareKind.PERSONAL,
                item=plan.item,
                text=text,
                body=text + ("\n\n#iworkforacme" if plan.item else ""),
                originality=plan.originality,
                state=ShareState.POSTED,
                scheduled_for=plan.posted_at,
                sent_at=plan.posted_at,
                posted_at=plan.posted_at,
                attempts=1,
                external_id=f"{HISTORY_MARK}{index + 1}",
                created_at=plan.posted_at - timedelta(minutes=5),
            )
            shares.append(plan.share)
        Share.objects.bulk_create(shares, batch_size=500)
        if connection.vendor != "postgresql" or any(share.pk is None for share in shares):
            # SQLite before 3.35 gives no ids back from a bulk insert: read them.
            ids = dict(
                Share.objects.filter(organization=organization, external_id__startswith=HISTORY_MARK).values_list(
                    "external_id", "pk"
                )
            )
            for share in shares:
                share.pk = share.id = ids[share.external_id]
        ShareMetrics.objects.bulk_create(
            [
                ShareMetrics(
                    organization=organization,
                    share=plan.share,
                    membership=plan.membership,
                    item=plan.item,
                    network=plan.network,
                    posted_at=plan.posted_at,
                    collect_step=len(COLLECTION_SCHEDULE),
                    next_collect_at=None,
                )
                for plan in planned
            ],
            batch_size=500,
        )
        self._shares_posted(organization, planned)

    def _connections(
        self, organization: Organization, planned: list[PlannedShare]
    ) -> dict[tuple[int, str], SocialConnection]:
        """One demo account per member and network, disconnected (the history's posts
        are made up: nothing may fetch or post with these)."""
        wanted = {(plan.membership.pk, plan.network): plan.membership for plan in planned}
        existing = {
            (c.membership_id, c.network): c
            for c in SocialConnection.objects.filter(organization=organization, external_user_id__startswith="demo-")
        }
        new = []
        for (member_pk, network), membership in wanted.items():
            if (member_pk, network) in existing:
                continue
            handle = membership.user.display_name.lower().replace(" ", ".")
            new.append(
                SocialConnection(
                    organization=organization,
                    membership=membership,
                    network=network,
                    external_user_id=f"demo-{member_pk}-{network}",
                    author_ref=f"demo-{member_pk}-{network}",
                    handle=f"@{handle}",
                    display_name=membership.user.display_name,
                    status=ConnectionStatus.DISCONNECTED,
                    status_reason="Demo history: connect your own account to share.",
                )
            )
        SocialConnection.objects.bulk_create(new)
        return {
            (c.membership_id, c.network): c
            for c in SocialConnection.objects.filter(organization=organization, external_user_id__startswith="demo-")
        }

    def _shares_posted(self, organization: Organization, planned: list[PlannedShare]) -> None:
        """Shares posted per day in the day rollups, as `share_metrics_start` counts them."""
        zone = zoneinfo.ZoneInfo(organization.timezone or "UTC")
        unknown = dict.fromkeys(COUNTERS)
        per: dict[str, dict[tuple[Any, ...], int]] = {
            "member": defaultdict(int),
            "item": defaultdict(int),
            "org": defaultdict(int),
        }
        for plan in planned:
            day = plan.posted_at.astimezone(zone).date()
            per["member"][(plan.membership.pk, day, plan.network)] += 1
            if plan.item is not None:
                per["item"][(plan.item.pk, day, plan.network)] += 1
            per["org"][(day, plan.network)] += 1
        now = timezone.now()
        with connection.cursor() as cursor:
            for kind, model, key in (
                ("member", MemberDay, "membership_id"),
                ("item", ItemDay, "item_id"),
                ("org", OrgDay, None),
            ):
                rows = [(organization.pk, *group, unknown, count) for group, count in sorted(per[kind].items())]
                day_upsert(cursor, model, key=key, rows=rows, now=now)

    def _snapshots(
        self, organization: Organization, planned: list[PlannedShare], *, rng: random.Random, now: datetime
    ) -> int:
        """Each share's counters at every collection step that has passed, growing
        towards its final figures; a counter the network does not report stays None."""
        rows: list[SnapshotRow] = []
        for plan in planned:
            audience = AUDIENCE[plan.network] * plan.profile.audience
            quality = 0.6 + 0.8 * plan.originality
            appeal = 1.0 if plan.item is None else 1.15
            seen = max(20, int(audience * math.exp(rng.gauss(0, 0.55)) * quality * appeal))
            reactions = int(seen * rng.uniform(0.015, 0.04) * quality)
            reported = REPORTS[plan.network]
            finals: dict[str, int | None] = {
                "impressions": seen if "impressions" in reported else None,
                "reach": int(seen * rng.uniform(0.6, 0.8)) if "reach" in reported else None,
                "reactions": reactions,
                "comments": int(reactions * rng.uniform(0.08, 0.2)),
                "reshares": int(reactions * rng.uniform(0.03, 0.1)),
                "network_clicks": int(seen * rng.uniform(0.005, 0.012)) if "network_clicks" in reported else None,
            }
            plan.finals = finals
            for step, growth in zip(COLLECTION_SCHEDULE, GROWTH, strict=True):
                captured = plan.posted_at + step
                if captured > now:
                    break
                values = {name: (None if final is None else int(final * growth)) for name, final in finals.items()}
                if plan.network == "x" and step >= timedelta(days=30):
                    values["network_clicks"] = None  # X's non-public metrics end at 30 days
                rows.append(
                    SnapshotRow(
                        organization_id=organization.pk,
                        share_id=plan.share.pk,  # type: ignore[union-attr]
                        network=plan.network,
                        captured_at=captured,
                        **values,
                    )
                )
        # Batches of whole shares (their snapshots in time order, as the collector sends them).
        by_share: dict[int, list[SnapshotRow]] = defaultdict(list)
        for row in rows:
            by_share[row.share_id].append(row)
        batch: list[SnapshotRow] = []
        for share_rows in by_share.values():
            batch.extend(share_rows)
            if len(batch) >= INGEST_BATCH:
                snapshots_ingest(rows=batch)
                batch = []
        snapshots_ingest(rows=batch)
        return len(rows)

    def _clicks(
        self, organization: Organization, planned: list[PlannedShare], *, rng: random.Random, now: datetime
    ) -> None:
        """Tracked links of the shares of items, their clicks per UTC day, and the
        rollup the click flusher runs."""
        with scopes_disabled():  # short codes are unique across organisations (the redirect names none)
            taken = set(TrackedLink.objects.values_list("code", flat=True))
        links = []
        click_days = []
        for plan in planned:
            if plan.item is None or not plan.item.url or plan.share is None:
                continue
            seen = plan.finals.get("impressions") or int(AUDIENCE[plan.network] * plan.profile.audience)
            quality = 0.5 + plan.originality
            plan.clicks = int(seen * rng.uniform(0.004, 0.014) * quality + rng.random())
            code = link_lib.new_code()
            while code in taken:
                code = link_lib.new_code()
            taken.add(code)
            target = link_lib.tracked_target(
                plan.item.url,
                network=plan.network,
                campaign=plan.item.public_id.hex[:12],
                content=plan.share.public_id.hex[:12],
            )
            bots = int(plan.clicks * 0.05 + rng.random() * 0.5)
            links.append(
                TrackedLink(
                    organization=organization,
                    share=plan.share,
                    code=code,
                    target_url=target,
                    created_at=plan.posted_at,
                    clicks=plan.clicks,
                    unique_clicks=int(plan.clicks * 0.85),
                    bot_clicks=bots,
                )
            )
            remaining = plan.clicks
            first = plan.posted_at.astimezone(UTC).date()
            for offset, part in enumerate(CLICK_DAYS):
                day = first + timedelta(days=offset)
                if day > now.date() or remaining <= 0:
                    break
                count = remaining if offset == len(CLICK_DAYS) - 1 else min(remaining, round(plan.clicks * part))
                if count <= 0:
                    continue
                remaining -= count
                click_days.append(
                    LinkClickDay(
                        organization=organization,
                        link=links[-1],
                        day=day,
                        clicks=count,
                        unique_clicks=max(1, int(count * 0.85)),
                        bot_clicks=bots if offset == 0 else 0,
                    )
                )
        TrackedLink.objects.bulk_create(links, batch_size=500)
        LinkClickDay.objects.bulk_create(click_days, batch_size=1000)
        clicks_rollup(organization=organization, days=sorted({row.day for row in click_days}))

    def _conversions(
        self, organization: Organization, planned: list[PlannedShare], *, rng: random.Random, now: datetime
    ) -> int:
        """Conversions from tracked clicks, at each topic's rates (a seller's and a
        recruiter's posts convert better), attributed last-touch within 30 days; and
        the company's conversions without a usable click."""
        rows: list[Conversion] = []
        sources = [ConversionSource.SNIPPET, ConversionSource.WEBHOOK, ConversionSource.CSV]
        for plan in planned:
            if not plan.clicks or plan.share is None:
                continue
            for kind, rate, value_range in CONVERSION_RATES.get(plan.topic, ()):
                expected = plan.clicks * rate * plan.profile.converts
                count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
                for _ in range(count):
                    clicked = plan.posted_at + timedelta(hours=rng.uniform(0.5, 72))
                    delay = (
                        timedelta(days=rng.uniform(7, 28))
                        if kind == ConversionKind.HIRE
                        else timedelta(hours=rng.uniform(0.1, 96))
                    )
                    occurred = clicked + delay
                    if occurred > now:
                        continue
                    rows.append(
                        Conversion(
                            organization=organization,
                            event_id=f"demo-{len(rows) + 1}",
                            kind=kind,
                            value=Decimal(rng.randrange(*value_range)) if value_range else None,
                            currency="EUR" if value_range else "",
                            occurred_at=occurred,
                            source=rng.choice(sources),
                            attribution_model="last_touch",
                            clicked_at=clicked,
                            share=plan.share,
                            membership=plan.membership,
                            item=plan.item,
                            network=plan.network,
                            created_at=occurred,
                        )
                    )
        unattributed = int(len(rows) * UNATTRIBUTED_SHARE)
        kinds = [ConversionKind.LEAD, ConversionKind.SIGNUP, ConversionKind.APPLICATION, ConversionKind.PURCHASE]
        for _ in range(unattributed):
            kind = rng.choice(kinds)
            occurred = now - timedelta(days=rng.uniform(0.5, HISTORY_DAYS))
            valued = kind in (ConversionKind.LEAD, ConversionKind.PURCHASE)
            rows.append(
                Conversion(
                    organization=organization,
                    event_id=f"demo-{len(rows) + 1}",
                    kind=kind,
                    value=Decimal(rng.randrange(800, 6000)) if valued else None,
                    currency="EUR" if valued else "",
                    occurred_at=occurred,
                    source=rng.choice(sources),
                    created_at=occurred,
                )
            )
        existing = set(
            Conversion.objects.filter(organization=organization, event_id__startswith="demo-").values_list(
                "event_id", flat=True
            )
        )
        rows = [row for row in rows if row.event_id not in existing]
        Conversion.objects.bulk_create(rows, batch_size=500)
        return len(rows)

    def _opt_outs(self, organization: Organization, members: list[Membership]) -> None:
        """One colleague prefers not to be on recognition boards, as some always do."""
        quiet = next((m for m in members if m.user.email.startswith("employee3@")), None)
        if quiet is not None:
            RankingPreference.objects.get_or_create(
                organization=organization, membership=quiet, defaults={"hide_from_rankings": True}
            )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
