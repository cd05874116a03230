"""A URL configuration with a route the walk cannot fill, to prove the walk notices."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [
    path("o/<slug:org_slug>/things/<int:thing_id>/", lambda request, **kwargs: HttpResponse(), name="thing_detail"),
    path("o/<slug:org_slug>/", lambda request, **kwargs: HttpResponse(), name="known"),
]
