"""Shared test set-up: no network, a private SCREENER_HOME per test, headless matplotlib."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    try:
        if isinstance(host, str) and ipaddress.ip_address(host).is_loopback:
            return _real_connect(self, address)
    except ValueError:
        pass
    if isinstance(host, str) and host in ("localhost",):
        return _real_connect(self, address)
    if self.family == socket.AF_UNIX:
        return _real_connect(self, address)
    raise RuntimeError(f"tests must not reach the network (tried {address!r})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def screener_home(tmp_path, monkeypatch):
    """Every test gets its own empty $SCREENER_HOME (cache files, history)."""
    home = tmp_path / "screener-home"
    monkeypatch.setenv("SCREENER_HOME", str(home))
    return home
