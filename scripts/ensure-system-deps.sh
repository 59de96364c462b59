#!/usr/bin/env bash
# The system pieces the briefing PDF needs, checked in milliseconds and installed when missing:
#   - a CJK font (Debian: fonts-noto-cjk, "Noto Sans CJK SC") so Chinese names are not boxes;
#   - libharfbuzz-subset0, which cuts WeasyPrint's CJK font subsetting from ~7 s to ~1 s;
#   - Pango (WeasyPrint's text layout), usually present already.
# Installs with apt-get when we are root (or have password-less sudo); otherwise prints
# exactly what to install. Re-running is a no-op once everything is there.
set -uo pipefail

# grep reads all its input (no -q): with pipefail, -q exiting early would SIGPIPE the producer
# and make a present package look missing
have_cjk_font() { fc-list 2>/dev/null | grep "Noto Sans CJK SC" >/dev/null; }
have_hb_subset() { ldconfig -p 2>/dev/null | grep "libharfbuzz-subset.so.0" >/dev/null; }
have_pango() { ldconfig -p 2>/dev/null | grep "libpango-1.0.so.0" >/dev/null; }

missing=()
have_cjk_font || missing+=(fonts-noto-cjk)
have_hb_subset || missing+=(libharfbuzz-subset0)
have_pango || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v fc-list >/dev/null 2>&1 || missing+=(fontconfig)

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
fi

if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
  echo "screener: installing system packages for the PDF: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null 2>&1
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { echo "error: apt-get install ${missing[*]} failed" >&2; exit 1; }
  fi
  command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1
fi

if ! have_cjk_font; then
  echo "error: no CJK font: Chinese names would render as boxes. Install one:" \
       "apt-get install fonts-noto-cjk (or any font providing 'Noto Sans CJK SC')" >&2
  exit 1
fi
if ! have_hb_subset; then
  echo "warning: libharfbuzz-subset0 missing; PDFs render ~7x slower." \
       "Install it with: apt-get install libharfbuzz-subset0" >&2
fi
exit 0
