#!/usr/bin/env bash
# SIGHUP reloads `gateway serve`'s config file: a valid change is applied (the new routes are in force), a broken
# one is refused with its FILE:LINE:COL in the log while the gateway keeps running on the config it had, and SIGTERM
# still stops it cleanly.
set -uo pipefail
bin=$1
fail() { echo "FAIL: $*"; [[ -f $tmp/log ]] && tail -20 "$tmp/log"; exit 1; }
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
root=$PWD
cp -r "$root/mappings/vendors/oda-web" "$tmp/oda-web"

config() {  # $1: Bærum's vendor
  cat > "$tmp/gw.yaml" <<YAML
logging: {level: info}
http: {host: 127.0.0.1, port: 0}
mllp: [{name: care-system, host: 127.0.0.1, port: 0, mapping: $root/mappings/inbound/oms-o05.yaml}]
store: {path: $tmp/gw.db}
vendors:
  oda-web: {folder: $tmp/oda-web, base_url: "http://127.0.0.1:9/oda", secrets: {username: u, password: p}}
  peppol-bis:
    folder: $root/mappings/vendors/peppol-bis
    base_url: "http://127.0.0.1:9/peppol"
    params: {seller_org_number: "937270062", seller_name: Grocer AS, currency: NOK}
    secrets: {callback_token: t}
routes:
  - municipality: "3201"
    contracts: [{vendor: $1, from: "2020-01-01"}]
YAML
}
wait_log() {  # $1: pattern, $2: how many matches
  for _ in $(seq 1 200); do
    [[ $(grep -cF "$1" "$tmp/log" 2>/dev/null) -ge $2 ]] && return 0
    kill -0 $pid 2>/dev/null || fail "gateway exited"
    sleep 0.05
  done
  fail "no '$1' (x$2) in the log"
}

config oda-web
"$bin/gateway" serve --config "$tmp/gw.yaml" 2> "$tmp/log" &
pid=$!
wait_log '"event":"mllp_listening"' 1

config peppol-bis
kill -HUP $pid
wait_log '"event":"reload.applied"' 1
grep -F '"event":"reload.applied"' "$tmp/log" | grep -q '"generation":"2"' || fail "generation 2 not applied"

# A mapping with an unknown function: the reload is refused, with the position of the mistake.
printf '  extra: =line.note | no_such_function\n' >> "$tmp/oda-web/cart-item.yaml"
config oda-web
kill -HUP $pid
wait_log '"event":"reload.refused"' 1
grep -F '"event":"reload.error"' "$tmp/log" | grep -q "oda-web/cart-item.yaml:[0-9]*:[0-9]*: error:" ||
  fail "no FILE:LINE:COL for the broken mapping"
kill -0 $pid 2>/dev/null || fail "a refused reload stopped the gateway"
http_port=$(grep -F '"event":"http_listening"' "$tmp/log" | head -1 | grep -o '"port":"[0-9]*"' | grep -o '[0-9]*')
curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null || fail "/healthz after a refused reload"

kill -TERM $pid
for _ in $(seq 1 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -0 $pid 2>/dev/null && fail "did not stop within 10 s of SIGTERM"
wait $pid; rc=$?; pid=
[[ $rc == 0 ]] || fail "exit code $rc after SIGTERM"
echo "reload.sh: ok"
