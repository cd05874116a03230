"""Employee suggestions: suggesting a link or an idea and following what became of it;
the managers' queue, where a suggestion becomes a draft or is declined with a reason."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views import View

from accounts.forms import BootstrapFormMixin, add_service_errors
from accounts.models import Organization
from accounts.permissions import CURATORS, EVERYONE, OrganizationViewMixin
from accounts.selectors import get_for_organization
from accounts.views.listing import paginate
from content import selectors, services
from content.models import ContentItem, Suggestion

# POST-only endpoints also declare GET, so opening one by address answers 405 Method
# Not Allowed rather than a misleading 403.
CURATORS_READ_WRITE = {"GET": CURATORS, "POST": CURATORS}


class SuggestionForm(BootstrapFormMixin, forms.Form):
    url = forms.URLField(
        label="Link",
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text="An article, a post or a page colleagues could share. Optional if your note says it all.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    note = forms.CharField(
        label="Your note",
        max_length=5000,
        help_text="What is it, and why would colleagues want to share it?",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DeclineForm(forms.Form):
    """One per suggestion in the queue; the template renders the field with ids of its own."""

    reason = forms.CharField(
        label="Why not?",
        max_length=2000,
        error_messages={"required": "Tell the employee why, so they can suggest better next time."},
    )


class SuggestView(OrganizationViewMixin, View):
    roles = {"GET": EVERYONE, "POST": EVERYONE}
    template_name = "content/suggest.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, SuggestionForm())

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = SuggestionForm(request.POST)
        if form.is_valid():
            try:
                services.suggestion_create(author=self.membership, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Thank you! Your suggestion is with the comms team.")
                return redirect("content:suggest", org_slug=org_slug)
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: SuggestionForm, status: int = 200) -> HttpResponse:
        suggestions = selectors.suggestions_of_member(membership=self.membership)
        context = {"form": form, "page_obj": paginate(request, suggestions)}
        return render(request, self.template_name, context, status=status)


class SuggestionQueueView(OrganizationViewMixin, View):
    roles = {"GET": CURATORS}

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render_queue(request, self.organization)


def render_queue(
    request: HttpRequest,
    organization: Organization,
    *,
    failed: Suggestion | None = None,
    form: DeclineForm | None = None,
) -> HttpResponse:
    """The queue; after a refused decline, that suggestion's form with its errors."""
    context = {
        "page_obj": paginate(request, selectors.suggestion_queue(organization=organization)),
        "failed": failed,
        "failed_form": form,
    }
    return render(request, "content/suggestion_queue.html", context, status=400 if failed else 200)


def _editor_url(org_slug: str, item: ContentItem) -> str:
    """The new draft's editor when the manager screens provide one, else its page."""
    kwargs = {"org_slug": org_slug, "item_id": item.public_id}
    try:
        return reverse("content:item_edit", kwargs=kwargs)
    except NoReverseMatch:
        return reverse("content:item_detail", kwargs=kwargs)


class SuggestionAcceptView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, suggestion_id: str) -> HttpResponse:
        suggestion = get_for_organization(Suggestion, self.organization, suggestion_id)
        try:
            item = services.suggestion_accept(suggestion=suggestion, reviewer=self.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("content:suggestion_queue", org_slug=org_slug)
        messages.success(request, "Accepted: the suggestion is now a draft. Polish it and submit it for review.")
        return redirect(_editor_url(org_slug, item))


class SuggestionDeclineView(OrganizationViewMixin, View):
    roles = CURATORS_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, suggestion_id: str) -> HttpResponse:
        suggestion = get_for_organization(Suggestion, self.organization, suggestion_id)
        form = DeclineForm(request.POST)
        if form.is_valid():
            try:
                services.suggestion_decline(
                    suggestion=suggestion, reviewer=self.membership, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):  # already reviewed: it has left the queue
                    messages.error(request, " ".join(error.messages))
                    return redirect("content:suggestion_queue", org_slug=org_slug)
                add_service_errors(form, error)
            else:
                messages.success(request, f"Declined. {suggestion.author.user.display_name} will see your reason.")
                return redirect("content:suggestion_queue", org_slug=org_slug)
        return render_queue(request, self.organization, failed=suggestion, form=form)
