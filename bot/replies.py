"""What the assistant says: orientation answers cut into short French bubbles with buttons.

Pure Python over bot.orientation (no Rasa): the actions only pass the conversation's state
in and send these replies out. One idea per bubble, buttons for the likely next steps, and
nothing that the knowledge does not hold.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.knowledge.schema import THEMES, Commune, Organisme
from bot.fallback import FALLBACK_PHONE, unavailable_text
from bot.orientation import THEME_LABELS, Answer, Need, Orientation, Place, Profile
from bot.privacy import redact
from bot.render import confirm_flag, contact_text, lieu_notes, organisme_contact, place_heading, session_lines

MAX_PLACES = 2  # places shown in one answer: more is a list nobody reads on a phone


@dataclass
class Reply:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (title, payload)


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


HUMAN = ("Parler à quelqu'un", "/ask_human")
OTHER_NEED = ("Autre démarche", "/affirm")
NEXT_STEPS = [("C'est où ?", "/ask_where"), ("C'est quand ?", "/ask_when"), HUMAN, OTHER_NEED]


# ------------------------------------------------------------------ the conversation's state


def need_key(need: Need) -> str:
    return f"{need.kind}:{need.key}"


def need_from_key(orientation: Orientation, key: str | None) -> Need | None:
    """The need stored in the conversation, if the knowledge still holds it."""
    if not key or ":" not in key:
        return None
    kind, ident = key.split(":", 1)
    if kind == "demarche" and ident in orientation.k.demarches:
        return Need(kind, ident, orientation.k.demarches[ident].titre)
    if kind == "organisme" and ident in orientation.k.organismes:
        return Need(kind, ident, orientation.k.organismes[ident].nom)
    if kind == "theme" and ident in THEMES:
        return Need(kind, ident, THEME_LABELS[ident])
    return None


def place_matters(orientation: Orientation, need: Need | None) -> bool:
    """Whether the commune changes the answer: démarches done at a place, organismes.

    A theme alone is first narrowed to a démarche (buttons), without asking where.
    """
    if need is None or need.kind == "theme":
        return False
    if need.kind == "demarche":
        return orientation.k.demarches[need.key].lieu_utile
    return True


def profile_from(age: str | None, regime: str | None) -> Profile:
    years = re.search(r"\d{1,3}", age or "")
    return Profile(age=int(years.group()) if years and int(years.group()) <= 120 else None,
                   regime_agricole=True if regime and "agricol" in regime.lower() else None)


# ------------------------------------------------------------------ answers


def _slots_lines(place: Place) -> list[str]:
    lines = [f"▸ {place_heading(place)}"]
    for ps in place.permanences:
        name = ps.organisme.sigle or ps.organisme.nom
        lines.append(f"  {name}, {ps.permanence.acces}{confirm_flag(ps.permanence)} :")
        lines += [f"  - {line}" for line in session_lines(ps)]
        if ps.permanence.reservation:
            lines.append(f"  Rendez-vous : {ps.permanence.reservation}")
    if place.opening:
        lines.append(f"  {place.opening_label}" + (" (aide à la démarche) :" if place.lieu.type != "mairie" else " :"))
        lines += [f"  - {slot.label()}" + (f" ({slot.note})" if slot.note else "") for slot in place.opening[:2]]
    elif place.lieu.horaires is None and place.lieu.id_fs is not None:
        lines.append("  Horaires non publiés : appelez avant de vous déplacer." if place.lieu.telephone else
                     f"  Horaires et téléphone non publiés : {FALLBACK_PHONE[1]}, {FALLBACK_PHONE[0]}.")
    return lines + [f"  {note}" for note in lieu_notes(place.lieu)]


def at_commune(name: str) -> str:
    """« à Mayet », « au Lude », « aux Rairies », « à La Bruère-sur-Loir »."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    return "à " + name


def _where_when(answer: Answer) -> Reply | None:
    if not answer.places:
        return None
    lines = [f"Où et quand, près de chez vous ({at_commune(answer.commune.nom)}) :" if answer.commune else "Où et quand, sur le territoire :"]
    for place in answer.places[:MAX_PLACES]:
        lines += _slots_lines(place)
    return Reply("\n".join(lines))


def organisme_line(o: Organisme) -> str:
    """« Caisse d'allocations familiales (CAF) : tél. 3230 (…), https://www.caf.fr »."""
    return f"{o.nom} : {organisme_contact(o)}{confirm_flag(o)}"


def who_reply(answer: Answer) -> Reply | None:
    if not answer.organismes:
        return None
    lines = ["Qui s'en occupe :"] + [f"• {organisme_line(o)}" for o in answer.organismes]
    return Reply("\n".join(lines))


def answer_replies(answer: Answer) -> list[Reply]:
    """The full answer: what to do, what to bring, who, where and when, online."""
    d = answer.demarche
    replies: list[Reply] = []
    if answer.need is None:
        return [Reply("Je ne trouve pas cette démarche dans mes connaissances."), contact_reply(answer.contact)]
    if d is not None:
        replies.append(Reply(f"{d.titre}{confirm_flag(d)}\n{' '.join(d.information.split())}"))
        if d.pieces:
            replies.append(Reply("À apporter : " + " ; ".join(d.pieces) + "."))
    elif answer.need.kind == "organisme":
        o = answer.organismes[0]
        replies.append(Reply(f"{o.nom} : {' '.join(o.missions.split())}"
                             + (f"\n{contact_text(answer.contact)}" if o.id == "france-services" and answer.contact else "")))
    who = who_reply(answer)
    if who:
        replies.append(who)
    if answer.notes:
        replies.append(Reply("\n".join(f"À savoir : {note}" for note in answer.notes)))
    where_when = _where_when(answer) if answer.commune else None  # without the commune, the question comes next
    if where_when and d is not None and not d.lieu_utile:
        where_when.text = ("Cette démarche se fait sans vous déplacer. Si vous avez besoin d'aide, votre France Services "
                           "vous accompagne.\n" + where_when.text)
    if where_when:
        replies.append(where_when)
    elif d is not None and not d.lieu_utile:
        replies.append(Reply("Cette démarche se fait sans vous déplacer. Si vous avez besoin d'aide, votre France Services vous accompagne.\n"
                             + contact_text(answer.contact)))
    if d is not None and d.en_ligne:
        replies.append(Reply(f"En ligne : {d.en_ligne.libelle}\n{d.en_ligne.url}"))
    missing = [m for m in answer.missing if not m.startswith("commune")]
    if missing:
        replies.append(Reply("\n".join(f"Je n'ai pas cette information : {m}." for m in missing) + "\n" + contact_text(answer.contact)))
    buttons = list(NEXT_STEPS)
    if answer.need.kind == "organisme" and answer.demarches:
        buttons = _demarche_buttons(answer) + [HUMAN]
    replies[-1].buttons = buttons
    return replies


def place_replies(answer: Answer) -> list[Reply]:
    """The same need, now that the commune is known: only where and when (what to do was said)."""
    label = answer.need.label if answer.need else ""
    where_when = _where_when(answer)
    if where_when is None:
        return [Reply(f"Pour « {label} », je ne connais pas de lieu près de chez vous. " + contact_text(answer.contact),
                      [HUMAN, OTHER_NEED])]
    who = who_reply(answer)
    where_when.text = f"Pour « {label} » :\n" + (who.text + "\n" if who else "") + where_when.text
    missing = [m for m in answer.missing if not m.startswith("commune")]
    if missing:
        where_when.text += "\n" + "\n".join(f"Je n'ai pas cette information : {m}." for m in missing)
    where_when.buttons = list(NEXT_STEPS)
    return [where_when]


def _demarche_buttons(answer: Answer) -> list[tuple[str, str]]:
    return [(x.titre, payload(f"theme_{x.theme}", demarche=x.id)) for x in answer.demarches[:8]]


def theme_replies(answer: Answer) -> list[Reply]:
    """A theme without a démarche yet: which one? (buttons), and who handles the theme."""
    label = answer.need.label if answer.need else ""
    question = Reply(f"Pour « {label} », de quelle démarche s'agit-il ?", _demarche_buttons(answer))
    if answer.usual is None:
        return [question]
    return [Reply(f"Pour « {label} », le plus souvent, c'est :\n• {organisme_line(answer.usual)}"), question]


def follow_up_replies(answer: Answer, question: str) -> list[Reply]:
    """'c'est quand ?' -> the next dates; 'c'est où ?' -> the places and how to book."""
    label = answer.need.label if answer.need else ""
    if not answer.places:
        d = answer.demarche
        if d is not None and not d.lieu_utile:
            text = f"« {label} » se fait sans vous déplacer" + (f" : {d.en_ligne.url}" if d.en_ligne else ".")
            return [Reply(text, [HUMAN, OTHER_NEED])]
        return [Reply(f"Je ne connais pas de permanence pour « {label} ». " + contact_text(answer.contact), [HUMAN, OTHER_NEED])]
    if question == "when":
        lines = [f"Prochaines dates pour « {label} » :"]
        for place in answer.places[:MAX_PLACES]:
            lines.append(f"▸ {place.lieu.nom}{confirm_flag(place.lieu)} :")
            for ps in place.permanences:
                dates = " ; ".join(session_lines(ps))
                lines.append(f"  {ps.organisme.sigle or ps.organisme.nom} ({ps.permanence.acces}){confirm_flag(ps.permanence)} : {dates}")
            if place.opening:
                lines.append(f"  {place.opening_label} : " + " ; ".join(slot.label() for slot in place.opening[:2]))
    else:
        lines = [f"Où aller pour « {label} » :"]
        for place in answer.places[:MAX_PLACES]:
            lines.append(f"▸ {place_heading(place)}")
            lines += [f"  {ps.organisme.sigle or ps.organisme.nom}, {ps.permanence.acces}"
                      + (f" ; rendez-vous : {ps.permanence.reservation}" if ps.permanence.reservation else "") for ps in place.permanences]
            if not place.lieu.adresse:
                lines.append("  Adresse exacte non renseignée : demandez à la mairie.")
    return [Reply("\n".join(lines), [b for b in NEXT_STEPS if b[1] != ("/ask_when" if question == "when" else "/ask_where")])]


# ------------------------------------------------------------------ commune


def commune_question() -> Reply:
    """Asked after the answer: the commune gives only the place and the next sessions."""
    return Reply("Pour vous dire où aller et les prochaines dates près de chez vous : dans quelle commune "
                 "habitez-vous ? Écrivez son nom ou son code postal.")


@dataclass
class CommuneCheck:
    """What a typed commune gives: one commune, or an explanation and choices to offer."""

    commune: Commune | None
    problem: Reply | None = None
    choices: list[str] = field(default_factory=list)


def shown_back(typed: str) -> str:
    """What a citizen typed, as echoed in an answer: never markup, never a personal number, never long."""
    return re.sub(r"[<>{}\[\]]", "", redact(" ".join(typed.split())))[:60]


def check_commune(orientation: Orientation, typed: str) -> CommuneCheck:
    match = orientation.find_commune(typed)
    shown = shown_back(typed)
    if len(match.communes) == 1:
        return CommuneCheck(match.communes[0])
    if match.communes:
        names = [orientation.commune_label(c) for c in match.communes]
        how = "Le code postal" if match.how == "code postal" else "Le nom"
        return CommuneCheck(None, Reply(f"{how} « {shown} » correspond à plusieurs communes : {', '.join(names)}."), names)
    close = [orientation.commune_label(c) for c in orientation.closest_communes(typed)]
    return CommuneCheck(None, Reply(f"Je ne trouve pas « {shown} » parmi les communes que je connais."), close)


def unknown_commune_outside(orientation: Orientation) -> str:
    if orientation.national.communes:
        return ("Je ne trouve pas cette commune (une ancienne commune, fusionnée depuis ?) : vérifiez l'orthographe, "
                "ou donnez le code postal. Vous pouvez aussi appeler le 39 39 (Allô Service Public).")
    territories = ", ".join(t.nom for t in orientation.k.territoires.values())
    return (f"Je ne connais que les communes de : {territories}. Pour une autre commune, cherchez la France Services "
            "la plus proche sur https://www.france-services.gouv.fr ou appelez le 39 39 (Allô Service Public).")


# ------------------------------------------------------------------ contact, hours, failures


def contact_reply(contact: Place | None) -> Reply:
    return Reply(contact_text(contact))


def human_contact_replies(orientation: Orientation, commune: Commune | None, now: datetime) -> list[Reply]:
    contact = orientation.contact(commune, now)
    if contact is None and commune is None and len(orientation.k.territoires) > 1:
        return _territories_contact(orientation, now)
    if contact is None:
        return [Reply("Un agent peut vous recevoir et vous aider, gratuitement.\n" + contact_text(contact))]
    lines = [f"Un agent peut vous recevoir et vous aider, gratuitement, à {contact.reason} :"]
    for place in _france_services_in(orientation, commune, now):  # its permanence in the commune itself first
        lines += _slots_lines(place)
    lines += _slots_lines(contact)
    if contact.lieu.telephone is None:
        lines.append(contact_text(None) + " Vous pouvez aussi vous présenter à l'accueil de votre mairie.")
    return [Reply("\n".join(lines))]


def _territories_contact(orientation: Orientation, now: datetime) -> list[Reply]:
    """No commune yet, several territories: each one's France Services, and the question that picks the nearest."""
    lines = ["Un agent peut vous recevoir et vous aider, gratuitement, dans une France Services :"]
    for territoire in orientation.k.territoires.values():
        lieu = orientation.lieu(territoire.france_services)
        if lieu is not None:
            opening = orientation.opening_of(lieu).next_slots(now, 2) if lieu.horaires else []
            lines += _slots_lines(Place(lieu, orientation.commune_name(lieu.commune), territoire.nom, opening=opening))
    lines.append("Dites-moi votre commune : je vous donnerai la plus proche. Sinon : Allô Service Public, 39 39.")
    return [Reply("\n".join(lines))]


def _france_services_in(orientation: Orientation, commune: Commune | None, now: datetime) -> list[Place]:
    """The France Services permanences held in the commune itself (Mayet, Chenu…), if any."""
    if commune is None or "france-services" not in orientation.k.organismes:
        return []
    answer = orientation.orient(Need("organisme", "france-services", "France Services"), commune, now=now)
    return [place for place in answer.places if place.reason == "dans votre commune" and place.permanences]


def opening_hours_replies(orientation: Orientation, commune: Commune | None, organisme: str | None, now: datetime) -> list[Reply]:
    """France Services' opening hours, or one organisme's permanences."""
    if organisme and organisme in orientation.k.organismes:
        o = orientation.k.organismes[organisme]
        answer = orientation.orient(Need("organisme", organisme, o.nom), commune, now=now)
        replies = follow_up_replies(answer, "when")
        replies[0].text = f"{organisme_line(o)}\n" + replies[0].text
        return replies
    contact = orientation.contact(commune, now, count=5)
    if contact is None or not contact.opening:
        return [Reply("Je n'ai pas les horaires d'ouverture de votre France Services. " + contact_text(contact))]
    lines = [f"Prochaines ouvertures de {contact.reason} :"]
    for place in _france_services_in(orientation, commune, now) + [contact]:
        lines += _slots_lines(place)
    lines.append("Pour les permanences d'un organisme, dites par exemple « horaires de la CAF ».")
    return [Reply("\n".join(lines), [("Horaires de la CAF", payload("ask_opening_hours", organisme="caf")),
                                      ("Horaires de la CPAM", payload("ask_opening_hours", organisme="assurance-maladie")),
                                      HUMAN])]


def not_understood_replies(twice: bool, orientation: Orientation | None, commune: Commune | None, now: datetime) -> list[Reply]:
    if twice:
        text = "Je ne comprends toujours pas, désolé. Le mieux est d'en parler à un agent."
        if orientation is None:
            return [Reply(text), unavailable_reply()]
        return [Reply(text)] + human_contact_replies(orientation, commune, now)
    return [Reply("Je n'ai pas bien compris. Pouvez-vous dire votre démarche en quelques mots ? "
                  "Par exemple : « carte grise », « demande de RSA », « problème avec mon voisin ».",
                  [("Voir les démarches", "/greet"), ("Parler à quelqu'un", "/ask_human")])]


def ask_need_reply(before: str = "") -> Reply:
    return Reply(f"{before} Quelle est votre démarche ? Décrivez-la en quelques mots.".strip(), [("Voir les démarches", "/greet")])


def out_of_scope_reply() -> Reply:
    return Reply("Je ne peux pas vous aider pour cela : je vous oriente seulement dans vos démarches administratives "
                 "(retraite, papiers, santé, CAF, emploi, logement, impôts, justice, aide sociale, internet, état civil).",
                 [("Voir les démarches", "/greet"), HUMAN])


def privacy_reply() -> Reply:
    return Reply("Inutile de me donner vos numéros personnels (sécurité sociale, banque, téléphone) : je n'en ai pas "
                 "besoin, et je les efface de la conversation.")


def unavailable_reply() -> Reply:
    return Reply(unavailable_text())
