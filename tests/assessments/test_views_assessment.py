"""The assessment pages: list, start, wizard (detail, section, autosave), submit, coverage.

Reviewers, leads and administrators fill questionnaires; procurement reads them; anyone else
signed in gets 403. The autosave endpoint answers JSON, also when it refuses.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Assessment, AssessmentStatus
from tests.assessments.bank_builders import bank_of_many, full_bank
from tests.vendors.factories import EvidenceFactory, VendorFactory

ROLES = ["reviewer", "lead", "procurement", "admin", "outsider"]
EDITORS = {"reviewer", "lead", "admin"}
READERS = EDITORS | {"procurement"}


def autosave(client, assessment, key, value=None, **fields):
    data = {"version": "0", **fields}
    if value is not None:
        data["value"] = value
    return client.post(reverse("answer_autosave", args=[assessment.pk, key]), data)


def save(assessment, key, value, user, **kwargs):
    question = assessment.template.questions.get(key=key)
    return services.answer_save(
        assessment=assessment, question=question, answered_by=user, value=value, **kwargs
    )


def complete(assessment, user):
    save(assessment, "soc2_current", "yes", user)
    save(assessment, "uses_subprocessors", "no", user)
    save(assessment, "breach_hours", 24, user)


@pytest.fixture
def submitted(assessment, reviewer):
    complete(assessment, reviewer)
    return services.assessment_submit(assessment, submitted_by=reviewer)


def read_pages(assessment):
    return {
        "list": reverse("assessment_list"),
        "detail": reverse("assessment_detail", args=[assessment.pk]),
        "section": reverse("assessment_section", args=[assessment.pk, "basics"]),
        "coverage": reverse("assessment_coverage", args=[assessment.pk]),
    }


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", ["list", "detail", "section", "coverage"])
def test_readers_see_the_assessment_pages_and_outsiders_do_not(
    client, users_by_role, assessment, who, page
):
    client.force_login(users_by_role[who])
    response = client.get(read_pages(assessment)[page])
    assert response.status_code == (200 if who in READERS else 403)


@pytest.mark.parametrize("page", ["list", "detail", "section", "coverage"])
def test_anonymous_visitors_are_sent_to_log_in(client, assessment, page):
    url = read_pages(assessment)[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ROLES)
def test_only_editors_open_the_start_page(client, users_by_role, mini_template, who):
    client.force_login(users_by_role[who])
    response = client.get(reverse("assessment_start", args=[VendorFactory().pk]))
    assert response.status_code == (200 if who in EDITORS else 403)


@pytest.mark.parametrize("who", ROLES)
def test_only_editors_start_an_assessment(client, users_by_role, mini_template, who):
    vendor = VendorFactory()
    client.force_login(users_by_role[who])
    response = client.post(
        reverse("assessment_start", args=[vendor.pk]), {"template": mini_template.pk}
    )
    if who in EDITORS:
        started = Assessment.objects.get(vendor=vendor)
        assert response.status_code == 302
        assert response.url == started.get_absolute_url()
        assert started.created_by == users_by_role[who]
    else:
        assert response.status_code == 403
        assert not Assessment.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_only_editors_submit(client, users_by_role, assessment, reviewer, who):
    complete(assessment, reviewer)
    client.force_login(users_by_role[who])
    response = client.post(reverse("assessment_submit", args=[assessment.pk]))
    assessment.refresh_from_db()
    if who in EDITORS:
        assert response.status_code == 302
        assert assessment.status == AssessmentStatus.SUBMITTED
        assert assessment.submitted_by == users_by_role[who]
    else:
        assert response.status_code == 403
        assert assessment.status == AssessmentStatus.DRAFT


@pytest.mark.parametrize("who", ROLES)
def test_only_editors_autosave(client, users_by_role, assessment, who):
    client.force_login(users_by_role[who])
    response = autosave(client, assessment, "soc2_current", "yes")
    if who in EDITORS:
        assert response.status_code == 200
        assert Answer.objects.get().answered_by == users_by_role[who]
    else:
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert not Answer.objects.exists()


def test_procurement_posting_an_answer_gets_403_json_and_nothing_is_saved(
    client, procurement, assessment
):
    client.force_login(procurement)
    response = autosave(client, assessment, "soc2_current", "no", comment="Lapsed.")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "forbidden", "message": "Your role cannot change this."}
    assert not Answer.objects.exists()


def test_an_expired_session_gets_401_json_instead_of_a_login_redirect(client, assessment):
    response = autosave(client, assessment, "soc2_current", "yes")
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert not Answer.objects.exists()


def test_autosave_takes_only_posts(client, reviewer, assessment):
    client.force_login(reviewer)
    response = client.get(reverse("answer_autosave", args=[assessment.pk, "soc2_current"]))
    assert response.status_code == 405


def test_submit_takes_only_posts(client, reviewer, assessment):
    client.force_login(reviewer)
    assert client.get(reverse("assessment_submit", args=[assessment.pk])).status_code == 405


def test_an_unknown_assessment_or_section_is_404(client, reviewer, assessment):
    client.force_login(reviewer)
    assert client.get(reverse("assessment_detail", args=[assessment.pk + 1])).status_code == 404
    assert (
        client.get(reverse("assessment_section", args=[assessment.pk, "nope"])).status_code == 404
    )


# --- Autosave -------------------------------------------------------------------------------


def test_autosave_answers_the_version_what_applies_and_the_progress(client, reviewer, assessment):
    client.force_login(reviewer)

    response = autosave(client, assessment, "uses_subprocessors", "yes")

    assert response.status_code == 200
    body = response.json()
    assert body["saved"]["value"] == "yes"
    assert body["saved"]["version"] == 1
    assert body["saved"]["by"] == "Riley Reviewer"
    assert body["saved"]["carried_forward"] is False
    assert body["applicable"] == sorted(
        ["soc2_current", "uses_subprocessors", "subprocessors_disclosed", "breach_hours",
         "hosting", "notes"]
    )  # fmt: skip
    assert (body["answered"], body["total"], body["percent"]) == (1, 6, 17)
    assert body["sections"] == {"basics": [1, 3], "ops": [0, 3]}


def test_autosave_hides_dependants_when_the_parent_changes(client, reviewer, assessment):
    client.force_login(reviewer)
    autosave(client, assessment, "uses_subprocessors", "yes")

    body = autosave(client, assessment, "uses_subprocessors", "no", version="1").json()

    assert "subprocessors_disclosed" not in body["applicable"]
    assert body["saved"]["version"] == 2
    assert body["sections"]["basics"] == [1, 2]


def test_autosave_stores_every_value_of_a_multiple_choice(client, reviewer, assessment):
    client.force_login(reviewer)
    response = autosave(client, assessment, "hosting", ["us", "eu"])
    assert response.json()["saved"]["value"] == ["eu", "us"]


def test_an_invalid_answer_is_400_with_a_message(client, reviewer, assessment):
    client.force_login(reviewer)
    response = autosave(client, assessment, "breach_hours", "within a day")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": "Enter a number, for example 72."}
    assert not Answer.objects.exists()


def test_an_absurdly_large_number_is_400_not_a_server_error(client, reviewer, assessment):
    client.force_login(reviewer)
    client.raise_request_exception = False
    response = autosave(client, assessment, "breach_hours", "1e5000")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_a_malformed_version_is_400(client, reviewer, assessment):
    client.force_login(reviewer)
    response = autosave(client, assessment, "soc2_current", "yes", version="latest")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_an_unknown_question_is_404_json(client, reviewer, assessment):
    client.force_login(reviewer)
    response = autosave(client, assessment, "no_such_question", "yes")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_stale_version_is_409_with_the_current_answer_and_who_gave_it(
    client, reviewer, lead, assessment
):
    save(assessment, "soc2_current", "yes", reviewer, comment="Seen the report.")
    client.force_login(lead)

    response = autosave(client, assessment, "soc2_current", "no", version="0")

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "conflict"
    assert body["current"]["value"] == "yes"
    assert body["current"]["comment"] == "Seen the report."
    assert body["current"]["version"] == 1
    assert body["current"]["by"] == "Riley Reviewer"
    assert body["message"].startswith("Riley Reviewer changed this answer")
    assert Answer.objects.get().value == "yes"


def test_a_submitted_assessment_answers_409_locked(client, reviewer, submitted):
    client.force_login(reviewer)
    response = autosave(client, submitted, "soc2_current", "no", version="1", comment="x")
    assert response.status_code == 409
    assert response.json()["error"] == "locked"
    assert Answer.objects.get(question__key="soc2_current").value == "yes"


def test_a_hidden_question_answers_422(client, reviewer, assessment):
    client.force_login(reviewer)
    response = autosave(client, assessment, "subprocessors_disclosed", "yes")
    assert response.status_code == 422
    assert response.json()["error"] == "not_applicable"
    assert not Answer.objects.exists()


# --- Starting -------------------------------------------------------------------------------


@pytest.fixture
def both_banks(mini_template, load_bank):
    return mini_template, load_bank(full_bank())


@pytest.mark.parametrize(
    ("data_classes", "suggested"),
    [
        ([], "mini"),
        (["public"], "mini"),
        (["public", "internal"], "mini"),
        (["internal", "confidential"], "full"),
        (["restricted"], "full"),
    ],
)
def test_the_start_page_suggests_the_lite_bank_up_to_internal_data(
    client, reviewer, both_banks, data_classes, suggested
):
    vendor = VendorFactory(data_classes=data_classes)
    client.force_login(reviewer)

    response = client.get(reverse("assessment_start", args=[vendor.pk]))

    assert response.context["suggested"].key == suggested
    assert response.context["form"].initial["template"] == response.context["suggested"].pk
    assert f"Suggested: <strong>{response.context['suggested'].name}</strong>" in (
        response.content.decode()
    )


def test_the_start_page_offers_every_active_bank(client, reviewer, both_banks):
    client.force_login(reviewer)
    page = client.get(reverse("assessment_start", args=[VendorFactory().pk])).content.decode()
    assert "Mini bank (v1) — 6 questions" in page
    assert "Full bank (v1) — 2 questions" in page


def test_starting_again_opens_the_existing_draft_instead(client, reviewer, assessment):
    client.force_login(reviewer)
    url = reverse("assessment_start", args=[assessment.vendor.pk])

    shown = client.get(url)
    posted = client.post(url, {"template": assessment.template.pk})

    assert shown.status_code == posted.status_code == 302
    assert shown.url == posted.url == assessment.get_absolute_url()
    assert Assessment.objects.count() == 1


def test_a_reassessment_says_how_many_answers_were_carried(client, lead, submitted):
    client.force_login(lead)
    response = client.post(
        reverse("assessment_start", args=[submitted.vendor.pk]),
        {"template": submitted.template.pk},
        follow=True,
    )
    assert "3 answers carried forward" in response.content.decode()


# --- Submitting -----------------------------------------------------------------------------


def test_submitting_with_problems_is_400_and_links_each_to_its_question(
    client, reviewer, assessment
):
    save(assessment, "soc2_current", "no", reviewer)
    save(assessment, "uses_subprocessors", "yes", reviewer)
    client.force_login(reviewer)

    response = client.post(reverse("assessment_submit", args=[assessment.pk]))

    assert response.status_code == 400
    page = response.content.decode()
    section = reverse("assessment_section", args=[assessment.pk, "basics"])
    ops = reverse("assessment_section", args=[assessment.pk, "ops"])
    problems = re.findall(r'<li><a href="([^"]+)">[^<]*</a> — ([^<]+)</li>', page)
    assert problems == [
        (f"{section}#q-soc2_current", "answered “no” without a comment saying why"),
        (f"{section}#q-subprocessors_disclosed", "not answered"),
        (f"{ops}#q-breach_hours", "not answered"),
    ]
    assert "Not submitted: 3 answer(s) need attention" in page
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_submitting_a_submitted_assessment_again_says_so(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.post(reverse("assessment_submit", args=[submitted.pk]), follow=True)
    assert "already submitted" in response.content.decode()


# --- The wizard pages -----------------------------------------------------------------------


def test_a_draft_section_is_editable_for_a_reviewer(client, reviewer, assessment):
    client.force_login(reviewer)
    page = client.get(reverse("assessment_section", args=[assessment.pk, "basics"]))
    html = page.content.decode()
    assert "js/wizard.js" in html
    assert "<fieldset disabled" not in html
    assert 'id="q-subprocessors_disclosed"' in html


def test_procurement_sees_a_draft_read_only(client, procurement, assessment):
    client.force_login(procurement)
    html = client.get(
        reverse("assessment_section", args=[assessment.pk, "basics"])
    ).content.decode()
    assert "js/wizard.js" not in html
    assert html.count("<fieldset disabled") == 3


def test_a_submitted_sections_inputs_are_disabled_and_the_wizard_is_not_loaded(
    client, reviewer, submitted
):
    client.force_login(reviewer)
    html = client.get(reverse("assessment_section", args=[submitted.pk, "basics"])).content.decode()
    assert "js/wizard.js" not in html
    assert html.count("<fieldset disabled") == 3
    assert "<fieldset " not in html.replace("<fieldset disabled", "")
    assert "this assessment is submitted" in html


def test_a_hidden_question_is_rendered_hidden(client, reviewer, assessment):
    client.force_login(reviewer)
    html = client.get(
        reverse("assessment_section", args=[assessment.pk, "basics"])
    ).content.decode()
    tag = re.search(r'<div class="card[^>]*id="q-subprocessors_disclosed"[^>]*>', html, re.S)
    assert tag and tag.group(0).rstrip(">").endswith("hidden")


# --- Coverage -------------------------------------------------------------------------------


def coverage_rows(html):
    """{framework key: {reference: state}} as the page shows them."""
    shown = {}
    for block in html.split('data-framework="')[1:]:
        key = block.split('"', 1)[0]
        shown[key] = dict(
            re.findall(r"<td><code>([^<]+)</code></td>\s*<td><span[^>]*>([^<]+)</span>", block)
        )
    return shown


def test_the_coverage_page_lists_each_framework_and_reference_with_its_state(
    client, procurement, assessment, reviewer
):
    save(assessment, "soc2_current", "partial", reviewer, comment="Type I only.")
    save(assessment, "uses_subprocessors", "yes", reviewer)
    save(assessment, "subprocessors_disclosed", "no", reviewer, comment="Refused.")
    save(assessment, "breach_hours", 24, reviewer)
    client.force_login(procurement)

    html = client.get(reverse("assessment_coverage", args=[assessment.pk])).content.decode()

    assert coverage_rows(html) == {
        "SOC2": {"CC4.1": "partial"},
        "ISO27001": {"A.5.30": "open", "A.5.35": "partial"},
        "OWASP-LLM": {"LLM03": "gap"},
        # "yes" to sub-processors carries risk 0.5 in the bank: partial.
        "GDPR": {"28(2)": "partial", "28(3)(d)": "gap", "33": "met", "44": "open"},
    }
    for name in (
        "SOC 2 Trust Services Criteria", "ISO/IEC 27001:2022 Annex A",
        "OWASP Top 10 for LLM Applications 2025", "GDPR",
    ):  # fmt: skip
        assert f">{name}<" in html


def test_coverage_marks_references_of_hidden_questions_not_applicable(client, reviewer, assessment):
    save(assessment, "uses_subprocessors", "no", reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("assessment_coverage", args=[assessment.pk])).content.decode()
    rows = coverage_rows(html)
    assert rows["OWASP-LLM"] == {"LLM03": "not applicable"}
    assert rows["GDPR"]["28(3)(d)"] == "not applicable"
    assert "— does not apply" in html


def test_the_coverage_page_shows_a_multiple_choice_answer(client, reviewer, assessment):
    save(assessment, "hosting", ["eu", "us"], reviewer)
    client.force_login(reviewer)
    response = client.get(reverse("assessment_coverage", args=[assessment.pk]))
    assert response.status_code == 200
    # The riskiest option chosen decides: "us" carries 0.3.
    assert coverage_rows(response.content.decode())["GDPR"]["44"] == "partial"
    assert "— eu, us" in response.content.decode()


def test_the_coverage_page_shows_a_yes_no_answer_as_written(client, reviewer, assessment):
    save(assessment, "soc2_current", "yes", reviewer)
    client.force_login(reviewer)
    html = client.get(reverse("assessment_coverage", args=[assessment.pk])).content.decode()
    assert "— yes</span>" in html


# --- Query counts ---------------------------------------------------------------------------


def section_queries(client, assessment, section_key):
    url = reverse("assessment_section", args=[assessment.pk, section_key])
    client.get(url)  # warm caches (content types, sessions) outside the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def started(load_bank, reviewer):
    """Start an assessment of a generated bank for a vendor that holds evidence."""

    def start(data):
        vendor = VendorFactory()
        EvidenceFactory.create_batch(3, vendor=vendor, kind="soc2")
        return services.assessment_start(
            vendor=vendor, template=load_bank(data), started_by=reviewer
        )

    return start


def test_the_section_page_queries_do_not_grow_with_the_number_of_questions(
    client, reviewer, started
):
    client.force_login(reviewer)
    small = started(bank_of_many(6, key="six"))
    large = started(bank_of_many(60, key="sixty"))
    assert section_queries(client, large, "everything") == section_queries(
        client, small, "everything"
    )


def answer_all(assessment, user):
    evidence = assessment.vendor.evidence.first()
    Answer.objects.bulk_create(
        Answer(
            assessment=assessment,
            question=question,
            value="partial",
            comment="Partly.",
            evidence=evidence,
            answered_by=user,
        )  # fmt: skip
        for question in assessment.template.questions.all()
    )


@pytest.mark.parametrize("who", ["reviewer", "procurement"])
def test_the_section_page_queries_do_not_grow_with_the_number_of_answers(
    client, users_by_role, started, who
):
    client.force_login(users_by_role[who])
    assessment = started(bank_of_many(60))
    unanswered = section_queries(client, assessment, "everything")

    answer_all(assessment, users_by_role["reviewer"])

    assert section_queries(client, assessment, "everything") == unanswered
