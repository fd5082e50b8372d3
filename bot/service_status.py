"""The service's state at a glance, for supervision (the console's /etat): is each part up?

Aggregates the Rasa server, the action server, the knowledge DB and the knowledge the servers
hold in memory. "ok" when all answer; "degrade" when the citizen still gets answers (the last
knowledge in memory, the engine's own answers) but a part is down; "indisponible" when nothing
can answer.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from bot import db
from bot.live import LiveKnowledge


@dataclass(frozen=True)
class Endpoints:
    rasa: str = "http://127.0.0.1:5005/"
    actions: str = "http://127.0.0.1:5055/health"


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return False


def service_status(endpoints: Endpoints, live: LiveKnowledge) -> dict:
    load = db.last_load(live.engine)
    try:
        knowledge = live.orientation() is not None
    except db.DatabaseUnavailable:
        knowledge = False
    parts = {
        "rasa": "ok" if _answers(endpoints.rasa) else "injoignable",
        "actions": "ok" if _answers(endpoints.actions) else "injoignable",
        "base": "ok" if load is not None else "injoignable",
        "connaissances": "ok" if knowledge else "absentes",
    }
    if all(state == "ok" for state in parts.values()):
        overall = "ok"
    elif parts["rasa"] == "ok":  # the engine answers distress and the contact by itself
        overall = "degrade"
    else:
        overall = "indisponible"
    return {"etat": overall, "parties": parts,
            "dernier_chargement": load.charge_le.isoformat() if load is not None else None}
