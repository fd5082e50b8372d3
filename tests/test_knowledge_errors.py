"""Administrators' mistakes: every error, in French, with its file and line."""

import subprocess
import sys

import pytest

from bot.knowledge.loader import KnowledgeInvalid, load_directory

ORGANISMES = """
organismes:
  - id: caf
    nom: CAF
    themes: [caf]
    partenaire: national
    missions: Prestations familiales.
    telephone: {numero: "3230"}
    site: https://www.caf.fr
    source: test
    verifie_le: 2026-01-01
"""
DEMARCHES = """
demarches:
  - id: rsa
    theme: caf
    titre: RSA
    mots: [rsa]
    organismes: [caf]
    information: Le RSA garantit un revenu minimum. Faites la demande en ligne.
    source: test
    verifie_le: 2026-01-01
"""
TERRITOIRE = """
territoire:
  id: t
  nom: Territoire
  france_services: fs
  source: test
  verifie_le: 2026-01-01
lieux:
  - id: fs
    nom: France Services
    type: france_services
    commune: "72176"
    source: test
    verifie_le: 2026-01-01
permanences:
  - id: caf-fs
    organisme: caf
    lieu: fs
    acces: sur rendez-vous
    horaires:
      regles:
        - jours: [mardi]
          heures: [9h-12h]
    source: test
    verifie_le: 2026-01-01
"""
COMMUNES = """
source: test
importe_le: 2026-01-01
communes:
  - insee: "72176"
    nom: Le Lude
    codes_postaux: ["72800"]
    france_services: fs
"""


ORIGINALS = {"organismes.yml": ORGANISMES, "demarches.yml": DEMARCHES, "t/territoire.yml": TERRITOIRE, "t/communes.yml": COMMUNES}


def tree(write_tree, replace: dict[str, str] | None = None):
    """The minimal valid tree, with some files' texts replaced."""
    return write_tree({**ORIGINALS, **(replace or {})})


def errors_of(root):
    with pytest.raises(KnowledgeInvalid) as caught:
        load_directory(root)
    return caught.value.errors


def test_the_minimal_tree_is_valid(write_tree):
    k = load_directory(tree(write_tree))
    assert list(k.permanences) == ["caf-fs"]


CASES = [
    # (what is broken, file, original text, broken text, expected line, expected words)
    ("syntax: missing colon", "organismes.yml", "    nom: CAF", "    nom CAF\n    x: [", 4, "YAML illisible"),
    ("tab indentation", "demarches.yml", "    titre: RSA", "\ttitre: RSA", 4, "tabulation"),
    ("duplicate key", "demarches.yml", "    titre: RSA", "    titre: RSA\n    titre: Autre", 5, "clé en double"),
    ("unknown key with suggestion", "demarches.yml", "    titre: RSA", "    titre: RSA\n    piece: [RIB]", 5, "champ inconnu « piece » (vouliez-vous dire « pieces » ?)"),
    ("missing required field", "organismes.yml", "    missions: Prestations familiales.\n", "", 2, "champ obligatoire « missions » manquant"),
    ("bad date", "organismes.yml", "verifie_le: 2026-01-01", "verifie_le: 2026-13-45", 10, "date attendue au format AAAA-MM-JJ"),
    ("unknown weekday", "t/territoire.yml", "jours: [mardi]", "jours: [mardy]", 21, "valeur « mardy » non reconnue"),
    ("bad time range", "t/territoire.yml", "heures: [9h-12h]", "heures: [12h-9h]", 22, "la fin doit être après le début"),
    ("bad phone", "organismes.yml", 'numero: "3230"', 'numero: "32-30"', 7, "numéro « 32-30 » mal écrit"),
    ("url without https", "organismes.yml", "https://www.caf.fr", "www.caf.fr", 8, "doit commencer par https://"),
    ("unknown organisme reference", "demarches.yml", "organismes: [caf]", "organismes: [cafe]", 6, "organisme « cafe » inconnu (vouliez-vous dire « caf » ?)"),
    ("unknown lieu reference", "t/territoire.yml", "    lieu: fs", "    lieu: fs2", 17, "lieu « fs2 » inconnu"),
    ("invalid id", "demarches.yml", "id: rsa", "id: RSA Majoré", 2, "identifiant « RSA Majoré » invalide"),
    ("both regles and opening_hours", "t/territoire.yml", "      regles:", "      opening_hours: Tu 09:00-12:00\n      regles:", 19, "soit « regles », soit « opening_hours »"),
    ("unreadable opening_hours", "t/territoire.yml", "      regles:\n        - jours: [mardi]\n          heures: [9h-12h]", "      opening_hours: Mardi 9h-12h", 20, "règle opening_hours « Mardi 9h-12h » illisible"),
    ("list expected", "demarches.yml", "mots: [rsa]", "mots: rsa", 5, "liste attendue"),
    ("rank and parity together", "t/territoire.yml", "          heures: [9h-12h]", "          heures: [9h-12h]\n          rangs: [1]\n          semaines: paires", 21, "ne peut pas combiner"),
    ("unknown theme", "demarches.yml", "theme: caf", "theme: famille", 3, "valeur « famille » non reconnue pour « theme »"),
    ("bad postal code", "t/communes.yml", '["72800"]', '["7280"]', 6, "code postal « 7280 » : cinq chiffres attendus"),
    ("verification date in the future", "organismes.yml", "verifie_le: 2026-01-01", "verifie_le: 2999-01-01", 10, "dans le futur"),
    ("closure ending before it starts", "t/territoire.yml", "          heures: [9h-12h]", "          heures: [9h-12h]\n      fermetures:\n        - {du: 2026-12-24, au: 2026-12-20}", 24, "date de fin (2026-12-20) est avant"),
    ("comma inside a bracketed list item", "demarches.yml", "mots: [rsa]", "mots: [rsa (revenu, solidarité)]", 5, "parenthèse non refermée"),
    ("unknown file kind", "t/communes.yml", "communes:", "villes:", 1, "type de fichier non reconnu"),
]


@pytest.mark.parametrize("label,file,old,new,line,words", CASES, ids=[c[0] for c in CASES])
def test_each_mistake_has_its_french_message_and_line(write_tree, label, file, old, new, line, words):
    assert old in ORIGINALS[file], label
    root = tree(write_tree, {file: ORIGINALS[file].replace(old, new, 1)})
    errors = errors_of(root)
    matching = [e for e in errors if words in e.message]
    assert matching, [str(e) for e in errors]
    assert matching[0].file == f"knowledge/{file}"
    assert matching[0].line == line, str(matching[0])


def test_all_errors_of_all_files_are_reported_at_once(write_tree):
    root = tree(write_tree, {
        "organismes.yml": ORGANISMES.replace("https://www.caf.fr", "www.caf.fr").replace('"3230"', '"32-30"'),
        "demarches.yml": DEMARCHES.replace("theme: caf", "theme: famille"),
        "t/territoire.yml": TERRITOIRE.replace("[mardi]", "[mardy]"),
    })
    errors = errors_of(root)
    assert {e.file for e in errors} == {"knowledge/organismes.yml", "knowledge/demarches.yml", "knowledge/t/territoire.yml"}
    assert len(errors) == 4


def test_a_broken_file_does_not_flood_references_to_it(write_tree):
    errors = errors_of(tree(write_tree, {"organismes.yml": "organismes:\n  - id: caf\n    nom: [\n"}))
    assert len(errors) == 1 and errors[0].file == "knowledge/organismes.yml"


def test_duplicate_ids_across_files_point_to_the_first(write_tree):
    root = tree(write_tree)
    (root / "more.yml").write_text(DEMARCHES.lstrip("\n"), encoding="utf-8")
    errors = errors_of(root)
    assert any("identifiant « rsa » déjà utilisé (knowledge/demarches.yml, ligne 2)" in e.message for e in errors)


def test_cli_check_lists_every_error_and_exits_1(write_tree):
    root = tree(write_tree, {"demarches.yml": DEMARCHES.replace("theme: caf", "theme: famille").replace("mots: [rsa]", "mots: rsa")})
    done = subprocess.run([sys.executable, "-m", "bot.cli", "check", str(root)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "knowledge/demarches.yml:3 :" in done.stdout and "knowledge/demarches.yml:5 :" in done.stdout
    assert "2 erreur(s)" in done.stdout


def test_the_real_knowledge_passes_the_check():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "check", "knowledge", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert '"valide": true' in done.stdout
