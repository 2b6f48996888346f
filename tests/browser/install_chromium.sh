#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing (Playwright never downloads a browser).
# Used by `make browser-deps` (and so by `make test` and CI). Set MGEDU_SKIP_BROWSER_INSTALL=1 to opt out:
# the browser tests are then skipped, with the reason, instead of failing.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "${MGEDU_SKIP_BROWSER_INSTALL:-}" = "1" ]; then
  echo "chromium is missing and MGEDU_SKIP_BROWSER_INSTALL=1: browser tests will be skipped" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and apt-get is not available: browser tests will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "chromium is missing and installing it needs root (no sudo here): browser tests will be skipped." >&2
    echo "Install it with: apt-get install chromium" >&2
    exit 0
  fi
fi
echo "Installing Debian's chromium for the browser tests (about a minute)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version 2>/dev/null | grep -i chromium
