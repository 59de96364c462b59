"""``screener brief --email TO`` (issue 16): the PDF goes out through the [smtp] settings of
the config file, to a local SMTP server (aiosmtpd) this test starts on the loopback."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from click.testing import CliRunner

from screener.cli import main

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class _Inbox:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    handler = _Inbox()
    port = _free_port()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\n'
        'from = "screener@example.com"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SCREENER_CONFIG", str(config))
    try:
        yield handler
    finally:
        controller.stop()


def test_brief_is_emailed_as_a_pdf_attachment(tmp_path, inbox, demo_cache, html_instead_of_pdf):
    """The file written is the file mailed (the drawing itself is the renders' tests' job)."""
    args = ["--demo", "--as-of", "2026-11-20", "brief", "--out", str(tmp_path / "b"),
            "--email", "analyst@example.com"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "emailed 2026-W47.en.pdf to analyst@example.com" in result.stderr
    [(rcpt, raw)] = inbox.messages
    assert rcpt == ["analyst@example.com"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "DEMO DATA: screener briefing 2026-W47"
    assert message["From"] == "screener@example.com"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "2026-W47.en.pdf"
    assert attachment.get_content() == (tmp_path / "b" / "2026-W47.en.pdf").read_bytes()


def test_email_without_smtp_settings_is_refused_before_any_work(tmp_path):
    args = ["--demo", "brief", "--out", str(tmp_path / "b"), "--email", "a@example.com"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "--email needs an [smtp] table" in result.output
    assert not (tmp_path / "b").exists()


def test_an_unreachable_server_is_one_line(tmp_path, monkeypatch):
    from screener.config.user import Smtp
    from screener.mail import MailError, send_file

    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    smtp = Smtp(host="127.0.0.1", port=_free_port(), starttls=False, timeout_s=5)
    with pytest.raises(MailError, match=r"could not send x\.pdf through 127\.0\.0\.1:\d+"):
        send_file(smtp, ["a@example.com"], pdf, subject="s", body="b")


def test_a_bad_address_is_refused():
    from screener.errors import InputError
    from screener.mail import check_addresses

    with pytest.raises(InputError, match="is not an e-mail address"):
        check_addresses(["a@example.com", "x\r\nBcc: y@example.com"])
