#!/bin/bash
# The official Airflow image's command convention, which docker/compose.yaml relies on: `bash …`,
# `python …` and the like run as given; anything else is an `airflow` subcommand
# (`command: scheduler`, `command: celery worker`).
set -euo pipefail
case "${1:-bash}" in
    bash | sh | python | python3 | airflow | newsflow) exec "${@:-bash}" ;;
    *) exec airflow "$@" ;;
esac
