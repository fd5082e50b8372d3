"""Plug-ins loaded by the Rasa engine (engine venv, Python 3.10): keep them few and small."""
