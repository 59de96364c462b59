"""Sending the weekly briefing by e-mail through the SMTP settings of the user's config file
(``[smtp]`` in ``~/.config/screener/config.toml``)."""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .config.user import Smtp, config_path
from .errors import InputError, ScreenerError


class MailError(ScreenerError):
    """The SMTP server could not be reached or refused the message."""


def require_smtp(smtp: Smtp | None) -> Smtp:
    """The SMTP settings, or a one-line refusal saying where to put them."""
    if smtp is None:
        raise InputError(
            f"--email needs an [smtp] table (host, port, from, ...) in {config_path()}; "
            "see README, 'Your files: workspace and config'"
        )
    return smtp


def check_addresses(to: Sequence[str]) -> list[str]:
    out = [a.strip() for a in to if a.strip()]
    bad = [a for a in out if "@" not in a or any(c in a for c in " \r\n<>,;")]
    if bad:
        raise InputError(f"--email {bad[0]!r} is not an e-mail address")
    return out


def send_file(smtp: Smtp, to: Sequence[str], path: Path, *, subject: str, body: str) -> None:
    """Send ``path`` as an attachment to ``to``; any failure is a one-line :class:`MailError`
    naming the server."""
    to = check_addresses(to)
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=smtp.host)
    message.set_content(body)
    kind = (mimetypes.guess_type(path.name)[0] or "application/octet-stream").split("/")
    message.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1],
                           filename=path.name)  # fmt: skip
    where = f"{smtp.host}:{smtp.port}"
    try:
        server: smtplib.SMTP
        if smtp.ssl:
            server = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_s,
                                      context=ssl.create_default_context())  # fmt: skip
        else:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s)
        with server:
            server.ehlo()
            if smtp.starttls and not smtp.ssl:
                if not server.has_extn("starttls"):
                    raise MailError(f"SMTP server {where} offers no STARTTLS; set starttls = "
                                    "false (only on a trusted network) or ssl = true")  # fmt: skip
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            secret = smtp.secret()
            if smtp.username and secret:
                server.login(smtp.username, secret)
            elif smtp.username:
                raise MailError(f"no SMTP password: set ${smtp.password_env} (or password in "
                                f"{config_path()})")  # fmt: skip
            server.send_message(message)
    except MailError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MailError(f"could not send {path.name} through {where}: {reason}") from exc
