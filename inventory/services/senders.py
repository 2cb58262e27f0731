"""Reminder senders: console, JSON-lines file, SMTP e-mail and an HTTP SMS gateway.

A sender's ``send`` returns when the reminder left, and raises when it did not: the outbox
then counts the attempt and tries again on a later run. Blocking I/O runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
import sys
import urllib.request
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol, TextIO

from inventory.config import Settings
from inventory.domain.reminders import Channel, subject
from inventory.i18n import gettext_for

HTTP_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One reminder on its way out, with the address of its channel (phone or e-mail)."""

    id: int
    key: str
    kind: str
    channel: str
    to: str
    body: str


class SendFailed(Exception):
    """The sender could not hand the reminder over; the message says why (no personal data)."""


class Sender(Protocol):
    """Delivers reminders of the channels it names; raises on failure."""

    channels: frozenset[str]

    async def send(self, reminder: Outgoing) -> None: ...


ELECTRONIC = frozenset({Channel.SMS, Channel.EMAIL})


class ConsoleSender:
    """Prints each reminder (development): nothing leaves the machine."""

    channels = ELECTRONIC

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def send(self, reminder: Outgoing) -> None:
        out = self.stream or sys.stdout
        print(f"--- {reminder.channel} → {reminder.to} ({reminder.key})\n{reminder.body}\n",
              file=out, flush=True)


class FileSender:
    """Appends each reminder to a file as one JSON line (tests, or a gateway that reads it)."""

    channels = ELECTRONIC

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _append(self, reminder: Outgoing) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(reminder), ensure_ascii=False) + "\n")

    async def send(self, reminder: Outgoing) -> None:
        await asyncio.to_thread(self._append, reminder)


class SmtpSender:
    """E-mails through an SMTP server: STARTTLS on 587, implicit TLS on port 465."""

    channels = frozenset({Channel.EMAIL})

    def __init__(self, host: str, port: int, user: str, password: str, from_addr: str,
                 starttls: bool = True, locale: str = "fr") -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.from_addr, self.starttls, self.locale = from_addr, starttls, locale

    def _message(self, reminder: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.from_addr
        message["To"] = reminder.to
        message["Subject"] = subject(reminder.kind, gettext_for(self.locale))
        domain = self.from_addr.rpartition("@")[2].strip(">") or "localhost"
        local = reminder.key.replace(":", ".")  # the same id on every retry
        message["Message-ID"] = f"<{local}@{domain}>"
        message.set_content(reminder.body)
        return message

    def _send(self, reminder: Outgoing) -> None:
        context = ssl.create_default_context()
        if self.port == 465:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=HTTP_TIMEOUT_S,
                                      context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=HTTP_TIMEOUT_S)
        with server:
            if self.starttls and self.port != 465:
                server.starttls(context=context)
            if self.user:
                server.login(self.user, self.password)
            server.send_message(self._message(reminder))

    async def send(self, reminder: Outgoing) -> None:
        try:
            await asyncio.to_thread(self._send, reminder)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"SMTP : {type(exc).__name__}: {exc}"[:300]) from exc


class HttpSmsSender:
    """Posts ``{"to": phone, "text": body}`` as JSON to an SMS gateway, with a bearer token."""

    channels = frozenset({Channel.SMS})

    def __init__(self, url: str, token: str = "") -> None:
        self.url, self.token = url, token

    def _post(self, reminder: Outgoing) -> None:
        data = json.dumps({"to": reminder.to, "text": reminder.body}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": reminder.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            response.read(4096)

    async def send(self, reminder: Outgoing) -> None:
        try:
            await asyncio.to_thread(self._post, reminder)
        except OSError as exc:  # URLError and HTTPError are OSErrors; so are timeouts
            raise SendFailed(f"SMS : {type(exc).__name__}: {exc}"[:300]) from exc


class ByChannel:
    """Several senders in one: each reminder goes to the first sender of its channel."""

    def __init__(self, senders: list[Sender]) -> None:
        self.senders = senders
        self.channels = frozenset().union(*(s.channels for s in senders))

    async def send(self, reminder: Outgoing) -> None:
        sender = next(s for s in self.senders if reminder.channel in s.channels)
        await sender.send(reminder)


def _one_sender(name: str, settings: Settings) -> Sender:
    if name == "file":
        return FileSender(settings.reminder_file)
    if name == "smtp":
        return SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_user,
                          settings.smtp_password, settings.smtp_from, settings.smtp_starttls,
                          locale=settings.default_locale)
    if name == "http":
        return HttpSmsSender(settings.sms_url, settings.sms_token)
    return ConsoleSender()


def sender_from_settings(settings: Settings) -> Sender:
    """The sender ``INVENTORY_REMINDER_SENDER`` names ("smtp,http": e-mail and SMS)."""
    senders = [_one_sender(name, settings) for name in settings.reminder_senders]
    return senders[0] if len(senders) == 1 else ByChannel(senders)
