"""Factories for onboarding: policy versions, acknowledgements, modules with quizzes,
attempts and access requests. The organisation flows through every SubFactory."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from accounts.models import (
    AccessRequest,
    Membership,
    Organization,
    PolicyAcknowledgement,
    PolicyVersion,
    QuizChoice,
    QuizQuestion,
    TrainingModule,
)
from tests.factories import MembershipFactory, OrganizationFactory


def _next_number(organization: Organization) -> int:
    from django.db.models import Max

    from accounts.tenancy import scopes_disabled

    with scopes_disabled():  # fixture data, built outside any request
        latest = PolicyVersion.objects.filter(organization=organization).aggregate(n=Max("number"))["n"]
    return (latest or 0) + 1


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    """A published version; pass `number=None, published_at=None` for the draft."""

    class Meta:
        model = PolicyVersion

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.LazyAttribute(lambda version: _next_number(version.organization))
    title = "Social media policy"
    body = factory.Sequence(lambda n: f"Be kind and be yourself. Edition {n}.")
    change_summary = "First version."
    published_at = factory.LazyFunction(timezone.now)


class PolicyAcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyAcknowledgement

    organization = factory.SubFactory(OrganizationFactory)
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    version = factory.SubFactory(PolicyVersionFactory, organization=factory.SelfAttribute("..organization"))


class TrainingModuleFactory(factory.django.DjangoModelFactory):
    """A published, required module (without questions: see module_with_quiz)."""

    class Meta:
        model = TrainingModule

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Sharing safely, part {n}")
    body = "Share what is public. Never share customer data."
    is_required = True
    pass_mark = 80
    published_at = factory.LazyFunction(timezone.now)


class QuizQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizQuestion

    organization = factory.SubFactory(OrganizationFactory)
    module = factory.SubFactory(TrainingModuleFactory, organization=factory.SelfAttribute("..organization"))
    text = factory.Sequence(lambda n: f"Question {n}?")
    position = factory.Sequence(lambda n: n)


class QuizChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuizChoice

    organization = factory.SubFactory(OrganizationFactory)
    question = factory.SubFactory(QuizQuestionFactory, organization=factory.SelfAttribute("..organization"))
    text = factory.Sequence(lambda n: f"Choice {n}")
    position = factory.Sequence(lambda n: n)
    is_correct = False


class AccessRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRequest

    organization = factory.SubFactory(OrganizationFactory)
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))


def add_question(module: TrainingModule, text: str, choices: dict[str, bool]) -> QuizQuestion:
    """A question on `module` with choices {text: is_correct}."""
    question = QuizQuestionFactory(organization=module.organization, module=module, text=text)
    for position, (choice_text, correct) in enumerate(choices.items(), start=1):
        QuizChoiceFactory(
            organization=module.organization,
            question=question,
            text=choice_text,
            position=position,
            is_correct=correct,
        )
    return question


def module_with_quiz(organization: Organization, **fields: Any) -> TrainingModule:
    """A published module with two questions: one single-answer, one with two right answers."""
    module = TrainingModuleFactory(organization=organization, **fields)
    add_question(module, "May you share a customer's name?", {"Only with their consent": True, "Always": False})
    add_question(
        module,
        "Which are fine to share?",
        {"Our public blog posts": True, "Job openings": True, "Next quarter's numbers": False},
    )
    return module


def right_answers(module: TrainingModule) -> dict[str, list[str]]:
    """The fully correct answers to `module`'s quiz, keyed by question public id."""
    from accounts.tenancy import scopes_disabled

    with scopes_disabled():  # test helper reading its own fixture
        return {
            str(question.public_id): [str(c.public_id) for c in question.choices.all() if c.is_correct]
            for question in QuizQuestion.objects.filter(module=module).prefetch_related("choices")
        }


def certify(membership: Membership, policy: PolicyVersion | None, modules: list[TrainingModule]) -> None:
    """Make `membership` certified: acknowledge `policy` and pass each module (as rows)."""
    from accounts.models import QuizAttempt

    if policy is not None:
        PolicyAcknowledgementFactory(organization=membership.organization, membership=membership, version=policy)
    for module in modules:
        QuizAttempt.objects.create(
            organization=membership.organization,
            module=module,
            membership=membership,
            question_count=1,
            correct_count=1,
            score=100,
            pass_mark=module.pass_mark,
            passed=True,
        )
