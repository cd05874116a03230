"""Organisation-scoped pages of content, mounted under /o/<org_slug>/."""

from django.urls import URLPattern, URLResolver, path

from content.views import announcements, calendar, captions, configuration, feed, items, review, suggestions

app_name = "content"

urlpatterns: list[URLPattern | URLResolver] = [
    path("content/<uuid:item_id>/", items.ItemDetailView.as_view(), name="item_detail"),
    # The manager screens (admins and managers)
    path("content/", items.ItemListView.as_view(), name="item_list"),
    path("content/new/", items.ItemCreateView.as_view(), name="item_create"),
    path("content/audience-count/", items.AudienceCountView.as_view(), name="audience_count"),
    path("content/review/", review.ReviewQueueView.as_view(), name="review_queue"),
    path("content/dashboard-card/", review.DashboardCardView.as_view(), name="dashboard_card"),
    path("content/calendar/", calendar.CalendarView.as_view(), name="calendar"),
    path("content/settings/", configuration.ContentSettingsView.as_view(), name="settings"),
    path("content/sources/", configuration.SourceListView.as_view(), name="source_list"),
    path("content/sources/<uuid:source_id>/delete/", configuration.SourceDeleteView.as_view(), name="source_delete"),
    path("content/sources/<uuid:source_id>/fetch/", configuration.SourceFetchView.as_view(), name="source_fetch"),
    path("content/<uuid:item_id>/edit/", items.ItemEditView.as_view(), name="item_edit"),
    path("content/<uuid:item_id>/transition/", items.ItemTransitionView.as_view(), name="item_transition"),
    path("content/<uuid:item_id>/comments/", items.ItemCommentView.as_view(), name="item_comment"),
    path("content/<uuid:item_id>/preview/", items.ItemPreviewView.as_view(), name="item_preview"),
    path("content/<uuid:item_id>/preview/retry/", items.ItemPreviewRetryView.as_view(), name="item_preview_retry"),
    path(
        "content/<uuid:item_id>/preview-image/",
        captions.ItemPreviewImageView.as_view(),
        name="item_preview_image",
    ),
    path("content/<uuid:item_id>/captions/", captions.CaptionCreateView.as_view(), name="caption_create"),
    path(
        "content/<uuid:item_id>/captions/<uuid:caption_id>/",
        captions.CaptionEditView.as_view(),
        name="caption_edit",
    ),
    path(
        "content/<uuid:item_id>/captions/<uuid:caption_id>/delete/",
        captions.CaptionDeleteView.as_view(),
        name="caption_delete",
    ),
    path("content/<uuid:item_id>/images/", captions.ImageAddView.as_view(), name="image_add"),
    path("content/<uuid:item_id>/images/<uuid:image_id>/", captions.ImageFileView.as_view(), name="image_file"),
    path(
        "content/<uuid:item_id>/images/<uuid:image_id>/delete/",
        captions.ImageDeleteView.as_view(),
        name="image_delete",
    ),
    path("feed/", feed.FeedView.as_view(), name="feed"),
    path("feed/preview/", feed.FeedPreviewView.as_view(), name="feed_preview"),
    path("feed/<uuid:item_id>/", feed.FeedItemView.as_view(), name="feed_item"),
    path("feed/<uuid:item_id>/dismiss/", feed.FeedDismissView.as_view(), name="feed_dismiss"),
    path(
        "feed/<uuid:item_id>/preview-image/",
        feed.FeedItemPreviewImageView.as_view(),
        name="feed_item_preview_image",
    ),
    path(
        "feed/<uuid:item_id>/images/<uuid:image_id>/",
        feed.FeedItemImageView.as_view(),
        name="feed_item_image",
    ),
    path("suggest/", suggestions.SuggestView.as_view(), name="suggest"),
    path("suggestions/", suggestions.SuggestionQueueView.as_view(), name="suggestion_queue"),
    path(
        "suggestions/<uuid:suggestion_id>/accept/",
        suggestions.SuggestionAcceptView.as_view(),
        name="suggestion_accept",
    ),
    path(
        "suggestions/<uuid:suggestion_id>/decline/",
        suggestions.SuggestionDeclineView.as_view(),
        name="suggestion_decline",
    ),
    path("content/announce/", announcements.AnnounceView.as_view(), name="announce"),
]
