import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from vendors import services

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf_upload(name="soc2-report.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def vendor(reviewer):
    return services.vendor_create(
        created_by=reviewer,
        name="Quillnote AI",
        service_type="ai_saas",
        description="Meeting notes summarised by a language model.",
        models_used="own summarisation model",
        data_classes=["internal", "confidential"],
        criticality="medium",
        business_owner=reviewer,
    )


@pytest.fixture
def soc2_with_file(vendor, reviewer):
    today = dt.date.today()
    return services.evidence_create(
        vendor=vendor,
        kind="soc2",
        recorded_by=reviewer,
        file=pdf_upload(),
        soc2_type="type2",
        period_start=today - dt.timedelta(days=300),
        period_end=today - dt.timedelta(days=30),
        auditor="Ledger & Lamp LLP",
        opinion="unqualified",
    )
