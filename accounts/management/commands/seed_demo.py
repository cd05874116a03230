"""Create (or refresh) the demo organisation "Acme". Safe to run any number of times."""

from __future__ import annotations

from datetime import time
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.timezone import now

from accounts import services
from accounts.models import Group, Membership, MembershipStatus, Organization, Role, User
from accounts.tenancy import organization_scope

DEMO_PASSWORD = "chorus-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_SLUG = "acme"

TOPICS = ["Product", "Engineering", "Sustainability", "Careers", "Customer stories", "Events", "Industry news"]
GROUPS = [
    ("Early adopters", "The pilot group of the advocacy program."),
    ("Leadership", "Directors and above."),
    ("Sales champions", "Account executives who share weekly."),
]

# email local part, name, role, department, location, job title, timezone, hourly, focus, interests, groups
PEOPLE: list[tuple[str, str, str, str, str, str, str, bool, str, list[str], list[str]]] = [
    (
        "admin",
        "Ada Admin",
        Role.ADMIN,
        "People",
        "London",
        "Head of People Ops",
        "Europe/London",
        False,
        "Careers",
        ["Careers"],
        ["Leadership"],
    ),
    (
        "manager",
        "Max Manager",
        Role.MANAGER,
        "Marketing",
        "London",
        "Communications Manager",
        "Europe/London",
        False,
        "Product",
        ["Product", "Events"],
        ["Early adopters"],
    ),
    (
        "exec",
        "Erin Executive",
        Role.EXECUTIVE,
        "Leadership",
        "New York",
        "Chief Marketing Officer",
        "America/New_York",
        False,
        "Industry news",
        ["Industry news"],
        ["Leadership"],
    ),
    (
        "employee1",
        "Emma Evans",
        Role.EMPLOYEE,
        "Engineering",
        "London",
        "Software Engineer",
        "Europe/London",
        False,
        "Engineering",
        ["Engineering", "Product"],
        ["Early adopters"],
    ),
    (
        "employee2",
        "Liam Patel",
        Role.EMPLOYEE,
        "Sales",
        "New York",
        "Account Executive",
        "America/New_York",
        False,
        "Customer stories",
        ["Customer stories"],
        ["Sales champions"],
    ),
    (
        "employee3",
        "Sofia García",
        Role.EMPLOYEE,
        "Sales",
        "Madrid",
        "Account Executive",
        "Europe/Madrid",
        False,
        "Customer stories",
        ["Customer stories", "Events"],
        ["Sales champions"],
    ),
    (
        "employee4",
        "Noah Schmidt",
        Role.EMPLOYEE,
        "Engineering",
        "Berlin",
        "Site Reliability Engineer",
        "Europe/Berlin",
        False,
        "Engineering",
        ["Engineering"],
        [],
    ),
    (
        "employee5",
        "Aisha Khan",
        Role.EMPLOYEE,
        "Marketing",
        "London",
        "Content Designer",
        "Europe/London",
        False,
        "Sustainability",
        ["Sustainability", "Product"],
        ["Early adopters"],
    ),
    (
        "employee6",
        "Mateo Rossi",
        Role.EMPLOYEE,
        "Operations",
        "Milan",
        "Warehouse Associate",
        "Europe/Rome",
        True,
        "",
        ["Sustainability"],
        [],
    ),
    (
        "employee7",
        "Chloé Martin",
        Role.EMPLOYEE,
        "Customer Success",
        "Paris",
        "Customer Success Manager",
        "Europe/Paris",
        False,
        "Customer stories",
        ["Customer stories"],
        [],
    ),
    (
        "employee8",
        "Kenji Tanaka",
        Role.EMPLOYEE,
        "Engineering",
        "Tokyo",
        "Mobile Engineer",
        "Asia/Tokyo",
        False,
        "Product",
        ["Product", "Engineering"],
        [],
    ),
    (
        "employee9",
        "Grace Okafor",
        Role.EMPLOYEE,
        "People",
        "Lagos",
        "Talent Partner",
        "Africa/Lagos",
        False,
        "Careers",
        ["Careers", "Events"],
        [],
    ),
    (
        "employee10",
        "Oliver Brown",
        Role.EMPLOYEE,
        "Operations",
        "Manchester",
        "Store Associate",
        "Europe/London",
        True,
        "",
        [],
        [],
    ),
    (
        "employee11",
        "Priya Sharma",
        Role.EMPLOYEE,
        "Finance",
        "Bangalore",
        "Financial Analyst",
        "Asia/Kolkata",
        False,
        "Industry news",
        ["Industry news"],
        [],
    ),
    (
        "employee12",
        "Lucas Silva",
        Role.EMPLOYEE,
        "Sales",
        "São Paulo",
        "Sales Development Rep",
        "America/Sao_Paulo",
        False,
        "Customer stories",
        ["Customer stories", "Product"],
        ["Sales champions"],
    ),
]


class Command(BaseCommand):
    help = "Create or refresh the demo organisation Acme with an admin, a manager, an executive and 12 employees."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            organization, _ = Organization.objects.get_or_create(
                slug=DEMO_SLUG, defaults={"name": "Acme", "timezone": "Europe/London"}
            )
            with organization_scope(organization):
                self._seed(organization)
        self.stdout.write(self.style.SUCCESS("Demo organisation “Acme” is ready."))
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        for local, name, role, *_ in PEOPLE[:4]:
            self.stdout.write(f"  {role:<10} {local}@acme.example   ({name})")
        self.stdout.write("  employee   employee2@acme.example … employee12@acme.example")

    def _seed(self, organization: Organization) -> None:
        topics = {name: services.topic_create(organization=organization, name=name) for name in TOPICS}
        groups = {}
        for name, description in GROUPS:
            existing = Group.objects.filter(organization=organization, name=name).first()
            groups[name] = existing or services.group_save(
                organization=organization, name=name, description=description
            )
        for local, name, role, department, location, title, tz, hourly, focus, interests, group_names in PEOPLE:
            email = f"{local}@acme.example"
            user = User.objects.filter(email=email).first() or User.objects.create_user(email=email)
            user.full_name = name
            user.set_password(DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            membership, _ = Membership.objects.get_or_create(organization=organization, user=user)
            membership.role = role
            membership.status = MembershipStatus.ACTIVE
            membership.joined_at = membership.joined_at or now()
            membership.deactivated_at = None
            membership.save()
            services.membership_update(
                membership=membership,
                attributes={
                    "department": department,
                    "location": location,
                    "job_title": title,
                    "timezone": tz,
                    "is_hourly": hourly,
                    "work_start": time(8, 0) if hourly else time(9, 0),
                    "work_end": time(16, 0) if hourly else time(17, 30),
                },
                groups=[groups[g] for g in group_names],
                interests=[topics[t] for t in interests],
                focus_topic=topics.get(focus),
            )
