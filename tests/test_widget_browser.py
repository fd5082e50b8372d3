"""The widget in a real browser (Debian's Chromium driven by Playwright) against the real
assistant: a whole conversation, buttons, reload, keyboard only, safety, accessibility (axe),
the unavailable state, phone and zoomed sizes. Screenshots go to var/captures/."""

import re
import shutil
from pathlib import Path

import pytest

from bot.assistant import ENGINE, WIDGET, serve_files
from conftest import CHROMIUM, ROOT

CAPTURES = ROOT / "var" / "captures"
CAPTURES.mkdir(parents=True, exist_ok=True)
pytestmark = pytest.mark.skipif(not (ENGINE.exists() and CHROMIUM.exists()),
                                reason="moteur ou Chromium absent : « make test » les installe")
playwright_api = pytest.importorskip("playwright.sync_api")


def site(tmp: Path, server_url: str, transport: str = "rest") -> Path:
    """The demo mairie page, pointed at `server_url`, over REST or socket.io."""
    shutil.copy(WIDGET / "repere-widget.js", tmp / "repere-widget.js")
    shutil.copy(WIDGET / "repere-widget.css", tmp / "repere-widget.css")
    shutil.copytree(WIDGET / "vendor", tmp / "vendor")
    (tmp / "demo").mkdir()
    page = (WIDGET / "demo" / "index.html").read_text(encoding="utf-8").replace("http://127.0.0.1:5005", server_url)
    (tmp / "demo" / "index.html").write_text(page.replace("data-couleur=", f'data-transport="{transport}" data-couleur='),
                                             encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def pages(assistant, tmp_path_factory):
    """Copies of the demo page: talking to the assistant over REST and over socket.io, and to a
    port where nothing listens."""
    live = serve_files(site(tmp_path_factory.mktemp("live"), assistant.url), 8105)
    dead = serve_files(site(tmp_path_factory.mktemp("dead"), "http://127.0.0.1:5999"), 8106)
    socket = serve_files(site(tmp_path_factory.mktemp("socketio"), assistant.url, "socketio"), 8107)
    yield {"live": "http://127.0.0.1:8105/demo/", "dead": "http://127.0.0.1:8106/demo/", "socketio": "http://127.0.0.1:8107/demo/"}
    for server in (live, dead, socket):
        server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    yield context.new_page()
    context.close()


def open_chat(page, url):
    page.goto(url)
    page.get_by_role("button", name="Une démarche ? Posez votre question").click()
    expect = playwright_api.expect
    expect(page.locator(".repere-bot").first).to_contain_text("Repère", timeout=30000)


def ask(page, text, until):
    page.get_by_label("Votre message").fill(text)
    page.get_by_label("Votre message").press("Enter")
    playwright_api.expect(page.locator(".repere-log")).to_contain_text(until, timeout=30000)


@pytest.mark.parametrize("transport", ["live", "socketio"])  # REST, then Rasa's socket.io channel
def test_a_whole_conversation_with_a_button_survives_a_reload(page, pages, transport):
    open_chat(page, pages[transport])
    ask(page, "je dois refaire ma carte d'identite", "dans quelle commune habitez-vous")
    ask(page, "72360", "plusieurs communes")
    page.get_by_role("button", name="Mayet", exact=True).click()
    playwright_api.expect(page.locator(".repere-log")).to_contain_text("jeudi 26 novembre 2026, 14h-17h", timeout=30000)
    places = page.locator(".repere-bot .repere-list li", has_text="jeudi 26 novembre 2026, 14h-17h")
    assert places.count() >= 1  # the answer's lists are real lists for screen readers
    link = page.locator(".repere-log a[href='https://ants.gouv.fr']").first
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    page.screenshot(path=str(CAPTURES / f"widget-bureau-{transport}.png"))

    page.reload()
    log = page.locator(".repere-log")
    playwright_api.expect(log).to_contain_text("jeudi 26 novembre 2026, 14h-17h")
    ask(page, "et c'est quand ?", "Prochaines dates pour « Carte d'identité »")  # same conversation on the server
    assert page.evaluate("window.io !== undefined") == (transport == "socketio")  # the socket.io client, only there


def test_the_browser_keeps_no_typed_text_and_an_unguessable_conversation_id(page, pages):
    open_chat(page, pages["live"])
    ask(page, "je dois refaire ma carte vitale, mon numéro 1 85 05 72 191 005 42", "Carte Vitale")
    stored = page.evaluate("JSON.stringify(Object.assign({}, sessionStorage))")
    assert "Carte Vitale" in stored  # the answers are kept for a reload
    assert "191 005" not in stored and "refaire ma carte vitale" not in stored  # what was typed is not
    sender = page.evaluate("Object.keys(sessionStorage).map(k => sessionStorage.getItem(k)).find(v => v.startsWith('web-'))")
    assert re.fullmatch(r"web-[0-9a-f]{32}", sender)


def test_html_typed_by_a_citizen_shows_as_text_and_never_runs(page, pages):
    open_chat(page, pages["live"])
    attack = '<img src=x onerror="window.pwned=1">'
    page.get_by_label("Votre message").fill(attack)
    page.get_by_label("Votre message").press("Enter")
    playwright_api.expect(page.locator(".repere-user .repere-bubble").last).to_have_text(attack)
    playwright_api.expect(page.locator(".repere-bot").last).to_be_visible()
    assert page.locator(".repere-log img").count() == 0
    assert page.evaluate("window.pwned === undefined")


def test_keyboard_only(page, pages):
    page.goto(pages["live"])
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "repere-launcher":
            break
    page.keyboard.press("Enter")
    playwright_api.expect(page.locator(".repere-bot").first).to_contain_text("Repère", timeout=30000)
    assert page.evaluate("document.activeElement.id") == "repere-input"
    page.keyboard.type("carte grise a Mayet")
    page.keyboard.press("Enter")
    playwright_api.expect(page.locator(".repere-log")).to_contain_text("ANTS", timeout=30000)
    assert page.evaluate("document.activeElement.id") == "repere-input"  # back to typing after the answer
    page.keyboard.press("Shift+Tab")  # the last answer's buttons are just before the input... through the log
    for _ in range(30):
        if page.evaluate("document.activeElement.textContent") == "C'est quand ?":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    playwright_api.expect(page.locator(".repere-log")).to_contain_text("Prochaines dates", timeout=30000)
    page.keyboard.press("Escape")
    assert page.locator(".repere-panel").is_hidden()
    assert page.evaluate("document.activeElement.className") == "repere-launcher"


def test_no_serious_or_critical_accessibility_violation(page, pages):
    from axe_playwright_python.sync_playwright import Axe

    open_chat(page, pages["live"])
    ask(page, "je dois refaire ma carte d'identite", "dans quelle commune habitez-vous")
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert blocking == [], [(v["id"], v["help"]) for v in blocking]


def test_phone_and_200_percent_zoom_keep_the_chat_usable(browser, pages):
    for name, viewport in [("telephone", {"width": 360, "height": 740}), ("zoom-200", {"width": 640, "height": 400})]:
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        page = context.new_page()
        open_chat(page, pages["live"])
        for selector in (".repere-panel", "#repere-input", ".repere-send", ".repere-close"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, (name, selector)
            assert box["y"] + box["height"] <= viewport["height"] + 1, (name, selector)
        page.screenshot(path=str(CAPTURES / f"widget-{name}.png"))
        context.close()


def test_reduced_motion_stops_the_typing_animation(browser, pages):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(pages["live"])
    page.evaluate("document.querySelector('.repere-typing').classList.add('repere-busy')")
    assert page.evaluate("getComputedStyle(document.querySelector('.repere-busy'), '::after').animationName") == "none"
    context.close()


def test_a_server_that_cannot_be_reached_gives_a_clear_message_and_a_retry(page, pages):
    page.goto(pages["dead"])
    page.get_by_role("button", name="Une démarche ? Posez votre question").click()
    error = page.locator(".repere-error")
    playwright_api.expect(error).to_contain_text("momentanément indisponible", timeout=30000)
    playwright_api.expect(error).to_contain_text("39 39")
    retry = page.get_by_role("button", name="Réessayer")
    assert page.evaluate("document.activeElement.textContent") == "Réessayer"
    retry.click()
    playwright_api.expect(page.locator(".repere-error")).to_have_count(1, timeout=30000)


def test_the_server_going_down_mid_conversation_then_back_with_retry(page, pages):
    open_chat(page, pages["live"])
    ask(page, "carte grise a Mayet", "ANTS")
    page.route("**/webhooks/rest/webhook", lambda route: route.abort("connectionrefused"))  # the server is gone
    page.get_by_label("Votre message").fill("et c'est quand ?")
    page.get_by_label("Votre message").press("Enter")
    playwright_api.expect(page.locator(".repere-error")).to_contain_text("momentanément indisponible", timeout=30000)
    page.unroute("**/webhooks/rest/webhook")  # back again
    page.get_by_role("button", name="Réessayer").click()
    playwright_api.expect(page.locator(".repere-log")).to_contain_text("Prochaines dates", timeout=30000)
    assert page.locator(".repere-error").count() == 0
