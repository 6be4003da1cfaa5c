# syntax=docker/dockerfile:1
# One image for all five GAS services; each container runs one of them, chosen by its
# command (see docs/operations.md, "One image"). Build: docker build -t gas:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- build: a virtualenv with GAS and every service's dependencies ------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# gcc and Python's headers compile the annotator's Cython modules (setup.py), in this stage
# only. The official image has the headers; Debian's python3 (the mmdebstrap base of
# deploy/images.sh) needs python3-dev for them.
RUN include=$(python -c 'import sysconfig; print(sysconfig.get_paths()["include"])') \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev \
        $([ -f "$include/Python.h" ] || echo python3-dev) \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/gas
WORKDIR /src
# Every dependency at the version and hash in requirements.lock (`make lock` writes it from
# pyproject.toml), then GAS itself without resolving anything again.
COPY requirements.lock ./
RUN /opt/gas/bin/pip install --require-hashes --no-deps -r requirements.lock
# The build backend (setuptools, Cython) pinned and hashed too, in a virtualenv of its own:
# pip's build isolation would fetch whatever versions are newest that day, unhashed, and the
# runtime virtualenv needs neither. GAS is built into a wheel with it, then installed.
COPY requirements-build.lock ./
RUN python -m venv /opt/build \
 && /opt/build/bin/pip install --require-hashes --no-deps -r requirements-build.lock
COPY pyproject.toml setup.py README.md ./
COPY services ./services
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/wheel . \
 && /opt/gas/bin/pip install --no-deps /tmp/wheel/gas-*.whl

# --- runtime: the same Python, the virtualenv (no compiler), a non-root user -------------
FROM ${PYTHON_IMAGE} AS runtime
ARG IMAGE_VERSION=0.1.0
LABEL org.opencontainers.image.title="gas" \
      org.opencontainers.image.description="GAS, the Genomics Annotation Service (web, annotator, archiver, thawer, notifier)" \
      org.opencontainers.image.version="${IMAGE_VERSION}" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 gas \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/gas --create-home \
        --shell /usr/sbin/nologin gas \
 && install -d -o 10001 -g 10001 /var/lib/gas/reference
COPY --from=build /opt/gas /opt/gas
# The root filesystem may be read-only (Kubernetes): no bytecode or pip cache writes;
# /tmp is the one writable place besides the reference volume.
ENV PATH=/opt/gas/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GAS_HOST=0.0.0.0 \
    GAS_REFERENCE_DIR=/var/lib/gas/reference \
    GAS_STATE_DIR=/tmp/gas
USER 10001:10001
WORKDIR /home/gas
# Annotation reference bundles: install once with `gas reference install grch38`.
VOLUME ["/var/lib/gas/reference"]
# web, annotator, archiver, thawer, notifier (GAS_*_PORT)
EXPOSE 8080 8081 8082 8083 8084
# Asks /healthz of the service running in this container (no curl in the image).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "gas_common.gunicorn_conf"]
# One command per service: replace gas_web with gas_annotator, gas_archiver, ...
CMD ["gunicorn", "--config", "python:gas_common.gunicorn_conf", "gas_web:create_app()"]
