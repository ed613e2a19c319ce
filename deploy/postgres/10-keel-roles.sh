#!/usr/bin/env bash
# Creates Keel's roles and database in a fresh PostgreSQL container
# (mounted into /docker-entrypoint-initdb.d by compose.yaml). See README, "Database roles".
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_pw="$KEEL_OWNER_PASSWORD" -v app_pw="$KEEL_APP_PASSWORD" <<'SQL'
create role keel_owner login password :'owner_pw';
create role keel_runtime nologin;
create role keel_app login password :'app_pw' nosuperuser nobypassrls nocreatedb nocreaterole in role keel_runtime;
create database keel owner keel_owner;
revoke all on database keel from public;
grant connect on database keel to keel_app;
SQL
