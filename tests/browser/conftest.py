"""Browser tests: the public site in real Chromium (Debian's /usr/bin/chromium), at phone width.

Playwright's sync API keeps an event loop running in this thread, which makes Django think
it is inside async code; the database calls of the fixtures are ordinary synchronous ones.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from blacklist.models import Subject
from tests.factories.listings import every_kind

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "locale": "zh-CN",
}
PHONE_WIDTH = PHONE["viewport"]["width"]
# The site has no /favicon.ico, and Chromium fetches one for every page: its 404 is logged as
# a console error. Only that exact message is set aside; it is not JavaScript.
FAVICON_404 = re.compile(
    r"^console: Failed to load resource: .* 404 .*\(https?://[^/]+/favicon\.ico\)$"
)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = Path(os.getenv("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate-limit counters live in the shared cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def listed(transactional_db) -> list[str]:
    """A published list with every kind of entry (`every_kind`), committed for the live
    server; returns every plain ID number in it (none may reach a page)."""
    every_kind()
    numbers = [subject.id_number() for subject in Subject.objects.all()]
    assert numbers
    return numbers


@dataclass
class Visit:
    """The pages one test visits: screenshots, and checks every page must pass."""

    page: Page
    folder: Path
    id_numbers: list[str]
    errors: list[str] = field(default_factory=list)
    # console messages a test expects, e.g. the 400 of a refused search
    expected: list[re.Pattern[str]] = field(default_factory=lambda: [FAVICON_404])

    def step(self, name: str) -> str:
        """Screenshot the page as `name`.png and check its source; returns the source."""
        self.page.wait_for_load_state("load")
        self.page.screenshot(path=self.folder / f"{name}.png", full_page=True)
        html = self.page.content()
        leaked = [number for number in self.id_numbers if number in html]
        assert not leaked, f"{name}: full ID numbers in the page source: {leaked[:3]}"
        return html

    def scroll_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def expect_console(self, pattern: str) -> None:
        """A console error this test provokes on purpose (a 4xx page is logged as one)."""
        self.expected.append(re.compile(pattern))

    def console_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]

    def assert_no_errors(self) -> None:
        errors = self.console_errors()
        assert not errors, "JavaScript/console errors:\n" + "\n".join(errors)


def _phone_context(browser: Browser, **options: object) -> BrowserContext:
    return browser.new_context(**{**PHONE, **options})


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = _phone_context(browser)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def phone_without_js(browser: Browser) -> Iterator[BrowserContext]:
    context = _phone_context(browser, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _visit(context: BrowserContext, folder: Path, id_numbers: list[str]) -> Iterator[Visit]:
    page = context.new_page()
    visit = Visit(page=page, folder=folder, id_numbers=id_numbers)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            visit.errors.append(f"console: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.errors.append(f"pageerror: {error}"))
    yield visit
    errors = visit.console_errors()
    page.close()
    assert not errors, "JavaScript/console errors:\n" + "\n".join(errors)


@pytest.fixture
def visit(phone: BrowserContext, screenshot_dir: Path, listed: list[str]) -> Iterator[Visit]:
    yield from _visit(phone, screenshot_dir, listed)


@pytest.fixture
def visit_without_js(
    phone_without_js: BrowserContext, screenshot_dir: Path, listed: list[str]
) -> Iterator[Visit]:
    yield from _visit(phone_without_js, screenshot_dir, listed)
