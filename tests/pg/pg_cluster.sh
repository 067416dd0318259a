#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for the tests (ctest fixture kiln_pg).
#   pg_cluster.sh start STATE   initdb + pg_ctl start on a free 127.0.0.1 port;
#                               writes "URL\nDIR" to STATE
#   pg_cluster.sh stop STATE    stops it and removes its directory
# As root the server runs as user postgres (initdb refuses root).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
action=$1 state=$2
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$action" in
  start)
    dir=$(mktemp -d /tmp/kiln_pg.XXXXXX)
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync --no-instructions >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    printf 'postgresql://postgres@127.0.0.1:%s/postgres\n%s\n' "$port" "$dir" >"$state"
    echo "PostgreSQL 15 on port $port in $dir"
    ;;
  stop)
    [[ -f $state ]] || exit 0
    dir=$(sed -n 2p "$state")
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir" "$state"
    ;;
  *) echo "usage: $0 start|stop STATE" >&2; exit 2 ;;
esac
