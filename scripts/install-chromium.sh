#!/usr/bin/env bash
# Make sure a headless Chromium exists for dynamic scraping and the browser tests.
# Order: $CHROMIUM_PATH, Debian's chromium-headless-shell, Debian's chromium; otherwise install
# the headless shell with apt-get (as root), and as a last resort Playwright's own download.
set -euo pipefail

for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium-headless-shell /usr/bin/chromium; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    exit 0
  fi
done

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing chromium-headless-shell with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if apt-get install -y -qq chromium-headless-shell >/dev/null || apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
fi

py="${1:-.venv/bin/python}"
echo "No system Chromium found; trying Playwright's browser download ..."
if "$py" -m playwright install chromium; then
  exit 0
fi
echo "WARNING: no Chromium available; set CHROMIUM_PATH to a Chromium binary for dynamic scraping." >&2
