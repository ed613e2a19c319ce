#!/bin/sh
# Makes a self-signed certificate for localhost (SAN DNS:localhost, IP:127.0.0.1),
# RSA 2048, valid 2 days, as DIR/cert.pem and DIR/key.pem (unencrypted), for the
# STARTTLS tests of Keel's SMTP client against smtp_server.py.
# Usage: make_cert.sh DIR   (quiet; prints openssl's output and exits non-zero on failure)
set -eu
dir=${1:?usage: make_cert.sh DIR}
mkdir -p "$dir"
if ! out=$(openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>&1); then
    printf '%s\n' "$out" >&2
    exit 1
fi
