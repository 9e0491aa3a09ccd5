"""Benchmark: import a 5,000-row usage inventory as a reviewer does, on PostgreSQL and SQLite.

    make bench-import      (or: .venv/bin/python bench/import_bench.py [--backend both])
    .venv/bin/python bench/import_bench.py --backend sqlite --rows 1000 --runs 5

For each backend, in a process of its own (PostgreSQL in a database `clearance_import_bench`,
created and dropped here; SQLite in a file under a temporary folder, with the WAL settings of
config/settings.py): migrates and seeds 500 vendors, 100 users and 20,000 usage records with
their audit entries. Then, `--runs` times, through Django's test client with the suite's
settings (config.test_settings: the application's settings, DEBUG off, tasks run in-process),
it uploads a file of `--rows` valid rows (vendors in any case, owners by username or e-mail,
every column used), opens its preview and confirms it, and prints the median time and the SQL
queries of each step. A file this size is imported by the Celery task; run in-process here, its
time is also shown on its own ("the import"), which is what a worker spends. Issue 14's target:
the import of 5,000 rows well under 5 seconds. Not part of the test suite.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "clearance_import_bench"
TARGET_ROWS, TARGET_SECONDS = 5000, 5.0
IMPORT_URL = "/usage/import/"
STEPS = ["upload and check", "preview page", "confirm (runs the task)", "  of which the import"]


def pg_recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


# --- One backend, in this process -------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    os.environ.pop("REDIS_URL", None)  # tasks run in-process (CELERY_TASK_ALWAYS_EAGER)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(vendors: int = 500, users: int = 100, usages: int = 20_000) -> dict:
    """Vendors of every status, users, and usage records with their audit entries, in bulk."""
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from accounts.roles import Role
    from vendors.models import DataClass, Integration, UsageRecord, Vendor, VendorStatus

    rng = random.Random(14)
    statuses = [VendorStatus.APPROVED] * 3 + [VendorStatus.IN_REVIEW, VendorStatus.PROPOSED]
    Vendor.objects.bulk_create(
        Vendor(
            name=f"Bench Vendor {n:04d}",
            slug=f"bench-vendor-{n:04d}",
            status=rng.choice(statuses),
            data_classes=["internal", "confidential"],
            approved_data_classes=["public", "internal"],
            special_categories=["personal"],
            assessed_special_categories=["personal"],
        )
        for n in range(vendors)
    )
    User = get_user_model()
    User.objects.bulk_create(
        User(username=f"owner{n:03d}", email=f"owner{n:03d}@example.com") for n in range(users)
    )
    reviewer = User.objects.create(username="bench-reviewer", email="bench@example.com")
    from django.contrib.auth.models import Group

    reviewer.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    vendor_ids = list(Vendor.objects.values_list("pk", flat=True))
    records = UsageRecord.objects.bulk_create(
        UsageRecord(
            vendor_id=rng.choice(vendor_ids),
            team=f"Team {n % 300}",
            purpose=f"Existing purpose {n}",
            data_classes=[rng.choice(list(DataClass)).value],
            integration=rng.choice(list(Integration)).value,
        )
        for n in range(usages)
    )
    content_type = ContentType.objects.get_for_model(UsageRecord)
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_type,
            object_pk=str(r.pk),
            object_id=r.pk,
            object_repr=str(r),
            action=LogEntry.Action.CREATE,
            changes={"team": ["None", r.team]},
            additional_data={"vendor_id": r.vendor_id},
        )
        for r in records
    )
    return {
        "vendors": vendors,
        "users": users,
        "usages": usages,
        "max_usage_pk": max(r.pk for r in records),
        "max_log_pk": LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first(),
    }


def inventory(rows: int, vendors: int, users: int, seed_value: int) -> bytes:
    """A valid file that uses every column: names in any case, labels and values, owners by
    username or e-mail, ended usages with their end dates."""
    rng = random.Random(seed_value)
    header = (
        "Vendor,Team,Purpose,Business justification,Data classes,Special categories,"
        "Integration,Owner,Start date,Active,End date,Controls"
    )
    classes = ["Public", "internal", "Internal; Confidential", "confidential", "Restricted"]
    categories = ["", "", "personal", "Health data", "source_code; employee"]
    integrations = ["api", "Web application", "plugin", "agent"]
    controls = ["", "sso", "sso; dlp", "scoped_keys; gateway_logging", "segmentation"]
    lines = [header]
    for n in range(rows):
        name = f"Bench Vendor {rng.randrange(vendors):04d}"
        name = rng.choice([name, name.lower(), name.upper()])
        user = f"owner{rng.randrange(users):03d}"
        owner = rng.choice(["", user, f"{user}@Example.com"])
        ended = n % 10 == 9
        lines.append(
            ",".join(
                [
                    name,
                    f"Team {n % 120}",
                    f'"Purpose {n}, for the bench"',
                    "Saves time" if n % 3 else "",
                    rng.choice(classes),
                    rng.choice(categories),
                    rng.choice(integrations),
                    owner,
                    "2024-03-01",
                    "no" if ended else "yes",
                    "2024-09-30" if ended else "",
                    rng.choice(controls),
                ]
            )
        )
    return "\n".join(lines).encode()


def timed(request, *args):
    """(response, seconds, SQL queries) of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # it keeps 9,000 queries: a full log counts nothing new
    with CaptureQueriesContext(connection) as captured:
        begun = time.perf_counter()
        response = request(*args)
        seconds = time.perf_counter() - begun
    return response, seconds, len(captured)


def run_backend(args, backend: str, database_url: str) -> dict:
    setup_django(database_url)
    from auditlog.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from vendors import services
    from vendors.models import UsageImport, UsageImportStatus, UsageRecord

    started = time.perf_counter()
    seeded = seed()
    seed_seconds = time.perf_counter() - started

    # Time the task's own work inside the confirming request (eager: it runs there).
    task_times = []
    real_run = services.usage_import_run

    def timed_run(import_id):
        begun = time.perf_counter()
        try:
            return real_run(import_id)
        finally:
            task_times.append(time.perf_counter() - begun)

    services.usage_import_run = timed_run

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-reviewer"))
    samples = {step: [] for step in STEPS}
    queries = {}
    for run in range(args.runs):
        data = inventory(args.rows, seeded["vendors"], seeded["users"], seed_value=run)
        measured = {}
        upload = {"file": SimpleUploadedFile("inventory.csv", data)}
        response, measured[STEPS[0]], queries[STEPS[0]] = timed(client.post, IMPORT_URL, upload)
        if response.status_code != 302:
            raise SystemExit(f"upload refused ({response.status_code}): the file has problems")
        job_url = response["Location"]
        response, measured[STEPS[1]], queries[STEPS[1]] = timed(client.get, job_url)
        assert response.status_code == 200, response.status_code
        task_times.clear()
        response, measured[STEPS[2]], queries[STEPS[2]] = timed(client.post, job_url)
        job = UsageImport.objects.get(token=job_url.rstrip("/").rsplit("/", 1)[-1])
        if job.status != UsageImportStatus.DONE:
            raise SystemExit(f"the import did not finish: {job.status} {job.error}")
        assert job.imported_count == args.rows
        measured[STEPS[3]] = sum(task_times)
        for name in STEPS:
            samples[name].append(measured[name])
        print(
            f"  {backend} run {run + 1}: "
            + ", ".join(f"{name.strip()} {measured[name]:.2f} s" for name in STEPS),
            flush=True,
        )
        # Back to the seeded state for the next run.
        UsageRecord.objects.filter(pk__gt=seeded["max_usage_pk"]).delete()
        LogEntry.objects.filter(pk__gt=seeded["max_log_pk"]).delete()
        UsageImport.objects.all().delete()

    # The task's queries on their own: one more import, counted inside the task.
    data = inventory(args.rows, seeded["vendors"], seeded["users"], seed_value=99)
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile("i.csv", data)})
    job = UsageImport.objects.get(token=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        real_run(job.pk)
    queries[STEPS[3]] = len(captured)

    return {
        "backend": backend,
        "rows": args.rows,
        "runs": args.runs,
        "seed_seconds": seed_seconds,
        "seeded": seeded,
        "median": {name: statistics.median(values) for name, values in samples.items()},
        "max": {name: max(values) for name, values in samples.items()},
        "queries": queries,
    }


# --- Output -----------------------------------------------------------------------------------


def print_results(results: list[dict]) -> None:
    if not results:
        return
    rows, runs = results[0]["rows"], results[0]["runs"]
    print(f"\nImporting a {rows:,}-row usage inventory (median of {runs} runs; slowest run)")
    header = f"{'step':<28}" + "".join(f"{r['backend']:>30}" for r in results)
    print(header)
    print("-" * len(header))
    for name in STEPS:
        cells = "".join(
            f"{r['median'][name]:>11.2f} s ({r['max'][name]:.2f}) {r['queries'][name]:>5} queries"
            for r in results
        )
        print(f"{name:<28}{cells}")
    totals = "".join(f"{sum(r['median'][n] for n in STEPS[:3]):>11.2f} s{'':>17}" for r in results)
    print(f"{'three requests in all':<28}{totals}")
    print()
    for r in results:
        seconds = r["median"][STEPS[3]]
        verdict = ""
        if rows == TARGET_ROWS:
            met = "met" if seconds < TARGET_SECONDS else "MISSED"
            verdict = f" Target for {TARGET_ROWS:,} rows, under {TARGET_SECONDS:.0f} s: {met}."
        print(
            f"{r['backend']}: the import takes {seconds:.2f} s ({rows / seconds:,.0f} rows a "
            f"second).{verdict} Seeded in {r['seed_seconds']:.0f} s."
        )


# --- Entry point ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--rows", type=int, default=5000, help="at most 5,000 (one file)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="a database to connect to first")
    parser.add_argument("--pg-database", default=PG_DATABASE)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()

    if args.backend != "both":
        with tempfile.TemporaryDirectory(prefix="clearance-import-bench-") as folder:
            if args.backend == "sqlite":
                url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
                result = run_backend(args, "sqlite", url)
            else:
                pg_recreate(args.pg_url, args.pg_database)
                try:
                    url = with_database(args.pg_url, args.pg_database)
                    result = run_backend(args, "postgres", url)
                finally:
                    from django.db import connections

                    connections.close_all()
                    pg_recreate(args.pg_url, args.pg_database, drop_only=True)
        if args.json:
            args.json.write_text(json.dumps(result, indent=1, default=str))
        else:
            print_results([result])
        return

    # One process per backend: Django's settings (the database) are fixed once set up.
    results, failed = [], []
    with tempfile.TemporaryDirectory(prefix="clearance-import-bench-") as folder:
        for backend in ("postgres", "sqlite"):
            out = Path(folder) / f"{backend}.json"
            command = [sys.executable, __file__, "--backend", backend, "--json", str(out)]
            command += ["--rows", str(args.rows), "--runs", str(args.runs)]
            command += ["--pg-url", args.pg_url, "--pg-database", args.pg_database]
            if subprocess.run(command, check=False).returncode != 0 or not out.exists():  # noqa: S603
                failed.append(backend)
                continue
            results.append(json.loads(out.read_text()))
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
