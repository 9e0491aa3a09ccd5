"""assessments.rules: pure, so plain stand-ins and no database."""

from types import SimpleNamespace

import pytest

from assessments.rules import (
    Missing,
    applicable_keys,
    bank_scope_problems,
    condition_met,
    contradicts,
    evidence_implied_answer,
    is_answered,
    na_allowed,
    na_claim_stands,
    na_problem,
    profile_answer,
    submission_problems,
    with_profile_answers,
)
from assessments.scoring import VendorProfile

WEB_APP_ONLY = "We use the service only through its web application."
NOT_ALLOWED = "“Not applicable” is not allowed for this question: answer yes, partial or no"
NA_WITHOUT_COMMENT = "answered “not applicable” without a comment saying why"


def q(
    key,
    *,
    condition=None,
    required=True,
    answer_type="yes_no",
    section="basics",
    not_applicable="",
    from_profile="",
    evidence_fact=None,
    options=(),
    bands=(),
):
    return SimpleNamespace(
        key=key,
        condition=condition or {},
        required=required,
        answer_type=answer_type,
        text=f"Question {key}?",
        section=SimpleNamespace(key=section),
        not_applicable=not_applicable,
        from_profile=from_profile,
        evidence_fact=evidence_fact,
        options=options,
        bands=bands,
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


def test_yes_needs_no_comment():
    assert submission_problems([q("soc2")], {"soc2": "yes"}, {}) == []


@pytest.mark.parametrize(
    ("allowance", "comment", "reason"),
    [
        (WEB_APP_ONLY, "No API keys are issued to us.", None),
        (WEB_APP_ONLY, "", NA_WITHOUT_COMMENT),
        (WEB_APP_ONLY, "   ", NA_WITHOUT_COMMENT),
        ("", "No API keys are issued to us.", NOT_ALLOWED),
        ("", "", NOT_ALLOWED),
        ("   ", "No API keys are issued to us.", NOT_ALLOWED),
    ],
    ids=[
        "allowed-explained",
        "allowed-no-comment",
        "allowed-blank-comment",
        "not-allowed-explained",
        "not-allowed-no-comment",
        "blank-allowance",
    ],
)
def test_not_applicable_needs_the_banks_allowance_and_a_comment(allowance, comment, reason):
    question = q("api_keys_scoped", not_applicable=allowance)
    answers, comments = {"api_keys_scoped": "not_applicable"}, {"api_keys_scoped": comment}
    problems = submission_problems([question], answers, comments)
    assert reasons(problems) == ({} if reason is None else {"api_keys_scoped": reason})


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


# --- "Not applicable" -------------------------------------------------------------------------


def test_not_applicable_is_allowed_only_where_the_bank_says_when():
    assert na_allowed(q("api_keys_scoped", not_applicable=WEB_APP_ONLY))
    assert not na_allowed(q("soc2"))
    assert not na_allowed(q("soc2", not_applicable="  \n "))


def test_only_a_yes_no_question_can_allow_not_applicable():
    # A stray allowance on another type (the loader refuses it) allows nothing.
    question = q("hosting", answer_type="single_choice", not_applicable=WEB_APP_ONLY)
    assert not na_allowed(question)
    assert na_problem(question, "not_applicable", "Web app only.") == NOT_ALLOWED


@pytest.mark.parametrize(
    ("allowance", "comment", "stands", "problem"),
    [
        (WEB_APP_ONLY, "No API keys are issued to us.", True, ""),
        (WEB_APP_ONLY, " x ", True, ""),
        (WEB_APP_ONLY, "", False, NA_WITHOUT_COMMENT),
        (WEB_APP_ONLY, " \t ", False, NA_WITHOUT_COMMENT),
        (WEB_APP_ONLY, None, False, NA_WITHOUT_COMMENT),
        ("", "No API keys are issued to us.", False, NOT_ALLOWED),
        ("", "", False, NOT_ALLOWED),  # not allowed comes first: a comment would not help
    ],
)
def test_a_not_applicable_claim_stands_only_when_allowed_and_explained(
    allowance, comment, stands, problem
):
    question = q("api_keys_scoped", not_applicable=allowance)
    assert na_claim_stands(question, "not_applicable", comment) is stands
    assert na_problem(question, "not_applicable", comment) == problem


@pytest.mark.parametrize("value", ["yes", "partial", "no", None, ""])
def test_other_answers_are_no_not_applicable_claim(value):
    question = q("api_keys_scoped", not_applicable=WEB_APP_ONLY)
    assert not na_claim_stands(question, value, "Because.")
    assert na_problem(question, value, "") == ""
    assert na_problem(q("soc2"), value, "") == ""


# --- Answers the vendor profile gives -----------------------------------------------------------

PROFILE = VendorProfile(
    data_classes=("confidential",),
    special_categories=("health",),
    autonomy="human_approval",
    integration="plugin",
)


@pytest.mark.parametrize(
    ("source", "answer"),
    [
        ("autonomy", "human_approval"),
        ("integration", "plugin"),
        ("special_categories.health", "processed"),
        ("special_categories.payment_card", "not_processed"),
        ("", None),  # not bound to the profile
        ("criticality", None),  # not a field a scope question may be bound to
    ],
)
def test_the_profile_answers_the_scope_questions_bound_to_it(source, answer):
    question = q("scope", answer_type="single_choice", from_profile=source)
    assert profile_answer(question, PROFILE) == answer


def test_profile_answers_replace_whatever_was_stored_and_nothing_else():
    questions = [
        q("ai_actions", answer_type="single_choice", from_profile="autonomy"),
        q("health_in_scope", answer_type="single_choice", from_profile="special_categories.health"),
        q(
            "card_in_scope",
            answer_type="single_choice",
            from_profile="special_categories.payment_card",
        ),
        q("soc2"),
    ]
    stored = {"ai_actions": "none", "card_in_scope": "processed", "soc2": "yes"}

    merged = with_profile_answers(questions, stored, PROFILE)

    assert merged == {
        "ai_actions": "human_approval",
        "health_in_scope": "processed",  # answered although nothing was stored
        "card_in_scope": "not_processed",  # the stored contradiction is overruled
        "soc2": "yes",
    }
    assert stored == {"ai_actions": "none", "card_in_scope": "processed", "soc2": "yes"}


def test_a_profile_answer_decides_which_follow_ups_apply():
    questions = [
        q("health_in_scope", answer_type="single_choice", from_profile="special_categories.health"),
        q("baa_signed", condition={"question": "health_in_scope", "equals": "processed"}),
    ]
    answers = with_profile_answers(questions, {"health_in_scope": "not_processed"}, PROFILE)
    assert applicable_keys(questions, answers) == {"health_in_scope", "baa_signed"}


# --- Answers against the recorded evidence -------------------------------------------------------

TRAINING_OPTIONS = (
    {"value": "never", "risk": 0.0},
    {"value": "opt_in", "risk": 0.1},
    {"value": "opt_out", "risk": 0.6},
    {"value": "on_no_opt_out", "risk": 1.0},
)
TRAINING_MAP = {
    "never": "never",
    "opt_in": "opt_in",
    "opt_out": "opt_out",
    "on_no_opt_out": "on_no_opt_out",
}
TLS_OPTIONS = (
    {"value": "tls13", "risk": 0.0},
    {"value": "tls12", "risk": 0.1},
    {"value": "tls11_or_older", "risk": 1.0},
)
TLS_MAP = {"1.0": "tls11_or_older", "1.1": "tls11_or_older", "1.2": "tls12", "1.3": "tls13"}
# More is worse: hours until a breach is notified.
BREACH_BANDS = ({"max": 24, "risk": 0.0}, {"max": 72, "risk": 0.5}, {"max": None, "risk": 1.0})
# More is better: days of notice before a new sub-processor, and SLA percent.
NOTICE_BANDS = (
    {"max": 0, "risk": 1.0},
    {"max": 13, "risk": 0.6},
    {"max": 29, "risk": 0.3},
    {"max": None, "risk": 0.0},
)
SLA_BANDS = ({"max": 99.0, "risk": 1.0}, {"max": 99.5, "risk": 0.5}, {"max": None, "risk": 0.0})


def tied(fact, *, answer_type="yes_no", mapping=None, options=(), bands=()):
    spec = {"fact": fact} if mapping is None else {"fact": fact, "map": mapping}
    return q(fact, answer_type=answer_type, evidence_fact=spec, options=options, bands=bands)


def training_default():
    return tied(
        "training_default",
        answer_type="single_choice",
        mapping=TRAINING_MAP,
        options=TRAINING_OPTIONS,
    )


@pytest.mark.parametrize(
    ("question", "facts", "implied"),
    [
        (q("soc2"), {"encryption_at_rest": False}, None),  # not tied to a fact
        (tied("encryption_at_rest"), None, None),  # no evidence on record
        (tied("encryption_at_rest"), {}, None),
        (tied("encryption_at_rest"), {"encryption_at_rest": None}, None),  # not recorded
        (tied("encryption_at_rest"), {"encryption_at_rest": ""}, None),
        (tied("encryption_at_rest"), {"min_tls_version": "1.0"}, None),  # another fact
        (tied("encryption_at_rest"), {"encryption_at_rest": True}, "yes"),
        (tied("encryption_at_rest"), {"encryption_at_rest": False}, "no"),
        (tied("covers_ai", mapping={"false": "partial"}), {"covers_ai": False}, "partial"),
        (tied("covers_ai", mapping={"false": "partial"}), {"covers_ai": True}, "yes"),
        (tied("staff_access", mapping={"standing": "no", "logged": "partial"}),
         {"staff_access": "logged"}, "partial"),
        (tied("staff_access", mapping={"standing": "no"}), {"staff_access": "other"}, None),
        (training_default(), {"training_default": "on_no_opt_out"}, "on_no_opt_out"),
        (tied("min_tls_version", answer_type="single_choice", mapping=TLS_MAP),
         {"min_tls_version": "1.2"}, "tls12"),
        (tied("min_tls_version", answer_type="single_choice", mapping=TLS_MAP),
         {"min_tls_version": 1.0}, "tls11_or_older"),  # a number is looked up as text
        (tied("breach_notification_hours", answer_type="number", bands=BREACH_BANDS),
         {"breach_notification_hours": 168}, 168),  # a number reads as itself
        (tied("breach_notification_hours", answer_type="number", bands=BREACH_BANDS),
         {"breach_notification_hours": 0}, 0),  # zero is recorded, not blank
    ],
)  # fmt: skip
def test_the_answer_the_evidence_implies(question, facts, implied):
    assert evidence_implied_answer(question, facts) == implied


@pytest.mark.parametrize(
    ("question", "answer", "recorded", "contradiction"),
    [
        # Boolean facts read as yes / no.
        (tied("encryption_at_rest"), "yes", "no", True),
        (tied("encryption_at_rest"), "partial", "no", True),
        (tied("encryption_at_rest"), "yes", "partial", True),
        (tied("encryption_at_rest"), "no", "no", False),
        (tied("encryption_at_rest"), "no", "yes", False),  # worse than the record: no threat
        (tied("encryption_at_rest"), "partial", "yes", False),
        (tied("encryption_at_rest"), "not_applicable", "yes", True),  # the record says it applies
        (tied("encryption_at_rest"), None, "no", False),  # unanswered: nothing claimed
        (tied("encryption_at_rest"), "", "no", False),
        (tied("encryption_at_rest"), "yes", None, False),  # nothing on record
        # Mapped choices compare by the risk of the options.
        (training_default(), "never", "on_no_opt_out", True),
        (training_default(), "opt_in", "opt_out", True),
        (training_default(), "opt_out", "opt_out", False),
        (training_default(), "on_no_opt_out", "opt_out", False),
        (training_default(), ["never"], "opt_out", True),  # as a list, as stored
        # More is worse (breach notice hours): a shorter promise than the record's band claims
        # better; another number in the same band does not.
        (tied("hours", answer_type="number", bands=BREACH_BANDS), 24, 25, True),
        (tied("hours", answer_type="number", bands=BREACH_BANDS), 24, 72, True),
        (tied("hours", answer_type="number", bands=BREACH_BANDS), 48, 72, False),
        (tied("hours", answer_type="number", bands=BREACH_BANDS), 72, 73, True),
        (tied("hours", answer_type="number", bands=BREACH_BANDS), 100, 72, False),
        (tied("hours", answer_type="number", bands=BREACH_BANDS), "24", 168, True),  # as text
        # More is better (sub-processor notice days, SLA percent): a higher figure claims better.
        (tied("days", answer_type="number", bands=NOTICE_BANDS), 30, 29, True),
        (tied("days", answer_type="number", bands=NOTICE_BANDS), 29, 30, False),
        (tied("days", answer_type="number", bands=NOTICE_BANDS), 14, 20, False),
        (tied("days", answer_type="number", bands=NOTICE_BANDS), 1, 0, True),
        (tied("days", answer_type="number", bands=NOTICE_BANDS), 0, 30, False),
        (tied("sla", answer_type="number", bands=SLA_BANDS), 99.9, 99.5, True),
        (tied("sla", answer_type="number", bands=SLA_BANDS), 99.5, 99.1, False),
        (tied("sla", answer_type="number", bands=SLA_BANDS), 99.0, 99.9, False),
    ],
)  # fmt: skip
def test_an_answer_contradicts_the_evidence_only_when_it_claims_better(
    question, answer, recorded, contradiction
):
    assert contradicts(question, answer, recorded) is contradiction


# --- Which profiles a bank may assess ----------------------------------------------------------

LITE_SCOPE = {"max_data_class": "internal", "special_categories": [], "autonomy": ["none"]}
LABELS = {
    "internal": "Internal",
    "confidential": "Confidential",
    "restricted": "Restricted",
    "health": "Health data",
    "payment_card": "Payment card data",
    "autonomous_broad": "Autonomously, with broad permissions",
}


def scope_profile(data_classes=("internal",), special_categories=(), autonomy="none"):
    return SimpleNamespace(
        data_classes=data_classes, special_categories=special_categories, autonomy=autonomy
    )


@pytest.mark.parametrize("scope", [None, {}])
def test_a_bank_without_a_scope_may_assess_any_profile(scope):
    profile = scope_profile(("restricted",), ("health",), "autonomous_broad")
    assert bank_scope_problems(scope, profile, LABELS) == []


@pytest.mark.parametrize("data_classes", [(), ("public",), ("internal",), ("public", "internal")])
def test_the_lite_bank_covers_data_up_to_internal(data_classes):
    assert bank_scope_problems(LITE_SCOPE, scope_profile(data_classes), LABELS) == []


def test_data_above_the_banks_ceiling_is_refused_with_the_classes_named():
    profile = scope_profile(("internal", "confidential", "restricted"))
    assert bank_scope_problems(LITE_SCOPE, profile, LABELS) == [
        "it covers data up to Internal; the vendor would receive Confidential, Restricted data"
    ]


def test_a_special_category_the_bank_does_not_ask_about_is_refused():
    profile = scope_profile(special_categories=("health", "payment_card"))
    assert bank_scope_problems(LITE_SCOPE, profile, LABELS) == [
        "it does not ask about health data, payment card data"
    ]


def test_a_bank_may_allow_some_special_categories():
    scope = {"special_categories": ["personal"]}
    assert bank_scope_problems(scope, scope_profile(special_categories=("personal",))) == []
    assert bank_scope_problems(scope, scope_profile(special_categories=("personal", "health"))) == [
        "it does not ask about health"  # without labels, the code
    ]


def test_autonomy_the_bank_does_not_cover_is_refused():
    profile = scope_profile(autonomy="autonomous_broad")
    assert bank_scope_problems(LITE_SCOPE, profile, LABELS) == [
        "it does not cover what the AI may do on our systems "
        "(“Autonomously, with broad permissions”)"
    ]


def test_every_reason_a_bank_cannot_assess_a_profile_is_given_in_order():
    profile = scope_profile(("restricted",), ("health",), "autonomous_broad")
    assert bank_scope_problems(LITE_SCOPE, profile, LABELS) == [
        "it covers data up to Internal; the vendor would receive Restricted data",
        "it does not ask about health data",
        "it does not cover what the AI may do on our systems "
        "(“Autonomously, with broad permissions”)",
    ]


# --- Submission with contradictions -------------------------------------------------------------

CONTRADICTION = "the training evidence says “Yes by default, with no opt-out”"
CONTRADICTION_REASON = (
    f"contradicts the recorded evidence ({CONTRADICTION}): change the answer, update the "
    "evidence, or explain in the comment"
)


def test_a_contradicted_answer_without_a_comment_stops_submission():
    question = q("training_default", answer_type="single_choice")
    problems = submission_problems(
        [question],
        {"training_default": "never"},
        {},
        contradictions={"training_default": CONTRADICTION},
    )
    assert problems == [
        Missing("training_default", "basics", "Question training_default?", CONTRADICTION_REASON)
    ]


@pytest.mark.parametrize(("comment", "stops"), [("", True), ("  ", True), ("New DPA, May.", False)])
def test_a_comment_justifies_a_contradiction(comment, stops):
    question = q("training_default", answer_type="single_choice")
    problems = submission_problems(
        [question],
        {"training_default": "never"},
        {"training_default": comment},
        contradictions={"training_default": CONTRADICTION},
    )
    assert bool(problems) is stops


def test_a_contradiction_on_a_hidden_question_does_not_stop_submission():
    questions = [
        q("training_default", answer_type="single_choice"),
        q("setting_enforced", condition={"question": "training_default", "equals": "opt_out"}),
    ]
    problems = submission_problems(
        questions,
        {"training_default": "never", "setting_enforced": "yes"},
        {},
        contradictions={"setting_enforced": "the record says no"},
    )
    assert problems == []


def test_the_first_problem_of_an_answer_is_the_one_reported():
    questions = [q("unanswered"), q("na_refused"), q("no_without_comment")]
    contradictions = dict.fromkeys(
        ("unanswered", "na_refused", "no_without_comment"), "the record says otherwise"
    )
    problems = submission_problems(
        questions,
        {"na_refused": "not_applicable", "no_without_comment": "no"},
        {},
        contradictions=contradictions,
    )
    assert reasons(problems) == {
        "unanswered": "not answered",
        "na_refused": NOT_ALLOWED,
        "no_without_comment": "answered “no” without a comment saying why",
    }


def test_an_explained_contradiction_still_needs_confirming_when_carried_forward():
    question = q("training_default", answer_type="single_choice")
    problems = submission_problems(
        [question],
        {"training_default": "never"},
        {"training_default": "New terms in May."},
        unconfirmed=frozenset({"training_default"}),
        contradictions={"training_default": CONTRADICTION},
    )
    assert reasons(problems) == {
        "training_default": "carried forward from the last assessment; confirm or change it"
    }
