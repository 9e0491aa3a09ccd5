"""In Chromium: a reviewer imports a large usage file; the page follows the background import
(htmx polling) from "waiting for a worker" to its result, without being reloaded."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_vendor_evidence_flow import log_in
from tests.factories import UserFactory
from tests.vendors.factories import VendorFactory
from vendors import services, tasks
from vendors.models import UsageImport, UsageRecord, VendorStatus

pytestmark = pytest.mark.browser

FILE = (
    b"vendor,team,purpose,data_classes,integration,owner\n"
    b"Larkspur Language Cloud,Sales,Call summaries,Internal,api,dana\n"
    b"Larkspur Language Cloud,Support,Ticket triage,Public,web_app,\n"
    b"Larkspur Language Cloud,Legal,Contract notes,Confidential,api,\n"
)


def test_the_page_follows_a_background_import_to_its_result(
    page: Page, live_server, reviewer, monkeypatch
):
    VendorFactory(
        name="Larkspur Language Cloud",
        status=VendorStatus.APPROVED,
        approved_data_classes=["public", "internal"],
    )
    UserFactory(username="dana")
    monkeypatch.setattr(services, "USAGE_IMPORT_IN_REQUEST_MAX_ROWS", 2)  # 3 rows: a worker's
    queued = []  # the broker takes the task; the worker starts it when the test says so
    monkeypatch.setattr(
        tasks.run_usage_import, "apply_async", lambda args, kwargs: queued.append(args[0])
    )

    log_in(page, live_server.url, "reviewer")
    page.goto(f"{live_server.url}/usage/import/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "inventory.csv", "mimeType": "text/csv", "buffer": FILE}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-count")).to_have_text("3 rows")
    page.get_by_role("button", name="Import 3 records").click()

    status = page.get_by_test_id("import-status")
    expect(status).to_contain_text("Waiting for a worker to start the import")
    assert queued == [UsageImport.objects.get().pk]
    assert UsageRecord.objects.count() == 0

    services.usage_import_run(queued[0])  # the worker's turn

    expect(status).to_contain_text("Imported 3 usage records from “inventory.csv”", timeout=5000)
    expect(status).to_contain_text("1 of them is out of policy")
    status.get_by_role("link", name="Show the usage out of policy").click()
    expect(page.get_by_text("Contract notes")).to_be_visible()
