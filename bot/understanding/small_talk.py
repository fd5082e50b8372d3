"""Small talk (yes, no, goodbye): a closed set of words. The NLU's guess of one of these intents
is kept only when the message holds one of them: « 🙂🙂 » or « blabla truc » is not a goodbye."""

from __future__ import annotations

from bot.understanding.text import normalize

WORDS = frozenset(
    "oui ouais ouai ui ok okay ac daccord accord sur exactement exact yes volontiers carrement absolument correct "
    "voila parfait bon bien non nan no pas besoin surtout revoir bye ciao plus bientot bonne journee soiree nuit "
    "demain adieu fini tout arrete fin prochaine semaine week aller vais merci salut tard heure".split())


def is_small_talk(text: str) -> bool:
    return any(word in WORDS for word in normalize(text).split())
