"""One conversation turn (bot/conversation.py) on the real knowledge and résolveur, no Rasa."""

from dataclasses import replace

import pytest

from bot import conversation as c
from bot.db import DatabaseUnavailable  # noqa: F401 - the module must stay importable without a DB
from bot.understanding.resolver import Candidate, Resolution
from conftest import NOW


def say(orientation, text, state=c.State(), intent="theme_sante", confidence=0.5, **entities):
    return c.respond(orientation, state, c.Turn(text, intent, confidence, **entities), NOW)


def texts(outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


@pytest.mark.parametrize("text,demarche", [
    ("j'ai du mal à payer mon loyer", "aide-logement"),
    ("je voudrais isoler les combles de ma maison", "maprimerenov"),
    ("mon propriétaire garde ma caution depuis trois mois", "litige-locatif"),
    ("il me faut un extrait de casier judiciaire pour un boulot", "casier-judiciaire"),
    ("je ne pourrai plus jamais travailler à cause de ma maladie, il y a une pension ?", "pension-invalidite"),
])
def test_a_need_in_plain_words_is_answered_at_once_then_the_commune_is_asked(orientation, text, demarche):
    outcome = say(orientation, text, intent="theme_social")  # even under a neighbouring theme
    title = orientation.k.demarches[demarche].titre
    assert outcome.state.besoin == f"demarche:{demarche}"
    assert outcome.replies[0].text.startswith(title)  # the answer comes first
    assert "Qui s'en occupe" in texts(outcome)
    asked = "dans quelle commune habitez-vous" in outcome.replies[-1].text  # then the place, only to narrow
    assert asked == orientation.k.demarches[demarche].lieu_utile  # never for what is done from home


def test_the_commune_in_the_sentence_gives_the_place_and_the_exact_name_wins(orientation):
    outcome = say(orientation, "j'habite au Lude et je dois refaire ma carte grise", intent="theme_ants")
    assert outcome.state.commune == "Le Lude" and outcome.state.besoin == "demarche:carte-grise"
    assert "près de chez vous (au Lude)" in texts(outcome) and "Savigné" not in texts(outcome)
    assert "dans quelle commune" not in texts(outcome)


def test_profile_facts_of_the_first_message_change_the_organisme_before_anything_is_asked(orientation):
    farmer = say(orientation, "je suis agriculteur et je voudrais demander ma retraite", intent="theme_retraite")
    assert farmer.state.regime == "agricole" and farmer.answer.organismes[0].id == "msa"
    young = say(orientation, "j'ai 19 ans et je cherche du travail", intent="theme_emploi")
    assert young.state.age == "19" and [o.id for o in young.answer.organismes][:1] == ["mission-locale"]


def test_an_organisme_request_gives_its_next_slots_phone_site_and_what_it_handles(orientation):
    outcome = say(orientation, "je voudrais un rendez-vous avec quelqu'un de la CARSAT, j'habite à Mayet", intent="inform_organisme")
    text = texts(outcome)
    assert outcome.state.besoin == "organisme:assurance-retraite" and outcome.state.commune == "Mayet"
    assert "3960" in text and "https://www.lassuranceretraite.fr" in text and "réversion" in text  # phone, site, missions
    assert "Mairie de Mayet" in text and "jeudi 26 novembre 2026, 14h-17h" in text  # the next slot near her


def test_a_commune_alone_keeps_the_need_and_a_new_need_keeps_the_commune(orientation):
    first = say(orientation, "demande d'APL", intent="theme_logement")
    then = say(orientation, "Mayet", first.state, intent="inform_commune")
    assert then.state.besoin == "demarche:aide-logement" and "Mairie de Mayet" in texts(then)
    side = say(orientation, "et du côté de Sarcé ?", first.state, intent="inform_commune")
    assert side.state.besoin == "demarche:aide-logement" and side.state.commune == "Sarcé"
    other = say(orientation, "et pour ma carte vitale ?", then.state, intent="theme_sante")
    assert other.state.besoin == "demarche:carte-vitale" and other.state.commune == "Mayet"
    assert "Mairie de Mayet" in texts(other) and "dans quelle commune" not in texts(other)


def test_a_commune_given_instead_of_picking_a_button_answers_the_most_likely_choice_with_its_place(orientation):
    state = c.State(choix=("demarche:aide-logement", "demarche:logement-social"))
    outcome = say(orientation, "je suis à Mayet", state, intent="inform_commune")
    assert outcome.state.commune == "Mayet" and outcome.state.besoin == "demarche:aide-logement" and not outcome.state.choix
    assert "de quelle démarche" not in texts(outcome) and "Quelle est votre démarche" not in texts(outcome)  # never asked again
    offered = next(reply for reply in outcome.replies if reply.text == "Vous cherchiez peut-être plutôt :")
    assert [label for label, _ in offered.buttons] == [orientation.k.demarches["logement-social"].titre]


def test_two_misunderstandings_in_a_row_give_the_human_contact(orientation):
    first = say(orientation, "zorglub flip flap", intent="nlu_fallback", confidence=0.3)
    assert not first.understood and first.state.incompris and "pas bien compris" in texts(first)
    second = say(orientation, "brrr kss pfff", first.state, intent="nlu_fallback", confidence=0.3)
    assert second.human_contact and "02 85 29 07 11" in texts(second) and "02 41 96 10 40" in texts(second)  # both territories


def test_a_button_names_the_demarche_and_an_unknown_commune_is_said(orientation):
    picked = say(orientation, '/theme_retraite{"demarche":"aspa"}', intent="theme_retraite", demarche="aspa")
    assert picked.state.besoin == "demarche:aspa"
    unknown = say(orientation, "Saumur", picked.state, intent="inform_commune", confidence=0.9)
    assert "Je ne trouve pas « Saumur »" in texts(unknown) and "39 39" in texts(unknown)
    assert "Qui s'en occupe :\n• Assurance retraite (CARSAT)" in texts(unknown)  # the need still answered
    then = say(orientation, "zorglub flip flap", unknown.state, intent="nlu_fallback", confidence=0.3)
    assert then.human_contact  # a commune not found, then nonsense: two misunderstandings in a row


def test_out_of_scope_and_empty_messages_get_an_answer(orientation):
    assert "je vous oriente seulement" in texts(say(orientation, "raconte moi une blague", intent="out_of_scope"))
    for odd in ["", "   ", "<img src=x onerror=alert(1)>", "🙂" * 50, "carte vitale " * 5000]:
        outcome = say(orientation, odd, intent="nlu_fallback", confidence=0.2)
        assert outcome.replies and all("<img" not in reply.text for reply in outcome.replies)


def test_the_console_and_the_cli_share_the_same_understanding(orientation):
    assert orientation.find_need("conseils juridiques gratuits").key == "acces-au-droit"
    assert orientation.find_need("le numéro de la MSA").kind == "organisme"


def test_a_greeting_or_a_request_for_a_person_that_carries_a_need_is_answered(orientation):
    hello = c.greeting_or_need(orientation, c.State(), c.Turn("bonjour", "greet", 0.9), NOW)
    assert hello.response == "utter_greet" and not hello.replies
    need = c.greeting_or_need(orientation, c.State(), c.Turn("bonjour, ma carte grise n'est pas arrivée", "greet", 0.6), NOW)
    assert need.state.besoin == "demarche:carte-grise"
    person = c.human_or_need(orientation, c.State(), c.Turn("je veux parler à quelqu'un", "ask_human", 0.9), NOW)
    assert person.human_contact and "02 85 29 07 11" in texts(person)
    carsat = c.human_or_need(orientation, c.State(), c.Turn("un rdv avec quelqu'un de la CARSAT", "ask_human", 0.7), NOW)
    assert carsat.state.besoin == "organisme:assurance-retraite" and "3960" in texts(carsat)


def test_distress_gets_the_emergency_number_whatever_the_nlu_guessed(orientation):
    outcome = say(orientation, "ma petite sœur de 12 ans se fait frapper par mon beau-père", intent="nlu_fallback", confidence=0.3)
    assert outcome.replies[0].text.splitlines()[0].startswith("Si vous êtes en danger") and " 119 " in outcome.replies[0].text


@pytest.mark.parametrize("scores,asked", [((-0.30, -0.32), True), ((-0.30, -0.45), False)])
def test_close_demarches_are_asked_as_buttons_only_when_tied_and_otherwise_offered_after_the_answer(
        orientation, monkeypatch, scores, asked):
    candidates = [Candidate("demarche", "aide-logement", scores[0]), Candidate("demarche", "cheque-energie", scores[1])]
    monkeypatch.setattr(orientation, "understand", lambda *args, **kwargs: Resolution(candidates, "choix", close=2))
    outcome = say(orientation, "une aide pour payer", intent="theme_logement")
    buttons = [label for reply in outcome.replies for label, _ in reply.buttons]
    assert orientation.k.demarches["cheque-energie"].titre in buttons  # the other one is always within reach
    if asked:  # CAF or the chèque énergie service: which one?
        assert "de quelle démarche" in texts(outcome) and outcome.state.choix and outcome.answer is None
    else:  # the more likely is answered, the other offered after it
        assert outcome.state.besoin == "demarche:aide-logement" and "Qui s'en occupe" in texts(outcome)
        assert "Vous cherchiez peut-être plutôt" in texts(outcome)
    again = say(orientation, "une aide pour payer", outcome.state, intent="theme_logement")
    assert again.state.besoin == "demarche:aide-logement"  # never asked twice in a row


def test_small_talk_is_answered_unless_the_message_was_misread_as_small_talk(orientation):
    def small(text, state=c.State(), intent="goodbye"):
        return c.small_talk_or_need(orientation, state, c.Turn(text, intent, 0.6), NOW)
    assert small("au revoir et merci").response == "utter_goodbye"
    assert small("oui", intent="affirm").response == "utter_ask_need"
    first = c.State(besoin="demarche:allocations-familiales")
    msa = small("ah mais nous on est à la MSA", first)  # a profile fact, not a goodbye
    assert msa.state.regime == "agricole" and msa.answer.organismes[0].id == "msa"
    once = small("...", intent="deny")
    assert not once.understood and once.response is None
    twice = small("🙂🙂", once.state)  # two misunderstandings in a row: the human contact
    assert twice.human_contact and "02 85 29 07 11" in texts(twice)


def test_a_question_without_a_need_then_nonsense_gives_the_human_contact(orientation):
    when = c.follow_up_without_need(orientation, c.State(), c.Turn("c'est quand ?", "ask_when", 0.9), NOW)
    assert "Quelle est votre démarche" in texts(when) and when.state.incompris
    then = say(orientation, "mmmh blabla truc", when.state, intent="nlu_fallback", confidence=0.3)
    assert then.human_contact


def test_a_second_need_said_with_and_also_is_offered_after_the_first_is_answered(orientation):
    outcome = say(orientation, "besoin d'aide pour l'actualisation pole emploi + la declaration trimestrielle caf", intent="theme_emploi")
    assert outcome.state.besoin == "demarche:actualisation-france-travail"
    offered = next(reply for reply in outcome.replies if reply.text == "Vous avez aussi parlé de :")
    assert [label for label, _ in offered.buttons] == [orientation.k.demarches["declaration-trimestrielle"].titre]


@pytest.mark.parametrize("text,first,other", [
    ("j'ai perdu ma carte vitale, et ma carte d'identité aussi", "carte-vitale", "carte-identite"),  # the first said
    ("je viens d'avoir un bébé, je voudrais savoir pour les allocations familiales", "allocations-familiales", "naissance"),
])
def test_several_needs_without_and_also_the_first_asked_is_answered_and_the_other_offered(orientation, text, first, other):
    outcome = say(orientation, text, intent="theme_sante")
    assert outcome.state.besoin == f"demarche:{first}"
    offered = next(reply for reply in outcome.replies if reply.text == "Vous avez aussi parlé de :")
    assert orientation.k.demarches[other].titre in [label for label, _ in offered.buttons]


def test_the_situation_told_before_the_request_is_not_answered_instead_of_it(orientation):
    outcome = say(orientation, "ma femme est décédée le mois dernier, elle était agricultrice, je voudrais la réversion",
                  intent="theme_retraite")
    assert outcome.state.besoin == "demarche:retraite-reversion" and outcome.answer.organismes[0].id == "msa"


def test_what_the_person_does_not_want_is_not_read_as_the_request(orientation):
    outcome = say(orientation, "mon voisin a coupé les arbres de ma haie, je ne veux pas aller au tribunal", intent="theme_justice")
    assert outcome.state.besoin == "demarche:conciliation"


def test_an_organisme_named_by_an_ordinary_word_does_not_hide_the_demarche_asked(orientation):
    outcome = say(orientation, "je ne touche plus le chômage, ai-je droit au RSA ?", intent="theme_caf")
    assert outcome.state.besoin == "demarche:rsa"
    assert say(orientation, "trop perçu pôle emploi", intent="theme_emploi").state.besoin == "organisme:france-travail"


def test_an_acronym_of_the_catalogue_weighs_like_a_phrase(orientation):
    assert orientation.understand("cg perdue, il me faut un duplicata").best.key == "carte-grise"


def test_a_profile_that_decides_the_operator_of_a_whole_theme_answers_with_it(orientation):
    outcome = say(orientation, "je suis ouvrier viticole et je pars bientôt, qui dois-je contacter pour ma retraite ?",
                  intent="theme_retraite", confidence=0.9)
    assert outcome.state.regime == "agricole" and outcome.answer.organismes[0].id == "msa"
    assert "de quelle démarche" not in texts(outcome)


def test_a_person_asked_for_with_an_organisme_gets_both(orientation):
    turn = c.Turn("c'est pour la CAF, je veux parler à une vraie personne", "ask_human", 0.8)
    outcome = c.human_or_need(orientation, c.State(commune="Mayet"), turn, NOW)
    assert outcome.state.besoin == "organisme:caf" and outcome.human_contact
    assert "3230" in texts(outcome) and "▸ France Services du Lude" in texts(outcome)


def test_opening_hours_of_an_organisme_name_it_with_its_phone_and_keep_the_commune_said(orientation):
    outcome = c.opening_hours(orientation, c.State(), c.Turn("horaires de la CAF à Mayet", "ask_opening_hours", 0.9), NOW)
    assert outcome.state.commune == "Mayet"
    assert texts(outcome).startswith("Caisse d'allocations familiales (CAF) : tél. 3230")


def test_a_commune_named_by_its_usual_short_name_inside_a_sentence(orientation):
    assert [c.nom for c in orientation.find_commune("DOSSIER MAPRIMERENOV BLOQUÉ, LA BRUERE").communes] == ["La Bruère-sur-Loir"]


@pytest.mark.parametrize("typed", ["qsdkjh", "kjhkjh", "brrr kss pfff"])
def test_consonant_strings_are_not_read_as_an_acronym_of_the_catalogue(orientation, typed):
    assert orientation.understand(typed, strict=True).decision == "aucun"  # not « RQTH » or « PCH »
    assert orientation.understand("rqth", strict=True).best.key == "handicap"


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "1 85 05 72 191 005 42"])
def test_a_number_typed_where_the_commune_is_asked_is_neither_kept_nor_echoed(orientation, typed):
    asked = say(orientation, "demande d'APL", intent="theme_logement")
    outcome = say(orientation, typed, asked.state, intent="inform_commune", confidence=0.9)
    assert outcome.state.commune is None and "12 34" not in texts(outcome) and "191" not in texts(outcome)


def test_a_commune_outside_the_territory_said_in_a_sentence_keeps_answering_the_need(orientation):
    card = say(orientation, "carte d'identité", intent="theme_ants")
    away = say(orientation, "j'habite à La Flèche", card.state, intent="nlu_fallback", confidence=0.3)
    assert "La Flèche" in texts(away) and "• ANTS (ministère de l'Intérieur)" in texts(away)


def test_a_person_in_a_commune_with_a_france_services_permanence_is_sent_there_first(orientation):
    outcome = c.human_or_need(orientation, c.State(commune="Yvré-le-Pôlin"), c.Turn("je veux voir quelqu'un", "ask_human", 0.9), NOW)
    places = [line for line in texts(outcome).splitlines() if line.startswith("▸")]
    assert places[0].startswith("▸ Mairie d'Yvré-le-Pôlin") and places[1].startswith("▸ France Services du Lude")


def test_when_it_is_open_after_a_need_gives_the_dates_of_that_need_near_the_commune(orientation):
    state = say(orientation, "aide pour mon dossier de retraite, j'habite Mayet", intent="theme_retraite").state
    outcome = c.opening_hours(orientation, state, c.Turn("c'est ouvert quand ?", "ask_opening_hours", 0.9), NOW)
    assert outcome.state.besoin == state.besoin and "▸ Mairie de Mayet" in texts(outcome).splitlines()[1]


def test_the_second_curated_territory_anjou_loir_et_sarthe(orientation):
    """Durtal's France Services, its Seiches-sur-le-Loir antenna for the communes nearer to it, the town hall's own
    hours for what is done at the mairie, and never a Sud Sarthe permanence."""
    durtal = texts(say(orientation, "je dois refaire ma carte grise, j'habite à Durtal", intent="theme_ants"))
    assert "France Services Durtal — 11 Rue Joseph Cugnot, 49430 Durtal" in durtal and "Mayet" not in durtal
    seiches = say(orientation, "rendez-vous CAF", intent="theme_caf")
    seiches = texts(say(orientation, "j'habite à Seiches-sur-le-Loir", seiches.state, intent="inform_commune", confidence=0.9))
    assert "Antenne de Seiches sur le Loir" in seiches and "Le Lude" not in seiches
    pacs = texts(say(orientation, "on veut se pacser, on habite à Tiercé", intent="theme_citoyennete"))
    assert "Mairie de Tiercé" in pacs and "Accueil de la mairie" in pacs and "à confirmer" in pacs


def test_the_france_services_number_without_a_commune_lists_each_territory(orientation):
    answer = texts(say(orientation, "quel est le numéro de téléphone de la France Services ?", intent="ask_human"))
    assert "02 85 29 07 11" in answer and "02 41 96 10 40" in answer and "Dites-moi votre commune" in answer
