"""The dashboard as a user sees it, in Chromium: the first Leads table and What-if control changes.

A real ``streamlit run app.py`` on a free port, warmed with one visit (a user's first visit meets a
running server, not a cold start). Each page load is split where its time goes:

- start-up: navigation → the app's WebSocket open (HTML, Streamlit's JavaScript loaded and compiled);
- script: WebSocket open → the table's message received (the server runs the page up to the table);
- payload and drawing: that message → the table's canvas visible (transfer of its bytes, parsing,
  the grid's first paint).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
TABLE_KEY = "leads_table"  # pages/leads.py: the Leads table, not the fit × engagement grid above it
TABLE = f".st-key-{TABLE_KEY} [data-testid='stDataFrame'] canvas"
SETTLED = "[data-testid='stApp'][data-test-script-state='notRunning']"
VIEWPORT = {"width": 1440, "height": 1000}


def chromium_path() -> str | None:
    path = os.environ.get("LEADSCORE_CHROMIUM", "/usr/bin/chromium")
    return path if Path(path).exists() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not start at {url}")


@contextmanager
def app_server(env: dict[str, str]) -> Iterator[str]:
    """``streamlit run app.py`` with ``env`` on a free port; yields its URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@dataclass
class Load:
    total: float
    startup: float
    script: float
    drawing: float
    table_bytes: int
    bytes_before_table: int


@dataclass
class _Trace:
    started: float = 0.0
    opened: float | None = None
    table_at: float | None = None
    table_bytes: int = 0
    received: int = 0
    frames: list[bytes] = field(default_factory=list)

    def on_socket(self, socket: Any) -> None:
        self.opened = self.opened or time.perf_counter()
        socket.on("framereceived", self.on_frame)

    def on_frame(self, frame: Any) -> None:
        if not isinstance(frame, bytes | bytearray) or self.table_at is not None:
            return
        self.received += len(frame)
        if _is_leads_table(frame):
            self.table_at, self.table_bytes = time.perf_counter(), len(frame)


def _is_leads_table(frame: bytes) -> bool:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    try:
        message.ParseFromString(bytes(frame))
    except Exception:  # not a ForwardMsg: not the table
        return False
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return False
    element = message.delta.new_element
    kind = element.WhichOneof("type")
    if kind not in ("dataframe", "arrow_data_frame"):
        return False
    # The Leads table by its key: the fit × engagement grid above it is a dataframe too, sent first.
    from streamlit.elements.lib.utils import user_key_from_element_id

    return user_key_from_element_id(getattr(element, kind).id) == TABLE_KEY


def load_leads(context: Any, url: str) -> Load:
    """Open the Leads page in a new tab of ``context`` and time it until the table's canvas is visible."""
    page = context.new_page()
    trace = _Trace()
    page.on("websocket", trace.on_socket)
    trace.started = time.perf_counter()
    page.goto(url)
    page.locator(TABLE).first.wait_for(state="visible", timeout=120_000)
    done = time.perf_counter()
    page.wait_for_selector(SETTLED, timeout=120_000)
    page.close()
    opened = trace.opened or done
    table_at = trace.table_at or done
    return Load(done - trace.started, opened - trace.started, table_at - opened, done - table_at,
                trace.table_bytes, trace.received)


def median_load(loads: list[Load]) -> Load:
    def med(get: Callable[[Load], float]) -> float:
        return statistics.median(get(x) for x in loads)

    return Load(med(lambda x: x.total), med(lambda x: x.startup), med(lambda x: x.script), med(lambda x: x.drawing),
                int(med(lambda x: x.table_bytes)), int(med(lambda x: x.bytes_before_table)))


_WATCH = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__leadscoreRuns = [];
  new MutationObserver(() => window.__leadscoreRuns.push(app.getAttribute("data-test-script-state")))
    .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""


def watch_runs(page: Any) -> None:
    """Record every script-state change of the page (so a run that ends quickly is not missed)."""
    page.evaluate(_WATCH)


def settle_after(page: Any, seen: int) -> None:
    """Until a script run that started after ``seen`` recorded changes has finished, and the browser
    has painted its result (two animation frames)."""
    page.wait_for_function("seen => window.__leadscoreRuns.slice(seen).includes('notRunning')", arg=seen,
                           timeout=60_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def timed_changes(page: Any, change: Callable[[int], None], runs: int) -> list[float]:
    """Seconds from each ``change(i)`` to the settled page."""
    times = []
    for i in range(runs):
        seen = page.evaluate("() => window.__leadscoreRuns.length")
        started = time.perf_counter()
        change(i)
        settle_after(page, seen)
        times.append(time.perf_counter() - started)
    return times
