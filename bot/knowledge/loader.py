"""Read a knowledge directory: YAML with line numbers -> validated, cross-checked Knowledge.

Every error is collected (not only the first), each with its file, line and a French
message saying what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from rapidfuzz import process
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.knowledge import schema as s


@dataclass(frozen=True, order=True)
class KnowledgeError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} : {self.message}"


class KnowledgeInvalid(Exception):
    def __init__(self, errors: list[KnowledgeError]):
        super().__init__(f"{len(errors)} erreur(s) dans les connaissances")
        self.errors = errors


@dataclass
class Knowledge:
    organismes: dict[str, s.Organisme] = field(default_factory=dict)
    demarches: dict[str, s.Demarche] = field(default_factory=dict)
    territoires: dict[str, s.Territoire] = field(default_factory=dict)
    lieux: dict[str, s.Lieu] = field(default_factory=dict)
    permanences: dict[str, s.Permanence] = field(default_factory=dict)
    communes: dict[str, s.Commune] = field(default_factory=dict)
    # (kind, id) -> (file, line), to point administrators at the right place
    origins: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    # lieu id -> territoire id
    lieu_territoire: dict[str, str] = field(default_factory=dict)
    # (kind, id) -> {field: line}, so that a bad reference points at its own line
    field_lines: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    KINDS = ("organismes", "demarches", "territoires", "lieux", "permanences", "communes")

    def entries(self, kind: str) -> dict[str, BaseModel]:
        return getattr(self, kind)


_FIELD_NAMES = sorted({name for model in vars(s).values() if isinstance(model, type) and issubclass(model, BaseModel) for name in model.model_fields})
_TOP_KEYS = tuple(s.FILE_KINDS)  # the top-level key that tells a file's kind


class _DatesAsText(RoundTripConstructor):
    """Dates stay text: pydantic parses them and reports an impossible date with its line."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _DatesAsText
    yaml.allow_duplicate_keys = False
    return yaml


def _line_of(node: Any, loc: tuple) -> int:
    """1-based line of the deepest element of `loc` found in the ruamel tree."""
    line = 0
    for step in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(step, int) and isinstance(node, list):
                if lc is not None:
                    line = lc.item(step)[0]
                node = node[step]
            elif isinstance(node, dict) and step in node:
                if lc is not None:
                    line = lc.key(step)[0]
                node = node[step]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line + 1


def _readable_loc(data: Any, loc: tuple) -> str:
    parts, node = [], data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            ident = node.get("id") if isinstance(node, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''} n°{step + 1}" + (f" (id « {ident} »)" if ident else "")]
        elif isinstance(node, dict):
            parts.append(str(step))
            node = node.get(step)
        else:
            parts.append(str(step))
    return " › ".join(p.strip() for p in parts)


def _french(error: dict) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    last = next((str(step) for step in reversed(error["loc"]) if isinstance(step, str)), "")
    shown = value if isinstance(value, (str, int, float, bool)) else None
    if kind == "missing":
        return f"champ obligatoire « {last} » manquant"
    if kind == "extra_forbidden":
        guess = process.extractOne(last, _FIELD_NAMES, score_cutoff=75)
        hint = f" (vouliez-vous dire « {guess[0]} » ?)" if guess else ""
        return f"champ inconnu « {last} »{hint}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " ou ")
        return f"valeur « {shown} » non reconnue pour « {last} » : attendu {expected}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"):
        return f"« {last} » : date attendue au format AAAA-MM-JJ (reçu « {shown} »)"
    if kind == "string_type":
        return f"« {last} » : texte attendu (reçu « {shown} »)" if shown is not None else f"« {last} » : texte attendu"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"« {last} » : nombre entier attendu (reçu « {shown} »)"
    if kind in ("float_type", "float_parsing"):
        return f"« {last} » : nombre attendu (reçu « {shown} »)"
    if kind in ("bool_type", "bool_parsing"):
        return f"« {last} » : oui ou non attendu (true / false), reçu « {shown} »"
    if kind == "list_type":
        return f"« {last} » : liste attendue (une ligne « - valeur » par élément)"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"« {last} » : bloc de champs attendu (« clé: valeur » sur les lignes suivantes, en retrait)"
    if kind == "string_pattern_mismatch":
        if last in ("id", "organisme", "lieu", "france_services") or isinstance(error["loc"][-1], int):
            return f"identifiant « {shown} » invalide : lettres minuscules sans accent, chiffres et tirets"
        return f"« {last} » : « {shown} » n'a pas le format attendu"
    if kind == "too_short":
        if isinstance(value, str):
            return f"« {last} » : texte trop court"
        return f"« {last} » : au moins {ctx.get('min_length', 1)} élément(s) attendu(s)"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"« {last} » : valeur {shown} hors des limites permises"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"« {last} » : {error['msg']}"


def _validate_file(path: Path, label: str, errors: list[KnowledgeError]) -> tuple[str, Any, BaseModel] | None:
    try:
        data = _yaml().load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or "syntaxe YAML invalide"
        if "found duplicate key" in str(error):
            key = re.search(r'duplicate key "([^"]*)"', str(error))
            problem = "clé en double dans le même bloc" + (f" : « {key[1]} »" if key else "")
        elif "\\t" in problem or "\t" in problem:
            problem = "tabulation interdite en YAML : indentez avec des espaces"
        else:
            problem = f"YAML illisible ({problem}) : vérifiez l'indentation, les « : » et les guillemets"
        errors.append(KnowledgeError(label, line, problem))
        return None
    except (YAMLError, UnicodeDecodeError) as error:
        errors.append(KnowledgeError(label, 1, f"fichier illisible : {error}"))
        return None
    if not isinstance(data, dict):
        errors.append(KnowledgeError(label, 1, "fichier vide ou sans bloc « clé: valeur » au premier niveau"))
        return None
    kind = next((k for k in _TOP_KEYS if k in data), None)
    if kind is None:
        expected = ", ".join(f"« {k} »" for k in _TOP_KEYS)
        errors.append(KnowledgeError(label, 1, f"type de fichier non reconnu : une clé de premier niveau parmi {expected} est attendue"))
        return None
    try:
        model = s.FILE_KINDS[kind].model_validate(dict(data))
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            where = _readable_loc(data, loc)
            errors.append(KnowledgeError(label, _line_of(data, loc), f"{where} : {_french(item)}" if where else _french(item)))
        return None
    return kind, data, model


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_directory(root: str | Path) -> Knowledge:
    """Validated knowledge, or KnowledgeInvalid carrying every error found."""
    root = Path(root)
    errors: list[KnowledgeError] = []
    if not root.is_dir():
        raise KnowledgeInvalid([KnowledgeError(str(root), 0, "dossier de connaissances introuvable")])
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())
    if not files:
        raise KnowledgeInvalid([KnowledgeError(str(root), 0, "aucun fichier .yml dans ce dossier")])
    knowledge = Knowledge()
    broken: set[str] = set()  # kinds with a file that failed: their references are not checked
    for path in files:
        label = _relative(path, root)
        parsed = _validate_file(path, label, errors)
        if parsed:
            _collect(knowledge, label, *parsed, errors)
        else:
            broken.add(_kind_guess(path))
    _cross_check(knowledge, errors, broken)
    if errors:
        raise KnowledgeInvalid(sorted(set(errors)))
    return knowledge


def _add(knowledge: Knowledge, kind: str, key: str, entry: BaseModel, where: tuple[str, int], errors: list[KnowledgeError], node: Any = None) -> None:
    store = knowledge.entries(kind)
    if key in store:
        first = knowledge.origins[(kind, key)]
        errors.append(KnowledgeError(where[0], where[1], f"identifiant « {key} » déjà utilisé ({first[0]}, ligne {first[1]})"))
        return
    store[key] = entry
    knowledge.origins[(kind, key)] = where
    if isinstance(node, dict) and hasattr(node, "lc"):
        knowledge.field_lines[(kind, key)] = {name: node.lc.key(name)[0] + 1 for name in node}


def _collect(knowledge: Knowledge, label: str, kind: str, data: Any, model: BaseModel, errors: list[KnowledgeError]) -> None:
    if kind == "territoire":
        terr = model.territoire
        _add(knowledge, "territoires", terr.id, terr, (label, _line_of(data, ("territoire",))), errors, data["territoire"])
        for i, lieu in enumerate(model.lieux):
            _add(knowledge, "lieux", lieu.id, lieu, (label, _line_of(data, ("lieux", i))), errors, data["lieux"][i])
            knowledge.lieu_territoire[lieu.id] = terr.id
        for i, perm in enumerate(model.permanences):
            _add(knowledge, "permanences", perm.id, perm, (label, _line_of(data, ("permanences", i))), errors, data["permanences"][i])
        return
    for i, entry in enumerate(getattr(model, kind)):
        key = entry.insee if kind == "communes" else entry.id
        _add(knowledge, kind, key, entry, (label, _line_of(data, (kind, i))), errors, data[kind][i])


def _kind_guess(path: Path) -> str:
    """The kind a broken file probably holds, from its first top-level key."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = re.search(rf"^({'|'.join(_TOP_KEYS)})\s*:", text, re.MULTILINE)
    return {"territoire": "lieux"}.get(found[1], found[1]) if found else "inconnu"


def _cross_check(k: Knowledge, errors: list[KnowledgeError], broken: set[str] = frozenset()) -> None:
    pools = {"organisme": "organismes", "lieu": "lieux", "code INSEE": "communes"}

    def missing(kind: str, key: str, field_name: str, ref_kind: str, ref: str, hint_pool) -> None:
        if pools.get(ref_kind) in broken or "inconnu" in broken:
            return
        file, line = k.origins[(kind, key)]
        line = k.field_lines.get((kind, key), {}).get(field_name, line)
        guess = process.extractOne(ref, list(hint_pool), score_cutoff=70)
        hint = f" (vouliez-vous dire « {guess[0]} » ?)" if guess else ""
        errors.append(KnowledgeError(file, line, f"« {key} » › {field_name} : {ref_kind} « {ref} » inconnu{hint}"))

    for key, d in k.demarches.items():
        for ref in d.organismes + [o for c in d.conditions for o in c.organismes]:
            if ref not in k.organismes:
                missing("demarches", key, "organismes", "organisme", ref, k.organismes)
    for key, p in k.permanences.items():
        if p.organisme not in k.organismes:
            missing("permanences", key, "organisme", "organisme", p.organisme, k.organismes)
        if p.lieu not in k.lieux:
            missing("permanences", key, "lieu", "lieu", p.lieu, k.lieux)
    for key, lieu in k.lieux.items():
        if k.communes and lieu.commune not in k.communes:
            missing("lieux", key, "commune", "code INSEE", lieu.commune, k.communes)
    for key, c in k.communes.items():
        if c.france_services and c.france_services not in k.lieux:
            missing("communes", key, "france_services", "lieu", c.france_services, k.lieux)
    for key, t in k.territoires.items():
        lieu = k.lieux.get(t.france_services)
        if lieu is None:
            missing("territoires", key, "france_services", "lieu", t.france_services, k.lieux)
        elif lieu.type != "france_services":
            file, line = k.origins[("territoires", key)]
            errors.append(KnowledgeError(file, line, f"« {key} » › france_services : le lieu « {lieu.id} » n'est pas de type france_services"))
