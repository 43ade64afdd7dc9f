#!/usr/bin/env bash
# `gateway routes --at DATE` shows the switch-over: the vendor of the day before and of the day itself, the next
# switch-over and the shadow vendor. `gateway check` rejects route tables that would leave orders without a vendor
# or send them to a vendor that cannot serve the route, each problem as FILE:LINE:COL, and warns about paused vendors.
set -uo pipefail
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$PWD

cat > "$tmp/gw.yaml" <<YAML
mllp: [{name: care-system, port: 0, mapping: $root/mappings/inbound/oms-o05.yaml}]
store: {path: $tmp/gw.db}
vendors:
  oda-web: {folder: $root/mappings/vendors/oda-web, base_url: "http://127.0.0.1:9/oda", secrets: {username: u, password: p}}
  instacart-connect:
    folder: $root/mappings/vendors/instacart-connect
    base_url: "http://127.0.0.1:9/ic"
    secrets: {client_id: c, client_secret: s, webhook_secret: w}
  kroger-cart:
    folder: $root/mappings/vendors/kroger-cart
    base_url: "http://127.0.0.1:9/kc"
    secrets: {client_id: c, client_secret: s}
    enabled: false
routes:
  - municipality: "3201"
    shadow: instacart-connect
    contracts:
      - {vendor: oda-web, from: "2026-01-01", until: "2026-12-01"}
      - {vendor: instacart-connect, from: "2026-12-01"}
  - municipality: "*"
    contracts:
      - {vendor: oda-web, from: "2020-01-01"}
YAML

out=$("$bin/gateway" routes --config "$tmp/gw.yaml" --at 2026-11-30 2>&1) || fail "routes: $out"
grep -q "^Routes on 2026-11-30 (Europe/Oslo)" <<<"$out" || fail "header: $out"
grep -Eq "^3201 +- +oda-web +2026-01-01\.\.2026-11-30 +2026-12-01 -> instacart-connect +instacart-connect$" <<<"$out" ||
  fail "the day before: $out"
out=$("$bin/gateway" routes --config "$tmp/gw.yaml" --at 2026-12-01 2>&1) || fail "routes: $out"
grep -Eq "^3201 +- +instacart-connect +2026-12-01 on +- +-$" <<<"$out" || fail "the day itself: $out"
# An instant is taken as its Oslo day: 23:30 UTC on 30 November is 00:30 on 1 December in Oslo.
out=$("$bin/gateway" routes --config "$tmp/gw.yaml" --at 2026-11-30T23:30:00Z 2>&1) || fail "routes: $out"
grep -Eq "^3201 +- +instacart-connect " <<<"$out" || fail "instant: $out"
"$bin/gateway" routes --config "$tmp/gw.yaml" --at tomorrow 2>/dev/null && fail "--at tomorrow accepted"

out=$("$bin/gateway" check --config "$tmp/gw.yaml" --at 2026-06-01 2>&1) || fail "valid routes rejected: $out"
grep -q "ok" <<<"$out" || fail "check: $out"

# A gap after oda-web's contract, no fallback; a status requirement the cart hand-off vendor cannot meet; a paused
# vendor (a warning only).
cat > "$tmp/bad.yaml" <<YAML
mllp: [{name: care-system, port: 0, mapping: $root/mappings/inbound/oms-o05.yaml}]
store: {path: $tmp/gw.db}
vendors:
  oda-web: {folder: $root/mappings/vendors/oda-web, base_url: "http://127.0.0.1:9/oda", secrets: {username: u, password: p}}
  kroger-cart:
    folder: $root/mappings/vendors/kroger-cart
    base_url: "http://127.0.0.1:9/kc"
    secrets: {client_id: c, client_secret: s}
    enabled: false
routes:
  - municipality: "3201"
    requires: [status]
    contracts:
      - {vendor: oda-web, from: "2026-01-01", until: "2026-12-01"}
      - {vendor: kroger-cart, from: "2027-01-01"}
YAML
out=$("$bin/gateway" check --config "$tmp/bad.yaml" --at 2026-06-01 2>&1) && fail "bad routes accepted: $out"
grep -q "^$tmp/bad.yaml:11:5: error: no vendor for municipality 3201 on 2026-12-01..2026-12-31" <<<"$out" ||
  fail "gap: $out"
grep -q "^$tmp/bad.yaml:14:9: error: vendor oda-web cannot serve municipality 3201: it reports no order status" \
  <<<"$out" || fail "oda status: $out"
grep -q "^$tmp/bad.yaml:15:9: error: vendor kroger-cart cannot serve municipality 3201: it takes a cart hand-off" \
  <<<"$out" || fail "kroger status: $out"
grep -q "^$tmp/bad.yaml:15:9: warning: vendor kroger-cart is paused (enabled: false)" <<<"$out" || fail "paused: $out"
grep -q "^3 errors in " <<<"$out" || fail "count: $out"
echo "routes.sh: ok"
