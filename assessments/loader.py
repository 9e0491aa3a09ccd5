"""Load question banks from YAML files (assessments/question_banks/*.yaml).

`validate_bank(data, source)` returns every problem it finds, each naming the file and the
question key; `load_banks(paths)` validates all files first and writes nothing unless every
one is valid, then stores each bank whose content changed as a new template version. Loading
the same files again changes nothing. The schema is documented in question_banks/README.md.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Max

from assessments.models import (
    AnswerType,
    Domain,
    Question,
    QuestionnaireTemplate,
    Section,
    Unit,
    YesNo,
)
from assessments.rules import NOT_APPLICABLE, PROFILE_CATEGORY_PREFIX, PROFILE_FIELDS
from vendors.models import (
    EVIDENCE_FACTS,
    Autonomy,
    DataClass,
    EvidenceKind,
    Integration,
    SpecialCategory,
)

BANKS_DIR = Path(__file__).resolve().parent / "question_banks"

FRAMEWORK_PATTERNS = {
    "SOC2": r"(CC\d\.\d+|A1\.\d|C1\.\d|P\d\.\d|PI1\.\d)",
    "ISO27001": r"A\.[5-8]\.\d+",
    "ISO42001": r"A\.\d+(\.\d+){1,2}",
    "NIST-AI-RMF": r"(GOVERN|MAP|MEASURE|MANAGE)-\d+(\.\d+)?",
    "OWASP-LLM": r"LLM(0[1-9]|10)",
    "GDPR": r"\d+(\(\d+\))?(\([a-h]\))?",
    "EU-AI-ACT": r"\d+(\(\d+\))?",
    "CCPA": r"[\w.()-]+",
    "HIPAA": r"[\w.()-]+",
    "PCI-DSS": r"[\d.]+",
}
FRAMEWORK_NAMES = {
    "SOC2": "SOC 2 Trust Services Criteria",
    "ISO27001": "ISO/IEC 27001:2022 Annex A",
    "ISO42001": "ISO/IEC 42001:2023 Annex A",
    "NIST-AI-RMF": "NIST AI RMF",
    "OWASP-LLM": "OWASP Top 10 for LLM Applications 2025",
    "GDPR": "GDPR",
    "EU-AI-ACT": "EU AI Act",
    "CCPA": "CCPA / CPRA",
    "HIPAA": "HIPAA",
    "PCI-DSS": "PCI DSS",
}
CHOICE_TYPES = {AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE}
QUESTION_KEYS = {
    "key", "text", "help", "domain", "type", "weight", "required", "options", "unit", "bands",
    "frameworks", "condition", "evidence_expected", "blockers", "remediation", "not_applicable",
    "from_profile", "evidence_fact",
}  # fmt: skip
BANK_KEYS = {"key", "name", "version", "description", "suggested_for", "assesses"}
# The answers a profile-bound scope question must offer: every value the profile can give.
PROFILE_VALUES = {"autonomy": set(Autonomy.values), "integration": set(Integration.values)}
CATEGORY_VALUES = {"processed", "not_processed"}


@dataclass(frozen=True)
class BankError:
    source: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.message}"


def _valid_answer_values(question: dict) -> set[str] | None:
    """The values a condition or blocker may test for this question; None when free-form."""
    if question.get("type") == AnswerType.YES_NO:
        values = set(YesNo.values)
        if not question.get("not_applicable"):
            values.discard(NOT_APPLICABLE)  # not allowed: it counts as "no"
        return values
    if question.get("type") in CHOICE_TYPES:
        return {str(o.get("value")) for o in question.get("options") or [] if isinstance(o, dict)}
    return None


def validate_bank(data, source: str) -> list[BankError]:
    """Every problem in one parsed bank file. An empty list means it can be loaded."""
    errors: list[BankError] = []

    def error(where, message):
        errors.append(BankError(source, where, message))

    if not isinstance(data, dict) or not isinstance(data.get("bank"), dict):
        error("bank", "the file must start with a `bank:` mapping (key, name, version)")
        return errors
    bank = data["bank"]
    for field in ("key", "name"):
        if not isinstance(bank.get(field), str) or not bank.get(field).strip():
            error("bank", f"`{field}` is missing")
    if not isinstance(bank.get("version"), int) or bank.get("version") < 1:
        error("bank", "`version` must be a whole number from 1")
    for data_class in bank.get("suggested_for") or []:
        if data_class not in DataClass.values:
            error("bank", f"unknown data class `{data_class}` in suggested_for")
    unknown_bank_fields = set(bank) - BANK_KEYS
    if unknown_bank_fields:
        error("bank", f"unknown field(s): {', '.join(sorted(unknown_bank_fields))}")
    _validate_assesses(bank.get("assesses"), error)
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        error("sections", "the bank has no sections")
        return errors

    seen_sections: set[str] = set()
    seen: dict[str, dict] = {}
    for s_index, section in enumerate(sections, start=1):
        s_where = f"section {section.get('key') if isinstance(section, dict) else s_index}"
        if not isinstance(section, dict):
            error(s_where, "a section must be a mapping")
            continue
        if not section.get("key") or not section.get("title"):
            error(s_where, "a section needs `key` and `title`")
        if section.get("key") in seen_sections:
            error(s_where, "duplicate section key")
        seen_sections.add(section.get("key"))
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            error(s_where, "the section has no questions")
            continue
        for q_index, question in enumerate(questions, start=1):
            if not isinstance(question, dict):
                error(f"{s_where}, question {q_index}", "a question must be a mapping")
                continue
            key = question.get("key")
            where = f"question {key}" if key else f"{s_where}, question {q_index}"
            _validate_question(question, where, seen, error)
            if key:
                if key in seen:
                    error(where, "duplicate question key")
                seen[key] = question
    parents = {
        q["condition"].get("question")
        for q in seen.values()
        if isinstance(q.get("condition"), dict)
    }
    for key, question in seen.items():
        if question.get("not_applicable") and key in parents:
            error(
                f"question {key}",
                "a question that other questions depend on cannot allow “not applicable”",
            )
    return errors


def _validate_assesses(assesses, error) -> None:
    """`assesses`: the profiles the bank may assess; a missing key sets no limit."""
    if assesses is None:
        return
    if not isinstance(assesses, dict):
        error("bank", "`assesses` must be a mapping (max_data_class, special_categories, autonomy)")
        return
    unknown = set(assesses) - {"max_data_class", "special_categories", "autonomy"}
    if unknown:
        error("bank", f"unknown field(s) in assesses: {', '.join(sorted(unknown))}")
    ceiling = assesses.get("max_data_class")
    if ceiling is not None and ceiling not in DataClass.values:
        error("bank", f"assesses: unknown data class `{ceiling}`")
    for name, allowed in (("special_categories", SpecialCategory.values),
                          ("autonomy", Autonomy.values)):  # fmt: skip
        if name not in assesses:
            continue
        values = assesses[name]
        if not isinstance(values, list) or any(v not in allowed for v in values):
            error("bank", f"assesses: `{name}` must list values of {', '.join(allowed)}")


def _validate_question(question: dict, where: str, seen: dict, error) -> None:
    key = question.get("key")
    if not key or not re.fullmatch(r"[a-z0-9_]+", str(key)):
        error(where, "`key` must be snake_case letters, digits and underscores")
    unknown_fields = set(question) - QUESTION_KEYS
    if unknown_fields:
        error(where, f"unknown field(s): {', '.join(sorted(unknown_fields))}")
    if not str(question.get("text") or "").strip():
        error(where, "`text` is missing")
    if question.get("domain") not in Domain.values:
        error(where, f"unknown domain `{question.get('domain')}`")
    answer_type = question.get("type")
    if answer_type not in AnswerType.values:
        error(where, f"unknown answer type `{answer_type}`")
    weight = question.get("weight")
    if not isinstance(weight, int) or not 1 <= weight <= 5:
        error(where, "`weight` must be a whole number from 1 to 5")

    options = question.get("options")
    if answer_type in CHOICE_TYPES:
        if not isinstance(options, list) or len(options) < 2:
            error(where, "a choice question needs at least two options")
        else:
            values = set()
            for option in options:
                if not isinstance(option, dict) or "value" not in option or "label" not in option:
                    error(where, "every option needs `value` and `label`")
                    continue
                risk = option.get("risk")
                if risk is None:
                    error(where, f"option `{option['value']}` has no risk value")
                elif not isinstance(risk, int | float) or not 0 <= risk <= 1:
                    error(where, f"option `{option['value']}` risk must be between 0 and 1")
                if not isinstance(option["value"], str):
                    error(
                        where,
                        f"option value `{option['value']}` must be text: quote it "
                        "(YAML reads unquoted yes/no/on/off as true/false)",
                    )
                if option["value"] in values:
                    error(where, f"duplicate option `{option['value']}`")
                values.add(option["value"])
    elif options:
        error(where, "only choice questions have options")

    if answer_type == AnswerType.NUMBER:
        if question.get("unit") not in Unit.values:
            error(where, f"a number question needs a unit ({', '.join(Unit.values)})")
        bands = question.get("bands")
        if not isinstance(bands, list) or not bands:
            error(where, "a number question needs risk `bands`")
        else:
            previous = None
            for band in bands:
                risk = band.get("risk") if isinstance(band, dict) else None
                if not isinstance(risk, int | float) or not 0 <= risk <= 1:
                    error(where, "every band needs a risk between 0 and 1")
                upper = band.get("max") if isinstance(band, dict) else None
                if upper is not None and previous is not None and upper <= previous:
                    error(where, "band upper bounds must ascend")
                previous = upper if upper is not None else previous
            if isinstance(bands[-1], dict) and bands[-1].get("max") is not None:
                error(where, "the last band must have `max: null` (everything above)")

    frameworks = question.get("frameworks")
    if not isinstance(frameworks, list) or not frameworks:
        error(where, "at least one framework reference is required")
    else:
        for reference in frameworks:
            prefix, _, ident = str(reference).partition(":")
            pattern = FRAMEWORK_PATTERNS.get(prefix)
            if pattern is None:
                error(where, f"unknown framework `{prefix}` in `{reference}`")
            elif not re.fullmatch(pattern, ident):
                error(where, f"`{reference}` is not a {FRAMEWORK_NAMES[prefix]} reference")

    condition = question.get("condition")
    if condition:
        target = seen.get(condition.get("question")) if isinstance(condition, dict) else None
        if not isinstance(condition, dict) or not condition.get("question"):
            error(where, "a condition needs `question` and `equals` or `in`")
        elif target is None:
            error(where, f"condition names `{condition['question']}`, not an earlier question")
        else:
            expected = condition.get("in", [condition.get("equals")])
            if not isinstance(expected, list) or None in expected:
                error(where, "a condition needs `equals: value` or `in: [values]`")
            else:
                valid = _valid_answer_values(target)
                bad = [v for v in expected if valid is not None and str(v) not in valid]
                if bad:
                    error(where, f"condition value(s) {bad} are not answers of `{target['key']}`")
                elif valid is None:
                    error(where, "a condition can only test a yes/no or choice question")
                else:
                    _check_condition_is_monotone(target, {str(v) for v in expected}, where, error)

    expected_kind = question.get("evidence_expected")
    if expected_kind and expected_kind not in EvidenceKind.values:
        error(where, f"unknown evidence kind `{expected_kind}`")

    _validate_not_applicable(question, where, error)
    _validate_from_profile(question, where, error)
    _validate_evidence_fact(question, where, error)

    for blocker in question.get("blockers") or []:
        if not isinstance(blocker, dict) or not isinstance(blocker.get("when"), dict):
            error(where, "a blocker needs `when`, `forbids` and `reason`")
            continue
        forbids = blocker.get("forbids") or []
        if not forbids or any(c not in DataClass.values for c in forbids):
            error(where, "a blocker's `forbids` must list data classes")
        if not blocker.get("reason"):
            error(where, "a blocker needs a `reason`")
        when = blocker["when"]
        valid = _valid_answer_values(question)
        tested = when.get("in", [when["equals"]] if "equals" in when else [])
        if valid is not None and any(str(v) not in valid for v in tested):
            error(where, f"blocker tests {tested}, not all answers of this question")
        if not ({"equals", "in", "gt", "lt", "missing"} & set(when)):
            error(where, "a blocker's `when` needs equals, in, gt, lt or missing")
        limits = blocker.get("if_profile")
        if limits is not None:
            if not isinstance(limits, dict) or not limits:
                error(where, "a blocker's `if_profile` must map autonomy or integration to values")
            else:
                for name, values in limits.items():
                    allowed = PROFILE_VALUES.get(name)
                    if allowed is None:
                        error(where, f"`if_profile` can test autonomy or integration, not `{name}`")
                    elif not isinstance(values, list) or not set(values) <= allowed:
                        error(
                            where, f"`if_profile`: `{name}` must list values of {sorted(allowed)}"
                        )
        if set(blocker) - {"when", "forbids", "reason", "if_profile"}:
            error(where, "a blocker has only `when`, `forbids`, `reason` and `if_profile`")


def _validate_not_applicable(question: dict, where: str, error) -> None:
    """ "Not applicable" is a claim the bank must allow, on a plain yes/no control, with the
    text that says when it is honest."""
    allowance = question.get("not_applicable")
    if allowance is None:
        return
    if not isinstance(allowance, str) or not allowance.strip():
        error(where, "`not_applicable` must say when “not applicable” is an honest answer")
    if question.get("type") != AnswerType.YES_NO:
        error(where, "only yes/no questions can allow “not applicable”")
    if question.get("condition"):
        error(where, "a follow-up question cannot allow “not applicable”: its condition decides")
    if question.get("evidence_fact") or question.get("from_profile"):
        error(where, "a question checked against evidence or the profile cannot allow it")


def _validate_from_profile(question: dict, where: str, error) -> None:
    source = question.get("from_profile")
    if source is None:
        return
    if source in PROFILE_VALUES:
        needed = PROFILE_VALUES[source]
    elif (
        isinstance(source, str)
        and source.startswith(PROFILE_CATEGORY_PREFIX)
        and (source.removeprefix(PROFILE_CATEGORY_PREFIX) in SpecialCategory.values)
    ):
        needed = CATEGORY_VALUES
    else:
        error(
            where,
            f"`from_profile` must be {', '.join(PROFILE_FIELDS)} or "
            f"{PROFILE_CATEGORY_PREFIX}<category>, not `{source}`",
        )
        return
    if question.get("type") != AnswerType.SINGLE_CHOICE:
        error(where, "a question answered from the profile must be a single choice")
        return
    if question.get("condition"):
        error(where, "a question answered from the profile cannot have a condition")
    offered = {str(o.get("value")) for o in question.get("options") or [] if isinstance(o, dict)}
    if offered != needed:
        error(
            where, f"a question answered from `{source}` needs exactly the options {sorted(needed)}"
        )


def _validate_evidence_fact(question: dict, where: str, error) -> None:
    spec = question.get("evidence_fact")
    if spec is None:
        return
    kind = question.get("evidence_expected")
    if not isinstance(spec, dict) or not isinstance(spec.get("fact"), str):
        error(where, "`evidence_fact` needs `fact` (and optionally `map`)")
        return
    if set(spec) - {"fact", "map"}:
        error(where, "`evidence_fact` has only `fact` and `map`")
    if not kind:
        error(where, "`evidence_fact` needs `evidence_expected`")
    elif spec["fact"] not in EVIDENCE_FACTS.get(kind, []):
        error(where, f"`{spec['fact']}` is not a fact of {kind} evidence")
    mapping = spec.get("map")
    if mapping is None:
        if question.get("type") in CHOICE_TYPES:
            error(where, "`evidence_fact` of a choice question needs a `map` to its options")
        return
    if not isinstance(mapping, dict) or not mapping:
        error(where, "`evidence_fact.map` maps each recorded value to an answer")
        return
    valid = _valid_answer_values(question)
    bad = [v for v in mapping.values() if valid is not None and str(v) not in valid]
    if bad:
        error(where, f"`evidence_fact.map` gives {bad}, not answers of this question")
    if any(not isinstance(k, str) for k in mapping):
        error(where, "`evidence_fact.map` keys must be text: quote them (true/false, 1.2)")


def _option_risks(question: dict) -> dict[str, float]:
    if question.get("type") == AnswerType.YES_NO:
        return {"yes": 0.0, "partial": 0.5, "no": 1.0}
    return {str(o["value"]): float(o.get("risk") or 0) for o in question.get("options") or []}


def _check_condition_is_monotone(parent: dict, triggers: set[str], where: str, error) -> None:
    """Follow-up questions can only lower their group's credit (scoring.py). For a worse
    answer never to score better, an answer riskier than one that opens the follow-up must
    open it too, or earn no credit itself (risk 1)."""
    risks = _option_risks(parent)
    opening = [risks[v] for v in triggers if v in risks]
    if not opening:
        return
    lowest = min(opening)
    for value, risk in risks.items():
        if value not in triggers and lowest < risk < 1:
            error(
                where,
                f"`{parent['key']}` = {value} is riskier than an answer that shows this "
                f"question but does not show it; add `{value}` to the condition",
            )


def content_hash(data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_bank(path: Path) -> tuple[dict | None, list[BankError]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        return None, [BankError(str(path), "file", f"cannot be read: {problem}")]
    except yaml.YAMLError as problem:
        return None, [BankError(str(path), "file", f"is not valid YAML: {problem}")]
    return data, validate_bank(data, str(path))


@dataclass
class LoadResult:
    created: list[QuestionnaireTemplate]
    unchanged: list[QuestionnaireTemplate]
    errors: list[BankError]


def default_bank_paths() -> list[Path]:
    return sorted(BANKS_DIR.glob("*.yaml"))


def load_banks(paths: list[Path]) -> LoadResult:
    """Validate every file, then store all of them or none."""
    parsed, errors = [], []
    for path in paths:
        data, problems = read_bank(Path(path))
        errors.extend(problems)
        parsed.append((Path(path), data))
    keys = [d["bank"]["key"] for _, d in parsed if not errors]
    if len(keys) != len(set(keys)):
        errors.append(BankError("(all files)", "bank", "two files declare the same bank key"))
    if errors:
        return LoadResult([], [], errors)
    created, unchanged = [], []
    with transaction.atomic():
        for path, data in parsed:
            template, is_new = _store(path, data)
            (created if is_new else unchanged).append(template)
    return LoadResult(created, unchanged, [])


def _store(path: Path, data: dict) -> tuple[QuestionnaireTemplate, bool]:
    bank = data["bank"]
    digest = content_hash(data)
    existing = QuestionnaireTemplate.objects.filter(key=bank["key"])
    same = existing.filter(content_sha256=digest).order_by("-version").first()
    if same is not None:
        if not same.active:
            # The file went back to an earlier content: that version is the current one again.
            existing.exclude(pk=same.pk).update(active=False)
            QuestionnaireTemplate.objects.filter(pk=same.pk).update(active=True)
            same.active = True
            return same, True
        return same, False
    latest = existing.aggregate(v=Max("version"))["v"] or 0
    existing.update(active=False)
    template = QuestionnaireTemplate.objects.create(
        key=bank["key"],
        name=bank["name"],
        version=max(bank["version"], latest + 1),
        description=bank.get("description", ""),
        suggested_for=bank.get("suggested_for") or [],
        scope=bank.get("assesses") or {},
        source_file=path.name,
        content_sha256=digest,
        active=True,
    )
    order = 0
    questions = []
    for s_order, section_data in enumerate(data["sections"], start=1):
        section = Section.objects.create(
            template=template,
            key=section_data["key"],
            title=section_data["title"],
            description=section_data.get("description", ""),
            order=s_order,
        )
        for q in section_data["questions"]:
            order += 1
            questions.append(
                Question(
                    template=template,
                    section=section,
                    key=q["key"],
                    order=order,
                    text=q["text"].strip(),
                    help_text=(q.get("help") or "").strip(),
                    domain=q["domain"],
                    answer_type=q["type"],
                    weight=q["weight"],
                    required=q.get("required", True),
                    options=q.get("options") or [],
                    unit=q.get("unit", ""),
                    bands=q.get("bands") or [],
                    frameworks=q["frameworks"],
                    condition=q.get("condition") or {},
                    evidence_expected=q.get("evidence_expected") or "",
                    blockers=q.get("blockers") or [],
                    remediation=(q.get("remediation") or "").strip(),
                    not_applicable=(q.get("not_applicable") or "").strip(),
                    from_profile=q.get("from_profile") or "",
                    evidence_fact=q.get("evidence_fact") or {},
                )
            )
    Question.objects.bulk_create(questions)
    return template, True
