"""The API, mounted at /api/v1/ under the `api` namespace. Tenant endpoints live under
o/<org_slug>/ and address objects by their public UUID."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from accounts.api.audit import AuditEventListAPI
from accounts.api.groups import GroupDetailAPI, GroupListAPI, TopicListAPI
from accounts.api.invitations import InvitationListAPI, InvitationRevokeAPI
from accounts.api.members import (
    MeAPI,
    MemberDeactivateAPI,
    MemberDetailAPI,
    MemberListAPI,
    MemberMeAPI,
    MemberReactivateAPI,
)
from accounts.api.notifications import (
    NotificationListAPI,
    NotificationPreferenceAPI,
    NotificationReadAllAPI,
    NotificationReadAPI,
)
from accounts.api.onboarding import (
    AccessRequestDecideAPI,
    AccessRequestListAPI,
    AcknowledgementReportAPI,
    ModuleDetailAPI,
    ModuleListAPI,
    OnboardingStatusAPI,
    PolicyAcknowledgeAPI,
    PolicyCurrentAPI,
    QuizAttemptAPI,
)

organization_patterns: list[URLPattern] = [
    path("members/", MemberListAPI.as_view(), name="member_list"),
    path("members/me/", MemberMeAPI.as_view(), name="member_me"),
    path("members/<uuid:member_id>/", MemberDetailAPI.as_view(), name="member_detail"),
    path("members/<uuid:member_id>/deactivate/", MemberDeactivateAPI.as_view(), name="member_deactivate"),
    path("members/<uuid:member_id>/reactivate/", MemberReactivateAPI.as_view(), name="member_reactivate"),
    path("invitations/", InvitationListAPI.as_view(), name="invitation_list"),
    path("invitations/<uuid:invitation_id>/revoke/", InvitationRevokeAPI.as_view(), name="invitation_revoke"),
    path("groups/", GroupListAPI.as_view(), name="group_list"),
    path("groups/<uuid:group_id>/", GroupDetailAPI.as_view(), name="group_detail"),
    path("topics/", TopicListAPI.as_view(), name="topic_list"),
    path("audit/", AuditEventListAPI.as_view(), name="audit_event_list"),
    path("onboarding/me/", OnboardingStatusAPI.as_view(), name="onboarding_status"),
    path("onboarding/policy/", PolicyCurrentAPI.as_view(), name="onboarding_policy"),
    path("onboarding/policy/acknowledge/", PolicyAcknowledgeAPI.as_view(), name="onboarding_policy_acknowledge"),
    path("onboarding/modules/", ModuleListAPI.as_view(), name="onboarding_module_list"),
    path("onboarding/modules/<uuid:module_id>/", ModuleDetailAPI.as_view(), name="onboarding_module_detail"),
    path("onboarding/modules/<uuid:module_id>/attempts/", QuizAttemptAPI.as_view(), name="onboarding_attempts"),
    path("onboarding/access-requests/", AccessRequestListAPI.as_view(), name="onboarding_access_requests"),
    path(
        "onboarding/access-requests/<uuid:request_id>/decide/",
        AccessRequestDecideAPI.as_view(),
        name="onboarding_access_request_decide",
    ),
    path("onboarding/acknowledgements/", AcknowledgementReportAPI.as_view(), name="onboarding_acknowledgements"),
    path("notifications/", NotificationListAPI.as_view(), name="notification_list"),
    path("notifications/read-all/", NotificationReadAllAPI.as_view(), name="notification_read_all"),
    path("notifications/preferences/", NotificationPreferenceAPI.as_view(), name="notification_preferences"),
    path("notifications/<uuid:notification_id>/read/", NotificationReadAPI.as_view(), name="notification_read"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", MeAPI.as_view(), name="me"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
