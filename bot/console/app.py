"""The console: agents' lookup and planning, partners' directory; administrators' knowledge
health, reload and activity dashboard. Server-rendered French pages that work without
JavaScript; the knowledge is read live from the DB (a reload is seen at once).

Security: sessions kept server side (security.py), failed sign-ins limited per address and
password checks (argon2, 64 MiB each) run two at a time, forms accepted only from the console's
own pages with the session's token, strict headers (no inline code, no framing).
"""

from __future__ import annotations

import calendar
import math
import secrets
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from urllib.parse import quote, urlsplit

import anyio
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware

from bot import activity, db
from bot.console import exports
from bot.console.security import Clock, Session, SignInLimiter, Sessions
from bot.console.settings import Settings
from bot.health import health
from bot.knowledge.loader import KnowledgeInvalid
from bot.live import LiveKnowledge, current_time
from bot.orientation import THEME_LABELS, Need, Orientation, Profile
from bot.render import distance_text, lieu_notes
from bot.schedule import MOIS_FR, PARIS, format_day, format_hour
from bot.service_status import service_status

HERE = Path(__file__).parent
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # the dates the console accepts
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), geolocation=(), microphone=(), payment=()",
}
HTTP_ERRORS = {400: "Requête mal formée.", 404: "Cette page n'existe pas.", 405: "Cette adresse n'accepte pas cette méthode."}
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")  # the only bodies the console takes


class SignInRequired(Exception):
    def __init__(self, role: str):
        self.role = role


class Refused(Exception):
    """A request the console answers with a French error page and this status."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


def create_app(settings: Settings | None = None, knowledge: LiveKnowledge | None = None, clock: Clock = monotonic) -> FastAPI:
    settings = settings or Settings.from_env()
    live = knowledge or LiveKnowledge()
    sessions, sign_ins = Sessions(clock=clock), SignInLimiter(clock=clock)
    password_checks = anyio.CapacityLimiter(2)  # argon2 takes 64 MiB a check: a flood must not run them all at once
    app = FastAPI(title="Repère — console", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = Jinja2Templates(directory=HERE / "templates")
    pages.env.filters.update(day=format_day, hour=format_hour, theme=lambda t: THEME_LABELS.get(t, t or "—"),
                             distance=distance_text, notes=lieu_notes)

    def render(request: Request, name: str, status: int = 200, headers: dict | None = None, **context) -> HTMLResponse:
        user: Session | None = request.state.user
        context |= {"role": user and user.role, "jeton": user and user.csrf, "demo": settings.demo}
        return pages.TemplateResponse(request, name, context, status_code=status, headers=headers)

    def requires(role: str):
        def check(request: Request) -> str:
            current = request.state.user and request.state.user.role
            if current == "admin" or current == role or (role == "agent" and settings.public_lookup):
                return current or "public"
            raise SignInRequired(role)
        return check

    def check_token(user: Session, jeton: str) -> None:
        if not secrets.compare_digest(jeton.encode(), user.csrf.encode()):
            raise Refused(403, "Requête refusée : ce formulaire n'est plus valable. Rechargez la page et recommencez.")

    def own_origin(request: Request) -> str:
        if settings.public_url:
            return origin_of(settings.public_url)
        return f"{'https' if settings.https else request.url.scheme}://{request.headers.get('host', '')}".lower()

    def refusal(request: Request) -> tuple[int, str] | None:
        """Why a request that changes something is refused: it must be a form sent from the console's own pages."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        origin = request.headers.get("origin") or origin_of(request.headers.get("referer", ""))
        if origin.lower() != own_origin(request):
            return 403, "Requête refusée : elle ne vient pas d'une page de la console. Rechargez la page et recommencez."
        if request.headers.get("content-type", "").split(";")[0].strip().lower() not in FORMS:
            return 400, HTTP_ERRORS[400]
        return None

    @app.middleware("http")
    async def guard(request: Request, call_next):
        request.state.user = sessions.get(request.session.get("id"))
        if request.state.user is None and "id" in request.session:
            request.session.clear()  # ended or expired: the browser drops its cookie
        if problem := refusal(request):
            response = render(request, "erreur.html", problem[0], message=problem[1])
        else:
            response = await call_next(request)
        response.headers.update(HEADERS)
        if settings.https:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.state.user:
            response.headers["Cache-Control"] = "no-store"
        return response

    # added last, so outermost: the session is read before the guard runs
    app.add_middleware(SessionMiddleware, secret_key=settings.secret, session_cookie="repere_session", same_site="strict",
                       max_age=int(sessions.lifetime), https_only=settings.https)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.origins), allow_methods=["GET"], allow_credentials=False)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, error: SignInRequired):
        return RedirectResponse(f"/connexion?suite={quote(request.url.path)}", status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, error: Refused):
        return render(request, "erreur.html", error.status, message=error.message)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return render(request, "erreur.html", error.status_code, error.headers,
                      message=HTTP_ERRORS.get(error.status_code, "Requête refusée."))

    @app.exception_handler(db.DatabaseUnavailable)
    async def unavailable(request: Request, error: db.DatabaseUnavailable):
        return render(request, "indisponible.html", 503, message=str(error))

    def parse_day(text: str) -> date:
        if not text:
            return current_time().date()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is None or not FIRST_DAY <= day <= LAST_DAY:
            raise Refused(400, "Date invalide : indiquez une date du 01/01/2000 au 31/12/2100, au format AAAA-MM-JJ.")
        return day

    # ------------------------------------------------------------------ agents

    @app.get("/", response_class=HTMLResponse)
    def lookup(request: Request, besoin: str = "", commune: str = "", organisme: str = "", jour: str = "",
               _: str = Depends(requires("agent"))):
        o = live.orientation()
        day = parse_day(jour)
        moment = max(current_time(), datetime.combine(day, time(0), PARIS))
        answer, problem, commune_obj = None, None, None
        if commune.strip():
            commune_obj, problem = o.resolve_commune(commune)
        if organisme in o.k.organismes:
            answer = o.orient(Need("organisme", organisme, o.k.organismes[organisme].nom), commune_obj, Profile(), moment)
        elif besoin.strip():
            answer = o.orient(besoin, commune_obj, Profile(), moment)
        elif commune_obj is not None:
            answer = o.orient(Need("organisme", "france-services", o.k.organismes["france-services"].nom), commune_obj, Profile(), moment)
        searched = bool(besoin.strip() or commune.strip() or organisme)
        return render(request, "recherche.html", o=o, answer=answer, problem=problem, searched=searched,
                      form={"besoin": besoin, "commune": commune, "organisme": organisme, "jour": day.isoformat()})

    def planning_rows(o: Orientation, vue: str, du: str, territoire: str, lieu: str, organisme: str):
        first = parse_day(du)
        if vue == "mois":
            first = first.replace(day=1)
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        else:
            vue, first = "semaine", first - timedelta(days=first.weekday())
            last = first + timedelta(days=6)
        rows = o.planning(datetime.combine(first, time(0), PARIS), datetime.combine(last + timedelta(days=1), time(0), PARIS),
                          lieu or None, organisme or None)
        if territoire:
            rows = [(s, p) for s, p in rows if o.k.lieu_territoire.get(p.lieu) == territoire]
        return vue, first, last, rows

    @app.get("/planning", response_class=HTMLResponse)
    def planning(request: Request, vue: str = "semaine", du: str = "", territoire: str = "", lieu: str = "", organisme: str = "",
                 _: str = Depends(requires("agent"))):
        o = live.orientation()
        vue, first, last, rows = planning_rows(o, vue, du, territoire, lieu, organisme)
        days: dict[date, list] = {}
        for slot, perm in rows:
            days.setdefault(slot.debut.date(), []).append((slot, perm))
        step = timedelta(days=7) if vue == "semaine" else timedelta(days=31)
        query = {"vue": vue, "territoire": territoire, "lieu": lieu, "organisme": organisme}
        return render(request, "planning.html", o=o, vue=vue, first=first, last=last, days=days, count=len(rows), query=query,
                      previous=(first - (timedelta(days=1) if vue == "mois" else step)).isoformat(),
                      following=(last + timedelta(days=1)).isoformat(), mois=MOIS_FR)

    @app.get("/planning.ics")
    def planning_ics(vue: str = "semaine", du: str = "", territoire: str = "", lieu: str = "", organisme: str = "",
                     _: str = Depends(requires("agent"))):
        o = live.orientation()
        vue, first, last, rows = planning_rows(o, vue, du, territoire, lieu, organisme)
        body = exports.planning_ics(o.k, rows, f"Permanences du {first:%d/%m/%Y} au {last:%d/%m/%Y}")
        return Response(body, media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="permanences-{first}.ics"'})

    @app.get("/planning.csv")
    def planning_csv(vue: str = "semaine", du: str = "", territoire: str = "", lieu: str = "", organisme: str = "",
                     _: str = Depends(requires("agent"))):
        o = live.orientation()
        vue, first, last, rows = planning_rows(o, vue, du, territoire, lieu, organisme)
        return Response(exports.planning_csv(o.k, rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="permanences-{first}.csv"'})

    @app.get("/partenaires", response_class=HTMLResponse)
    def partners(request: Request, _: str = Depends(requires("agent"))):
        o = live.orientation()
        by_organisme: dict[str, list] = {}
        for perm in o.k.permanences.values():
            by_organisme.setdefault(perm.organisme, []).append(perm)
        organismes = sorted(o.k.organismes.values(), key=lambda x: (x.partenaire != "national", x.nom.lower()))
        return render(request, "partenaires.html", o=o, organismes=organismes, permanences=by_organisme)

    # ------------------------------------------------------------------ sign-in

    @app.get("/connexion", response_class=HTMLResponse)
    def sign_in_page(request: Request, suite: str = "/"):
        return render(request, "connexion.html", suite=suite if suite.startswith("/") else "/", error=None)

    def check_password(client: str, password: str) -> tuple[str | None, float]:
        """The role (None: wrong password), or the seconds this client must wait first."""
        if wait := sign_ins.wait(client):
            return None, wait
        role = settings.role_for(password)
        if role:
            sign_ins.succeeded(client)
        else:
            sign_ins.failed(client)
        return role, 0

    @app.post("/connexion", response_class=HTMLResponse)
    async def sign_in(request: Request, motdepasse: str = Form(""), suite: str = Form("/")):
        client = request.client.host if request.client else ""
        role, wait = await anyio.to_thread.run_sync(check_password, client, motdepasse, limiter=password_checks)
        if wait:
            minutes = math.ceil(wait / 60)
            return render(request, "connexion.html", 429, {"Retry-After": str(math.ceil(wait))}, suite=suite,
                          error=f"Trop de tentatives, réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.")
        if role is None:
            return render(request, "connexion.html", 401, suite=suite, error="Mot de passe incorrect.")
        sessions.end(request.session.get("id"))  # a new id at each sign-in: a planted cookie gains nothing
        request.session["id"] = sessions.start(role).id
        return RedirectResponse(suite if suite.startswith("/") and not suite.startswith("//") else "/", status_code=303)

    @app.post("/deconnexion")
    def sign_out(request: Request, jeton: str = Form("")):
        if request.state.user:
            check_token(request.state.user, jeton)
            sessions.end(request.state.user.id)
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    @app.get("/etat")
    def service_state():
        """The service's state for supervision (no sign-in, nothing personal): 200 when all is up, else 503."""
        state = service_status(settings.endpoints, live)
        return JSONResponse(state, status_code=200 if state["etat"] == "ok" else 503)

    # ------------------------------------------------------------------ administrators

    @app.get("/sante", response_class=HTMLResponse)
    def knowledge_health(request: Request, _: str = Depends(requires("admin"))):
        o = live.orientation()
        report = health(settings.knowledge_dir, o.k, current_time())
        load = db.last_load(live.engine)
        user = request.state.user
        result, user.reload = user.reload, None
        return render(request, "sante.html", report=report, load=load, result=result, national=o.national)

    @app.post("/recharger")
    def reload_knowledge(request: Request, jeton: str = Form(""), _: str = Depends(requires("admin"))):
        user = request.state.user
        check_token(user, jeton)
        user.reload = reload_from_files(settings.knowledge_dir, live)  # kept here: a cookie would be too small
        return RedirectResponse("/sante", status_code=303)

    @app.get("/activite", response_class=HTMLResponse)
    def dashboard(request: Request, mois: str = "", _: str = Depends(requires("admin"))):
        year, month = month_of(mois)
        figures = activity.monthly(live.engine, year, month)
        o = live.orientation()
        names = {key: org.nom for key, org in o.k.organismes.items()}
        peak = max([n for _, n in figures.by_theme + figures.by_organisme] + [1])
        previous = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
        following = f"{year + (month == 12)}-{month % 12 + 1:02d}"
        return render(request, "activite.html", f=figures, names=names, peak=peak, label=f"{MOIS_FR[month - 1]} {year}",
                      previous=previous, following=following)

    @app.get("/activite.csv")
    def dashboard_csv(mois: str = "", _: str = Depends(requires("admin"))):
        year, month = month_of(mois)
        return PlainTextResponse(exports.activity_csv(activity.monthly(live.engine, year, month)), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="activite-{year}-{month:02d}.csv"'})

    return app


def month_of(text: str) -> tuple[int, int]:
    if not text:
        now = current_time()
        return now.year, now.month
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        first = None
    if first is None or not FIRST_DAY <= first <= LAST_DAY:
        raise Refused(400, "Mois invalide : indiquez un mois de 2000 à 2100, au format AAAA-MM.")
    return first.year, first.month


def origin_of(url: str) -> str:
    """scheme://host[:port] of an address, lower-case; '' for what is not an absolute address."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def reload_from_files(directory: Path, live: LiveKnowledge) -> dict:
    """Check, then load in one transaction; a refused load leaves the previous knowledge serving."""
    try:
        return {"ok": True, "entrees": db.check_and_save(directory, live.engine)}
    except KnowledgeInvalid as invalid:
        return {"ok": False, "erreurs": [str(e) for e in invalid.errors]}
    except db.DatabaseUnavailable as error:
        return {"ok": False, "erreurs": [str(error)]}
