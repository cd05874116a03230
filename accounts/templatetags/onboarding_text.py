"""`{{ text|plain_markup }}`: policy and lesson text shown with a little structure and no
HTML from the author. Everything typed is escaped first; only the markup produced here
(paragraphs, headings, bullets, bold, links to http(s) addresses) reaches the page."""

from __future__ import annotations

import re

from django import template
from django.utils.html import urlize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")


def _inline(line: str) -> str:
    # urlize escapes the text around the links it makes (autoescape=True), so the result
    # holds no markup of the author's; bold is added on the escaped text.
    linked = urlize(line, nofollow=True, autoescape=True)
    linked = linked.replace('rel="nofollow"', 'rel="nofollow noopener" target="_blank"')
    return _BOLD.sub(r"<strong>\1</strong>", linked)


def render_plain_markup(text: str) -> str:
    blocks: list[str] = []
    for raw_block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in raw_block.split("\n") if line.strip()]
        if not lines:
            continue
        heading = _HEADING.match(lines[0].strip()) if len(lines) == 1 else None
        if heading:
            level = len(heading.group(1)) + 2  # the page's own title is h1, sections h2
            blocks.append(f'<h{level} class="h{level + 1}">{_inline(heading.group(2))}</h{level}>')
        elif all(_BULLET.match(line.strip()) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.match(line.strip()).group(1))}</li>" for line in lines)  # type: ignore[union-attr]
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(_inline(line.strip()) for line in lines) + "</p>")
    return "\n".join(blocks)


@register.filter
def plain_markup(text: str) -> SafeString:
    return mark_safe(render_plain_markup(str(text)))  # noqa: S308 - every author character was escaped above
