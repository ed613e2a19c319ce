#!/usr/bin/env bash
# Installs what Keel needs from Debian when it is missing: the Argon2 library and headers, libpq
# and its headers (the PostgreSQL driver), Pango and cairo with their headers and the DejaVu
# fonts (invoice PDFs), pkg-config (SwiftPM finds libargon2, libpq and pangocairo through it),
# and the PostgreSQL server that the embedded database runs. Idempotent; quiet when everything is present.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libargon2 2>/dev/null || missing+=(libargon2-dev)
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
pkg-config --exists cairo-pdf 2>/dev/null || missing+=(libcairo2-dev)
pkg-config --exists pangocairo 2>/dev/null || missing+=(libpango1.0-dev)
# The invoice PDFs ask for "DejaVu Sans" (Latin, Greek, Cyrillic); without it fontconfig substitutes.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1; then
  missing+=(postgresql)
fi
command -v make >/dev/null 2>&1 || missing+=(make)

[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "error: not root and no sudo; install them yourself: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine are often empty; update once, then install.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
