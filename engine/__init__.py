"""Plug-ins loaded by the Rasa engine (engine venv, Python 3.10): keep them few and small.

Importing any of them (Rasa does, before it serves a message) masks personal numbers in every
log record of the engine's process, and makes Rasa check the action server's answers with a
validator built once instead of once per answer (engine/action_validation.py)."""

from bot.privacy import redact_logs
from engine import action_validation

redact_logs()
action_validation.install()
