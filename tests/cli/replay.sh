#!/usr/bin/env bash
# `gateway replay`: a message that was acknowledged but could not become an order (no contract covered its
# municipality) is kept as `failed` with its reason; once the config is fixed, `gateway replay --config FILE ID`
# re-runs its stored raw bytes through the current mappings and routes, creates exactly one order with its delivery
# queued, and writes the replay to the audit log with the actor and reason. Replaying it again creates nothing and
# exits non-zero; --dead-letters with an id that is not a dead letter exits non-zero too.
set -uo pipefail
bin=$1
root=$PWD
fail() { echo "FAIL: $*"; [[ -f $tmp/log ]] && tail -20 "$tmp/log"; exit 1; }
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT

cat > "$tmp/before.yaml" <<YAML
gateway: {threads: 2, shutdown_grace: 5s}
logging: {level: info}
http: {enabled: false}
mllp:
  - {name: care-system, host: 127.0.0.1, port: 0, mapping: $root/mappings/inbound/oms-o05.yaml}
store: {kind: sqlite, path: $tmp/gw.db}
YAML
# The fix: a grocer and a route for everyone. Its URL goes nowhere: the delivery only needs to be queued.
cat "$tmp/before.yaml" > "$tmp/after.yaml"
cat >> "$tmp/after.yaml" <<YAML
vendors:
  peppol-bis:
    folder: $root/mappings/vendors/peppol-bis
    base_url: http://127.0.0.1:9/peppol-ap
    secrets: {callback_token: replay-test}
    params: {seller_org_number: "937270062", seller_name: Test Grocer AS, currency: NOK}
routes:
  - municipality: "*"
    contracts:
      - {vendor: peppol-bis, from: "2020-01-01"}
YAML

"$bin/gateway" serve --config "$tmp/before.yaml" --ready-file "$tmp/ready.json" 2> "$tmp/log" &
pid=$!
for _ in $(seq 1 200); do [[ -s $tmp/ready.json ]] && break; kill -0 $pid 2>/dev/null || fail "gateway exited"; sleep 0.05; done
mllp_port=$(grep -o '"care-system":[0-9]*' "$tmp/ready.json" | grep -o '[0-9]*$')
[[ -n $mllp_port ]] || fail "no MLLP port in the ready file"

sed 's/MSG00004/CTRL-REPLAY-1/' mappings/inbound/samples/oms-o05-one-line.hl7 > "$tmp/order.hl7"
ack=$(mllp_send --loose --quiet --file "$tmp/order.hl7" --port "$mllp_port" 127.0.0.1 | tr '\r' '\n')
grep -q '^MSA|CA|CTRL-REPLAY-1' <<<"$ack" || fail "not accepted: $ack"
id=
for _ in $(seq 1 200); do
  id=$(sqlite3 "$tmp/gw.db" "select id from inbound_message where control_id = 'CTRL-REPLAY-1' and state = 'failed'" 2>/dev/null)
  [[ -n $id ]] && break
  sleep 0.05
done
[[ -n $id ]] || fail "the unroutable message was not marked failed"
sqlite3 "$tmp/gw.db" "select error_text from inbound_message where id = $id" | grep -qi "contract\|route" ||
  fail "failed without a routing reason: $(sqlite3 "$tmp/gw.db" "select error_text from inbound_message where id = $id")"
kill -TERM $pid; wait $pid; pid=

out=$("$bin/gateway" replay --config "$tmp/after.yaml" --actor ops:kari --reason "route added" "$id" 2>&1) ||
  fail "replay failed: $out"
grep -q "order GW-.* for vendor peppol-bis" <<<"$out" || fail "replay output: $out"
[[ $(sqlite3 "$tmp/gw.db" "select count(*) from orders where message_id = $id and vendor = 'peppol-bis'") == 1 ]] ||
  fail "no order for the replayed message"
[[ $(sqlite3 "$tmp/gw.db" "select state from inbound_message where id = $id") == processed ]] || fail "message not processed"
[[ $(sqlite3 "$tmp/gw.db" "select count(*) from outbox o join orders r on r.id = o.order_id where r.message_id = $id and o.state = 'pending'") == 1 ]] ||
  fail "the order's delivery was not queued"
audit=$(sqlite3 "$tmp/gw.db" "select actor || ' ' || action || ' ' || target || ' ' || detail from audit_log where action = 'message.replay'")
grep -q "^ops:kari message.replay message:$id route added: order GW-" <<<"$audit" || fail "audit: $audit"

"$bin/gateway" replay --config "$tmp/after.yaml" "$id" > "$tmp/again" 2>&1 && fail "a second replay succeeded: $(cat "$tmp/again")"
[[ $(sqlite3 "$tmp/gw.db" "select count(*) from orders") == 1 ]] || fail "a second replay made a second order"
"$bin/gateway" replay --config "$tmp/after.yaml" --dead-letters 999 > /dev/null 2>&1 && fail "requeued a dead letter that does not exist"
echo "replay.sh: ok"
