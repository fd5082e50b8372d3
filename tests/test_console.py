"""The console through a real server (uvicorn) on a real knowledge DB (SQLite file)."""

import copy
import csv
import html
import http.cookiejar
import io
import re
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone

import pytest
from argon2.exceptions import VerificationError
from icalendar import Calendar

from bot import activity, db
from bot.console import settings as console_settings
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

    def start(clock=time.monotonic, **settings):
        base = {"admin_hash": hash_password(PASSWORD), "knowledge_dir": tree[0]}
        server = ConsoleServer(next(PORTS), Settings(**(base | settings)), LiveKnowledge(engine=tree[1]), clock).start()
        servers.append(server)
        return Browser(server.url)

    yield start
    for server in servers:
        server.stop()


class Clock:
    """The console's monotonic clock, moved forward by the test."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Browser:
    """urllib with cookies; HTML pages come back unescaped, as a person reads them. Like a browser,
    it sends its Origin with every POST; `headers` are the last response's, `responses` all of them
    (redirects included)."""

    def __init__(self, url):
        self.url = self.origin = url
        self.jar = http.cookiejar.CookieJar()
        self.responses = []
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), Recorder(self.responses))

    def get(self, path, headers=None, **params):
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        return self._open(urllib.request.Request(self.url + path + query, headers=headers or {}))

    def post(self, path, headers=None, body=None, **form):
        data = urllib.parse.urlencode(form).encode() if body is None else body
        return self._open(urllib.request.Request(self.url + path, data=data, method="POST",
                                                 headers={"Origin": self.origin} if headers is None else headers))

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

    @property
    def headers(self):
        return self.responses[-1]

    def set_cookies(self) -> list[str]:
        return [cookie for headers in self.responses for cookie in headers.get_all("Set-Cookie", [])]

    def sign_in(self, password=PASSWORD, suite="/"):
        return self.post("/connexion", motdepasse=password, suite=suite)

    def jeton(self) -> str:
        """The anti-forgery token that the console's forms carry for this session."""
        return re.search(r'name="jeton" value="([^"]+)"', self.get("/partenaires")[2]).group(1)

    def copy(self) -> "Browser":
        """Another browser holding a copy of this one's cookies (a stolen or planted cookie)."""
        other = Browser(self.url)
        for cookie in self.jar:
            other.jar.set_cookie(copy.copy(cookie))
        return other


class Recorder(urllib.request.BaseHandler):
    handler_order = 100  # before the redirects are followed

    def __init__(self, responses):
        self.responses = responses

    def http_response(self, request, response):
        self.responses.append(response.headers)
        return response


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
    status, _, page = browser.post("/recharger", jeton=browser.jeton())
    assert "Connaissances rechargées" in page
    assert "jeudi 26 novembre 2026, 15h-18h" in browser.get("/", besoin="carte grise", commune="Mayet")[2]
    # what the action server reads: another reader of the same DB sees the new slot too, without restart
    assert LiveKnowledge(engine=engine).orientation().k.permanences["fs-mayet"].horaires.regles[0].heures == ["15h-18h"]

    territory.write_text(original.replace("acces: sur rendez-vous", "acces: quand on veut", 1))
    page = browser.post("/recharger", jeton=browser.jeton())[2]
    assert "Rechargement refusé" in page and "territoire.yml:" in page
    assert "jeudi 26 novembre 2026, 15h-18h" in browser.get("/", besoin="carte grise", commune="Mayet")[2]


BAD_COMMUNE = """- insee: '{0:05d}'
  nom: Commune {0}
  codes_postaux: ['72000']
  epci: '200073112'
  population: 1
  france_services: fs-inconnue-{0}
"""


def test_a_refused_reload_lists_every_error_however_many_and_the_cookie_stays_small(console, tree):
    communes = tree[0] / "sud-sarthe" / "communes.yml"
    communes.write_text(communes.read_text() + "".join(BAD_COMMUNE.format(i) for i in range(200)))
    browser = console()
    browser.sign_in()
    page = browser.post("/recharger", jeton=browser.jeton())[2]
    assert "Rechargement refusé" in page and all(f"« fs-inconnue-{i} » inconnu" in page for i in range(200))
    assert max(len(cookie) for cookie in browser.set_cookies()) < 4096  # browsers drop a larger cookie
    assert "Rechargement refusé" not in browser.get("/sante")[2]  # the result is shown once


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


# ---------------------------------------------------------------- security


def is_admin(browser) -> bool:
    status, url, page = browser.get("/activite")
    return status == 200 and "Activité de l'assistant" in page


def test_five_wrong_passwords_in_a_minute_close_the_door_for_a_minute_even_to_the_right_one(console):
    clock = Clock()
    browser = console(clock=clock)
    assert [browser.sign_in("faux")[0] for _ in range(5)] == [401] * 5
    status, _, page = browser.sign_in()
    assert status == 429 and "Trop de tentatives, réessayez dans 1 minute." in page
    assert not is_admin(browser)
    clock.now += 61
    assert browser.sign_in()[0] == 200


def test_a_flood_of_sign_ins_checks_two_passwords_at_a_time(console, monkeypatch):
    url = console().url

    class SlowHasher:  # argon2 takes 64 MiB a check: a flood must not run them all at once
        running = peak = 0
        lock = threading.Lock()

        def verify(self, hashed, password):
            with self.lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            time.sleep(0.2)
            with self.lock:
                self.running -= 1
            raise VerificationError

    hasher = SlowHasher()
    monkeypatch.setattr(console_settings, "HASHER", hasher)
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: Browser(url).sign_in("faux")[0], range(10)))
    assert hasher.peak == 2 and set(statuses) == {401, 429}


def test_signing_out_ends_the_session_on_the_server_a_copied_cookie_is_then_refused(console):
    browser = console()
    browser.sign_in()
    stolen = browser.copy()
    assert is_admin(stolen)
    browser.post("/deconnexion", jeton=browser.jeton())
    assert stolen.get("/activite")[1].endswith("/connexion?suite=/activite")
    assert not list(stolen.jar)  # told to forget the dead cookie
    assert not is_admin(browser)


def test_a_session_ends_after_two_idle_hours_and_after_eight_hours_in_all(console):
    clock = Clock()
    browser = console(clock=clock)
    browser.sign_in()
    clock.now += 2 * 3600 - 1
    assert is_admin(browser)
    clock.now += 2 * 3600 + 1
    assert not is_admin(browser)
    browser.sign_in()
    for _ in range(5):
        clock.now += 1.5 * 3600
        assert is_admin(browser)
    clock.now += 0.6 * 3600
    assert not is_admin(browser)


def test_signing_in_again_starts_a_new_session_a_planted_cookie_gains_nothing(console):
    agent_password = "mot de passe des agents"
    browser = console(public_lookup=False, agent_hash=hash_password(agent_password))
    browser.sign_in(agent_password)
    planted = browser.copy()
    browser.sign_in()
    assert is_admin(browser)
    assert planted.get("/")[1].endswith("/connexion?suite=/")


def test_a_post_that_does_not_come_from_the_console_pages_is_refused(console):
    browser = console()
    assert browser.post("/connexion", headers={"Origin": "https://pirate.example"}, motdepasse=PASSWORD)[0] == 403
    browser.sign_in()
    jeton = browser.jeton()
    for headers in ({"Origin": "https://pirate.example"}, {"Origin": "null"}, {"Referer": "https://pirate.example/sante"},
                    {"Referer": "http://["}, {}):
        status, _, page = browser.post("/recharger", headers=headers, jeton=jeton)
        assert status == 403 and "Requête refusée" in page
    for form in ({}, {"jeton": "faux"}, {"jeton": "é"}):  # a forged form from a page that does not know the token
        status, _, page = browser.post("/deconnexion", **form)
        assert status == 403 and "Requête refusée" in page
    assert "Connaissances rechargées" in browser.post("/recharger", headers={"Referer": browser.url + "/sante"}, jeton=jeton)[2]
    assert is_admin(browser)  # still signed in


def test_behind_a_proxy_the_configured_public_address_is_the_console_origin(console):
    browser = console(public_url="https://console.mairie.example/")
    assert browser.sign_in()[0] == 403
    browser.origin = "https://console.mairie.example"
    assert browser.sign_in()[0] == 200


def test_the_session_cookie_is_httponly_strict_and_secure_when_served_over_https(console):
    browser = console()
    browser.sign_in()
    cookie = browser.set_cookies()[-1].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    browser = console(https=True)
    browser.origin = browser.url.replace("http:", "https:")
    browser.sign_in()
    cookie = browser.set_cookies()[-1].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "; secure" in cookie
    assert "max-age=" in browser.headers["Strict-Transport-Security"]


def test_pages_forbid_framing_sniffing_and_inline_code_and_signed_in_pages_are_not_cached(console, tree):
    activity.record(tree[1], activity.Event(theme="sante", organisme="caf"), datetime(2026, 11, 10, 9, tzinfo=timezone.utc))
    browser = console()
    browser.get("/")
    assert "no-store" not in browser.headers.get("Cache-Control", "")
    browser.sign_in()
    for path in ("/", "/planning", "/sante", "/activite", "/static/console.css"):
        page = browser.get(path)[2]
        headers = browser.headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin" and "camera=()" in headers["Permissions-Policy"]
        assert headers["Cache-Control"] == "no-store"
        assert "style=" not in page and "<script" not in page  # nothing that the policy would block
    assert 'class="barre"' in browser.get("/activite")[2]


def test_only_the_configured_mairie_sites_may_read_the_console_and_never_with_cookies(console):
    browser = console(origins=("https://www.mairie-mayet.fr",))
    browser.get("/planning.ics", headers={"Origin": "https://www.mairie-mayet.fr"})
    assert browser.headers["Access-Control-Allow-Origin"] == "https://www.mairie-mayet.fr"
    assert "Access-Control-Allow-Credentials" not in browser.headers
    browser.get("/planning.ics", headers={"Origin": "https://pirate.example"})
    assert "Access-Control-Allow-Origin" not in browser.headers


def test_the_new_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REPERE_CONSOLE_HTTPS", "1")
    monkeypatch.setenv("REPERE_CONSOLE_URL", "https://console.mairie.example")
    monkeypatch.setenv("REPERE_CONSOLE_ORIGINS", "https://www.mairie-mayet.fr, https://www.lelude.fr,")
    settings = Settings.from_env()
    assert settings.https and settings.public_url == "https://console.mairie.example"
    assert settings.origins == ("https://www.mairie-mayet.fr", "https://www.lelude.fr")


def test_a_date_out_of_range_or_malformed_gives_a_french_400_page(console):
    browser = console()
    browser.sign_in()
    for path in ("/planning?du=9999-12-31&vue=mois", "/planning.ics?du=0001-01-01", "/planning.csv?du=-2024-01-01",
                 "/?jour=0001-01-01", "/?jour=9999-12-31&commune=Mayet", "/planning?du=demain"):
        status, _, page = browser.get(path)
        assert status == 400 and "Date invalide : indiquez une date du 01/01/2000 au 31/12/2100" in page, path
    for path in ("/activite?mois=99999-01", "/activite?mois=2024-13", "/activite.csv?mois=0-01"):
        status, _, page = browser.get(path)
        assert status == 400 and "Mois invalide : indiquez un mois de 2000 à 2100" in page, path
    assert browser.get("/planning", vue="mois", du="2100-12-31")[0] == browser.get("/activite", mois="2000-01")[0] == 200


ODD_VALUES = ["9999-12-31", "0001-01-01", "-2024-01-01", "99999-01", "2024-13", "0-01", "%00", "a%00b", "%FF%FE", "%C3",
              "%E9t%E9", "%2F%2Fpirate.example", "x" * 20000, "a%C3%A9+" * 2000, "[]", "%5B%5D=1"]
PARAMETERS = {"/": ["besoin", "commune", "organisme", "jour"], "/planning": ["vue", "du", "territoire", "lieu", "organisme"],
              "/planning.ics": ["du", "lieu"], "/planning.csv": ["du", "organisme"], "/connexion": ["suite"],
              "/activite": ["mois"], "/activite.csv": ["mois"]}
MALFORMED_BODIES = [("application/json", b'{"motdepasse": '), ("application/json", b'{"motdepasse": "demo"}'),
                    ("text/plain", b"\x00" * 100), ("multipart/form-data; boundary=zz", b"junk"), ("multipart/form-data", b"garbage")]
ODD_FORMS = [b"motdepasse=%C3%A9%00&suite=%FF", b"\xff\xfe=\x00", b"motdepasse=" + b"a" * 100000, b"jeton=%00&jeton=%FF"]


def test_odd_parameters_and_bodies_never_give_a_server_error_nor_a_slow_answer(console):
    browser = console(demo=True)
    browser.sign_in()
    browser.get("/", besoin="9999-12-31")  # the résolveur loads its sentence model once, in seconds
    for path, names in PARAMETERS.items():
        for name in names:
            for value in ODD_VALUES:
                started = time.monotonic()
                status, _, page = browser.get(f"{path}?{name}={value}")
                assert status < 500 and time.monotonic() - started < 2, (path, name, value[:20], status)
    for path in ("/connexion", "/recharger", "/deconnexion"):
        for content_type, body in MALFORMED_BODIES:
            status, _, page = browser.post(path, headers={"Origin": browser.url, "Content-Type": content_type}, body=body)
            assert status == 400 and "Requête mal formée" in page, (path, content_type, body[:20], status)
        for body in ODD_FORMS:
            status, _, page = browser.post(path, body=body)
            assert status < 500, (path, body[:20], status)
    assert browser.get("/nulle-part")[0] == 404 and "Cette page n'existe pas." in browser.get("/nulle-part")[2]
    assert browser.get("/deconnexion")[0] == 405 and "n'accepte pas cette méthode" in browser.get("/deconnexion")[2]


# ---------------------------------------------------------------- service state for supervision


def test_the_service_state_says_which_part_is_down_without_signing_in(console, tree):
    import http.server
    import json

    from bot.assistant import serve_files
    from bot.service_status import Endpoints

    up = serve_files(KNOWLEDGE, 0)  # any server answering 200 on /, as Rasa and the action server do
    port = up.server_address[1]
    try:
        healthy = console(endpoints=Endpoints(rasa=f"http://127.0.0.1:{port}/", actions=f"http://127.0.0.1:{port}/"))
        status, _, body = healthy.get("/etat")
        assert status == 200 and json.loads(body)["etat"] == "ok"
        with http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler) as closed:
            dead = closed.server_address[1]  # bound, then closed: nothing answers there
        no_actions = console(endpoints=Endpoints(rasa=f"http://127.0.0.1:{port}/", actions=f"http://127.0.0.1:{dead}/health"))
        status, _, body = no_actions.get("/etat")
        assert status == 503 and json.loads(body)["etat"] == "degrade" and json.loads(body)["parties"]["actions"] == "injoignable"
        nothing = console(endpoints=Endpoints(rasa=f"http://127.0.0.1:{dead}/", actions=f"http://127.0.0.1:{dead}/health"))
        assert json.loads(nothing.get("/etat")[2])["etat"] == "indisponible"
    finally:
        up.shutdown()


def test_the_agents_search_works_for_any_commune_of_france_with_the_national_layer(console, tree):
    from test_national import EXTRACT, FIXTURES, LISTED
    from bot.national import store
    from bot.national.communes import all_communes, town_hall_positions

    store.import_france_services(tree[1], EXTRACT, LISTED)
    communes, problems = all_communes(FIXTURES / "decoupage", town_hall_positions(FIXTURES / "mairies-extrait.csv"))
    store.import_communes(tree[1], communes, problems, "extrait de test")
    browser = console()
    page = browser.get("/", besoin="carte vitale", commune="Brest")[2]
    assert "29200 Brest" in page and "Source : ANCT, liste des structures France Services, 1er août 2024" in page
    page = browser.get("/", commune="Brie")[2]
    assert "plusieurs communes" in page and "Brie (35041)" in page and "Brie (16)" in page
    browser.sign_in(suite="/sante")
    health = browser.get("/sante")[2]
    assert "Couche nationale : 236 France Services (ANCT, liste des structures France Services, 1er août 2024)" in health
    assert "Janzé" in browser.get("/", besoin="carte vitale", commune="Brie (35)")[2]
