# PostgreSQL from Debian's packages, standing in for the official postgres image where no image
# registry answers (docker/compose.offline.yaml). It keeps that image's interface as far as
# docker/compose.yaml uses it: POSTGRES_USER/POSTGRES_PASSWORD, the data directory
# /var/lib/postgresql/data, scripts in /docker-entrypoint-initdb.d run on an empty volume,
# pg_isready on PATH.
ARG DEBIAN_BASE=newsflow-debian:bookworm
FROM ${DEBIAN_BASE}

# The postgres user first, with the official image's ids (999), which the package then adopts.
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 postgres \
    && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql postgres \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* /var/lib/postgresql/15 \
    && mkdir -p /var/lib/postgresql/data /run/postgresql /docker-entrypoint-initdb.d \
    && chown postgres:postgres /var/lib/postgresql/data /run/postgresql

ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER 999
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
