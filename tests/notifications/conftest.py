"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the delivery tests, and a reminder to send.

The server keeps every message it accepts, can answer "451 try again later" or stop
listening for an outage, and can hold a message in DATA (after it has received it, before it
answers) until the test lets it go, as a server does while a client crashes mid-send.
"""

import asyncio
import datetime as dt
import email
import socket
import threading
from collections.abc import Callable
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from notifications import services
from notifications.models import ReminderLog

DUE = dt.date(2026, 3, 9)
SITE = "https://clearance.example.org"
TEMPORARY_FAILURE = "451 4.3.0 Mailbox temporarily unavailable, try again later"


def claim_due_reminder(**overrides) -> ReminderLog | None:
    """A 7-day reassessment reminder for vendor 1, as the sweep would claim it."""
    fields = {
        "kind": "reassessment_due", "object_type": "vendor", "object_id": 1, "due_date": DUE,
        "offset_days": 7, "vendor_id": 1, "recipients": ["riley@example.com"],
        "link": services.absolute("/vendors/1/"),
        "context": {"vendor": "Quillnote AI", "due": DUE.isoformat(), "days_left": 7,
                    "tier": "Medium"},
    }  # fmt: skip
    return services.claim(**(fields | overrides))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The SMTP server's side: what it accepted, and how it answers the next message."""

    def __init__(self):
        self.received: list[Message] = []
        self.refusals = 0
        self.answer: str | None = None  # None: accept; else the reply, e.g. TEMPORARY_FAILURE
        self.refuse_next = 0  # answer TEMPORARY_FAILURE to this many messages, then accept
        # Hold the next message after receiving it: `holding` is set once it has arrived,
        # and the server answers when `release` is set.
        self.hold_next = False
        self.holding = threading.Event()
        self.release = threading.Event()
        # Called (in a thread of its own, with the message) before the server answers.
        self.on_message: Callable[[Message], None] | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.answer is not None or self.refuse_next:
            self.refuse_next = max(self.refuse_next - 1, 0)
            self.refusals += 1
            return self.answer or TEMPORARY_FAILURE
        message = email.message_from_bytes(envelope.original_content)
        # Received in full: a real server may deliver it even if the client never hears "250".
        self.received.append(message)
        loop = asyncio.get_running_loop()
        if self.on_message is not None:
            await loop.run_in_executor(None, _in_own_connection, self.on_message, message)
        if self.hold_next:
            self.hold_next = False
            self.holding.set()
            await loop.run_in_executor(None, self.release.wait, 120)
        return "250 2.0.0 Message accepted for delivery"

    @property
    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]


def _in_own_connection(function, *args):
    """Run ORM code in a helper thread, closing its connection after (the test database is
    dropped at the end of the run, which PostgreSQL refuses while a connection is open)."""
    try:
        function(*args)
    finally:
        connection.close()


class SmtpServer:
    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self):
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_server(mailbox, settings):
    """A running local SMTP server that Django's SMTP backend sends to."""
    server = SmtpServer(mailbox)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield server
    mailbox.release.set()
    server.stop()


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_SUBJECT_PREFIX = "[Clearance] "
    settings.DEFAULT_FROM_EMAIL = "Clearance <clearance@example.org>"
