# Redis from Debian's package, standing in for the official redis image where no image registry
# answers (docker/compose.offline.yaml): data in /data, redis-cli on PATH for the healthcheck.
ARG DEBIAN_BASE=newsflow-debian:bookworm
FROM ${DEBIAN_BASE}

# The redis user first, with the official image's ids (999), which the package then adopts.
# hadolint ignore=DL3008
RUN groupadd --system --gid 999 redis \
    && useradd --system --uid 999 --gid redis --home-dir /var/lib/redis redis \
    && apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data

USER 999
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data"]
