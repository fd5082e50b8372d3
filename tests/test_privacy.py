"""Personal numbers never reach the conversation store."""

import pytest

from bot.privacy import MASK, contains_personal_number, redact


@pytest.mark.parametrize("text", [
    "mon numéro de sécu est 1 85 05 72 191 005 42",
    "NIR 185057219100542",
    "mon iban FR76 3000 6000 0112 3456 7890 189",
    "appelez-moi au 06 12 34 56 78",
    "ou au +33 6 12 34 56 78",
    "écrivez à jean.dupont@example.org",
    "ma carte 4970 1012 3456 7890",
    "ma carte 4970.1012.3456.7890",
    "mon portable +33 (0)6 12 34 56 78",
    "écrivez à prenom.nom at domaine point fr",
    "ou prenom arobase domaine.fr",
])
def test_personal_numbers_are_masked(text):
    masked = redact(text)
    assert MASK in masked and not any(ch.isdigit() for ch in masked.split(MASK)[-1][:3])
    assert contains_personal_number(text)


@pytest.mark.parametrize("text", ["j'habite au 72360", "j'ai 19 ans", "né en 1964", "appelez le 3960", "carte grise à Mayet"])
def test_what_the_assistant_needs_is_kept(text):
    assert redact(text) == text


@pytest.mark.parametrize("adversarial", ["a" * 300_000 + "@", "a." * 150_000, "1" * 300_000, "a " * 150_000 + "at"])
def test_huge_adversarial_texts_are_read_in_one_pass_and_what_follows_is_still_masked(adversarial):
    # The former e-mail pattern restarted at every position: 40,000 characters took 4 s, 300,000 would take
    # minutes (bench/privacy_patterns.py measures it); each pattern now starts only where its run starts.
    assert redact(adversarial) == adversarial  # nothing personal in them
    assert redact(adversarial + " jean.dupont@example.org").endswith(" " + MASK)


def test_logs_are_masked_in_messages_arguments_and_tracebacks(monkeypatch):
    import io
    import logging

    from bot.privacy import redact_logs

    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())  # restored after the test
    redact_logs()
    redact_logs()  # idempotent: installed once
    out = io.StringIO()
    logger = logging.getLogger("test-privacy-logs")
    logger.addHandler(logging.StreamHandler(out))
    logger.propagate = False
    logger.warning("message: %s", "mon numero 1 85 05 72 191 005 42")
    logger.error("mail jean.dupont@example.org, tel +33 (0)6 12 34 56 78")
    try:
        raise ValueError("texte reçu : IBAN FR76 3000 6000 0112 3456 7890 189")
    except ValueError:
        logger.exception("échec")
    logged = out.getvalue()
    assert "ValueError: texte reçu : IBAN " + MASK in logged and "échec" in logged and logged.count(MASK) >= 4
    for personal in ("191 005", "dupont@", "56 78", "7890"):
        assert personal not in logged
