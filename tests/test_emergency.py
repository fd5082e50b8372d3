"""Distress gets the right emergency number first."""

import pytest

from bot.emergency import emergencies_for, emergency_text, is_distress


@pytest.mark.parametrize(
    "message, first",
    [
        ("j'ai envie de me suicider", "3114"),
        ("je me sens tres mal j'ai des idees noires", "3114"),
        ("mon mari me frappe", "3919"),
        ("mon voisin bat ses enfants", "119"),
        ("ma mère âgée est maltraitée dans sa maison de retraite", "3977"),
        ("je dors dehors ce soir", "115"),
        ("il y a le feu dans la grange", "18"),
        ("mon père fait un malaise", "15"),
        ("on me menace, je suis en danger", "17"),
        ("au secours", "112"),
    ],
)
def test_the_most_specific_number_comes_first(message, first):
    assert emergencies_for(message)[0].number == first


def test_every_answer_also_gives_112_and_the_number_for_deaf_people():
    for message in ("mon mari me frappe", "au secours", "urgence"):
        numbers = [e.number for e in emergencies_for(message)]
        assert "112" in numbers and "114" in numbers
        assert len(numbers) == len(set(numbers))


def test_the_text_opens_with_the_number_and_says_the_bot_cannot_call():
    text = emergency_text("je veux en finir")
    assert text.startswith("Si vous êtes en danger") and "3114" in text.splitlines()[0]
    assert "ne peux pas alerter les secours" in text


@pytest.mark.parametrize("message, first", [
    ("le voisin frappe ses enfants, je les entends crier tous les soirs", "119"),
    ("ma fille de 14 ans me dit que son beau-père la touche, je fais quoi", "119"),
])
def test_someone_hurting_a_child_is_distress_whatever_the_nlu_read_and_gets_119(message, first):
    assert is_distress(message) and emergencies_for(message)[0].number == first


@pytest.mark.parametrize("message", ["je frappe à la porte de la mairie ?", "la touche entrée ne marche pas sur le site",
                                     "mon fils de 17 ans veut passer le permis", "je tape mon mot de passe et ça bloque"])
def test_ordinary_sentences_with_the_same_words_are_not_distress(message):
    assert not is_distress(message)
