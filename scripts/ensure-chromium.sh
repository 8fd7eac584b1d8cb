#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (headless). Install it when it is missing and we may
# (root with apt-get); otherwise say so — the browser tests then skip, except in CI where they must run.
set -uo pipefail
for bin in /usr/bin/chromium /usr/bin/chromium-browser; do
  [ -x "$bin" ] && exit 0
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/fordra-chromium.log 2>&1 \
    && exit 0
  echo "ensure-chromium: apt-get install chromium failed (see /tmp/fordra-chromium.log)" >&2
fi
if [ "${CI:-}" = "true" ]; then
  echo "ensure-chromium: Chromium is required in CI for the browser tests" >&2
  exit 1
fi
echo "ensure-chromium: no Chromium; browser tests will be skipped" >&2
exit 0
