"""Operators' admin (/django-admin/): content across tenants, for support only."""

from __future__ import annotations

from django.contrib import admin

from content.models import ContentItem, ContentSettings, FeedSource, Suggestion


@admin.register(ContentItem)
class ContentItemAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "state", "kind", "publish_at", "expires_at"]
    list_filter = ["state", "kind", "organization"]
    search_fields = ["title", "url"]
    raw_id_fields = ["organization", "author", "credited_member", "source"]


admin.site.register(ContentSettings, list_display=["organization", "four_eyes", "disclosure"])
admin.site.register(FeedSource, list_display=["name", "organization", "url", "is_active", "last_fetched_at"])
admin.site.register(Suggestion, list_display=["note", "organization", "state", "created_at"])
