"""Organisation-scoped pages of accounts, mounted under /o/<org_slug>/."""

from django.urls import path

from accounts.views import core, groups, organization, people

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
]
