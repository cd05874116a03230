"""Forms of the single sign-on pages. They validate input shape; accounts.services.sso
validates the rules (URLs, certificate, domains free across organisations)."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from accounts.forms import BootstrapFormMixin
from accounts.models import SsoConnection, SsoProtocol
from accounts.services.sso import SsoConnectionInput

_DOMAIN_SEPARATORS = re.compile(r"[\s,;]+")


class SsoStartForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(
        label="Work email", widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@company.com"})
    )


class SsoConnectionForm(BootstrapFormMixin, forms.Form):
    protocol = forms.ChoiceField(choices=SsoProtocol.choices, widget=forms.RadioSelect)
    name = forms.CharField(
        max_length=120, label="Display name", help_text="Shown to your people, for example “Acme Okta”."
    )
    domains = forms.CharField(
        label="Allowed email domains",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "acme.com"}),
        help_text="The domains of your people's work addresses, one per line. "
        "Only these addresses can sign in through this identity provider.",
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")
    jit_provisioning = forms.BooleanField(
        required=False,
        label="Create members on first sign-in",
        help_text="People of these domains who are not members yet join as employees when they first sign in. "
        "Off: only invited or provisioned members can sign in.",
    )
    oidc_server_url = forms.CharField(
        required=False,
        max_length=500,
        label="Issuer URL",
        help_text="For example https://acme.okta.com. Chorus reads its /.well-known/openid-configuration.",
    )
    oidc_client_id = forms.CharField(required=False, max_length=255, label="Client ID")
    oidc_client_secret = forms.CharField(
        required=False,
        label="Client secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored encrypted. Leave empty to keep the current secret.",
    )
    saml_entity_id = forms.CharField(required=False, max_length=500, label="IdP entity ID (issuer)")
    saml_sso_url = forms.CharField(required=False, max_length=500, label="IdP single sign-on URL")
    saml_certificate = forms.CharField(
        required=False,
        label="IdP signing certificate",
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
        help_text="PEM: -----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----.",
    )
    saml_attribute_mapping = forms.CharField(
        required=False,
        label="Attribute mapping (JSON, optional)",
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace", "spellcheck": "false"}),
        help_text='For example {"email": "email", "name": "displayName"}. Empty uses the standard claim names.',
    )

    def __init__(self, *args: Any, connection: SsoConnection | None = None, **kwargs: Any) -> None:
        if connection is not None:
            kwargs.setdefault(
                "initial",
                {
                    "protocol": connection.protocol,
                    "name": connection.name,
                    "domains": "\n".join(connection.domain_names),
                    "enabled": connection.enabled,
                    "jit_provisioning": connection.jit_provisioning,
                    "oidc_server_url": connection.oidc_server_url,
                    "oidc_client_id": connection.oidc_client_id,
                    "saml_entity_id": connection.saml_entity_id,
                    "saml_sso_url": connection.saml_sso_url,
                    "saml_certificate": connection.saml_certificate,
                    "saml_attribute_mapping": (
                        json.dumps(connection.saml_attribute_mapping, indent=2)
                        if connection.saml_attribute_mapping
                        else ""
                    ),
                },
            )
        super().__init__(*args, **kwargs)
        self.connection = connection
        if connection is not None:
            # The identity provider was set up for one protocol: a new one is a new connection.
            self.fields["protocol"].disabled = True
            self.fields["protocol"].required = False

    def clean_saml_attribute_mapping(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("saml_attribute_mapping", "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise forms.ValidationError("This is not valid JSON.") from None
        if not isinstance(value, dict):
            raise forms.ValidationError('Write an object, for example {"email": "email"}.')
        return value

    def to_input(self) -> SsoConnectionInput:
        data = self.cleaned_data
        return SsoConnectionInput(
            protocol=self.connection.protocol if self.connection else data["protocol"],
            name=data["name"],
            domains=[part for part in _DOMAIN_SEPARATORS.split(data["domains"]) if part],
            enabled=data["enabled"],
            jit_provisioning=data["jit_provisioning"],
            oidc_server_url=data["oidc_server_url"],
            oidc_client_id=data["oidc_client_id"],
            oidc_client_secret=data["oidc_client_secret"],
            saml_entity_id=data["saml_entity_id"],
            saml_sso_url=data["saml_sso_url"],
            saml_certificate=data["saml_certificate"],
            saml_attribute_mapping=data["saml_attribute_mapping"],
        )
