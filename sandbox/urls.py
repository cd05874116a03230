from __future__ import annotations

from django.urls import path

from sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("@<slug:handle>/", views.account, name="account"),
    path("@<slug:handle>/<slug:post_id>/", views.post, name="post"),
    path("oauth/authorize", views.authorize, name="oauth_authorize"),
    path("oauth/token", views.token, name="oauth_token"),
    path("oauth/revoke", views.revoke, name="oauth_revoke"),
    path("api/v1/me", views.MeApi.as_view(), name="api_me"),
    path("api/v1/posts", views.PostsApi.as_view(), name="api_posts"),
    path("api/v1/posts/<slug:post_id>", views.PostApi.as_view(), name="api_post"),
    path("api/v1/metrics", views.MetricsApi.as_view(), name="api_metrics"),
]
