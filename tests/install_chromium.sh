#!/bin/sh
# Debian's headless chromium for the browser test of the quality report (tests/test_quality_report.py).
# Idempotent: does nothing when chromium is installed; installs it with apt only when run as root.
# (`playwright install` is never used: it downloads its own browser.)
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
    echo "chromium is missing (not root: install it with 'apt-get install chromium'); the browser test is skipped" >&2
fi
exit 0
