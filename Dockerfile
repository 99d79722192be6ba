# syntax=docker/dockerfile:1
# The platform image: the `dossier-audit` CLI (stream workers, warehouse jobs, checks, reports) and the
# Dagster webserver and daemon, which load `pipelines.definitions` from the same installed package.
#   docker compose build            (or: docker build -t dossier-audit:local .)
# Health checks are per role, so they live in docker-compose.yml; the image ships a stdlib-only probe,
# `dossier-audit-healthcheck URL`, that the workers' and the webserver's checks call.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes. The webserver is not a
# dependency of the library: it is the exact pin of the dev extra (the release of the dagster pin), taken from
# there so the image and `make dagster` run the same UI, without the rest of the dev tools.
COPY pyproject.toml ./
RUN python -c "import tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
webserver = [r for r in project['optional-dependencies']['dev'] if r.startswith('dagster-webserver==')]; \
assert len(webserver) == 1, 'pyproject.toml: the dev extra pins dagster-webserver==<the dagster pin>'; \
print('\n'.join(project['dependencies'] + webserver))" > requirements.txt \
 && pip install -r requirements.txt
COPY README.md ./
COPY schemas/ schemas/
COPY inspections/ inspections/
COPY sources/ sources/
COPY warehouse/ warehouse/
COPY bootstrap/ bootstrap/
COPY streams/ streams/
COPY checks/ checks/
COPY reporting/ reporting/
COPY pipelines/ pipelines/
COPY console/ console/
COPY dossier_audit/ dossier_audit/
RUN pip install --no-deps . \
 && dossier-audit --help >/dev/null


FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DAGSTER_HOME=/opt/dagster/home \
    DOSSIER_AUDIT_WORKDIR=/data/work \
    DOSSIER_AUDIT_REPORTS_DIR=/data/reports
# Liberation Serif for the weekly report's PDF (Times New Roman's metrics, as Decree 30/2020 asks).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid/gid, so named volumes created from these directories belong to it.
RUN groupadd --system --gid 10001 dossier \
 && useradd --system --uid 10001 --gid dossier --home-dir /data --shell /usr/sbin/nologin dossier \
 && mkdir -p /data/work /data/reports /opt/dagster/home /config \
 && chown -R dossier:dossier /data /opt/dagster/home
COPY --from=build /opt/venv /opt/venv
COPY --chmod=755 deploy/healthcheck.py /usr/local/bin/dossier-audit-healthcheck
USER dossier
WORKDIR /data
# 3000: Dagster webserver; 9100: the workers' Prometheus metrics (--metrics-port 9100 in the compose file);
# 8080: the inspector's console (behind a TLS-terminating proxy).
EXPOSE 3000 8080 9100
ENTRYPOINT ["dossier-audit"]
CMD ["--help"]
