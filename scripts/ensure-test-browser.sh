#!/usr/bin/env bash
# The headless browser one test drives (tests/test_output_formats.py: the shared HTML table
# sorts when a header is clicked): Debian's chromium-headless-shell, spoken to over the
# DevTools protocol with the websockets package already installed -- no driver, no download.
# Installed with apt-get when we are root (or have password-less sudo); otherwise that one
# test is skipped and says why. Re-running is a no-op once it is there.
set -uo pipefail

have_browser() {
  command -v chromium-headless-shell >/dev/null 2>&1 || [ -x /usr/lib/chromium/headless_shell ] \
    || command -v chromium >/dev/null 2>&1
}
have_browser && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "note: no headless chromium and no root: the HTML sorting test will be skipped" \
         "(apt-get install chromium-headless-shell to run it)" >&2
    exit 0
  fi
fi
command -v apt-get >/dev/null 2>&1 || exit 0
echo "screener: installing chromium-headless-shell for the HTML table test (~60 MB, once)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null 2>&1; then
  $sudo apt-get update -qq >/dev/null 2>&1
  $sudo apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null 2>&1 \
    || echo "note: apt-get could not install chromium-headless-shell; the HTML sorting test" \
            "will be skipped" >&2
fi
exit 0
