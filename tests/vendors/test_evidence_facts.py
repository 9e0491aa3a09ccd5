"""vendors.evidence_facts: each fact rule at its boundary, the best record of each kind, the
core evidence gaps, and the stored evidence summary (SQL) agreeing with them."""

import datetime as dt

import pytest

from tests.vendors.factories import EvidenceFactory, VendorFactory
from vendors.evidence_facts import (
    DISQUALIFYING,
    FACT_RULES,
    WEAK,
    EvidenceAppraisal,
    FactIssue,
    MonthsBeforeToday,
    appraise,
    core_evidence_gaps,
    fact_issues,
    record_facts,
    rule_q,
    strength_of,
)
from vendors.models import CORE_EVIDENCE, EVIDENCE_FACTS, Evidence, EvidenceKind, Vendor
from vendors.selectors import core_evidence_status, with_evidence_summary
from vendors.services import evidence_expiry

TODAY = dt.date(2025, 6, 15)
BEYOND_PUBLIC = ("internal", "confidential", "restricted")

# A record of each kind with nothing wrong in its facts.
SOUND_FACTS = {
    EvidenceKind.SOC2: {
        "soc2_type": "type2", "period_start": dt.date(2024, 4, 1),
        "period_end": dt.date(2025, 3, 31), "opinion": "unqualified", "exceptions_noted": False,
        "bridge_letter": None, "covers_ai_service": True,
    },
    EvidenceKind.ISO27001: {
        "certification_body": "BSI", "issue_date": dt.date(2024, 1, 1),
        "expiry_date": dt.date(2027, 1, 1), "covers_ai_service": True,
    },
    EvidenceKind.ISO42001: {
        "certification_body": "BSI", "issue_date": dt.date(2024, 1, 1),
        "expiry_date": dt.date(2027, 1, 1), "covers_ai_service": True,
    },
    EvidenceKind.DPA: {
        "signed_date": dt.date(2024, 1, 1), "gdpr_art28_terms": True,
        "breach_notification_hours": 48, "transfer_mechanism": "sccs",
    },
    EvidenceKind.RETENTION: {
        "prompt_retention_days": 30, "output_retention_days": 30,
        "deletion_on_request_days": 30, "document_date": dt.date(2025, 1, 10),
    },
    EvidenceKind.ENCRYPTION: {
        "min_tls_version": "1.2", "encryption_at_rest": True, "key_management": "byok",
        "staff_access": "approved", "document_date": dt.date(2025, 1, 10),
    },
    EvidenceKind.TRAINING: {
        "training_default": "never", "no_training_commitment": True,
        "document_date": dt.date(2025, 1, 10),
    },
}  # fmt: skip


def record(kind, **facts) -> Evidence:
    """An unsaved record of `kind`: its sound facts, changed by `facts`; the expiry derived
    from them unless given."""
    evidence = Evidence(kind=kind, **{**SOUND_FACTS.get(kind, {}), **facts})
    if "expires_on" not in facts:
        evidence.expires_on = evidence_expiry(evidence)
    return evidence


def issues(kind, *, data_classes=("internal",), **facts) -> list[FactIssue]:
    return fact_issues(record(kind, **facts), today=TODAY, data_classes=data_classes)


def effects(kind, **facts) -> list[str]:
    return [issue.effect for issue in issues(kind, **facts)]


# --- Sound records ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SOUND_FACTS))
def test_a_sound_record_has_no_issue(kind):
    assert issues(kind, data_classes=["public", "internal", "confidential", "restricted"]) == []


@pytest.mark.parametrize(
    "kind", [EvidenceKind.PENTEST, EvidenceKind.SUBPROCESSORS, EvidenceKind.MODEL_CARD,
             EvidenceKind.RED_TEAM, EvidenceKind.OTHER],
)  # fmt: skip
def test_other_kinds_have_no_fact_issues(kind):
    assert issues(kind, document_date=dt.date(2019, 1, 1)) == []


# --- SOC 2 ------------------------------------------------------------------------------------


def test_a_soc2_type_i_report_is_weak():
    [issue] = issues(EvidenceKind.SOC2, soc2_type="type1")

    assert issue.effect == WEAK
    assert issue.text.startswith("A SOC 2 Type I report")


def test_a_qualified_soc2_opinion_disqualifies():
    [issue] = issues(EvidenceKind.SOC2, opinion="qualified")

    assert (issue.effect, issue.forbids) == (DISQUALIFYING, ())
    assert "qualified opinion" in issue.text


@pytest.mark.parametrize(("noted", "expected"), [(True, [WEAK]), (False, []), (None, [])])
def test_exceptions_noted_make_a_soc2_report_weak(noted, expected):
    assert effects(EvidenceKind.SOC2, exceptions_noted=noted) == expected


@pytest.mark.parametrize("kind", [EvidenceKind.SOC2, EvidenceKind.ISO27001, EvidenceKind.ISO42001])
@pytest.mark.parametrize(
    ("covers", "expected"), [(True, []), (None, [WEAK]), (False, [DISQUALIFYING])],
    ids=["covers", "not-recorded", "does-not-cover"],
)  # fmt: skip
def test_a_scope_that_does_not_cover_the_ai_service(kind, covers, expected):
    assert effects(kind, covers_ai_service=covers) == expected


def test_a_scope_not_recorded_says_so_in_plain_words():
    [issue] = issues(EvidenceKind.ISO27001, covers_ai_service=None)

    assert issue.text == "It is not recorded whether the certified scope includes the AI service."


@pytest.mark.parametrize(
    ("period_end", "bridge_letter", "expected"),
    [
        (dt.date(2025, 3, 15), None, []),  # ended exactly 3 months ago
        (dt.date(2025, 3, 14), None, [WEAK]),  # a day more
        (dt.date(2025, 3, 14), False, [WEAK]),
        (dt.date(2025, 3, 14), True, []),  # a bridge letter covers the time since
    ],
    ids=["3-months", "3-months-and-a-day", "no-bridge-letter", "bridge-letter"],
)
def test_a_soc2_period_that_ended_over_3_months_ago_needs_a_bridge_letter(
    period_end, bridge_letter, expected
):
    facts = {"period_end": period_end, "bridge_letter": bridge_letter}

    assert effects(EvidenceKind.SOC2, **facts) == expected


def test_the_bridge_letter_rule_counts_months_at_month_ends():
    # Three months before 31 May is 28 February (no 31st): a period ending then is fine.
    assert MonthsBeforeToday(3).on(dt.date(2025, 5, 31)) == dt.date(2025, 2, 28)
    soc2 = record(EvidenceKind.SOC2, period_end=dt.date(2025, 2, 28))
    assert fact_issues(soc2, today=dt.date(2025, 5, 31), data_classes=[]) == []
    assert fact_issues(soc2, today=dt.date(2025, 6, 1), data_classes=[])[0].effect == WEAK


# --- Data processing agreement ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "expected"), [(True, []), (None, [WEAK]), (False, [DISQUALIFYING])]
)
def test_a_dpa_needs_gdpr_art_28_terms(terms, expected):
    assert effects(EvidenceKind.DPA, gdpr_art28_terms=terms) == expected


def test_a_dpa_without_art_28_terms_says_so():
    [issue] = issues(EvidenceKind.DPA, gdpr_art28_terms=False)

    assert issue.text == "The agreement has no GDPR Art. 28(3) terms."


@pytest.mark.parametrize(
    ("hours", "expected"), [(1, []), (72, []), (73, [WEAK]), (168, [WEAK]), (None, [WEAK])]
)
def test_a_breach_notice_beyond_72_hours_or_none_is_weak(hours, expected):
    assert effects(EvidenceKind.DPA, breach_notification_hours=hours) == expected


def test_a_late_breach_notice_names_its_hours():
    [issue] = issues(EvidenceKind.DPA, breach_notification_hours=168)

    assert "within 168 hours" in issue.text


@pytest.mark.parametrize(
    ("mechanism", "expected"),
    [("sccs", []), ("dpf", []), ("not_needed", []), ("", []), ("none", [WEAK])],
)
def test_a_dpa_without_a_transfer_mechanism_is_weak(mechanism, expected):
    assert effects(EvidenceKind.DPA, transfer_mechanism=mechanism) == expected


# --- Encryption -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_tls_below_1_2_disqualifies_and_refuses_every_class_above_public(version):
    [issue] = issues(EvidenceKind.ENCRYPTION, min_tls_version=version)

    assert (issue.effect, issue.forbids) == (DISQUALIFYING, BEYOND_PUBLIC)
    assert f"TLS {version}" in issue.text


@pytest.mark.parametrize(("version", "expected"), [("1.2", []), ("1.3", []), ("", [WEAK])])
def test_tls_1_2_is_enough_and_an_unrecorded_version_is_weak(version, expected):
    assert effects(EvidenceKind.ENCRYPTION, min_tls_version=version) == expected


@pytest.mark.parametrize(
    ("at_rest", "expected"), [(True, []), (False, [DISQUALIFYING]), (None, [WEAK])]
)
def test_no_encryption_at_rest_disqualifies_and_an_unrecorded_one_is_weak(at_rest, expected):
    assert effects(EvidenceKind.ENCRYPTION, encryption_at_rest=at_rest) == expected


@pytest.mark.parametrize(
    ("keys", "data_classes", "expected"),
    [
        ("vendor", ["internal", "restricted"], [WEAK]),
        ("vendor", ["internal", "confidential"], []),
        ("byok", ["restricted"], []),
        ("hyok", ["restricted"], []),
    ],
)
def test_vendor_managed_keys_are_weak_only_for_restricted_data(keys, data_classes, expected):
    found = issues(EvidenceKind.ENCRYPTION, key_management=keys, data_classes=data_classes)

    assert [issue.effect for issue in found] == expected


@pytest.mark.parametrize(
    ("access", "expected"),
    [("none", []), ("approved", []), ("logged", []), ("standing", [WEAK])],
)
def test_standing_staff_access_is_weak(access, expected):
    assert effects(EvidenceKind.ENCRYPTION, staff_access=access) == expected


# --- Training-data use ------------------------------------------------------------------------


def test_training_on_our_data_without_opt_out_disqualifies_and_refuses_internal_and_up():
    [issue] = issues(
        EvidenceKind.TRAINING, training_default="on_no_opt_out", no_training_commitment=None
    )

    assert (issue.effect, issue.forbids) == (DISQUALIFYING, BEYOND_PUBLIC)


@pytest.mark.parametrize(
    ("default", "commitment", "expected"),
    [
        ("opt_out", None, [WEAK]),
        ("opt_out", False, [WEAK]),
        ("opt_out", True, []),
        ("opt_in", None, []),
        ("never", None, []),
    ],
)
def test_an_opt_out_without_a_no_training_commitment_is_weak(default, commitment, expected):
    facts = {"training_default": default, "no_training_commitment": commitment}

    assert effects(EvidenceKind.TRAINING, **facts) == expected


# --- Retention --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompts", "outputs", "expected"),
    [(None, None, [WEAK]), (0, None, []), (None, 30, []), (30, 30, [])],
)
def test_retention_needs_prompts_or_outputs_stated(prompts, outputs, expected):
    facts = {"prompt_retention_days": prompts, "output_retention_days": outputs}

    assert effects(EvidenceKind.RETENTION, **facts) == expected


@pytest.mark.parametrize(("days", "expected"), [(None, [WEAK]), (0, []), (30, [])])
def test_retention_needs_a_deletion_time_stated(days, expected):
    assert effects(EvidenceKind.RETENTION, deletion_on_request_days=days) == expected


# --- Strength ---------------------------------------------------------------------------------


def test_strength_is_the_worst_issue():
    weak, bad = FactIssue(WEAK, "w"), FactIssue(DISQUALIFYING, "d")

    assert strength_of([]) == "sound"
    assert strength_of([weak]) == "weak"
    assert strength_of([weak, bad]) == "disqualified"


def test_every_issue_text_is_a_plain_sentence():
    for kind, rules in FACT_RULES.items():
        for rule in rules:
            assert rule.text[0].isupper() and rule.text.endswith("."), (kind, rule.text)
            assert "_" not in rule.text.replace("{breach_notification_hours}", "").replace(
                "{min_tls_version}", ""
            ), (kind, rule.text)


# --- appraise ---------------------------------------------------------------------------------


def saved(kind, pk, **facts) -> Evidence:
    evidence = record(kind, **facts)
    evidence.pk = pk
    return evidence


def best(*records, data_classes=("internal",)) -> dict[str, EvidenceAppraisal]:
    return appraise(records, today=TODAY, data_classes=data_classes)


def test_appraise_gives_the_facts_and_issues_of_the_chosen_record():
    [appraisal] = best(saved(EvidenceKind.DPA, 7, breach_notification_hours=96)).values()

    assert (appraisal.kind, appraisal.status, appraisal.strength) == ("dpa", "current", "weak")
    assert appraisal.evidence_id == 7
    assert set(appraisal.facts) == set(EVIDENCE_FACTS[EvidenceKind.DPA])
    assert appraisal.facts["breach_notification_hours"] == 96
    assert [i.effect for i in appraisal.issues] == [WEAK]


def test_appraise_leaves_kinds_without_a_record_out():
    assert set(best(saved(EvidenceKind.DPA, 1))) == {"dpa"}
    assert best() == {}


def test_a_live_weak_record_beats_an_expired_sound_one():
    expired = saved(EvidenceKind.DPA, 1, valid_until=dt.date(2025, 6, 14))
    weak = saved(EvidenceKind.DPA, 2, transfer_mechanism="none", valid_until=TODAY)

    assert best(expired, weak)["dpa"].evidence_id == 2
    assert best(expired, weak)["dpa"].status == "expiring"


def test_a_sound_record_beats_a_weak_one_that_lasts_longer():
    weak = saved(EvidenceKind.DPA, 1, gdpr_art28_terms=None, valid_until=dt.date(2030, 1, 1))
    sound = saved(EvidenceKind.DPA, 2, valid_until=dt.date(2026, 1, 1))

    assert best(weak, sound)["dpa"].evidence_id == 2


def test_a_weak_record_beats_a_disqualified_one():
    disqualified = saved(EvidenceKind.DPA, 1, gdpr_art28_terms=False)
    weak = saved(EvidenceKind.DPA, 2, gdpr_art28_terms=None)

    assert best(disqualified, weak)["dpa"].evidence_id == 2


def test_a_disqualified_live_record_beats_an_expired_one():
    expired = saved(EvidenceKind.DPA, 1, valid_until=dt.date(2024, 1, 1))
    disqualified = saved(EvidenceKind.DPA, 2, gdpr_art28_terms=False)

    assert best(expired, disqualified)["dpa"].strength == "disqualified"


def test_of_equal_records_the_later_expiry_wins_and_no_expiry_is_latest():
    earlier = saved(EvidenceKind.TRAINING, 1, valid_until=dt.date(2026, 1, 1))
    later = saved(EvidenceKind.TRAINING, 2, valid_until=dt.date(2027, 1, 1))
    open_ended = saved(EvidenceKind.TRAINING, 3, expires_on=None)

    assert best(earlier, later)["training"].evidence_id == 2
    assert best(earlier, later, open_ended)["training"].evidence_id == 3


def test_of_two_weak_soc2_reports_a_type_ii_beats_a_type_i_that_lasts_longer():
    type2 = saved(EvidenceKind.SOC2, 1, exceptions_noted=True)
    type1 = saved(EvidenceKind.SOC2, 2, soc2_type="type1", period_end=dt.date(2025, 5, 31))

    assert best(type2, type1)["soc2"].evidence_id == 1


def test_issues_that_depend_on_the_data_classes_follow_them():
    vendor_keys = saved(EvidenceKind.ENCRYPTION, 1, key_management="vendor")

    assert best(vendor_keys, data_classes=["restricted"])["encryption"].strength == "weak"
    assert best(vendor_keys, data_classes=["confidential"])["encryption"].strength == "sound"


# --- core_evidence_gaps -----------------------------------------------------------------------


def all_sound(**replace) -> list[Evidence]:
    """A sound record of each core kind (SOC 2 for assurance); `replace` swaps some."""
    kinds = [EvidenceKind.SOC2, EvidenceKind.DPA, EvidenceKind.RETENTION,
             EvidenceKind.ENCRYPTION, EvidenceKind.TRAINING]  # fmt: skip
    records = {kind: saved(kind, n) for n, kind in enumerate(kinds, start=1)}
    records.update(replace)
    return [r for r in records.values() if r is not None]


def gaps(records) -> list[str]:
    return core_evidence_gaps(appraise(records, today=TODAY, data_classes=["internal"]))


def test_sound_core_evidence_has_no_gap():
    assert gaps(all_sound()) == []


def test_weak_core_evidence_still_counts():
    weak = saved(EvidenceKind.DPA, 9, breach_notification_hours=None, transfer_mechanism="none")

    assert gaps(all_sound(dpa=weak)) == []


def test_without_evidence_every_core_entry_is_a_gap():
    assert gaps([]) == [
        "No current SOC 2 Type II report or ISO 27001 certificate: none is recorded.",
        "No current data processing agreement: none is recorded.",
        "No current statement of retention and deletion terms: none is recorded.",
        "No current statement of encryption and key management: none is recorded.",
        "No current statement of training-data use: none is recorded.",
    ]
    assert len(gaps([])) == len(CORE_EVIDENCE)


def test_a_disqualified_dpa_is_a_gap_with_its_reason():
    no_terms = saved(EvidenceKind.DPA, 9, gdpr_art28_terms=False)

    assert gaps(all_sound(dpa=no_terms)) == [
        "The data processing agreement is disqualified: the agreement has no GDPR Art. 28(3) terms."
    ]


def test_an_expired_record_is_a_gap():
    expired = saved(EvidenceKind.TRAINING, 9, valid_until=dt.date(2025, 6, 14))

    assert gaps(all_sound(training=expired)) == [
        "No current statement of training-data use: the one on record has expired."
    ]


def test_a_soc2_type_i_report_never_meets_core_evidence():
    type1 = saved(EvidenceKind.SOC2, 9, soc2_type="type1")

    [gap] = gaps(all_sound(soc2=type1))

    assert gap.startswith(
        "No current SOC 2 Type II report or ISO 27001 certificate: a SOC 2 Type I"
    )


def test_a_disqualified_soc2_report_names_its_reason_and_an_iso_certificate_makes_up():
    qualified = saved(EvidenceKind.SOC2, 9, opinion="qualified")

    [gap] = gaps(all_sound(soc2=qualified))
    iso = saved(EvidenceKind.ISO27001, 10)

    assert gap == (
        "No current SOC 2 Type II report or ISO 27001 certificate: the SOC 2 report on record "
        "is disqualified because the auditor gave a qualified opinion, finding that some "
        "controls did not meet the criteria."
    )
    assert gaps([*all_sound(soc2=qualified), iso]) == []


def test_tls_1_0_and_training_without_opt_out_are_both_gaps():
    found = gaps(
        all_sound(
            encryption=saved(EvidenceKind.ENCRYPTION, 9, min_tls_version="1.0"),
            training=saved(EvidenceKind.TRAINING, 10, training_default="on_no_opt_out"),
        )
    )

    assert found == [
        "The statement of encryption and key management is disqualified: the vendor accepts "
        "connections over TLS 1.0, which is broken; at least TLS 1.2 is needed.",
        "The statement of training-data use is disqualified: the vendor trains its models on "
        "our data by default, with no way to opt out.",
    ]


# --- The stored summary (SQL) agrees ----------------------------------------------------------


def violating_facts(rule, today: dt.date) -> dict:
    """Facts that make `rule` apply, derived from its declaration."""
    facts = {}
    for condition in rule.when:
        value = condition.value_on(today)
        facts[condition.name] = {
            "is": value,
            "in": value[0] if isinstance(value, tuple) else value,
            "gt": value + 1 if isinstance(value, int) else value,
            "lt": value - dt.timedelta(days=1) if isinstance(value, dt.date) else value,
            "is_not": False if value is True else None,
        }[condition.op]
    return facts


RULE_CASES = [
    pytest.param(kind, index, id=f"{kind}-{index}")
    for kind, rules in FACT_RULES.items()
    for index, _rule in enumerate(rules)
]


CORE_KINDS = (EvidenceKind.SOC2, EvidenceKind.DPA, EvidenceKind.RETENTION,
              EvidenceKind.ENCRYPTION, EvidenceKind.TRAINING)  # fmt: skip


def sound_core_evidence(vendor, replace: dict | None = None) -> None:
    """A sound record of each core kind, but for the kinds in `replace`: their facts changed,
    or no record when None."""
    replace = replace or {}
    for kind in CORE_KINDS:
        facts = replace.get(kind, {})
        if facts is not None:
            EvidenceFactory(vendor=vendor, kind=kind, **{**SOUND_FACTS[kind], **facts})


def agreement(vendor) -> tuple[list[str], bool, dict]:
    """The gaps by the Python rules, the stored summary and the SQL annotation."""
    evidence = list(vendor.evidence.all())
    appraisals = appraise(evidence, today=TODAY, data_classes=vendor.data_classes)
    found = core_evidence_gaps(appraisals)
    stored = Vendor.objects.get(pk=vendor.pk).evidence_missing_core
    annotated = with_evidence_summary(Vendor.objects.filter(pk=vendor.pk), today=TODAY).get()
    has = {key: getattr(annotated, f"has_{key}") for key, _label, _kinds in CORE_EVIDENCE}
    rows = core_evidence_status(evidence, TODAY)
    assert stored == bool(found) == (not all(has.values()))
    assert [row["met"] for row in rows] == list(has.values())
    assert [row["reason"] for row in rows if row["reason"]] == found
    return found, stored, has


@pytest.fixture
def on_today(time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC), tick=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
@pytest.mark.parametrize(("kind", "index"), RULE_CASES)
def test_the_stored_summary_agrees_with_each_rule(kind, index):
    rule = FACT_RULES[kind][index]
    vendor = VendorFactory(data_classes=["internal", "restricted"])
    # The record that breaks the rule stands alone for its core entry.
    alone = EvidenceKind.SOC2 if kind == EvidenceKind.ISO27001 else kind
    sound_core_evidence(vendor, {alone: None} if alone in CORE_KINDS else {})
    EvidenceFactory(
        vendor=vendor, kind=kind, **{**SOUND_FACTS[kind], **violating_facts(rule, TODAY)}
    )

    found, stored, _has = agreement(vendor)

    is_core = any(kind in kinds for _key, _label, kinds in CORE_EVIDENCE)
    assert stored is (is_core and rule.counts_against_core)
    assert len(found) == int(stored)


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_stored_summary_refuses_a_lone_disqualified_or_type_i_soc2_report():
    for facts in ({"opinion": "qualified"}, {"soc2_type": "type1"}, {"covers_ai_service": False}):
        vendor = VendorFactory()
        sound_core_evidence(vendor, {EvidenceKind.SOC2: facts})

        found, stored, has = agreement(vendor)

        assert stored is True and has["assurance"] is False
        assert found[0].startswith("No current SOC 2 Type II report or ISO 27001 certificate")


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_stored_summary_accepts_weak_core_evidence_and_the_better_of_two_records():
    vendor = VendorFactory()
    sound_core_evidence(
        vendor,
        {
            EvidenceKind.DPA: {"gdpr_art28_terms": None, "breach_notification_hours": 96},
            EvidenceKind.ENCRYPTION: {"min_tls_version": "1.1"},
        },
    )
    EvidenceFactory(vendor=vendor, kind=EvidenceKind.ENCRYPTION, **SOUND_FACTS["encryption"])

    found, stored, _has = agreement(vendor)

    assert (found, stored) == ([], False)


@pytest.mark.django_db
@pytest.mark.usefixtures("on_today")
def test_the_stored_summary_ignores_a_disqualified_record_that_has_expired():
    vendor = VendorFactory()
    sound_core_evidence(vendor, {EvidenceKind.DPA: None})
    EvidenceFactory(
        vendor=vendor, kind=EvidenceKind.DPA,
        **{**SOUND_FACTS["dpa"], "gdpr_art28_terms": False, "valid_until": dt.date(2025, 1, 1)},
    )  # fmt: skip

    found, stored, _has = agreement(vendor)

    assert stored is True
    assert found == ["No current data processing agreement: the one on record has expired."]


@pytest.mark.django_db
def test_each_rule_as_sql_matches_the_records_it_applies_to_in_python():
    vendor = VendorFactory()
    records = []
    for kind, rules in FACT_RULES.items():
        records.append(EvidenceFactory(vendor=vendor, kind=kind, **SOUND_FACTS[kind]))
        # Every fact unrecorded: NULLs must behave the same in SQL as in Python.
        records.append(EvidenceFactory(vendor=vendor, kind=kind))
        for rule in rules:
            facts = {**SOUND_FACTS[kind], **violating_facts(rule, TODAY)}
            records.append(EvidenceFactory(vendor=vendor, kind=kind, **facts))
    for kind, rules in FACT_RULES.items():
        for rule in rules:
            if rule.only_for_class is not None:
                continue
            in_sql = set(
                Evidence.objects.filter(rule_q(kind, rule, TODAY)).values_list("pk", flat=True)
            )
            in_python = {
                r.pk
                for r in records
                if r.kind == kind and rule.applies(record_facts(r), today=TODAY, data_classes=())
            }
            assert in_python, (kind, rule.text)
            assert in_sql == in_python, (kind, rule.text)
