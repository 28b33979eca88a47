"""Helpers of the browser tests (tests/test_browser.py): finding Chromium and Playwright, running the
real app with `streamlit run`, driving Streamlit widgets, and screenshots (on failure; for the README).

Nothing here downloads a browser: the tests drive Debian's `chromium` package through Playwright's
`executable_path`. Never run `playwright install`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SKIP_REASON = (
    "browser tests need Debian's chromium (apt-get install chromium) and `pip install playwright` "
    "(requirements-dev.txt); .ci/run installs both. Never `playwright install`. "
    "Set DBI_TEST_CHROMIUM=/path/to/chromium for another binary."
)
# Generous: a Streamlit rerun on a busy 2-core machine, a first page load, a clustering.
TIMEOUT_MS = 60_000


def chromium_path() -> str | None:
    """DBI_TEST_CHROMIUM if set (CI sets it), else Debian's chromium on PATH."""
    configured = os.environ.get("DBI_TEST_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() and os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def playwright_installed() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    problems = []
    if chromium_path() is None:
        problems.append(f"no Chromium at {os.environ['DBI_TEST_CHROMIUM']!r}" if os.environ.get("DBI_TEST_CHROMIUM")
                        else "no `chromium` on PATH")
    if not playwright_installed():
        problems.append("the playwright package is not installed")
    if not problems:
        return None
    return f"{'; '.join(problems)}: {SKIP_REASON}"


# --- the app under test -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, admin_user: str, admin_password: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DBI_FRAMEWORKS_DIR", "DBI_DEFAULT_FRAMEWORK", "DBI_LOCALITIES_FILE"):
        env.pop(name, None)  # the tests expect the shipped framework and Sơn La's localities
    env.update(
        DBI_DATABASE_URL=database_url,
        DBI_ADMIN_USER=admin_user,
        DBI_ADMIN_PASSWORD=admin_password,
        DBI_AUTH="password",
        DBI_APP_URL="",  # resume links then show the address in use
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    return env


class StreamlitServer:
    """`streamlit run app.py` on 127.0.0.1 at a free port, headless; stopped by stop()."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={self.port}", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none", "--server.runOnSave=false"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        self._log.flush()
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log.close()


# --- driving Streamlit widgets ------------------------------------------------------------------


def settle(page, timeout: float = TIMEOUT_MS) -> None:
    """Wait until the script run an interaction started has finished (Streamlit marks its root element
    with data-test-script-state; until then the page may still show the previous run's elements)."""
    page.wait_for_timeout(250)  # a rerun starts a moment after the click or the change
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached",
                                                                                         timeout=timeout)


def choose(page, label: str, option: str) -> None:
    """Pick an option of a selectbox or add one to a multiselect (both are comboboxes): typing
    filters the list and opens it reliably, then the option is clicked."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def chosen_in(page, label: str):
    """The multiselect whose combobox is labelled ``label`` (its chips are the values chosen)."""
    return page.get_by_test_id("stMultiSelect").filter(has=page.get_by_role("combobox", name=label, exact=True))


def add_typed(page, label: str, text: str, *, tries: int = 3) -> None:
    """Type a value of one's own into a multiselect that accepts new options, and check its chip is
    there: a rerun still drawing the page (after the previous choice) can swallow the typing, so the
    typing is repeated until the chip shows."""
    from playwright.sync_api import expect

    chips = chosen_in(page, label).get_by_text(text, exact=True)
    for attempt in range(tries):
        settle(page)
        box = page.get_by_role("combobox", name=label, exact=True)
        box.click()
        box.fill(text)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        settle(page)
        try:
            expect(chips).to_have_count(1, timeout=3_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def metric(page, label: str):
    """The value element of the st.metric with this label."""
    return page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).get_by_test_id(
        "stMetricValue")


def sign_in(page, username: str, password: str) -> None:
    """The department's sign-in form (labels from assessment/data/i18n/vi.yaml)."""
    page.get_by_role("textbox", name="Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()


def open_from_menu(page, title: str) -> None:
    """Switch to the page titled ``title`` in this session (no new sign-in) through the top menu,
    whose sections are drop-downs: each is opened until one lists it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    item = page.get_by_role("menuitem", name=title)
    sections = page.get_by_test_id("stTopNavSection")
    for k in range(sections.count()):
        sections.nth(k).click()
        try:
            item.wait_for(state="visible", timeout=3_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        item.click()
        settle(page)
        return
    raise AssertionError(f"no page {title!r} in the top menu")


# --- what the page looks like -------------------------------------------------------------------

# The app scrolls inside Streamlit's main container, not the window (whose scrollTop stays 0).
_MAIN_SCROLL_TOP = """() => {
    const m = document.querySelector("[data-testid='stMain']");
    return m ? m.scrollTop : document.scrollingElement.scrollTop;
}"""
# Streamlit's "centered" layout caps the block of elements at 736 px; "wide" gives it the window.
_CONTENT_WIDTH = """() => {
    const b = document.querySelector("[data-testid='stMainBlockContainer']");
    return b ? b.getBoundingClientRect().width : 0;
}"""
CENTERED_MAX_PX = 736


def scroll_top(page) -> float:
    """How far the page is scrolled down (the main container's scrollTop)."""
    return page.evaluate(_MAIN_SCROLL_TOP)


def expect_scrolled_to_top(page, *, within: float = 5, timeout: float = 10_000) -> None:
    """The page is (or within ``timeout`` ms comes to be) scrolled to its top."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => ({_MAIN_SCROLL_TOP})() <= {within}", timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"the page stays scrolled down: scrollTop {scroll_top(page)}") from None


def content_width(page) -> float:
    """The width of the block the page's elements are laid out in."""
    return page.evaluate(_CONTENT_WIDTH)


def expect_layout(page, *, wide: bool, timeout: float = 10_000) -> None:
    """The page is drawn in the wide layout (the block wider than the centered cap) or the centered
    one; on a screen narrower than the cap the two look alike, so this is for a desktop viewport."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    test = f"w > {CENTERED_MAX_PX + 1}" if wide else f"w <= {CENTERED_MAX_PX + 1}"
    try:
        page.wait_for_function(f"() => {{ const w = ({_CONTENT_WIDTH})(); return {test}; }}", timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"expected the {'wide' if wide else 'centered'} layout on {page.url}: "
                             f"content {content_width(page):.0f} px wide in a "
                             f"{page.viewport_size['width']} px window") from None


def horizontal_overflow(page) -> dict[str, tuple[int, int]]:
    """What is wider than the window: {element: (scrollWidth, visible width)} for the document and
    the main container (the one that scrolls), empty when nothing overflows (1 px of rounding)."""
    return page.evaluate("""() => {
        const out = {};
        const check = (name, e, visible) => {
            if (e && e.scrollWidth > visible + 1) out[name] = [e.scrollWidth, visible];
        };
        check("document", document.documentElement, window.innerWidth);
        const m = document.querySelector("[data-testid='stMain']");
        check("stMain", m, m ? m.clientWidth : 0);
        return out;
    }""")


# --- screenshots --------------------------------------------------------------------------------


def readme_screenshot(page, name: str, top=None) -> Path | None:
    """Write NAME.png into the folder DBI_SCREENSHOTS names (relative to the project, e.g.
    docs/screenshots), only when it is set; `top`, a locator, is scrolled to the top of the view first.
    Only the viewport is captured (the app scrolls inside its own container)."""
    target = os.environ.get("DBI_SCREENSHOTS")
    if not target:
        return None
    folder = Path(target)
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    settle(page)
    if top is not None:
        top.evaluate("""e => {
            e.scrollIntoView({block: 'start'});
            let box = e.parentElement;  // then back a little, out from under the app's fixed header
            while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
            (box || document.scrollingElement).scrollBy(0, -80);
        }""")
    page.mouse.move(0, 0)  # no hover highlight in the picture
    page.wait_for_timeout(500)  # charts draw after the run; tables fade in
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path


class FailureScreenshots:
    """A pytest plugin: when a test using the `pages` fixture fails, every page it opened is saved as a
    PNG in a temporary folder, whose paths are printed and shown in the failure report."""

    name = "dbi-browser-failure-screenshots"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        tracker = getattr(item, "funcargs", {}).get("pages")
        if report.when == "call" and report.failed and tracker is not None:
            folder = Path(tempfile.mkdtemp(prefix="dbi-browser-failure-"))
            lines = []
            for i, page in enumerate(tracker.opened):
                path = folder / f"{item.name}-{i}.png"
                try:
                    page.screenshot(path=str(path), timeout=10_000)
                    lines.append(f"screenshot of {page.url}: {path}")
                except Exception as exc:  # noqa: BLE001 - a closed page must not hide the real failure
                    lines.append(f"no screenshot of page {i}: {exc}")
            text = "\n".join(lines) or "no page was open"
            report.sections.append(("browser screenshots", text))
            print(f"\n[browser screenshots] {text}", file=sys.stderr)
        return report


def register_failure_screenshots(config) -> None:
    if not config.pluginmanager.has_plugin(FailureScreenshots.name):
        config.pluginmanager.register(FailureScreenshots(), FailureScreenshots.name)


class Pages:
    """Opens pages, each in a new browser context (its own cookies and Streamlit session); closes them."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.opened = []
        self._contexts = []

    def new(self, width: int, height: int, *, phone: bool = False, scale: float = 1):
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=scale, locale="vi-VN",
            is_mobile=phone, has_touch=phone, accept_downloads=True, base_url=self.base_url,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self._contexts.append(context)
        page = context.new_page()
        self.opened.append(page)
        return page

    def close(self) -> None:
        for context in self._contexts:
            try:
                context.close()
            except Exception:  # noqa: BLE001 - the browser may already be gone
                pass
