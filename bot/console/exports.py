"""Planning exports: iCalendar (for agendas) and CSV (for spreadsheets), and the activity CSV."""

from __future__ import annotations

import csv
import io

from icalendar import Calendar, Event

from bot.activity import MonthlyFigures
from bot.knowledge.loader import Knowledge
from bot.knowledge.schema import Permanence
from bot.schedule import Slot

CSV_HEADER = ["date", "debut", "fin", "organisme", "lieu", "commune", "acces", "reservation", "a_confirmer"]


def _where(k: Knowledge, perm: Permanence) -> tuple[str, str]:
    lieu = k.lieux[perm.lieu]
    commune = k.communes[lieu.commune].nom if lieu.commune in k.communes else ""
    return lieu.nom, commune


def planning_ics(k: Knowledge, rows: list[tuple[Slot, Permanence]], title: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Repere//Planning des permanences//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", title)
    for slot, perm in rows:
        lieu, commune = _where(k, perm)
        event = Event()
        event.add("uid", f"{perm.id}-{slot.debut:%Y%m%dT%H%M}@repere")
        event.add("summary", f"{k.organismes[perm.organisme].nom} — {lieu}")
        event.add("dtstart", slot.debut)
        event.add("dtend", slot.fin)
        event.add("dtstamp", slot.debut)
        event.add("location", ", ".join(x for x in (lieu, k.lieux[perm.lieu].adresse, commune) if x))
        details = [perm.acces] + ([f"Rendez-vous : {perm.reservation}"] if perm.reservation else [])
        if detail := perm.to_confirm():
            details.append("À confirmer : " + detail)
        event.add("description", "\n".join(details))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def planning_csv(k: Knowledge, rows: list[tuple[Slot, Permanence]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for slot, perm in rows:
        lieu, commune = _where(k, perm)
        writer.writerow([f"{slot.debut:%Y-%m-%d}", f"{slot.debut:%H:%M}", f"{slot.fin:%H:%M}", k.organismes[perm.organisme].nom,
                         lieu, commune, perm.acces, perm.reservation or "", "oui" if perm.to_confirm() else "non"])
    return out.getvalue()


def activity_csv(figures: MonthlyFigures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["mois", "categorie", "valeur", "nombre"])
    writer.writerows([[figures.month, "total", "demandes", figures.total], [figures.month, "total", "comprises", figures.understood],
                      [figures.month, "total", "non comprises", figures.not_understood],
                      [figures.month, "total", "contact humain demandé", figures.human_contact]])
    writer.writerows([[figures.month, "theme", theme, n] for theme, n in figures.by_theme])
    writer.writerows([[figures.month, "organisme", org, n] for org, n in figures.by_organisme])
    return out.getvalue()
