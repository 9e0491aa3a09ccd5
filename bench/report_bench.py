"""Benchmark: render the PDF report of a full-bank assessment several times.

    make bench-report            (or: .venv/bin/python bench/report_bench.py --runs 7)

Builds a throwaway SQLite database under a temporary folder: one vendor with 10 evidence
items, an assessment of the shipped full bank with every applicable question answered and
about 20 findings, submitted and signed off. Then renders the report `--runs` times and
prints the median, fastest and slowest time, and the peak memory (Python heap of one
render, and the process's maximum resident set).
"""

import argparse
import datetime as dt
import io
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(folder: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(folder / "media"),
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.CELERY_TASK_ALWAYS_EAGER = True
    call_command("migrate", verbosity=0)
    call_command("load_question_bank", verbosity=0, stdout=io.StringIO())


def build_assessment():
    from django.contrib.auth import get_user_model

    from assessments import services
    from assessments.demo import _good_answer, _weak_answer
    from assessments.models import AnswerType, QuestionnaireTemplate
    from vendors import services as vendor_services

    User = get_user_model()
    reviewer = User.objects.create(username="bench-reviewer", first_name="Riley")
    lead = User.objects.create(username="bench-lead", first_name="Lee")
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Benchmark Vendor", service_type="llm_api",
        description="A vendor with a long description. " * 20, data_classes=["internal", "confidential"],
        special_categories=["personal"], criticality="high", integration="api",
    )  # fmt: skip
    today = dt.date.today()
    kinds = ["soc2", "iso27001", "dpa", "retention", "encryption", "training", "pentest",
             "subprocessors", "model_card", "red_team"]  # fmt: skip
    for kind in kinds:
        facts = {"title": f"{kind} evidence"}
        if kind == "soc2":
            facts |= {"soc2_type": "type2", "period_start": today - dt.timedelta(300),
                      "period_end": today - dt.timedelta(30), "opinion": "unqualified"}  # fmt: skip
        elif kind == "iso27001":
            facts |= {"certification_body": "Cert Body", "issue_date": today - dt.timedelta(400),
                      "expiry_date": today + dt.timedelta(300)}  # fmt: skip
        elif kind == "dpa":
            facts |= {"signed_date": today - dt.timedelta(100)}
        elif kind == "encryption":
            facts |= {"encryption_at_rest": True}
        elif kind == "training":
            facts |= {"training_default": "never"}
        vendor_services.evidence_create(vendor=vendor, kind=kind, recorded_by=reviewer, **facts)
    template = QuestionnaireTemplate.objects.get(key="ai-due-diligence", active=True)
    assessment = services.assessment_start(vendor=vendor, template=template, started_by=reviewer)
    weak_every = 4  # about one answer in four falls short: ~20 findings
    for index, question in enumerate(template.questions.order_by("order")):
        value = _good_answer(question, vendor)
        comment = ""
        if index % weak_every == 0 and _weak_answer(question) is not None:
            value, comment = _weak_answer(question), "Gap confirmed with the vendor."
        if question.answer_type == AnswerType.EVIDENCE:
            value = vendor.evidence.first().pk
        try:
            services.answer_save(assessment=assessment, question=question, answered_by=reviewer,
                                 value=value, comment=comment)  # fmt: skip
        except services.QuestionNotApplicable:
            continue
    assessment = services.assessment_submit(assessment, submitted_by=reviewer)
    decision = "approved" if assessment.score.allowed_classes else "rejected"
    return services.assessment_sign_off(assessment, lead=lead, decision=decision, comment="Bench.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as folder:
        setup_django(Path(folder))
        from assessments import reports

        assessment = build_assessment()
        findings = assessment.findings.count()
        answers = assessment.answers.count()
        reports.generate(assessment)  # warm-up: fonts and caches, not counted
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            _, _, pdf = reports.generate(assessment)
            times.append(time.perf_counter() - started)
        # Memory in a separate render: tracing every allocation slows rendering down a lot.
        tracemalloc.start()
        reports.generate(assessment)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Report of a full-bank assessment: {answers} answers, {findings} findings, "
              f"10 evidence items, {len(pdf) / 1024:.0f} KiB")  # fmt: skip
        print(f"runs: {args.runs}  median: {statistics.median(times):.3f} s  "
              f"min: {min(times):.3f} s  max: {max(times):.3f} s")  # fmt: skip
        print(f"peak Python heap of one render: {peak / 1024 / 1024:.1f} MiB  "
              f"process max RSS: {rss_mb:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
