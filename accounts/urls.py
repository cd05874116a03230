"""Organisation-scoped pages of accounts, mounted under /o/<org_slug>/."""

from django.urls import path

from accounts.views import audit, core, groups, organization, people
from accounts.views import notifications as notification_views
from accounts.views import onboarding as onboarding_views
from accounts.views import scim as scim_views
from accounts.views import sso as sso_views

app_name = "accounts"

urlpatterns = [
    path("", core.DashboardView.as_view(), name="dashboard"),
    path("profile/", core.ProfileView.as_view(), name="profile"),
    # Members and invitations (admins)
    path("members/", people.MemberListView.as_view(), name="member_list"),
    path("members/invite/", people.InviteView.as_view(), name="invite"),
    path("members/import/", people.MemberImportView.as_view(), name="member_import"),
    path("members/import/template.csv", people.MemberImportTemplateView.as_view(), name="member_import_template"),
    path("members/<uuid:member_id>/", people.MemberDetailView.as_view(), name="member_detail"),
    path("members/<uuid:member_id>/role/", people.MemberRoleView.as_view(), name="member_role"),
    path("members/<uuid:member_id>/deactivate/", people.MemberDeactivateView.as_view(), name="member_deactivate"),
    path("members/<uuid:member_id>/reactivate/", people.MemberReactivateView.as_view(), name="member_reactivate"),
    path("invitations/", people.InvitationListView.as_view(), name="invitation_list"),
    path("invitations/<uuid:invitation_id>/resend/", people.InvitationResendView.as_view(), name="invitation_resend"),
    path("invitations/<uuid:invitation_id>/revoke/", people.InvitationRevokeView.as_view(), name="invitation_revoke"),
    # Groups and topics (admins)
    path("groups/", groups.GroupListView.as_view(), name="group_list"),
    path("groups/new/", groups.GroupCreateView.as_view(), name="group_create"),
    path("groups/<uuid:group_id>/", groups.GroupDetailView.as_view(), name="group_detail"),
    path("groups/<uuid:group_id>/members/", groups.GroupMembersView.as_view(), name="group_members"),
    path("groups/<uuid:group_id>/delete/", groups.GroupDeleteView.as_view(), name="group_delete"),
    path("topics/", groups.TopicListView.as_view(), name="topic_list"),
    path("topics/<uuid:topic_id>/delete/", groups.TopicDeleteView.as_view(), name="topic_delete"),
    # Organisation settings (admins)
    path("settings/", organization.OrganizationSettingsView.as_view(), name="organization_settings"),
    path("settings/scim/", scim_views.ScimSettingsView.as_view(), name="scim_settings"),
    path("settings/scim/<uuid:token_id>/revoke/", scim_views.ScimTokenRevokeView.as_view(), name="scim_token_revoke"),
    path("settings/sso/", sso_views.SsoSettingsView.as_view(), name="sso_settings"),
    path("settings/sso/new/", sso_views.SsoConnectionCreateView.as_view(), name="sso_connection_new"),
    path("settings/sso/<uuid:connection_id>/", sso_views.SsoConnectionEditView.as_view(), name="sso_connection_edit"),
    path(
        "settings/sso/<uuid:connection_id>/enabled/",
        sso_views.SsoConnectionEnabledView.as_view(),
        name="sso_connection_enabled",
    ),
    # Audit log (admins)
    path("audit/", audit.AuditLogView.as_view(), name="audit_log"),
    path("audit/export.csv", audit.AuditLogExportView.as_view(), name="audit_log_export"),
    # Onboarding (members) and the program: policy, training, access (curators)
    path("onboarding/", onboarding_views.OnboardingView.as_view(), name="onboarding"),
    path("onboarding/policy/", onboarding_views.PolicyView.as_view(), name="onboarding_policy"),
    path("onboarding/apply/", onboarding_views.AccessApplyView.as_view(), name="onboarding_apply"),
    path("onboarding/modules/<uuid:module_id>/", onboarding_views.ModuleView.as_view(), name="onboarding_module"),
    path("program/", onboarding_views.ProgramView.as_view(), name="program"),
    path("program/policy/", onboarding_views.PolicyVersionListView.as_view(), name="program_policy_list"),
    path("program/policy/new/", onboarding_views.PolicyVersionCreateView.as_view(), name="program_policy_new"),
    path(
        "program/policy/<uuid:policy_id>/",
        onboarding_views.PolicyVersionDetailView.as_view(),
        name="program_policy_detail",
    ),
    path(
        "program/policy/<uuid:policy_id>/publish/",
        onboarding_views.PolicyVersionPublishView.as_view(),
        name="program_policy_publish",
    ),
    path(
        "program/policy/<uuid:policy_id>/delete/",
        onboarding_views.PolicyVersionDeleteView.as_view(),
        name="program_policy_delete",
    ),
    path(
        "program/acknowledgements/",
        onboarding_views.AcknowledgementReportView.as_view(),
        name="program_acknowledgements",
    ),
    path("program/modules/", onboarding_views.ModuleListView.as_view(), name="program_module_list"),
    path("program/modules/new/", onboarding_views.ModuleCreateView.as_view(), name="program_module_new"),
    path("program/modules/<uuid:module_id>/", onboarding_views.ModuleEditView.as_view(), name="program_module_edit"),
    path(
        "program/modules/<uuid:module_id>/publish/",
        onboarding_views.ModulePublishView.as_view(),
        name="program_module_publish",
    ),
    path(
        "program/modules/<uuid:module_id>/delete/",
        onboarding_views.ModuleDeleteView.as_view(),
        name="program_module_delete",
    ),
    path(
        "program/modules/<uuid:module_id>/questions/new/",
        onboarding_views.QuestionFormView.as_view(),
        name="program_question_new",
    ),
    path(
        "program/modules/<uuid:module_id>/questions/<uuid:question_id>/",
        onboarding_views.QuestionFormView.as_view(),
        name="program_question_edit",
    ),
    path(
        "program/modules/<uuid:module_id>/questions/<uuid:question_id>/delete/",
        onboarding_views.QuestionDeleteView.as_view(),
        name="program_question_delete",
    ),
    path(
        "program/access-requests/",
        onboarding_views.AccessRequestListView.as_view(),
        name="program_access_requests",
    ),
    path(
        "program/access-requests/<uuid:request_id>/decide/",
        onboarding_views.AccessRequestDecideView.as_view(),
        name="program_access_request_decide",
    ),
    path("program/settings/", onboarding_views.OnboardingSettingsView.as_view(), name="program_settings"),
    # Notifications (every member, their own)
    path("notifications/", notification_views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/bell/", notification_views.NotificationBellView.as_view(), name="notification_bell"),
    path("notifications/read-all/", notification_views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path(
        "notifications/<uuid:notification_id>/read/",
        notification_views.NotificationReadView.as_view(),
        name="notification_read",
    ),
]
