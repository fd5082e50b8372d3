"""Answers as French text (agents, terminal) and as plain dicts (JSON, actions, console)."""

from __future__ import annotations

from bot.knowledge.schema import Lieu, Organisme, Provenance
from bot.fallback import FALLBACK_PHONE
from bot.orientation import Answer, PermanenceSlots, Place
from bot.schedule import Slot
from bot.understanding.text import normalize

TO_CONFIRM = "à confirmer"


def confirm_flag(entry: Provenance) -> str:
    """' (à confirmer : …)' for an entry that is not sourced and verified, else ''."""
    detail = entry.to_confirm()
    return f" ({TO_CONFIRM} : {detail})" if detail else ""


def organisme_contact(o: Organisme) -> str:
    parts = []
    if o.telephone:
        notes = [n for n in (o.telephone.note, f"numéro {TO_CONFIRM}" if o.telephone.a_confirmer else None) if n]
        parts.append(f"tél. {o.telephone.numero}" + (f" ({', '.join(notes)})" if notes else ""))
    if o.site:
        parts.append(o.site)
    return ", ".join(parts) if parts else "coordonnées non renseignées"


def lieu_line(lieu: Lieu, commune: str | None) -> str:
    said = commune and lieu.adresse and normalize(lieu.adresse).endswith(normalize(commune))  # « …, 29200 Brest »
    where = ", ".join(x for x in (lieu.adresse, None if said else commune) if x) or "adresse non renseignée"
    phone = f", tél. {lieu.telephone.numero}" if lieu.telephone else ""
    return f"{lieu.nom} — {where}{phone}"


def place_heading(place: Place) -> str:
    """« France Services … — adresse, tél. … (votre France Services, à 12 km à vol d'oiseau) »."""
    why = ", ".join(x for x in (place.reason, distance_text(place.distance_km) if place.reason != "dans votre commune" else "") if x)
    return lieu_line(place.lieu, place.commune) + (f" ({why})" if why else "") + confirm_flag(place.lieu)


def distance_text(km: float | None) -> str:
    """« à 2,1 km à vol d'oiseau », « à 12 km à vol d'oiseau »: the straight line, not the road."""
    if km is None:
        return ""
    return (f"à {km:.1f} km".replace(".", ",") if km < 10 else f"à {round(km)} km") + " à vol d'oiseau"


def lieu_notes(lieu: Lieu) -> list[str]:
    """What the source says in free text (rounds, permanences elsewhere), to be confirmed, and the source of a place
    from the national list (its licence asks for it)."""
    notes = []
    if lieu.commentaire:
        notes.append(f"À confirmer auprès de la France Services : « {' '.join(lieu.commentaire.split())} »")
    if lieu.id_fs is not None:
        notes.append(f"Source : {source_of(lieu)}")
    return notes


def source_of(lieu: Lieu) -> str:
    """« ANCT, liste des structures France Services, 1er août 2024 »: the source and its date, without its ids."""
    return lieu.source.split(" (")[0]


def session_lines(ps: PermanenceSlots, count: int = 3) -> list[str]:
    """The next sessions of a permanence, or its schedule text when no date can be computed."""
    if ps.slots:
        return [slot.label() + (f" ({slot.note})" if slot.note else "") for slot in ps.slots[:count]]
    if ps.text:
        return [f"{ps.text} (dates {TO_CONFIRM} auprès de la France Services)"]
    return ["aucune séance prévue dans l'année"]


def slot_dict(slot: Slot) -> dict:
    return {"debut": slot.debut.isoformat(), "fin": slot.fin.isoformat(), "libelle": slot.label(), "note": slot.note or None}


def place_dict(place: Place) -> dict:
    lieu = place.lieu
    return {
        "lieu": lieu.id,
        "nom": lieu.nom,
        "type": lieu.type,
        "commune": place.commune,
        "adresse": lieu.adresse,
        "telephone": lieu.telephone.numero if lieu.telephone else None,
        "raison": place.reason or None,
        "distance_km": place.distance_km,
        "a_confirmer": lieu.to_confirm(),
        "commentaire": lieu.commentaire,
        "rendez_vous": lieu.rendez_vous,
        "source": lieu.source,
        "ouverture": [slot_dict(s) for s in place.opening],
        "permanences": [
            {
                "id": ps.permanence.id,
                "organisme": ps.organisme.id,
                "organisme_nom": ps.organisme.nom,
                "acces": ps.permanence.acces,
                "reservation": ps.permanence.reservation,
                "a_confirmer": ps.permanence.to_confirm(),
                "prochaines_seances": [slot_dict(s) for s in ps.slots],
                "horaires_texte": ps.text,
            }
            for ps in place.permanences
        ],
    }


def answer_dict(answer: Answer) -> dict:
    d = answer.demarche
    return {
        "besoin": None if answer.need is None else {"type": answer.need.kind, "id": answer.need.key, "libelle": answer.need.label},
        "commune": None if answer.commune is None else {"insee": answer.commune.insee, "nom": answer.commune.nom},
        "demarche": None if d is None else {
            "id": d.id, "titre": d.titre, "theme": d.theme, "information": d.information, "pieces": d.pieces,
            "en_ligne": d.en_ligne.model_dump() if d.en_ligne else None, "cout": d.cout,
            "source": d.source, "fiche": d.fiche, "verifie_le": str(d.verifie_le), "a_confirmer": d.to_confirm(),
        },
        "demarches": [{"id": x.id, "titre": x.titre} for x in answer.demarches],
        "organismes": [
            {"id": o.id, "nom": o.nom, "telephone": o.telephone.numero if o.telephone else None, "site": o.site}
            for o in answer.organismes
        ],
        "a_savoir": answer.notes,
        "lieux": [place_dict(p) for p in answer.places],
        "contact": place_dict(answer.contact) if answer.contact else None,
        "manque": answer.missing,
    }


def answer_text(answer: Answer) -> str:
    lines: list[str] = []
    d = answer.demarche
    if answer.need is None:
        lines.append("Je ne trouve pas cette démarche dans mes connaissances.")
    elif d is not None:
        lines += [f"■ {d.titre}{confirm_flag(d)}", d.information.strip()]
        if d.pieces:
            lines.append("À apporter : " + " ; ".join(d.pieces) + ".")
        if d.en_ligne:
            lines.append(f"En ligne : {d.en_ligne.libelle} — {d.en_ligne.url}")
    else:
        lines.append(f"■ {answer.need.label}")
        if answer.demarches:
            lines.append("Démarches : " + " ; ".join(x.titre for x in answer.demarches) + ".")
    if answer.organismes:
        lines.append("Qui s'en occupe :")
        lines += [f"  • {o.nom} — {organisme_contact(o)}{confirm_flag(o)}" for o in answer.organismes]
    lines += [f"À savoir : {note}" for note in answer.notes]
    if answer.places:
        lines.append("Où et quand :")
    for place in answer.places:
        lines.append(f"  ▸ {place_heading(place)}")
        lines += [f"    {note}" for note in lieu_notes(place.lieu)]
        if place.opening:
            lines.append(f"    {place.opening_label}" + (", aide à la démarche" if place.lieu.type != "mairie" else "") + confirm_flag(place.lieu))
            lines += [f"      - {slot.label()}" + (f" ({slot.note})" if slot.note else "") for slot in place.opening]
        for ps in place.permanences:
            lines.append(f"    {ps.organisme.sigle or ps.organisme.nom}, {ps.permanence.acces}{confirm_flag(ps.permanence)}")
            lines += [f"      - {line}" for line in session_lines(ps, len(ps.slots) or 1)]
            if ps.permanence.reservation:
                lines.append(f"      Rendez-vous : {ps.permanence.reservation}")
    for item in answer.missing:
        lines.append(f"Non renseigné : {item}.")
    lines.append(contact_text(answer.contact))
    return "\n".join(lines)


def contact_text(contact: Place | None) -> str:
    if contact is None:
        return f"Contact : {FALLBACK_PHONE[1]}, {FALLBACK_PHONE[0]}."
    text = f"{contact.reason[:1].upper()}{contact.reason[1:]} : {lieu_line(contact.lieu, contact.commune)}{confirm_flag(contact.lieu)}."
    if contact.opening:
        text += " Prochaines ouvertures : " + " ; ".join(s.label() for s in contact.opening) + "."
    if not contact.lieu.telephone:
        text += f" Téléphone non renseigné : {FALLBACK_PHONE[1]}, {FALLBACK_PHONE[0]}."
    if contact.lieu.id_fs is not None:
        text += f" Source : {source_of(contact.lieu)}."
    return text
