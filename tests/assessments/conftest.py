import pytest

from assessments import services
from assessments.loader import load_banks
from tests.assessments.bank_builders import MINI_BANK, write_bank
from tests.vendors.factories import VendorFactory


@pytest.fixture
def load_bank(db, tmp_path):
    """Load a bank dict (see bank_builders) and return its template."""

    def load(data: dict, filename: str | None = None):
        path = write_bank(tmp_path, filename or f"{data['bank']['key']}.yaml", data)
        result = load_banks([path])
        assert not result.errors, [str(e) for e in result.errors]
        return (result.created or result.unchanged)[0]

    return load


@pytest.fixture
def mini_template(db):
    result = load_banks([MINI_BANK])
    assert not result.errors, [str(e) for e in result.errors]
    return result.created[0]


@pytest.fixture
def vendor(db):
    return VendorFactory(name="Quillnote AI")


@pytest.fixture
def assessment(mini_template, vendor, reviewer):
    """A draft of the mini bank, started by the reviewer."""
    return services.assessment_start(vendor=vendor, template=mini_template, started_by=reviewer)
