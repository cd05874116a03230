"""Content's part of the API (mounted by content/api_urls.py under /api/v1/o/<org_slug>/):
items, their workflow and captions for curators; suggestions; the employee feed.

Every class subclasses accounts.api.OrganizationAPIView, declares `roles` per method
and calls content's selectors and services; serializers only translate.
"""
