#!/usr/bin/env bash
# make image-test: runs the built image's keel (scripts/image.sh) against a PostgreSQL on
# loopback, with the roles and environment compose.yaml gives it, and checks what an operator
# relies on: `serve --migrate` gets /readyz to 200, the process runs as the image's user, the
# resource bundles, templates and stylesheet are found, a signup works (Argon2 from the image's
# libargon2), `keel --help` works, the HEALTHCHECK is there and passes; then prints the image's size and what
# dominates it. Runs as root (buildah --isolation chroot runs on the host's network).
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${KEEL_IMAGE:-localhost/keel:dev}
[ "$(id -u)" = 0 ] || { echo "scripts/image-test.sh: run as root" >&2; exit 1; }
buildah inspect --type image "$TAG" >/dev/null 2>&1 || scripts/image.sh
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /var/tmp/keel-image-test.XXXXXX)
chown postgres "$work"
pg_port=$(free_port); keel_port=$(free_port)
ctr=""; keel_pid=""
cleanup() {
  [ -n "$keel_pid" ] && kill "$keel_pid" 2>/dev/null && wait "$keel_pid" 2>/dev/null || true
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "image-test: FAILED: $*" >&2; [ -f "$work/keel.log" ] && tail -20 "$work/keel.log" >&2; exit 1; }

echo "== PostgreSQL on 127.0.0.1:$pg_port, with compose.yaml's roles"
echo postgres-pw > "$work/pwfile"; chown postgres "$work/pwfile"
runuser -u postgres -- "$PG_BIN/initdb" -D "$work/pg" -U postgres --auth=scram-sha-256 --pwfile="$work/pwfile" >/dev/null
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work" start >/dev/null
PGPASSWORD=postgres-pw psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qX -v ON_ERROR_STOP=1 \
  -v owner_pw=owner-pw -v app_pw=app-pw < <(sed -n "/<<'SQL'/,/^SQL/p" deploy/postgres/10-keel-roles.sh | sed '1d;$d')

echo "== the image's keel: serve --migrate on 127.0.0.1:$keel_port"
ctr=$(buildah from --pull=never "$TAG")
buildah run --isolation chroot \
  --env DATABASE_URL="postgres://keel_app:app-pw@127.0.0.1:$pg_port/keel?sslmode=disable" \
  --env MIGRATION_DATABASE_URL="postgres://keel_owner:owner-pw@127.0.0.1:$pg_port/keel?sslmode=disable" \
  --env KEEL_HOST=127.0.0.1 --env KEEL_PORT="$keel_port" --env KEEL_MAIL_TRANSPORT=dev \
  --env KEEL_ENCRYPTION_KEYS="image-test:$(head -c 32 /dev/urandom | base64)" \
  "$ctr" -- /app/keel serve --migrate > "$work/keel.log" 2>&1 &
keel_pid=$!
base="http://127.0.0.1:$keel_port"
for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)" = 200 ] && break
  kill -0 "$keel_pid" 2>/dev/null || fail "keel exited"
  sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || fail "/readyz is not 200 after 60 s"
echo "   /readyz 200 after serve --migrate"

server_pid=$(pgrep -f "^/app/keel serve" | head -1)
[ -n "$server_pid" ] || fail "no /app/keel process"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$server_pid/status")
[ "$uid" = 10001 ] || fail "keel runs as uid $uid, not the image's user keel (10001)"
echo "   the process runs as uid 10001 (keel), not root"

[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/openapi.yaml")" = 200 ] || fail "the openapi.yaml bundle is missing"
curl -s "$base/admin/login" | grep -q 'name="csrf"' || fail "the console's templates are not found"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/assets/admin.css")" = 200 ] || fail "Public/ (the stylesheet) is not found"
signup=$(curl -s -o "$work/signup.json" -w '%{http_code}' -H 'content-type: application/json' \
  -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" \
  -d '{"tenant":{"slug":"image-test","name":"Image Test"},"owner":{"email":"ann@image.test","password":"a long passphrase","name":"Ann"}}' \
  "$base/v1/signup")
[ "$signup" = 201 ] || fail "signup answered $signup: $(cat "$work/signup.json")"
common=$(curl -s -H 'content-type: application/json' -H "Idempotency-Key: $(cat /proc/sys/kernel/random/uuid)" \
  -d '{"tenant":{"slug":"image-test-2","name":"Image Test"},"owner":{"email":"ann@image.test","password":"password1234","name":"Ann"}}' \
  "$base/v1/signup")
echo "$common" | grep -q 'password_too_common' || fail "the common-passwords bundle is not used: $common"
echo "   openapi.yaml, templates, stylesheet found; a signup hashed with Argon2; a common password refused"

buildah run --isolation chroot "$ctr" -- /app/keel --help | grep -q "serve" || fail "keel --help"
echo "   keel --help works"
health=$(buildah inspect --type image --format '{{.Docker.Config.Healthcheck.Test}}' "$TAG")
echo "$health" | grep -q "keel healthcheck" || fail "no HEALTHCHECK running keel healthcheck ($health)"
# The HEALTHCHECK's command, run in the image as it would be (the server listens on $keel_port here).
buildah run --isolation chroot --env KEEL_PORT="$keel_port" "$ctr" -- /app/keel healthcheck || fail "keel healthcheck failed against a healthy server"
echo "   HEALTHCHECK: $health, and it passes against the running server"

kill -TERM "$keel_pid"; wait "$keel_pid" 2>/dev/null || true; keel_pid=""
mnt=$(buildah mount "$ctr")
total=$(du -sm "$mnt" | cut -f1)
echo "IMAGE $TAG: $(buildah images --format '{{.Size}}' "$TAG" | head -1) (the unpacked root: ${total} MiB)"
echo "   what dominates (MiB):"
du -sm "$mnt/app/keel" "$mnt"/app/*.resources "$mnt/usr/lib/x86_64-linux-gnu" "$mnt/usr/share" "$mnt/usr/bin" \
       "$mnt/var/lib" "$mnt/app/Templates" "$mnt/app/Public" 2>/dev/null | sort -rn | sed "s|$mnt||" | head -12 | sed 's/^/     /'
buildah umount "$ctr" >/dev/null
echo "image-test: PASSED"
