#!/usr/bin/env bash
# `gateway check`: exit 0 on a valid config; non-zero with FILE:LINE:COL: error: lines (all of them) otherwise.
set -uo pipefail
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$bin/gateway" check --config config/gateway.yaml 2>&1) || fail "shipped config rejected: $out"

cat > "$tmp/broken.yaml" <<'YAML'
gateway:
  threads: many
htp:
  port: 1
mllp:
  - name: care
    prot: 2575
YAML
out=$("$bin/gateway" check --config "$tmp/broken.yaml" 2>&1) && fail "broken config accepted"
grep -qx "$tmp/broken.yaml:2:12: error: 'gateway.threads' must be an integer, found 'many'" <<<"$out" || fail "threads: $out"
grep -q "^$tmp/broken.yaml:3:1: error: unknown key 'htp' in 'document' (hint: did you mean 'http'?)" <<<"$out" || fail "htp: $out"
grep -q "^$tmp/broken.yaml:7:5: error: unknown key 'prot' in 'mllp\[0\]' (hint: did you mean 'port'?)" <<<"$out" || fail "prot: $out"
grep -q "^3 errors in " <<<"$out" || fail "count: $out"

out=$("$bin/gateway" check --config "$tmp/missing.yaml" 2>&1) && fail "missing file accepted"
grep -q "missing.yaml:1:1: error: cannot read" <<<"$out" || fail "missing: $out"

"$bin/gateway" check 2>/dev/null && fail "check without --config succeeded"
"$bin/gateway" --help | grep -q "serve" || fail "--help does not list serve"
echo "check.sh: ok"
