from __future__ import annotations

from django.contrib import admin

from sandbox.models import SandboxAccount, SandboxPost


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    list_display = ("handle", "display_name", "user", "created_at")
    search_fields = ("handle", "display_name", "user__email")
    readonly_fields = ("public_id", "created_at")


@admin.register(SandboxPost)
class SandboxPostAdmin(admin.ModelAdmin):
    list_display = ("public_id", "account", "created_at", "deleted_at")
    search_fields = ("public_id", "text", "account__handle")
    readonly_fields = ("public_id", "account", "text", "link_url", "idempotency_key", "created_at")
    list_select_related = ("account",)
