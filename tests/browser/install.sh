#!/usr/bin/env bash
# Installs the browser test's npm packages (playwright-core only) exactly as package-lock.json pins them. Never
# downloads a browser: the test drives Debian's /usr/bin/chromium. Offline-safe: when the locked version is already
# installed nothing is fetched; otherwise npm prefers its local cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
wanted=$(node -p "require('$here/package-lock.json').packages['node_modules/playwright-core'].version")
installed=$(node -p "require('$here/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [[ "$installed" == "$wanted" ]]; then
  exit 0
fi
echo "browser tests: installing playwright-core $wanted from package-lock.json"
cd "$here"
# --ignore-scripts: no install hooks run (nothing may fetch browsers); ci: exactly the lockfile, or fail.
npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error
