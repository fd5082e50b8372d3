"""The console through a real server (uvicorn) on a real knowledge DB (SQLite file)."""

import csv
import html
import http.cookiejar
import io
import shutil
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timezone

import pytest
from icalendar import Calendar

from bot import activity, db
from bot.console.server import ConsoleServer
from bot.console.settings import Settings, hash_password
from bot.knowledge.loader import load_directory
from bot.knowledge.sources import not_verified_since
from bot.live import LiveKnowledge
from conftest import KNOWLEDGE

PASSWORD = "un mot de passe assez long"
PORTS = iter(range(8120, 8199))


@pytest.fixture
def tree(tmp_path):
    """A copy of the knowledge that the test may edit, loaded into a fresh DB."""
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    engine = db.engine_for(f"sqlite:///{tmp_path / 'repere.db'}")
    db.save(load_directory(folder), engine, "tests")
    return folder, engine


@pytest.fixture
def console(tree, monkeypatch):
    monkeypatch.setenv("REPERE_NOW", "2026-11-23T10:00")
    servers = []

    def start(**settings):
        base = {"admin_hash": hash_password(PASSWORD), "knowledge_dir": tree[0]}
        server = ConsoleServer(next(PORTS), Settings(**(base | settings)), LiveKnowledge(engine=tree[1])).start()
        servers.append(server)
        return Browser(server.url)

    yield start
    for server in servers:
        server.stop()


class Browser:
    """urllib with cookies; HTML pages come back unescaped, as a person reads them."""

    def __init__(self, url):
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path, **params):
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return self._open(urllib.request.Request(self.url + path + query))

    def post(self, path, **form):
        return self._open(urllib.request.Request(self.url + path, data=urllib.parse.urlencode(form).encode(), method="POST"))

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.url, self._text(response)
        except urllib.error.HTTPError as error:
            return error.code, error.url, self._text(error)

    @staticmethod
    def _text(response) -> str:
        body = response.read().decode()
        return html.unescape(body) if "text/html" in response.headers.get("Content-Type", "") else body

    def sign_in(self, password=PASSWORD, suite="/"):
        return self.post("/connexion", motdepasse=password, suite=suite)


# ---------------------------------------------------------------- agents


def test_the_next_caf_permanence_near_mayet_with_how_to_book(console):
    status, _, page = console().get("/", organisme="caf", commune="Mayet", jour="2026-11-23")
    assert status == 200
    assert "Caisse d'allocations familiales (CAF) — Mayet" in page
    assert "jours non connus" in page and "dates à confirmer" in page and "rendez-vous dans votre espace caf.fr" in page
    assert "décembre 2026" not in page.split("Caisse d'allocations familiales (CAF) — Mayet")[1].split("Mairie de Mayet")[0]


def test_free_text_and_postal_code_search(console):
    browser = console()
    page = browser.get("/", besoin="carte grise", commune="Mayet")[2]
    assert "Carte grise" in page and "jeudi 26 novembre 2026, 14h-17h" in page
    page = browser.get("/", commune="72360")[2]
    assert "plusieurs communes" in page and "Sarcé" in page


def test_a_later_date_moves_the_next_slots(console):
    page = console().get("/", besoin="carte grise", commune="Mayet", jour="2026-12-20")[2]
    assert "jeudi 26 novembre 2026" not in page and "jeudi 7 janvier 2027, 14h-17h" in page  # holidays: 24 Dec is week 52


def test_the_week_planning_is_printable_and_exports_the_same_sessions_as_ics_and_csv(console):
    browser = console()
    status, _, page = browser.get("/planning", du="2026-11-23")
    assert status == 200 and "semaine du lundi 23 novembre 2026" in page
    assert "jeudi 26 novembre 2026" in page and "Mairie de Mayet" in page
    assert "@media print" in browser.get("/static/console.css")[2]
    count = int(page.split(" séance(s) du ")[0].rsplit(">", 1)[1])

    calendar = Calendar.from_ical(browser.get("/planning.ics", du="2026-11-23")[2])
    events = calendar.walk("VEVENT")
    rows = list(csv.reader(io.StringIO(browser.get("/planning.csv", du="2026-11-23")[2]), delimiter=";"))[1:]
    assert len(events) == len(rows) == count > 0
    mayet = [e for e in events if "Mairie de Mayet" in str(e["summary"])]
    assert [e.decoded("dtstart").isoformat() for e in mayet] == ["2026-11-26T14:00:00+01:00"]
    assert ["2026-11-26", "14:00", "17:00", "France Services", "Mairie de Mayet", "Mayet", "sur rendez-vous",
            "auprès de la France Services du Lude, 02 85 29 07 11", "oui"] in rows


def test_the_month_planning_filtered_by_organisme(console):
    page = console().get("/planning", vue="mois", du="2026-12-01", organisme="france-services")[2]
    assert "décembre 2026" in page and "5 séance(s)" in page  # Mayet on 10 and 24, Yvré-le-Pôlin on 3, 17 and 31
    page = console().get("/planning", vue="mois", du="2026-12-01", organisme="caf")[2]
    assert "0 séance(s)" in page  # the 2018 CAF permanence has no known day: no date is invented


def test_the_partners_directory_gives_old_names_phones_and_permanences(console):
    page = console().get("/partenaires")[2]
    assert "France Travail" in page and "3949" in page and "Pôle emploi" in page
    assert "France Services du Lude" in page
    national = page.split("partenaire local")[0]  # national partners come first
    founders = ["France Travail", "Caisse d'allocations familiales", "Assurance Maladie", "Assurance retraite",
                "Mutualité sociale agricole", "Finances publiques", "ANTS", "Ministère de la Justice", "La Poste"]
    assert all(f"{name}" in national for name in founders)
    assert "Chèque énergie" in national and "Urssaf" in national and "France Rénov'" in national
    assert "Partenaire national : à confirmer" in page  # those added after 2020: no official text here


# ---------------------------------------------------------------- access


def test_administrator_pages_need_a_sign_in_and_there_is_no_default_password(console):
    browser = console()
    status, url, page = browser.get("/sante")
    assert url.endswith("/connexion?suite=/sante") and "Mot de passe" in page
    assert browser.sign_in("demo")[0] == 401  # no demo password outside the demo mode
    status, url, page = browser.sign_in(suite="/sante")
    assert status == 200 and url.endswith("/sante") and "Santé des données" in page


def test_without_any_configured_password_nobody_gets_in_except_in_demo_mode(console):
    assert console(admin_hash=None).sign_in("demo")[0] == 401
    assert console(admin_hash=None, demo=True).sign_in("demo")[0] == 200


def test_the_agents_lookup_can_be_protected_by_configuration(console):
    agent_password = "mot de passe des agents"
    browser = console(public_lookup=False, agent_hash=hash_password(agent_password))
    assert browser.get("/")[1].endswith("/connexion?suite=/")
    browser.sign_in(agent_password)
    assert "Qui, où, quand ?" in browser.get("/")[2]
    assert browser.get("/activite")[1].endswith("/connexion?suite=/activite")  # agents are not administrators


# ---------------------------------------------------------------- knowledge health and reload


def test_the_health_page_lists_errors_with_file_and_line_and_what_to_confirm(console, tree):
    folder, _ = tree
    organismes = folder / "national" / "organismes.yml"
    organismes.write_text(organismes.read_text().replace('numero: "3949"', 'numero: "39 49 00"'))
    browser = console()
    browser.sign_in()
    page = browser.get("/sante")[2]
    assert "Vérification des fichiers (1 erreur(s))" in page
    assert "organismes.yml:" in page and "mal écrit" in page
    served = load_directory(KNOWLEDGE)
    to_confirm = sum(1 for kind in ("organismes", "demarches", "lieux", "permanences", "territoires")
                     for entry in served.entries(kind).values() if entry.to_confirm())
    assert to_confirm > 20 and f"Entrées à confirmer ({to_confirm})" in page
    stale = not_verified_since(served, date(2026, 11, 23), 365)
    assert f"Entrées non vérifiées depuis plus d'un an (date de la version de la source comparée) ({len(stale)})" in page
    assert "jamais vérifiée" in page and "vérifiée le 29/10/2020" in page  # the RSA's quarterly return, for one
    assert "Communes sans France Services de rattachement (0)" in page


def test_a_reload_is_used_at_once_and_a_broken_edit_keeps_the_previous_knowledge(console, tree):
    folder, engine = tree
    browser = console()
    browser.sign_in()
    territory = folder / "sud-sarthe" / "territoire.yml"
    original = territory.read_text()
    territory.write_text(original.replace("semaines: paires\n          heures: [14h-17h]", "semaines: paires\n          heures: [15h-18h]"))
    status, _, page = browser.post("/recharger")
    assert "Connaissances rechargées" in page
    assert "jeudi 26 novembre 2026, 15h-18h" in browser.get("/", besoin="carte grise", commune="Mayet")[2]
    # what the action server reads: another reader of the same DB sees the new slot too, without restart
    assert LiveKnowledge(engine=engine).orientation().k.permanences["fs-mayet"].horaires.regles[0].heures == ["15h-18h"]

    territory.write_text(original.replace("acces: sur rendez-vous", "acces: quand on veut", 1))
    page = browser.post("/recharger")[2]
    assert "Rechargement refusé" in page and "territoire.yml:" in page
    assert "jeudi 26 novembre 2026, 15h-18h" in browser.get("/", besoin="carte grise", commune="Mayet")[2]


# ---------------------------------------------------------------- activity


def test_the_dashboard_numbers_equal_the_recorded_events(console, tree):
    _, engine = tree
    november = datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
    events = [activity.Event(theme="sante", demarche="carte-vitale", commune="72191", organisme="assurance-maladie")] * 3 + \
             [activity.Event(theme="caf", demarche="rsa", organisme="caf")] * 2 + \
             [activity.Event(compris=False), activity.Event(commune="72327", contact_humain=True)]
    for event in events:
        activity.record(engine, event, november)
    activity.record(engine, activity.Event(theme="retraite"), datetime(2026, 10, 30, 9, tzinfo=timezone.utc))  # October
    browser = console()
    browser.sign_in()
    page = browser.get("/activite", mois="2026-11")[2]
    assert "novembre 2026" in page
    assert '<th scope="row">Demandes</th><td>7</td>' in page and '<th scope="row">Non comprises</th><td>1</td>' in page
    assert '<th scope="row">Contact humain demandé</th><td>1</td>' in page
    rows = list(csv.reader(io.StringIO(browser.get("/activite.csv", mois="2026-11")[2]), delimiter=";"))
    assert ["2026-11", "theme", "sante", "3"] in rows and ["2026-11", "theme", "caf", "2"] in rows
    assert ["2026-11", "organisme", "assurance-maladie", "3"] in rows
    assert not any(r[2] == "retraite" for r in rows)


def test_an_unreachable_db_gives_a_clear_page(console, tree, tmp_path):
    settings = Settings(admin_hash=None, knowledge_dir=tree[0])
    server = ConsoleServer(next(PORTS), settings, LiveKnowledge(url=f"sqlite:///{tmp_path / 'vide' / 'rien.db'}")).start()
    try:
        status, _, page = Browser(server.url).get("/", besoin="carte vitale")
    finally:
        server.stop()
    assert status == 503 and "momentanément indisponibles" in page and "39 39" in page
