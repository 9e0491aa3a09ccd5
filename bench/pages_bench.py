"""Benchmark: the main pages at realistic size, behind gunicorn with DEBUG off.

    make bench            (or: .venv/bin/python bench/pages_bench.py [--backend both])
    .venv/bin/python bench/pages_bench.py --backend sqlite --vendors 1000 --assessments 3000

For each backend (PostgreSQL in a dedicated database `clearance_bench`, created and dropped
here; SQLite in a file under a temporary folder): migrates, loads the shipped question banks,
seeds 10,000 vendors, 30,000 full-bank assessments with their answers, scores, findings,
usage records, incidents and the audit trail in bulk (bench/seed_bulk.py), collects the
static files and starts gunicorn with 2 workers and DEBUG off. Then, logged in as a security
reviewer, it requests each main page `--runs` times after `--warmups` warm-ups (the pages
interleaved, so that the machine's noise falls on all of them alike) and prints, per page, the
median and 95th-percentile time, the ratio to the floor (bench/floor_urls.py: one query for
50 vendors and a minimal template of them, served by the same gunicorn) and the number of SQL queries (counted in-process with the
Django test client and CaptureQueriesContext against the same database), beside the targets
of issue 9. Then `wrk -t2 -c8` on the vendor list. gunicorn is stopped, the database dropped
and the temporary files deleted, also on error or Ctrl-C. Method: docs/performance.md.
"""

import argparse
import http.cookies
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "clearance_bench"
SECTION = "access"  # the wizard section measured (13 questions of the full bank)

# Issue 9's targets: (median ms, ratio to the floor) per page; every page at most 12 queries.
MAX_QUERIES = 12
WRK_TARGET = 150.0
TIME_TARGETS = {
    "dashboard": (50, None),
    "vendor list, page 1": (30, 1.5),
    "vendor list, deep page": (30, 1.5),
    "vendor list, search + 2 filters": (30, 1.5),
    "assessment list": (40, None),
}


class Stop(Exception):
    """SIGTERM: unwind through the `finally` blocks that clean up."""


def _on_sigterm(signum, frame):
    raise Stop()


# --- Helpers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def manage(env: dict, *command: str) -> None:
    subprocess.run(  # noqa: S603  (our own manage.py)
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def set_cookies(response) -> dict[str, str]:
    """The cookies a response sets. Read from the headers: with DEBUG off they are Secure,
    and a client's cookie jar would not send them back over plain http to 127.0.0.1."""
    cookies = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        parsed = http.cookies.SimpleCookie()
        parsed.load(header)
        cookies.update({name: morsel.value for name, morsel in parsed.items()})
    return cookies


# --- The database ----------------------------------------------------------------------------


def pg_available(admin_url: str) -> str:
    """Empty when PostgreSQL answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return ""
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


def pg_recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Query counts, in process -----------------------------------------------------------------


def count_queries(pages: list[tuple[str, str]], username: str, runs: int = 5) -> dict:
    """Per page: SQL queries (CaptureQueriesContext), SQL time, in-process time and the
    slowest query, from the Django test client, after one warm-up request. Queries are timed
    by an execute wrapper with perf_counter (CaptureQueriesContext rounds to 1 ms)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    timed: list[tuple[float, str]] = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append((time.perf_counter() - started, sql))

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    anonymous = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for name, url in pages:
        who = anonymous if url == FLOOR[1] else client
        response = who.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {url} answered {response.status_code} in process")
        samples = []
        for _ in range(runs):
            timed.clear()
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                started = time.perf_counter()
                who.get(url)
                elapsed = time.perf_counter() - started
            samples.append(
                (elapsed, sum(t for t, _ in timed), len(captured), max(timed, default=(0.0, "")))
            )
        results[name] = {
            "queries": samples[-1][2],
            "inproc_ms": 1000 * statistics.median(s[0] for s in samples),
            "sql_ms": 1000 * statistics.median(s[1] for s in samples),
            "slowest_sql": samples[-1][3][1],
            "slowest_ms": 1000 * statistics.median(s[3][0] for s in samples),
        }
    return results


# --- Through gunicorn -------------------------------------------------------------------------


def start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115  (closed with the process)
    process = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    process.log = log
    return process


def stop_gunicorn(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()


def wait_until_up(base: str, process: subprocess.Popen, log_path: Path) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(base + "/accounts/login/", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


def log_in(base: str, username: str, password: str) -> str:
    """GET the login page for the CSRF cookie, POST the credentials; the Cookie header."""
    import requests

    page = requests.get(base + "/accounts/login/", timeout=10)
    csrf = set_cookies(page)["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = requests.post(
        base + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Cookie": f"csrftoken={csrf}"}, allow_redirects=False, timeout=10,
    )  # fmt: skip
    cookies = set_cookies(response)
    if response.status_code != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login failed: {response.status_code}")
    cookie = f"sessionid={cookies['sessionid']}; csrftoken={cookies.get('csrftoken', csrf)}"
    check = requests.get(
        base + "/vendors/", headers={"Cookie": cookie}, allow_redirects=False, timeout=30
    )
    if check.status_code != 200:
        raise RuntimeError(f"logged-in GET /vendors/ answered {check.status_code}")
    return cookie


def measure(
    base: str, cookie: str, pages: list[tuple[str, str]], runs: int, warmups: int, budget: float
) -> dict:
    """Wall time of each request, in ms; the pages interleaved round by round. A page whose
    measured requests add up to more than `budget` seconds stops after at least 10 requests,
    so that a page taking seconds does not stretch the run past a quarter of an hour."""
    import requests

    session = requests.Session()
    times: dict[str, list[float]] = {name: [] for name, _ in pages}
    for round_ in range(warmups + runs):
        for name, url in pages:
            done = times[name]
            if len(done) >= 10 and sum(done) > 1000 * budget:
                continue
            headers = {} if url == FLOOR[1] else {"Cookie": cookie}
            started = time.perf_counter()
            response = session.get(base + url, headers=headers, allow_redirects=False, timeout=60)
            _ = response.content
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{name}: GET {url} answered {response.status_code}")
            if round_ >= warmups:
                done.append(1000 * elapsed)
    return times


def run_wrk(base: str, cookie: str, seconds: int) -> dict:
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("  wrk is missing; installing it with apt-get (Debian package `wrk`)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"],  # noqa: S603, S607
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed and could not be installed (apt-get install wrk)"}
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", f"Cookie: {cookie}", base + "/vendors/"]
    output = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "command": " ".join(command[:4]) + " -H 'Cookie: sessionid=…' " + command[-1],
        "rps": float(rps.group(1)) if rps else None,
        "latency_avg": latency.group(1) if latency else "",
        "errors": int(errors.group(1)) if errors else 0,
        "output": output,
    }


# --- One backend ------------------------------------------------------------------------------


def pages_for(seeded, vendors: int) -> tuple[list[tuple[str, str]], int]:
    deep = min(150, max(1, math.ceil(vendors / 50)))
    return [
        ("dashboard", "/"),
        ("vendor list, page 1", "/vendors/"),
        ("vendor list, deep page", f"/vendors/?page={deep}"),
        ("vendor list, search + 2 filters", "/vendors/?q=cloud&status=approved_any&criticality=high"),
        ("vendor detail", f"/vendors/{seeded.vendor_pk}/"),
        ("assessment list", "/assessments/"),
        ("assessment wizard section", f"/assessments/{seeded.draft_pk}/sections/{SECTION}/"),
        ("assessment result", f"/assessments/{seeded.result_pk}/"),
        ("usage list", "/usage/"),
        ("incident impact", f"/incidents/{seeded.incident_pk}/"),
        ("can we use it?", f"/can-we-use/?vendor={seeded.can_use_vendor_pk}&data_class=confidential"),
    ], deep  # fmt: skip


# Requested without the session cookie: the floor is a bare view, not a signed-in page.
FLOOR = ("floor: 50 vendors, 1 query", "/bench/floor/")


def run_backend(args, backend: str) -> dict:
    from seed_bulk import Sizes, seed

    folder = Path(tempfile.mkdtemp(prefix="clearance-pages-bench-"))
    gunicorn = None
    pg_created = False
    result = {"backend": backend, "load_before": os.getloadavg()}
    try:
        if backend == "postgres":
            problem = pg_available(args.pg_url)
            if problem:
                print(f"PostgreSQL skipped: not reachable at {args.pg_url} ({problem})")
                return {"backend": backend, "skipped": problem}
            pg_recreate(args.pg_url, args.pg_database)
            pg_created = True
            database_url = with_database(args.pg_url, args.pg_database)
        else:
            database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
        env = {
            **os.environ,
            # The application's settings with the floor's URL added (bench/floor_settings.py).
            "DJANGO_SETTINGS_MODULE": "bench.floor_settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": database_url,
            "STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        print(f"\n=== {backend}: {database_url}")

        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        manage(env, "load_question_bank")
        # Before anything renders a page: with DEBUG off, {% static %} reads the manifest.
        manage(env, "collectstatic", "--noinput")
        migrate_seconds = time.perf_counter() - started
        print(f"  migrate, load_question_bank, collectstatic: {migrate_seconds:.1f} s")

        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        sizes = Sizes(
            vendors=args.vendors, assessments=args.assessments, usages=args.usages,
            incidents=args.incidents,
            answer_share=args.sqlite_answer_share if backend == "sqlite" else 1.0,
        )  # fmt: skip
        how = "bulk_create, COPY for the largest tables" if backend == "postgres" else "bulk_create"
        print(f"  seeding {sizes.vendors:,} vendors, {sizes.assessments:,} assessments ({how})")
        started = time.perf_counter()
        seeded = seed(sizes)
        seed_seconds = time.perf_counter() - started
        print(f"  seeded in {seed_seconds:.1f} s")

        pages, deep = pages_for(seeded, args.vendors)
        counted = count_queries([FLOOR, *pages], seeded.login_username)
        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = folder / "gunicorn.log"
        gunicorn = start_gunicorn(env, port, log_path)
        wait_until_up(base, gunicorn, log_path)
        cookie = log_in(base, seeded.login_username, seeded.password)
        print(f"  gunicorn --workers 2 on {base}; measuring {len(pages) + 1} pages, "
              f"{args.warmups} warm-ups + {args.runs} requests each")  # fmt: skip
        times = measure(base, cookie, [FLOOR, *pages], args.runs, args.warmups, args.page_budget)
        wrk = (
            run_wrk(base, cookie, args.wrk_seconds)
            if args.wrk_seconds
            else {"skipped": "--wrk-seconds 0"}
        )

        floor = statistics.median(times[FLOOR[0]])
        rows = []
        for name, url in [FLOOR, *pages]:
            median = statistics.median(times[name])
            rows.append({
                "page": name, "url": url, "n": len(times[name]), "median": median,
                "p95": percentile(times[name], 0.95),
                "ratio": median / floor, **counted[name],
            })  # fmt: skip
        result.update(
            sizes=vars(sizes), counts=seeded.counts, seed_seconds=seed_seconds,
            seed_steps=seeded.seconds, migrate_seconds=migrate_seconds, rows=rows, wrk=wrk,
            deep_page=deep, runs=args.runs,
            warmups=args.warmups, load_after=os.getloadavg(),
        )  # fmt: skip
        print_table(result)
        return result
    finally:
        # Clean up whatever happened; a second Ctrl-C or SIGTERM must not cut this short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_gunicorn(gunicorn)
        if "django.db" in sys.modules:
            sys.modules["django.db"].connections.close_all()
        if pg_created and not args.keep_database:
            pg_recreate(args.pg_url, args.pg_database, drop_only=True)
        elif pg_created:
            print(f"  kept database {args.pg_database} (--keep-database)")
        if args.keep_database and backend == "sqlite":
            print(f"  kept {folder} (--keep-database)")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- Output -----------------------------------------------------------------------------------


def target_of(row: dict) -> tuple[str, bool | None]:
    """The issue's target for this page and whether it is met (None: nothing to meet)."""
    if row["page"].startswith("floor"):
        return "", None
    parts, met = [], row["queries"] <= MAX_QUERIES
    ms, ratio = TIME_TARGETS.get(row["page"], (None, None))
    if ms is not None:
        parts.append(f"≤ {ms} ms")
        met = met and row["median"] <= ms
    if ratio is not None:
        parts.append(f"≤ {ratio}× floor")
        met = met and row["ratio"] <= ratio
    parts.append(f"≤ {MAX_QUERIES} q")
    return ", ".join(parts), met


def print_table(result: dict) -> None:
    counts = result["counts"]
    print(
        f"\nPages on {result['backend']}: {counts['vendors']:,} vendors, {counts['evidence']:,} "
        f"evidence, {counts['assessments']:,} assessments, {counts['answers']:,} answers, "
        f"{counts['findings']:,} findings, {counts['usages']:,} usage records, "
        f"{counts['incidents']:,} incidents, {counts['audit log']:,} audit entries "
        f"(seeded in {result['seed_seconds']:.0f} s)"
    )
    print(
        f"gunicorn --workers 2, DEBUG off; n requests per page (at most {result['runs']}) after "
        f"{result['warmups']} warm-ups, interleaved; deep page = page {result['deep_page']}; "
        f"{os.cpu_count()} CPUs, load average {result['load_before'][0]:.2f} before, "
        f"{result['load_after'][0]:.2f} after"
    )
    header = (f"{'page':<34} {'n':>3} {'median ms':>9} {'p95 ms':>8} {'× floor':>8} {'queries':>7}  "
              f"{'target (issue 9)':<36} met")  # fmt: skip
    print(header)
    print("-" * len(header))
    for row in result["rows"]:
        target, met = target_of(row)
        print(
            f"{row['page']:<34} {row['n']:>3} {row['median']:>9.1f} {row['p95']:>8.1f} {row['ratio']:>8.2f} "
            f"{row['queries']:>7}  {target:<36} {'' if met is None else 'yes' if met else 'NO'}"
        )
    wrk = result["wrk"]
    if "skipped" in wrk:
        print(f"wrk: skipped ({wrk['skipped']})")
    else:
        met = wrk["rps"] is not None and wrk["rps"] >= WRK_TARGET and not wrk["errors"]
        errors = f", {wrk['errors']} error responses" if wrk["errors"] else ""
        print(
            f"{wrk['command']}: {wrk['rps']} requests/s, mean latency {wrk['latency_avg']}"
            f"{errors}  (target ≥ {WRK_TARGET:.0f} req/s: {'yes' if met else 'NO'})"
        )
    print("\nIn process (Django test client, CaptureQueriesContext; median of 5):")
    if result["backend"] == "sqlite":
        print("(SQLite computes rows while Django fetches them: that part is under 'rest ms')")
    print(f"{'page':<34} {'total ms':>8} {'SQL ms':>7} {'rest ms':>7}  slowest query")
    for row in result["rows"]:
        sql = re.sub(r"\s+", " ", row["slowest_sql"])[:110]
        slowest = f"{row['slowest_ms']:.1f} ms: {sql}" if sql else ""
        print(
            f"{row['page']:<34} {row['inproc_ms']:>8.1f} {row['sql_ms']:>7.1f} "
            f"{row['inproc_ms'] - row['sql_ms']:>7.1f}  {slowest}"
        )


def print_combined(results: list[dict]) -> None:
    done = [r for r in results if "rows" in r]
    if len(done) < 2:
        return
    names = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
    print("\n=== Summary: median ms / p95 ms / × floor / queries")
    header = f"{'page':<34}" + "".join(f" {names[r['backend']]:>28}" for r in done)
    header += f"  {'target (issue 9)'}"
    print(header)
    print("-" * len(header))
    for index, row in enumerate(done[0]["rows"]):
        cells = ""
        for result in done:
            r = result["rows"][index]
            cell = "{:.1f} / {:.1f} / {:.2f} / {}".format(
                r["median"], r["p95"], r["ratio"], r["queries"]
            )
            cells += f" {cell:>28}"
        print(f"{row['page']:<34}{cells}  {target_of(row)[0]}")
    wrk = ""
    for r in done:
        cell = "{:.0f} req/s".format(r["wrk"]["rps"]) if r["wrk"].get("rps") else "skipped"
        wrk += f" {cell:>28}"
    print(f"{'wrk -t2 -c8, vendor list':<34}{wrk}  ≥ {WRK_TARGET:.0f} req/s")
    seeds = "".join(" {:>28}".format("{:.0f} s".format(r["seed_seconds"])) for r in done)
    print(f"{'seeding':<34}{seeds}")


# --- Entry point ------------------------------------------------------------------------------


def _forwarded(argv: list[str]) -> list[str]:
    """The command line without --backend and --json (and their values)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--backend", "--json"):
            skip = True
        elif not arg.startswith(("--backend=", "--json=")):
            kept.append(arg)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--vendors", type=int, default=10_000)
    parser.add_argument("--assessments", type=int, default=None, help="default: 3 per vendor")
    parser.add_argument("--usages", type=int, default=None, help="default: 2 per vendor")
    parser.add_argument("--incidents", type=int, default=None, help="default: 1 per 20 vendors")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument(
        "--page-budget", type=float, default=30.0,
        help="seconds of measured requests per page, after which a slow page stops (at >= 10)",
    )  # fmt: skip
    parser.add_argument("--wrk-seconds", type=int, default=10, help="0 skips wrk")
    parser.add_argument(
        "--sqlite-answer-share", type=float, default=1.0,
        help="share of the assessments that get answers on SQLite (1.0: all)",
    )  # fmt: skip
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="a database to connect to first")
    parser.add_argument("--pg-database", default=PG_DATABASE)
    parser.add_argument("--keep-database", action="store_true", help="keep it, to look into it")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    args.assessments = 3 * args.vendors if args.assessments is None else args.assessments
    args.usages = 2 * args.vendors if args.usages is None else args.usages
    args.incidents = max(1, args.vendors // 20) if args.incidents is None else args.incidents
    signal.signal(signal.SIGTERM, _on_sigterm)

    started = time.perf_counter()
    if args.backend != "both":
        result = run_backend(args, args.backend)
        if args.json:
            args.json.write_text(json.dumps(result, indent=1, default=str))
        return
    # One process per backend: Django's settings (the database) are fixed once set up.
    results, failed = [], []
    with tempfile.TemporaryDirectory(prefix="clearance-pages-bench-") as folder:
        for backend in ("postgres", "sqlite"):
            out = Path(folder) / f"{backend}.json"
            command = [sys.executable, __file__, *_forwarded(sys.argv[1:])]
            command += ["--backend", backend, "--json", str(out)]
            child = subprocess.Popen(command)  # noqa: S603  (this script)
            try:
                returncode = child.wait()
            except KeyboardInterrupt:  # the child got the Ctrl-C too: let it clean up
                child.wait(timeout=180)
                raise
            except Stop:
                child.terminate()
                child.wait(timeout=180)
                raise
            if returncode != 0 or not out.exists():
                failed.append(backend)
                continue
            results.append(json.loads(out.read_text()))
    print_combined(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nwhole run: {time.perf_counter() - started:.0f} s")
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted; gunicorn stopped, bench database and temporary files removed")
    except Stop:
        sys.exit("stopped (SIGTERM); gunicorn stopped, bench database and temporary files removed")
