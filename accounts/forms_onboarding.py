"""Forms of onboarding: policy versions, modules and quiz questions, taking a quiz,
access requests, the report filters and the sharing rules. They validate input shape;
services.onboarding validates the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts import selectors
from accounts.forms import BootstrapFormMixin
from accounts.models import (
    AccessRequestStatus,
    Organization,
    QuizQuestion,
    Role,
    TrainingModule,
)
from accounts.models.onboarding import MAX_CHOICES, video_url_validator
from accounts.services.onboarding import ChoiceInput


def _filters(form: forms.Form) -> dict[str, Any]:
    return form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})


class PolicyVersionForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(max_length=200, initial="Social media policy")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        label="Policy text",
        help_text="Plain text. A blank line starts a paragraph, “- ” a bullet, “# ” a heading, **bold**; "
        "web addresses become links.",
    )
    change_summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What changed",
        help_text="Members read this before acknowledging a new version. Required from version 2 on.",
    )


class PolicyAcknowledgeForm(BootstrapFormMixin, forms.Form):
    version = forms.UUIDField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(label="I have read the policy and will follow it when I share.")


class ModuleForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        label="Lesson",
        help_text=PolicyVersionForm.base_fields["body"].help_text,
    )
    video_url = forms.URLField(
        required=False,
        max_length=500,
        label="Video link",
        validators=[video_url_validator],
        assume_scheme="https",
        help_text="Optional. Shown as a link that opens the video on its own site.",
    )
    is_required = forms.BooleanField(required=False, initial=True, label="Required for certification")
    position = forms.IntegerField(min_value=0, initial=0, label="Order", help_text="Lowest first.")
    pass_mark = forms.IntegerField(
        min_value=0,
        max_value=100,
        initial=80,
        label="Pass mark (%)",
        help_text="The percentage of questions answered exactly right that passes.",
    )

    @staticmethod
    def initial_for(module: TrainingModule) -> dict[str, Any]:
        return {name: getattr(module, name) for name in ModuleForm.base_fields}


class QuestionForm(BootstrapFormMixin, forms.Form):
    """A question with up to six choices (blank choices are ignored) and which are correct."""

    text = forms.CharField(max_length=500, label="Question")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(1, MAX_CHOICES + 1):
            self.fields[f"choice_{index}"] = forms.CharField(max_length=300, required=False, label=f"Choice {index}")
            self.fields[f"correct_{index}"] = forms.BooleanField(required=False, label="Correct")
        # The mixin styled the fields that existed when it ran; style the added ones too.
        for name, field in self.fields.items():
            if name.startswith("choice_"):
                field.widget.attrs.setdefault("class", "form-control")
            elif name.startswith("correct_"):
                field.widget.attrs.setdefault("class", "form-check-input")

    def choice_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"choice_{i}"], self[f"correct_{i}"]) for i in range(1, MAX_CHOICES + 1)]

    def choice_inputs(self) -> list[ChoiceInput]:
        return [
            ChoiceInput(text=self.cleaned_data[f"choice_{i}"], is_correct=self.cleaned_data[f"correct_{i}"])
            for i in range(1, MAX_CHOICES + 1)
        ]

    @staticmethod
    def initial_for(question: QuizQuestion) -> dict[str, Any]:
        initial: dict[str, Any] = {"text": question.text}
        for index, choice in enumerate(question.choices.all(), start=1):
            initial[f"choice_{index}"] = choice.text
            initial[f"correct_{index}"] = choice.is_correct
        return initial


class QuizForm(forms.Form):
    """One checkbox group per question. Every question uses checkboxes, so the form does
    not give away how many choices are right."""

    def __init__(self, *args: Any, questions: list[QuizQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q_{question.public_id}"] = forms.MultipleChoiceField(
                label=question.text,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(choice.public_id), choice.text) for choice in question.choices.all()],
            )

    def answers(self) -> dict[str, list[str]]:
        return {name.removeprefix("q_"): list(value) for name, value in self.cleaned_data.items()}


class AccessApplyForm(BootstrapFormMixin, forms.Form):
    message = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note for the manager",
        help_text="Optional.",
    )


class AccessDecisionForm(BootstrapFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    reason = forms.CharField(max_length=500, required=False, label="Reason", help_text="Required to decline.")


class AcknowledgementFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or email"}),
    )
    state = forms.ChoiceField(
        choices=[("", "Everyone"), ("acknowledged", "Acknowledged"), ("pending", "Not yet")],
        required=False,
        label="Acknowledged",
    )
    role = forms.ChoiceField(choices=[("", "All roles"), *Role.choices], required=False)
    department = forms.ChoiceField(choices=[("", "All departments")], required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = selectors.attribute_values(organization=organization, attribute="department")
        self.fields["department"].choices = [("", "All departments"), *((d, d) for d in departments)]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        data = _filters(self)
        return {
            "search": (data.get("q") or "").strip(),
            "state": data.get("state") or "",
            "role": data.get("role") or "",
            "department": data.get("department") or "",
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())


class AccessRequestFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All requests"), *AccessRequestStatus.choices], required=False, label="Status"
    )

    def filters(self) -> dict[str, str]:
        return {"status": _filters(self).get("status") or ""}


class OnboardingSettingsForm(BootstrapFormMixin, forms.Form):
    certification_required_to_share = forms.BooleanField(
        required=False,
        label="Members must be certified to share",
        help_text="Certified: acknowledged the current policy and passed every required module.",
    )
    access_approval_required = forms.BooleanField(
        required=False,
        label="Members apply for access and a manager approves it",
        help_text="Applies after certification when certification is required.",
    )
