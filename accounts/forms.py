"""Forms of accounts. They validate input shape; services validate business rules."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from accounts import selectors
from accounts.models import (
    DigestFrequency,
    Group,
    InvitationState,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    Topic,
    User,
)
from accounts.services import CSV_MAX_BYTES, MEMBER_ATTRIBUTES


class BootstrapFormMixin:
    """Adds Bootstrap classes and aria-describedby to every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = ""  # rendered choice by choice by the template
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{name}_helptext"

    def add_error(self, field: str | None, error: Any) -> None:
        # Fields are marked invalid here, not in __init__: reading `self.errors` there
        # would validate the form before a subclass has set its querysets, and errors
        # that views add from services would never be marked.
        super().add_error(field, error)  # type: ignore[misc]
        for name in self._errors or {}:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                attrs = self.fields[name].widget.attrs  # type: ignore[attr-defined]
                classes = attrs.get("class", "").split()
                if "is-invalid" not in classes:
                    attrs["class"] = " ".join([*classes, "is-invalid"])
                attrs["aria-invalid"] = "true"
                # components/form_field.html renders the errors with this id.
                described = attrs.get("aria-describedby", "").split()
                if f"id_{name}_error" not in described:
                    attrs["aria-describedby"] = " ".join([f"id_{name}_error", *described])


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
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Choose a password"
    )
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
    interests: forms.ModelMultipleChoiceField[Topic] = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="We show you more content about these.",
    )
    focus_topic: forms.ModelChoiceField[Topic] = forms.ModelChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        label="What I want to be known for",
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


# Admin screens -------------------------------------------------------------------


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when it names one
    the form has, otherwise above the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


@functools.cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class PublicIdMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Ticked objects travel as their public ids, never as integer keys."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(queryset=kwargs.pop("queryset", None), to_field_name="public_id", **kwargs)


class MemberChoiceField(PublicIdMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:  # type: ignore[override]
        label = " · ".join(part for part in (obj.user.full_name, obj.user.email, obj.department) if part)
        if obj.status != MembershipStatus.ACTIVE:
            label += f" ({obj.get_status_display().lower()})"
        return label


class MemberFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, email, title, department, location"}),
    )
    role = forms.ChoiceField(choices=[("", "All roles"), *Role.choices], required=False)
    status = forms.ChoiceField(choices=[("", "All statuses"), *MembershipStatus.choices], required=False)
    department = forms.ChoiceField(choices=[("", "All departments")], required=False)
    group: forms.ModelChoiceField[Group] = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, to_field_name="public_id", empty_label="All groups"
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = selectors.attribute_values(organization=organization, attribute="department")
        self.fields["department"].choices = [("", "All departments"), *((d, d) for d in departments)]  # type: ignore[attr-defined]
        self.fields["group"].queryset = Group.objects.filter(organization=organization)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.member_list; an invalid value filters nothing."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "role": data.get("role") or "",
            "status": data.get("status") or "",
            "department": data.get("department") or "",
            "group": data.get("group"),
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())


class MemberForm(BootstrapFormMixin, forms.Form):
    """What an admin edits on a member: attributes, groups, interests, focus topic."""

    department = forms.CharField(max_length=120, required=False)
    location = forms.CharField(max_length=120, required=False)
    job_title = forms.CharField(max_length=120, required=False)
    timezone = forms.ChoiceField(required=False, label="Time zone")
    work_days = WorkDaysField(label="Working days")
    work_start = forms.TimeField(required=False, widget=TimeInput(), label="Work starts")
    work_end = forms.TimeField(required=False, widget=TimeInput(), label="Work ends")
    quiet_hours_start = forms.TimeField(required=False, widget=TimeInput(), label="Quiet hours start")
    quiet_hours_end = forms.TimeField(required=False, widget=TimeInput(), label="Quiet hours end")
    is_hourly = forms.BooleanField(
        required=False,
        label="Paid by the hour",
        help_text="Hourly staff are never prompted outside their working hours.",
    )
    interests = PublicIdMultipleChoiceField(queryset=Topic.objects.none())
    focus_topic: forms.ModelChoiceField[Topic] = forms.ModelChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        to_field_name="public_id",
        label="Focus topic",
        empty_label="— none —",
        help_text="What this person wants to be known for.",
    )
    groups = PublicIdMultipleChoiceField(queryset=Group.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = Topic.objects.filter(organization=organization)
        self.fields["interests"].queryset = topics  # type: ignore[attr-defined]
        self.fields["focus_topic"].queryset = topics  # type: ignore[attr-defined]
        self.fields["groups"].queryset = Group.objects.filter(organization=organization)  # type: ignore[attr-defined]
        self.fields["timezone"].choices = [  # type: ignore[attr-defined]
            ("", f"Organisation’s time zone ({organization.timezone})"),
            *timezone_choices(),
        ]
        self.departments = selectors.attribute_values(organization=organization, attribute="department")
        self.locations = selectors.attribute_values(organization=organization, attribute="location")
        self.fields["department"].widget.attrs["list"] = "department-options"
        self.fields["location"].widget.attrs["list"] = "location-options"

    @classmethod
    def initial_for(cls, membership: Membership) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(membership, name) for name in MEMBER_ATTRIBUTES}
        initial["interests"] = list(membership.interests.all())
        initial["groups"] = list(membership.groups.all())
        initial["focus_topic"] = membership.focus_topic
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("work_start")) != bool(data.get("work_end")):
            self.add_error("work_end", "Give both the start and the end of the working day, or neither.")
        return data

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for services.membership_update."""
        data = self.cleaned_data
        return {
            "attributes": {name: data[name] for name in MEMBER_ATTRIBUTES},
            "groups": list(data["groups"]),
            "interests": list(data["interests"]),
            "focus_topic": data["focus_topic"],
        }


class MemberRoleForm(BootstrapFormMixin, forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="Role")


class InviteForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(max_length=200, required=False, label="Name")
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.EMPLOYEE,
        help_text="Employees share content; managers curate and approve; executives read reports; "
        "admins manage everything.",
    )
    department = forms.CharField(max_length=120, required=False)
    location = forms.CharField(max_length=120, required=False)
    job_title = forms.CharField(max_length=120, required=False)
    groups = PublicIdMultipleChoiceField(queryset=Group.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = Group.objects.filter(organization=organization)  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for services.invitation_create (besides the organisation and inviter)."""
        data = self.cleaned_data
        return {
            "email": data["email"],
            "full_name": data["full_name"],
            "role": data["role"],
            "attributes": {name: data[name] for name in ("department", "location", "job_title")},
            "groups": list(data["groups"]),
        }


class MemberImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 text, at most 1 MB. The first line names the columns.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(CSV_MAX_BYTES)}. "
                "Split it into smaller files and import them one by one."
            )
        return upload


class InvitationFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Email or name"}),
    )
    state = forms.ChoiceField(choices=[("", "All states"), *InvitationState.choices], required=False)

    def filters(self) -> dict[str, str]:
        """Keyword arguments for selectors.invitation_list; an invalid value filters nothing."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {"search": (data.get("q") or "").strip(), "state": data.get("state") or ""}

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())


class GroupForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Optional."
    )


class GroupMembersForm(BootstrapFormMixin, forms.Form):
    members = MemberChoiceField(queryset=Membership.objects.none(), label="Members")

    def __init__(self, *args: Any, organization: Organization, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = selectors.group_member_choices(  # type: ignore[attr-defined]
            organization=organization, group=group
        )


class TopicForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=80, label="Topic name")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Topic.objects.filter(organization=self.organization, name__iexact=name).exists():
            raise ValidationError(f"There is already a topic named “{name}”.")
        return name


class OrganizationSettingsForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Organisation name")
    timezone = forms.ChoiceField(
        label="Time zone", help_text="Used for schedules and reports, and for members who have not set their own."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]


class NotificationPreferenceForm(BootstrapFormMixin, forms.Form):
    """On the profile page, beside the availability it respects."""

    digest = forms.ChoiceField(
        choices=DigestFrequency.choices,
        required=False,  # a profile form without it (an older page, a script) leaves it as it is
        label="Email digest of new content",
        help_text="Sent at 08:00 your time, or at your next reachable moment after that.",
    )
