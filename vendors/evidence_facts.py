"""What the facts recorded on a piece of evidence are worth: the rules that make a record weak
or disqualify it, and the best record of each kind.

Pure: Evidence instances (or their values) in, plain results out; no query is run here. The
rules are data (FACT_RULES, one table per kind) so that the Python check (`fact_issues`) and
the SQL filter of the stored evidence summary (`not_core_evidence_q`, used by
vendors.selectors) are derived from the same declaration.

A weak fact lowers the credit of the evidence; a disqualifying one makes it count as no
evidence. Some facts also refuse data classes outright (`forbids`): the baseline failures,
such as TLS below 1.2 or training on our data without an opt-out.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Q

from vendors.models import CORE_EVIDENCE, EVIDENCE_FACTS, EvidenceKind, EvidenceStatus

WEAK, DISQUALIFYING = "weak", "disqualifying"
SOUND, DISQUALIFIED = "sound", "disqualified"  # strengths; WEAK is also one

LIVE_STATUSES = (EvidenceStatus.CURRENT, EvidenceStatus.EXPIRING)

# A SOC 2 report covers a past period; a bridge letter vouches for the time since. Without
# one, a report whose period ended longer ago than this is weak.
SOC2_BRIDGE_AFTER_MONTHS = 3
BREACH_NOTICE_MAX_HOURS = 72
# Every class above Public: what a baseline failure (broken TLS, training without opt-out)
# refuses outright.
BEYOND_PUBLIC = ("internal", "confidential", "restricted")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier, when negative), or the month's last day when
    it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: day 28 exists in every month


# --- The declaration ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthsBeforeToday:
    """A rule's value that depends on the day: the same day `months` months before today."""

    months: int

    def on(self, today: dt.date) -> dt.date:
        return add_months(today, -self.months)


@dataclass(frozen=True)
class Fact:
    """One condition on one fact: `name <op> value`.

    Ops: "is" (equal; None means not recorded), "is_not" (anything else, not recorded too),
    "in" (one of a tuple), "gt" and "lt" (a recorded value beyond `value`).
    """

    name: str
    op: str
    value: object = None

    def value_on(self, today: dt.date | None):
        if isinstance(self.value, MonthsBeforeToday):
            if today is None:
                raise ValueError(f"The rule on {self.name} depends on the day: pass today.")
            return self.value.on(today)
        return self.value

    def holds(self, facts: Mapping, today: dt.date | None) -> bool:
        actual, value = facts.get(self.name), self.value_on(today)
        if self.op == "is":
            return actual is None if value is None else actual is not None and actual == value
        if self.op == "is_not":
            return not (actual is not None and actual == value)
        if self.op == "in":
            return actual in value
        if actual is None:  # "gt" and "lt": an unrecorded value is neither
            return False
        if self.op == "gt":
            return actual > value
        if self.op == "lt":
            return actual < value
        raise ValueError(f"Unknown op {self.op!r}")

    def q(self, today: dt.date | None) -> Q:
        """The same condition for a filter of Evidence (NULLs behave as in `holds`)."""
        value = self.value_on(today)
        if self.op == "is":
            return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})
        if self.op == "is_not":
            # Django's negation keeps the rows where the column is NULL.
            return (
                ~Q(**{f"{self.name}__isnull": True}) if value is None else ~Q(**{self.name: value})
            )
        return Q(**{f"{self.name}__{self.op}": value})


@dataclass(frozen=True)
class FactRule:
    """When every condition of `when` holds, the record has the issue `text` (which may name
    the record's facts as `{name}`).

    `meets_core=False`: a record with this issue never meets core evidence, even if it is
    only weak (a SOC 2 Type I report is no SOC 2 Type II). `only_for_class`: the rule applies
    only when the vendor requests that data class."""

    effect: str
    text: str
    when: tuple[Fact, ...]
    forbids: tuple[str, ...] = ()
    meets_core: bool = True
    only_for_class: str | None = None

    @property
    def counts_against_core(self) -> bool:
        return self.effect == DISQUALIFYING or not self.meets_core

    def applies(self, facts: Mapping, *, today: dt.date | None, data_classes) -> bool:
        if self.only_for_class is not None and self.only_for_class not in data_classes:
            return False
        return all(condition.holds(facts, today) for condition in self.when)


def _scope_rules(what: str) -> tuple[FactRule, ...]:
    return (
        FactRule(
            DISQUALIFYING,
            f"The {what} scope does not include the AI service we would use.",
            (Fact("covers_ai_service", "is", False),),
        ),
        FactRule(
            WEAK,
            f"It is not recorded whether the {what} scope includes the AI service.",
            (Fact("covers_ai_service", "is", None),),
        ),
    )


# The rules of each kind. Kinds without an entry have none.
FACT_RULES: dict[str, tuple[FactRule, ...]] = {
    EvidenceKind.SOC2: (
        FactRule(
            WEAK,
            "A SOC 2 Type I report checks the design of controls on one date, not that they "
            "worked over a period.",
            (Fact("soc2_type", "is", "type1"),),
            meets_core=False,
        ),
        FactRule(
            WEAK,
            "The report type is not recorded, so it does not show a SOC 2 Type II audit.",
            (Fact("soc2_type", "in", ("", None)),),
            meets_core=False,
        ),
        FactRule(
            DISQUALIFYING,
            "The auditor gave a qualified opinion, finding that some controls did not meet "
            "the criteria.",
            (Fact("opinion", "is", "qualified"),),
        ),
        FactRule(
            WEAK,
            "The auditor's opinion is not recorded.",
            (Fact("opinion", "is", ""),),
            meets_core=False,
        ),
        FactRule(
            WEAK,
            "The auditor noted exceptions in the tests of controls.",
            (Fact("exceptions_noted", "is", True),),
        ),
        *_scope_rules("audited"),
        FactRule(
            WEAK,
            f"The audit period ended more than {SOC2_BRIDGE_AFTER_MONTHS} months ago and no "
            "bridge letter covers the time since.",
            (
                Fact("period_end", "lt", MonthsBeforeToday(SOC2_BRIDGE_AFTER_MONTHS)),
                Fact("bridge_letter", "is_not", True),
            ),
        ),
    ),
    EvidenceKind.ISO27001: _scope_rules("certified"),
    EvidenceKind.ISO42001: _scope_rules("certified"),
    EvidenceKind.DPA: (
        FactRule(
            DISQUALIFYING,
            "The agreement has no GDPR Art. 28(3) terms.",
            (Fact("gdpr_art28_terms", "is", False),),
        ),
        FactRule(
            WEAK,
            "It is not recorded whether the agreement has GDPR Art. 28(3) terms.",
            (Fact("gdpr_art28_terms", "is", None),),
        ),
        FactRule(
            WEAK,
            "No commitment to notify us of a breach within a set time is recorded.",
            (Fact("breach_notification_hours", "is", None),),
        ),
        FactRule(
            WEAK,
            "The vendor commits to notify a breach only within {breach_notification_hours} "
            f"hours, more than the {BREACH_NOTICE_MAX_HOURS} hours we have to notify the "
            "authority.",
            (Fact("breach_notification_hours", "gt", BREACH_NOTICE_MAX_HOURS),),
        ),
        FactRule(
            WEAK,
            "No transfer mechanism (such as standard contractual clauses) covers our data "
            "leaving the country.",
            (Fact("transfer_mechanism", "is", "none"),),
        ),
    ),
    EvidenceKind.ENCRYPTION: (
        FactRule(
            DISQUALIFYING,
            "The vendor accepts connections over TLS {min_tls_version}, which is broken; at "
            "least TLS 1.2 is needed.",
            (Fact("min_tls_version", "in", ("1.0", "1.1")),),
            forbids=BEYOND_PUBLIC,
        ),
        FactRule(
            WEAK,
            "The minimum TLS version is not recorded.",
            (Fact("min_tls_version", "is", ""),),
        ),
        FactRule(
            DISQUALIFYING,
            "Stored data is not encrypted at rest.",
            (Fact("encryption_at_rest", "is", False),),
        ),
        FactRule(
            WEAK,
            "Whether stored data is encrypted at rest is not recorded.",
            (Fact("encryption_at_rest", "is", None),),
        ),
        FactRule(
            WEAK,
            "The vendor manages the encryption keys, so it can read Restricted data; Restricted "
            "data needs keys we control.",
            (Fact("key_management", "is", "vendor"),),
            only_for_class="restricted",
        ),
        FactRule(
            WEAK,
            "Vendor staff have standing access to our content.",
            (Fact("staff_access", "is", "standing"),),
        ),
    ),
    EvidenceKind.TRAINING: (
        FactRule(
            DISQUALIFYING,
            "The vendor trains its models on our data by default, with no way to opt out.",
            (Fact("training_default", "is", "on_no_opt_out"),),
            forbids=BEYOND_PUBLIC,
        ),
        FactRule(
            WEAK,
            "Whether the vendor trains on our data by default is not recorded.",
            (Fact("training_default", "is", ""),),
        ),
        FactRule(
            WEAK,
            "Training on our data is on by default and the opt-out is not backed by a "
            "contractual no-training commitment.",
            (
                Fact("training_default", "is", "opt_out"),
                Fact("no_training_commitment", "is_not", True),
            ),
        ),
    ),
    EvidenceKind.RETENTION: (
        FactRule(
            WEAK,
            "Neither how long prompts nor how long outputs are kept is stated.",
            (
                Fact("prompt_retention_days", "is", None),
                Fact("output_retention_days", "is", None),
            ),
        ),
        FactRule(
            WEAK,
            "No time to delete our data on request is stated.",
            (Fact("deletion_on_request_days", "is", None),),
        ),
    ),
}


def _check_declaration() -> None:
    """Fail at import, not in production, when a rule names a fact its kind does not record
    or cannot be turned into SQL."""
    for kind, rules in FACT_RULES.items():
        for rule in rules:
            if rule.effect not in (WEAK, DISQUALIFYING):
                raise ValueError(f"{kind}: unknown effect {rule.effect!r}")
            for condition in rule.when:
                if condition.name not in EVIDENCE_FACTS[kind]:
                    raise ValueError(f"{kind}: {condition.name} is not one of its facts")
                if condition.op not in ("is", "is_not", "in", "gt", "lt"):
                    raise ValueError(f"{kind}: unknown op {condition.op!r}")
            if rule.counts_against_core and rule.only_for_class is not None:
                # The stored summary is one SQL filter for every vendor: it cannot depend on
                # a vendor's data classes.
                raise ValueError(f"{kind}: a rule against core evidence depends on data classes")
            if not rule.meets_core and (
                rule.effect != WEAK
                or any(isinstance(c.value, MonthsBeforeToday) for c in rule.when)
            ):
                # EvidenceAppraisal.meets_core re-reads these from the facts alone, without a
                # day; and only a weak one needs the flag (a disqualifying one never counts).
                raise ValueError(
                    f"{kind}: a rule kept from core evidence must be weak and dateless"
                )


_check_declaration()


# --- Issues of one record ---------------------------------------------------------------------


@dataclass(frozen=True)
class FactIssue:
    effect: str  # WEAK or DISQUALIFYING
    text: str  # one plain sentence a security lead understands, no codes
    forbids: tuple[str, ...] = ()  # data classes this fact refuses outright


def record_facts(evidence) -> dict:
    """{fact name: value} of a record, for every fact its kind records."""
    return {name: getattr(evidence, name) for name in EVIDENCE_FACTS[evidence.kind]}


def _issues(kind: str, facts: Mapping, *, today, data_classes) -> list[FactIssue]:
    return [
        FactIssue(rule.effect, rule.text.format(**facts), rule.forbids)
        for rule in FACT_RULES.get(kind, ())
        if rule.applies(facts, today=today, data_classes=data_classes)
    ]


def fact_issues(evidence, *, today: dt.date, data_classes) -> list[FactIssue]:
    """The issues of one evidence record, in the order of its kind's rules; `data_classes` are
    the classes the vendor requests."""
    return _issues(
        evidence.kind, record_facts(evidence), today=today, data_classes=set(data_classes)
    )


def strength_of(issues: Iterable[FactIssue]) -> str:
    """Disqualified if any issue disqualifies, weak if any is weak, else sound."""
    effects = {issue.effect for issue in issues}
    if DISQUALIFYING in effects:
        return DISQUALIFIED
    return WEAK if WEAK in effects else SOUND


# --- The best record of each kind -------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceAppraisal:
    kind: str
    status: str  # "current" | "expiring" | "expired"
    strength: str  # "sound" | "weak" | "disqualified"
    issues: tuple[FactIssue, ...]
    evidence_id: int | None
    facts: dict  # {fact name: value} of the record, for every name in EVIDENCE_FACTS[kind]

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def meets_core(self) -> bool:
        """Live, not disqualified, and of a sort that can be core evidence (no SOC 2 Type I)."""
        return self.is_live and self.strength != DISQUALIFIED and not _not_core(self)


def _not_core(appraisal: EvidenceAppraisal) -> list[FactRule]:
    """The rules that keep a record from being core evidence even when it is not
    disqualified. They are weak and depend on no day and no data class (checked at
    import)."""
    return [
        rule
        for rule in FACT_RULES.get(appraisal.kind, ())
        if not rule.meets_core and rule.applies(appraisal.facts, today=None, data_classes=())
    ]


STRENGTH_RANK = {SOUND: 0, WEAK: 1, DISQUALIFIED: 2}


def appraise(records, *, today: dt.date, data_classes) -> dict[str, EvidenceAppraisal]:
    """The best record of each kind, appraised: a live one (current or expiring) before an
    expired one, then sound before weak before disqualified, then (so that the summary's SQL
    agrees) one that can be core evidence before one that cannot, then the later expiry (no
    expiry counts as latest). Kinds without a record are absent: missing."""
    data_classes = set(data_classes)
    best: dict[str, tuple[tuple, EvidenceAppraisal]] = {}
    for evidence in records:
        kind = str(evidence.kind)
        facts = record_facts(evidence)
        issues = tuple(_issues(kind, facts, today=today, data_classes=data_classes))
        appraisal = EvidenceAppraisal(
            kind=kind,
            status=str(evidence.status(today)),
            strength=strength_of(issues),
            issues=issues,
            evidence_id=evidence.pk,
            facts=facts,
        )
        expiry = evidence.expires_on or dt.date.max
        key = (
            not appraisal.is_live,
            STRENGTH_RANK[appraisal.strength],
            bool(_not_core(appraisal)),
            -expiry.toordinal(),
        )
        if kind not in best or key < best[kind][0]:
            best[kind] = (key, appraisal)
    return {kind: appraisal for kind, (_key, appraisal) in best.items()}


# --- Core evidence ----------------------------------------------------------------------------

# What each core evidence entry (vendors.models.CORE_EVIDENCE) asks for, in words.
CORE_EVIDENCE_NOUNS = {
    "assurance": "SOC 2 Type II report or ISO 27001 certificate",
    "dpa": "data processing agreement",
    "retention": "statement of retention and deletion terms",
    "encryption": "statement of encryption and key management",
    "training": "statement of training-data use",
}
if set(CORE_EVIDENCE_NOUNS) != {key for key, _label, _kinds in CORE_EVIDENCE}:
    raise ValueError("CORE_EVIDENCE_NOUNS must name every entry of CORE_EVIDENCE")


def _clause(sentence: str) -> str:
    """A sentence as a clause after a colon: no full stop, no capital unless it starts a
    name ("SOC 2", "TLS")."""
    clause = sentence.rstrip(".")
    first_word = clause.split(" ", 1)[0]
    if not any(letter.isupper() for letter in first_word[1:]):
        clause = clause[:1].lower() + clause[1:]
    return clause


def _kind_label(kind: str) -> str:
    return EvidenceKind(kind).label


def core_evidence_gap(key: str, appraisals: Mapping[str, EvidenceAppraisal]) -> str:
    """Why the core evidence entry `key` is unmet, in one sentence; "" when it is met."""
    kinds = next(kinds for k, _label, kinds in CORE_EVIDENCE if k == key)
    noun = CORE_EVIDENCE_NOUNS[key]
    candidates = [appraisals[kind] for kind in kinds if kind in appraisals]
    if any(a.meets_core for a in candidates):
        return ""
    live = [a for a in candidates if a.is_live]
    disqualified = [a for a in live if a.strength == DISQUALIFIED]
    if disqualified:
        appraisal = disqualified[0]
        reasons = "; ".join(_clause(i.text) for i in appraisal.issues if i.effect == DISQUALIFYING)
        if len(kinds) == 1:
            return f"The {noun} is disqualified: {reasons}."
        label = _kind_label(appraisal.kind)
        return f"No current {noun}: the {label} on record is disqualified because {reasons}."
    if live:  # live, not disqualified, yet not core evidence (a SOC 2 Type I report)
        reasons = "; ".join(_clause(rule.text) for rule in _not_core(live[0]))
        return f"No current {noun}: {reasons}."
    if candidates:
        return f"No current {noun}: the one on record has expired."
    return f"No current {noun}: none is recorded."


def core_evidence_gaps(appraisals: Mapping[str, EvidenceAppraisal]) -> list[str]:
    """One plain reason per unmet entry of CORE_EVIDENCE, in its order. An entry is met by a
    live, not disqualified record of one of its kinds that can be core evidence."""
    gaps = [core_evidence_gap(key, appraisals) for key, _label, _kinds in CORE_EVIDENCE]
    return [gap for gap in gaps if gap]


def not_core_evidence_q(today: dt.date) -> Q:
    """Evidence that cannot meet core evidence whatever its dates (disqualified, or a SOC 2
    Type I report), as a filter: the same rules as `EvidenceAppraisal.meets_core`."""
    q = Q()
    for kind, rules in FACT_RULES.items():
        for rule in rules:
            if rule.counts_against_core:
                q |= rule_q(kind, rule, today)
    return q


def rule_q(kind: str, rule: FactRule, today: dt.date) -> Q:
    """The evidence to which `rule` of `kind` applies, as a filter (rules that depend on the
    vendor's data classes have no such filter)."""
    if rule.only_for_class is not None:
        raise ValueError("A rule that depends on the vendor's data classes has no filter.")
    q = Q(kind=kind)
    for condition in rule.when:
        q &= condition.q(today)
    return q
