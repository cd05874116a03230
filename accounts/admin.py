"""The operators' admin site (/django-admin/, staff only). It crosses tenants by design;
the middleware runs it with scopes disabled. Organisation admins use /o/<slug>/ instead."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts.models import AuditEvent, Group, Invitation, Membership, Organization, Topic, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Operator access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ["is_active", "is_staff"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "status", "department", "location"]
    list_filter = ["role", "status", "organization"]
    search_fields = ["user__email", "user__full_name", "organization__name"]
    raw_id_fields = ["user", "organization", "focus_topic"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["organization"]
    search_fields = ["email"]
    raw_id_fields = ["organization", "membership", "invited_by"]


admin.site.register(Group, list_display=["name", "organization"], search_fields=["name"])
admin.site.register(Topic, list_display=["name", "organization"], search_fields=["name"])


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, for operators too."""

    list_display = ["occurred_at", "organization", "action", "actor_label", "target_label", "ip_address"]
    list_filter = ["action", "organization"]
    search_fields = ["actor_label", "target_label", "target_id", "note", "request_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["organization"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
