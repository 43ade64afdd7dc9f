#!/usr/bin/env bash
# `gateway scorecard`: the CSV a procurement officer gets, from a real SQLite store filled with rows whose numbers
# are worked out by hand below; bad periods exit 2 with an error.
set -uo pipefail
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ms() { echo $(( $(date -u -d "$1" +%s) * 1000 )); }

cat > "$tmp/gw.yaml" <<YAML
store: {kind: sqlite, path: $tmp/gw.db}
YAML
header='vendor,period_from,period_to,orders,accepted,rejected,failed,acceptance_rate,lines_ordered,line_fill_rate,substitution_rate,out_of_stock_rate,time_to_accept_median_s,time_to_accept_p90_s,delivered,on_time,early,late,on_time_rate,deliveries,attempts,error_rate,retry_rate'

# An empty store (created by this first run): the header only.
out=$("$bin/gateway" scorecard --config "$tmp/gw.yaml" --from 2026-11-01 --to 2026-11-30) || fail "empty store: $out"
[[ "$(tr -d '\r' <<<"$out")" == "$header" ]] || fail "empty store printed: $out"

# O1: accepted after 90 s, line 2 substituted, delivered 11:30 Oslo inside its 10:00-12:00 window; its submission
#     took two attempts (retry, success). O2: rejected, its only attempt dead-lettered. O3: created 23:30 Oslo on
#     31 October, outside the period.
t1=$(ms 2026-11-10T08:00:00Z); t2=$(ms 2026-11-12T09:00:00Z); t3=$(ms 2026-10-31T22:30:00Z)
json='{"lines":[{"line_number":1},{"line_number":2}],"delivery":{"date":"2026-11-11","window_start":"10:00","window_end":"12:00"}}'
sqlite3 "$tmp/gw.db" <<SQL || fail "seeding the store"
INSERT INTO orders (id, canonical_json, municipality, vendor, external_ref, state, created_at, updated_at)
  VALUES ('O1', '$json', '3201', 'oda-web', 'BK-1', 'delivered', $t1, $t1),
         ('O2', '$json', '3201', 'oda-web', 'BK-2', 'rejected', $t2, $t2),
         ('O3', '$json', '3201', 'oda-web', 'BK-3', 'accepted', $t3, $t3);
INSERT INTO order_event (order_id, vendor, vendor_event_id, state, event_json, occurred_at, recorded_at) VALUES
  ('O1', 'oda-web', 'e1', 'accepted', '{"lines":[]}', $((t1 + 90000)), $t1),
  ('O1', 'oda-web', 'e2', 'partially_accepted', '{"lines":[{"line_number":2,"outcome":"substituted"}]}', $((t1 + 600000)), $t1),
  ('O1', 'oda-web', 'e3', 'delivered', '{"lines":[]}', $(ms 2026-11-11T10:30:00Z), $t1),
  ('O2', 'oda-web', 'e4', 'rejected', '{"lines":[]}', $((t2 + 30000)), $t2),
  ('O3', 'oda-web', 'e5', 'accepted', '{"lines":[]}', $((t3 + 10000)), $t3);
INSERT INTO outbox (id, destination, order_id, kind, payload, idempotency_key, state, attempts, next_attempt_at, created_at, updated_at) VALUES
  (1, 'vendor:oda-web', 'O1', 'submit', X'7B7D', 'k1', 'done', 2, $t1, $t1, $t1),
  (2, 'mllp:care-system', 'O1', 'status_report', X'7B7D', 'k2', 'done', 1, $t1, $t1, $t1),
  (3, 'vendor:oda-web', 'O2', 'submit', X'7B7D', 'k3', 'dead', 1, $t2, $t2, $t2),
  (4, 'vendor:oda-web', 'O3', 'submit', X'7B7D', 'k4', 'done', 1, $t3, $t3, $t3);
INSERT INTO delivery_attempt (outbox_id, started_at, outcome, http_status, error, duration_ms) VALUES
  (1, $t1, 'retry', 503, 'busy', 40), (1, $t1, 'success', 200, '', 40), (2, $t1, 'success', NULL, '', 5),
  (3, $t2, 'dead', 400, 'bad', 30), (4, $t3, 'success', 200, '', 30);
SQL

# orders 2; accepted 1, rejected 1 -> 0.5; lines 2, both filled, one substituted; accept 90 s; delivered on time;
# vendor deliveries 2 (the status report is not the vendor's), attempts 3, 2 failed -> 0.6667, 1 of 2 retried.
expected="oda-web,2026-11-01,2026-11-30,2,1,1,0,0.5000,2,1.0000,0.5000,0.0000,90.0,90.0,1,1,0,0,1.0000,2,3,0.6667,0.5000"
"$bin/gateway" scorecard --config "$tmp/gw.yaml" --from 2026-11-01 --to 2026-11-30 --output "$tmp/card.csv" ||
  fail "scorecard exited $?"
[[ "$(sed -n 1p "$tmp/card.csv" | tr -d '\r')" == "$header" ]] || fail "header: $(head -1 "$tmp/card.csv")"
[[ "$(sed -n 2p "$tmp/card.csv" | tr -d '\r')" == "$expected" ]] || fail "row: $(sed -n 2p "$tmp/card.csv")"
[[ $(wc -l < "$tmp/card.csv") == 2 ]] || fail "expected one vendor row: $(cat "$tmp/card.csv")"
# October alone holds only O3.
out=$("$bin/gateway" scorecard --config "$tmp/gw.yaml" --from 2026-10-01 --to 2026-10-31 --vendor oda-web | tr -d '\r')
grep -q '^oda-web,2026-10-01,2026-10-31,1,1,0,0,1.0000,' <<<"$out" || fail "October: $out"

for bad in "--from 2026-11-31 --to 2026-12-01" "--from 2026-12-01 --to 2026-11-01" "--from yesterday --to today"; do
  # shellcheck disable=SC2086
  out=$("$bin/gateway" scorecard --config "$tmp/gw.yaml" $bad 2>&1); rc=$?
  [[ $rc == 2 ]] || fail "$bad: exit $rc"
  grep -q "error:" <<<"$out" || fail "$bad: no error message: $out"
done
echo "scorecard CLI ok"
