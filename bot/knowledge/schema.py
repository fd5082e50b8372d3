"""The knowledge schema: what administrators write in knowledge/*.yml (French keys).

Validation messages raised here are in French: they are shown to administrators as is.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.knowledge.hours import check_opening_hours, parse_time_range

THEMES = (
    "retraite",
    "ants",
    "sante",
    "logement",
    "emploi",
    "caf",
    "impots",
    "justice",
    "social",
    "numerique",
    "citoyennete",
)

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

_PHONE = re.compile(r"^(\d{4}|\d{2} \d{2}|0\d( \d{2}){4}|0 ?\d{3} \d{3} \d{3})$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

Identifiant = Annotated[str, Field(pattern=_ID.pattern, description="identifiant en minuscules, chiffres et tirets")]


class Strict(BaseModel):
    """Unknown keys are refused: a typo in a key must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


A_CONFIRMER = "a_confirmer"


class Provenance(Strict):
    source: str = Field(min_length=3, description="d'où vient l'information (URL, fiche, document) et sa version")
    verifie_le: date | Literal["a_confirmer"] = Field(
        description="date de la version de la source avec laquelle l'entrée a été comparée (AAAA-MM-JJ), "
                    "ou « a_confirmer » si elle n'a jamais été vérifiée",
    )
    a_confirmer: bool | str = Field(
        default=False,
        description="ce qui reste à confirmer (texte), ou true : l'entrée est affichée « à confirmer »",
    )

    @field_validator("verifie_le")
    @classmethod
    def _not_in_future(cls, value: date | str) -> date | str:
        if isinstance(value, date) and value > date.today():
            raise ValueError(f"la date de vérification {value.isoformat()} est dans le futur")
        return value

    def verified_on(self) -> date | None:
        """The date of the source version compared, or None when never verified."""
        return self.verifie_le if isinstance(self.verifie_le, date) else None

    def to_confirm(self) -> str | None:
        """Why this entry must be shown « à confirmer », or None when it is sourced and verified."""
        if isinstance(self.a_confirmer, str) and self.a_confirmer:
            return self.a_confirmer
        if self.a_confirmer:
            return "donnée non vérifiée"
        if self.verified_on() is None:
            return "jamais vérifiée auprès de sa source"
        return None


class Telephone(Strict):
    numero: str = Field(description="numéro tel qu'on le compose : « 3230 », « 02 43 00 00 00 »")
    note: str | None = Field(default=None, description="coût, horaires de la ligne")
    a_confirmer: bool = Field(default=False, description="vrai si le numéro n'a pas été vérifié dans une source officielle")

    @field_validator("numero")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError(
                f"numéro « {value} » mal écrit : attendu un numéro court (« 3230 ») "
                "ou dix chiffres groupés par deux (« 02 43 00 00 00 »)"
            )
        return value


def _check_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https://[^\s/]+\.[^\s]+$", value):
        raise ValueError(f"adresse web « {value} » invalide : elle doit commencer par https://")
    return value


# ---------------------------------------------------------------- schedules


class Ajout(Strict):
    date: date
    heures: list[str] = Field(min_length=1)
    note: str | None = None

    @field_validator("heures")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_time_range(item)
        return value


class Fermeture(Strict):
    du: date
    au: date
    motif: str | None = None

    @model_validator(mode="after")
    def _order(self) -> "Fermeture":
        if self.au < self.du:
            raise ValueError(f"fermeture : la date de fin ({self.au}) est avant la date de début ({self.du})")
        return self


class Regle(Strict):
    """One recurring rule: days, week parity or rank in the month, time ranges."""

    jours: list[Literal[JOURS]] = Field(min_length=1, description="jours de la semaine, en toutes lettres")  # type: ignore[valid-type]
    heures: list[str] = Field(min_length=1, description="plages horaires : « 9h-12h30 », « 14h-17h »")
    semaines: Literal["toutes", "paires", "impaires"] = Field(
        default="toutes", description="semaines ISO paires ou impaires (« jeudi pair »)"
    )
    rangs: list[Literal[1, 2, 3, 4, 5, -1]] | None = Field(
        default=None, description="rang du jour dans le mois : [1, 3] pour « 1er et 3e mardi », -1 pour le dernier"
    )
    note: str | None = Field(default=None, description="note propre à cette règle, par exemple « sur rendez-vous »")

    @field_validator("heures")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_time_range(item)
        return value

    @model_validator(mode="after")
    def _rank_or_parity(self) -> "Regle":
        if self.rangs and self.semaines != "toutes":
            raise ValueError("une règle ne peut pas combiner « rangs » (1er, 3e...) et semaines paires/impaires")
        return self


class Horaires(Strict):
    """A schedule in simple French fields, a raw OSM opening_hours string, or only a text.

    A text alone (« le mercredi de 9h à 12h, une semaine sur deux », week unknown) yields no
    date: the assistant shows it as is, to be confirmed, and never computes a slot from it.
    """

    regles: list[Regle] | None = Field(default=None, description="règles récurrentes")
    opening_hours: str | None = Field(default=None, description="règle OpenStreetMap brute, à la place de « regles »")
    texte: str | None = Field(
        default=None,
        description="horaires connus seulement en texte (semaine ou heure inconnue) : aucune date n'est calculée",
    )
    du: date | None = Field(default=None, description="début de validité")
    au: date | None = Field(default=None, description="fin de validité")
    jours_feries: Literal["fermé", "ouvert"] = "fermé"
    fermetures: list[Fermeture] = Field(default_factory=list, description="fermetures sur une période")
    sauf: list[date] = Field(default_factory=list, description="séances annulées (dates)")
    en_plus: list[Ajout] = Field(default_factory=list, description="séances exceptionnelles ajoutées")
    note: str | None = Field(default=None, description="par exemple « sur rendez-vous »")

    @model_validator(mode="after")
    def _one_form(self) -> "Horaires":
        if self.regles and self.opening_hours:
            raise ValueError("horaires : donnez soit « regles », soit « opening_hours » (l'un des deux, pas les deux)")
        if not (self.regles or self.opening_hours or self.texte):
            raise ValueError("horaires : donnez « regles », « opening_hours » ou, si les dates sont inconnues, « texte »")
        if self.du and self.au and self.au < self.du:
            raise ValueError(f"horaires : la fin de validité ({self.au}) est avant le début ({self.du})")
        return self

    @field_validator("opening_hours")
    @classmethod
    def _osm(cls, value: str | None) -> str | None:
        if value is not None:
            check_opening_hours(value)
        return value


# ---------------------------------------------------------------- entries


class Organisme(Provenance):
    id: Identifiant
    nom: str
    sigle: str | None = None
    alias: list[str] = Field(default_factory=list, description="autres noms, y compris les anciens (« Pôle emploi »)")
    themes: list[Literal[THEMES]] = Field(min_length=1)  # type: ignore[valid-type]
    partenaire: Literal["national", "local"] = Field(description="partenaire national ou local de France Services")
    partenaire_source: str | None = Field(
        default=None, description="d'où vient le statut de partenaire national (texte, « à confirmer » si non vérifié)"
    )
    missions: str
    telephone: Telephone | None = None
    site: str | None = None
    contact_en_ligne: str | None = Field(default=None, description="formulaire ou messagerie en ligne")
    portee: Literal["national", "departemental", "local"] = "national"

    @field_validator("site", "contact_en_ligne")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)


class Profil(Strict):
    """Profile facts that change the answer. Every given fact must hold."""

    regime_agricole: bool | None = None
    age_min: int | None = Field(default=None, ge=0, le=120)
    age_max: int | None = Field(default=None, ge=0, le=120)


class Condition(Strict):
    si: Profil
    organismes: list[Identifiant] = Field(min_length=1)
    remplace: bool = Field(default=True, description="faux si ces organismes s'ajoutent à ceux du cas général")
    note: str = Field(description="ce qui change, en une phrase")


class EnLigne(Strict):
    libelle: str
    url: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)


class Demarche(Provenance):
    id: Identifiant
    theme: Literal[THEMES]  # type: ignore[valid-type]
    titre: str
    fiche: str | None = Field(
        default=None, pattern=r"^[FNR]\d+$",
        description="fiche service-public.fr « Vos droits et démarches » de référence (F1234)",
    )
    mots: list[str] = Field(min_length=1, description="les mots des usagers, y compris les anciens noms")
    exemples: list[str] = Field(
        default_factory=list,
        description="phrases d'usagers qui demandent cette démarche, telles qu'ils les écrivent (compréhension sans réentraînement)",
    )
    organismes: list[Identifiant] = Field(min_length=1, description="qui s'en occupe, dans le cas général")
    conditions: list[Condition] = Field(default_factory=list)
    information: str = Field(min_length=20, description="2 à 4 phrases courtes, en français simple")
    pieces: list[str] = Field(default_factory=list, description="documents à apporter")
    en_ligne: EnLigne | None = None
    cout: str | None = None
    aide_france_services: bool = True
    lieu_utile: bool = Field(default=True, description="faux si la démarche se fait sans se déplacer")

    @field_validator("pieces", "mots", "exemples")
    @classmethod
    def _balanced(cls, value: list[str]) -> list[str]:
        for item in value:
            if item.count("(") != item.count(")"):
                raise ValueError(
                    f"élément « {item} » : parenthèse non refermée ; dans une liste entre crochets, une virgule "
                    "sépare deux éléments : mettez l'élément entre guillemets"
                )
        return value

    @field_validator("information")
    @classmethod
    def _short(cls, value: str) -> str:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", value.strip()) if s]
        if len(sentences) > 4:
            raise ValueError(f"information : {len(sentences)} phrases, 4 au plus (réponse de premier niveau)")
        return value


class Coordonnees(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Lieu(Provenance):
    id: Identifiant
    nom: str
    type: Literal["france_services", "mairie", "antenne", "bus", "organisme", "autre"]
    adresse: str | None = None
    commune: str = Field(description="code INSEE de la commune")
    coordonnees: Coordonnees | None = None
    telephone: Telephone | None = None
    courriel: str | None = None
    site: str | None = None
    horaires: Horaires | None = Field(default=None, description="heures d'ouverture du lieu")
    accessibilite: str | None = None
    id_fs: int | None = Field(default=None, description="identifiant de la structure dans la liste nationale de l'ANCT "
                              "(le lieu décrit ici remplace celui de la liste)")
    rendez_vous: bool | None = Field(default=None, description="vrai si l'on peut y prendre rendez-vous")
    format: str | None = Field(default=None, description="fixe, multisites, bus, itinérante…")
    commentaire: str | None = Field(default=None, description="texte libre de la source (tournées, permanences), "
                                    "montré tel quel « à confirmer auprès du lieu »")

    @field_validator("site")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _check_url(value)


class Permanence(Provenance):
    id: Identifiant
    organisme: Identifiant
    lieu: Identifiant
    horaires: Horaires
    acces: Literal["sur rendez-vous", "sans rendez-vous", "avec ou sans rendez-vous"]
    reservation: str | None = Field(default=None, description="comment prendre rendez-vous")
    themes: list[Literal[THEMES]] | None = Field(default=None, description="si la permanence ne couvre qu'une partie")  # type: ignore[valid-type]


class Commune(Strict):
    insee: str = Field(pattern=r"^(\d{5}|2[AB]\d{3})$")
    nom: str
    codes_postaux: list[str] = Field(min_length=1)
    epci: str | None = None
    population: int | None = None
    france_services: Identifiant | None = Field(default=None, description="lieu France Services de rattachement")
    departement: str | None = None
    coordonnees: Coordonnees | None = Field(default=None, description="position de la mairie")

    @field_validator("codes_postaux")
    @classmethod
    def _postcodes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"\d{5}", code):
                raise ValueError(f"code postal « {code} » : cinq chiffres attendus")
        return value


class Territoire(Provenance):
    id: Identifiant
    nom: str
    epci: str | None = Field(default=None, description="SIREN de l'intercommunalité")
    departement: str | None = None
    france_services: Identifiant = Field(description="lieu France Services principal, contact par défaut")


# ---------------------------------------------------------------- files


class FichierOrganismes(Strict):
    organismes: list[Organisme]


class FichierDemarches(Strict):
    demarches: list[Demarche]


class FichierTerritoire(Strict):
    territoire: Territoire
    lieux: list[Lieu] = Field(default_factory=list)
    permanences: list[Permanence] = Field(default_factory=list)


class FichierCommunes(Strict):
    source: str
    importe_le: date
    communes: list[Commune]


FILE_KINDS: dict[str, type[Strict]] = {
    "organismes": FichierOrganismes,
    "demarches": FichierDemarches,
    "territoire": FichierTerritoire,
    "communes": FichierCommunes,
}


class FichierConnaissances(Strict):
    """Union of every knowledge file, for the editor's JSON Schema."""

    organismes: list[Organisme] | None = None
    demarches: list[Demarche] | None = None
    territoire: Territoire | None = None
    lieux: list[Lieu] | None = None
    permanences: list[Permanence] | None = None
    source: str | None = None
    importe_le: date | None = None
    communes: list[Commune] | None = None
