#!/usr/bin/env bash
# `gateway check` reads the admin tokens file as a start would: problems as FILE:LINE:COL, a good file passes, and a
# plaintext token (instead of its SHA-256) is refused.
set -uo pipefail
bin=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'store: {kind: sqlite, path: %s/gw.db}\nadmin: {tokens_file: %s/tokens.yaml}\n' "$tmp" "$tmp" > "$tmp/gw.yaml"
cat > "$tmp/tokens.yaml" <<YAML
tokens:
  - name: ops
    sha256: $(printf %s secret-token | sha256sum | cut -d' ' -f1)
    roles: [viewer, operator]
YAML
out=$("$bin/gateway" check --config "$tmp/gw.yaml" 2>&1) || fail "good tokens file refused: $out"

cat > "$tmp/tokens.yaml" <<'YAML'
tokens:
  - name: ops
    token: secret-token
    roles: [viewer, admin]
YAML
out=$("$bin/gateway" check --config "$tmp/gw.yaml" 2>&1) && fail "bad tokens file accepted"
grep -q "tokens.yaml:3:5: error: unknown key 'token'" <<<"$out" || fail "plaintext token not reported: $out"
grep -q "tokens.yaml:4:.*unknown role 'admin'" <<<"$out" || fail "unknown role not reported: $out"
grep -q "tokens.yaml:.*sha256" <<<"$out" || fail "missing sha256 not reported: $out"
echo "admin tokens check ok"
