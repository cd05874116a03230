"""Manager pages for content items: the list, the editor, the detail page with its
workflow, comments and history, the live audience count and the link preview."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.forms import add_service_errors
from accounts.models import Role
from accounts.selectors import get_for_organization
from accounts.views.listing import paginate, redirect_back
from content import selectors, services
from content.forms import AudienceForm, CaptionForm, CommentForm, ImageForm, ItemFilterForm, ItemForm, TransitionForm
from content.lib.networks import Network, networks_for_captions, rules_for
from content.models import (
    EDITABLE_STATES,
    TRANSITIONS,
    Caption,
    ContentImage,
    ContentItem,
    ContentState,
    ItemTransition,
    PreviewStatus,
    ReviewComment,
)
from content.services import CAPTIONS_PER_NETWORK, Audience
from content.views.base import CURATOR_READ_WRITE, CuratorView, error_text

# States whose edit sends the item back to review (the editor warns about it).
REVIEW_AGAIN_STATES = TRANSITIONS["edit"][ContentState.IN_REVIEW]

ACTION_LABELS = {
    "submit": ("Submit for review", "send", "btn-primary"),
    "approve": ("Approve", "check2-circle", "btn-success"),
    "request_changes": ("Request changes", "arrow-return-left", "btn-outline-warning"),
    "archive": ("Archive", "archive", "btn-outline-secondary"),
    "restore": ("Restore as draft", "arrow-counterclockwise", "btn-outline-primary"),
}
ACTION_DONE = {
    "submit": "“{title}” was submitted for review.",
    "approve": "“{title}” was approved.",
    "request_changes": "Changes were requested on “{title}”; the author can now edit it.",
    "archive": "“{title}” was archived; employees no longer see it.",
    "restore": "“{title}” is a draft again.",
}


def item_url(org_slug: str, item: ContentItem, name: str = "item_detail") -> str:
    return reverse(f"content:{name}", kwargs={"org_slug": org_slug, "item_id": item.public_id})


# The list ------------------------------------------------------------------------


class ItemListView(CuratorView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        filter_form = ItemFilterForm(request.GET or None, organization=self.organization)
        items = selectors.content_item_list(organization=self.organization, **filter_form.filters())
        context = {
            "filter_form": filter_form,
            "page_obj": paginate(request, items),
            "review_count": selectors.review_queue(organization=self.organization).count(),
        }
        return render(request, "content/item_list.html", context)


# The editor ------------------------------------------------------------------------


@dataclass
class CaptionEntry:
    caption: Caption
    form: CaptionForm


@dataclass
class NetworkCaptions:
    network: Network
    label: str
    limit: int
    entries: list[CaptionEntry] = field(default_factory=list)
    new_form: CaptionForm | None = None


@dataclass
class EditorOverrides:
    """Bound forms with errors to show instead of fresh ones after a refused POST."""

    item_form: ItemForm | None = None
    caption_form: CaptionForm | None = None
    caption: Caption | None = None  # the caption the failed form edits; None: a new one
    image_form: ImageForm | None = None


def caption_sections(item: ContentItem, overrides: EditorOverrides) -> list[NetworkCaptions]:
    captions = list(Caption.objects.filter(organization=item.organization, item=item).order_by("position", "pk"))
    sections = []
    for network in networks_for_captions():
        section = NetworkCaptions(network=network, label=network.label, limit=rules_for(network).max_length)
        for caption in (c for c in captions if c.network == network):
            failed = overrides.caption is not None and overrides.caption.pk == caption.pk
            form = (
                overrides.caption_form
                if failed and overrides.caption_form
                else CaptionForm(
                    initial={"text": caption.text}, network=network, auto_id=f"id_caption_{caption.public_id}_%s"
                )
            )
            section.entries.append(CaptionEntry(caption=caption, form=form))
        if len(section.entries) < CAPTIONS_PER_NETWORK:
            failed_new = (
                overrides.caption_form is not None
                and overrides.caption is None
                and overrides.caption_form.caption_network == network
            )
            section.new_form = (
                overrides.caption_form
                if failed_new
                else CaptionForm(network=network, auto_id=f"id_caption_{network}_new_%s")
            )
        sections.append(section)
    return sections


def render_editor(
    request: HttpRequest,
    view: CuratorView,
    item: ContentItem | None,
    overrides: EditorOverrides | None = None,
    status: int = 200,
) -> HttpResponse:
    """The create and edit page. After a refused caption or image POST the page is
    rendered again with that form's errors (status 400), nothing else changed."""
    organization = view.organization
    overrides = overrides or EditorOverrides()
    form = overrides.item_form
    if form is None:
        if item is None:
            form = ItemForm(organization=organization, timezone_name=organization.timezone)
        else:
            audience = selectors.item_audience(item=item)
            form = ItemForm(
                initial=ItemForm.initial_for(item, audience),
                organization=organization,
                targeted=audience,
                timezone_name=organization.timezone,
            )
    audience = form.audience() if form.is_bound else _initial_audience(form, item)
    context: dict[str, object] = {
        "item": item,
        "form": form,
        "audience_count": selectors.audience_member_count(organization=organization, audience=audience),
        "review_again": item is not None and item.state in REVIEW_AGAIN_STATES,
        "editable": item is None or item.state in EDITABLE_STATES,
    }
    if item is not None:
        context.update(
            caption_sections=caption_sections(item, overrides),
            image_form=overrides.image_form or ImageForm(auto_id="id_image_%s"),
            images=ContentImage.objects.filter(organization=organization, item=item),
        )
    return render(request, "content/item_form.html", context, status=status)


def _initial_audience(form: ItemForm, item: ContentItem | None) -> Audience:
    return selectors.item_audience(item=item) if item is not None else Audience()


class ItemCreateView(CuratorView):
    roles = CURATOR_READ_WRITE

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render_editor(request, self, None)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = ItemForm(request.POST, organization=self.organization, timezone_name=self.organization.timezone)
        if form.is_valid():
            try:
                item = services.content_item_create(
                    organization=self.organization, author=self.membership, data=form.item_input()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"“{item.title}” was saved as a draft. Add captions and images below.")
                return redirect(item_url(org_slug, item, "item_edit"))
        return render_editor(request, self, None, EditorOverrides(item_form=form), status=400)


class ItemEditView(CuratorView):
    roles = CURATOR_READ_WRITE

    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        return render_editor(request, self, item)

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        form = ItemForm(
            request.POST,
            organization=self.organization,
            targeted=selectors.item_audience(item=item),
            timezone_name=self.organization.timezone,
        )
        if form.is_valid():
            previous = item.state
            try:
                services.content_item_update(item=item, actor=self.membership, data=form.item_input())
            except ValidationError as error:
                add_service_errors(form, error)
                item.refresh_from_db()  # the page shows the saved item, not the refused values
            else:
                note = " It went back to review." if item.state != previous else ""
                messages.success(request, f"“{item.title}” was saved.{note}")
                return redirect(item_url(org_slug, item, "item_edit"))
        return render_editor(request, self, item, EditorOverrides(item_form=form), status=400)


class AudienceCountView(CuratorView):
    """The live "matches N active members" line of the editor: htmx sends the audience
    fields as they are on the screen, saved or not."""

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = AudienceForm(request.GET, organization=self.organization)
        if not form.is_valid():
            return render(request, "content/_audience_count.html", {"audience_error": True})
        count = selectors.audience_member_count(organization=self.organization, audience=form.audience())
        return render(request, "content/_audience_count.html", {"audience_count": count})


# The detail page -------------------------------------------------------------------


@dataclass
class ActionButton:
    action: str
    label: str
    icon: str
    css: str
    blocked_reason: str
    needs_note: bool


def action_buttons(item: ContentItem, view: CuratorView) -> list[ActionButton]:
    buttons = []
    for allowed in selectors.item_actions_for(item=item, membership=view.membership):
        label, icon, css = ACTION_LABELS.get(
            allowed.action, (allowed.action.replace("_", " ").capitalize(), "arrow-right", "btn-outline-primary")
        )
        buttons.append(
            ActionButton(
                action=allowed.action,
                label=label,
                icon=icon,
                css=css,
                blocked_reason=allowed.blocked_reason,
                needs_note=allowed.action == "request_changes",
            )
        )
    return buttons


def audience_summary(audience: Audience) -> list[tuple[str, str]]:
    roles = dict(Role.choices)
    rows = [
        ("Departments", ", ".join(audience.departments)),
        ("Locations", ", ".join(audience.locations)),
        ("Roles", ", ".join(str(roles.get(role, role)) for role in audience.roles)),
        ("Groups", ", ".join(group.name for group in audience.groups)),
        ("Interested in", ", ".join(topic.name for topic in audience.topics)),
    ]
    return [(label, value) for label, value in rows if value]


class ItemDetailView(CuratorView):
    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        return render_detail(request, self, item)


def render_detail(
    request: HttpRequest,
    view: CuratorView,
    item: ContentItem,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    organization = view.organization
    audience = selectors.item_audience(item=item)
    captions = list(Caption.objects.filter(organization=organization, item=item).order_by("network", "position"))
    context = {
        "item": item,
        "topics": item.topics.all().order_by("name"),
        "caption_groups": [
            (network, [caption for caption in captions if caption.network == network])
            for network in networks_for_captions()
            if any(caption.network == network for caption in captions)
        ],
        "images": ContentImage.objects.filter(organization=organization, item=item),
        "audience": audience_summary(audience),
        "audience_count": selectors.audience_member_count(organization=organization, audience=audience),
        "history": ItemTransition.objects.filter(organization=organization, item=item).select_related("actor__user"),
        "comments": ReviewComment.objects.filter(organization=organization, item=item).select_related("author__user"),
        "comment_form": comment_form or CommentForm(),
        "actions": action_buttons(item, view),
        "editable": item.state in EDITABLE_STATES,
    }
    return render(request, "content/item_detail.html", context, status=status)


class ItemTransitionView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose what to do with the item.")
        else:
            action = form.cleaned_data["action"]
            try:
                services.content_item_transition(
                    item=item, action=action, actor=self.membership, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, ACTION_DONE.get(action, "“{title}” was updated.").format(title=item.title))
        return redirect_back(request, org_slug, item_url(org_slug, item))


class ItemCommentView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.review_comment_add(item=item, author=self.membership, text=form.cleaned_data["text"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Your comment was added.")
                return redirect(item_url(org_slug, item) + "#comments")
        return render_detail(request, self, item, comment_form=form, status=400)


# The link preview ------------------------------------------------------------------


class ItemPreviewView(CuratorView):
    """The preview panel alone; while the fetch is pending the panel polls this."""

    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        return render(request, "content/_preview.html", {"item": item})


class ItemPreviewRetryView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        try:
            services.content_item_queue_preview(item=item)
        except ValidationError as error:
            messages.error(request, error_text(error))
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "content/_preview.html", {"item": item})
        if item.preview_status == PreviewStatus.PENDING:
            messages.info(request, "Fetching the preview again.")
        return redirect_back(request, org_slug, item_url(org_slug, item))
