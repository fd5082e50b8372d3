"""Plug-ins loaded by the Rasa engine (engine venv, Python 3.10): keep them few and small.

Importing any of them masks personal numbers in every log record of the engine's process
(Rasa imports this package before it serves a message)."""

from bot.privacy import redact_logs

redact_logs()
