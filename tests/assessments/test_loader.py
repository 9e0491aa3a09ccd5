"""assessments.loader and the load_question_bank command: validation, all-or-nothing loading,
versions."""

import copy
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments import services
from assessments.loader import default_bank_paths, load_banks
from assessments.models import Question, QuestionnaireTemplate, Section
from tests.assessments.bank_builders import (
    MINI_BANK,
    bank,
    full_bank,
    section,
    write_bank,
    yes_no,
)
from tests.vendors.factories import VendorFactory


def valid_bank() -> dict:
    return bank(
        section(
            "basics",
            yes_no("soc2_current"),
            yes_no(
                "uses_subprocessors",
                type="single_choice",
                options=[
                    {"value": "yes", "label": "Yes", "risk": 0.5},
                    {"value": "no", "label": "No", "risk": 0.0},
                ],
            ),
            yes_no(
                "breach_hours",
                type="number",
                unit="hours",
                bands=[{"max": 24, "risk": 0.0}, {"max": None, "risk": 1.0}],
            ),
            yes_no(
                "data_held",
                blockers=[
                    {"when": {"equals": "no"}, "forbids": ["restricted"], "reason": "Unclear."}
                ],
            ),
        ),
        key="checked",
    )


def question(data: dict, key: str) -> dict:
    return next(q for s in data["sections"] for q in s["questions"] if q["key"] == key)


def unknown_answer_type(data):
    question(data, "soc2_current")["type"] = "slider"
    return "soc2_current", "unknown answer type `slider`"


def duplicate_question_key(data):
    data["sections"][0]["questions"].append(yes_no("soc2_current"))
    return "soc2_current", "duplicate question key"


def condition_naming_a_missing_question(data):
    question(data, "data_held")["condition"] = {"question": "no_such_question", "equals": "yes"}
    return "data_held", "condition names `no_such_question`, not an earlier question"


def condition_naming_a_later_question(data):
    question(data, "soc2_current")["condition"] = {"question": "data_held", "equals": "yes"}
    return "soc2_current", "condition names `data_held`, not an earlier question"


def option_without_risk(data):
    del question(data, "uses_subprocessors")["options"][1]["risk"]
    return "uses_subprocessors", "option `no` has no risk value"


def unknown_framework_prefix(data):
    question(data, "soc2_current")["frameworks"] = ["FEDRAMP:AC-2"]
    return "soc2_current", "unknown framework `FEDRAMP` in `FEDRAMP:AC-2`"


def malformed_framework_reference(data):
    question(data, "soc2_current")["frameworks"] = ["OWASP-LLM:LLM11"]
    return "soc2_current", "`OWASP-LLM:LLM11` is not a OWASP Top 10 for LLM Applications"


def number_question_without_unit(data):
    del question(data, "breach_hours")["unit"]
    return "breach_hours", "a number question needs a unit"


def number_question_without_bands(data):
    del question(data, "breach_hours")["bands"]
    return "breach_hours", "a number question needs risk `bands`"


def blocker_forbidding_an_unknown_data_class(data):
    question(data, "data_held")["blockers"][0]["forbids"] = ["top_secret"]
    return "data_held", "a blocker's `forbids` must list data classes"


BREAKAGES = [
    unknown_answer_type,
    duplicate_question_key,
    condition_naming_a_missing_question,
    condition_naming_a_later_question,
    option_without_risk,
    unknown_framework_prefix,
    malformed_framework_reference,
    number_question_without_unit,
    number_question_without_bands,
    blocker_forbidding_an_unknown_data_class,
]


def test_the_valid_bank_of_these_tests_loads(db, tmp_path):
    result = load_banks([write_bank(tmp_path, "checked.yaml", valid_bank())])
    assert result.errors == []
    assert [t.key for t in result.created] == ["checked"]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__)
def test_each_problem_is_reported_with_the_file_and_question_key(db, tmp_path, breakage):
    data = valid_bank()
    key, message = breakage(data)
    path = write_bank(tmp_path, "vendor-bank.yaml", data)

    result = load_banks([path])

    reported = [str(e) for e in result.errors]
    assert any(
        e.source.endswith("vendor-bank.yaml")
        and e.where == f"question {key}"
        and message in e.message
        for e in result.errors
    ), reported
    assert all("vendor-bank.yaml" in line for line in reported)
    assert QuestionnaireTemplate.objects.count() == 0


UNQUOTED_OPTION_VALUES = """
bank: {key: unquoted, name: Unquoted, version: 1}
sections:
  - key: basics
    title: Basics
    questions:
      - key: uses_subprocessors
        text: Does the vendor use sub-processors?
        domain: subprocessors
        type: single_choice
        weight: 1
        options:
          - {value: yes, label: "Yes", risk: 0.5}
          - {value: no, label: "No", risk: 0.0}
        frameworks: ["GDPR:28(2)"]
"""


def test_an_option_value_yaml_reads_as_a_boolean_is_reported(db, tmp_path):
    path = tmp_path / "unquoted.yaml"
    path.write_text(UNQUOTED_OPTION_VALUES, encoding="utf-8")

    result = load_banks([path])

    assert any(e.where == "question uses_subprocessors" for e in result.errors), result.created


def test_invalid_yaml_is_reported_with_the_file_name(db, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("bank:\n  key: broken\n  name: [unclosed\n", encoding="utf-8")

    result = load_banks([path])

    [error] = result.errors
    assert error.source.endswith("broken.yaml")
    assert error.where == "file"
    assert "is not valid YAML" in error.message
    assert QuestionnaireTemplate.objects.count() == 0


@pytest.mark.parametrize("bad_first", [True, False], ids=["bad-file-first", "bad-file-last"])
def test_one_bad_file_means_nothing_is_loaded(db, tmp_path, bad_first):
    broken = valid_bank()
    unknown_answer_type(broken)
    good = write_bank(tmp_path, "good.yaml", full_bank())
    bad = write_bank(tmp_path, "bad.yaml", broken)

    result = load_banks([bad, good] if bad_first else [good, bad])

    assert result.errors
    assert result.created == result.unchanged == []
    assert QuestionnaireTemplate.objects.count() == 0
    assert Section.objects.count() == 0
    assert Question.objects.count() == 0


def test_two_files_declaring_the_same_bank_key_are_refused(db, tmp_path):
    first = write_bank(tmp_path, "first.yaml", full_bank())
    second = write_bank(tmp_path, "second.yaml", full_bank())

    result = load_banks([first, second])

    assert "two files declare the same bank key" in str(result.errors)
    assert QuestionnaireTemplate.objects.count() == 0


def test_loading_the_same_file_twice_creates_nothing_new(db):
    first = load_banks([MINI_BANK])
    counts = (QuestionnaireTemplate.objects.count(), Question.objects.count())

    second = load_banks([MINI_BANK])

    assert second.created == []
    assert second.unchanged == first.created
    assert (QuestionnaireTemplate.objects.count(), Question.objects.count()) == counts
    assert counts == (1, 6)


def test_the_loaded_template_keeps_the_bank_as_written(db):
    [template] = load_banks([MINI_BANK]).created

    assert (template.key, template.name, template.version) == ("mini", "Mini bank", 1)
    assert list(template.suggested_for) == ["public", "internal"]
    assert template.source_file == "mini.yaml"
    assert [s.key for s in template.sections.all()] == ["basics", "ops"]
    assert [q.key for q in template.questions.all()] == [
        "soc2_current", "uses_subprocessors", "subprocessors_disclosed", "breach_hours",
        "hosting", "notes",
    ]  # fmt: skip
    disclosed = template.questions.get(key="subprocessors_disclosed")
    assert disclosed.section.key == "basics"
    assert disclosed.condition == {"question": "uses_subprocessors", "equals": "yes"}
    assert template.questions.get(key="hosting").required is False


def edited_mini(tmp_path):
    data = yaml.safe_load(MINI_BANK.read_text(encoding="utf-8"))
    original = write_bank(tmp_path / "v1", "mini.yaml", data)
    edited = copy.deepcopy(data)
    question(edited, "soc2_current")["text"] = "Is the SOC 2 Type II report less than a year old?"
    return original, write_bank(tmp_path / "v2", "mini.yaml", edited)


@pytest.fixture
def two_versions(tmp_path):
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    return edited_mini(tmp_path)


def test_a_changed_file_becomes_version_2_and_retires_version_1(db, two_versions, reviewer):
    original, edited = two_versions
    [v1] = load_banks([original]).created
    started = services.assessment_start(vendor=VendorFactory(), template=v1, started_by=reviewer)

    [v2] = load_banks([edited]).created

    v1.refresh_from_db()
    assert (v1.version, v1.active) == (1, False)
    assert (v2.key, v2.version, v2.active) == ("mini", 2, True)
    assert v2.questions.get(key="soc2_current").text.startswith("Is the SOC 2 Type II report")
    started.refresh_from_db()
    assert started.template == v1
    assert started.template.questions.count() == 6
    assert started.template.questions.get(key="soc2_current").text == (
        "Does the vendor hold a current SOC 2 Type II report?"
    )


def test_reverting_a_file_makes_its_content_the_active_version_again(db, two_versions):
    original, edited = two_versions
    load_banks([original])
    load_banks([edited])

    load_banks([original])

    [active] = QuestionnaireTemplate.objects.filter(key="mini", active=True)
    assert active.questions.get(key="soc2_current").text == (
        "Does the vendor hold a current SOC 2 Type II report?"
    )


def test_the_command_prints_each_problem_to_stderr_and_fails(db, tmp_path):
    broken = valid_bank()
    option_without_risk(broken)
    path = write_bank(tmp_path, "broken-bank.yaml", broken)
    stdout, stderr = StringIO(), StringIO()

    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_question_bank", str(path), stdout=stdout, stderr=stderr)

    assert "broken-bank.yaml: question uses_subprocessors: option `no` has no risk value" in (
        stderr.getvalue()
    )
    assert stdout.getvalue() == ""
    assert QuestionnaireTemplate.objects.count() == 0


def test_the_command_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_question_bank", str(tmp_path / "nope.yaml"), stderr=StringIO())


def test_the_command_loads_the_files_it_is_given_and_says_so(db):
    stdout = StringIO()

    call_command("load_question_bank", str(MINI_BANK), stdout=stdout)
    call_command("load_question_bank", str(MINI_BANK), stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert lines == ["  loaded    Mini bank (v1) — 6 questions", "  unchanged Mini bank (v1)"]


def test_the_command_without_arguments_loads_the_shipped_banks(db):
    shipped = default_bank_paths()
    assert len(shipped) == 2  # the full bank and the Lite bank

    call_command("load_question_bank", stdout=StringIO())

    templates = QuestionnaireTemplate.objects.filter(active=True)
    assert sorted(t.source_file for t in templates) == sorted(p.name for p in shipped)
    assert all(t.questions.exists() for t in templates)
