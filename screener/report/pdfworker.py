"""The briefing's PDF drawn in a second process that ``screener brief`` starts first.

WeasyPrint's import (~0.5 s) and the loading of its fonts (~0.3 s of a first render) cost the
same in whichever process pays them. A worker started when the command starts pays them on
the second core while this process reads the cache, runs the screens and fills the
templates; it then draws the HTML it is handed with the very same
:func:`.render.html_to_pdf` (the same fetcher, glyph check and errors), and hands back the
PDF's bytes (:func:`html_to_pdf` here is what the briefing calls). The CPU spent is the same;
the wall time drops by the overlap (issue 17).

Nothing changes in what is drawn: the warm-up is a separate document, and the PDF is
byte-identical to one drawn in this process. If the worker cannot start, or dies before it
answers, the PDF is drawn here instead. ``SCREENER_PDF_WORKER=0`` draws it here always (a
debugger, the test suite's default).

The protocol: one pickled job on the worker's stdin, one pickled answer on its stdout, between
two processes of this package only. The worker runs in its own session, so a Ctrl-C in the
terminal reaches only this process, which kills the worker; if this process dies, the worker
reads end-of-file and exits.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

#: ``0`` draws the PDF in the command's own process
ENV = "SCREENER_PDF_WORKER"

#: a page in the briefing's fonts (Latin, CJK, bold, italic, monospace, a table and chart
#: text), drawn once by the worker while it waits, so the fonts are loaded before the real
#: render needs them
WARM_UP = (
    "<html><head><style>"
    'html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; }'
    'code { font-family: "DejaVu Sans Mono", monospace; }'
    "</style></head><body><h1>Warm-up 预热</h1><p>Compute 算力 <b>bold 粗体</b> <i>italic</i>"
    " <code>600519.SH</code></p><table><tr><th>1w</th><td>+1.2%</td></tr></table>"
    '<svg width="40" height="20"><text x="1" y="12">1.0x 倍</text></svg></body></html>'
)


class PdfWorker:
    """One worker process, for one PDF."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.used = False

    @classmethod
    def start(cls) -> PdfWorker | None:
        """A worker importing WeasyPrint from now on, or None if none can be started."""
        if not sys.executable:
            return None
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # this very package
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            log.info("could not start the PDF worker (%s); drawing in this process", exc)
            return None
        return cls(proc)

    def draw(
        self, html: str, base_dir: Path, allowed_roots: Sequence[Path], snapshot_id: str | None
    ) -> tuple[bytes, int] | None:
        """The PDF and its page count drawn by the worker; its error re-raised here; None if
        the worker gave no answer (it died, or could not be reached)."""
        self.used = True
        job = {
            "html": html,
            "base_dir": str(base_dir),
            "allowed_roots": [str(r) for r in allowed_roots],
            "snapshot_id": snapshot_id,
            "verbose": logging.getLogger("screener").isEnabledFor(logging.INFO),
        }
        try:
            out, _ = self.proc.communicate(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            log.info("the PDF worker could not be reached (%s); drawing in this process", exc)
            return None
        if self.proc.returncode != 0 or not out:
            log.info(
                "the PDF worker ended with exit %s and no answer; drawing in this process",
                self.proc.returncode,
            )
            return None
        try:
            kind, *rest = pickle.loads(out)
        except Exception as exc:  # an answer cut short: draw it here
            log.info("the PDF worker's answer could not be read (%s); drawing here", exc)
            return None
        if kind == "error":
            raise rest[0]
        pdf, pages = rest
        return pdf, pages

    def close(self) -> None:
        """Stop the worker if it is still running (a command that failed before drawing)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


_current: PdfWorker | None = None


@contextmanager
def started() -> Iterator[None]:
    """Within this block, :func:`html_to_pdf` hands its (first) HTML to a worker
    started on entry; the worker is stopped on exit, used or not."""
    global _current
    if os.environ.get(ENV, "").strip() == "0":
        yield
        return
    worker = PdfWorker.start()
    _current = worker
    try:
        yield
    finally:
        _current = None
        if worker is not None:
            worker.close()


def html_to_pdf(
    html: str, base_dir: Path, allowed_roots: Sequence[Path], *, snapshot_id: str | None = None
) -> tuple[bytes, int]:
    """:func:`.render.html_to_pdf`, drawn by the worker :func:`started` started (its first
    PDF), else in this process (no worker, already used, or it gave no answer)."""
    from . import render  # (not at the top: the worker starts before jinja2 is imported)

    worker = _current
    if worker is not None and not worker.used:
        drawn = worker.draw(html, base_dir, allowed_roots, snapshot_id)
        if drawn is not None:
            return drawn
    return render.html_to_pdf(html, base_dir, allowed_roots, snapshot_id=snapshot_id)


# -- the worker's side ---------------------------------------------------------------------------


def _warm_up() -> None:
    try:
        import weasyprint
    except Exception:  # drawing the job raises it again, where it is reported
        return
    quiet = logging.getLogger("weasyprint")
    level, propagate = quiet.level, quiet.propagate
    quiet.setLevel(logging.CRITICAL)
    quiet.propagate = False
    try:
        weasyprint.HTML(string=WARM_UP).render().write_pdf()
    except Exception:  # a warm-up only: the real render reports for itself
        pass
    finally:
        quiet.setLevel(level)
        quiet.propagate = propagate


def _answer(job: dict) -> tuple:
    from ..errors import RenderError
    from . import render

    if job["verbose"]:
        from ..cli import _SafeFormatter

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_SafeFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler])
    try:
        pdf, pages = render.html_to_pdf(
            job["html"],
            Path(job["base_dir"]),
            [Path(r) for r in job["allowed_roots"]],
            snapshot_id=job["snapshot_id"],
        )
    except Exception as exc:  # re-raised in the command's process
        try:
            pickle.dumps(exc)
        except Exception:  # an exception that cannot cross: its words can
            exc = RenderError(f"drawing the PDF failed: {type(exc).__name__}: {exc}")
        return ("error", exc)
    return ("ok", pdf, pages)


def main() -> int:
    # the answer goes to a private copy of stdout; anything a library prints goes to stderr
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _warm_up()
    try:
        job = pickle.load(sys.stdin.buffer)
    except EOFError:  # the command ended (or failed) before it had a PDF to draw
        return 0
    result = _answer(job)
    try:
        answer.write(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        answer.close()
    except BrokenPipeError:  # the command went away while this one drew
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
