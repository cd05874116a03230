"""factory_boy factories. A tenant object's organisation flows through its SubFactories,
so `MembershipFactory(organization=org)` builds the user and everything else for `org`.

DjangoModelFactory creates rows with `Manager.create()`, which django-scopes allows
outside a scope, so fixtures can build data without entering one."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import (
    Group,
    GroupMembership,
    Invitation,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    Topic,
    User,
)

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    timezone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Saves the password set above; adds a verified primary address unless built
        with verified_email=False."""
        if not create:
            return
        from allauth.account.models import EmailAddress

        self.save()
        if extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.EMPLOYEE
    status = MembershipStatus.ACTIVE
    joined_at = factory.LazyFunction(timezone.now)
    department = "Engineering"
    location = "London"
    job_title = "Engineer"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    organization = factory.SubFactory(OrganizationFactory)
    group = factory.SubFactory(GroupFactory, organization=factory.SelfAttribute("..organization"))
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation for a new person (no password yet)."""

    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    membership = factory.SubFactory(
        MembershipFactory,
        organization=factory.SelfAttribute("..organization"),
        status=MembershipStatus.INVITED,
        joined_at=None,
        user=factory.SubFactory(UserFactory, password=None, verified_email=False),
    )
    email = factory.SelfAttribute("membership.user.email")
    role = factory.SelfAttribute("membership.role")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class ContentItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.ContentItem"

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Company news {n}")
    body = "Why it matters."
    author = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..organization"), role=Role.MANAGER
    )


class CaptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.Caption"

    organization = factory.SubFactory(OrganizationFactory)
    item = factory.SubFactory(ContentItemFactory, organization=factory.SelfAttribute("..organization"))
    network = "linkedin"
    text = factory.Sequence(lambda n: f"Proud of this launch, take {n}")


class SuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.Suggestion"

    organization = factory.SubFactory(OrganizationFactory)
    author = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    note = factory.Sequence(lambda n: f"Idea number {n}")
    url = "https://news.example/idea"


class FeedSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.FeedSource"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Industry feed {n}")
    url = factory.Sequence(lambda n: f"https://news.example/feed-{n}.xml")


class ScimTokenFactory(factory.django.DjangoModelFactory):
    """A SCIM token row. Its plain text is unknown (only a hash is stored): tests that
    call the endpoints create tokens with services.scim.scim_token_create instead."""

    class Meta:
        model = "accounts.ScimToken"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Identity provider {n}")
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    prefix = "chorus_scim_test"
