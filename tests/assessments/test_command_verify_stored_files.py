"""`manage.py verify_stored_files`: every evidence file and stored report against its SHA-256."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.vendors.conftest import PDF_BYTES
from tests.vendors.factories import VendorFactory
from vendors import services as vendor_services


@pytest.fixture
def evidence(reviewer):
    return vendor_services.evidence_create(
        vendor=VendorFactory(), kind="pentest", recorded_by=reviewer,
        file=SimpleUploadedFile("pentest.pdf", PDF_BYTES, content_type="application/pdf"),
    )  # fmt: skip


def test_it_says_every_file_matches(evidence, capsys):
    call_command("verify_stored_files")
    assert "1 stored file(s) checked: every SHA-256 matches." in capsys.readouterr().out


def test_it_names_an_altered_file_and_fails(evidence, capsys):
    with evidence.file.open("ab") as handle:
        handle.write(b"changed")
    with pytest.raises(CommandError, match="1 of 1 stored file"):
        call_command("verify_stored_files")
    assert f"evidence {evidence.pk}" in capsys.readouterr().err


def test_it_names_a_missing_file_and_fails(evidence, capsys):
    evidence.file.storage.delete(evidence.file.name)
    with pytest.raises(CommandError):
        call_command("verify_stored_files")
    assert "the file is missing" in capsys.readouterr().err
