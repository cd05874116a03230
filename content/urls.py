"""Organisation-scoped pages of content, mounted under /o/<org_slug>/."""

from django.urls import URLPattern, URLResolver, path

from content.views import items

app_name = "content"

urlpatterns: list[URLPattern | URLResolver] = [
    path("content/<uuid:item_id>/", items.ItemDetailView.as_view(), name="item_detail"),
]
