#!/usr/bin/env bash
# ctest fixture (tests/CMakeLists.txt): ONE throwaway PostgreSQL server for every store test process of a ctest run,
# instead of one per process (ctest runs each test case as a process of its own). It listens on a Unix socket in DIR
# only (no TCP port to collide on) and writes its DSN to DIR/dsn, which tests/support/postgres_server.hpp reads
# through GW_TEST_POSTGRES_DSN_FILE; every test still makes a database of its own.
#   postgres_fixture.sh start DIR    initdb and start (a server left running in DIR by an interrupted run is reused)
#   postgres_fixture.sh stop DIR     immediate shutdown, DIR removed
# initdb and postgres refuse to run as root: as root they run as the `postgres` user in a DIR it owns.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?directory}
bin=${GW_POSTGRES_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[[ -x "$bin/pg_ctl" ]] || { echo "postgres_fixture: no PostgreSQL server binaries (scripts/deps installs them)"; exit 1; }
as=()
if [[ $(id -u) -eq 0 ]]; then as=(setpriv --reuid=postgres --regid=postgres --init-groups); fi

case "$cmd" in
  start)
    if [[ -f "$dir/data/postmaster.pid" ]] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "postgres_fixture: reusing the server in $dir"
      exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [[ ${#as[@]} -gt 0 ]] && chown postgres: "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync --no-instructions \
      --wal-segsize=1 > "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
    # Not durable (fsync off): the tests are about the gateway's transactions, not PostgreSQL's crash safety.
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses= -p 5432 -c fsync=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=200" \
      start > /dev/null || { cat "$dir/server.log"; exit 1; }
    echo "host=$dir port=5432 user=postgres connect_timeout=5" > "$dir/dsn"
    echo "postgres_fixture: server in $dir"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
