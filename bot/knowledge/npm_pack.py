"""Official data published as npm packages, downloaded with `npm pack` into a cache folder.

Used by the imports and checks that need a large official dataset only when they run
(Etalab's communes, service-public.fr's fiches): nothing is downloaded at start-up.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


class PackageUnavailable(Exception):
    """Raised with a French message for the administrator."""


def pack(cache: Path, package: str, version: str) -> Path:
    """The package's .tgz in `cache`, downloaded once."""
    target = cache / f"{package.strip('@').replace('/', '-')}-{version}.tgz"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            done = subprocess.run(["npm", "pack", f"{package}@{version}", "--pack-destination", tmp],
                                  capture_output=True, text=True, timeout=600, check=False)
        except FileNotFoundError:
            raise PackageUnavailable("npm est introuvable : installez Node.js (paquet Debian « npm »)") from None
        except subprocess.TimeoutExpired:
            raise PackageUnavailable(f"téléchargement de {package}@{version} trop long (plus de 10 minutes)") from None
        if done.returncode != 0:
            raise PackageUnavailable(f"téléchargement de {package}@{version} impossible : {done.stderr.strip()[-300:]}")
        next(Path(tmp).glob("*.tgz")).replace(target)
    return target
