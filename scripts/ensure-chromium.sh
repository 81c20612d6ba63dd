#!/bin/sh
# Makes sure Debian's Chromium is there for the browser tests (tests/test_browser.py drive it with
# Playwright). Playwright's own browser downloads are out of reach; Debian's package is not.
#   ensure-chromium.sh           install if missing (root + apt-get), else explain; exit 0 when ready
#   ensure-chromium.sh --check   only check; exit 1 if missing, never install
# $SECKG_CHROMIUM names another executable (default /usr/bin/chromium).
set -eu

browser="${SECKG_CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$browser" ] && [ "${1:-}" != "--check" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure-chromium: installing chromium with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update >&2
        apt-get install -y --no-install-recommends chromium fonts-dejavu-core >&2
    fi
fi

if [ ! -x "$browser" ]; then
    {
        echo "ensure-chromium: $browser is missing; the browser tests need it."
        echo "Install it (Debian/Ubuntu) as root:"
        echo "  apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core"
        echo "or set SECKG_CHROMIUM to a Chromium executable."
    } >&2
    exit 1
fi
