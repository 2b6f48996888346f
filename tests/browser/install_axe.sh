#!/usr/bin/env bash
# Install axe-core (the accessibility engine the browser tests inject into pages) from npm, at the
# version pinned in tests/browser/package.json and package-lock.json. Used by `make browser-deps` (and
# so by `make test` and CI). Without npm, or with MGEDU_SKIP_BROWSER_INSTALL=1, the accessibility
# checks are skipped with the reason instead of failing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -f "$HERE/node_modules/axe-core/axe.min.js" ] && \
   grep -q "\"version\": \"$(sed -n 's/.*"axe-core": "\(.*\)".*/\1/p' "$HERE/package.json")\"" \
     "$HERE/node_modules/axe-core/package.json"; then
  exit 0
fi
if [ "${MGEDU_SKIP_BROWSER_INSTALL:-}" = "1" ]; then
  echo "axe-core is missing and MGEDU_SKIP_BROWSER_INSTALL=1: accessibility checks will be skipped" >&2
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "axe-core is missing and npm is not available: accessibility checks will be skipped" >&2
  exit 0
fi
echo "Installing axe-core for the accessibility checks..."
npm ci --prefix "$HERE" --no-audit --no-fund --loglevel=error
