"""advocacy.lib.originality: how much of a caption is the employee's own words (pure
functions, no database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocacy.lib.originality import (
    MESSAGE_CLOSE_TO_COLLEAGUE,
    MESSAGE_CLOSE_TO_SUGGESTION,
    MESSAGE_COPY,
    MESSAGE_OWN_WORDS,
    PERMUTATIONS,
    Match,
    OriginalityReport,
    assess,
    best_match,
    normalise,
    signature,
    similarity,
)

DISCLOSURE = "#IWorkForAcme"
SUGGESTED = (
    "Our new field guide walks through five ways teams cut onboarding time in half, "
    "with checklists you can copy tomorrow."
)
COLLEAGUE = (
    "Spent the morning with our new field guide. The checklist on shadowing customers in week one "
    "is the part I wish I had when I started here."
)
LONG = (
    "Really proud of what our people team put together here. Onboarding used to take us two months, and the new "
    "field guide lays out exactly how we got it down to three weeks. If you run a team, the section on first-week "
    "checklists is worth ten minutes of your time."
)
OWN = (
    "When I joined I spent three weeks just finding the right people to ask. "
    "This guide would have saved me most of that, especially the buddy system."
)


def sim(first: str, second: str, ignore: tuple[str, ...] = ()) -> float:
    return similarity(signature(first, ignore=ignore), signature(second, ignore=ignore))


def report(
    text: str, *, suggested: tuple[str, ...] = (SUGGESTED,), colleagues: tuple[str, ...] = ()
) -> OriginalityReport:
    return assess(
        text,
        suggested=suggested,
        colleagues=[(f"share-{index}", signature(post)) for index, post in enumerate(colleagues)],
        warn=0.7,
        block=0.9,
        ignore=(DISCLOSURE,),
    )


# normalise ------------------------------------------------------------------------------


def test_links_are_not_words_with_or_without_a_scheme() -> None:
    text = "Read it at https://acme.com/guide?utm=1 or acme.io/guide, then tell me."
    assert normalise(text) == "read it at or then tell me"


def test_hashtags_and_mentions_count_as_plain_words() -> None:
    assert normalise("Thanks @Jane for the #FieldGuide!") == "thanks jane for the fieldguide"


def test_case_width_and_punctuation_do_not_matter() -> None:
    assert normalise("ＧＲＥＡＴ   news!!! — really…") == normalise("great news, really") == "great news really"


def test_a_contraction_stays_one_word() -> None:
    assert normalise("Don’t miss it, we're live") == "dont miss it were live"


def test_emoji_separate_words_and_are_not_words() -> None:
    assert normalise("Launch day🚀🎉so proud") == "launch day so proud"


def test_the_disclosure_is_removed_wherever_it_is() -> None:
    text = "#iworkforacme Proud of this launch. #IWorkForAcme"
    assert normalise(text, ignore=("#iworkforacme",)) == "proud of this launch"


def test_a_disclosure_of_several_words_is_removed_as_a_phrase_only() -> None:
    ignore = ("Disclosure: I work at Acme.",)
    assert normalise("I work at home. disclosure i work at acme", ignore=ignore) == "i work at home"


def test_text_without_spaces_between_words_is_split_into_characters() -> None:
    assert normalise("新製品を発表") == "新 製 品 を 発 表"


# signature and similarity ---------------------------------------------------------------


def test_a_signature_has_a_fixed_number_of_slots_and_survives_json() -> None:
    sig = signature(OWN)
    assert len(sig) == PERMUTATIONS
    assert tuple(json.loads(json.dumps(list(sig)))) == sig


def test_a_signature_is_the_same_in_another_process() -> None:
    root = Path(__file__).resolve().parents[2]
    code = f"import json; from advocacy.lib.originality import signature; print(json.dumps(signature({OWN!r})))"
    outputs = set()
    for seed in ("1", "2"):
        # Python salts str hashes per process; a different seed must not change the signature.
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=environment, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout.strip())
    assert outputs == {json.dumps(list(signature(OWN)))}


def test_a_caption_with_no_words_has_an_empty_signature_similar_to_nothing() -> None:
    empty = signature("https://acme.com #iworkforacme", ignore=("#iworkforacme",))
    assert empty == ()
    assert similarity(empty, empty) == 0.0
    assert similarity(empty, signature(OWN)) == 0.0


def test_the_same_caption_with_the_disclosure_appended_is_identical() -> None:
    assert sim(OWN, f"{OWN}\n\n{DISCLOSURE}", ignore=(DISCLOSURE,)) == 1.0


def test_a_different_link_does_not_make_a_caption_original() -> None:
    assert sim(f"{OWN} https://acme.com/s/AbC123", f"{OWN} https://acme.com/s/XyZ789") == 1.0


def test_different_captions_about_the_same_item_are_far_apart() -> None:
    assert sim(OWN, COLLEAGUE) < 0.15
    assert sim(OWN, SUGGESTED) < 0.15


def test_a_caption_with_one_word_changed_is_still_close() -> None:
    assert sim(LONG, LONG.replace("exactly", "precisely")) > 0.8


def test_every_changed_word_costs_the_three_shingles_it_is_in() -> None:
    one = sim(LONG, LONG.replace("Really", "Very"))
    two = sim(LONG, LONG.replace("Really", "Very").replace("exactly", "precisely"))
    four = sim(LONG, LONG.replace("Really", "Very").replace("exactly", "precisely").replace("months", "quarters"))
    assert one > two > four > 0.5


def test_two_short_captions_that_differ_by_one_word_share_something() -> None:
    assert 0.15 < sim("Proud of my team", "Proud of our team") < 1.0
    assert 0.15 < sim("Great news from Acme", "Great news from Initech") < 1.0
    assert sim("Proud of my team", "Great news from Initech") == 0.0


def test_a_short_caption_and_the_same_with_a_word_added_are_still_compared() -> None:
    assert sim("Proud of our team today", "So proud of our team today") > 0.3


def test_signatures_of_different_lengths_compare_over_the_slots_they_share() -> None:
    sig = signature(OWN)
    assert similarity(sig, sig[:64]) == 1.0
    assert similarity(signature(SUGGESTED)[:64], sig) == similarity(signature(SUGGESTED)[:64], sig[:64])


# best_match -----------------------------------------------------------------------------


def test_the_most_similar_colleague_is_found() -> None:
    candidates = [("a", signature(COLLEAGUE)), ("b", signature(SUGGESTED)), ("c", signature(OWN))]
    match = best_match(signature(SUGGESTED.replace("half", "two")), candidates)
    assert match is not None and match.key == "b"
    assert match.similarity == similarity(signature(SUGGESTED.replace("half", "two")), signature(SUGGESTED))


def test_nothing_matches_without_candidates_or_without_words() -> None:
    assert best_match(signature(OWN), []) is None
    assert best_match((), [("a", signature(OWN))]) is None
    assert best_match(signature(OWN), [("a", ()), ("b", signature("Completely unrelated words here"))]) is None


def test_of_equally_similar_colleagues_the_first_is_named() -> None:
    sig = signature(OWN)
    assert best_match(sig, [("first", sig), ("second", sig)]) == Match(key="first", similarity=1.0)


def test_a_skipped_candidate_is_passed_over() -> None:
    copy, close = signature(OWN), signature(OWN.replace("buddy", "mentor"))
    match = best_match(copy, [("copy", copy), ("close", close)], skip=lambda candidate: candidate == copy)
    assert match is not None and match.key == "close"


def test_best_match_agrees_with_similarity_on_many_candidates() -> None:
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    texts = [" ".join(words[(index * 7 + step) % 10] for step in range(12)) for index in range(60)]
    candidates = [(index, signature(text)) for index, text in enumerate(texts)]
    sig = signature(" ".join(words))
    expected = max(similarity(sig, candidate) for _, candidate in candidates)
    match = best_match(sig, candidates)
    assert match is not None and match.similarity == expected
    assert match.key == next(key for key, candidate in candidates if similarity(sig, candidate) == expected)


# assess ---------------------------------------------------------------------------------


def test_a_caption_in_the_employees_own_words_scores_high() -> None:
    result = report(OWN, colleagues=(COLLEAGUE,))
    assert result.level == "own_words"
    assert result.message == MESSAGE_OWN_WORDS
    assert result.score > 0.85
    assert not result.refused


def test_the_suggested_caption_word_for_word_is_allowed_with_a_warning() -> None:
    result = report(f"{SUGGESTED} #IWorkForAcme")
    assert result.level == "close"
    assert result.message == MESSAGE_CLOSE_TO_SUGGESTION
    assert result.closest_suggestion == 1.0
    assert result.score == 0.0
    assert not result.refused


def test_a_caption_copied_from_a_colleague_is_refused() -> None:
    pasted = f"{COLLEAGUE.upper()} https://acme.com/s/Mine123 #IWorkForAcme"
    result = report(pasted, colleagues=(OWN, COLLEAGUE))
    assert result.level == "copy"
    assert result.message == MESSAGE_COPY
    assert result.closest_colleague_key == "share-1"
    assert result.refused


def test_a_colleagues_post_with_a_few_words_changed_is_warned_not_refused() -> None:
    rewritten = LONG.replace("Really", "Very").replace("exactly", "precisely")
    result = report(rewritten, colleagues=(LONG,))
    assert 0.7 <= result.closest_colleague < 0.9
    assert result.level == "close"
    assert result.message == MESSAGE_CLOSE_TO_COLLEAGUE


def test_two_employees_who_both_took_the_suggested_caption_have_not_copied_each_other() -> None:
    result = report(SUGGESTED, colleagues=(f"{SUGGESTED} #IWorkForAcme",))
    assert result.level == "close"
    assert result.message == MESSAGE_CLOSE_TO_SUGGESTION


def test_copying_what_a_colleague_added_to_the_suggestion_is_refused() -> None:
    colleague = f"{SUGGESTED} I tried the buddy checklist with our last two hires and they were shipping in week two."
    result = report(colleague, colleagues=(colleague,))
    assert result.level == "copy"


def test_the_score_is_one_minus_the_closest_match() -> None:
    near = SUGGESTED.replace("tomorrow", "today")
    result = report(OWN, suggested=(near,), colleagues=(COLLEAGUE,))
    assert result.score == pytest.approx(1 - max(result.closest_suggestion, result.closest_colleague))


def test_a_caption_with_no_words_is_not_called_a_copy() -> None:
    result = report("https://acme.com #IWorkForAcme", colleagues=(COLLEAGUE,))
    assert result.level == "own_words"
    assert result.score == 1.0
    assert result.message == "Write a few words of your own"


def test_thresholds_given_as_percents_are_refused() -> None:
    with pytest.raises(ValueError, match="fraction"):
        assess(OWN, suggested=(), colleagues=(), warn=70, block=90)


# Properties -----------------------------------------------------------------------------

word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéßø", min_size=1, max_size=8)
caption = st.lists(word, min_size=1, max_size=40).map(" ".join)
messy_caption = st.text(max_size=200)


@settings(max_examples=200, deadline=None)
@given(messy_caption, messy_caption)
def test_similarity_is_symmetric_and_between_zero_and_one(first: str, second: str) -> None:
    forward, backward = sim(first, second), sim(second, first)
    assert forward == backward
    assert 0.0 <= forward <= 1.0


@settings(max_examples=100, deadline=None)
@given(caption)
def test_a_caption_is_identical_to_itself(text: str) -> None:
    assert sim(text, text) == 1.0


@settings(max_examples=100, deadline=None)
@given(caption, st.sampled_from(["#IWorkForAcme", "#ad", "Disclosure: I work at Acme"]))
def test_a_caption_with_the_disclosure_appended_is_identical_when_it_is_ignored(text: str, disclosure: str) -> None:
    assert sim(text, f"{text}\n\n{disclosure}", ignore=(disclosure,)) == 1.0


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghijklm", min_size=2, max_size=8), min_size=3, max_size=30),
    st.lists(st.text(alphabet="nopqrstuvwxyz", min_size=2, max_size=8), min_size=3, max_size=30),
)
def test_captions_without_a_word_in_common_are_not_similar(first: list[str], second: list[str]) -> None:
    assert sim(" ".join(first), " ".join(second)) < 0.05
