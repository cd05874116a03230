"""The editor's captions and images: each is its own small form on the edit page. A
refused one renders the editor again with that form's errors; nothing is saved. Also
the stored image files, which are served only through checked views like these."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.forms import add_service_errors
from accounts.selectors import get_for_organization
from content import services
from content.forms import CaptionForm, ImageForm
from content.lib.networks import networks_for_captions
from content.models import Caption, ContentImage, ContentItem
from content.views.base import CURATOR_READ_WRITE, CuratorView
from content.views.items import EditorOverrides, item_url, render_editor


def _caption_of(item: ContentItem, caption_id: str) -> Caption:
    caption = get_for_organization(Caption, item.organization, caption_id)
    if caption.item_id != item.pk:
        raise Http404("No such caption on this item.")
    return caption


def _image_of(item: ContentItem, image_id: str) -> ContentImage:
    image = get_for_organization(ContentImage, item.organization, image_id)
    if image.item_id != item.pk:
        raise Http404("No such image on this item.")
    return image


def stored_image_response(file: FieldFile) -> FileResponse:
    """A stored image file, for a view that has checked who may see it. Uploaded files
    are never served from a public media folder, so one organisation cannot guess
    another's images. 404 when there is no file."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: the field holds no file
        raise Http404("The image file is missing.") from None
    content_type = mimetypes.guess_type(file.name or "")[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _network(request: HttpRequest) -> str:
    network = request.POST.get("network", "")
    allowed = {n.value for n in networks_for_captions()}
    return network if network in allowed else next(iter(sorted(allowed)))


class CaptionCreateView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        network = _network(request)
        form = CaptionForm(request.POST, network=network, auto_id=f"id_caption_{network}_new_%s")
        if form.is_valid():
            try:
                services.caption_save(
                    item=item,
                    network=form.cleaned_data["network"],
                    text=form.cleaned_data["text"],
                    actor=self.membership,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"A {form.caption_network.label} caption was added.")
                return redirect(item_url(org_slug, item, "item_edit") + f"#captions-{network}")
        return render_editor(request, self, item, EditorOverrides(caption_form=form), status=400)


class CaptionEditView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str, caption_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        caption = _caption_of(item, caption_id)
        data = request.POST.copy()
        data["network"] = caption.network  # a caption stays on its network
        form = CaptionForm(data, network=caption.network, auto_id=f"id_caption_{caption.public_id}_%s")
        if form.is_valid():
            try:
                services.caption_save(
                    item=item,
                    network=caption.network,
                    text=form.cleaned_data["text"],
                    caption=caption,
                    actor=self.membership,
                )
            except ValidationError as error:
                add_service_errors(form, error)
                caption.refresh_from_db()
            else:
                messages.success(request, f"The {form.caption_network.label} caption was saved.")
                return redirect(item_url(org_slug, item, "item_edit") + f"#captions-{caption.network}")
        return render_editor(request, self, item, EditorOverrides(caption_form=form, caption=caption), status=400)


class CaptionDeleteView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str, caption_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        caption = _caption_of(item, caption_id)
        services.caption_delete(caption=caption, actor=self.membership)
        messages.success(request, "The caption was deleted.")
        return redirect(item_url(org_slug, item, "item_edit") + f"#captions-{caption.network}")


class ImageAddView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        form = ImageForm(request.POST, request.FILES, auto_id="id_image_%s")
        if form.is_valid():
            try:
                services.content_image_add(
                    item=item,
                    upload=form.cleaned_data["image"],
                    alt_text=form.cleaned_data["alt_text"],
                    actor=self.membership,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The image was added.")
                return redirect(item_url(org_slug, item, "item_edit") + "#images")
        return render_editor(request, self, item, EditorOverrides(image_form=form), status=400)


class ImageDeleteView(CuratorView):
    roles = CURATOR_READ_WRITE

    def post(self, request: HttpRequest, org_slug: str, item_id: str, image_id: str) -> HttpResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        image = _image_of(item, image_id)
        services.content_image_delete(image=image, actor=self.membership)
        messages.success(request, "The image was removed.")
        return redirect(item_url(org_slug, item, "item_edit") + "#images")


class ImageFileView(CuratorView):
    """An uploaded image of the item, for the editor and the item's page."""

    def get(self, request: HttpRequest, org_slug: str, item_id: str, image_id: str) -> FileResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        return stored_image_response(_image_of(item, image_id).image)


class ItemPreviewImageView(CuratorView):
    """Our copy of the linked page's image, for the link preview."""

    def get(self, request: HttpRequest, org_slug: str, item_id: str) -> FileResponse:
        item = get_for_organization(ContentItem, self.organization, item_id)
        return stored_image_response(item.preview_image)
