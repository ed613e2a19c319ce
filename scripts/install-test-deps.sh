#!/usr/bin/env bash
# Installs what the tests need beyond the build: poppler-utils (Debian), whose pdftotext and
# pdfinfo read the rendered invoice PDFs back (Tests/InvoicePDFTests); aiosmtpd (PyPI), the
# real SMTP server the Notifications tests talk to
# (Tests/NotificationsTests/Support/smtp_server.py); and localstripe (PyPI), the fake but
# stateful Stripe the billing tests talk to (Tests/Support/localstripe/localstripe_server.py);
# and standardwebhooks (PyPI), the Standard Webhooks reference library with which the webhook
# receiver verifies every delivery (Tests/Support/webhooks/webhook_receiver.py).
# And gdb, with which the test run's watchdog prints every thread's stack if the suite hangs
# (scripts/swift-test.sh). Idempotent; quiet when all five are there.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=Tests/NotificationsTests/Support/requirements.txt
LOCALSTRIPE_REQUIREMENTS=Tests/Support/localstripe/requirements.txt
WEBHOOK_REQUIREMENTS=Tests/Support/webhooks/requirements.txt

# apt-get as root, or through sudo when there is one.
if [ "$(id -u)" -eq 0 ] || ! command -v sudo >/dev/null 2>&1; then sudo=""; else sudo="sudo"; fi
# Installs Debian packages; the package lists of a fresh machine are often empty, so it updates
# them once and retries when the first attempt fails.
apt_install() {
  $sudo apt-get install -y "$@" >/dev/null \
    || { $sudo apt-get update >/dev/null && $sudo apt-get install -y "$@" >/dev/null; }
}

# The PDF tests run /usr/bin/pdftotext and /usr/bin/pdfinfo.
if [ ! -x /usr/bin/pdftotext ] || [ ! -x /usr/bin/pdfinfo ]; then
  echo "Installing poppler-utils"
  export DEBIAN_FRONTEND=noninteractive
  apt_install poppler-utils
fi

if ! command -v gdb >/dev/null 2>&1; then
  echo "Installing gdb"
  export DEBIAN_FRONTEND=noninteractive
  apt_install gdb
fi

command -v python3 >/dev/null 2>&1 || { echo "error: python3 is needed for the SMTP and Stripe tests" >&2; exit 2; }
# Installs a requirements file with pip; a machine with python3 but no pip (a bare Debian) gets
# Debian's pip first.
pip_install() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip
  fi
  echo "Installing $(grep -v '^#' "$1" | tr '\n' ' ')"
  # Debian's own python3 is "externally managed" (PEP 668): there pip needs to be told.
  python3 -m pip install --quiet --disable-pip-version-check -r "$1" \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r "$1"
}

if ! python3 -c "import aiosmtpd" 2>/dev/null; then
  pip_install "$REQUIREMENTS"
fi

if ! python3 -c "import localstripe" 2>/dev/null; then
  pip_install "$LOCALSTRIPE_REQUIREMENTS"
fi

if ! python3 -c "import standardwebhooks" 2>/dev/null; then
  pip_install "$WEBHOOK_REQUIREMENTS"
fi
