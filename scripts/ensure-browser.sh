#!/usr/bin/env bash
# The browser tests (MessagesPageIT) drive Debian's chromium with its chromedriver, by path (/usr/bin): nothing is
# downloaded at test time. `./mvnw verify` runs this script before the integration tests (pre-integration-test):
#   - both present: nothing to do;
#   - missing, and we are root with apt-get (containers, CI, this project's machines): apt-get installs them;
#   - otherwise: one line saying what to install, and the build fails (before 10 minutes of tests, not after).
#
#   scripts/ensure-browser.sh [--skip=true] [--it-test=<failsafe's it.test filter>]
# --skip=true (-DskipTests / -DskipITs) and an it.test filter that cannot select MessagesPageIT need no browser.
# BROWSER_BIN_DIR (default /usr/bin): where chromium and chromedriver must be (the tests' fixed paths).
set -euo pipefail

it_test=""
for arg in "$@"; do
  case "$arg" in
    --skip=true) exit 0 ;;
    --it-test=\$\{*) ;;                       # the property is not set: every IT runs
    --it-test=*) it_test="${arg#--it-test=}" ;;
  esac
done
if [ -n "$it_test" ] && [[ "$it_test" != *MessagesPage* && "$it_test" != *'*'* ]]; then
  exit 0
fi

bin=${BROWSER_BIN_DIR:-/usr/bin}
present() { [ -x "$bin/chromium" ] && [ -x "$bin/chromedriver" ]; }
present && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "browser tests: installing chromium + chromium-driver with apt-get (MessagesPageIT needs $bin/chromium and $bin/chromedriver)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
  present && exit 0
  echo "browser tests: apt-get installed chromium + chromium-driver but $bin/chromium or $bin/chromedriver is still missing" >&2
  exit 1
fi
echo "browser tests: $bin/chromium and $bin/chromedriver are missing: install them (Debian/Ubuntu: sudo apt-get install chromium chromium-driver), or leave the browser tests out with -Dit.test='!MessagesPageIT'" >&2
exit 1
