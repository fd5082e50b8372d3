"""The console's configuration, from the environment (never a default password outside the demo).

REPERE_ADMIN_HASH   argon2 hash of the administrators' password (`repere motdepasse` makes one)
REPERE_AGENT_HASH   argon2 hash of the agents' password, when the lookup is protected
REPERE_CONSOLE_PUBLIC  1 (default): the agents' lookup is public; 0: it needs the agents' sign-in
REPERE_DEMO         1: demo mode, the password « demo » works for both accounts (and only then)
REPERE_SECRET       key that signs the session cookie (random at each start if unset)
REPERE_KNOWLEDGE    the YAML folder that « Recharger » checks and loads (default: knowledge)
REPERE_CONSOLE_HTTPS   1: the console is served over HTTPS (behind a proxy): Secure session cookie, HSTS
REPERE_CONSOLE_URL     the console's public address, e.g. https://console.mairie.fr, when a proxy
                       changes the Host header; forms are accepted only from this origin (default:
                       the Host of each request)
REPERE_RASA_URL     the Rasa server whose state /etat reports (default: http://127.0.0.1:5005/)
REPERE_ACTIONS_URL  the action server's webhook, as Rasa's endpoints use it (its /health is checked)
REPERE_CONSOLE_ORIGINS comma-separated origins of mairie sites that may read the console's pages
                       (GET) from their own pages, never with the session cookie
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.service_status import Endpoints

HASHER = PasswordHasher()
DEMO_PASSWORD = "demo"


@dataclass
class Settings:
    admin_hash: str | None = None
    agent_hash: str | None = None
    public_lookup: bool = True
    demo: bool = False
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    knowledge_dir: Path = Path("knowledge")
    https: bool = False
    public_url: str = ""
    origins: tuple[str, ...] = ()
    endpoints: Endpoints = field(default_factory=Endpoints)

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(admin_hash=env.get("REPERE_ADMIN_HASH") or None, agent_hash=env.get("REPERE_AGENT_HASH") or None,
                   public_lookup=env.get("REPERE_CONSOLE_PUBLIC", "1") != "0", demo=env.get("REPERE_DEMO") == "1",
                   secret=env.get("REPERE_SECRET") or secrets.token_urlsafe(32),
                   knowledge_dir=Path(env.get("REPERE_KNOWLEDGE", "knowledge")),
                   https=env.get("REPERE_CONSOLE_HTTPS") == "1", public_url=env.get("REPERE_CONSOLE_URL", ""),
                   origins=tuple(o.strip() for o in env.get("REPERE_CONSOLE_ORIGINS", "").split(",") if o.strip()),
                   endpoints=Endpoints(rasa=env.get("REPERE_RASA_URL", Endpoints.rasa),
                                       actions=env.get("REPERE_ACTIONS_URL", Endpoints.actions).replace("/webhook", "/health")))

    def role_for(self, password: str) -> str | None:
        """'admin', 'agent' or None. Without a configured hash, only the demo mode lets anyone in."""
        if self.demo and secrets.compare_digest(password.encode(), DEMO_PASSWORD.encode()):
            return "admin"
        for role, hashed in (("admin", self.admin_hash), ("agent", self.agent_hash)):
            if hashed:
                try:
                    if HASHER.verify(hashed, password):
                        return role
                except (VerificationError, InvalidHashError):
                    continue
        return None


def hash_password(password: str) -> str:
    return HASHER.hash(password)
