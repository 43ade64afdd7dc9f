#!/usr/bin/env bash
# Compares the C++ HL7 codec with node's simple-hl7 on the same ~1 KB OMS^O05 (bench/hl7_oms_o05_1k.hl7): parse,
# read the same 10 fields, re-encode. Prints both rates and the ratio (goal >= 10x). Bounded: node runs for about
# 4 s, the C++ benchmark for about 1 s of CPU time, npm install is capped at 25 s. Both rates are per CPU-second
# so a shared machine skews the ratio little (node's CPU time includes its GC/JIT helper threads).
#   usage: bench/hl7_vs_node.sh [BUILD_DIR]   (default build-hl7; needs the hl7_parse_bench target built)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-hl7}
bench_bin=$build/bin/hl7_parse_bench
message=$root/bench/hl7_oms_o05_1k.hl7
[[ -x $bench_bin ]] || { echo "missing $bench_bin: cmake --build $build --target hl7_parse_bench" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are required" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && timeout 25 npm install --silent --no-audit --no-fund --no-save simple-hl7@3.3.0 >/dev/null 2>&1) ||
    { echo "npm install simple-hl7 failed (registry unreachable?)" >&2; exit 2; }

cat >"$work/bench.js" <<'JS'
const fs = require('fs');
const hl7 = require('simple-hl7');
const text = fs.readFileSync(process.argv[2], 'utf8');
const seconds = Number(process.argv[3]);
const parser = new hl7.Parser();
// simple-hl7 keeps MSH-1/MSH-2 outside its field list, so header field n is getField(n - 2).
function once() {
  const m = parser.parse(text);
  const h = m.header;
  const v = [h.getComponent(7, 1), h.getComponent(7, 2), h.getField(8), h.getField(10),
             m.getSegment('PID').getComponent(3, 1), m.getSegment('PID').getComponent(5, 2),
             m.getSegment('ORC').getField(2), m.getSegment('TQ1').getField(7),
             m.getSegments('RQD')[2].getComponent(2, 2), m.getSegment('NTE').getField(3)];
  return [v, m.toString()];
}
const [values] = once();
// Same checks as the C++ benchmark, except NTE-3: simple-hl7 does not unescape, so only its prefix is compared.
const expected = ['OMS', 'O05', 'GER-20261111-0042', '2.5', 'PSN-88231', 'Åse', 'BK-2026-004211',
                  '202611121000+0100', 'Bananer løsvekt'];
for (let i = 0; i < expected.length; ++i) {
  if (values[i] !== expected[i]) { console.error(`node read ${values[i]} for value ${i}, expected ${expected[i]}`); process.exit(3); }
}
if (!values[9].startsWith('Nøkkelboks ved døra')) { console.error('node NTE-3 wrong'); process.exit(3); }
for (let i = 0; i < 20000; ++i) once();  // JIT warm-up
let n = 0, sink = 0;
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const limit = BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() - start < limit) {
  for (let i = 0; i < 1000; ++i) sink += once()[1].length;
  n += 1000;
}
// CPU time, like Google Benchmark's items_per_second, so a busy machine does not skew the ratio.
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(Math.round(n / cpuSeconds), sink > 0 ? '' : 'x');
JS

node_rate=$(timeout 20 node "$work/bench.js" "$message" 4 | awk '{print $1}')
cpp_rate=$(timeout 40 "$bench_bin" --benchmark_filter=BM_Oms1K_ParseRead10Encode --benchmark_min_time=1 \
               --benchmark_format=json 2>/dev/null |
           python3 -c 'import json,sys; print(int(json.load(sys.stdin)["benchmarks"][0]["items_per_second"]))')

echo "message:      $message ($(wc -c <"$message") bytes)"
echo "node simple-hl7 3.3.0: $node_rate parse+read10+encode/s"
echo "C++ gw::hl7:           $cpp_rate parse+read10+encode/s"
awk -v c="$cpp_rate" -v n="$node_rate" 'BEGIN { r = c / n; printf "ratio:        %.1fx (goal >= 10x) %s\n", r, (r >= 10 ? "OK" : "BELOW GOAL") }'
