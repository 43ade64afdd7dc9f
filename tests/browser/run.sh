#!/usr/bin/env bash
# ctest entry point of the browser test: run.sh BIN_DIR [SCREENSHOT_DIR], from the repository root.
# Exit 77 (ctest: skipped) only when the machine has no chromium or node at all (scripts/deps installs both).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -x /usr/bin/chromium ]]; then
  echo "SKIP: /usr/bin/chromium is not installed (scripts/deps installs it)"
  exit 77
fi
if ! command -v node >/dev/null; then
  echo "SKIP: node is not installed (scripts/deps installs it)"
  exit 77
fi
"$here/install.sh"
exec node "$here/dashboard.test.mjs" "$@"
