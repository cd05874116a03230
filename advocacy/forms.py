"""Forms of the advocacy screens: connecting Mastodon and Bluesky, the composer, the
organisation's guardrails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from advocacy.models import AdvocacySettings, SocialConnection


class MastodonConnectForm(forms.Form):
    instance = forms.CharField(
        label="Your Mastodon server",
        max_length=200,
        help_text="The address of the server your account is on, for example mastodon.social.",
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "mastodon.social", "autocomplete": "url"}
        ),
    )


class BlueskyConnectForm(forms.Form):
    identifier = forms.CharField(
        label="Bluesky handle",
        max_length=200,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "you.bsky.social", "autocomplete": "username"}
        ),
    )
    app_password = forms.CharField(
        label="App password",
        max_length=100,
        help_text="Create one in Bluesky: Settings → Privacy and security → App passwords. Chorus never stores it.",
        widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


WHEN_CHOICES = [("now", "Now"), ("best", "At the suggested time"), ("at", "At a time I choose")]


class ComposeForm(forms.Form):
    text = forms.CharField(
        label="Your post",
        max_length=5000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 6, "data-composer-text": ""}),
    )
    accounts = forms.MultipleChoiceField(label="Post to", widget=forms.CheckboxSelectMultiple, choices=())
    caption = forms.UUIDField(required=False, widget=forms.HiddenInput)  # the suggestion it started from
    when = forms.ChoiceField(choices=WHEN_CHOICES, initial="now", widget=forms.RadioSelect)
    at = forms.DateTimeField(
        label="Date and time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, connections: list[SocialConnection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections = connections
        self.fields["accounts"].choices = [  # type: ignore[attr-defined]
            (str(c.public_id), f"{c.get_network_display()} · {c.handle or c.display_name}") for c in connections
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("when") == "at" and not data.get("at"):
            self.add_error("at", "Pick the date and time to post, or choose Now.")
        return data

    def scheduled_for(self, best: datetime | None) -> datetime | None:
        when = self.cleaned_data.get("when")
        if when == "at":
            moment: datetime = self.cleaned_data["at"]
            return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
        if when == "best":
            return best
        return None


class AdvocacySettingsForm(forms.ModelForm):
    class Meta:
        model = AdvocacySettings
        fields = [
            "brand_shares_per_week",
            "brand_mix_percent",
            "quiet_hours_start",
            "quiet_hours_end",
            "originality_warn",
            "originality_block",
        ]
        widgets = {
            "brand_shares_per_week": forms.NumberInput(attrs={"class": "form-control"}),
            "brand_mix_percent": forms.NumberInput(attrs={"class": "form-control"}),
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
            "originality_warn": forms.NumberInput(attrs={"class": "form-control"}),
            "originality_block": forms.NumberInput(attrs={"class": "form-control"}),
        }
