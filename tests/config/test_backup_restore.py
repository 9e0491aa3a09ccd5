"""Backup and restore, as docs/deployment.md describes them: a `pg_dump` of the database and a
copy of MEDIA_ROOT restore a working system in which every evidence file and stored report
still matches the SHA-256 recorded when it was stored (`manage.py verify_stored_files`).

Runs on PostgreSQL only (the documented production database); the data is committed
(transactional test) so that pg_dump sees it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.roles import Role
from assessments import services
from assessments.loader import load_banks
from tests.assessments.bank_builders import MINI_BANK
from tests.factories import UserFactory
from tests.vendors.conftest import PDF_BYTES
from vendors import services as vendor_services

BASE_DIR = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore are documented for PostgreSQL (CI runs it)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are needed (postgresql-client)")
    return connection.settings_dict


def _pg_args(db: dict) -> list[str]:
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    return [*args, "-U", db.get("USER") or "postgres"]


def _pg_env(db: dict) -> dict:
    return {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}


def _signed_off_vendor_with_evidence():
    reviewer = UserFactory(username="backup-reviewer", role=Role.REVIEWER)
    lead = UserFactory(username="backup-lead", role=Role.LEAD)
    template = load_banks([MINI_BANK]).created[0]
    vendor = vendor_services.vendor_create(
        created_by=reviewer, name="Backup Check AI", service_type="llm_api",
        data_classes=["internal"], criticality="low",
    )  # fmt: skip
    vendor_services.evidence_create(
        vendor=vendor, kind="pentest", recorded_by=reviewer,
        file=SimpleUploadedFile("pentest.pdf", PDF_BYTES, content_type="application/pdf"),
    )  # fmt: skip
    assessment = services.assessment_start(vendor=vendor, template=template, started_by=reviewer)
    for key, value in (("soc2_current", "yes"), ("uses_subprocessors", "no"), ("breach_hours", 24)):
        question = template.questions.get(key=key)
        services.answer_save(
            assessment=assessment, question=question, answered_by=reviewer, value=value
        )
    services.assessment_submit(assessment, submitted_by=reviewer)
    services.assessment_sign_off(assessment, lead=lead, decision="approved")
    return services.report_store(assessment.pk)


def _verify(database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "verify_stored_files"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_dump_and_a_copy_of_media_restore_every_file_intact(postgres, tmp_path):
    report = _signed_off_vendor_with_evidence()
    assert report is not None and report.sha256
    dump = tmp_path / "clearance.dump"
    subprocess.run(
        ["pg_dump", *_pg_args(postgres), "--format=custom", "--no-owner",
         "--file", str(dump), postgres["NAME"]],
        check=True, env=_pg_env(postgres), timeout=120,
    )  # fmt: skip
    media_copy = tmp_path / "media"
    shutil.copytree(settings.MEDIA_ROOT, media_copy)

    restored = f"clearance_restore_{os.getpid()}"
    subprocess.run(["createdb", *_pg_args(postgres), restored], check=True, env=_pg_env(postgres))
    try:
        subprocess.run(
            ["pg_restore", *_pg_args(postgres), "--no-owner", "--exit-on-error",
             "--dbname", restored, str(dump)],
            check=True, env=_pg_env(postgres), timeout=120,
        )  # fmt: skip
        host, port = _pg_args(postgres)[1], _pg_args(postgres)[3]
        user = postgres.get("USER") or "postgres"
        url = f"postgres://{user}@{host}:{port}/{restored}"
        if postgres.get("PASSWORD"):
            url = f"postgres://{user}:{postgres['PASSWORD']}@{host}:{port}/{restored}"

        intact = _verify(url, media_copy)
        assert intact.returncode == 0, intact.stderr
        assert "2 stored file(s) checked: every SHA-256 matches." in intact.stdout

        # An altered copy of the media is caught, with the file named.
        altered = media_copy / report.file.name
        altered.write_bytes(altered.read_bytes() + b"tampered")
        caught = _verify(url, media_copy)
        assert caught.returncode == 1
        assert f"report {report.pk}" in caught.stderr
        assert "does not match the recorded" in caught.stderr
    finally:
        subprocess.run(
            ["dropdb", *_pg_args(postgres), "--if-exists", restored],
            env=_pg_env(postgres), check=False,
        )  # fmt: skip
