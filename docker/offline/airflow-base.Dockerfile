# An Airflow-shaped base without Airflow, from Debian packages only: what docker/Dockerfile expects
# of the official apache/airflow image (user airflow, uid 50000, group root; AIRFLOW_HOME
# /opt/airflow; a `pip` on PATH that the airflow user installs into; the entrypoint's command
# convention), for builds where no image registry answers. docker/Dockerfile then installs
# Airflow itself from uv.lock. DEBIAN_BASE is the debootstrap root (tools/docker_test.py).
ARG DEBIAN_BASE=newsflow-debian:bookworm
FROM ${DEBIAN_BASE}

ENV LANG=C.UTF-8 \
    AIRFLOW_HOME=/opt/airflow \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PATH=/home/airflow/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

RUN useradd --uid 50000 --gid 0 --create-home --home-dir /home/airflow --shell /bin/bash airflow \
    && mkdir -p /opt/airflow/dags /opt/airflow/logs /opt/airflow/auth /opt/newsflow \
    && chown -R airflow:0 /opt/airflow /opt/newsflow \
    && chmod -R g+rwX /opt/airflow /opt/newsflow

COPY entrypoint.sh /entrypoint
USER 50000
RUN python3 -m venv /home/airflow/.venv
WORKDIR /opt/airflow
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]
CMD []
