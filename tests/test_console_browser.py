"""The console's pages in a real browser: no serious accessibility violation (axe-core), a
usable page without JavaScript, and a printed planning without the navigation."""

import pytest

from bot import db
from bot.console.server import ConsoleServer
from bot.console.settings import Settings
from bot.knowledge.loader import load_directory
from bot.live import LiveKnowledge
from conftest import KNOWLEDGE, ROOT

CAPTURES = ROOT / "var" / "captures"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    path = tmp_path_factory.mktemp("console") / "repere.db"
    engine = db.engine_for(f"sqlite:///{path}")
    db.save(load_directory(KNOWLEDGE), engine, "tests")
    server = ConsoleServer(8110, Settings(demo=True, knowledge_dir=KNOWLEDGE), LiveKnowledge(engine=engine)).start()
    yield server.url
    server.stop()


@pytest.mark.parametrize("path", ["/?organisme=caf&commune=Mayet", "/planning", "/partenaires", "/connexion"])
def test_no_serious_or_critical_accessibility_violation(browser, console, path):
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(java_script_enabled=True)
    page.goto(console + path)
    violations = Axe().run(page).response["violations"]
    page.close()
    blocking = [(v["id"], v["help"]) for v in violations if v["impact"] in ("serious", "critical")]
    assert blocking == []


def test_the_lookup_works_without_javascript(browser, console):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(console + "/")
    page.get_by_label("Commune ou code postal").fill("Mayet")
    page.get_by_label("ou organisme").select_option("caf")
    page.get_by_role("button", name="Chercher").click()
    text = page.locator("main").inner_text()
    assert "Caisse d'allocations familiales (CAF) — Mayet" in text and "rendez-vous dans votre espace caf.fr" in text
    context.close()


def test_the_printed_planning_keeps_the_sessions_and_drops_the_navigation(browser, console):
    page = browser.new_page()
    page.goto(console + "/planning?vue=semaine&du=2026-11-23")
    page.emulate_media(media="print")
    assert page.locator("nav").is_hidden() and page.locator("form.recherche").is_hidden()
    assert page.locator("table").first.is_visible()
    CAPTURES.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(CAPTURES / "planning-semaine.pdf"))
    page.close()
