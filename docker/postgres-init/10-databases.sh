#!/bin/bash
# Runs once, when the postgres container starts on an empty volume: creates the Airflow metadata
# database and the news database, each owned by its own login role. The news role may create
# roles: migration 0004 creates the NOLOGIN roles newsflow_reader and newsflow_writer. PUBLIC may
# connect to neither database (PostgreSQL's default lets every role connect to every database).
# Names and passwords come from the environment (docker/.env); psql quotes them (%I, %L).
set -euo pipefail

create() {  # role password database extra-role-options
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$1" -v password="$2" -v db="$3" -v options="$4" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN %s PASSWORD %L', :'role', :'options', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db') \gexec
SQL
}

create "$AIRFLOW_DB_USER" "$AIRFLOW_DB_PASSWORD" "$AIRFLOW_DB_NAME" ""
create "$NEWS_DB_USER" "$NEWS_DB_PASSWORD" "$NEWS_DB_NAME" "CREATEROLE"
