"""The console: agents' lookup and planning, partners' directory; administrators' knowledge
health, reload and activity dashboard. Server-rendered French pages that work without
JavaScript; the knowledge is read live from the DB (a reload is seen at once).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from bot import activity, db
from bot.console import exports
from bot.console.settings import Settings
from bot.health import health
from bot.knowledge.loader import KnowledgeInvalid
from bot.live import LiveKnowledge, current_time
from bot.orientation import THEME_LABELS, Need, Orientation, Profile
from bot.schedule import MOIS_FR, PARIS, format_day, format_hour

HERE = Path(__file__).parent


class SignInRequired(Exception):
    def __init__(self, role: str):
        self.role = role


def create_app(settings: Settings | None = None, knowledge: LiveKnowledge | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    live = knowledge or LiveKnowledge()
    app = FastAPI(title="Repère — console", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret, session_cookie="repere_session", same_site="strict",
                       max_age=8 * 3600)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = Jinja2Templates(directory=HERE / "templates")
    pages.env.filters.update(day=format_day, hour=format_hour, theme=lambda t: THEME_LABELS.get(t, t or "—"))

    def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context |= {"role": request.session.get("role"), "demo": settings.demo}
        return pages.TemplateResponse(request, name, context, status_code=status)

    def requires(role: str):
        def check(request: Request) -> str:
            current = request.session.get("role")
            if current == "admin" or current == role or (role == "agent" and settings.public_lookup):
                return current or "public"
            raise SignInRequired(role)
        return check

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, error: SignInRequired):
        return RedirectResponse(f"/connexion?suite={quote(request.url.path)}", status_code=303)

    @app.exception_handler(db.DatabaseUnavailable)
    async def unavailable(request: Request, error: db.DatabaseUnavailable):
        return render(request, "indisponible.html", 503, message=str(error))

    def parse_day(text: str | None) -> date:
        try:
            return date.fromisoformat(text) if text else current_time().date()
        except ValueError:
            return current_time().date()

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

    @app.post("/connexion", response_class=HTMLResponse)
    def sign_in(request: Request, motdepasse: str = Form(""), suite: str = Form("/")):
        role = settings.role_for(motdepasse)
        if role is None:
            return render(request, "connexion.html", 401, suite=suite, error="Mot de passe incorrect.")
        request.session["role"] = role
        return RedirectResponse(suite if suite.startswith("/") and not suite.startswith("//") else "/", status_code=303)

    @app.post("/deconnexion")
    def sign_out(request: Request):
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    # ------------------------------------------------------------------ administrators

    @app.get("/sante", response_class=HTMLResponse)
    def knowledge_health(request: Request, _: str = Depends(requires("admin"))):
        o = live.orientation()
        report = health(settings.knowledge_dir, o.k, current_time())
        load = db.last_load(live.engine)
        result = request.session.pop("rechargement", None)
        return render(request, "sante.html", report=report, load=load, result=result)

    @app.post("/recharger")
    def reload_knowledge(request: Request, _: str = Depends(requires("admin"))):
        request.session["rechargement"] = reload_from_files(settings.knowledge_dir, live)
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
    try:
        year, month = (int(x) for x in text.split("-"))
        if 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    now = current_time()
    return now.year, now.month


def reload_from_files(directory: Path, live: LiveKnowledge) -> dict:
    """Check, then load in one transaction; a refused load leaves the previous knowledge serving."""
    try:
        return {"ok": True, "entrees": db.check_and_save(directory, live.engine)}
    except KnowledgeInvalid as invalid:
        return {"ok": False, "erreurs": [str(e) for e in invalid.errors]}
    except db.DatabaseUnavailable as error:
        return {"ok": False, "erreurs": [str(error)]}
