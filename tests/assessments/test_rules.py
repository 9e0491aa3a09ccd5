"""assessments.rules: pure, so plain stand-ins and no database."""

from types import SimpleNamespace

import pytest

from assessments.rules import (
    Missing,
    applicable_keys,
    condition_met,
    is_answered,
    submission_problems,
)


def q(key, *, condition=None, required=True, answer_type="yes_no", section="basics"):
    return SimpleNamespace(
        key=key,
        condition=condition or {},
        required=required,
        answer_type=answer_type,
        text=f"Question {key}?",
        section=SimpleNamespace(key=section),
    )


def reasons(problems):
    return {p.question_key: p.reason for p in problems}


# --- Conditions -----------------------------------------------------------------------------


def test_no_condition_is_always_met():
    assert condition_met({}, {})


@pytest.mark.parametrize(
    ("answer", "met"), [("yes", True), ("no", False), (None, False), ("", False)]
)
def test_equals_holds_only_for_that_answer(answer, met):
    condition = {"question": "uses_ai", "equals": "yes"}
    assert condition_met(condition, {"uses_ai": answer}) is met


def test_an_unanswered_parent_does_not_meet_an_equals_condition():
    assert not condition_met({"question": "uses_ai", "equals": "yes"}, {})


@pytest.mark.parametrize(
    ("answer", "met"), [("yes", True), ("partial", True), ("no", False), (None, False)]
)
def test_in_holds_for_any_listed_answer(answer, met):
    condition = {"question": "uses_ai", "in": ["yes", "partial"]}
    assert condition_met(condition, {"uses_ai": answer}) is met


@pytest.mark.parametrize(
    ("answer", "met"),
    [(["us"], True), (["eu", "us"], True), (["eu"], False), ([], False)],
)
def test_a_multiple_choice_answer_meets_a_condition_when_any_value_matches(answer, met):
    condition = {"question": "regions", "in": ["us", "apac"]}
    assert condition_met(condition, {"regions": answer}) is met


def test_a_multiple_choice_answer_meets_equals_when_it_contains_the_value():
    condition = {"question": "regions", "equals": "us"}
    assert condition_met(condition, {"regions": ["eu", "us"]})


def test_numbers_are_compared_as_text():
    assert condition_met({"question": "tier", "in": [1, 2]}, {"tier": "2"})


def test_questions_without_conditions_always_apply():
    assert applicable_keys([q("a"), q("b")], {}) == {"a", "b"}


def test_a_dependant_applies_only_when_its_condition_is_met():
    questions = [q("parent"), q("child", condition={"question": "parent", "equals": "yes"})]
    assert applicable_keys(questions, {"parent": "yes"}) == {"parent", "child"}
    assert applicable_keys(questions, {"parent": "no"}) == {"parent"}
    assert applicable_keys(questions, {}) == {"parent"}


def test_a_hidden_parent_hides_its_dependants_even_with_a_stale_answer():
    questions = [
        q("uses_ai"),
        q("trains_on_data", condition={"question": "uses_ai", "equals": "yes"}),
        q("opt_out", condition={"question": "trains_on_data", "equals": "yes"}),
    ]
    # trains_on_data was answered "yes" before uses_ai changed to "no".
    answers = {"uses_ai": "no", "trains_on_data": "yes"}
    assert applicable_keys(questions, answers) == {"uses_ai"}


@pytest.mark.parametrize(
    ("value", "answered"),
    [(None, False), ("", False), ([], False), ("no", True), (0, True), (["eu"], True)],
)
def test_what_counts_as_answered(value, answered):
    assert is_answered(value) is answered


# --- What stops submission ------------------------------------------------------------------


def test_a_required_unanswered_question_stops_submission():
    problems = submission_problems([q("soc2", section="certs")], {}, {})
    assert problems == [Missing("soc2", "certs", "Question soc2?", "not answered")]


def test_a_question_that_is_not_required_may_stay_unanswered():
    assert submission_problems([q("notes", required=False, answer_type="text")], {}, {}) == []


@pytest.mark.parametrize("value", ["no", "partial"])
def test_no_or_partial_needs_a_comment(value):
    problems = submission_problems([q("soc2")], {"soc2": value}, {"soc2": "  "})
    assert reasons(problems) == {"soc2": f"answered “{value}” without a comment saying why"}


@pytest.mark.parametrize("value", ["no", "partial"])
def test_no_or_partial_with_a_comment_is_fine(value):
    assert submission_problems([q("soc2")], {"soc2": value}, {"soc2": "Report due in May."}) == []


@pytest.mark.parametrize("value", ["yes", "not_applicable"])
def test_yes_and_not_applicable_need_no_comment(value):
    assert submission_problems([q("soc2")], {"soc2": value}, {}) == []


def test_a_choice_answer_of_no_needs_no_comment():
    # "No" to "Does the vendor use sub-processors?" is an answer, not a shortfall.
    question = q("uses_subprocessors", answer_type="single_choice")
    assert submission_problems([question], {"uses_subprocessors": "no"}, {}) == []


def test_a_multiple_choice_answer_is_checked_without_error():
    question = q("hosting", answer_type="multiple_choice", required=False)
    assert submission_problems([question], {"hosting": ["eu", "us"]}, {}) == []


def test_an_unconfirmed_carried_forward_answer_stops_submission():
    problems = submission_problems(
        [q("soc2"), q("pentest")],
        {"soc2": "yes", "pentest": "yes"},
        {},
        unconfirmed=frozenset({"soc2"}),
    )
    assert reasons(problems) == {
        "soc2": "carried forward from the last assessment; confirm or change it"
    }


def test_hidden_questions_are_ignored():
    questions = [
        q("uses_subprocessors"),
        q("list_disclosed", condition={"question": "uses_subprocessors", "equals": "yes"}),
        q("dpa_flowdown", condition={"question": "list_disclosed", "equals": "yes"}),
    ]
    answers = {"uses_subprocessors": "no", "list_disclosed": "no"}
    problems = submission_problems(
        questions, answers, {"uses_subprocessors": "None used."}, frozenset({"list_disclosed"})
    )
    assert problems == []


def test_a_shown_dependant_is_checked_like_any_question():
    questions = [
        q("uses_subprocessors"),
        q("list_disclosed", condition={"question": "uses_subprocessors", "equals": "yes"}),
    ]
    problems = submission_problems(questions, {"uses_subprocessors": "yes"}, {})
    assert reasons(problems) == {"list_disclosed": "not answered"}


def test_problems_come_in_bank_order_with_their_section():
    questions = [q("a", section="one"), q("b", section="two"), q("c", section="two")]
    problems = submission_problems(questions, {"b": "no"}, {})
    assert [(p.question_key, p.section_key) for p in problems] == [
        ("a", "one"), ("b", "two"), ("c", "two"),
    ]  # fmt: skip
