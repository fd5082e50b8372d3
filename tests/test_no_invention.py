"""The safeguard: nothing in an answer is invented.

Every démarche × every commune of the curated territories (and no commune) × three profiles
is answered under a fixed clock, as the assistant says it (bubbles, « c'est quand ? », « c'est
où ? ») and as the agents' command prints it. In every answer: each phone number and web
address comes from the knowledge, each session date is a slot of a schedule of the knowledge,
and each entry that is not sourced and verified is flagged « à confirmer » where it is shown.
"""

import re
from datetime import timedelta

import pytest

from bot import replies as r
from bot.fallback import FALLBACK_PHONE
from bot.orientation import Profile
from bot.render import TO_CONFIRM, answer_text
from bot.schedule import Schedule
from conftest import NOW

PROFILES = {"sans profil": Profile(), "régime agricole": Profile(regime_agricole=True), "16-25 ans": Profile(age=19)}
PHONE = re.compile(r"(?<![\d/])(0\d(?: \d{2}){4}|0 \d{3} \d{3} \d{3}|\d{2} \d{2}(?= |\)|,|\.|$)|3\d{3})(?![\d/])")
URL = re.compile(r"https?://[^\s)»,;]+")
DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
SLOT = re.compile(rf"(?:{DAYS}) (?:1er|\d{{1,2}}) (?:{MONTHS}) \d{{4}}, \d{{1,2}}h(?:\d{{2}})?-\d{{1,2}}h(?:\d{{2}})?")


@pytest.fixture(scope="module")
def facts(knowledge):
    """What the knowledge holds: phones, addresses and every session of the next 400 days."""
    phones = {FALLBACK_PHONE[0]}
    urls = set()
    for o in knowledge.organismes.values():
        phones |= {o.telephone.numero} if o.telephone else set()
        urls |= {u for u in (o.site, o.contact_en_ligne) if u}
    for lieu in knowledge.lieux.values():
        phones |= {lieu.telephone.numero} if lieu.telephone else set()
        urls |= {lieu.site} if lieu.site else set()
    urls |= {d.en_ligne.url for d in knowledge.demarches.values() if d.en_ligne}
    schedules = [Schedule.from_horaires(lieu.horaires) for lieu in knowledge.lieux.values() if lieu.horaires]
    for perm in knowledge.permanences.values():
        lieu = knowledge.lieux[perm.lieu]
        schedules.append(Schedule.from_horaires(perm.horaires, lieu.horaires.fermetures if lieu.horaires else []))
    slots = {slot.label() for s in schedules for slot in s.slots_between(NOW - timedelta(days=1), NOW + timedelta(days=400))}
    return phones, urls, slots


def answers(orientation, knowledge):
    communes = [None, *knowledge.communes.values()]
    for d in knowledge.demarches.values():
        for commune in communes:
            for profile_name, profile in PROFILES.items():
                yield f"{d.id} / {commune.nom if commune else 'sans commune'} / {profile_name}", \
                    orientation.orient(r.Need("demarche", d.id, d.titre), commune, profile, now=NOW)


def flagged_where_shown(answer, text: str) -> list[str]:
    """The entries of the answer that are shown in `text` without their « à confirmer »."""
    lines = text.splitlines()
    missing = []

    def check(entry, marker: str, within: list[str]):
        shown = [line for line in within if marker in line]
        if entry.to_confirm() and shown and not all(TO_CONFIRM in line for line in shown):
            missing.append(f"{marker} : {entry.to_confirm()}")

    if answer.demarche:
        check(answer.demarche, answer.demarche.titre, lines)
    for o in answer.organismes:
        check(o, f"• {o.nom} ", lines)  # its line under « Qui s'en occupe »
        if o.telephone and o.telephone.a_confirmer and any(o.telephone.numero in l and TO_CONFIRM not in l for l in lines):
            missing.append(f"numéro {o.telephone.numero}")
    for place in answer.places + ([answer.contact] if answer.contact else []):
        check(place.lieu, place.lieu.nom, lines)
        block = place_block(lines, place.lieu.nom)
        for ps in place.permanences:
            check(ps.permanence, f"{ps.organisme.sigle or ps.organisme.nom}, {ps.permanence.acces}", block)
            if ps.text and any(ps.text in line and TO_CONFIRM not in line for line in block):
                missing.append(f"horaires en texte « {ps.text} » présentés comme sûrs")
    return missing


def place_block(lines: list[str], name: str) -> list[str]:
    """The lines of a place: from its « ▸ » line to the next place."""
    start = next((i for i, line in enumerate(lines) if "▸" in line and name in line), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(lines)) if "▸" in lines[i]), len(lines))
    return lines[start:end]


def test_no_answer_holds_an_invented_phone_address_or_date_and_every_doubt_is_said(orientation, knowledge, facts):
    phones, urls, slots = facts
    checked, problems = 0, []
    for label, answer in answers(orientation, knowledge):
        renderings = {
            "assistant": "\n".join(reply.text for reply in r.answer_replies(answer)),
            "quand": "\n".join(reply.text for reply in r.follow_up_replies(answer, "when")),
            "où": "\n".join(reply.text for reply in r.follow_up_replies(answer, "where")),
            "agent": answer_text(answer),
        }
        for how, text in renderings.items():
            checked += 1
            problems += [f"{label} ({how}) : téléphone {p}" for p in set(PHONE.findall(text)) - phones]
            problems += [f"{label} ({how}) : adresse {u}" for u in set(URL.findall(text)) - urls]
            problems += [f"{label} ({how}) : séance {s}" for s in set(SLOT.findall(text)) - slots]
            if how in ("assistant", "agent"):
                problems += [f"{label} ({how}) : non signalé {m}" for m in flagged_where_shown(answer, text)]
    assert not problems, "\n".join(problems[:20])
    per_rendering = len(knowledge.demarches) * (len(knowledge.communes) + 1) * len(PROFILES)
    assert checked == 4 * per_rendering and per_rendering >= 70 * 20 * 3  # 4,260 answers, four renderings each


def test_the_safeguard_catches_an_invented_phone_date_and_an_unflagged_doubt(orientation, knowledge, facts):
    """The checks above can fail: an answer with a made-up number, slot and hidden doubt is caught."""
    phones, urls, slots = facts
    answer = orientation.orient("RSA", "Mayet", now=NOW)
    text = "\n".join(reply.text for reply in r.answer_replies(answer))
    forged = text + "\nAppelez le 02 43 00 00 00 ou https://caf-aide.example.fr, dimanche 6 décembre 2026, 3h-4h."
    assert set(PHONE.findall(forged)) - phones == {"02 43 00 00 00"}
    assert set(URL.findall(forged)) - urls == {"https://caf-aide.example.fr"}
    assert set(SLOT.findall(forged)) - slots == {"dimanche 6 décembre 2026, 3h-4h"}
    assert flagged_where_shown(answer, text.replace(f"({TO_CONFIRM}", "(")), "a removed flag must be noticed"
