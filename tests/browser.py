"""A headless Chromium a test can drive: Debian's ``chromium-headless-shell`` (installed by
``scripts/ensure-test-browser.sh`` from ``make test``) spoken to over the DevTools protocol
through the ``websockets`` package, on the loopback only."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from contextlib import ExitStack, suppress
from pathlib import Path

CANDIDATES = ("chromium-headless-shell", "/usr/lib/chromium/headless_shell", "chromium")


def find_browser() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


class Page:
    """One page opened on ``url`` in a fresh headless browser; :meth:`evaluate` runs
    JavaScript in it and returns the value."""

    def __init__(self, url: str, timeout_s: float = 60.0):
        from websockets.sync.client import connect

        exe = find_browser()
        if exe is None:
            raise RuntimeError("no headless chromium")
        self._profile = tempfile.TemporaryDirectory()
        self._proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", f"--user-data-dir={self._profile.name}",
             "--no-first-run", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,  # Debian's launcher is a shell script: end the whole group
        )  # fmt: skip
        self._stack = ExitStack()
        try:
            self._open(url, timeout_s, connect)
        except BaseException:
            self.close()  # never leave a browser behind
            raise

    def _open(self, url: str, timeout_s: float, connect) -> None:
        port = self._read_port(timeout_s)
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
        with direct.open(f"http://127.0.0.1:{port}/json/list", timeout=timeout_s) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        self._ws = self._stack.enter_context(
            connect(page["webSocketDebuggerUrl"], open_timeout=timeout_s, max_size=None, proxy=None)
        )
        self._id = 0
        self.call("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout_s
        while self.evaluate("location.href + ' ' + document.readyState") != f"{url} complete":
            if time.monotonic() > deadline:
                raise TimeoutError("the page did not finish loading")
            time.sleep(0.05)

    def _read_port(self, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        assert self._proc.stderr is not None
        while time.monotonic() < deadline:
            line = self._proc.stderr.readline()
            if not line and self._proc.poll() is not None:
                break
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                return int(found.group(1))
        raise RuntimeError("chromium did not start its DevTools server")

    def call(self, method: str, params: dict) -> dict:
        """One DevTools command and its result."""
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text", "script error"))
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            with suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=30)
            if self._proc.stderr:
                self._proc.stderr.close()
            self._profile.cleanup()

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
