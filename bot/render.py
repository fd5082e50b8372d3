"""Answers as French text (agents, terminal) and as plain dicts (JSON, actions, console)."""

from __future__ import annotations

from bot.knowledge.schema import Lieu, Organisme, Provenance
from bot.orientation import FALLBACK_PHONE, Answer, Place
from bot.schedule import Slot

TO_CONFIRM = "à confirmer"


def confirm_flag(entry: Provenance) -> str:
    if not entry.a_confirmer:
        return ""
    detail = entry.a_confirmer if isinstance(entry.a_confirmer, str) else "donnée d'exemple"
    return f" ({TO_CONFIRM} : {detail})"


def organisme_contact(o: Organisme) -> str:
    parts = []
    if o.telephone:
        parts.append(f"tél. {o.telephone.numero}" + (f" ({o.telephone.note})" if o.telephone.note else ""))
    if o.site:
        parts.append(o.site)
    return ", ".join(parts) if parts else "coordonnées non renseignées"


def lieu_line(lieu: Lieu, commune: str | None) -> str:
    where = ", ".join(x for x in (lieu.adresse, commune) if x) or "adresse non renseignée"
    phone = f", tél. {lieu.telephone.numero}" if lieu.telephone else ""
    return f"{lieu.nom} — {where}{phone}"


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
        "a_confirmer": lieu.a_confirmer or None,
        "ouverture": [slot_dict(s) for s in place.opening],
        "permanences": [
            {
                "id": ps.permanence.id,
                "organisme": ps.organisme.id,
                "organisme_nom": ps.organisme.nom,
                "acces": ps.permanence.acces,
                "reservation": ps.permanence.reservation,
                "a_confirmer": ps.permanence.a_confirmer or None,
                "prochaines_seances": [slot_dict(s) for s in ps.slots],
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
            "source": d.source, "verifie_le": d.verifie_le.isoformat(), "a_confirmer": d.a_confirmer or None,
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
        lines += [f"  • {o.nom} — {organisme_contact(o)}" for o in answer.organismes]
    lines += [f"À savoir : {note}" for note in answer.notes]
    if answer.places:
        lines.append("Où et quand :")
    for place in answer.places:
        head = lieu_line(place.lieu, place.commune)
        extra = ", ".join(x for x in (place.reason, f"{place.distance_km} km" if place.distance_km is not None else "") if x)
        lines.append(f"  ▸ {head}" + (f" ({extra})" if extra else "") + confirm_flag(place.lieu))
        if place.opening:
            lines.append("    Accueil France Services, aide à la démarche" + confirm_flag(place.lieu))
            lines += [f"      - {slot.label()}" for slot in place.opening]
        for ps in place.permanences:
            lines.append(f"    {ps.organisme.sigle or ps.organisme.nom}, {ps.permanence.acces}{confirm_flag(ps.permanence)}")
            if ps.slots:
                lines += [f"      - {slot.label()}" + (f" ({slot.note})" if slot.note else "") for slot in ps.slots]
            else:
                lines.append("      - aucune séance prévue dans l'année")
            if ps.permanence.reservation:
                lines.append(f"      Rendez-vous : {ps.permanence.reservation}")
    for item in answer.missing:
        lines.append(f"Non renseigné : {item}.")
    lines.append(contact_text(answer.contact))
    return "\n".join(lines)


def contact_text(contact: Place | None) -> str:
    if contact is None:
        return f"Contact : {FALLBACK_PHONE[1]}, {FALLBACK_PHONE[0]}."
    text = f"Votre France Services : {lieu_line(contact.lieu, contact.commune)}{confirm_flag(contact.lieu)}."
    if contact.opening:
        text += " Prochaines ouvertures : " + " ; ".join(s.label() for s in contact.opening) + "."
    if not contact.lieu.telephone:
        text += f" Téléphone non renseigné : {FALLBACK_PHONE[1]}, {FALLBACK_PHONE[0]}."
    return text
