"""Global pages of advocacy outside /o/<slug>/: the tracked-link redirect, whose short
code is the only key (it names the organisation itself)."""

from django.urls import URLPattern, path

from advocacy.views_redirect import tracked_link_redirect

urlpatterns: list[URLPattern] = [
    path("s/<str:code>", tracked_link_redirect, name="tracked_link"),
    path("s/<str:code>/", tracked_link_redirect, name="tracked_link_slash"),
]
