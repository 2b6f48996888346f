#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing (no browser download by Playwright).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "${MGEDU_SKIP_BROWSER_INSTALL:-}" = "1" ]; then
  echo "chromium is missing and MGEDU_SKIP_BROWSER_INSTALL=1: browser tests will be skipped" >&2
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  echo "Installing Debian's chromium for the browser tests (about a minute)..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is missing and apt-get is not available: browser tests will be skipped" >&2
fi
