"""Distress and danger: the right French emergency number first, then the others.

Matching is on words, not on the NLU's intent alone: the intent says "distress", the
words say which number. When nothing specific is recognised, 112 and 3114 come first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.text import normalize


@dataclass(frozen=True)
class Emergency:
    number: str
    name: str
    when: str
    words: tuple[str, ...]


# Order matters: the first service whose words appear in the message is given first.
SERVICES = (
    Emergency("3114", "numéro national de prévention du suicide", "idées suicidaires, détresse psychique, 24h/24",
              ("suicid", "en finir", "plus vivre", "me tuer", "idees noires", "mourir", "disparaitre", "plus envie de vivre")),
    Emergency("119", "Allô Enfance en danger", "un enfant en danger ou maltraité, 24h/24",
              ("enfant", "bebe", "mineur", "fille est", "fils est", "maltraite ses", "gamin", "gosse", "petite soeur",
               "petit frere", "ans se fait", "son fils", "sa fille", "ma fille de", "mon fils de", "attouchement",
               "inceste", "la touche", "le touche")),
    Emergency("3919", "Violences Femmes Info", "violences conjugales ou sexuelles, anonyme et gratuit, 24h/24",
              ("frappe", "violent", "violence", "bat ", "battue", "cogne", "viol", "peur de rentrer", "conjoint", "mari me",
               "me tape", "tape dessus", "gifle", "copain me", "compagnon me", "ex me")),
    Emergency("3977", "maltraitance des personnes âgées et handicapées", "",
              ("maison de retraite", "ehpad", "personne agee", "mere agee", "pere age", "handicape maltraite")),
    Emergency("115", "Samu social", "sans abri, pas d'endroit où dormir, 24h/24",
              ("rue", "dehors", "dormir", " dors ", "sans abri", "sdf", "expulse ce soir", "nulle part", "ou aller ce soir",
               "dans ma voiture", "sans toit")),
    Emergency("18", "pompiers", "incendie, accident, personne à secourir",
              ("feu", "incendie", "brule", "fumee", "accident")),
    Emergency("15", "SAMU", "urgence médicale",
              ("malaise", "overdose", "respire", "inconscient", "saigne", "douleur", "medicament", "crise")),
    Emergency("17", "police ou gendarmerie", "danger immédiat, agression, menace",
              ("danger", "menace", "agress", "poursuit", "arme", "vole", "cambriol")),
)
GENERAL = Emergency("112", "numéro d'urgence européen", "toute urgence, depuis n'importe quel téléphone", ())
DEAF = Emergency("114", "urgences pour les personnes sourdes ou malentendantes", "par SMS ou application", ())


# Words that say distress whatever the NLU guessed: the emergency numbers come first.
DISTRESS = ("suicid", "en finir", "me tuer", "idees noires", "plus envie de vivre", "me frappe", "se fait frapper",
            "me bat ", "bat son", "battue", "me tape", "tape dessus", "maltraite", "viol", "dors dehors", "dormir dehors",
            "a la rue ce soir", "dors dans ma voiture", "nulle part ou dormir", "sans abri ce soir", "attouchement",
            "inceste", "abus sexuel", "agression sexuelle")
# « le voisin frappe ses enfants », « son beau-père la touche »: someone hurting someone else (not « tape »:
# « je tape mon mot de passe »; « maltraite » is in DISTRESS already).
_HURTS = re.compile(r"\b(?:frappe\w*|bat|battu\w*|cogne\w*) (?:ses|son|sa|mes|mon|ma|les|leur|leurs|nos|notre)\b"
                    r"|\b(?:pere|oncle|frere|cousin|voisin|prof|professeur|entraineur|copain|compagnon|mari) (?:la|le|me|les) touche\b")


def is_distress(text: str) -> bool:
    plain = f" {normalize(text)} "
    return any(word in plain for word in DISTRESS) or bool(_HURTS.search(plain))


def emergencies_for(text: str) -> list[Emergency]:
    """The numbers to give, most specific first; never empty."""
    plain = f" {normalize(text)} "
    found = [e for e in SERVICES if any(word in plain for word in e.words)]
    if not found:
        found = [GENERAL, SERVICES[0]]
    rest = [GENERAL, DEAF] if GENERAL not in found else [DEAF]
    return found + rest


def emergency_text(text: str) -> str:
    first, *others = emergencies_for(text)
    lines = [f"Si vous êtes en danger ou si quelqu'un l'est, appelez tout de suite le {first.number} ({first.name}"
             + (f" : {first.when}" if first.when else "") + ")."]
    lines += [f"• {e.number} : {e.name}" + (f" ({e.when})" if e.when else "") for e in others]
    lines.append("Ces numéros sont gratuits. Je suis un assistant automatique : je ne peux pas alerter les secours à votre place.")
    return "\n".join(lines)
