#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the tests (Debian's postgresql, installed if
# missing), on 127.0.0.1:${REPERE_PG_PORT:-54329}, and prints its SQLAlchemy URL.
#   scripts/postgres.sh start | stop
set -euo pipefail
port=${REPERE_PG_PORT:-54329}
data=/tmp/repere-pg-$port
say() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ -z "$(pg_bin)" ]; then
      say "installation de PostgreSQL (apt)"
      if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
      else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi
    fi
    bin=$(pg_bin)
    if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
        as_pg "$bin/initdb" -D "$data" -U repere --auth=trust >/dev/null
      fi
      as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
      say "serveur démarré sur 127.0.0.1:$port"
    fi
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U repere -d postgres -tc "SELECT 1 FROM pg_database WHERE datname='repere_test'" | grep -q 1 \
      || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U repere repere_test
    echo "postgresql://repere@127.0.0.1:$port/repere_test"
    ;;
  stop)
    bin=$(pg_bin); [ -n "$bin" ] && as_pg "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
