"""Delivery channels behind one adapter interface.  The in-app inbox needs no delivery;
email goes over SMTP when configured; others (SMS, 政务微信 …) plug in the same way."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


class DeliveryError(Exception):
    """A delivery attempt failed; it will be retried with back-off."""


class Channel:
    name: str

    def enabled(self) -> bool:
        raise NotImplementedError

    def wants(self, user) -> bool:
        """Does this user get notifications through this channel?"""
        raise NotImplementedError

    def send(self, notification, user) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"

    def enabled(self) -> bool:
        cfg = current_app.config["HUB_SMTP"]
        return bool(cfg["host"] and cfg["sender"])

    def wants(self, user) -> bool:
        return bool(user.email) and user.active

    def send(self, notification, user) -> None:
        cfg = current_app.config["HUB_SMTP"]
        msg = EmailMessage()
        msg["From"] = cfg["sender"]
        msg["To"] = user.email
        msg["Subject"] = f"[信访+] {notification.title}"
        # One id per notification: a resend after a crash is recognisable as the same mail.
        msg["Message-ID"] = f"<notification-{notification.id}@xinfang-hub>"
        body = notification.body or notification.title
        if notification.link:
            body += f"\n\n{notification.link}"
        msg.set_content(body)
        try:
            with smtplib.SMTP(cfg["host"], cfg["port"], timeout=10) as smtp:
                if cfg["tls"]:
                    smtp.starttls()
                if cfg["user"]:
                    smtp.login(cfg["user"], cfg["password"] or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


_channels: dict[str, Channel] = {}


def register(channel: Channel) -> Channel:
    _channels[channel.name] = channel
    return channel


def get(name: str) -> Channel | None:
    return _channels.get(name)


def active_channels() -> list[Channel]:
    return [c for c in _channels.values() if c.enabled()]


register(EmailChannel())
