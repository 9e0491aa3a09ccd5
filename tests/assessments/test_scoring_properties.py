"""Property tests of assessments.scoring (pure: no database).

Hypothesis builds random question banks (every answer type, weights 1-5, evidence expected on
some questions, follow-up questions that obey the loader's monotone rule), random answers
(unanswered and "not applicable" included), random evidence statuses and random vendor
profiles, and checks the promises of docs/scoring.md: the score stays in range, a worse answer
never lowers the residual risk, evidence never raises it, "not applicable" never counts against
a vendor, the result is deterministic, every shortfall becomes a finding, and the tier and the
reassessment date follow the documented tables.
"""

import copy
import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.loader import _check_condition_is_monotone
from assessments.scoring import AnswerSpec, QuestionSpec, VendorProfile

TODAY = dt.date(2025, 6, 2)
EVIDENCE_KINDS = ("soc2", "dpa", "training", "retention", "encryption")
EVIDENCE_STATUSES = ("current", "expiring", "expired", "missing")
DOMAINS = ("certifications", "dpa_legal", "training_use", "ai_threats")
YES_NO_ORDER = ["yes", "partial", "no", None]  # best to worst; None is unanswered
YES_NO_RISK = {"yes": 0.0, "partial": 0.5, "no": 1.0}
CHOICE_TYPES = ("single_choice", "multiple_choice")

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- Strategies -------------------------------------------------------------------------------

risks = st.one_of(
    st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 1.0]),  # ties and the bounds, often
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)


def answer_risks(question: QuestionSpec) -> dict[str, float]:
    """Risk of each answer a condition may test (the loader's view of a parent question)."""
    if question.answer_type == "yes_no":
        return dict(YES_NO_RISK)
    return {o["value"]: float(o["risk"]) for o in question.options}


@st.composite
def conditions(draw, earlier: list[QuestionSpec]):
    """A condition on an earlier yes/no or choice question that keeps the group monotone:
    it opens on every answer at least as risky as a threshold, except that answers with
    risk 1 (which earn nothing anyway) may stay closed."""
    parents = [q for q in earlier if q.answer_type == "yes_no" or q.answer_type in CHOICE_TYPES]
    if not parents or not draw(st.booleans()):
        return None
    parent = draw(st.sampled_from(parents))
    by_answer = answer_risks(parent)
    threshold = draw(st.sampled_from(sorted(set(by_answer.values()))))
    triggers = [v for v, r in by_answer.items() if r >= threshold]
    closed_worst = [v for v in triggers if by_answer[v] == 1.0 and draw(st.booleans())]
    triggers = [v for v in triggers if v not in closed_worst] or triggers
    if parent.answer_type == "yes_no" and draw(st.booleans()):
        triggers.append("not_applicable")
    return {"question": parent.key, "in": triggers}


@st.composite
def questions(draw, index: int, earlier: list[QuestionSpec]) -> QuestionSpec:
    answer_type = draw(
        st.sampled_from(["yes_no", "yes_no", "single_choice", "multiple_choice", "number",
                         "text", "date"])
    )  # fmt: skip
    options: tuple = ()
    bands: tuple = ()
    if answer_type in CHOICE_TYPES:
        count = draw(st.integers(min_value=2, max_value=4))
        options = tuple({"value": f"o{n}", "risk": draw(risks)} for n in range(count))
    elif answer_type == "number":
        bounds = draw(
            st.lists(st.integers(min_value=0, max_value=400), min_size=0, max_size=3, unique=True)
        )
        bands = tuple({"max": b, "risk": draw(risks)} for b in sorted(bounds))
        bands += ({"max": None, "risk": draw(risks)},)
    evidence = ""
    if draw(st.booleans()):  # informational questions may expect evidence too (a date, a file)
        evidence = draw(st.sampled_from(EVIDENCE_KINDS))
    blockers: tuple = ()
    if answer_type == "yes_no" and draw(st.booleans()):
        blockers = (
            {"when": {"in": ["no"]}, "forbids": ["confidential", "restricted"], "reason": "B."},
        )
    return QuestionSpec(
        key=f"q{index}",
        text=f"Question {index}?",
        domain=draw(st.sampled_from(DOMAINS)),
        answer_type=answer_type,
        weight=draw(st.integers(min_value=1, max_value=5)),
        options=options,
        bands=bands,
        condition=draw(conditions(earlier)),
        evidence_expected=evidence,
        blockers=blockers,
        remediation=f"Fix {index}.",
    )


@st.composite
def banks(draw) -> tuple[QuestionSpec, ...]:
    count = draw(st.integers(min_value=1, max_value=12))
    bank: list[QuestionSpec] = []
    for index in range(count):
        bank.append(draw(questions(index, bank)))
    return tuple(bank)


def answer_values(question: QuestionSpec):
    unanswered = st.sampled_from([None, ""])
    if question.answer_type == "yes_no":
        return st.one_of(st.sampled_from(["yes", "partial", "no", "not_applicable"]), unanswered)
    values = [o["value"] for o in question.options]
    if question.answer_type == "single_choice":
        return st.one_of(st.sampled_from(values), unanswered)
    if question.answer_type == "multiple_choice":
        chosen = st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)
        return st.one_of(chosen, unanswered, st.just([]))
    if question.answer_type == "number":
        return st.one_of(
            st.integers(min_value=0, max_value=500),
            st.floats(min_value=0, max_value=500, allow_nan=False),
            unanswered,
        )
    if question.answer_type == "date":
        return st.one_of(st.just("2025-01-31"), unanswered)
    return st.one_of(st.just("Acme Models Ltd."), unanswered)


@st.composite
def profiles(draw) -> VendorProfile:
    return VendorProfile(
        data_classes=tuple(
            draw(st.lists(st.sampled_from(scoring.DATA_CLASS_ORDER), max_size=4, unique=True))
        ),
        special_categories=tuple(
            draw(st.lists(st.sampled_from(list(scoring.SPECIAL_CATEGORY_POINTS)), unique=True))
        ),
        criticality=draw(st.sampled_from(list(scoring.CRITICALITY_POINTS))),
        autonomy=draw(st.sampled_from(list(scoring.AUTONOMY_POINTS))),
        integration=draw(st.sampled_from(list(scoring.INTEGRATION_POINTS))),
    )


@st.composite
def scenarios(draw):
    """(profile, bank, answers, evidence): one assessment to score."""
    bank = draw(banks())
    answers = {}
    for question in bank:
        if draw(st.integers(min_value=0, max_value=5)):  # sometimes no answer row at all
            answers[question.key] = AnswerSpec(draw(answer_values(question)))
    evidence = {
        kind: draw(st.sampled_from(EVIDENCE_STATUSES))
        for kind in EVIDENCE_KINDS
        if draw(st.booleans())  # an absent kind counts as missing
    }
    return draw(profiles()), bank, answers, evidence


def run(profile, bank, answers, evidence) -> scoring.ScoreResult:
    return scoring.score(profile, bank, answers, evidence, TODAY)


# --- Helpers: a second, independent reading of the rules ----------------------------------------


def value_of(answers, key):
    return answers.get(key, AnswerSpec()).value


def blank(value) -> bool:
    return value is None or value == "" or value == []


def risk_of(question: QuestionSpec, value) -> float:
    """Risk of an answer by the documented rules (not applicable excluded by callers)."""
    if blank(value):
        return 1.0
    if question.answer_type == "yes_no":
        return YES_NO_RISK[value]
    if question.answer_type in CHOICE_TYPES:
        chosen = value if isinstance(value, list) else [value]
        return max(o["risk"] for o in question.options if o["value"] in chosen)
    if question.answer_type == "number":
        for band in question.bands:
            if band["max"] is None or value <= band["max"]:
                return band["risk"]
    return 0.0


def applicable_keys(bank, answers) -> set[str]:
    applicable: set[str] = set()
    for question in bank:
        condition = question.condition
        if condition is None:
            applicable.add(question.key)
            continue
        value = value_of(answers, condition["question"])
        given = value if isinstance(value, list) else [value]
        if condition["question"] in applicable and any(
            v in condition["in"] for v in given if not blank(v)
        ):
            applicable.add(question.key)
    return applicable


def is_control(question: QuestionSpec, bank) -> bool:
    if any(q.condition and q.condition["question"] == question.key for q in bank):
        return True
    if question.answer_type == "yes_no":
        return True
    if question.answer_type in CHOICE_TYPES:
        return any(o["risk"] > 0 for o in question.options)
    if question.answer_type == "number":
        return any(b["risk"] > 0 for b in question.bands)
    return False


def band_values(question: QuestionSpec) -> list[tuple[float, float]]:
    """One value inside each band, with the band's risk."""
    values, previous = [], None
    for band in question.bands:
        if band["max"] is None:
            values.append(((previous if previous is not None else 0) + 1, band["risk"]))
        else:
            values.append((band["max"], band["risk"]))
            previous = band["max"]
    return values


def worse_values(question: QuestionSpec, value) -> list:
    """Answers strictly worse than `value`: yes → partial → no → unanswered; for choices an
    option with a higher risk; for numbers a value in a riskier band; unanswered is worst."""
    if blank(value) or value == "not_applicable":
        return []
    if question.answer_type == "yes_no":
        return YES_NO_ORDER[YES_NO_ORDER.index(value) + 1 :]
    current = risk_of(question, value)
    if question.answer_type == "single_choice":
        return [o["value"] for o in question.options if o["risk"] > current] + [None]
    if question.answer_type == "multiple_choice":
        riskier = [o["value"] for o in question.options if o["risk"] > current]
        return [[v] for v in riskier] + [[*value, v] for v in riskier] + [None]
    if question.answer_type == "number":
        return [v for v, r in band_values(question) if r > current] + [None]
    return [None]  # text and date: unanswered


# --- Sanity: the generator only builds banks the loader would accept -----------------------------


def as_loader_dict(question: QuestionSpec) -> dict:
    return {"key": question.key, "type": question.answer_type, "options": list(question.options)}


@PROPERTY_SETTINGS
@given(banks())
def test_generated_conditions_pass_the_loaders_monotone_rule(bank):
    by_key = {q.key: q for q in bank}
    errors = []

    def error(where, message):
        errors.append((where, message))

    for question in bank:
        if question.condition:
            parent = by_key[question.condition["question"]]
            assert list(by_key).index(parent.key) < list(by_key).index(question.key)
            _check_condition_is_monotone(
                as_loader_dict(parent),
                set(question.condition["in"]),
                question.key,
                error,
            )
    assert errors == []


# --- Properties -----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenarios())
def test_scores_stay_in_range(scenario):
    result = run(*scenario)
    assert 0 <= result.inherent <= 100
    assert 0 <= result.residual <= 100
    assert 0 <= result.effectiveness <= 1
    assert result.residual <= result.inherent
    for domain in result.domains:
        assert 0 <= domain.effectiveness <= 1 + 1e-9
    for contribution in result.contributions:
        assert 0 <= contribution.credit <= 1


def check_worse_answer(scenario, data, only_parents: bool) -> None:
    profile, bank, answers, evidence = scenario
    parents = {q.condition["question"] for q in bank if q.condition}
    candidates = [
        q
        for q in bank
        if worse_values(q, value_of(answers, q.key)) and (q.key in parents or not only_parents)
    ]
    assume(candidates)
    question = data.draw(st.sampled_from(candidates), label="question")
    worse = data.draw(
        st.sampled_from(worse_values(question, value_of(answers, question.key))),
        label="worse answer",
    )
    before = run(profile, bank, answers, evidence)
    after = run(profile, bank, {**answers, question.key: AnswerSpec(worse)}, evidence)
    assert after.residual >= before.residual, (question, value_of(answers, question.key), worse)
    assert after.effectiveness <= before.effectiveness


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_a_worse_answer_never_lowers_the_residual(scenario, data):
    check_worse_answer(scenario, data, only_parents=False)


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_a_worse_answer_to_a_parent_of_follow_ups_never_lowers_the_residual(scenario, data):
    check_worse_answer(scenario, data, only_parents=True)


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_adding_or_refreshing_evidence_never_raises_the_residual(scenario, data):
    profile, bank, answers, evidence = scenario
    stale = [k for k in EVIDENCE_KINDS if evidence.get(k, "missing") in ("missing", "expired")]
    assume(stale)
    kind = data.draw(st.sampled_from(stale), label="kind")
    before = run(profile, bank, answers, evidence)
    after = run(profile, bank, answers, {**evidence, kind: "current"})
    assert after.residual <= before.residual
    assert after.effectiveness >= before.effectiveness


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_not_applicable_never_counts_against_the_vendor(scenario, data):
    profile, bank, answers, evidence = scenario
    candidates = [
        q
        for q in bank
        if q.answer_type == "yes_no" and value_of(answers, q.key) in ("no", None, "")
    ]
    assume(candidates)
    question = data.draw(st.sampled_from(candidates), label="question")
    before = run(profile, bank, answers, evidence)
    after = run(profile, bank, {**answers, question.key: AnswerSpec("not_applicable")}, evidence)
    assert after.residual <= before.residual


def subtree(bank, key) -> set[str]:
    """`key` and every question that depends on it, directly or not."""
    keys = {key}
    for question in bank:  # bank order: a parent comes before its follow-ups
        if question.condition and question.condition["question"] in keys:
            keys.add(question.key)
    return keys


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_not_applicable_takes_the_group_out_of_the_denominator(scenario, data):
    """A top-level question answered "not applicable" scores exactly as if it, and the
    follow-ups hanging on it, were not in the bank."""
    profile, bank, answers, evidence = scenario
    candidates = [q for q in bank if q.answer_type == "yes_no" and not q.condition]
    assume(candidates)
    question = data.draw(st.sampled_from(candidates), label="question")
    answers = {**answers, question.key: AnswerSpec("not_applicable")}
    removed = subtree(bank, question.key)
    smaller = tuple(q for q in bank if q.key not in removed)
    with_na = run(profile, bank, answers, evidence)
    without = run(profile, smaller, answers, evidence)
    assert with_na.residual == without.residual
    assert with_na.effectiveness == without.effectiveness


@PROPERTY_SETTINGS
@given(scenarios())
def test_the_same_input_gives_the_same_result(scenario):
    profile, bank, answers, evidence = scenario
    first = run(profile, bank, answers, evidence)
    second = run(*copy.deepcopy((profile, bank, answers, evidence)))
    assert first == second
    assert run(profile, bank, answers, evidence) == first  # the inputs were not mutated
    assert first.method_version == scoring.METHOD_VERSION


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_applicable_shortfall_is_a_finding(scenario):
    profile, bank, answers, evidence = scenario
    result = run(profile, bank, answers, evidence)
    found = {(f.key, f.kind) for f in result.findings}
    for question in bank:
        value = value_of(answers, question.key)
        if question.key not in applicable_keys(bank, answers) or not is_control(question, bank):
            continue
        if value == "not_applicable":
            continue
        blocked = any(blank(value) or value in b["when"]["in"] for b in question.blockers)
        kinds = {kind for key, kind in found if key == question.key}
        if blocked:
            # One finding per question: a tripped blocker is its most severe consequence.
            assert "blocker" in kinds
        elif blank(value):
            assert "unanswered" in kinds
        elif risk_of(question, value) > 0:  # no, partial, a risky option or band
            assert "answer" in kinds
        assert len(kinds - {"evidence"}) <= 1


@PROPERTY_SETTINGS
@given(scenarios())
def test_tier_and_reassessment_follow_the_documented_tables(scenario):
    result = run(*scenario)
    if result.residual < 15:
        expected = "low"
    elif result.residual < 30:
        expected = "medium"
    elif result.residual < 50:
        expected = "high"
    else:
        expected = "critical"
    assert result.tier == expected
    days = {"critical": 90, "high": 90, "medium": 180, "low": 365}[expected]
    assert result.next_reassessment == TODAY + dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("residual", "tier"),
    [(0, "low"), (14.9, "low"), (15, "medium"), (29.9, "medium"), (30, "high"),
     (49.9, "high"), (50, "critical"), (100, "critical")],
)  # fmt: skip
def test_tier_bounds(residual, tier):
    assert scoring.tier_for(residual) == tier


@PROPERTY_SETTINGS
@given(scenarios())
def test_gates_follow_blockers_and_appetite(scenario):
    profile, bank, answers, evidence = scenario
    result = run(profile, bank, answers, evidence)
    requested = [c for c in scoring.DATA_CLASS_ORDER if c in profile.data_classes] or ["public"]
    highest = scoring.DATA_CLASS_ORDER.index(requested[-1])
    blocked = {
        q.key
        for q in bank
        if q.key in applicable_keys(bank, answers)
        and q.blockers
        and (blank(value_of(answers, q.key)) or value_of(answers, q.key) == "no")
    }
    assert [g.data_class for g in result.gates] == scoring.DATA_CLASS_ORDER
    for rank, gate in enumerate(result.gates):
        should_allow = (
            rank <= highest
            and result.residual <= scoring.DEFAULT_APPETITE[gate.data_class]
            and not (blocked and gate.data_class in ("confidential", "restricted"))
        )
        assert gate.allowed == should_allow, gate
        assert gate.reasons


# --- Regression: hidden follow-ups --------------------------------------------------------------


def test_a_hidden_follow_up_yields_no_findings():
    bank = (
        QuestionSpec(
            "training_default", "Trains by default?", "training_use", "single_choice", 5,
            options=({"value": "never", "risk": 0.0}, {"value": "opt_out", "risk": 0.6},
                     {"value": "always", "risk": 1.0}),
        ),
        QuestionSpec(
            "training_setting_enforced", "Setting enforced?", "training_use", "yes_no", 4,
            condition={"question": "training_default", "in": ["opt_out"]},
            evidence_expected="training",
        ),
    )  # fmt: skip
    # The reviewer first answered opt_out and the follow-up, then corrected the parent to
    # "never": the follow-up's answer stays stored but the question no longer applies.
    answers = {
        "training_default": AnswerSpec("never"),
        "training_setting_enforced": AnswerSpec("yes"),
    }
    result = scoring.score(VendorProfile(("internal",)), bank, answers, {}, TODAY)
    assert result.residual == 0
    assert [f.key for f in result.findings] == []
