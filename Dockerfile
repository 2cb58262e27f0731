# syntax=docker/dockerfile:1
# Production image of the service; docker-compose.yml runs it against PostgreSQL 16.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PICCOLO_CONF=inventory.piccolo_conf

# WeasyPrint 70 opens these libraries with cffi when it is imported (gobject, pango,
# harfbuzz, harfbuzz-subset, fontconfig, pangoft2): the list WeasyPrint's "First steps" gives
# for a pip install on Debian >= 11, spelled out. The documents and labels name DejaVu fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libglib2.0-0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/inventory --uid 10001 \
        --user-group --shell /usr/sbin/nologin inventory

# Layout: the source tree stays at /app and is installed in editable mode. The app finds its
# page and document templates at inventory.config.PROJECT_ROOT / "templates", PROJECT_ROOT
# being the parent of the inventory/ package directory; a plain `pip install .` would put
# the package in site-packages, where no templates/ directory sits next to it. With -e,
# inventory/ is imported from /app, so PROJECT_ROOT is /app and /app/templates is found.
# The files stay owned by root (read-only for the service); only /app/var, where the
# SQLite default would live, belongs to the service user.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY inventory ./inventory
COPY labels ./labels
COPY templates ./templates
RUN pip install --no-cache-dir -e . \
    && python -m compileall -q inventory labels \
    && mkdir -p /app/var && chown inventory:inventory /app/var

USER inventory

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

# Migrate, then serve; `exec` makes uvicorn PID 1 so that `docker stop` reaches it. Several
# worker processes are allowed on PostgreSQL only (the CLI forces 1 on SQLite).
CMD ["sh", "-c", "inventory migrate && exec inventory serve --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY:-1}\""]
