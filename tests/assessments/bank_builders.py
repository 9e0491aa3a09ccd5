"""Question banks built in code, for tests that need a bank other than banks/mini.yaml.

Each builder returns plain data in the YAML schema of assessments/loader.py; `write_bank`
turns it into a file, because the loader reads files.
"""

from pathlib import Path

import yaml

MINI_BANK = Path(__file__).resolve().parent / "banks" / "mini.yaml"


def yes_no(key: str, **extra) -> dict:
    """A valid yes/no question; `extra` overrides or adds fields."""
    return {
        "key": key,
        "text": f"Question {key}?",
        "domain": "certifications",
        "type": "yes_no",
        "weight": 1,
        "frameworks": ["SOC2:CC6.1"],
        **extra,
    }


def bank(*sections: dict, key: str = "generated", name: str = "Generated bank",
         suggested_for=("public", "internal", "confidential", "restricted")) -> dict:  # fmt: skip
    return {
        "bank": {"key": key, "name": name, "version": 1, "suggested_for": list(suggested_for)},
        "sections": list(sections),
    }


def section(key: str, *questions: dict, title: str | None = None) -> dict:
    return {"key": key, "title": title or key.title(), "questions": list(questions)}


def full_bank() -> dict:
    """A second bank, suggested for every data class (the "full" bank beside mini's "Lite")."""
    return bank(
        section("governance", yes_no("policy_current"), yes_no("dpa_signed")),
        key="full",
        name="Full bank",
    )


def bank_of_many(count: int, *, key: str = "many") -> dict:
    """`count` yes/no questions in one section, each expecting SOC 2 evidence."""
    questions = [yes_no(f"q_{n:03}", evidence_expected="soc2") for n in range(count)]
    return bank(section("everything", *questions), key=key, name=f"{count} questions")


def every_type_bank() -> dict:
    """One question of each answer type, plus a percentage."""
    return bank(
        section(
            "types",
            yes_no("encrypted"),
            yes_no(
                "training_default",
                type="single_choice",
                options=[
                    {"value": "never", "label": "Never", "risk": 0.0},
                    {"value": "opt_in", "label": "Opt in", "risk": 0.2},
                ],
            ),
            yes_no(
                "regions",
                type="multiple_choice",
                options=[
                    {"value": "eu", "label": "EU", "risk": 0.0},
                    {"value": "us", "label": "US", "risk": 0.3},
                    {"value": "apac", "label": "APAC", "risk": 0.3},
                ],
            ),
            yes_no(
                "retention_days",
                type="number",
                unit="days",
                bands=[{"max": 30, "risk": 0.0}, {"max": None, "risk": 1.0}],
            ),
            yes_no(
                "uptime_percent",
                type="number",
                unit="percent",
                bands=[{"max": 99, "risk": 0.5}, {"max": None, "risk": 0.0}],
            ),
            yes_no("audit_date", type="date"),
            yes_no("notes", type="text", required=False),
            yes_no("soc2_report", type="evidence", required=False),
        ),
        key="every-type",
        name="Every type",
    )


def write_bank(folder: Path, filename: str, data: dict) -> Path:
    path = Path(folder) / filename
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
