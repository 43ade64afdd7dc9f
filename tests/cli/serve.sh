#!/usr/bin/env bash
# `gateway serve`: a real process on ports 0 with a real SQLite store. /healthz and /readyz answer; an order sent
# with Debian's mllp_send (python3-hl7) gets an AA only once it is stored; a resend gets the original ACK and no
# second row; a message with an unsupported version gets AR and is stored with its error; SIGTERM exits 0.
set -uo pipefail
bin=$1
fail() { echo "FAIL: $*"; [[ -f $tmp/log ]] && tail -20 "$tmp/log"; exit 1; }
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT

cat > "$tmp/gw.yaml" <<YAML
gateway: {threads: 2, shutdown_grace: 5s}
logging: {level: info}
http: {host: 127.0.0.1, port: 0}
mllp:
  - name: care-system
    host: 127.0.0.1
    port: 0
store: {kind: sqlite, path: $tmp/gw.db}
YAML

"$bin/gateway" serve --config "$tmp/gw.yaml" 2> "$tmp/log" &
pid=$!
for _ in $(seq 1 200); do
  grep -qF '"event":"mllp_listening"' "$tmp/log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || fail "gateway exited early"
  sleep 0.05
done
http_port=$(grep -F '"event":"http_listening"' "$tmp/log" | head -1 | grep -o '"port":"[0-9]*"' | grep -o '[0-9]*')
mllp_port=$(grep -F '"event":"mllp_listening"' "$tmp/log" | head -1 | grep -o '"address":"[^"]*"' | grep -o '[0-9]*"$' | tr -d '"')
[[ -n $http_port && -n $mllp_port ]] || fail "no ports in log"

curl -fsS "http://127.0.0.1:$http_port/healthz" | grep -q '"status":"ok"' || fail "/healthz"
curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null || fail "/readyz not ready"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/nope")
[[ $code == 404 ]] || fail "unknown path gave $code"

msg='MSH|^~\&|GERICA|3201|GROCERY-GW|GW|20261111091500+0100||OMS^O05^OMS_O05|CTRL-SERVE-1|P|2.5\rPID|1||PSN-1^^^BAERUM^PI||Hansen^Kari\rORC|NW|BK-1\rRQD|1|7038010009457^Lettmelk^GTIN||2|EA\r'
printf "$msg" | tr '\r' '\n' > "$tmp/order.hl7"
ack=$(mllp_send --loose --quiet --file "$tmp/order.hl7" --port "$mllp_port" 127.0.0.1 | tr '\r' '\n')
grep -q '^MSA|AA|CTRL-SERVE-1' <<<"$ack" || fail "first send: $ack"
ack2=$(mllp_send --loose --quiet --file "$tmp/order.hl7" --port "$mllp_port" 127.0.0.1 | tr '\r' '\n')
[[ "$ack2" == "$ack" ]] || fail "resend did not get the original ACK: $ack2"

sed 's/|2.5$/|2.999/; s/CTRL-SERVE-1/CTRL-SERVE-2/' "$tmp/order.hl7" > "$tmp/bad.hl7"
nak=$(mllp_send --loose --quiet --file "$tmp/bad.hl7" --port "$mllp_port" 127.0.0.1 | tr '\r' '\n')
grep -q '^MSA|AR|CTRL-SERVE-2' <<<"$nak" || fail "unsupported version: $nak"
grep -q '^ERR|.*|203' <<<"$nak" || fail "no ERR 203: $nak"

kill -TERM $pid
for _ in $(seq 1 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
kill -0 $pid 2>/dev/null && fail "did not stop within 10 s of SIGTERM"
wait $pid; rc=$?; pid=
[[ $rc == 0 ]] || fail "exit code $rc after SIGTERM"

rows=$(sqlite3 "$tmp/gw.db" "select count(*) from inbound_message where control_id='CTRL-SERVE-1'")
[[ $rows == 1 ]] || fail "expected 1 stored CTRL-SERVE-1, found $rows"
rejected=$(sqlite3 "$tmp/gw.db" "select count(*) from inbound_message where control_id='CTRL-SERVE-2' and error_text is not null")
[[ $rejected == 1 ]] || fail "rejected message not stored with its error ($rejected)"
grep -q 'Hansen' "$tmp/log" && fail "personal data in the log"
echo "serve.sh: ok"
