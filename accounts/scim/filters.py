"""The subset of SCIM's filter language (RFC 7644 §3.4.2.2) that Chorus supports:

    filter     = term *("or" term)
    term       = factor *("and" factor)
    factor     = "(" filter ")" / attrPath "pr" / attrPath ("eq" / "co" / "sw") value

Attribute names and operators are case-insensitive; `not`, the ordering operators
(`gt`, `ge`, `lt`, `le`), `ne`, `ew` and value filters inside a filter
(`emails[type eq "work"]`) are refused with invalidFilter rather than half-supported.
A parsed filter becomes a Django Q on the resource's fields (`to_q`), or is evaluated
on a JSON element for PATCH value paths (`matches`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from accounts.models import MembershipStatus
from accounts.scim.errors import invalid_filter
from accounts.scim.schemas import CORE_SCHEMAS, ENTERPRISE_SCHEMA

MAX_FILTER_LENGTH = 1000
MAX_DEPTH = 16
SUPPORTED_OPERATORS = ("eq", "co", "sw", "pr")
_UNSUPPORTED_OPERATORS = ("ne", "ew", "gt", "ge", "lt", "le")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<punct>[()\[\]])
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<word>[^\s()\[\]"]+)
    )""",
    re.VERBOSE,
)
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class Comparison:
    attribute: str  # canonical: lower case, core schema prefix removed
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Logical:
    operator: str  # "and" or "or"
    left: Node
    right: Node


Node = Comparison | Logical


def canonical_attribute(path: str) -> str:
    """`urn:…:core:2.0:User:userName` and `USERNAME` both name `username`; an
    extension attribute keeps its schema: `urn:…:enterprise:2.0:user:department`."""
    lowered = path.strip().lower()
    for schema in CORE_SCHEMAS:
        prefix = schema.lower() + ":"
        if lowered.startswith(prefix):
            return lowered[len(prefix) :]
    return lowered


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise invalid_filter(f"The filter cannot be read near “{text[position : position + 20]}”.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise invalid_filter("The filter ends too early.")
        self.position += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() in words:
            self.position += 1
            return token[1].lower()
        return None

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise invalid_filter(f"The filter nests more than {MAX_DEPTH} levels of parentheses.")
        node = self.term(depth)
        while self.keyword("or"):
            node = Logical("or", node, self.term(depth))
        return node

    def term(self, depth: int) -> Node:
        node = self.factor(depth)
        while self.keyword("and"):
            node = Logical("and", node, self.factor(depth))
        return node

    def factor(self, depth: int) -> Node:
        kind, text = self.take()
        if (kind, text) == ("punct", "("):
            node = self.expression(depth + 1)
            if self.peek() is None or self.take() != ("punct", ")"):
                raise invalid_filter("A parenthesis in the filter is not closed.")
            return node
        if kind != "word":
            raise invalid_filter(f"Expected an attribute name in the filter, found “{text}”.")
        if text.lower() == "not":
            raise invalid_filter("The “not” operator is not supported.")
        attribute = text
        following = self.peek()
        if following == ("punct", "["):
            raise invalid_filter(
                f"Value filters such as {attribute}[…] are not supported in a filter; "
                f"compare a sub-attribute instead, for example {attribute}.value."
            )
        kind, operator = self.take()
        operator = operator.lower()
        if kind != "word" or operator not in SUPPORTED_OPERATORS:
            if operator in _UNSUPPORTED_OPERATORS:
                raise invalid_filter(
                    f"The operator “{operator}” is not supported. Supported: {', '.join(SUPPORTED_OPERATORS)}."
                )
            raise invalid_filter(f"“{operator}” is not a filter operator.")
        if operator == "pr":
            return Comparison(canonical_attribute(attribute), "pr")
        return Comparison(canonical_attribute(attribute), operator, self.value())

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            try:
                return json.loads(text)
            except ValueError:
                raise invalid_filter(f"The string {text} in the filter is not valid.") from None
        if kind == "word" and text in ("true", "false", "null"):
            return json.loads(text)
        if kind == "word" and _NUMBER.fullmatch(text):
            return json.loads(text)
        raise invalid_filter(f"Expected a value (a quoted string, true, false, null or a number), found “{text}”.")


def parse(text: str) -> Node:
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    if not text.strip():
        raise invalid_filter("The filter is empty.")
    parser = _Parser(_tokenize(text))
    node = parser.expression(0)
    if parser.peek() is not None:
        raise invalid_filter(f"Unexpected “{parser.peek()[1]}” in the filter.")  # type: ignore[index]
    for comparison in _comparisons(node):
        if isinstance(comparison.value, str) and "\x00" in comparison.value:
            raise invalid_filter("Filter values must not contain NUL characters.")
        if comparison.operator in ("co", "sw") and not isinstance(comparison.value, str):
            raise invalid_filter(f"“{comparison.operator}” compares text: quote the value.")
    return node


def _comparisons(node: Node) -> list[Comparison]:
    if isinstance(node, Comparison):
        return [node]
    return [*_comparisons(node.left), *_comparisons(node.right)]


# Evaluating on JSON (PATCH value paths such as emails[type eq "work"]) ------------


def _lookup(element: Mapping[str, Any], name: str) -> Any:
    for key, value in element.items():
        if key.lower() == name:
            return value
    return None


def matches(node: Node, element: Any) -> bool:
    if not isinstance(element, Mapping):
        return False
    if isinstance(node, Logical):
        if node.operator == "and":
            return matches(node.left, element) and matches(node.right, element)
        return matches(node.left, element) or matches(node.right, element)
    actual = _lookup(element, node.attribute)
    if node.operator == "pr":
        return actual not in (None, "", [], {})
    if isinstance(actual, str) and isinstance(node.value, str):
        actual_text, expected = actual.lower(), node.value.lower()
        if node.operator == "eq":
            return actual_text == expected
        if node.operator == "co":
            return expected in actual_text
        return actual_text.startswith(expected)
    return node.operator == "eq" and actual == node.value and type(actual) is type(node.value)


def equality_pairs(node: Node) -> dict[str, Any] | None:
    """`type eq "work" and primary eq true` as {"type": "work", "primary": True}: what a
    new element must hold to match the filter, or None if no element can be built."""
    if isinstance(node, Comparison):
        return {node.attribute: node.value} if node.operator == "eq" else None
    if node.operator != "and":
        return None
    left, right = equality_pairs(node.left), equality_pairs(node.right)
    return None if left is None or right is None else {**left, **right}


# Translating to a Django query ----------------------------------------------------


QueryBuilder = Callable[[str, Any], Q]


def text_field(lookup: str, *, case_exact: bool = False) -> QueryBuilder:
    def build(operator: str, value: Any) -> Q:
        if operator == "pr":
            return Q(**{f"{lookup}__gt": ""})
        if not isinstance(value, str):
            raise invalid_filter("This attribute holds text: compare it with a quoted string.")
        suffix = {"eq": "exact", "co": "contains", "sw": "startswith"}[operator]
        return Q(**{f"{lookup}__{suffix if case_exact else 'i' + suffix}": value})

    return build


def id_field(lookup: str) -> QueryBuilder:
    def build(operator: str, value: Any) -> Q:
        if operator == "pr":
            return Q()
        if operator != "eq" or not isinstance(value, str):
            raise invalid_filter('An id can only be compared with eq and a quoted string: id eq "…".')
        try:
            return Q(**{lookup: uuid.UUID(value)})
        except ValueError:
            return Q(pk__in=[])  # no resource has this id

    return build


def to_q(node: Node, fields: Mapping[str, QueryBuilder]) -> Q:
    if isinstance(node, Logical):
        left, right = to_q(node.left, fields), to_q(node.right, fields)
        return left & right if node.operator == "and" else left | right
    builder = fields.get(node.attribute)
    if builder is None:
        raise invalid_filter(
            f"Filtering on “{node.attribute}” is not supported. Supported attributes: {', '.join(sorted(fields))}."
        )
    return builder(node.operator, node.value)


# What each resource can be filtered on ----------------------------------------------


def _user_name(operator: str, value: Any) -> Q:
    # A member the IdP has not provisioned is known by their email address.
    if operator == "pr":
        return Q()
    record = text_field("scim_records__user_name")(operator, value)
    email = text_field("user__email")(operator, value)
    return record | (Q(scim_records__isnull=True) & email)


def _active(operator: str, value: Any) -> Q:
    if operator == "pr":
        return Q()
    if operator != "eq" or not isinstance(value, bool):
        raise invalid_filter("active is compared with eq and true or false: active eq true.")
    active = Q(status=MembershipStatus.ACTIVE)
    return active if value else ~active


USER_FILTERS: dict[str, QueryBuilder] = {
    "id": id_field("public_id"),
    "username": _user_name,
    "externalid": text_field("scim_records__external_id", case_exact=True),
    "emails": text_field("user__email"),
    "emails.value": text_field("user__email"),
    "displayname": text_field("user__full_name"),
    "name.givenname": text_field("scim_records__given_name"),
    "name.familyname": text_field("scim_records__family_name"),
    "title": text_field("job_title"),
    "active": _active,
    "addresses.locality": text_field("location"),
    f"{ENTERPRISE_SCHEMA.lower()}:department": text_field("department"),
}
GROUP_FILTERS: dict[str, QueryBuilder] = {
    "id": id_field("public_id"),
    "displayname": text_field("name"),
    "externalid": text_field("scim_records__external_id", case_exact=True),
    "members": id_field("members__public_id"),
    "members.value": id_field("members__public_id"),
}
