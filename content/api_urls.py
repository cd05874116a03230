"""Content routes of the API, included in the `api` namespace by config/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from content.api.announcements import AnnouncementAPI
from content.api.captions import CaptionDetailAPI, CaptionListAPI
from content.api.feed import FeedAPI, FeedDismissAPI, FeedItemAPI
from content.api.items import ItemDetailAPI, ItemListAPI, ItemTransitionsAPI
from content.api.suggestions import SuggestionAcceptAPI, SuggestionDeclineAPI, SuggestionListAPI, SuggestionQueueAPI

organization_patterns: list[URLPattern] = [
    path("items/", ItemListAPI.as_view(), name="item_list"),
    path("items/<uuid:item_id>/", ItemDetailAPI.as_view(), name="item_detail"),
    path("items/<uuid:item_id>/transitions/", ItemTransitionsAPI.as_view(), name="item_transitions"),
    path("items/<uuid:item_id>/captions/", CaptionListAPI.as_view(), name="caption_list"),
    path("items/<uuid:item_id>/captions/<uuid:caption_id>/", CaptionDetailAPI.as_view(), name="caption_detail"),
    path("suggestions/", SuggestionListAPI.as_view(), name="suggestion_list"),
    path("suggestions/queue/", SuggestionQueueAPI.as_view(), name="suggestion_queue"),
    path("suggestions/<uuid:suggestion_id>/accept/", SuggestionAcceptAPI.as_view(), name="suggestion_accept"),
    path("suggestions/<uuid:suggestion_id>/decline/", SuggestionDeclineAPI.as_view(), name="suggestion_decline"),
    path("feed/", FeedAPI.as_view(), name="feed"),
    path("feed/<uuid:item_id>/", FeedItemAPI.as_view(), name="feed_item"),
    path("feed/<uuid:item_id>/dismiss/", FeedDismissAPI.as_view(), name="feed_dismiss"),
    path("announcements/", AnnouncementAPI.as_view(), name="announcement_create"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
