"""Benchmark: the daily reminder sweep at 100,000 vendors, on PostgreSQL.

    make bench-sweep      (or: .venv/bin/python bench/sweep_bench.py [--vendors 100000]
                                [--due 1 20] [--runs 3])

For each share of vendors due (by default about 1 % and about 20 %), in a dedicated database
`clearance_sweep_bench` (created here, dropped at the end, also on error or Ctrl-C): migrates,
loads the shipped question banks, seeds what the sweep reads and runs the sweep as the
management command does (assessments.reminders.run_sweep, delivering in this process),
e-mails written by Django's file backend to a temporary folder. It prints the time of the
whole sweep and of its phases (plan, drafts, claims, delivery), the number of SQL queries,
and then runs it again the same day (everything claimed: nothing new, nothing sent).

Seeding is faster than bench/seed_bulk.py's full build (questionnaires, scores, the audit
trail: none of which the sweep reads), reusing its users and bulk helpers:
- the role groups' users of seed_bulk (25 reviewers, 7 leads, 31 business owners);
- vendors, 90 % with a business owner and 90 % with a security owner; about 3 current
  evidence records each;
- the share due today, spread over every kind of reminder: reassessment due in 30 (5 %),
  7, 1 and 0 days (15 % each), overdue by 1 or 8 days (5 % each) or 15 days (5 %: overdue
  and escalated), flagged for reassessment without a notice (5 %), evidence expiring in 60,
  30, 7 or 0 days or expired yesterday (20 %), approval conditions overdue (5 %), an accepted
  risk ending in 7 days (5 %). Vendors due within 30 days have their draft reassessment open
  (a draft is created once, when the vendor enters the window), except those entering it
  today, whose last decided assessment (69-72 answers) the sweep's new draft carries forward;
- the steady state around them: 10 % of the vendors with a reminder planned today that an
  earlier sweep claimed and sent (reassessment due in 8-29 days, overdue by 2-6 days), and
  a reminder log of about 2 sent reminders per vendor.
Random choices use a fixed seed. Method and results: docs/performance.md.
"""

import argparse
import contextlib
import datetime as dt
import os
import random
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for folder in (ROOT, BENCH):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from pages_bench import manage, pg_available, pg_recreate, with_database  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "clearance_sweep_bench"
TARGETS = {1.0: 3.0, 20.0: 30.0}  # share due (%) -> seconds, issue 14

# How the vendors due today are spread over the kinds of reminder (shares of them).
DUE_MIX = [
    ("due in 30 days, entering the draft window", 0.05),
    ("due in 7 days", 0.15),
    ("due in 1 day", 0.15),
    ("due today", 0.15),
    ("overdue by 1 day", 0.05),
    ("overdue by 8 days", 0.05),
    ("overdue by 15 days, escalated", 0.05),
    ("flagged for reassessment", 0.05),
    ("evidence on a reminder step", 0.20),
    ("approval conditions overdue", 0.05),
    ("accepted risk ending in 7 days", 0.05),
]
STEADY_SHARE = 0.10  # vendors whose reminder today was claimed by an earlier sweep
HISTORY_PER_VENDOR = 2  # sent reminders in the log per vendor


class Stop(Exception):
    """SIGTERM: unwind through the `finally` blocks that clean up."""


def _on_sigterm(signum, frame):
    raise Stop()


# --- Seeding ----------------------------------------------------------------------------------


def seed_for_sweep(vendor_count: int, due_share: float, log=print) -> dict:
    """Fill the (migrated, banks loaded, empty) database with what the sweep reads; returns
    the counts of what it built."""
    from auditlog.context import disable_auditlog
    from django.db import connection
    from django.utils import timezone
    from seed_bulk import Sizes, _Builder, _explicit_timestamps, _profiles

    from assessments.models import QuestionnaireTemplate

    counts: dict[str, int] = {}
    with disable_auditlog(), _explicit_timestamps():
        builder = _Builder(Sizes(vendors=vendor_count), True, lambda *a: None, {})
        builder.users()
        template = QuestionnaireTemplate.objects.get(key="ai-due-diligence", active=True)
        profile = _profiles(template, timezone.localdate())[1]
        seeder = _SweepSeeder(builder, template, profile, due_share, counts)
        for step in ("vendors", "evidence", "assessments", "findings", "reminder_log"):
            started = time.perf_counter()
            getattr(seeder, step)()
            log(f"  {step:<14} {time.perf_counter() - started:6.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the steady state autovacuum reaches within minutes
    return counts


class _SweepSeeder:
    def __init__(self, builder, template, profile, due_share: float, counts: dict):
        from django.utils import timezone

        self.b = builder
        self.template = template
        self.profile = profile
        self.counts = counts
        self.rng = random.Random(14)  # noqa: S311  (test data, not security)
        self.today = timezone.localdate()
        self.now = timezone.now()
        count = builder.sizes.vendors
        due = round(count * due_share)
        roles = []
        for name, share in DUE_MIX:
            roles += [name] * round(due * share)
        roles += ["steady"] * round(count * STEADY_SHARE)
        roles += ["quiet"] * (count - len(roles))
        self.rng.shuffle(roles)
        self.roles = roles[:count]

    def _day(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=days)

    def vendors(self):
        from seed_bulk import _bulk

        from vendors.models import Vendor

        rng, owners = self.rng, self.b.owners
        security = self.b.reviewers + self.b.leads
        next_date = {
            "due in 30 days, entering the draft window": 30,
            "due in 7 days": 7,
            "due in 1 day": 1,
            "due today": 0,
            "overdue by 1 day": -1,
            "overdue by 8 days": -8,
            "overdue by 15 days, escalated": -15,
        }
        vendors = []
        for i, role in enumerate(self.roles):
            if role in next_date:
                due = self._day(next_date[role])
            elif role == "steady":
                due = self._day(rng.choice([rng.randint(8, 29), -rng.randint(2, 6)]))
            else:
                due = self._day(rng.randint(31, 400))
            status = (
                "approved_with_conditions"
                if role == "approval conditions overdue"
                else ("approved")
            )
            vendors.append(
                Vendor(
                    name=f"Sweep Vendor {i:06}",
                    slug=f"sweep-vendor-{i:06}",
                    service_type="llm_api",
                    criticality=rng.choice(["low", "medium", "high"]),
                    data_classes=rng.choice([["internal"], ["internal", "confidential"]]),
                    status=status,
                    tier=rng.choice(["low", "medium", "high"]),
                    business_owner=rng.choice(owners) if rng.random() < 0.9 else None,
                    security_owner=rng.choice(security) if rng.random() < 0.9 else None,
                    next_reassessment_date=due,
                    reassessment_required=role == "flagged for reassessment",
                    reassessment_reason="Incident disclosed: prompt logs exposed."
                    if role == "flagged for reassessment"
                    else "",
                    reassessment_required_since=self._day(-1)
                    if role == "flagged for reassessment"
                    else None,
                    created_at=self.now - dt.timedelta(days=400),
                    updated_at=self.now,
                )
            )
        self.vendor_list = _bulk(Vendor, vendors)
        self.counts["vendors"] = len(self.vendor_list)

    def evidence(self):
        from seed_bulk import _copy

        from vendors.models import Evidence

        rng = self.rng
        kinds = ["soc2", "dpa", "retention", "encryption", "pentest"]
        records = []
        for vendor, role in zip(self.vendor_list, self.roles, strict=True):
            chosen = rng.sample(kinds, rng.randint(2, 4))
            for kind in chosen:
                records.append(
                    Evidence(
                        vendor_id=vendor.pk,
                        kind=kind,
                        title=f"{kind} record",
                        expires_on=self._day(rng.randint(61, 700)),
                        recorded_by_id=vendor.security_owner_id,
                        recorded_at=self.now,
                        updated_at=self.now,
                    )
                )
            if role == "evidence on a reminder step":
                records.append(
                    Evidence(
                        vendor_id=vendor.pk,
                        kind="training",
                        title="Enterprise terms",
                        expires_on=self._day(rng.choice([60, 30, 7, 0, -1])),
                        recorded_at=self.now,
                        updated_at=self.now,
                    )
                )
        self.counts["evidence"] = _copy(Evidence, records)

    def assessments(self):
        """Open drafts for vendors due within 30 days (steady state); a decided assessment
        with its answers for those entering the window today; an approval on conditions
        overdue."""
        from seed_bulk import _bulk, _copy

        from assessments.models import Answer, Assessment

        open_draft = {
            "due in 7 days",
            "due in 1 day",
            "due today",
            "overdue by 1 day",
            "overdue by 8 days",
            "overdue by 15 days, escalated",
        }
        reviewer = self.b.reviewers[0]
        lead = self.b.leads[0]
        decided_at = self.now - dt.timedelta(days=335)
        drafts, decided, conditional = [], [], []
        for vendor, role in zip(self.vendor_list, self.roles, strict=True):
            if role in open_draft or (role == "steady" and vendor.next_reassessment_date):
                drafts.append(
                    Assessment(
                        vendor_id=vendor.pk,
                        template=self.template,
                        status="draft",
                        created_by=None,
                        due_date=vendor.next_reassessment_date,
                        created_at=self.now - dt.timedelta(days=20),
                        updated_at=self.now,
                    )
                )
            elif role == "due in 30 days, entering the draft window":
                decided.append(
                    Assessment(
                        vendor_id=vendor.pk,
                        template=self.template,
                        status="approved",
                        created_by=reviewer,
                        submitted_by=reviewer,
                        decided_by=lead,
                        submitted_at=decided_at,
                        decided_at=decided_at,
                        tier="medium",
                        created_at=decided_at - dt.timedelta(days=20),
                        updated_at=decided_at,
                    )
                )
            elif role == "approval conditions overdue":
                conditional.append(
                    Assessment(
                        vendor_id=vendor.pk,
                        template=self.template,
                        status="approved_with_conditions",
                        created_by=reviewer,
                        submitted_by=reviewer,
                        decided_by=lead,
                        submitted_at=decided_at,
                        decided_at=decided_at,
                        tier="high",
                        conditions="Enable zero-retention mode and send the updated DPA annex.",
                        conditions_due=self._day(-self.rng.randint(1, 20)),
                        created_at=decided_at - dt.timedelta(days=20),
                        updated_at=decided_at,
                    )
                )
        _copy(Assessment, drafts + conditional)
        decided = _bulk(Assessment, decided)
        answers = [
            Answer(
                assessment_id=assessment.pk,
                question=question,
                value=value,
                comment=comment,
                answered_by=reviewer,
                answered_at=decided_at,
            )
            for assessment in decided
            for question, value, comment in self.profile.answers
            if value != "EVIDENCE"
        ]
        _copy(Answer, answers)
        self.counts["assessments"] = len(drafts) + len(decided) + len(conditional)
        self.counts["answers"] = len(answers)

    def findings(self):
        from seed_bulk import _bulk, _copy

        from assessments.models import Assessment, Finding

        reviewer, lead = self.b.reviewers[0], self.b.leads[0]
        ending = [
            v
            for v, r in zip(self.vendor_list, self.roles, strict=True)
            if r == "accepted risk ending in 7 days"
        ]
        assessments = _bulk(
            Assessment,
            [
                Assessment(
                    vendor_id=v.pk,
                    template=self.template,
                    status="approved",
                    created_by=reviewer,
                    decided_by=lead,
                    created_at=self.now,
                    updated_at=self.now,
                )
                for v in ending
            ],
        )
        findings = [
            Finding(
                assessment_id=a.pk,
                vendor_id=a.vendor_id,
                question_key="tenant_isolation",
                question_text="Is each customer's data isolated from other tenants?",
                answer_text="No",
                severity="high",
                kind="answer",
                status="accepted",
                owner=reviewer,
                justification="Single-tenant deployment next quarter.",
                accepted_until=self._day(7),
                updated_at=self.now,
            )
            for a in assessments
        ]
        self.counts["findings"] = _copy(Finding, findings)

    def reminder_log(self):
        """What earlier sweeps claimed: today's reminder of the steady vendors, and a history
        of sent reminders."""
        from seed_bulk import _copy

        from assessments.reminders import DUE_STEPS, _step
        from notifications.models import ReminderLog
        from notifications.services import new_message_id

        rows = []

        def sent(vendor, kind, due, offset, when):
            rows.append(
                ReminderLog(
                    kind=kind,
                    object_type="vendor",
                    object_id=vendor.pk,
                    due_date=due,
                    offset_days=offset,
                    vendor_id=vendor.pk,
                    subject=f"[Clearance] {kind}",
                    recipients=["owner00@example.com"],
                    link="https://clearance.example/",
                    context={"vendor": vendor.name},
                    status="sent",
                    attempts=1,
                    message_id=new_message_id(),
                    created_at=when,
                    updated_at=when,
                    sent_at=when,
                )
            )

        for vendor, role in zip(self.vendor_list, self.roles, strict=True):
            due = vendor.next_reassessment_date
            if role == "steady":
                days_left = (due - self.today).days
                when = self.now - dt.timedelta(days=1)
                if days_left >= 0:
                    sent(vendor, "reassessment_due", due, _step(days_left, DUE_STEPS), when)
                else:
                    sent(vendor, "reassessment_overdue", due, -1, when)
            for k in range(HISTORY_PER_VENDOR):  # last year's cycles
                earlier = due - dt.timedelta(days=365 * (k + 1))
                sent(
                    vendor,
                    "reassessment_due",
                    earlier,
                    30,
                    self.now - dt.timedelta(days=365 * (k + 1)),
                )
        self.counts["reminder log"] = _copy(ReminderLog, rows)


# --- Measuring --------------------------------------------------------------------------------


class _Phases:
    """Times the sweep's phases, and counts their queries, by wrapping the functions run_sweep
    calls."""

    def __init__(self, query_count):
        from assessments import reminders
        from notifications import services

        self.seconds: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self._query_count = query_count
        self._patched = []
        for owner, name, label in [
            (reminders, "plan", "plan"),
            (reminders, "_create_due_drafts", "drafts"),
            (reminders.notifications, "claim_many", "claims"),
            (reminders.services, "findings_reopen_expired", "reopen"),
            (reminders.notifications, "due_for_delivery", "catch-up list"),
            (reminders.notifications, "deliver_many", "delivery"),
        ]:
            original = getattr(owner, name)
            self._patched.append((owner, name, original))
            setattr(owner, name, self._timed(original, label))
        assert services is reminders.notifications

    def _timed(self, function, label):
        def timed(*args, **kwargs):
            started, queries = time.perf_counter(), self._query_count()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0) + time.perf_counter() - started
                self.queries[label] = self.queries.get(label, 0) + self._query_count() - queries

        return timed

    def restore(self):
        for owner, name, original in self._patched:
            setattr(owner, name, original)


def measure_sweep() -> dict:
    from django.db import connection

    from assessments.reminders import run_sweep

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    phases = _Phases(lambda: queries)
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            result = run_sweep(queue_retries=False)
            seconds = time.perf_counter() - started
    finally:
        phases.restore()
    return {
        "seconds": seconds,
        "queries": queries,
        "phases": phases.seconds,
        "phase queries": phases.queries,
        "planned": len(result.planned),
        "claimed": len(result.claimed),
        "sent": len(result.delivered.sent),
        "drafts": len(result.drafts_created),
        "reopened": len(result.reopened),
        "recipient sets": len({tuple(log.recipients) for log in result.claimed}),
    }


def run_share(args, share: float, mail_folder: Path) -> dict:
    from django.conf import settings
    from django.db import connections

    print(f"\n=== {args.vendors:,} vendors, {share:g} % due")
    connections.close_all()
    pg_recreate(args.pg_url, args.pg_database)
    started = time.perf_counter()
    manage(dict(os.environ), "migrate", "--noinput")
    manage(dict(os.environ), "load_question_bank")
    print(f"  migrate, load_question_bank: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    counts = seed_for_sweep(args.vendors, share / 100)
    print(
        f"  seeded in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    folder = mail_folder / f"due-{share:g}"
    folder.mkdir()
    settings.EMAIL_FILE_PATH = str(folder)
    first = measure_sweep()
    mail_bytes = sum(f.stat().st_size for f in folder.iterdir())
    again = measure_sweep()
    print(
        f"  sweep: {first['seconds']:.2f} s, {first['queries']:,} queries; "
        f"{first['planned']:,} planned, {first['claimed']:,} claimed, {first['sent']:,} sent "
        f"to {first['recipient sets']:,} recipient sets ({mail_bytes / 1e6:.0f} MB of mail), "
        f"{first['drafts']:,} drafts created"
    )
    print(
        "  phases: "
        + ", ".join(
            f"{k} {v:.2f} s ({first['phase queries'][k]:,} queries)"
            for k, v in first["phases"].items()
        )
    )
    first["without drafts"] = first["seconds"] - first["phases"]["drafts"]
    print(
        f"  without the drafts: {first['without drafts']:.2f} s, "
        f"{first['queries'] - first['phase queries']['drafts']:,} queries"
    )
    target = TARGETS.get(share) if args.vendors == 100_000 else None  # issue 14's sizes
    if target is not None:
        print(
            f"  target < {target:g} s: {_verdict(first['seconds'], target)} by the whole sweep, "
            f"{_verdict(first['without drafts'], target)} without the drafts"
        )
    print(
        f"  again the same day: {again['seconds']:.2f} s, {again['queries']:,} queries, "
        f"{again['claimed']} claimed, {again['sent']} sent"
    )
    return {"share": share, "first": first, "again": again, "counts": counts}


def _verdict(seconds: float, target: float) -> str:
    return "met" if seconds < target else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendors", type=int, default=100_000)
    parser.add_argument(
        "--due",
        type=float,
        nargs="+",
        default=[1.0, 20.0],
        help="percentages of the vendors due today, one run each",
    )
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="a database to connect to first")
    parser.add_argument("--pg-database", default=PG_DATABASE)
    parser.add_argument("--keep-database", action="store_true", help="keep the last one")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_sigterm)
    problem = pg_available(args.pg_url)
    if problem:
        sys.exit(f"PostgreSQL is not reachable at {args.pg_url}: {problem}")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=with_database(args.pg_url, args.pg_database),
        DJANGO_LOG_LEVEL="WARNING",
        SITE_URL="https://clearance.example.org",
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("EMAIL_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="clearance-sweep-bench-") as mail_folder:
            for share in args.due:
                results.append(run_share(args, share, Path(mail_folder)))
    finally:
        connections.close_all()
        if not args.keep_database:
            with contextlib.suppress(Exception):
                pg_recreate(args.pg_url, args.pg_database, drop_only=True)
    print("\n  due    planned  claimed  drafts    sweep  without drafts   queries  target")
    for r in results:
        f = r["first"]
        target = TARGETS.get(r["share"]) if args.vendors == 100_000 else None
        print(
            f"  {r['share']:>4g} % {f['planned']:>8,} {f['claimed']:>8,} {f['drafts']:>7,} "
            f"{f['seconds']:>7.2f} s {f['without drafts']:>12.2f} s {f['queries']:>9,}  "
            f"{f'< {target:g} s' if target else ''}"
        )


if __name__ == "__main__":
    main()
