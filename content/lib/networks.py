"""The social networks Chorus knows, defined once as data, and how each one counts the
length of a caption.

Framework-free: forms, services, the API and the publishers all ask this module, and
static/js/caption_counter.js mirrors it for the live counters in the browser
(tests/e2e/test_caption_counter.py checks that the two count every tricky case alike).

"A character" means something different on every network:

- **LinkedIn**: 3,000 characters, counted here in UTF-16 code units (an emoji outside
  the Basic Multilingual Plane counts 2). LinkedIn documents "3,000 characters" without a
  unit; its API validates through Rest.li, whose string-length validator is Java's
  `String.length()` (UTF-16 units), and its error reads "ShareCommentary text length (N
  characters) exceeded the maximum allowed (3000 characters)". UTF-16 units are never
  fewer than code points, so a caption this module accepts is accepted under either
  reading; the price is an early warning on emoji-heavy text. Links count in full.
- **X**: 280 weighted characters, as twitter-text v3 counts them: the text is NFC
  normalised; code points in the config's weight-100 ranges (U+0000-U+10FF, which is
  Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari and more, plus a few punctuation
  ranges) count 1, everything else (CJK, Hangul, most symbols) counts 2; an emoji,
  however many code points it is made of, counts 2; every URL counts 23 however long
  or short it is, with or without https://.
- **Mastodon** (and the **sandbox**): 500 characters as Mastodon's StatusLengthValidator
  counts them: extended grapheme clusters, after replacing every http(s) URL by 23
  characters and every remote mention `@user@domain` by `@user`. Bare domains are text.
- **Bluesky**: 300 graphemes (app.bsky.feed.post `text`: maxGraphemes 300) and at most
  3,000 bytes of UTF-8 (maxLength 3000), which only emoji-heavy text reaches. Links
  count in full: Bluesky does not shorten them, the client does (not us, for now).
- **Facebook**: disabled. A personal profile cannot be posted to through the API
  (publish_actions was removed in 2018), and Facebook's Platform Policy forbids
  pre-filling a person's post text; see `NetworkRules.prefill_allowed`.

Where detection is approximate (URLs, emoji, grapheme clusters) the approximation is
written down next to the code, and it errs towards counting more, not less: a caption
we pass should not be refused by the network at publish time.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType


class Network(StrEnum):
    LINKEDIN = "linkedin"
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    FACEBOOK = "facebook"
    SANDBOX = "sandbox"

    @property
    def label(self) -> str:
        return NETWORK_RULES[self].display_name

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs, as Django's `choices=` wants them."""
        return [(network.value, network.label) for network in cls]


class LengthUnit(StrEnum):
    CHARACTERS = "characters"  # UTF-16 code units, as JavaScript's and Java's String.length
    WEIGHTED_CHARACTERS = "weighted characters"  # twitter-text v3
    GRAPHEMES = "graphemes"  # extended grapheme clusters (Unicode UAX #29)


@dataclass(frozen=True)
class NetworkRules:
    network: Network
    display_name: str
    max_length: int
    unit: LengthUnit
    # Every link counts this many characters whatever its length; None: links count as written.
    link_length: int | None
    # Whether a bare `example.com/path` (no https://) is a link too.
    bare_domain_links: bool
    # Whether `@user@domain` counts only as `@user` (Mastodon).
    mentions_count_local_part: bool
    # Whether Chorus may put a suggested caption into the employee's post text.
    #
    # FACEBOOK: NEVER. Facebook's Platform Policy (2.3, "Pre-fill policies") reads "Don't
    # prefill any content in captions, comments, messages or the user message parameter of
    # posts" unless the person typed it earlier in the flow, even when they could edit it
    # before sharing; appending our own hashtags or links to their text is forbidden too.
    # So if Facebook is ever enabled its suggested caption starts EMPTY
    # (`suggested_caption_for` returns ""); suggestions may only be shown for the person
    # to copy or retype themselves.
    prefill_allowed: bool
    # Whether Chorus can post there at all.
    enabled: bool
    # Whether managers write suggested captions for it (the sandbox is for tests and demos).
    offers_captions: bool
    max_utf8_bytes: int | None = None

    @property
    def links_note(self) -> str:
        if self.link_length is not None:
            return f"Links count as {self.link_length}."
        return "Links count in full." if self.network == Network.BLUESKY else ""


NETWORK_RULES: Mapping[Network, NetworkRules] = MappingProxyType(
    {
        Network.LINKEDIN: NetworkRules(
            network=Network.LINKEDIN,
            display_name="LinkedIn",
            max_length=3000,
            unit=LengthUnit.CHARACTERS,
            link_length=None,
            bare_domain_links=False,
            mentions_count_local_part=False,
            prefill_allowed=True,
            enabled=True,
            offers_captions=True,
        ),
        Network.X: NetworkRules(
            network=Network.X,
            display_name="X",
            max_length=280,
            unit=LengthUnit.WEIGHTED_CHARACTERS,
            link_length=23,
            bare_domain_links=True,
            mentions_count_local_part=False,
            prefill_allowed=True,
            enabled=True,
            offers_captions=True,
        ),
        Network.MASTODON: NetworkRules(
            network=Network.MASTODON,
            display_name="Mastodon",
            max_length=500,
            unit=LengthUnit.GRAPHEMES,
            link_length=23,
            bare_domain_links=False,
            mentions_count_local_part=True,
            prefill_allowed=True,
            enabled=True,
            offers_captions=True,
        ),
        Network.BLUESKY: NetworkRules(
            network=Network.BLUESKY,
            display_name="Bluesky",
            max_length=300,
            unit=LengthUnit.GRAPHEMES,
            link_length=None,
            bare_domain_links=False,
            mentions_count_local_part=False,
            prefill_allowed=True,
            enabled=True,
            offers_captions=True,
            max_utf8_bytes=3000,
        ),
        Network.FACEBOOK: NetworkRules(
            network=Network.FACEBOOK,
            display_name="Facebook",
            max_length=63206,  # the commonly cited post limit; not documented by Meta for the API
            unit=LengthUnit.CHARACTERS,
            link_length=None,
            bare_domain_links=False,
            mentions_count_local_part=False,
            prefill_allowed=False,  # Platform Policy: never pre-fill a person's post text (see above)
            enabled=False,
            offers_captions=True,
        ),
        Network.SANDBOX: NetworkRules(
            network=Network.SANDBOX,
            display_name="Sandbox",
            max_length=500,
            unit=LengthUnit.GRAPHEMES,
            link_length=23,
            bare_domain_links=False,
            mentions_count_local_part=True,
            prefill_allowed=True,
            enabled=True,
            offers_captions=False,
        ),
    }
)


@dataclass(frozen=True)
class CaptionCheck:
    length: int
    limit: int
    remaining: int
    over_by: int
    # False when over the limit, and also for a Bluesky caption over its byte cap
    # (over_by is then 0: the message says what is wrong).
    ok: bool
    message: str


def rules_for(network: Network | str) -> NetworkRules:
    """The rules of one network; ValueError for a name Chorus does not know."""
    return NETWORK_RULES[Network(network)]


def networks_for_captions() -> list[Network]:
    """The networks managers write suggested captions for, in display order."""
    return [rules.network for rules in NETWORK_RULES.values() if rules.enabled and rules.offers_captions]


def suggested_caption_for(network: Network | str, text: str) -> str:
    """The text to pre-fill an employee's post with: empty where pre-filling is
    forbidden (Facebook), so the person starts from a blank box."""
    return text if rules_for(network).prefill_allowed else ""


def caption_length(network: Network | str, text: str) -> int:
    """The caption's length as the network counts it, in `rules_for(network).unit`."""
    rules = rules_for(network)
    text = _one_newline(text)
    if rules.unit == LengthUnit.WEIGHTED_CHARACTERS:
        return _weighted_length(rules, text)
    countable = _countable_text(rules, text)
    if rules.unit == LengthUnit.GRAPHEMES:
        return len(graphemes(countable))
    return _utf16_length(countable)


def caption_check(network: Network | str, text: str) -> CaptionCheck:
    """The caption against the network's limit, with a message for the person writing it."""
    rules = rules_for(network)
    length = caption_length(rules.network, text)
    limit = rules.max_length
    over_by = max(0, length - limit)
    utf8_bytes = len(_one_newline(text).encode("utf-8", "surrogatepass"))
    too_many_bytes = rules.max_utf8_bytes is not None and utf8_bytes > rules.max_utf8_bytes
    if over_by:
        note = f" {rules.links_note}" if rules.links_note else ""
        message = f"{rules.display_name} allows {limit:,} characters; this caption is {over_by:,} over.{note}"
    elif too_many_bytes:
        message = (
            f"{rules.display_name} also allows at most {rules.max_utf8_bytes:,} bytes; this caption has "
            f"{utf8_bytes:,}. Emoji take several bytes each: remove some."
        )
    else:
        message = f"{limit - length:,} of {limit:,} characters left."
    return CaptionCheck(
        length=length,
        limit=limit,
        remaining=max(0, limit - length),
        over_by=over_by,
        ok=not over_by and not too_many_bytes,
        message=message,
    )


def _one_newline(text: str) -> str:
    # Browsers submit a textarea's line breaks as CRLF but show and count them as LF:
    # count a line break once, as the person sees it (the publishers send LF).
    return re.sub(r"\r\n?", "\n", text)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- Links ------------------------------------------------------------------------------
#
# A simplified twitter-text URL extractor (Mastodon uses the same library). Approximations:
# only http and https schemes; host names are ASCII (an internationalised host is counted
# as text); with a scheme any alphabetic top-level domain is accepted, without one the
# top-level domain must be in BARE_DOMAIN_TLDS (every ASCII country code and the common
# generic ones; twitter-text knows ~1,500); the path and query use twitter-text's
# character sets, and trailing punctuation and unbalanced ")" are left out of the link.

# Letters twitter-text allows in a link's path besides ASCII: Latin accents and Cyrillic.
_PATH_LETTERS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0300-\u036f\u0400-\u04ff\u1e00-\u1eff"
_LINK = re.compile(
    r"(?<![\w@$#＠＃])"
    r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?://)?"
    r"(?P<host>(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63})(?![A-Za-z0-9@+-])"
    r"(?P<port>:[0-9]{1,5})?"
    r"(?P<rest>[/?][A-Za-z0-9!*';:=+,.$/%#\[\]_~&|@()?" + _PATH_LETTERS + r"-]*)?"
)
_LINK_END = re.compile(r"[A-Za-z0-9=_#/+&" + _PATH_LETTERS + r"-]")

_BARE_DOMAIN_TLD_LIST = """
    ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo bq br bs bt bv
    bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es
    et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id
    ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv
    ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu
    nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm
    sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc
    ve vg vi vn vu wf ws ye yt za zm zw
    academy aero agency app art asia bank biz blog business capital careers cat center city click cloud
    club com community company consulting coop design dev digital edu education email energy engineering
    events expert finance fund games global gov group guide health help host info institute int
    international jobs legal life link live marketing media mil mobi money museum name net network news
    online org page partners photo photography plus post press pro report school science security services
    shop show site social software solutions space store studio support systems team tech tel today top
    training travel university ventures video website wiki work works world xxx xyz zone
"""
BARE_DOMAIN_TLDS = frozenset(_BARE_DOMAIN_TLD_LIST.split())


def find_links(text: str, *, bare_domains: bool) -> list[tuple[int, int]]:
    """(start, end) of every link in `text`; bare domains too when asked."""
    links = []
    for match in _LINK.finditer(text):
        start, end = match.span()
        if match["scheme"]:
            links.append((start, end if match["rest"] is None else _link_end(match)))
            continue
        if not bare_domains or (start and text[start - 1] in "-_./"):
            continue
        labels = match["host"].split(".")
        whole = True
        while len(labels) > 1 and labels[-1].lower() not in BARE_DOMAIN_TLDS:
            labels.pop()
            whole = False
        if len(labels) < 2:
            continue
        if not whole:
            links.append((start, start + len(".".join(labels))))
        else:
            links.append((start, end if match["rest"] is None else _link_end(match)))
    return links


def _link_end(match: re.Match[str]) -> int:
    rest = match["rest"]
    while rest:
        last = rest[-1]
        if last == ")":
            if rest.count("(") >= rest.count(")"):
                break
        elif _LINK_END.match(last):
            break
        rest = rest[:-1]
    return match.start("rest") + len(rest)


# Mastodon's Account::MENTION_RE: `@user` or `@user@domain`, not after "=", "/" or a letter.
_MENTION = re.compile(r"(?<![=/\w])@([A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*)(?:@[\w.-]+\w+)?")
_NOT_A_MENTION_AFTER = re.compile(r"[@＠\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f]|://")


def _countable_text(rules: NetworkRules, text: str) -> str:
    """The text as the network measures it, with links and remote mentions replaced by
    what they count as (Mastodon's `countable_text`)."""
    entities: list[tuple[int, int, str]] = []
    if rules.link_length is not None:
        placeholder = "x" * rules.link_length
        entities += [(start, end, placeholder) for start, end in find_links(text, bare_domains=rules.bare_domain_links)]
    if rules.mentions_count_local_part:
        for match in _MENTION.finditer(text):
            if not _NOT_A_MENTION_AFTER.match(text, match.end()):
                entities.append((match.start(), match.end(), "@" + match[1]))
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(entities):
        if start < position:  # overlaps an earlier entity, which wins (twitter-text's rule)
            continue
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


# --- X: twitter-text v3 weighted length -------------------------------------------------

_WEIGHT_ONE_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_KEYCAP_BASES = frozenset("#*0123456789")


def _weighted_length(rules: NetworkRules, text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    weight, position = 0, 0
    for start, end in [*find_links(text, bare_domains=rules.bare_domain_links), (len(text), len(text))]:
        weight += sum(_cluster_weight(cluster) for cluster in graphemes(text[position:start]))
        weight += 0 if start == end else (rules.link_length or end - start)
        position = end
    return weight


def _cluster_weight(cluster: str) -> int:
    if _is_emoji(cluster):
        return 2
    return sum(1 if any(low <= ord(char) <= high for low, high in _WEIGHT_ONE_RANGES) else 2 for char in cluster)


def _is_emoji(cluster: str) -> bool:
    # twitter-text finds emoji with twemoji's list; approximated by the grapheme cluster:
    # a flag, a keycap, or a pictograph (© and ® only with the emoji selector U+FE0F),
    # unless it asks for text presentation (U+FE0E).
    first = ord(cluster[0])
    if "\ufe0e" in cluster:
        return False
    if 0x1F1E6 <= first <= 0x1F1FF:
        return True
    if "\u20e3" in cluster:
        return cluster[0] in _KEYCAP_BASES
    return _is_extended_pictographic(first) and (first >= 0x2038 or "\ufe0f" in cluster)


# --- Grapheme clusters (Unicode UAX #29) ------------------------------------------------
#
# The `regex` package's \X would do this; to stay dependency-free this is a compact
# segmenter with the same rules (GB3-GB13, including GB9c for Indic conjuncts), checked
# against Chromium's Intl.Segmenter by the parity tests. Its limits: Python's own Unicode
# tables (14.0 on 3.11) classify characters, so marks added in later versions count as
# separate clusters; Extended_Pictographic comes from the table below (read from Chromium
# 156's \p{Extended_Pictographic}); InCB (GB9c) covers the six scripts Unicode 15.1 gave it.

_CR, _LF, _CONTROL, _EXTEND, _ZWJ, _RI, _PREPEND, _SPACING_MARK, _L, _V, _T, _LV, _LVT, _OTHER = range(14)

_EXTENDED_PICTOGRAPHIC_RANGES = """
00A9 00AE 203C 2049 2122 2139 2194-2199 21A9-21AA 231A-231B 2328 23CF 23E9-23F3 23F8-23FA 24C2
25AA-25AB 25B6 25C0 25FB-25FE 2600-2604 260E 2611 2614-2615 2618 261D 2620 2622-2623 2626 262A
262E-262F 2638-263A 2640 2642 2648-2653 265F-2660 2663 2665-2666 2668 267B 267E-267F 2692-2697 2699
269B-269C 26A0-26A1 26A7 26AA-26AB 26B0-26B1 26BD-26BE 26C4-26C5 26C8 26CE-26CF 26D1 26D3-26D4
26E9-26EA 26F0-26F5 26F7-26FA 26FD 2702 2705 2708-270D 270F 2712 2714 2716 271D 2721 2728 2733-2734
2744 2747 274C 274E 2753-2755 2757 2763-2764 2795-2797 27A1 27B0 27BF 2934-2935 2B05-2B07 2B1B-2B1C
2B50 2B55 3030 303D 3297 3299 1F004 1F02C-1F02F 1F094-1F09F 1F0AF-1F0B0 1F0C0 1F0CF-1F0D0
1F0F6-1F0FF 1F170-1F171 1F17E-1F17F 1F18E 1F191-1F19A 1F1AE-1F1E5 1F201-1F20F 1F21A 1F22F
1F232-1F23A 1F23C-1F23F 1F249-1F25F 1F266-1F321 1F324-1F393 1F396-1F397 1F399-1F39B 1F39E-1F3F0
1F3F3-1F3F5 1F3F7-1F3FA 1F400-1F4FD 1F4FF-1F53D 1F549-1F54E 1F550-1F567 1F56F-1F570 1F573-1F57A
1F587 1F58A-1F58D 1F590 1F595-1F596 1F5A4-1F5A5 1F5A8 1F5B1-1F5B2 1F5BC 1F5C2-1F5C4 1F5D1-1F5D3
1F5DC-1F5DE 1F5E1 1F5E3 1F5E8 1F5EF 1F5F3 1F5FA-1F64F 1F680-1F6C5 1F6CB-1F6D2 1F6D5-1F6E5 1F6E9
1F6EB-1F6F0 1F6F3-1F6FF 1F7DA-1F7FF 1F80C-1F80F 1F848-1F84F 1F85A-1F85F 1F888-1F88F 1F8AE-1F8AF
1F8BC-1F8BF 1F8C2-1F8CF 1F8D9-1F8FF 1F90C-1F93A 1F93C-1F945 1F947-1F9FF 1FA58-1FA5F 1FA6E-1FAFF
1FC00-1FFFD
"""
# Indic_Conjunct_Break: consonants and linkers (viramas) of Devanagari, Bengali, Gujarati,
# Oriya, Telugu and Malayalam.
_INCB_CONSONANT_RANGES = """
0915-0939 0958-095F 0978-097F 0995-09A8 09AA-09B0 09B2 09B6-09B9 09DC-09DD 09DF 09F0-09F1
0A95-0AA8 0AAA-0AB0 0AB2-0AB3 0AB5-0AB9 0AF9 0B15-0B28 0B2A-0B30 0B32-0B33 0B35-0B39 0B5C-0B5D
0B5F 0B71 0C15-0C28 0C2A-0C39 0C58-0C5A 0D15-0D3A
"""
_INCB_LINKERS = frozenset({0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D})
_PREPEND_RANGES = """
0600-0605 06DD 070F 0890-0891 08E2 0D4E 110BD 110CD 111C2-111C3 1193F 11941 11A3A 11A84-11A89 11D46
11F02
"""
# General_Category=Spacing_Mark characters that UAX #29 leaves out of SpacingMark.
_NOT_SPACING_MARKS = """
102B-102C 1038 1062-1064 1067-106D 1083 1087-108C 108F 109A-109C 1A61 1A63-1A64 AA7B AA7D
11720-11721
"""


def _parse_ranges(table: str) -> tuple[list[int], list[int]]:
    starts, ends = [], []
    for item in table.split():
        low, _, high = item.partition("-")
        starts.append(int(low, 16))
        ends.append(int(high or low, 16))
    return starts, ends


def _in(ranges: tuple[list[int], list[int]], code_point: int) -> bool:
    index = bisect_right(ranges[0], code_point) - 1
    return index >= 0 and code_point <= ranges[1][index]


_PICTOGRAPHIC = _parse_ranges(_EXTENDED_PICTOGRAPHIC_RANGES)
_CONSONANTS = _parse_ranges(_INCB_CONSONANT_RANGES)
_PREPENDS = _parse_ranges(_PREPEND_RANGES)
_NON_SPACING = _parse_ranges(_NOT_SPACING_MARKS)


def _is_extended_pictographic(code_point: int) -> bool:
    return _in(_PICTOGRAPHIC, code_point)


_SPECIAL = {0x0D: _CR, 0x0A: _LF, 0x200D: _ZWJ, 0x200C: _EXTEND, 0x0E33: _SPACING_MARK, 0x0EB3: _SPACING_MARK}


@lru_cache(maxsize=4096)
def _break_property(code_point: int) -> int:
    if code_point in _SPECIAL:
        return _SPECIAL[code_point]
    if _in(_PREPENDS, code_point):
        return _PREPEND
    if 0x1F1E6 <= code_point <= 0x1F1FF:
        return _RI
    if 0x1F3FB <= code_point <= 0x1F3FF or 0xE0020 <= code_point <= 0xE007F or 0xFF9E <= code_point <= 0xFF9F:
        return _EXTEND  # emoji modifiers, emoji tag characters, halfwidth sound marks
    category = unicodedata.category(chr(code_point))
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return _CONTROL
    if category in ("Mn", "Me"):
        return _EXTEND
    if category == "Mc":
        return _OTHER if _in(_NON_SPACING, code_point) else _SPACING_MARK
    if 0xAC00 <= code_point <= 0xD7A3:
        return _LV if (code_point - 0xAC00) % 28 == 0 else _LVT
    if 0x1100 <= code_point <= 0x115F or 0xA960 <= code_point <= 0xA97C:
        return _L
    if 0x1160 <= code_point <= 0x11A7 or 0xD7B0 <= code_point <= 0xD7C6:
        return _V
    if 0x11A8 <= code_point <= 0x11FF or 0xD7CB <= code_point <= 0xD7FB:
        return _T
    return _OTHER


def _joined(before: int, after: int) -> bool | None:
    """GB3-GB9b: whether two neighbours stay in one cluster; None when the answer
    depends on what came earlier (GB9c, GB11, GB12-13)."""
    if before == _CR and after == _LF:
        return True
    if before in (_CONTROL, _CR, _LF) or after in (_CONTROL, _CR, _LF):
        return False
    if (
        (before == _L and after in (_L, _V, _LV, _LVT))
        or (before in (_LV, _V) and after in (_V, _T))
        or (before in (_LVT, _T) and after == _T)
    ):
        return True
    if after in (_EXTEND, _ZWJ, _SPACING_MARK) or before == _PREPEND:
        return True
    return None


def graphemes(text: str) -> list[str]:
    """`text` split into extended grapheme clusters: what a person sees as one character."""
    clusters: list[str] = []
    start = 0
    before = _OTHER
    regional_run = 0  # regional indicators in a row: an odd count pairs with the next one
    pictograph = 0  # 1: pictograph, Extend*; 2: then a ZWJ (GB11)
    conjunct = 0  # 1: consonant, Extend*; 2: then a linker, Extend/linker* (GB9c)
    for index, char in enumerate(text):
        code_point = ord(char)
        after = _break_property(code_point)
        if index:
            joined = _joined(before, after)
            if joined is None:
                joined = (
                    (conjunct == 2 and _in(_CONSONANTS, code_point))
                    or (pictograph == 2 and _is_extended_pictographic(code_point))
                    or (before == _RI and after == _RI and regional_run % 2 == 1)
                )
            if not joined:
                clusters.append(text[start:index])
                start = index
        regional_run = regional_run + 1 if after == _RI else 0
        if _is_extended_pictographic(code_point):
            pictograph = 1
        elif not (pictograph == 1 and after == _EXTEND):
            pictograph = 2 if pictograph == 1 and after == _ZWJ else 0
        if _in(_CONSONANTS, code_point):
            conjunct = 1
        elif conjunct and code_point in _INCB_LINKERS:
            conjunct = 2
        elif not (conjunct and after in (_EXTEND, _ZWJ)):
            conjunct = 0
        before = after
    if text:
        clusters.append(text[start:])
    return clusters
