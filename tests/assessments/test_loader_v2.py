"""assessments.loader, the rules of method clearance-risk/2: "not applicable" allowances, scope
questions answered from the vendor profile, questions tied to an evidence fact, the profiles a
bank may assess (`assesses`) and blockers limited to some profiles (`if_profile`). Each broken
rule is refused with the file and the question (or `bank`) named, and nothing is stored."""

import pytest
import yaml

from assessments.loader import default_bank_paths, load_banks, read_bank
from assessments.models import QuestionnaireTemplate
from tests.assessments.bank_builders import bank, section, write_bank, yes_no

AUTONOMY_OPTIONS = [
    {"value": "none", "label": "No", "risk": 0.0},
    {"value": "human_approval", "label": "Each action approved", "risk": 0.3},
    {"value": "autonomous_scoped", "label": "Autonomously, allow-listed", "risk": 0.6},
    {"value": "autonomous_broad", "label": "Autonomously, broadly", "risk": 1.0},
]
CATEGORY_OPTIONS = [
    {"value": "not_processed", "label": "No health data", "risk": 0.0},
    {"value": "processed", "label": "Health data", "risk": 0.0},
]
TLS_OPTIONS = [
    {"value": "tls13", "label": "TLS 1.3", "risk": 0.0},
    {"value": "tls12", "label": "TLS 1.2", "risk": 0.1},
    {"value": "legacy", "label": "TLS 1.1 or older", "risk": 1.0},
]
WEB_APP_ONLY = "We use the service only through its web application."
LITE_SCOPE = {"max_data_class": "internal", "special_categories": [], "autonomy": ["none"]}


def valid_v2_bank() -> dict:
    """A bank that uses every v2 field correctly."""
    data = bank(
        section(
            "scope",
            yes_no(
                "ai_actions",
                type="single_choice",
                domain="ai_threats",
                from_profile="autonomy",
                options=AUTONOMY_OPTIONS,
                blockers=[
                    {
                        "when": {"equals": "autonomous_broad"},
                        "forbids": ["confidential", "restricted"],
                        "reason": "The AI acts with broad permissions.",
                    }
                ],
            ),
            yes_no(
                "health_in_scope",
                type="single_choice",
                domain="regulatory",
                from_profile="special_categories.health",
                options=CATEGORY_OPTIONS,
            ),
            yes_no(
                "baa_signed",
                domain="regulatory",
                condition={"question": "health_in_scope", "equals": "processed"},
            ),
        ),
        section(
            "controls",
            yes_no(
                "encryption_at_rest",
                domain="encryption_keys",
                evidence_expected="encryption",
                evidence_fact={"fact": "encryption_at_rest"},
                blockers=[
                    {
                        "when": {"equals": "no"},
                        "forbids": ["internal", "confidential", "restricted"],
                        "reason": "No encryption at rest.",
                    }
                ],
            ),
            yes_no(
                "min_tls",
                type="single_choice",
                domain="encryption_keys",
                options=TLS_OPTIONS,
                evidence_expected="encryption",
                evidence_fact={
                    "fact": "min_tls_version",
                    "map": {"1.0": "legacy", "1.1": "legacy", "1.2": "tls12", "1.3": "tls13"},
                },
            ),
            yes_no(
                "breach_hours",
                type="number",
                unit="hours",
                domain="incident_response",
                bands=[
                    {"max": 24, "risk": 0.0},
                    {"max": 72, "risk": 0.5},
                    {"max": None, "risk": 1},
                ],
                evidence_expected="dpa",
                evidence_fact={"fact": "breach_notification_hours"},
            ),
            yes_no(
                "api_keys_scoped",
                domain="access_sso",
                not_applicable=f"  {WEB_APP_ONLY}\n",
                blockers=[
                    {
                        "when": {"in": ["no", "not_applicable"]},
                        "if_profile": {"integration": ["api", "plugin", "agent"]},
                        "forbids": ["confidential", "restricted"],
                        "reason": "Unscoped keys reach our systems.",
                    }
                ],
            ),
            yes_no("uses_subprocessors", domain="subprocessors"),
            yes_no(
                "subprocessors_listed",
                domain="subprocessors",
                condition={"question": "uses_subprocessors", "in": ["yes", "partial"]},
            ),
            yes_no(
                "hosting",
                type="single_choice",
                domain="subprocessors",
                options=[
                    {"value": "eu", "label": "EU", "risk": 0.0},
                    {"value": "us", "label": "US", "risk": 0.3},
                ],
            ),
            yes_no("soc2_current", evidence_expected="soc2"),
        ),
        key="v2",
        name="V2 bank",
    )
    data["bank"]["assesses"] = dict(LITE_SCOPE)
    return data


def question(data: dict, key: str) -> dict:
    return next(q for s in data["sections"] for q in s["questions"] if q["key"] == key)


def refused(tmp_path, data: dict) -> list:
    """Load the bank: it must be refused, with nothing stored. Returns the errors."""
    result = load_banks([write_bank(tmp_path, "v2-bank.yaml", data)])
    assert result.errors, "the bank was loaded"
    assert result.created == result.unchanged == []
    assert QuestionnaireTemplate.objects.count() == 0
    assert all(e.source.endswith("v2-bank.yaml") for e in result.errors)
    return result.errors


def test_the_valid_v2_bank_of_these_tests_loads_with_its_new_fields(db, tmp_path):
    result = load_banks([write_bank(tmp_path, "v2-bank.yaml", valid_v2_bank())])

    assert [str(e) for e in result.errors] == []
    [template] = result.created
    assert template.scope == LITE_SCOPE
    stored = {q.key: q for q in template.questions.all()}
    assert stored["api_keys_scoped"].not_applicable == WEB_APP_ONLY  # trimmed
    assert stored["api_keys_scoped"].blockers[0]["if_profile"] == {
        "integration": ["api", "plugin", "agent"]
    }
    assert stored["soc2_current"].not_applicable == ""
    assert stored["ai_actions"].from_profile == "autonomy"
    assert stored["health_in_scope"].from_profile == "special_categories.health"
    assert stored["min_tls"].evidence_fact["map"]["1.2"] == "tls12"
    assert stored["encryption_at_rest"].evidence_fact == {"fact": "encryption_at_rest"}
    assert stored["hosting"].evidence_fact == {}


# --- Each rule, broken once ---------------------------------------------------------------------
# A breakage edits the valid bank and returns (where, message): where the error must be
# reported ("question <key>" or "bank") and a part of its message.


def na_allowance_without_text(data):
    question(data, "api_keys_scoped")["not_applicable"] = "   "
    return "api_keys_scoped", "`not_applicable` must say when “not applicable” is an honest answer"


def na_allowance_yaml_reads_as_a_boolean(data):
    # `not_applicable: yes` in YAML is True, not a text saying when.
    question(data, "api_keys_scoped")["not_applicable"] = True
    return "api_keys_scoped", "`not_applicable` must say when “not applicable” is an honest answer"


def na_on_a_choice_question(data):
    question(data, "hosting")["not_applicable"] = WEB_APP_ONLY
    return "hosting", "only yes/no questions can allow “not applicable”"


def na_on_a_follow_up(data):
    question(data, "baa_signed")["not_applicable"] = "No health data."
    return "baa_signed", "a follow-up question cannot allow “not applicable”: its condition decides"


def na_on_a_question_tied_to_an_evidence_fact(data):
    question(data, "encryption_at_rest")["not_applicable"] = "Nothing is stored."
    return (
        "encryption_at_rest",
        "a question checked against evidence or the profile cannot allow it",
    )


def na_on_a_question_answered_from_the_profile(data):
    question(data, "health_in_scope")["not_applicable"] = "No health data."
    return "health_in_scope", "a question checked against evidence or the profile cannot allow it"


def na_on_a_question_others_depend_on(data):
    question(data, "uses_subprocessors")["not_applicable"] = "The vendor hosts everything itself."
    return (
        "uses_subprocessors",
        "a question that other questions depend on cannot allow “not applicable”",
    )


def condition_naming_na_the_parent_does_not_allow(data):
    condition = {"question": "uses_subprocessors", "in": ["yes", "partial", "not_applicable"]}
    question(data, "subprocessors_listed")["condition"] = condition
    return (
        "subprocessors_listed",
        "condition value(s) ['not_applicable'] are not answers of `uses_subprocessors`",
    )


def blocker_naming_na_the_question_does_not_allow(data):
    question(data, "encryption_at_rest")["blockers"][0]["when"] = {"in": ["no", "not_applicable"]}
    return "encryption_at_rest", "blocker tests ['no', 'not_applicable'], not all answers"


def evidence_map_giving_na_the_question_does_not_allow(data):
    question(data, "encryption_at_rest")["evidence_fact"] = {
        "fact": "encryption_at_rest",
        "map": {"true": "yes", "false": "not_applicable"},
    }
    return "encryption_at_rest", "`evidence_fact.map` gives ['not_applicable'], not answers"


def from_profile_naming_an_unknown_field(data):
    question(data, "ai_actions")["from_profile"] = "criticality"
    return (
        "ai_actions",
        "`from_profile` must be autonomy, integration or special_categories.<category>, "
        "not `criticality`",
    )


def from_profile_naming_an_unknown_category(data):
    question(data, "health_in_scope")["from_profile"] = "special_categories.genetic"
    return "health_in_scope", "not `special_categories.genetic`"


def from_profile_on_a_multiple_choice(data):
    question(data, "ai_actions")["type"] = "multiple_choice"
    return "ai_actions", "a question answered from the profile must be a single choice"


def from_profile_on_a_yes_no(data):
    scope = question(data, "health_in_scope")
    scope.update(type="yes_no")
    del scope["options"]
    return "health_in_scope", "a question answered from the profile must be a single choice"


def from_profile_with_a_condition(data):
    every_autonomy = [o["value"] for o in AUTONOMY_OPTIONS]
    question(data, "health_in_scope")["condition"] = {
        "question": "ai_actions",
        "in": every_autonomy,
    }
    return "health_in_scope", "a question answered from the profile cannot have a condition"


def from_profile_missing_a_value_the_profile_can_give(data):
    scope = question(data, "ai_actions")
    scope["options"] = [o for o in scope["options"] if o["value"] != "human_approval"]
    return (
        "ai_actions",
        "a question answered from `autonomy` needs exactly the options "
        "['autonomous_broad', 'autonomous_scoped', 'human_approval', 'none']",
    )


def from_profile_with_an_option_the_profile_cannot_give(data):
    extra = {"value": "unknown", "label": "Not sure", "risk": 1.0}
    question(data, "health_in_scope")["options"] = [*CATEGORY_OPTIONS, extra]
    return (
        "health_in_scope",
        "a question answered from `special_categories.health` needs exactly the options "
        "['not_processed', 'processed']",
    )


def evidence_fact_as_text(data):
    question(data, "encryption_at_rest")["evidence_fact"] = "encryption_at_rest"
    return "encryption_at_rest", "`evidence_fact` needs `fact` (and optionally `map`)"


def evidence_fact_with_an_unknown_field(data):
    question(data, "encryption_at_rest")["evidence_fact"] = {
        "fact": "encryption_at_rest",
        "default": "no",
    }
    return "encryption_at_rest", "`evidence_fact` has only `fact` and `map`"


def evidence_fact_without_expected_evidence(data):
    del question(data, "encryption_at_rest")["evidence_expected"]
    return "encryption_at_rest", "`evidence_fact` needs `evidence_expected`"


def evidence_fact_of_another_kind(data):
    question(data, "encryption_at_rest")["evidence_fact"] = {"fact": "soc2_type"}
    return "encryption_at_rest", "`soc2_type` is not a fact of encryption evidence"


def evidence_fact_of_a_choice_without_a_map(data):
    question(data, "min_tls")["evidence_fact"] = {"fact": "min_tls_version"}
    return "min_tls", "`evidence_fact` of a choice question needs a `map` to its options"


def evidence_fact_with_an_empty_map(data):
    question(data, "min_tls")["evidence_fact"]["map"] = {}
    return "min_tls", "`evidence_fact.map` maps each recorded value to an answer"


def evidence_fact_mapping_to_an_unknown_option(data):
    question(data, "min_tls")["evidence_fact"]["map"]["1.1"] = "tls11"
    return "min_tls", "`evidence_fact.map` gives ['tls11'], not answers of this question"


def evidence_fact_map_keys_yaml_reads_as_booleans(data):
    # `map: {true: "yes", false: "no"}` unquoted: YAML reads the keys as booleans.
    question(data, "encryption_at_rest")["evidence_fact"] = {
        "fact": "encryption_at_rest",
        "map": {True: "yes", False: "no"},
    }
    return (
        "encryption_at_rest",
        "`evidence_fact.map` keys must be text: quote them (true/false, 1.2)",
    )


def blocker_if_profile_empty(data):
    question(data, "api_keys_scoped")["blockers"][0]["if_profile"] = {}
    return "api_keys_scoped", "a blocker's `if_profile` must map autonomy or integration to values"


def blocker_if_profile_as_a_list(data):
    question(data, "api_keys_scoped")["blockers"][0]["if_profile"] = ["api", "agent"]
    return "api_keys_scoped", "a blocker's `if_profile` must map autonomy or integration to values"


def blocker_if_profile_on_another_field(data):
    question(data, "api_keys_scoped")["blockers"][0]["if_profile"] = {"criticality": ["high"]}
    return "api_keys_scoped", "`if_profile` can test autonomy or integration, not `criticality`"


def blocker_if_profile_with_an_unknown_value(data):
    question(data, "api_keys_scoped")["blockers"][0]["if_profile"] = {"integration": ["email"]}
    return (
        "api_keys_scoped",
        "`if_profile`: `integration` must list values of ['agent', 'api', 'plugin', 'web_app']",
    )


def blocker_if_profile_value_not_a_list(data):
    question(data, "ai_actions")["blockers"][0]["if_profile"] = {"autonomy": "autonomous_broad"}
    return "ai_actions", "`if_profile`: `autonomy` must list values of"


def blocker_with_an_unknown_field(data):
    question(data, "api_keys_scoped")["blockers"][0]["unless"] = {"integration": ["web_app"]}
    return (
        "api_keys_scoped",
        "a blocker has only `when`, `forbids`, `reason` and `if_profile`",
    )


QUESTION_BREAKAGES = [
    na_allowance_without_text,
    na_allowance_yaml_reads_as_a_boolean,
    na_on_a_choice_question,
    na_on_a_follow_up,
    na_on_a_question_tied_to_an_evidence_fact,
    na_on_a_question_answered_from_the_profile,
    na_on_a_question_others_depend_on,
    condition_naming_na_the_parent_does_not_allow,
    blocker_naming_na_the_question_does_not_allow,
    evidence_map_giving_na_the_question_does_not_allow,
    from_profile_naming_an_unknown_field,
    from_profile_naming_an_unknown_category,
    from_profile_on_a_multiple_choice,
    from_profile_on_a_yes_no,
    from_profile_with_a_condition,
    from_profile_missing_a_value_the_profile_can_give,
    from_profile_with_an_option_the_profile_cannot_give,
    evidence_fact_as_text,
    evidence_fact_with_an_unknown_field,
    evidence_fact_without_expected_evidence,
    evidence_fact_of_another_kind,
    evidence_fact_of_a_choice_without_a_map,
    evidence_fact_with_an_empty_map,
    evidence_fact_mapping_to_an_unknown_option,
    evidence_fact_map_keys_yaml_reads_as_booleans,
    blocker_if_profile_empty,
    blocker_if_profile_as_a_list,
    blocker_if_profile_on_another_field,
    blocker_if_profile_with_an_unknown_value,
    blocker_if_profile_value_not_a_list,
    blocker_with_an_unknown_field,
]


@pytest.mark.parametrize("breakage", QUESTION_BREAKAGES, ids=lambda f: f.__name__)
def test_each_broken_rule_is_refused_naming_the_question(db, tmp_path, breakage):
    data = valid_v2_bank()
    key, message = breakage(data)

    errors = refused(tmp_path, data)

    assert any(e.where == f"question {key}" and message in e.message for e in errors), [
        str(e) for e in errors
    ]


@pytest.mark.parametrize(
    ("assesses", "message"),
    [
        (
            ["internal"],
            "`assesses` must be a mapping (max_data_class, special_categories, autonomy)",
        ),
        ({"max_class": "internal"}, "unknown field(s) in assesses: max_class"),
        ({"max_data_class": "secret"}, "assesses: unknown data class `secret`"),
        ({"special_categories": "health"}, "assesses: `special_categories` must list values of"),
        ({"special_categories": ["genetic"]}, "assesses: `special_categories` must list values of"),
        ({"autonomy": ["full"]}, "assesses: `autonomy` must list values of"),
    ],
    ids=[
        "not-a-mapping",
        "unknown-field",
        "unknown-class",
        "categories-not-a-list",
        "unknown-category",
        "unknown-autonomy",
    ],
)
def test_a_broken_assesses_is_refused_naming_the_bank(db, tmp_path, assesses, message):
    data = valid_v2_bank()
    data["bank"]["assesses"] = assesses

    errors = refused(tmp_path, data)

    assert any(e.where == "bank" and message in e.message for e in errors), [str(e) for e in errors]


def test_a_bank_without_assesses_sets_no_limit(db, tmp_path):
    data = valid_v2_bank()
    del data["bank"]["assesses"]

    [template] = load_banks([write_bank(tmp_path, "v2-bank.yaml", data)]).created

    assert template.scope == {}


@pytest.mark.parametrize(
    "assesses",
    [
        {},
        {"max_data_class": "restricted"},
        {"special_categories": ["personal", "employee"]},
        {"autonomy": ["none", "human_approval"]},
    ],
)
def test_a_partial_assesses_is_accepted(db, tmp_path, assesses):
    data = valid_v2_bank()
    data["bank"]["assesses"] = assesses

    result = load_banks([write_bank(tmp_path, "v2-bank.yaml", data)])

    assert [str(e) for e in result.errors] == []


def test_an_unquoted_evidence_map_in_yaml_is_refused(db, tmp_path):
    # The same as evidence_fact_map_keys_yaml_reads_as_booleans, written as a person would.
    text = yaml.safe_dump(valid_v2_bank(), sort_keys=False).replace(
        "evidence_fact:\n      fact: encryption_at_rest\n",
        "evidence_fact: {fact: encryption_at_rest, map: {true: 'yes', false: 'no'}}\n",
    )
    assert "map: {true:" in text
    path = tmp_path / "unquoted.yaml"
    path.write_text(text, encoding="utf-8")

    result = load_banks([path])

    assert [(e.where, e.message) for e in result.errors] == [
        (
            "question encryption_at_rest",
            "`evidence_fact.map` keys must be text: quote them (true/false, 1.2)",
        )
    ]


# --- The shipped banks --------------------------------------------------------------------------


@pytest.mark.parametrize("path", default_bank_paths(), ids=lambda p: p.name)
def test_each_shipped_bank_is_valid(path):
    data, errors = read_bank(path)
    assert [str(e) for e in errors] == []
    questions = [q for s in data["sections"] for q in s["questions"]]
    # The shipped banks use the v2 rules they are checked against.
    assert any(q.get("from_profile") for q in questions)
    assert any(q.get("evidence_fact") for q in questions)


def test_the_shipped_banks_load_clean_together(db):
    result = load_banks(default_bank_paths())

    assert [str(e) for e in result.errors] == []
    assert len(result.created) == 2
    scopes = {t.key: t.scope for t in result.created}
    assert scopes["ai-due-diligence"] == {}  # the full bank may assess any profile
    assert LITE_SCOPE in scopes.values()  # the Lite bank: Internal at most, no categories
    full = next(t for t in result.created if t.key == "ai-due-diligence")
    allowing_na = full.questions.exclude(not_applicable="")
    assert allowing_na.exists()
    for q in allowing_na:
        assert (q.answer_type, q.condition, q.evidence_fact, q.from_profile) == (
            "yes_no",
            {},
            {},
            "",
        ), q.key
