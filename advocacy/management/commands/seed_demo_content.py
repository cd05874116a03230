"""Give the demo organisation (`seed_demo`) something to share: published items with
suggested captions per network, a disclosure, and the guardrails' defaults. Safe to run
again: items are matched by title and left as they are."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, Role, Topic
from accounts.tenancy import organization_scope
from advocacy.services.shares import advocacy_settings_get
from content.lib.networks import Network
from content.models import (
    Caption,
    ContentItem,
    ContentKind,
    ContentSettings,
    ContentState,
    ContentTopic,
    PreviewStatus,
    Visibility,
)

DEMO_SLUG = "acme"
DISCLOSURE = "#iworkforacme"

# (title, url, body, topic, captions per network, visibility)
ITEMS: list[tuple[str, str, str, str, dict[str, list[str]], str]] = [
    (
        "Acme opens its first carbon-neutral factory",
        "https://acme.example/news/carbon-neutral-factory",
        "Our Lyon plant now runs on 100% renewable power. Share what it means to you.",
        "Sustainability",
        {
            Network.LINKEDIN: [
                "Proud to see our Lyon plant go carbon-neutral: 100% renewable power, and the same output.",
                "Sustainability is a team sport. Our new factory shows what is possible when engineers lead.",
            ],
            Network.X: ["Our Lyon plant is now carbon-neutral. 100% renewable power, same output."],
            Network.MASTODON: ["Acme's Lyon factory now runs on renewable power only. A good day for the planet."],
            Network.BLUESKY: ["Our Lyon factory is carbon-neutral now. Renewable power, same output."],
        },
        Visibility.SHAREABLE,
    ),
    (
        "We are hiring 40 engineers in Berlin",
        "https://acme.example/careers/berlin",
        "Know someone great? Sharing the post brings in the best candidates.",
        "Careers",
        {
            Network.LINKEDIN: [
                "My team is growing: Acme is hiring 40 engineers in Berlin. Happy to tell you what it is like."
            ],
            Network.X: ["We are hiring 40 engineers in Berlin. Come and build with us."],
        },
        Visibility.SHAREABLE,
    ),
    (
        "Q3 results: record customer satisfaction",
        "https://acme.example/investors/q3",
        "Our NPS reached 62, the highest in our history.",
        "Product",
        {
            Network.LINKEDIN: [
                "Customers rated us higher than ever this quarter. Thank you to every team that made it happen."
            ]
        },
        Visibility.SHAREABLE,
    ),
    (
        "New parental leave policy (internal)",
        "",
        "From January, every parent gets 20 weeks of paid leave. Read the details on the intranet.",
        "Careers",
        {},
        Visibility.INTERNAL,
    ),
]


class Command(BaseCommand):
    help = "Add shareable demo content to the demo organisation created by seed_demo."

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=DEMO_SLUG).first()
        if organization is None:
            raise CommandError("Run `manage.py seed_demo` first: there is no demo organisation.")
        with transaction.atomic(), organization_scope(organization):
            created = self._seed(organization)
        self.stdout.write(self.style.SUCCESS(f"Demo content is ready ({created} new items)."))

    def _seed(self, organization: Organization) -> int:
        settings_row, _ = ContentSettings.objects.get_or_create(organization=organization)
        if not settings_row.disclosure:
            settings_row.disclosure = DISCLOSURE
            settings_row.save()
        advocacy_settings_get(organization=organization)
        author = Membership.objects.filter(organization=organization, role=Role.MANAGER).first()
        now = timezone.now()
        created = 0
        for position, (title, url, body, topic_name, captions, visibility) in enumerate(ITEMS):
            if ContentItem.objects.filter(organization=organization, title=title).exists():
                continue
            item = ContentItem.objects.create(
                organization=organization,
                author=author,
                title=title,
                body=body,
                url=url,
                kind=ContentKind.COMPANY,
                visibility=visibility,
                state=ContentState.PUBLISHED,
                published_at=now - timedelta(hours=position * 5),
                # The demo runs offline: the preview is written here instead of fetched.
                preview_status=PreviewStatus.READY if url else PreviewStatus.NONE,
                preview_title=title if url else "",
                preview_description=body if url else "",
                preview_site_name="Acme" if url else "",
                preview_canonical_url=url,
            )
            topic = Topic.objects.filter(organization=organization, name=topic_name).first()
            if topic is not None:
                ContentTopic.objects.create(organization=organization, item=item, topic=topic)
            for network, texts in captions.items():
                for index, text in enumerate(texts):
                    Caption.objects.create(
                        organization=organization, item=item, network=network, text=text, position=index
                    )
            created += 1
        return created
