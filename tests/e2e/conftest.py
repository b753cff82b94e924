"""Browser tests: a real `streamlit run app.py` on a free port, a temporary store, Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(__file__).parent / "output"
CHROMIUM = os.environ.get("LEADSCORE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"streamlit exited with {process.returncode}: {output}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not become healthy at {url} within {seconds:.0f} s")


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e") / "store.db"


@contextlib.contextmanager
def serve(store: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port with ``store``, no Notion; yields its URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium, as .ci/run does)")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTION_")}
    env.update(LEADSCORE_DB=str(store), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def app_url(store_path: Path) -> Iterator[str]:
    with serve(store_path) as url:
        yield url


@pytest.fixture(scope="package")  # Playwright's loop must be gone before other tests use asyncio
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, base_url=app_url)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def settle(tab) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script for what was just done."""
    tab.wait_for_timeout(300)
    tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    tab.wait_for_timeout(300)


def shoot(tab, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the viewport is made
    as tall as that block for the shot (a full-page shot alone would cut it at the window)."""
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    size = tab.viewport_size
    height = tab.evaluate("() => (document.querySelector(\"[data-testid='stMain']\") || document.body).scrollHeight")
    tab.set_viewport_size({"width": size["width"], "height": min(max(int(height) + 40, size["height"]), 6000)})
    tab.wait_for_timeout(400)  # the grid and charts redraw for the new size
    tab.screenshot(path=str(path), full_page=True)
    tab.set_viewport_size(size)
    tab.wait_for_timeout(400)
    return path
