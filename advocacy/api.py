"""Advocacy through the API: each employee's own connected accounts and shares, the
composer's checks, their stats, and the managers' list of accounts that need attention.

Every account or share id is looked up among the caller's own rows (the selectors
filter by membership), so a colleague's id is answered exactly like another
organisation's: 404 in the address, 400 "There is no …" in a body. Tokens never leave
the server: no serializer here has a field that reads them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.api.base import OrganizationAPIView, TenantObjectField, with_errors
from accounts.models import Membership
from accounts.permissions import CURATORS, EVERYONE
from advocacy import selectors
from advocacy.models import AdvocacySettings, ConnectionStatus, Share, ShareKind, ShareState, SocialConnection
from advocacy.registry import CONNECTABLE
from advocacy.services import connections as connection_services
from advocacy.services import shares as share_services
from advocacy.services.links import short_url
from content import selectors as content_selectors
from content.lib.networks import Network
from content.models import Caption, ContentItem

ACCOUNT_ID = OpenApiParameter(
    "account_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="One of your connected accounts' `id`."
)
SHARE_ID = OpenApiParameter(
    "share_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="One of your shares' `id`."
)
STATE_FILTERS = [
    *ShareState.choices,
    ("open", "Not posted yet and still going: scheduled, queued, posting, waiting to retry, checking"),
    ("problems", "Waiting for you: failed or reconnect needed"),
]
HEALTH_PROBLEMS = [
    ("needs_reconnect", "Revoked or refused by the network"),
    ("expired", "The authorisation has expired"),
    ("expiring", "Expires within 7 days and cannot be refreshed"),
    ("paused", "Paused by the network's rate limit"),
]


# Output ---------------------------------------------------------------------------


def _one_of(choices: type[models.TextChoices]) -> str:
    # Plain strings in the schema, not enums: the field names `kind`, `state` and
    # `status` already name other choice sets there (content's, members'), and a second
    # set under one name makes drf-spectacular fall back to hashed enum names.
    return "One of: " + ", ".join(f"`{value}` ({label})" for value, label in choices.choices) + "."


class SocialAccountSerializer(serializers.Serializer):
    """One of the caller's connected accounts."""

    id = serializers.UUIDField(source="public_id")
    network = serializers.ChoiceField(choices=Network.choices())
    handle = serializers.CharField()
    display_name = serializers.CharField()
    profile_url = serializers.CharField(help_text="The profile on the network; may be empty.")
    status = serializers.CharField(help_text=_one_of(ConnectionStatus))
    status_reason = serializers.CharField(help_text="Why it needs reconnecting or was disconnected; empty otherwise.")
    token_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the network's authorisation ends (renewed by itself where the network allows); null: never.",
    )
    paused_until = serializers.DateTimeField(
        allow_null=True, help_text="Rate limited: nothing is posted to this account before then."
    )
    connected_at = serializers.DateTimeField()


class AccountRefSerializer(serializers.Serializer):
    """An account named inside a share."""

    id = serializers.UUIDField(source="public_id")
    network = serializers.ChoiceField(choices=Network.choices())
    handle = serializers.CharField()


class ShareSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    batch_id = serializers.UUIDField(help_text="The same for the shares composed together, one per account.")
    account = AccountRefSerializer(source="connection")
    network = serializers.ChoiceField(choices=Network.choices())
    kind = serializers.CharField(help_text=_one_of(ShareKind))
    item = serializers.UUIDField(
        source="item.public_id", allow_null=True, help_text="The feed item shared; null for a personal post."
    )
    caption = serializers.UUIDField(
        source="caption.public_id", allow_null=True, help_text="The suggested caption it started from."
    )
    text = serializers.CharField(help_text="The employee's words.")
    body = serializers.CharField(help_text="What is posted: the words, the tracked link and the disclosure.")
    originality = serializers.FloatField(
        allow_null=True, help_text="1: all the employee's own words; 0: a copy of a suggestion or a colleague's post."
    )
    state = serializers.CharField(help_text=_one_of(ShareState))
    scheduled_for = serializers.DateTimeField()
    attempts = serializers.IntegerField(help_text="Calls made to the network for it so far.")
    last_error = serializers.CharField(help_text="What went wrong, in words the employee can act on; empty if nothing.")
    error_action = serializers.CharField(
        help_text="What the employee can do about it: `retry`, `reconnect`, `edit`, or empty."
    )
    external_url = serializers.CharField(help_text="The post on the network once posted; empty before.")
    tracked_url = serializers.SerializerMethodField(
        help_text="The share's own short link to the item; empty for a post without a link."
    )
    clicks = serializers.SerializerMethodField(help_text="Clicks on the tracked link, counted so far.")
    posted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_tracked_url(self, share: Share) -> str:
        link = getattr(share, "tracked_link", None)
        return short_url(link) if link is not None else ""

    def get_clicks(self, share: Share) -> int:
        link = getattr(share, "tracked_link", None)
        return link.clicks if link is not None else 0


class ShareAttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    action = serializers.CharField(help_text="`publish`, `reconcile` (looking for an earlier post) or `refresh`.")
    outcome = serializers.CharField()
    detail = serializers.CharField()
    created_at = serializers.DateTimeField()


class ShareDetailSerializer(ShareSerializer):
    history = ShareAttemptSerializer(source="attempt_log", many=True, help_text="Every call made for it, oldest first.")


class HealthMemberSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField(source="user.full_name")
    email = serializers.EmailField(source="user.email")


class HealthRowSerializer(serializers.Serializer):
    member = HealthMemberSerializer(source="connection.membership")
    network = serializers.ChoiceField(source="connection.network", choices=Network.choices())
    handle = serializers.CharField(source="connection.handle")
    problem = serializers.ChoiceField(choices=HEALTH_PROBLEMS)
    detail = serializers.CharField()


class ConnectionHealthSerializer(serializers.Serializer):
    connected = serializers.IntegerField(help_text="Accounts connected in the organisation, healthy or not.")
    problems = HealthRowSerializer(many=True, help_text="Accounts that need attention, worst first.")


class OriginalitySerializer(serializers.Serializer):
    score = serializers.FloatField(help_text="1: all your own words; 0: a copy.")
    level = serializers.ChoiceField(
        choices=[("own_words", "Own words"), ("close", "Close: warned"), ("copy", "A colleague's post: refused")]
    )
    message = serializers.CharField()
    closest_suggestion = serializers.FloatField(help_text="Similarity (0–1) to the closest suggested caption.")
    closest_colleague = serializers.FloatField(
        help_text="Similarity (0–1) to the closest colleague's post of the item."
    )


class BrandCapSerializer(serializers.Serializer):
    allowed = serializers.BooleanField(help_text="Whether one more company post may be shared now.")
    used = serializers.IntegerField(help_text="Company posts shared in the last seven days.")
    limit = serializers.IntegerField(help_text="The organisation's weekly limit.")
    next_slot_at = serializers.DateTimeField(allow_null=True, help_text="When a slot frees up, if none is free now.")
    message = serializers.CharField()


class MixSerializer(serializers.Serializer):
    brand_percent = serializers.FloatField(help_text="Company posts among your posts of the last 30 days, in %.")
    threshold_percent = serializers.IntegerField(help_text="The organisation's nudge threshold, in %.")
    nudge = serializers.BooleanField(help_text="True when company posts pass the threshold.")
    message = serializers.CharField()


class LimitsSerializer(serializers.Serializer):
    brand_cap = BrandCapSerializer()
    mix = MixSerializer()


class CounterSerializer(serializers.Serializer):
    network = serializers.ChoiceField(choices=Network.choices())
    length = serializers.IntegerField(help_text="As the network counts it, with the link and the disclosure.")
    max = serializers.IntegerField(help_text="The network's limit.")
    ok = serializers.BooleanField()
    message = serializers.CharField()


class BestTimeSerializer(serializers.Serializer):
    network = serializers.ChoiceField(choices=Network.choices())
    at = serializers.DateTimeField(allow_null=True, help_text="Null when no moment of the next week is allowed.")
    reason = serializers.CharField()
    from_history = serializers.BooleanField(help_text="Whether it comes from your own past results.")


class ComposerCheckSerializer(serializers.Serializer):
    originality = OriginalitySerializer()
    limits = LimitsSerializer()
    counters = CounterSerializer(many=True)
    eligibility_reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why you may not share at all (certification, internal news)."
    )
    schedule_error = serializers.CharField(allow_null=True, help_text="Why the picked time is not allowed.")
    blocking = serializers.ListField(
        child=serializers.CharField(), help_text="Everything that would refuse the post; empty: it may be shared."
    )
    best_times = BestTimeSerializer(many=True)


class MemberStatsSerializer(serializers.Serializer):
    shares_posted = serializers.IntegerField()
    shares_30_days = serializers.IntegerField(help_text="Posted in the last 30 days.")
    clicks = serializers.IntegerField(help_text="On the tracked links of all your shares.")
    unique_clicks = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    problems = serializers.IntegerField(help_text="Failed or waiting for a reconnected account.")


# Input ----------------------------------------------------------------------------


def _membership(field: serializers.Field) -> Membership:
    return field.context["request"].membership  # type: ignore[no-any-return]


@extend_schema_field(OpenApiTypes.UUID)
class OwnAccountField(serializers.Field):
    """One of the caller's connected accounts, by id. A colleague's, another
    organisation's and a disconnected one are all answered as not found."""

    default_error_messages = {
        "does_not_exist": "You have no connected account with id {value}.",
        "invalid": "“{value}” is not a valid id.",
    }

    def to_internal_value(self, data: Any) -> SocialConnection:
        try:
            public_id = uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid", value=data)
        found = selectors.connections_of(membership=_membership(self)).filter(public_id=public_id).first()
        if found is None:
            self.fail("does_not_exist", value=public_id)
        return found

    def to_representation(self, value: SocialConnection) -> str:
        return str(value.public_id)


@extend_schema_field(OpenApiTypes.UUID)
class FeedItemField(serializers.Field):
    """An item of the caller's feed, by id: a draft, an expired item or one for another
    audience is answered like one that does not exist."""

    default_error_messages = {
        "does_not_exist": "There is no item with id {value} in your feed.",
        "invalid": "“{value}” is not a valid id.",
    }

    def to_internal_value(self, data: Any) -> ContentItem:
        try:
            public_id = uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid", value=data)
        try:
            return content_selectors.feed_item_for_member(membership=_membership(self), item_id=public_id)
        except Http404:
            self.fail("does_not_exist", value=public_id)

    def to_representation(self, value: ContentItem) -> str:
        return str(value.public_id)


def _accounts_field(**kwargs: Any) -> serializers.ListField:
    message = "Choose at least one connected account."
    return serializers.ListField(
        child=OwnAccountField(),
        error_messages={"required": message, "min_length": message},
        help_text="Ids of your connected accounts (`connections/`).",
        **kwargs,
    )


def _distinct(connections: Sequence[SocialConnection]) -> list[SocialConnection]:
    # The same account sent twice is one post to it, not two.
    return list(dict.fromkeys(connections))


# The composer's service names its own argument `connections`; the API calls it `accounts`.
_FIELD_NAMES = {"connections": "accounts", NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY}


def _refusal(error: ValidationError) -> serializers.ValidationError:
    """A refused post as field errors. The composer's problems are independent (the cap,
    a blocked phrase, a length on X) and each message is one the client shows on its
    own, so those tied to no field stay a list under `non_field_errors` rather than
    being joined into one `detail`, as the generic handler would."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(
            {_FIELD_NAMES.get(name, name): messages for name, messages in error.message_dict.items()}
        )
    return serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})


# Connections ----------------------------------------------------------------------


class ConnectionListAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="connections_list",
        tags=["connections"],
        summary="Your connected accounts",
        description=(
            "The caller's own accounts on the networks, by network and handle, including those "
            "that need reconnecting; disconnected ones are left out. Accounts are connected on "
            "the web page /o/<slug>/connections/ (the networks' sign-in is a browser redirect)."
        ),
        responses=with_errors({200: SocialAccountSerializer(many=True)}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        accounts = selectors.connections_of(membership=self.membership)
        return self.paginated_response(accounts, SocialAccountSerializer)


class ConnectionDetailAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "DELETE": EVERYONE}

    @extend_schema(
        operation_id="connections_retrieve",
        tags=["connections"],
        summary="One of your connected accounts",
        parameters=[ACCOUNT_ID],
        responses=with_errors({200: SocialAccountSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, account_id: uuid.UUID) -> Response:
        connection = selectors.connection_of(membership=self.membership, public_id=account_id)
        return Response(SocialAccountSerializer(connection).data)

    @extend_schema(
        operation_id="connections_destroy",
        tags=["connections"],
        summary="Disconnect one of your accounts",
        description=(
            "Chorus forgets the account's tokens (and revokes them at the network where it "
            "can) and cancels the posts still waiting for it. Past shares keep their account."
        ),
        parameters=[ACCOUNT_ID],
        responses=with_errors({204: None}, 403, 404),
    )
    def delete(self, request: Request, org_slug: str, account_id: uuid.UUID) -> Response:
        connection = selectors.connection_of(membership=self.membership, public_id=account_id)
        connection_services.connection_disconnect(connection=connection, actor=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionHealthAPI(OrganizationAPIView):
    roles = {"GET": CURATORS}

    @extend_schema(
        operation_id="connections_health",
        tags=["connections"],
        summary="Every member's accounts that need attention",
        description=(
            "Accounts revoked or refused by their network, expired, expiring within 7 days "
            "without a way to renew them, or paused by a rate limit, with whose they are. "
            "Healthy accounts are only counted."
        ),
        responses=with_errors({200: ConnectionHealthSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        counts = selectors.connection_health_counts(organization=self.organization)
        rows = selectors.connection_health(organization=self.organization)
        return Response(ConnectionHealthSerializer({"connected": sum(counts.values()), "problems": rows}).data)


# Shares ---------------------------------------------------------------------------


class ShareListAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    class ShareFilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=STATE_FILTERS, required=False)

    class ShareCreateSerializer(serializers.Serializer):
        item = FeedItemField(
            required=False, allow_null=True, help_text="An item of your feed; leave it out for a personal post."
        )
        text = serializers.CharField(
            max_length=10000,
            allow_blank=True,
            help_text="Your words. The tracked link and the organisation's disclosure are added to them.",
        )
        caption = TenantObjectField(
            Caption,
            required=False,
            allow_null=True,
            help_text="The id of the item's suggested caption you started from.",
        )
        accounts = _accounts_field(min_length=1)
        scheduled_for = serializers.DateTimeField(
            required=False, allow_null=True, help_text="ISO 8601, with its offset; leave it out to share now."
        )

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if data.get("caption") is not None and data.get("item") is None:
                raise serializers.ValidationError(
                    {"caption": "A suggested caption goes with its item: send `item` too."}
                )
            return data

    @extend_schema(
        operation_id="shares_list",
        tags=["shares"],
        summary="Your shares, newest first",
        parameters=[ShareFilterSerializer],
        responses=with_errors({200: ShareSerializer(many=True)}, 400, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        query = self.validated_query(self.ShareFilterSerializer)
        shares = selectors.shares_of(membership=self.membership, state=query.get("state", ""))
        return self.paginated_response(shares.select_related("caption"), ShareSerializer)

    @extend_schema(
        operation_id="shares_create",
        tags=["shares"],
        summary="Share a feed item, or a post of your own, to your accounts",
        description=(
            "One share per account, composed together. Due now: sent to the networks at once; "
            "scheduled: sent at `scheduled_for`. The post passes the same checks as the "
            "composer (`composer/check/`); any problem refuses the whole request with 400, "
            "each problem its own message (under its field, or under `non_field_errors`), and "
            "nothing is saved."
        ),
        request=ShareCreateSerializer,
        responses=with_errors({201: ShareSerializer(many=True)}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.ShareCreateSerializer)
        try:
            shares = share_services.shares_create(
                membership=self.membership,
                item=data.get("item"),
                text=data["text"],
                connections=_distinct(data["accounts"]),
                caption=data.get("caption"),
                scheduled_for=data.get("scheduled_for"),
            )
        except share_services.ShareRefused as error:
            raise _refusal(error) from error
        return Response(ShareSerializer(shares, many=True).data, status=status.HTTP_201_CREATED)


class ShareDetailAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="shares_retrieve",
        tags=["shares"],
        summary="One of your shares, with its history",
        parameters=[SHARE_ID],
        responses=with_errors({200: ShareDetailSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str, share_id: uuid.UUID) -> Response:
        share = selectors.share_of(membership=self.membership, public_id=share_id)
        return Response(ShareDetailSerializer(share).data)


class ShareCancelAPI(OrganizationAPIView):
    roles = {"POST": EVERYONE}

    @extend_schema(
        operation_id="shares_cancel",
        tags=["shares"],
        summary="Cancel a share that has not gone out",
        description=(
            "For a scheduled share, one waiting to retry, or one waiting for a reconnected "
            "account. A share being posted or already posted cannot be cancelled (400)."
        ),
        parameters=[SHARE_ID],
        request=None,
        responses=with_errors({200: ShareDetailSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, share_id: uuid.UUID) -> Response:
        share = selectors.share_of(membership=self.membership, public_id=share_id)
        share_services.share_cancel(share=share)
        share = selectors.share_of(membership=self.membership, public_id=share_id)
        return Response(ShareDetailSerializer(share).data)


class ShareRetryAPI(OrganizationAPIView):
    roles = {"POST": EVERYONE}

    @extend_schema(
        operation_id="shares_retry",
        tags=["shares"],
        summary="Try a failed share again",
        description=(
            "Only a share that failed or waited for a reconnected account, and only once the "
            "account is connected again (400 otherwise). A share that may have reached the "
            "network before is first looked for there, so it is never posted twice."
        ),
        parameters=[SHARE_ID],
        request=None,
        responses=with_errors({200: ShareDetailSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str, share_id: uuid.UUID) -> Response:
        share = selectors.share_of(membership=self.membership, public_id=share_id)
        share_services.share_retry(share=share)
        share = selectors.share_of(membership=self.membership, public_id=share_id)
        return Response(ShareDetailSerializer(share).data)


# The composer ---------------------------------------------------------------------


def _counter(membership: Membership, network: str, text: str, link: str) -> dict[str, Any]:
    _body, check = share_services.post_preview(
        organization=membership.organization, network=network, text=text, link=link
    )
    return {"network": network, "length": check.length, "max": check.limit, "ok": check.ok, "message": check.message}


def _best_time(membership: Membership, network: str, rules: AdvocacySettings, now: datetime) -> dict[str, Any]:
    best = selectors.best_time_for(membership=membership, network=network, rules=rules, now=now)
    return {"at": best.at, "reason": best.reason, "from_history": best.from_history}


class ComposerCheckAPI(OrganizationAPIView):
    roles = {"POST": EVERYONE}

    class ComposerInputSerializer(serializers.Serializer):
        item = FeedItemField(
            required=False, allow_null=True, help_text="An item of your feed; leave it out for a personal post."
        )
        text = serializers.CharField(max_length=10000, allow_blank=True)
        accounts = _accounts_field(required=False)
        scheduled_for = serializers.DateTimeField(required=False, allow_null=True, help_text="ISO 8601; now if absent.")

    @extend_schema(
        operation_id="composer_check",
        tags=["shares"],
        summary="Check a post before sharing it",
        description=(
            "The composer's live checks, without saving anything: originality against the "
            "suggested captions and colleagues' posts of the item, the weekly cap on company "
            "posts and the 80/20 mix, the length on each network (of the chosen accounts, or "
            "every network Chorus connects), whether the caller may share, whether the picked "
            "time is allowed, and a suggested time per network. `blocking` lists what "
            "`POST shares/` would refuse."
        ),
        request=ComposerInputSerializer,
        responses=with_errors({200: ComposerCheckSerializer}, 400, 403, 404),
    )
    def post(self, request: Request, org_slug: str) -> Response:
        data = self.validated_body(self.ComposerInputSerializer)
        item: ContentItem | None = data.get("item")
        connections = _distinct(data.get("accounts", []))
        now = timezone.now()
        check = share_services.share_preflight(
            membership=self.membership,
            item=item,
            text=data["text"],
            connections=connections,
            scheduled_for=data.get("scheduled_for"),
            now=now,
        )
        networks = sorted({c.network for c in connections}) or [network.value for network in CONNECTABLE]
        link = share_services.short_url_placeholder() if item is not None and item.url else ""
        rules = share_services.advocacy_settings_get(organization=self.organization)
        body = {
            "originality": check.originality,
            "limits": {"brand_cap": check.cap, "mix": check.mix},
            "counters": [_counter(self.membership, network, data["text"], link) for network in networks],
            "eligibility_reasons": check.eligibility_reasons,
            "schedule_error": check.schedule_error,
            "blocking": check.blocking,
            "best_times": [
                {"network": network, **_best_time(self.membership, network, rules, now)} for network in networks
            ],
        }
        return Response(ComposerCheckSerializer(body).data)


class MemberStatsAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE}

    @extend_schema(
        operation_id="me_stats_retrieve",
        tags=["shares"],
        summary="Your sharing in figures",
        responses=with_errors({200: MemberStatsSerializer}, 403, 404),
    )
    def get(self, request: Request, org_slug: str) -> Response:
        return Response(MemberStatsSerializer(selectors.member_stats(membership=self.membership)).data)
