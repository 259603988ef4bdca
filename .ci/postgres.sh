# shellcheck shell=bash
# A throw-away PostgreSQL cluster for the test suite. Source this file, then:
#
#   pg_cluster_start   # sets PG_BINDIR, PG_PORT, PG_TMP, PG_LOG, PG_URL
#   ...                # e.g. WOONREGISTER_TEST_POSTGRES_URL="$PG_URL" cargo test
#   pg_cluster_stop    # stops the server and removes PG_TMP; safe to call twice
#
# The caller owns the trap (`trap pg_cluster_stop EXIT`); see .ci/with-postgres,
# which does exactly that around one command.
#
# The cluster lives in a temporary directory (data, unix socket, log), listens
# only on 127.0.0.1 on a free port, trusts local connections and is run by an
# unprivileged user, because initdb and postgres refuse to run as root.
#
# Environment:
#   PG_MAJOR    major version wanted (default 15)
#   PG_OS_USER  the unprivileged user when running as root (default postgres;
#               created as a system user if it does not exist)
#   PG_EXTRA_OPTS  more server options, e.g. "-c log_statement=ddl"

PG_MAJOR="${PG_MAJOR:-15}"
PG_OS_USER="${PG_OS_USER:-postgres}"
PG_EXTRA_OPTS="${PG_EXTRA_OPTS:-}"
PG_SUPERUSER=postgres # the role initdb creates (-U); the tests connect as it
PG_BINDIR=""
PG_PORT=""
PG_TMP=""
PG_LOG=""
PG_URL=""
PG_STARTED=""

pg_log() { printf '[postgres] %s\n' "$*" >&2; }

# Where initdb/pg_ctl/postgres of $PG_MAJOR are; empty if not installed.
# Debian keeps them off PATH in /usr/lib/postgresql/N/bin.
pg_find_bindir() {
  local dir candidate
  for candidate in "/usr/lib/postgresql/$PG_MAJOR/bin" \
    "$(pg_config --bindir 2>/dev/null || true)" \
    "$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")")"; do
    dir="$candidate"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] &&
      [[ "$("$dir/postgres" --version 2>/dev/null)" =~ \ $PG_MAJOR(\.|$) ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 0
}

# Installs the server from Debian without letting the package create and start
# its own "main" cluster (which would sit on port 5432 for nothing).
pg_install() {
  if [[ $EUID -ne 0 ]]; then
    pg_log "PostgreSQL $PG_MAJOR is not installed and we are not root to install it"
    return 1
  fi
  if ! command -v apt-get >/dev/null; then
    pg_log "PostgreSQL $PG_MAJOR is not installed and there is no apt-get to install it"
    return 1
  fi
  pg_log "installing PostgreSQL $PG_MAJOR with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
  sed -ri 's/^#?\s*create_main_cluster\s*=.*$/create_main_cluster = false/' \
    /etc/postgresql-common/createcluster.conf
  if ! apt-get install -y -qq --no-install-recommends "postgresql-$PG_MAJOR" >/dev/null; then
    pg_log "postgresql-$PG_MAJOR is not available; trying the distribution's default 'postgresql'"
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
}

# Runs a command as the unprivileged cluster owner, from inside PG_TMP (the
# caller's directory may not be readable by that user).
pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$PG_TMP" && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd "$PG_TMP" && "$@")
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
pg_free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
    return 0
  fi
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  pg_log "found no free port"
  return 1
}

pg_cluster_start() {
  PG_BINDIR="$(pg_find_bindir)"
  if [[ -z "$PG_BINDIR" ]]; then
    pg_install
    PG_BINDIR="$(pg_find_bindir)"
    if [[ -z "$PG_BINDIR" ]]; then
      PG_MAJOR="$(find /usr/lib/postgresql -maxdepth 1 -mindepth 1 -printf '%f\n' 2>/dev/null | sort -n | tail -1)"
      PG_BINDIR="$(pg_find_bindir)"
    fi
    [[ -n "$PG_BINDIR" ]] || {
      pg_log "no PostgreSQL server binaries after installing"
      return 1
    }
  fi
  pg_log "server binaries: $PG_BINDIR ($("$PG_BINDIR/postgres" --version))"

  if [[ $EUID -eq 0 ]] && ! id -u "$PG_OS_USER" >/dev/null 2>&1; then
    pg_log "creating system user $PG_OS_USER"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$PG_OS_USER"
  fi

  PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/woonregister-pg.XXXXXX")"
  if [[ $EUID -eq 0 ]]; then
    chown "$PG_OS_USER:" "$PG_TMP"
  fi
  pg_as_owner mkdir "$PG_TMP/socket"
  PG_LOG="$PG_TMP/postgres.log"

  pg_as_owner "$PG_BINDIR/initdb" --pgdata="$PG_TMP/data" --username="$PG_SUPERUSER" \
    --auth=trust --encoding=UTF8 --no-locale --no-sync >"$PG_TMP/initdb.log" 2>&1 || {
    cat "$PG_TMP/initdb.log" >&2
    pg_log "initdb failed"
    return 1
  }

  # Durability is worthless here; every test creates a database, so fsync off
  # makes CREATE DATABASE cheap. Generous max_connections for parallel tests.
  local attempt
  for attempt in 1 2 3 4 5; do
    PG_PORT="$(pg_free_port)"
    if pg_as_owner "$PG_BINDIR/pg_ctl" --pgdata="$PG_TMP/data" --log="$PG_LOG" \
      --wait --timeout=60 --silent \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_TMP/socket" \
      -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      ${PG_EXTRA_OPTS:+-o "$PG_EXTRA_OPTS"} \
      start; then
      PG_STARTED=1
      break
    fi
    pg_log "start on port $PG_PORT failed (attempt $attempt); server log:"
    tail -n 20 "$PG_LOG" >&2 || true
    PG_PORT=""
  done
  [[ -n "$PG_STARTED" ]] || {
    pg_log "could not start the server"
    return 1
  }

  PG_URL="postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/postgres"
  pg_log "running on 127.0.0.1:$PG_PORT (data in $PG_TMP/data): $PG_URL"
}

pg_cluster_stop() {
  if [[ -n "$PG_STARTED" && -n "$PG_TMP" ]]; then
    pg_log "stopping the server on port $PG_PORT"
    if ! pg_as_owner "$PG_BINDIR/pg_ctl" --pgdata="$PG_TMP/data" --mode=fast --wait \
      --timeout=30 --silent stop; then
      pg_log "fast shutdown failed; immediate shutdown"
      pg_as_owner "$PG_BINDIR/pg_ctl" --pgdata="$PG_TMP/data" --mode=immediate --wait \
        --timeout=30 --silent stop || true
      if [[ -f "$PG_TMP/data/postmaster.pid" ]]; then
        local pid
        pid="$(head -n 1 "$PG_TMP/data/postmaster.pid")"
        if [[ "$pid" =~ ^[0-9]+$ ]]; then
          kill -KILL "$pid" 2>/dev/null || true
        fi
      fi
    fi
    PG_STARTED=""
  fi
  if [[ -n "$PG_TMP" && -d "$PG_TMP" ]]; then
    rm -rf -- "$PG_TMP"
    pg_log "removed $PG_TMP"
  fi
  PG_TMP=""
  PG_LOG=""
}
