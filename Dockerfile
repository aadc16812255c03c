# ducha-bot: a slim, non-root image with a CJK font (charts label units in Chinese) and the
# PostgreSQL client (ducha backup / restore use pg_dump and psql).
# Build: docker build -t ducha-bot .      Run: see compose.yaml, or README "部署".

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY rubric_data ./rubric_data
COPY scheduler ./scheduler
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-compile . \
    && find /opt/venv -name '__pycache__' -prune -exec rm -rf {} +

FROM python:3.11-slim-bookworm
# fonts-wqy-microhei: Chinese labels in the progress chart; postgresql-client 15 matches the
# postgres:15 service of compose.yaml (pg_dump must not be older than the server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei fontconfig postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin ducha \
    && mkdir -p /data && chown ducha:ducha /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DUCHA_DATA_DIR=/data \
    DUCHA_CACHE_DIR=/data/cache \
    MPLCONFIGDIR=/data/cache/matplotlib
WORKDIR /data
USER ducha
VOLUME ["/data"]
# 8443: webhook behind a reverse proxy (ducha run --webhook …); 9090: /healthz and /metrics
EXPOSE 8443 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9090/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["ducha"]
CMD ["run", "--health-port", "9090"]
