"""Shared by the content manager screen tests: addresses, roles, messages, row counts."""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse

from accounts.models import Role
from accounts.tenancy import scopes_disabled
from content.models import Caption, ContentImage, ContentItem, FeedSource, ItemTransition, ReviewComment

CURATOR_ROLES = [Role.ADMIN, Role.MANAGER]
OTHER_ROLES = [Role.EXECUTIVE, Role.EMPLOYEE]


def url(name: str, slug: str = "acme", **kwargs: object) -> str:
    return reverse(f"content:{name}", kwargs={"org_slug": slug, **kwargs})


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def row_counts() -> dict[str, int]:
    # Every organisation's rows: a refused request must not have written anywhere.
    with scopes_disabled():
        return {
            "items": ContentItem.objects.count(),
            "captions": Caption.objects.count(),
            "images": ContentImage.objects.count(),
            "transitions": ItemTransition.objects.count(),
            "comments": ReviewComment.objects.count(),
            "sources": FeedSource.objects.count(),
        }


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()
