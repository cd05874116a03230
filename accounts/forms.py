"""Forms of accounts. They validate input shape; services validate business rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import Membership, Organization, Topic, User


class BootstrapFormMixin:
    """Adds Bootstrap classes and aria-describedby to every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if self.errors.get(name) if self.is_bound else False:  # type: ignore[attr-defined]
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-invalid"] = "true"
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_helptext"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


WORK_DAY_CHOICES = [("1", "Mon"), ("2", "Tue"), ("3", "Wed"), ("4", "Thu"), ("5", "Fri"), ("6", "Sat"), ("7", "Sun")]


class WorkDaysField(forms.MultipleChoiceField):
    """ISO weekday digits stored as a string ("12345"), edited as checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=WORK_DAY_CHOICES, required=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return list(value) if isinstance(value, str) else value

    def clean(self, value: Any) -> str:
        return "".join(sorted(super().clean(value)))


class InvitationAcceptForm(BootstrapFormMixin, forms.Form):
    full_name = forms.CharField(max_length=200, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Choose a password")
    password_again = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Repeat the password"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password and data.get("password_again") and password != data["password_again"]:
            self.add_error("password_again", "The two passwords differ.")
        elif password:
            try:
                validate_password(password, self.user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class ProfileForm(BootstrapFormMixin, forms.Form):
    full_name = forms.CharField(max_length=200, label="Name")
    timezone = forms.CharField(
        max_length=64, required=False, help_text="For example Europe/Paris. Empty uses the organisation's time zone."
    )
    work_days = WorkDaysField(label="Working days")
    work_start = forms.TimeField(required=False, widget=TimeInput(), label="Work starts")
    work_end = forms.TimeField(required=False, widget=TimeInput(), label="Work ends")
    quiet_hours_start = forms.TimeField(required=False, widget=TimeInput(), label="Quiet hours start")
    quiet_hours_end = forms.TimeField(required=False, widget=TimeInput(), label="Quiet hours end")
    interests = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="We show you more content about these.",
    )
    focus_topic = forms.ModelChoiceField(
        queryset=Topic.objects.none(), required=False, label="What I want to be known for",
        empty_label="— none —",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = Topic.objects.filter(organization=organization)
        self.fields["interests"].queryset = topics  # type: ignore[attr-defined]
        self.fields["focus_topic"].queryset = topics  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, membership: Membership) -> dict[str, Any]:
        return {
            "full_name": membership.user.full_name,
            "timezone": membership.timezone,
            "work_days": membership.work_days,
            "work_start": membership.work_start,
            "work_end": membership.work_end,
            "quiet_hours_start": membership.quiet_hours_start,
            "quiet_hours_end": membership.quiet_hours_end,
            "interests": list(membership.interests.all()),
            "focus_topic": membership.focus_topic,
        }
