"""The committed OpenAPI document is the API: it must match the code, without warnings."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

from accounts import services
from accounts.api.members import MemberAttributesSerializer

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yml"
REFRESH = "DEBUG=true .venv/bin/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yml"


def test_the_committed_openapi_schema_matches_the_code(settings) -> None:  # type: ignore[no-untyped-def]
    # The cookie's name depends on SECURE_COOKIES; the document names the development one.
    settings.SESSION_COOKIE_NAME = "sessionid"
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    assert warnings == {}, f"drf-spectacular warns: {list(warnings)}"
    validate_schema(schema)
    generated = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    assert generated == SCHEMA_FILE.read_text(), f"docs/openapi.yml is out of date; refresh it with:\n  {REFRESH}"


def test_the_api_accepts_exactly_the_attributes_the_service_allows() -> None:
    assert tuple(MemberAttributesSerializer().fields) == services.MEMBER_ATTRIBUTES
