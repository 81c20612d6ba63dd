"""The web pages in a real browser: Debian's Chromium driven by Playwright, on the real graph.

`make test` installs Chromium (scripts/ensure-chromium.sh); without it these tests fail and say how
to install it. Screenshots of every page visited are kept under test-artifacts/browser/ (or
$SECKG_ARTIFACTS) so a person can look at what the tests saw; the path is printed at the end.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

import pytest
from playwright import sync_api

from live_server import request, serving

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SECKG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SECKG_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
ID = "https://w3id.org/seckg/id/"
# The twelve states that signed the North Atlantic Treaty on 4 April 1949.
NATO_FOUNDERS = ("BEL", "CAN", "DNK", "FRA", "ISL", "ITA", "LUX", "NLD", "NOR", "PRT", "GBR", "USA")

pytestmark = pytest.mark.slow(80)  # one server on the real graph and one Chromium for the module


class ArtifactsNote:
    """Says at the end of the run where the screenshots are."""

    @staticmethod
    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")


@pytest.fixture(scope="module")
def base(request):
    with serving(ROOT, "--workers", "2", startup=180) as url:
        yield url


@pytest.fixture(scope="module")
def browser(request):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `sh scripts/ensure-chromium.sh` as root "
                    "(apt-get install chromium), or set SECKG_CHROMIUM", pytrace=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if not request.config.pluginmanager.has_plugin("seckg-browser-artifacts"):
        request.config.pluginmanager.register(ArtifactsNote(), "seckg-browser-artifacts")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


class Watched:
    """A page whose console errors, uncaught exceptions and failed requests are collected."""

    def __init__(self, context):
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(
            f"console {m.type}: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def shot(self, name: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context)
    yield watched
    context.close()


def expected_rows(base: str, name: str) -> list[dict]:
    """What /api/NAME answers for the example values of the named query (JSON bindings)."""
    catalogue = {q["name"]: q for q in json.loads(request(base + "/api")[2])}
    params = {p["name"]: p["example"] for p in catalogue[name]["parameters"]}
    status, _, body = request(f"{base}/api/{name}?" + urllib.parse.urlencode({**params, "format": "json"}))
    assert status == 200
    return json.loads(body)["results"]["bindings"]


def run_example(page: Watched, base: str, title: str) -> None:
    page.page.goto(base + "/query")
    page.page.get_by_role("link", name=title, exact=True).click()
    page.page.locator(".yasr table.dataTable tbody tr").first.wait_for()


def test_editor_runs_an_example_and_shows_its_rows(page, base):
    run_example(page, base, "Members of an organization on a date")
    rows = page.page.locator(".yasr table.dataTable tbody tr")
    wanted = expected_rows(base, "members-on-date")
    assert len(wanted) > 1 and rows.count() == len(wanted)
    table_text = page.page.locator(".yasr table.dataTable tbody").inner_text()
    for binding in wanted:
        assert binding["memberLabel"]["value"] in table_text
    page.shot("editor-example")
    assert page.problems == []


def test_a_result_iri_opens_its_entity_page(page, base):
    run_example(page, base, "Members of an organization on a date")
    link = page.page.locator(".yasr table.dataTable tbody a.iri[title^='https://w3id.org/seckg/id/state/']").first
    iri = link.get_attribute("title")
    assert link.get_attribute("href") == "/" + iri[len("https://w3id.org/seckg/"):]
    label = next(b["memberLabel"]["value"] for b in expected_rows(base, "members-on-date") if b["member"]["value"] == iri)
    link.click()
    page.page.wait_for_url(f"**/{iri[len('https://w3id.org/seckg/'):]}.html")
    assert page.page.locator("h1").inner_text() == label
    page.shot("editor-iri-opened")
    assert page.problems == []


def test_a_shared_query_link_reopens_and_runs_the_query(page, browser, base):
    query = ("PREFIX sec: <https://w3id.org/seckg/ontology#>\n"
             "SELECT ?state WHERE { ?state a sec:State } ORDER BY ?state LIMIT 7")
    page.page.goto(base + "/query?" + urllib.parse.urlencode({"query": query}))
    rows = page.page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == 7
    page.page.locator(".yasqe_share").click()
    shared = page.page.locator(".yasqe_sharePopup input, .yasqe_sharePopup textarea").first.input_value()
    assert shared.startswith(base + "/query")
    other = Watched(browser.new_context())  # a fresh browser profile, as whoever the link is sent to
    try:
        other.page.goto(shared)
        other.page.locator(".yasr table.dataTable tbody tr").first.wait_for()
        assert other.page.locator(".yasr table.dataTable tbody tr").count() == 7
        assert "LIMIT 7" in other.page.evaluate("window.seckgEditor.getTab().getQuery()")
        other.shot("editor-shared-link")
        assert other.problems == []
    finally:
        other.page.context.close()
    assert page.problems == []


def test_the_search_box_finds_the_csto_from_the_start_of_its_name(page, base):
    page.page.goto(base + "/")
    box = page.page.get_by_role("combobox", name="Search")  # a search input with suggestions
    box.press_sequentially("collective sec", delay=20)
    page.page.locator("#site-search-suggestions option[value='Collective Security Treaty Organization']").wait_for(
        state="attached")
    box.press("Enter")
    page.page.wait_for_url("**/search?q=collective+sec")
    hit = page.page.locator("ol.hits a[href='/id/org/CSTO']")
    assert hit.inner_text() == "Collective Security Treaty Organization"
    page.shot("search-collective-sec")
    hit.click()
    page.page.wait_for_url("**/id/org/CSTO.html")
    assert page.problems == []


def test_nato_timeline_draws_the_founders_from_1949(page, base):
    page.page.goto(base + "/id/org/NATO")
    chart = page.page.locator("svg#timeline-members")
    chart.wait_for()

    def centre_x(locator) -> float:
        box = locator.bounding_box()
        return box["x"] + box["width"] / 2

    tick_1940 = centre_x(chart.locator("text[data-year='1940']"))
    tick_1950 = centre_x(chart.locator("text[data-year='1950']"))
    # The founders are members from the treaty's entry into force, 24 August 1949.
    entry_into_force = 9 + 7 / 12 + 23 / 365.25
    year_1949 = tick_1940 + (tick_1950 - tick_1940) * entry_into_force / 10
    for code in NATO_FOUNDERS:
        row = chart.locator(f"g.row[data-iri='{ID}state/{code}']")
        bar = row.locator("g.spell[data-start^='1949'] rect.bar").first
        box = bar.bounding_box()
        assert box is not None and box["width"] > 100, code
        assert abs(box["x"] - year_1949) < 2, (code, box["x"], year_1949)
    chart.locator("xpath=ancestor::figure").screenshot(path=str(ARTIFACTS / "nato-timeline.png"))
    csv_link = page.page.get_by_role("link", name="Download these spells as CSV").first
    with page.page.expect_download() as download:
        csv_link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    for code in NATO_FOUNDERS:
        assert f"{ID}state/{code}," in text
    assert page.problems == []


PAGES = ("/", "/query", "/search", "/search?q=uzb", "/id/org/NATO", "/id/org/CSTO", "/id/state/UZB",
         "/id/state/ARM", "/id/person/nikolai-bordyuzha", "/ontology", "/shapes", "/dumps/")


def test_no_console_errors_on_any_page(page, base):
    for path in PAGES:
        page.page.goto(base + path)
        page.page.wait_for_load_state("networkidle")
        page.shot("page" + path.replace("/", "_").replace("?", "_").rstrip("_"))
    assert page.problems == []


def test_pages_work_without_javascript(browser, base):
    context = browser.new_context(java_script_enabled=False)
    plain = Watched(context)
    try:
        plain.page.goto(base + "/search?q=collective+sec")
        assert plain.page.locator("ol.hits a[href='/id/org/CSTO']").count() == 1
        plain.page.goto(base + "/id/org/NATO")
        assert plain.page.locator("svg#timeline-members g.spell rect.bar").count() >= len(NATO_FOUNDERS)
        plain.page.goto(base + "/query?example=members-on-date")
        assert "VALUES" in plain.page.locator("#plain-query").input_value()
        plain.page.get_by_label("Answer as").select_option("csv")
        with plain.page.expect_download() as download:
            plain.page.get_by_role("button", name="Run query").click()
        answer = Path(download.value.path()).read_text(encoding="utf-8")
        assert answer.splitlines()[0].startswith("member,memberLabel")
        plain.shot("no-javascript-editor")
    finally:
        context.close()


def test_keyboard_reaches_a_visible_skip_link_and_the_search_box(page, base):
    page.page.goto(base + "/id/org/NATO")
    page.page.keyboard.press("Tab")
    focused = page.page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip", "#main"]
    box = page.page.locator("a.skip").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    outline = page.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.page.keyboard.press("Enter")
    assert page.page.evaluate("location.hash") == "#main"
    page.page.keyboard.press("Tab")  # the next stop is inside the content, past the site links
    assert page.page.evaluate("document.getElementById('main').contains(document.activeElement)")
    page.page.goto(base + "/id/org/NATO")
    for _ in range(12):  # the skip link, the site links, then the search box
        page.page.keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.id") == "site-search":
            break
    assert page.page.evaluate("document.activeElement.id") == "site-search"
    assert page.page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"


def test_the_editor_works_from_the_keyboard_and_names_its_controls(page, base):
    page.page.goto(base + "/query")
    page.page.locator(".CodeMirror textarea").first.focus()
    page.page.keyboard.press("Escape")  # leaves the query text (where Tab indents) for the editor's buttons
    page.page.keyboard.press("Tab")
    assert page.page.evaluate("document.activeElement.getAttribute('aria-label')") == "Run query"
    page.page.keyboard.press("Enter")
    rows = page.page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    html = request(base + "/query")[2].decode()
    starter = json.loads(html.split('id="editor-settings">')[1].split("</script>")[0])["defaultQuery"]
    status, _, body = request(base + "/sparql", urllib.parse.urlencode({"query": starter}).encode(),
                              {"Accept": "application/sparql-results+json"})
    assert status == 200 and rows.count() == len(json.loads(body)["results"]["bindings"]) > 1
    unnamed = page.page.evaluate("""[...document.querySelectorAll('#editor input, #editor textarea, #editor select, #editor button')]
        .filter(e => !e.getAttribute('aria-label') && !e.title && !e.textContent.trim() && !(e.labels && e.labels.length))
        .map(e => e.outerHTML.slice(0, 80))""")
    assert unnamed == []
    page.shot("editor-keyboard")
    assert page.problems == []


def test_pages_fit_a_phone_screen(browser, base):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    phone = Watched(context)
    try:
        for path in ("/", "/search?q=collective+sec", "/id/org/NATO", "/id/state/UZB", "/query"):
            phone.page.goto(base + path)
            phone.page.wait_for_load_state("networkidle")
            overflow = phone.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, overflow)
            phone.shot("phone" + path.replace("/", "_").replace("?", "_").rstrip("_"), full_page=False)
        assert phone.problems == []
    finally:
        context.close()
