"""Bulk seeding for the page benchmark (bench/pages_bench.py): a database of realistic size.

    .venv/bin/python bench/seed_bulk.py --database-url postgres://postgres@127.0.0.1:5432/mydb
        (migrates and loads the question banks itself; the database must exist and be empty)

Used by pages_bench.py, which creates and drops its own database. With the default sizes:
10,000 vendors with about 3 evidence records each, 30,000 assessments of the shipped full
bank (76 questions) with their answers (2.06 million rows: each answers the 69-72 questions
that apply to it, drafts 60-90 % of them), a stored score and about 10 findings for each
submitted or decided one, 20,000 usage records, 500 incidents, 64 users in the role groups,
and about 170,000 audit-trail entries (what django-auditlog would have written for all of
that, so that the vendor page's history reads a table of realistic size).

Everything goes in with bulk_create in batches of BATCH rows (on PostgreSQL, answers, scores,
findings and audit entries with COPY), with audit logging disabled
(auditlog.context.disable_auditlog()). The values follow vendors/demo.py and
assessments/demo.py: invented vendor names, evidence dated relative to today (current,
expiring, expired, and core kinds missing), answers from the demo's favourable and weak
answers, scores and findings computed by assessments.scoring itself. Random choices use a
fixed seed, so two runs build the same data. Method and results: docs/performance.md.
"""

import contextlib
import datetime as dt
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BATCH = 5000
PASSWORD = "bench-password-not-secret"  # noqa: S105  (throwaway users of a throwaway database)
LOGIN_USERNAME = "bench-reviewer"


@dataclass
class Sizes:
    vendors: int = 10_000
    assessments: int = 30_000
    evidence_per_vendor: float = 3.0
    usages: int = 20_000
    incidents: int = 500
    findings_per_assessment: int = 10
    answer_share: float = 1.0  # share of assessments that get answers (1.0: all of them)


@dataclass
class Seeded:
    """What the benchmark needs to know about the data it built."""

    counts: dict
    seconds: dict
    login_username: str
    password: str
    vendor_pk: int  # a typical vendor: evidence, usage, decided assessments, history
    draft_pk: int  # a draft assessment of the full bank (the wizard)
    result_pk: int  # a decided assessment of the full bank (the result page)
    incident_pk: int  # an incident whose vendor has active usage
    can_use_vendor_pk: int  # an approved vendor


# --- Realistic values -------------------------------------------------------------------------

PREFIXES = [
    "Larkspur", "Quillmark", "Tessellate", "Harborline", "Cobaltline", "Wellspring", "Amberfield",
    "Brightwater", "Cinderpath", "Driftwood", "Emberly", "Fernhollow", "Glasswing", "Hollowbrook",
    "Ironbark", "Juniper", "Kestrel", "Lumenfall", "Meridian", "Northwind", "Oakhaven",
    "Pinecrest", "Quarrystone", "Redfern", "Silverline", "Thistledown", "Umberlight", "Valewood",
    "Willowmere", "Yarrow", "Zephyrine", "Ashcombe", "Bramblegate", "Copperleaf", "Dovetail",
    "Eastmere", "Foxglove", "Granite Bay", "Heatherly", "Inkwell",
]  # fmt: skip
# (product, service type, what it does)
PRODUCTS = [
    ("Language Cloud", "llm_api", "General-purpose language model API (chat, embeddings, batch)."),
    ("Inference", "model_hosting", "Hosted inference for open-weight models on dedicated GPUs."),
    ("Notes", "ai_saas", "Meeting assistant that transcribes calls and writes summaries."),
    ("Scribe", "ai_saas", "Clinical and business dictation turned into structured notes."),
    ("Code Companion", "ai_feature", "Code completion and chat inside the developers' IDE."),
    ("CRM Assist", "ai_feature", "Drafts e-mails and summarises accounts inside the CRM."),
    ("Agents", "agent_platform", "Builds agents that call company APIs and act on tickets."),
    ("Translate", "llm_api", "Machine translation API for documents and support chats."),
    ("Vision API", "llm_api", "Image understanding and OCR for scanned documents."),
    ("Search", "ai_saas", "Enterprise search with answers over the company's documents."),
    ("Support Copilot", "ai_feature", "Suggests replies to support agents from past tickets."),
    ("Analytics AI", "ai_saas", "Asks questions of the data warehouse in plain language."),
    ("Voice", "ai_saas", "Speech synthesis and call-centre voice agents."),
    ("Model Hub", "model_hosting", "Fine-tuning and hosting of customer models in the cloud."),
    ("Workflow Bots", "agent_platform", "Automates back-office workflows across SaaS tools."),
    ("Docs AI", "ai_feature", "Writing assistant inside the document editor."),
    ("Recruiter AI", "ai_saas", "Screens CVs and drafts interview questions."),
    ("Legal Review", "ai_saas", "Contract review that flags risky clauses."),
    ("Design Studio", "ai_saas", "Generates marketing images and layouts."),
    ("Embeddings", "llm_api", "Embedding and reranking models for retrieval."),
    ("Sales Coach", "ai_feature", "Scores sales calls and suggests next steps."),
    ("Meeting Bot", "ai_saas", "Joins video calls and posts action items to chat."),
    ("Data Labeling", "other", "Human and model-assisted labelling of training data."),
    ("GPU Cloud", "model_hosting", "Rents GPU clusters for training and inference."),
    ("Security Copilot", "ai_feature", "Triages alerts in the SIEM and drafts incident notes."),
]
EDITIONS = ["", "Pro", "Enterprise", "EU", "Labs", "Studio", "Edge", "Gov", "Lite", "Plus"]
MODELS = [
    "GPT-4o", "GPT-4o mini", "Claude 3.5 Sonnet", "Llama 3.1 70B", "Llama 3.1 8B",
    "Mistral Large", "Mixtral 8x22B", "Gemini 1.5 Pro", "Whisper large-v3", "own foundation model",
    "own embedding model", "Stable Diffusion XL",
]  # fmt: skip
PROVIDERS = ["", "", "OpenAI", "Anthropic", "Meta (open weights)", "Mistral AI", "Google", "Cohere"]
REGIONS = [
    "EU (Frankfurt, Dublin)", "US (Virginia)", "US (Oregon); EU (Ireland) on the enterprise plan",
    "UK (London)", "EU (Paris)", "US (Ohio), Canada (Montreal)", "Singapore; EU (Frankfurt)",
    "Self-hosted in our VPC",
]  # fmt: skip
JUSTIFICATIONS = [
    "Replaces three separate team subscriptions with one contract.",
    "Sales and customer-success teams want call notes in the CRM without manual typing.",
    "Cuts first-response time in support by drafting replies from past tickets.",
    "Engineering asked for it; about 200 seats requested.",
    "Needed for the document-processing pipeline launched this quarter.",
]
TEAMS = [
    "Support", "Sales", "Customer Success", "Marketing", "Engineering", "Data Science",
    "Platform", "Security", "Legal", "Finance", "HR", "Recruiting", "Procurement", "Product",
    "Design", "Research", "IT", "Operations", "Facilities", "Communications", "Partnerships",
    "Analytics", "QA", "Mobile", "Web", "Infrastructure", "Billing", "Payments", "Risk",
    "Compliance", "Training", "Localisation", "Documentation", "Growth", "Trust & Safety",
    "Executive Office", "Investor Relations", "Supply Chain", "Field Sales", "Solutions",
]  # fmt: skip
PURPOSES = [
    "Summarise support tickets", "Draft replies to customers", "Transcribe sales calls",
    "Code completion in the IDE", "Translate help-centre articles", "Screen CVs",
    "Review supplier contracts", "Generate marketing images", "Answer questions over the wiki",
    "Classify incoming invoices", "Chat assistant for employees", "Summarise board papers",
    "Triage security alerts", "Write product descriptions", "Extract data from scanned forms",
    "Forecast demand", "Label training data", "Voice agent for the call centre",
]  # fmt: skip
FIRST_NAMES = [
    "Riley", "Lee", "Sam", "Alex", "Jordan", "Casey", "Morgan", "Taylor", "Jamie", "Robin",
    "Avery", "Quinn", "Harper", "Rowan", "Sasha", "Noa", "Kai", "Elliot", "Remy", "Ari",
]  # fmt: skip
LAST_NAMES = [
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak", "Haddad", "Fischer", "Costa", "Nguyen",
    "Brennan", "Kowalski", "Silva", "Petrov", "Murphy", "Yilmaz", "Dubois",
]  # fmt: skip
INCIDENT_TITLES = [
    "Cached conversation titles shown to other customers",
    "Misconfigured storage bucket exposed support attachments",
    "Prompt-injection flaw let an agent read another tenant's files",
    "Stolen employee credentials used to access customer logs",
    "Sub-processor breach exposed billing contacts",
    "Model outputs leaked fragments of other customers' prompts",
    "API keys logged in plain text",
    "Ransomware at a hosting sub-processor; service down for two days",
]
AUDITORS = ["Halvorsen & Pike LLP", "Brennan Whitlock CPAs", "Marlow Assurance", "Kettering Audit"]
CERT_BODIES = ["Northgate Certification", "Albion Registrars", "Certis Europe"]


# --- Helpers ----------------------------------------------------------------------------------


def _batched(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk(model, objects, size=BATCH) -> list:
    """bulk_create in batches of `size`, each in its own transaction; returns the objects
    (with primary keys: PostgreSQL and SQLite both return them)."""
    from django.db import transaction

    created = []
    for chunk in _batched(objects, size):
        with transaction.atomic():
            created.extend(model.objects.bulk_create(chunk, batch_size=size))
    return created


def _copy(model, objects) -> int:
    """PostgreSQL: insert unsaved model instances with COPY, for the tables whose primary
    keys nobody needs back. Django 5.2's bulk_create on PostgreSQL sends each column as an
    array parameter (UNNEST), and quoting arrays of large JSON and text values is slow on
    the client (the scores' 13 KB details took about 2 ms per row); COPY takes the values
    as they are, converted by the same field methods as a save."""
    from django.db import connection, transaction

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row(
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            )
    return len(objects)


@contextlib.contextmanager
def _explicit_timestamps():
    """Let the seeder write created_at, updated_at and the like itself: while inside, fields
    with auto_now / auto_now_add keep the values given (history spread over three years),
    instead of all being 'now'. Only this process is affected, and only while seeding."""
    from django.apps import apps
    from django.db import models

    patched = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
                patched.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in patched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _aware(day: dt.date, rng: random.Random) -> dt.datetime:
    from django.utils import timezone

    moment = dt.datetime.combine(day, dt.time(rng.randint(7, 18), rng.randint(0, 59)))
    return timezone.make_aware(moment, dt.UTC)


# --- Answer profiles: the answers and the score of a filled questionnaire ---------------------


@dataclass
class Profile:
    answers: list  # [(question, value, comment)] in bank order
    result: object  # scoring.ScoreResult
    decision: str  # the sign-off this result leads to

    @property
    def detail(self) -> dict:
        """AssessmentScore.detail as assessments.services.score_assessment stores it (without
        scored_on), built once: asdict() of 76 contributions per row would dominate."""
        if not hasattr(self, "_detail"):
            r = self.result
            self._detail = {
                "inherent_factors": [asdict(f) for f in r.inherent_factors],
                "domains": [asdict(d) for d in r.domains],
                "contributions": [asdict(c) for c in r.contributions],
                "gates": [asdict(g) | {"reasons": list(g.reasons)} for g in r.gates],
            }
        return self._detail


def _profiles(template, today: dt.date) -> list[Profile]:
    """Ten ways of filling the full bank, from all favourable answers to all of them weak,
    each scored by assessments.scoring (the same code that runs at submission)."""
    from django.conf import settings

    from assessments import scoring
    from assessments.demo import _good_answer, _weak_answer
    from assessments.models import AnswerType
    from assessments.rules import applicable_keys
    from assessments.services import question_spec

    class _NoEvidence:  # _good_answer reads vendor.evidence.first() for evidence questions
        class evidence:  # noqa: N801
            @staticmethod
            def first():
                return None

    questions = list(template.questions.select_related("section").order_by("order"))
    specs = [question_spec(q) for q in questions]
    vendor_profile = scoring.VendorProfile(
        data_classes=("internal", "confidential"), special_categories=("personal",),
        criticality="medium", autonomy="none", integration="api",
    )  # fmt: skip
    evidence = dict.fromkeys(("soc2", "dpa", "retention", "encryption", "training"), "current")
    profiles = []
    for weak_share in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.7, 1.0):
        answers = []
        for index, question in enumerate(questions):
            value = _good_answer(question, _NoEvidence)
            comment = ""
            if int((index + 1) * weak_share) > int(index * weak_share):
                weak = _weak_answer(question)
                if weak is not None:
                    value, comment = (
                        weak,
                        "The vendor could not show this control; follow-up agreed.",
                    )
            if question.answer_type == AnswerType.EVIDENCE:
                value = "EVIDENCE"  # replaced by the vendor's first evidence record
            answers.append((question, value, comment))
        values = {q.key: v for q, v, _ in answers}
        applicable = applicable_keys(questions, values)
        answers = [row for row in answers if row[0].key in applicable]
        result = scoring.score(
            vendor_profile, specs,
            {q.key: scoring.AnswerSpec(1 if v == "EVIDENCE" else v, c) for q, v, c in answers},
            evidence, today=today, appetite=settings.CLEARANCE_RISK_APPETITE,
        )  # fmt: skip
        decision = {"low": "approved", "medium": "approved", "high": "approved_with_conditions"}
        profiles.append(Profile(answers, result, decision.get(result.tier, "rejected")))
    return profiles


# --- The seeding ------------------------------------------------------------------------------


def seed(sizes: Sizes, *, use_copy: bool | None = None, log=print) -> Seeded:
    """Fill the (migrated, empty, question banks loaded) default database."""
    from auditlog.context import disable_auditlog
    from django.db import connection

    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    seconds: dict[str, float] = {}
    with disable_auditlog(), _explicit_timestamps():
        builder = _Builder(sizes, use_copy, log, seconds)
        seeded = builder.run()
    if connection.vendor == "postgresql":
        started = time.perf_counter()
        with connection.cursor() as cursor:
            # The steady state autovacuum reaches within minutes of a load: planner statistics
            # and the visibility map (index-only scans). Measuring before it, the plans change
            # while the benchmark runs (the deep vendor page went from 2 s to 0.1 s).
            cursor.execute("VACUUM ANALYZE")
        seconds["vacuum analyze"] = time.perf_counter() - started
        log(f"  {'vacuum analyze':<29} {seconds['vacuum analyze']:6.1f} s")
    return seeded


class _Builder:
    def __init__(self, sizes: Sizes, use_copy: bool, log, seconds: dict):
        from django.utils import timezone

        self.sizes = sizes
        self.use_copy = use_copy
        self.log = log
        self.seconds = seconds
        self.rng = random.Random(9)  # noqa: S311  (test data, not security)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.counts: dict[str, int] = {}

    def _store(self, model, objects) -> int:
        """Rows whose primary keys are not needed back: COPY on PostgreSQL, else bulk_create."""
        return _copy(model, objects) if self.use_copy else len(_bulk(model, objects))

    def _step(self, name: str, function):
        started = time.perf_counter()
        result = function()
        self.seconds[name] = time.perf_counter() - started
        self.log(f"  {name:<12} {self.counts.get(name, 0):>10,} rows  {self.seconds[name]:6.1f} s")
        return result

    def run(self) -> Seeded:
        from assessments.models import QuestionnaireTemplate

        self.template = QuestionnaireTemplate.objects.get(key="ai-due-diligence", active=True)
        self.profiles = _profiles(self.template, self.today)
        self._step("users", self.users)
        self._step("vendors", self.vendors)
        self._step("evidence", self.evidence)
        self._step("evidence summary", self.evidence_summary)
        self._step("assessments", self.assessments)
        self._step("answers", self.answers)
        self._step("scores", self.scores)
        self._step("findings", self.findings)
        self._step("usages", self.usages)
        self._step("incidents", self.incidents)
        self._step("audit log", self.audit_log)
        return Seeded(
            counts=self.counts, seconds=self.seconds, login_username=LOGIN_USERNAME,
            password=PASSWORD, **self._pick_pages(),
        )  # fmt: skip

    # Users and role groups -------------------------------------------------------------------

    def users(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group

        from accounts.roles import Role

        User = get_user_model()
        password = make_password(PASSWORD)  # hashed once: a hash costs about half a second
        plan = [("bench-reviewer", Role.REVIEWER), ("bench-lead", Role.LEAD),
                ("bench-procurement", Role.PROCUREMENT)]  # fmt: skip
        plan += [(f"reviewer{i:02}", Role.REVIEWER) for i in range(24)]
        plan += [(f"lead{i:02}", Role.LEAD) for i in range(6)]
        plan += [(f"owner{i:02}", None) for i in range(31)]  # business owners, no role
        users = [
            User(
                username=name,
                password=password,
                email=f"{name}@example.com",
                first_name=self.rng.choice(FIRST_NAMES),
                last_name=self.rng.choice(LAST_NAMES),
                date_joined=self.now - dt.timedelta(days=self.rng.randint(400, 1500)),
            )  # fmt: skip
            for name, _ in plan
        ]
        users = _bulk(User, users)
        groups = {g.name: g for g in Group.objects.all()}
        Membership = User.groups.through
        _bulk(
            Membership,
            [Membership(user_id=u.pk, group_id=groups[role.value].pk)
             for u, (_, role) in zip(users, plan, strict=True) if role],
        )  # fmt: skip
        self.reviewers = [u for u, (_, r) in zip(users, plan, strict=True) if r == Role.REVIEWER]
        self.leads = [u for u, (_, r) in zip(users, plan, strict=True) if r == Role.LEAD]
        self.owners = [u for u, (_, r) in zip(users, plan, strict=True) if r is None]
        self.counts["users"] = len(users)

    # Vendors -----------------------------------------------------------------------------------

    def _names(self, count: int) -> list[str]:
        combos = [
            " ".join(p for p in (prefix, product[0], edition) if p)
            for prefix in PREFIXES for product in PRODUCTS for edition in EDITIONS
        ]  # fmt: skip
        self.rng.shuffle(combos)
        names = combos[:count]
        for n in range(count - len(names)):
            names.append(f"{combos[n % len(combos)]} {n // len(combos) + 2}")
        return names

    def vendors(self):
        from django.utils.text import slugify

        from vendors.models import Vendor

        rng = self.rng
        product_of = {p[0]: p for p in PRODUCTS}
        vendors = []
        slugs = set()
        for name in self._names(self.sizes.vendors):
            product = next(product_of[p] for p in product_of if f" {p}" in f" {name}")
            slug = slugify(name)
            while slug in slugs:
                slug += "-2"
            slugs.add(slug)
            classes = rng.choices(
                [["public"], ["public", "internal"], ["internal"], ["internal", "confidential"],
                 ["confidential"], ["internal", "confidential", "restricted"]],
                weights=[10, 20, 20, 30, 10, 10],
            )[0]  # fmt: skip
            created = self.now - dt.timedelta(days=rng.randint(200, 1200), hours=rng.randint(0, 23))
            vendors.append(
                Vendor(
                    name=name,
                    slug=slug,
                    website=f"https://{slug}.example",
                    description=f"{product[2]} {rng.choice(JUSTIFICATIONS)}",
                    service_type=product[1],
                    models_used=", ".join(rng.sample(MODELS, rng.randint(1, 3))),
                    model_providers=rng.choice(PROVIDERS),
                    hosting_regions=rng.choice(REGIONS),
                    business_owner=rng.choice(self.owners),
                    security_owner=rng.choice(self.reviewers + self.leads),
                    data_classes=classes,
                    special_categories=rng.choice(
                        [
                            [],
                            [],
                            ["personal"],
                            ["personal", "employee"],
                            ["source_code"],
                            ["personal", "payment_card"],
                            ["health", "personal"],
                        ]
                    ),
                    criticality=rng.choices(["low", "medium", "high"], weights=[30, 45, 25])[0],
                    autonomy=rng.choices(
                        ["none", "human_approval", "autonomous_scoped", "autonomous_broad"],
                        weights=[70, 15, 10, 5],
                    )[0],
                    integration=rng.choice(["web_app", "api", "plugin", "agent"]),
                    business_justification=rng.choice(JUSTIFICATIONS),
                    status="proposed",
                    created_by=rng.choice(self.reviewers),
                    created_at=created,
                    updated_at=created,
                )  # fmt: skip
            )
        self.vendor_list = _bulk(Vendor, vendors)
        self.counts["vendors"] = len(self.vendor_list)

    # Evidence ----------------------------------------------------------------------------------

    def _evidence_facts(self, kind: str) -> dict:
        from vendors.services import add_months

        rng, today = self.rng, self.today
        # Spread so that about 70% is current, 15% expiring within 60 days and 15% expired.
        freshness = rng.choices(["current", "expiring", "expired"], weights=[70, 15, 15])[0]
        stale_in = {
            "current": rng.randint(61, 700),
            "expiring": rng.randint(0, 60),
            "expired": -rng.randint(1, 400),
        }[freshness]
        expires = today + dt.timedelta(days=stale_in)
        if kind == "soc2":
            period_end = add_months(expires, -12)
            return {
                "title": "SOC 2 Type II report",
                "soc2_type": "type2",
                "period_start": add_months(period_end, -12) + dt.timedelta(days=1),
                "period_end": period_end,
                "auditor": rng.choice(AUDITORS),
                "opinion": "unqualified",
                "exceptions_noted": rng.random() < 0.2,
            }
        if kind == "iso27001":
            return {
                "title": "ISO/IEC 27001 certificate",
                "certificate_number": f"IS {rng.randint(10000, 99999)}",
                "certification_body": rng.choice(CERT_BODIES),
                "scope": "Platform and support operations",
                "issue_date": add_months(expires, -36),
                "expiry_date": expires,
            }
        if kind == "dpa":
            return {
                "title": "Data processing addendum",
                "signed_date": today - dt.timedelta(days=rng.randint(30, 900)),
                "gdpr_art28_terms": True,
                "transfer_mechanism": rng.choice(["sccs", "dpf", "not_needed"]),
                "ccpa_service_provider_terms": rng.random() < 0.8,
                "breach_notification_hours": rng.choice([24, 48, 72, None]),
                "subprocessor_notice_days": rng.choice([14, 30, None]),
                "valid_until": expires if rng.random() < 0.3 else None,
            }
        if kind == "retention":
            return {
                "title": "Data usage and retention policy",
                "prompt_retention_days": rng.choice([0, 30, 90]),
                "output_retention_days": rng.choice([0, 30, 90]),
                "log_retention_days": rng.choice([30, 90, 365]),
                "zero_retention_available": rng.random() < 0.5,
                "deletion_on_request_days": 30,
                "backup_retention_days": 35,
                "document_date": today - dt.timedelta(days=rng.randint(10, 600)),
                "valid_until": expires if rng.random() < 0.3 else None,
            }
        if kind == "encryption":
            return {
                "title": "Security whitepaper, encryption section",
                "min_tls_version": rng.choice(["1.2", "1.3"]),
                "encryption_at_rest": True,
                "key_management": rng.choice(["vendor", "byok"]),
                "staff_access": rng.choice(["none", "approved", "logged"]),
                "document_date": today - dt.timedelta(days=rng.randint(10, 600)),
            }
        if kind == "training":
            return {
                "title": "Enterprise terms, use of customer data",
                "training_default": rng.choice(["never", "never", "opt_in", "opt_out"]),
                "no_training_commitment": rng.random() < 0.7,
                "document_date": today - dt.timedelta(days=rng.randint(10, 600)),
            }
        if kind in ("pentest", "red_team"):
            return {
                "title": "Annual penetration test summary"
                if kind == "pentest"
                else "Red-team report",
                "document_date": add_months(expires, -12),
            }
        return {
            "title": {"subprocessors": "Sub-processor list", "model_card": "Model card"}.get(
                kind, kind
            ),
            "document_date": today - dt.timedelta(days=rng.randint(10, 600)),
        }

    def evidence(self):
        from vendors.models import Evidence
        from vendors.services import evidence_expiry

        rng = self.rng
        kinds = [
            "dpa",
            "retention",
            "encryption",
            "training",
            "pentest",
            "subprocessors",
            "model_card",
            "red_team",
        ]
        weights = [30, 20, 20, 20, 10, 6, 6, 3]
        mean = self.sizes.evidence_per_vendor
        records = []
        for vendor in self.vendor_list:
            count = max(0, min(8, round(rng.gauss(mean, 1.2))))
            chosen = []
            if count and rng.random() < 0.85:  # most vendors show SOC 2 or ISO 27001 first
                chosen.append(rng.choice(["soc2", "soc2", "iso27001"]))
            while len(chosen) < count:
                kind = rng.choices(kinds, weights=weights)[0]
                if kind not in chosen:
                    chosen.append(kind)
            for kind in chosen:
                recorded = vendor.created_at + dt.timedelta(days=rng.randint(1, 150))
                record = Evidence(
                    vendor=vendor, kind=kind, recorded_by=vendor.created_by, recorded_at=recorded,
                    updated_at=recorded, **self._evidence_facts(kind),
                )  # fmt: skip
                record.expires_on = evidence_expiry(record)
                records.append(record)
        records = _bulk(Evidence, records)
        self.first_evidence = {}
        for record in records:
            self.first_evidence.setdefault(record.vendor_id, record.pk)
        self.evidence_count = {}
        for record in records:
            self.evidence_count[record.vendor_id] = self.evidence_count.get(record.vendor_id, 0) + 1
        self.counts["evidence"] = len(records)

    # Assessments, scores, findings -------------------------------------------------------------

    def evidence_summary(self):
        """What the evidence-change receiver would have stored, had bulk_create sent signals."""
        from vendors.services import evidence_summary_refresh

        self.counts["evidence summary"] = evidence_summary_refresh(today=self.today)

    def _plan(self) -> dict:
        """Per vendor, its assessments oldest first: (status, profile index, dates)."""
        rng, now = self.rng, self.now
        per_vendor = [self.sizes.assessments // len(self.vendor_list)] * len(self.vendor_list)
        for i in range(self.sizes.assessments % len(self.vendor_list)):
            per_vendor[i] += 1
        plan = {}
        for vendor, count in zip(self.vendor_list, per_vendor, strict=True):
            last_state = rng.choices(["draft", "submitted", "decided"], weights=[20, 10, 70])[0]
            rows = []
            started = now - dt.timedelta(days=rng.randint(2, 200), hours=rng.randint(0, 23))
            for k in reversed(range(count)):  # newest first, walking back in time
                state = last_state if k == count - 1 else "decided"
                profile = rng.randrange(len(self.profiles))
                submitted = started + dt.timedelta(days=rng.randint(3, 30))
                decided = submitted + dt.timedelta(days=rng.randint(1, 14))
                if state != "draft" and submitted > now:
                    submitted = now - dt.timedelta(hours=2)
                if state == "decided" and decided > now:
                    decided = now - dt.timedelta(hours=1)
                rows.append((state, profile, started, submitted, decided))
                started -= dt.timedelta(days=rng.randint(150, 400))
            plan[vendor.pk] = list(reversed(rows))
        return plan

    def assessments(self):
        from assessments.models import Assessment

        rng = self.rng
        self.plan = self._plan()
        self.assessment_rows = []  # (assessment, state, profile)
        previous: dict[int, int] = {}
        rounds = max((len(rows) for rows in self.plan.values()), default=0)
        for r in range(rounds):  # one round per position, so `previous` can point back
            batch, meta = [], []
            for vendor in self.vendor_list:
                rows = self.plan[vendor.pk]
                if r >= len(rows):
                    continue
                state, profile_index, started, submitted, decided = rows[r]
                profile = self.profiles[profile_index]
                reviewer = rng.choice(self.reviewers)
                fields = {
                    "vendor": vendor, "template": self.template, "created_by": reviewer,
                    "created_at": started, "updated_at": started, "previous_id": previous.get(vendor.pk),
                    "due_date": (started + dt.timedelta(days=21)).date(), "status": "draft",
                }  # fmt: skip
                if state != "draft":
                    result = profile.result
                    fields |= {
                        "status": "submitted", "submitted_by": reviewer, "submitted_at": submitted,
                        "updated_at": submitted, "tier": result.tier,
                        "residual_score": Decimal(str(result.residual)),
                    }  # fmt: skip
                if state == "decided":
                    fields |= {
                        "status": profile.decision, "decided_by": rng.choice(self.leads),
                        "decided_at": decided, "updated_at": decided,
                        "decision_comment": "Reviewed with the team.",
                    }  # fmt: skip
                    if profile.decision == "approved_with_conditions":
                        fields |= {
                            "conditions": "Enable zero-retention mode and send us the updated DPA annex.",
                            "conditions_due": (decided + dt.timedelta(days=60)).date(),
                        }  # fmt: skip
                batch.append(Assessment(**fields))
                meta.append((state, profile))
            created = _bulk(Assessment, batch)
            for assessment, (state, profile) in zip(created, meta, strict=True):
                self.assessment_rows.append((assessment, state, profile))
                if state != "draft":
                    previous[assessment.vendor_id] = assessment.pk
        self.counts["assessments"] = len(self.assessment_rows)
        self._update_vendors()

    def _update_vendors(self):
        """Each vendor's decision fields as its last sign-off left them."""
        from django.conf import settings
        from django.db import transaction

        from vendors.models import Vendor

        period = {"critical": 90, "high": 90, "medium": 180, "low": 365}
        last: dict[int, tuple] = {}
        for assessment, state, profile in self.assessment_rows:  # oldest first per vendor
            last[assessment.vendor_id] = (assessment, state, profile)
        decided: dict[int, tuple] = {}
        for assessment, state, profile in self.assessment_rows:
            if state == "decided":
                decided[assessment.vendor_id] = (assessment, profile)
        changed = []
        for vendor in self.vendor_list:
            if vendor.pk in decided:
                assessment, profile = decided[vendor.pk]
                result = profile.result
                vendor.status = profile.decision
                vendor.tier, vendor.residual_score = result.tier, Decimal(str(result.residual))
                allowed = [c for c in result.allowed_classes if c in vendor.data_classes]
                vendor.approved_data_classes = allowed if profile.decision != "rejected" else []
                vendor.conditions = assessment.conditions
                vendor.next_reassessment_date = assessment.decided_at.date() + dt.timedelta(
                    days=period[result.tier]
                )
                if profile.decision != "rejected":
                    vendor.approval_valid_until = vendor.next_reassessment_date + dt.timedelta(
                        days=settings.CLEARANCE_APPROVAL_GRACE_DAYS
                    )
                    vendor.assessed_special_categories = vendor.special_categories
                vendor.updated_at = assessment.decided_at
            if vendor.pk in last and last[vendor.pk][1] != "decided":
                vendor.status = "in_review"
            if self.rng.random() < 0.02:
                vendor.status = "retired"
            changed.append(vendor)
        fields = ["status", "tier", "residual_score", "approved_data_classes", "conditions",
                  "next_reassessment_date", "updated_at", "approval_valid_until",
                  "assessed_special_categories"]  # fmt: skip
        for chunk in _batched(changed, 2000):
            with transaction.atomic():
                Vendor.objects.bulk_update(chunk, fields)

    def _answer_rows(self):
        """(assessment_id, question_id, value, comment, evidence_id, answered_by_id,
        answered_at) for every answer."""
        rng = random.Random(11)  # noqa: S311
        share = self.sizes.answer_share
        for assessment, state, profile in self.assessment_rows:
            if share < 1.0 and rng.random() >= share:
                continue
            answers = profile.answers
            if state == "draft":  # a draft is about three quarters answered
                answers = answers[: int(len(answers) * rng.uniform(0.6, 0.9))]
            at = assessment.created_at + dt.timedelta(days=1)
            evidence_id = self.first_evidence.get(assessment.vendor_id)
            for question, value, comment in answers:
                evidence = None
                if value == "EVIDENCE":
                    if evidence_id is None:
                        continue
                    value = evidence = evidence_id
                yield (assessment.pk, question.pk, value, comment, evidence,
                       assessment.created_by_id, at)  # fmt: skip

    def answers(self):
        from django.db import connection, transaction

        from assessments.models import Answer

        count = 0
        if self.use_copy:
            table = Answer._meta.db_table
            columns = ("assessment_id", "question_id", "value", "comment", "evidence_id",
                       "answered_by_id", "answered_at", "version", "carried_forward")  # fmt: skip
            with transaction.atomic(), connection.cursor() as cursor:
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    for row in self._answer_rows():
                        copy.write_row((*row[:2], json.dumps(row[2]), *row[3:], 1, False))
                        count += 1
        else:
            batch = []
            for a, q, value, comment, evidence, by, at in self._answer_rows():
                batch.append(
                    Answer(
                        assessment_id=a,
                        question_id=q,
                        value=value,
                        comment=comment,
                        evidence_id=evidence,
                        answered_by_id=by,
                        answered_at=at,
                    )  # fmt: skip
                )
                if len(batch) == BATCH:
                    with transaction.atomic():
                        Answer.objects.bulk_create(batch, batch_size=BATCH)
                    count += len(batch)
                    batch = []
            if batch:
                with transaction.atomic():
                    Answer.objects.bulk_create(batch, batch_size=BATCH)
                count += len(batch)
        self.counts["answers"] = count

    def scores(self):
        from assessments.models import AssessmentScore

        scores = []
        for assessment, state, profile in self.assessment_rows:
            if state == "draft":
                continue
            result = profile.result
            scores.append(
                AssessmentScore(
                    assessment=assessment,
                    method_version=result.method_version,
                    inherent=Decimal(str(result.inherent)),
                    effectiveness=Decimal(str(result.effectiveness)),
                    residual=Decimal(str(result.residual)),
                    tier=result.tier,
                    next_reassessment=result.next_reassessment,
                    computed_at=assessment.submitted_at,
                    detail={
                        **profile.detail,
                        "scored_on": assessment.submitted_at.date().isoformat(),
                    },
                )  # fmt: skip
            )
        self.counts["scores"] = self._store(AssessmentScore, scores)

    def findings(self):
        from assessments.models import Finding

        rng = self.rng
        latest = {}
        for assessment, state, _ in self.assessment_rows:
            if state != "draft":
                latest[assessment.vendor_id] = assessment.pk
        cap = self.sizes.findings_per_assessment
        findings = []
        for assessment, state, profile in self.assessment_rows:
            if state == "draft":
                continue
            current = latest[assessment.vendor_id] == assessment.pk
            chosen = list(profile.result.findings)
            if len(chosen) > cap:  # about `cap` per assessment, varying a little
                chosen = rng.sample(chosen, min(len(chosen), cap + rng.randint(-3, 3)))
            for f in chosen:
                status = (rng.choices(["open", "accepted", "remediated"], weights=[70, 10, 20])[0]
                          if current else rng.choice(["remediated", "remediated", "open"]))  # fmt: skip
                findings.append(
                    Finding(
                        assessment=assessment,
                        vendor_id=assessment.vendor_id,
                        question_key=f.key,
                        question_text=f.question,
                        answer_text=f.answer[:500],
                        severity=f.severity,
                        kind=f.kind,
                        detail=f.detail,
                        remediation=f.remediation,
                        status=status,
                        owner=rng.choice(self.owners),
                        due_date=(assessment.submitted_at + dt.timedelta(days=90)).date(),
                        justification="Compensating control: traffic goes through our gateway."
                        if status == "accepted"
                        else "",
                        accepted_until=self.today + dt.timedelta(days=120)
                        if status == "accepted"
                        else None,
                        remediation_note="Fixed by the vendor; confirmed in the new report."
                        if status == "remediated"
                        else "",
                        updated_at=assessment.submitted_at,
                    )  # fmt: skip
                )
        self.counts["findings"] = self._store(Finding, findings)

    # Usage and incidents -----------------------------------------------------------------------

    def usages(self):
        from vendors.models import UsageRecord

        rng = self.rng
        # Approved vendors are used more: half of the records go to them.
        approved = [
            v for v in self.vendor_list if v.status.startswith("approved")
        ] or self.vendor_list
        controls = [
            "sso",
            "scoped_keys",
            "gateway_logging",
            "dlp",
            "segmentation",
            "field_redaction",
        ]
        records = []
        for _ in range(self.sizes.usages):
            vendor = rng.choice(approved if rng.random() < 0.5 else self.vendor_list)
            active = rng.random() < 0.85
            start = self.today - dt.timedelta(days=rng.randint(10, 900))
            created = _aware(start, rng)
            records.append(
                UsageRecord(
                    vendor=vendor,
                    team=rng.choice(TEAMS),
                    purpose=rng.choice(PURPOSES),
                    business_justification=rng.choice(JUSTIFICATIONS),
                    data_classes=rng.sample(
                        ["public", "internal", "confidential", "restricted"], rng.choice([1, 1, 2])
                    ),
                    special_categories=rng.choice(
                        [[], [], [], ["personal"], ["employee"], ["source_code"]]
                    ),
                    integration=rng.choice(["web_app", "api", "plugin", "agent"]),
                    owner=rng.choice(self.owners),
                    start_date=start,
                    active=active,
                    end_date=None if active else start + dt.timedelta(days=rng.randint(30, 300)),
                    controls=rng.sample(controls, rng.randint(0, 4)),
                    created_by=rng.choice(self.reviewers),
                    created_at=created,
                    updated_at=created,
                )  # fmt: skip
            )
        self.usage_list = _bulk(UsageRecord, records)
        self.counts["usages"] = len(self.usage_list)

    def incidents(self):
        from django.db import transaction

        from vendors.models import Incident, Vendor

        rng = self.rng
        used = sorted({u.vendor_id for u in self.usage_list if u.active})
        by_pk = {v.pk: v for v in self.vendor_list}
        incidents = []
        for _ in range(self.sizes.incidents):
            vendor = by_pk[rng.choice(used)] if used else rng.choice(self.vendor_list)
            disclosed = self.today - dt.timedelta(days=rng.randint(0, 730))
            incidents.append(
                Incident(
                    vendor=vendor,
                    title=rng.choice(INCIDENT_TITLES),
                    date_disclosed=disclosed,
                    summary="Disclosed by the vendor; customer data of several tenants was exposed "
                    "for a limited window. Root cause and remediation are in the linked notice.",
                    data_categories=rng.choice([[], ["personal"], ["personal", "payment_card"]]),
                    data_classes=rng.choice([["internal"], ["internal", "confidential"]]),
                    severity=rng.choice(["low", "medium", "high", "critical"]),
                    source_link=f"https://status.{vendor.slug}.example/incidents/{rng.randint(1, 999)}",
                    recorded_by=rng.choice(self.reviewers),
                    recorded_at=_aware(disclosed, rng),
                )  # fmt: skip
            )
        self.incident_list = _bulk(Incident, incidents)
        # A recent incident makes the vendor "reassessment required", as incident_record does.
        flagged = []
        for incident in self.incident_list:
            if (self.today - incident.date_disclosed).days <= 60:
                vendor = by_pk[incident.vendor_id]
                vendor.reassessment_required = True
                vendor.reassessment_reason = f"Incident: {incident.title}"
                vendor.reassessment_required_since = incident.date_disclosed
                flagged.append(vendor)
        with transaction.atomic():
            Vendor.objects.bulk_update(
                flagged, ["reassessment_required", "reassessment_reason", "reassessment_required_since"],
                batch_size=1000,
            )  # fmt: skip
        self.counts["incidents"] = len(self.incident_list)

    # The audit trail ---------------------------------------------------------------------------

    def audit_log(self):
        """The entries django-auditlog would have written: a create for every vendor, evidence
        record, usage record and assessment, an update for every submission and every
        sign-off (on the assessment and on its vendor)."""
        from auditlog.models import LogEntry
        from django.contrib.contenttypes.models import ContentType

        from assessments.models import Assessment
        from vendors.models import Evidence, UsageRecord, Vendor

        ct = {
            m: ContentType.objects.get_for_model(m)
            for m in (Vendor, Evidence, UsageRecord, Assessment)
        }
        by_pk = {v.pk: v for v in self.vendor_list}
        entries = []

        def entry(model, pk, repr_, action, changes, actor_id, when, vendor_id):
            entries.append(
                LogEntry(
                    content_type=ct[model],
                    object_pk=str(pk),
                    object_id=pk,
                    object_repr=repr_,
                    action=action,
                    changes=changes,
                    changes_text="",
                    actor_id=actor_id,
                    timestamp=when,
                    additional_data={"vendor_id": vendor_id},
                )  # fmt: skip
            )

        for v in self.vendor_list:
            entry(Vendor, v.pk, v.name, 0, {"name": ["None", v.name], "status": ["None", "proposed"]},
                  v.created_by_id, v.created_at, v.pk)  # fmt: skip
        for e in Evidence.objects.values_list(
            "pk", "vendor_id", "title", "recorded_by_id", "recorded_at"
        ):
            entry(Evidence, e[0], e[2], 0, {"title": ["None", e[2]]}, e[3], e[4], e[1])
        for u in self.usage_list:
            entry(UsageRecord, u.pk, f"{u.team}: {u.purpose}", 0, {"team": ["None", u.team]},
                  u.created_by_id, u.created_at, u.vendor_id)  # fmt: skip
        for a, state, profile in self.assessment_rows:
            name = by_pk[a.vendor_id].name
            entry(Assessment, a.pk, f"{name} — assessment", 0, {"status": ["None", "draft"]},
                  a.created_by_id, a.created_at, a.vendor_id)  # fmt: skip
            if state != "draft":
                entry(Assessment, a.pk, f"{name} — assessment", 1, {"status": ["draft", "submitted"]},
                      a.submitted_by_id, a.submitted_at, a.vendor_id)  # fmt: skip
            if state == "decided":
                entry(Assessment, a.pk, f"{name} — assessment", 1,
                      {"status": ["submitted", profile.decision]}, a.decided_by_id, a.decided_at,
                      a.vendor_id)  # fmt: skip
                entry(Vendor, a.vendor_id, name, 1,
                      {"status": ["in_review", profile.decision], "tier": ["", profile.result.tier]},
                      a.decided_by_id, a.decided_at, a.vendor_id)  # fmt: skip
        self.counts["audit log"] = self._store(LogEntry, entries)

    # The objects the pages are measured on ------------------------------------------------------

    def _pick_pages(self) -> dict:
        """Typical objects, picked deterministically: a vendor with evidence, active usage,
        decided assessments and a history; its last decided assessment; a draft; an incident
        of a used vendor; an approved vendor for "can we use it?"."""
        active_usage: dict[int, int] = {}
        for usage in self.usage_list:
            if usage.active:
                active_usage[usage.vendor_id] = active_usage.get(usage.vendor_id, 0) + 1
        decided = {}
        draft = None
        for assessment, state, _ in self.assessment_rows:
            if state == "decided":
                decided[assessment.vendor_id] = assessment.pk
            elif state == "draft" and draft is None and assessment.vendor_id in self.first_evidence:
                draft = assessment.pk
        candidates = [
            v for v in self.vendor_list
            if v.pk in decided and active_usage.get(v.pk, 0) >= 2
            and self.evidence_count.get(v.pk, 0) >= 3 and v.status.startswith("approved")
        ] or [v for v in self.vendor_list if v.pk in decided] or self.vendor_list  # fmt: skip
        vendor = candidates[len(candidates) // 2]
        incident = next(
            (i for i in self.incident_list if active_usage.get(i.vendor_id, 0) >= 2),
            self.incident_list[0] if self.incident_list else None,
        )
        if draft is None:
            draft = next(a.pk for a, s, _ in self.assessment_rows if s == "draft")
        return {
            "vendor_pk": vendor.pk,
            "draft_pk": draft,
            "result_pk": decided.get(vendor.pk) or next(iter(decided.values())),
            "incident_pk": incident.pk if incident else 0,
            "can_use_vendor_pk": vendor.pk,
        }


def main() -> None:
    """Seed an existing, empty database given by --database-url (for exploring by hand)."""
    import argparse
    import os
    import subprocess

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--vendors", type=int, default=Sizes.vendors)
    parser.add_argument("--assessments", type=int, default=Sizes.assessments)
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_DEBUG": "1"}
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput"], ["load_question_bank"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    started = time.perf_counter()
    sizes = Sizes(vendors=args.vendors, assessments=args.assessments,
                  usages=2 * args.vendors, incidents=max(1, args.vendors // 20))  # fmt: skip
    seeded = seed(sizes)
    print(f"seeded in {time.perf_counter() - started:.1f} s; log in as {seeded.login_username} "
          f"/ {seeded.password}")  # fmt: skip


if __name__ == "__main__":
    main()
