"""Single sign-on: an organisation's identity providers (OpenID Connect or SAML 2.0)
and the email domains each may sign people in for.

allauth reads these rows through `accounts.adapters.SocialAccountAdapter.list_apps`,
which turns an enabled connection into an unsaved `SocialApp` on each request: the
client secret stays encrypted in this table and is decrypted only in memory, and
disabling a connection takes effect at once (see docs/sso.md)."""

from __future__ import annotations

import re
import uuid

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.timezone import now

from accounts.lib import crypto
from accounts.tenancy import TenantModel

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.[a-z]{2,63}$")
_PEM_BODY = re.compile(r"-----BEGIN CERTIFICATE-----|-----END CERTIFICATE-----|\s")


def validate_email_domain(value: str) -> None:
    if not _DOMAIN.match(value or ""):
        raise ValidationError(f"“{value}” is not an email domain (for example acme.com).")


def http_identity_providers_allowed() -> bool:
    """Plain-http identity providers: in development (DEBUG), or where a test sets
    SSO_ALLOW_HTTP for its loopback provider (Django's test runner turns DEBUG off).
    Never from the environment, so no deployment can allow them."""
    return bool(settings.DEBUG or getattr(settings, "SSO_ALLOW_HTTP", False))


def validate_idp_url(value: str) -> None:
    """An absolute https URL (http too in development)."""
    if not value:
        return
    if not value.startswith("https://") and not http_identity_providers_allowed():
        raise ValidationError("Use an https:// address.")
    URLValidator(schemes=["https", "http"])(value)


def normalize_certificate(value: str) -> str:
    """The certificate as PEM, accepting the bare base64 some identity providers show."""
    body = _PEM_BODY.sub("", value or "")
    if not body:
        return ""
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def parse_certificate(value: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(normalize_certificate(value).encode())
    except ValueError:
        raise ValidationError("This is not an X.509 certificate in PEM form (-----BEGIN CERTIFICATE----- …).") from None


def validate_pem_certificate(value: str) -> None:
    if value:
        parse_certificate(value)


class SsoProtocol(models.TextChoices):
    OIDC = "oidc", "OpenID Connect"
    SAML = "saml", "SAML 2.0"


class SsoConnection(TenantModel):
    """One identity provider of an organisation. `provider_id` is the key allauth's URLs
    carry (/accounts/oidc/<provider_id>/…, /accounts/saml/<provider_id>/…): `org-<slug>`
    for an organisation's first connection, `org-<slug>.<n>` after that. Organisation
    slugs are globally unique and never contain a dot, so these keys are too."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    provider_id = models.CharField(max_length=100, editable=False)
    protocol = models.CharField(max_length=8, choices=SsoProtocol.choices)
    name = models.CharField(
        max_length=120, help_text="Shown on the sign-in button, for example “Acme Okta”.", verbose_name="display name"
    )
    enabled = models.BooleanField(default=True)
    jit_provisioning = models.BooleanField(
        default=False,
        verbose_name="create members on first sign-in",
        help_text="People of the allowed domains who are not members yet join as employees when they first sign in.",
    )

    # OpenID Connect
    oidc_server_url = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_idp_url],
        verbose_name="issuer URL",
        help_text="The issuer; Chorus reads <issuer>/.well-known/openid-configuration.",
    )
    oidc_client_id = models.CharField(max_length=255, blank=True, verbose_name="client ID")
    # A Fernet token (accounts.lib.crypto), never the secret itself.
    oidc_client_secret_encrypted = models.TextField(blank=True, editable=False)

    # SAML 2.0
    saml_entity_id = models.CharField(max_length=500, blank=True, verbose_name="IdP entity ID")
    saml_sso_url = models.CharField(
        max_length=500, blank=True, validators=[validate_idp_url], verbose_name="IdP single sign-on URL"
    )
    saml_certificate = models.TextField(
        blank=True, validators=[validate_pem_certificate], verbose_name="IdP signing certificate"
    )
    saml_attribute_mapping = models.JSONField(default=dict, blank=True, verbose_name="attribute mapping")

    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="accounts_ssoconnection_org_public_id"),
            models.UniqueConstraint(fields=["organization", "provider_id"], name="accounts_ssoconnection_org_provider"),
        ]
        # allauth's callbacks name the connection before the organisation is known.
        indexes = [models.Index(fields=["provider_id"], name="accounts_ssoconnection_prov")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_protocol_display()})"

    def clean(self) -> None:
        super().clean()
        required = (
            {"oidc_server_url": "the issuer URL", "oidc_client_id": "the client ID"}
            if self.protocol == SsoProtocol.OIDC
            else {
                "saml_entity_id": "the IdP entity ID",
                "saml_sso_url": "the single sign-on URL",
                "saml_certificate": "the signing certificate",
            }
        )
        errors = {field: f"Enter {label}." for field, label in required.items() if not getattr(self, field).strip()}
        if self.protocol == SsoProtocol.OIDC and not self.oidc_client_secret_encrypted:
            errors["oidc_client_secret"] = "Enter the client secret."  # noqa: S105 - a message, not a password
        if self.saml_certificate:
            self.saml_certificate = normalize_certificate(self.saml_certificate)
        if not isinstance(self.saml_attribute_mapping, dict) or not all(
            isinstance(key, str) and isinstance(value, (str, list))
            for key, value in self.saml_attribute_mapping.items()
        ):
            errors["saml_attribute_mapping"] = "Map each Chorus field to an attribute name or a list of names."
        if errors:
            raise ValidationError(errors)

    @property
    def oidc_client_secret(self) -> str:
        """Decrypted in memory for allauth's token request; never stored or logged."""
        return crypto.decrypt(self.oidc_client_secret_encrypted)

    def set_oidc_client_secret(self, secret: str) -> None:
        self.oidc_client_secret_encrypted = crypto.encrypt(secret)

    @property
    def domain_names(self) -> list[str]:
        return sorted(domain.domain for domain in self.domains.all())


class SsoDomain(TenantModel):
    """An email domain a connection signs people in for. Within an organisation a domain
    belongs to one connection (the constraint); across organisations to at most one
    enabled connection (checked by `accounts.services.sso`, under a lock)."""

    connection = models.ForeignKey(SsoConnection, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, validators=[validate_email_domain])

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "domain"], name="accounts_ssodomain_org_domain"),
        ]
        # The sign-in page finds the connection by the domain of the typed address.
        indexes = [models.Index(fields=["domain"], name="accounts_ssodomain_domain")]

    def __str__(self) -> str:
        return self.domain
