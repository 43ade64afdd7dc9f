#!/usr/bin/env bash
# MLLP end to end, side by side in ONE run on the same machine, each driven by the peers' mllp_load (closed loop:
# one message in flight per connection) with the peers' OMS^O05 template at concurrency 1, 16 and 64:
#   node      the Node.js translator a municipality would otherwise write (simple-hl7 -> undici POST to an nginx
#             fake grocer -> ACK), as in ../shared/peers/run-peer.sh; skipped with a message without nginx/node/npm
#   memory    our MLLP listener + HL7 intake + InMemorySink (the ACK loop alone)
#   durable   MLLP -> SQLite (WAL, synchronous=FULL) through GroupCommitSink -> ACK after the commit
#   nobatch   the same with one transaction (one fsync) per message
# plus latency at a fixed rate (RATE msgs/s over 64 connections, open loop, with bench/tools/mllp_paced_load: the
# peers' mllp_load cannot pace — its MAX caps the count, not the rate; a server slower than RATE shows as
# SATURATED, not FAIL), and each server's peak RSS (VmHWM) and CPU time per message.
# Every ACK is checked by the load generators (AA/CA and the right MSA-2). Afterwards each of our servers must have
# stored every ACKed message: acks_aa == rows stored, and ok <= stored <= ok + in flight (a time-bounded closed-loop
# run ends with up to one unanswered message per connection; a saturated paced run with those it left unanswered).
# A failed check marks the row FAIL and the script exits 1.
#
#   usage: bench/mllp_vs_node.sh [BUILD_DIR]     (default build-bench; needs the mllp_ack_server and
#                                                 mllp_paced_load targets built)
#   env:   SECS=5 (per run)  THREADS=2 (server io threads)  RATE=1000  LOG_LEVEL=info (server log level; stderr
#          goes to a temp file)  SKIP_NODE=1 (no baseline)
# Bounded: 4 x 3 x SECS + 4 x SECS seconds of load, + 5 s per saturated paced run, plus start-up (< 3 minutes with
# the defaults); npm ci is capped at 60 s. Starts and stops only its own processes, by pid (also on failure/Ctrl-C).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
peers=$root/../shared/peers
build=${1:-$root/build-bench}
secs=${SECS:-5}
threads=${THREADS:-2}
rate=${RATE:-1000}
log_level=${LOG_LEVEL:-info}
server_bin=$build/bin/mllp_ack_server
paced_bin=$build/bin/mllp_paced_load
template=$peers/data/oms_o05.hl7

[[ -d $peers ]] || { echo "missing $peers (the shared peers folder)" >&2; exit 2; }
for b in "$server_bin" "$paced_bin"; do
    [[ -x $b ]] || { echo "missing $b: cmake --build $build --target mllp_ack_server mllp_paced_load" >&2; exit 2; }
done

work=$(mktemp -d /tmp/mllp-vs-node.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_port PORT PID: until something accepts on 127.0.0.1:PORT (10 s at most, and only while PID lives)
wait_port() {
    for _ in $(seq 100); do
        kill -0 "$2" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# field NAME LINE: the value of NAME=... in a RESULT/STATS line
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }

g++ -O2 -std=c++17 -o "$work/mllp_load" "$peers/mllp-load/mllp_load.cpp" || { echo "cannot compile mllp_load" >&2; exit 2; }

status=0
declare -A rate_of p50_of p99_of
rows=()   # lines of the result table
row() { rows+=("$(printf '%-8s %5s %10s %9s %9s  %s' "$@")"); }

# run_closed NAME PORT: mllp_load at concurrency 1, 16, 64; sets ok_sum and conn_sum
run_closed() {
    local name=$1 port=$2 c out rc
    ok_sum=0 conn_sum=0
    for c in 1 16 64; do
        out=$("$work/mllp_load" 127.0.0.1 "$port" "$template" "$c" "$secs" 100000000 "$name-c$c-$$" 2>&1 | tail -1)
        rc=${PIPESTATUS[0]}
        if [[ $out != RESULT* ]]; then
            row "$name" "$c" "-" "-" "-" "FAIL: $out"; status=1; continue
        fi
        rate_of[$name,$c]=$(field msgs_per_s "$out")
        p50_of[$name,$c]=$(field p50_ms "$out")
        p99_of[$name,$c]=$(field p99_ms "$out")
        ok_sum=$((ok_sum + $(field ok "$out")))
        conn_sum=$((conn_sum + c))
        local verdict="ok=$(field ok "$out") acks checked"
        if [[ $rc -ne 0 ]]; then verdict="FAIL: failed=$(field failed "$out") errors=$(field errors "$out")"; status=1; fi
        row "$name" "$c" "${rate_of[$name,$c]}" "${p50_of[$name,$c]}" "${p99_of[$name,$c]}" "$verdict"
    done
}

# run_paced NAME PORT: RATE msgs/s open loop over 64 connections (so a connection is free unless latency > 64 ms);
# adds its ok to ok_sum and the messages still unanswered at its end to the in-flight allowance
run_paced() {
    local name=$1 port=$2 out rc note
    out=$("$paced_bin" 127.0.0.1 "$port" "$template" 64 "$secs" "$rate" "$name-paced-$$" 2>&1 | tail -1)
    rc=${PIPESTATUS[0]}
    if [[ $out != RESULT* || ( $rc -ne 0 && $rc -ne 3 ) ]]; then
        row "$name" "@$rate" "-" "-" "-" "FAIL: $out"; status=1
        [[ $out == RESULT* ]] && ok_sum=$((ok_sum + $(field ok "$out"))) && conn_sum=$((conn_sum + 64))
        return
    fi
    ok_sum=$((ok_sum + $(field ok "$out")))
    conn_sum=$((conn_sum + $(field unanswered "$out")))
    note="open loop, sent=$(field sent "$out") late=$(field late "$out") max=$(field max_ms "$out")ms"
    [[ $rc -eq 3 ]] && note="SATURATED (capacity < $rate/s): $note unanswered=$(field unanswered "$out")"
    p50_of[$name,paced]=$(field p50_ms "$out")
    p99_of[$name,paced]=$(field p99_ms "$out")
    row "$name" "@$rate" "$(field msgs_per_s "$out")" "${p50_of[$name,paced]}" "${p99_of[$name,paced]}" "$note"
}

# ---- (a) the node baseline ----
node_rss="-"
if [[ ${SKIP_NODE:-0} == 1 ]]; then
    echo "node baseline: skipped (SKIP_NODE=1)"
elif ! command -v nginx >/dev/null; then
    echo "node baseline: SKIPPED — nginx is missing (apt-get install -y nginx-light)"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node baseline: SKIPPED — node/npm are missing"
else
    cp -r "$peers/node-translator" "$work/node" && chmod -R u+w "$work/node"
    if ! (cd "$work/node" && timeout 60 npm ci --silent --no-audit --no-fund >"$work/npm.log" 2>&1); then
        echo "node baseline: SKIPPED — npm ci failed (registry unreachable?): $(tail -2 "$work/npm.log")"
    else
        # The peers' nginx.conf, on a free port and with its pid/error files in our temp dir, so a concurrent
        # run-peer.sh of a colleague does not collide with this one.
        grocer_port=$(free_port)
        sed -e "s/127.0.0.1:18081/127.0.0.1:$grocer_port/" -e "s#/tmp/peer-nginx#$work/nginx#g" \
            "$peers/nginx.conf" >"$work/nginx.conf"
        nginx -p "$work" -c "$work/nginx.conf" -e "$work/nginx.err" >"$work/nginx.out" 2>&1 &
        pids+=($!)
        node_port=$(free_port)
        node "$work/node/translator.js" "$node_port" "http://127.0.0.1:$grocer_port" >"$work/node.log" 2>&1 &
        node_pid=$!
        pids+=($node_pid)
        if wait_port "$grocer_port" "${pids[0]}" && wait_port "$node_port" "$node_pid"; then
            run_closed node "$node_port"
            run_paced node "$node_port"
            node_rss=$(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$node_pid/status")
        else
            echo "node baseline: SKIPPED — nginx or the translator did not start:" \
                 "$(tail -2 "$work/nginx.err" "$work/nginx.out" "$work/node.log" 2>/dev/null)"
        fi
        kill -TERM "$node_pid" "${pids[0]}" 2>/dev/null
        wait "$node_pid" "${pids[0]}" 2>/dev/null
        pids=()
    fi
fi

# ---- (b)-(d) our server ----
declare -A rss_of stats_of cpu_ticks_of
run_ours() {
    local name=$1 sink=$2 pid port line
    "$server_bin" 0 "$threads" "$sink" --log-level "$log_level" >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    pids+=($pid)
    for _ in $(seq 100); do
        line=$(grep -m1 '^listening ' "$work/$name.out" 2>/dev/null) && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    port=${line#listening }
    if [[ -z $port ]]; then
        row "$name" "-" "-" "-" "-" "FAIL: server did not start: $(tail -2 "$work/$name.err")"; status=1
        return
    fi
    run_closed "$name" "$port"
    run_paced "$name" "$port"
    rss_of[$name]=$(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$pid/status")
    # CPU time the server used (utime + stime, clock ticks; the comm field has no spaces here)
    cpu_ticks_of[$name]=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    wait "$pid"
    local rc=$?
    pids=()
    line=$(grep '^STATS ' "$work/$name.out")
    stats_of[$name]=$line
    local stored acks_aa
    stored=$(field stored "$line")
    acks_aa=$(field acks_aa "$line")
    if [[ $rc -ne 0 || -z $stored ]]; then
        row "$name" "end" "-" "-" "-" "FAIL: server exit $rc: $(tail -2 "$work/$name.err")"; status=1
    elif [[ $stored -ne $acks_aa || $stored -lt $ok_sum || $stored -gt $((ok_sum + conn_sum)) ]]; then
        row "$name" "end" "-" "-" "-" "FAIL: stored=$stored acks_aa=$acks_aa client_ok=$ok_sum (+$conn_sum in flight)"
        status=1
    else
        row "$name" "end" "" "" "" "stored=$stored = acks_aa; client ok=$ok_sum (+$((stored - ok_sum)) in flight at deadlines)"
    fi
}

run_ours memory memory
run_ours durable "sqlite:$work/durable.db"
run_ours nobatch "sqlite-nobatch:$work/nobatch.db"

# ---- report ----
echo
echo "MLLP ACK loop, $(nproc) cores, $(uptime | sed 's/.*load average/load average/'), SECS=$secs THREADS=$threads" \
     "LOG_LEVEL=$log_level, template $(wc -c <"$template") bytes"
printf '%-8s %5s %10s %9s %9s  %s\n' config conc msgs/s p50_ms p99_ms check
for r in "${rows[@]}"; do echo "$r"; done
echo
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.1fx", a / b }'; }
for c in 1 16 64; do
    echo "c=$c: memory/node $(ratio "${rate_of[memory,$c]:-}" "${rate_of[node,$c]:-}")," \
         "durable/node $(ratio "${rate_of[durable,$c]:-}" "${rate_of[node,$c]:-}")"
done
echo "group commit / one transaction per message at c=64: $(ratio "${rate_of[durable,64]:-}" "${rate_of[nobatch,64]:-}") (goal >= 10x)"
hz=$(getconf CLK_TCK)
for n in memory durable nobatch; do
    stored=$(field stored "${stats_of[$n]:-}")
    cpu=$(awk -v t="${cpu_ticks_of[$n]:-}" -v n="${stored:-0}" -v hz="$hz" \
          'BEGIN { if (t == "" || n == 0) print "n/a"; else printf "%.0f us CPU/msg (%.0f msgs per CPU-second)", t * 1e6 / hz / n, n * hz / (t > 0 ? t : 1) }')
    echo "$n server: peak RSS (VmHWM) ${rss_of[$n]:-n/a}; $cpu; ${stats_of[$n]:-no stats}"
done
echo "node translator: peak RSS (VmHWM) $node_rss"
echo "targets: memory >= 50000 msgs/s; durable >= 5000 msgs/s, p99 <= 20 ms at 1000 msgs/s, RSS <= 64 MB;" \
     "group commit >= 10x no-batch at c=64"
exit $status
