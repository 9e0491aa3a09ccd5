"""The shipped banks: valid, and covering what the product promises, question for question."""

import re
from collections import Counter

import pytest
import yaml

from assessments.loader import BANKS_DIR, validate_bank
from assessments.models import Domain

FULL = BANKS_DIR / "ai_due_diligence.yaml"
LITE = BANKS_DIR / "ai_lite.yaml"


def questions(path):
    data = yaml.safe_load(path.read_text())
    return [q for section in data["sections"] for q in section["questions"]]


def references(path) -> set[str]:
    return {ref for q in questions(path) for ref in q["frameworks"]}


@pytest.mark.parametrize("path", [FULL, LITE], ids=["full", "lite"])
def test_the_shipped_bank_is_valid(path):
    assert validate_bank(yaml.safe_load(path.read_text()), path.name) == []


def test_the_full_bank_has_sixty_questions_in_the_twelve_domains():
    full = questions(FULL)
    assert len(full) >= 60
    per_domain = Counter(q["domain"] for q in full)
    assert set(per_domain) == set(Domain.values)
    assert min(per_domain.values()) >= 4


def test_the_lite_bank_is_short_and_meant_for_public_and_internal_data():
    data = yaml.safe_load(LITE.read_text())
    assert 12 <= len(questions(LITE)) <= 18
    assert data["bank"]["suggested_for"] == ["public", "internal"]


@pytest.mark.parametrize("item", [f"LLM{n:02d}" for n in range(1, 11)])
def test_every_owasp_llm_2025_item_is_covered(item):
    assert f"OWASP-LLM:{item}" in references(FULL)


@pytest.mark.parametrize("letter", "abcdefgh")
def test_every_gdpr_article_28_3_term_is_covered(letter):
    assert f"GDPR:28(3)({letter})" in references(FULL)


@pytest.mark.parametrize(
    "framework", ["SOC2", "ISO27001", "ISO42001", "NIST-AI-RMF", "OWASP-LLM", "GDPR", "EU-AI-ACT"]
)
def test_each_named_framework_is_referenced(framework):
    assert any(ref.startswith(f"{framework}:") for ref in references(FULL))


def _text(path) -> str:
    return " ".join((q["text"] + " " + q.get("help", "")).lower() for q in questions(path))


@pytest.mark.parametrize(
    "topic",
    [
        r"soc 2",
        r"iso(/iec)? 27001",
        r"encrypt\w* .*in transit|tls",
        r"at rest",
        r"key management|byok|own key",
        r"(staff|personnel|employees).{0,80}(access|read)",
        r"incident",
        r"notif\w+.{0,60}breach|breach.{0,60}notif",
        r"audit rights|right to audit|audit",
        r"delet\w+ .*request|on request",
        r"retain|retention",
        r"backup",
        r"sub-?processor",
        r"train",
        r"opt[- ]out|switch\w* off|turn\w* off",
    ],
)
def test_the_checklist_this_product_grew_from_is_in_the_bank(topic):
    assert re.search(topic, _text(FULL)), f"no question about {topic}"


def test_the_blockers_product_md_names_are_there():
    blockers = {q["key"]: q["blockers"] for q in questions(FULL) if q.get("blockers")}
    reasons = " ".join(b["reason"].lower() for rules in blockers.values() for b in rules)
    for phrase in ("opt-out", "dpa", "72", "sub-processor", "at rest", "baa"):
        assert phrase in reasons, phrase
