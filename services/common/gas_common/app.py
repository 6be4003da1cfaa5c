"""The Flask base every service is built on: settings, logs, health, metrics, errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from werkzeug.exceptions import HTTPException

from gas_common import aws, sns
from gas_common.logs import setup_logging
from gas_common.service import EXTENSION, Service
from gas_common.settings import Settings

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "gas_http_requests_total", "HTTP requests", ["service", "method", "endpoint", "status"]
)
LATENCY = Histogram(
    "gas_http_request_seconds", "HTTP request latency", ["service", "endpoint"]
)

ReadyCheck = Callable[[Settings], None]


def check_table(setting: str) -> ReadyCheck:
    """A readiness check: the table named by `setting` answers."""

    def check(s: Settings) -> None:
        aws.client("dynamodb", s).describe_table(TableName=getattr(s, setting))

    check.__name__ = f"table:{setting}"
    return check


def check_bucket(setting: str) -> ReadyCheck:
    """A readiness check: the bucket named by `setting` answers."""

    def check(s: Settings) -> None:
        aws.client("s3", s).head_bucket(Bucket=getattr(s, setting))

    check.__name__ = f"bucket:{setting}"
    return check


def check_topic(setting: str) -> ReadyCheck:
    """A readiness check: the topic named by `setting` exists."""

    def check(s: Settings) -> None:
        aws.client("sns", s).get_topic_attributes(TopicArn=aws.topic_arn(getattr(s, setting), s))

    check.__name__ = f"topic:{setting}"
    return check


def create_service_app(
    owner: Service,
    ready_checks: list[ReadyCheck],
    json_errors: bool = True,
    start: bool = True,
) -> Flask:
    """A Flask app for `owner` with /healthz, /readyz, /metrics, JSON logs and one-line errors,
    an SNS endpoint per subscription of `owner`; its loops run from here when `start`."""
    service, s = owner.name, owner.settings
    if owner.subscriptions:
        s.require_sns_auth()
    setup_logging(service, s.log_level)
    app = Flask(service)
    app.extensions[EXTENSION] = owner

    @app.get("/healthz")
    def healthz() -> Any:
        """Say the process is alive."""
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    def readyz() -> Any:
        """Say whether every AWS dependency answers."""
        failed = {}
        for check in ready_checks:
            try:
                check(s)
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failed[check.__name__] = str(exc).splitlines()[0][:200]
        if failed:
            return jsonify(status="unavailable", service=service, failed=failed), 503
        return jsonify(status="ready", service=service)

    @app.get("/metrics")
    def metrics() -> Response:
        """Expose Prometheus metrics."""
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @app.before_request
    def _start_timer() -> None:
        request.environ["gas.start"] = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, endpoint, response.status_code).inc()
        started = request.environ.get("gas.start")
        if started is not None:
            LATENCY.labels(service, endpoint).observe(time.perf_counter() - started)
        return response

    if json_errors:
        register_json_errors(app)
    for sub in owner.subscriptions:
        sns.add_endpoint(app, sub.path, sub.topic_setting, getattr(owner, sub.handler),
                         sub.acts_on or None, sub.raw)
    if start:
        owner.start()
    return app


def register_json_errors(app: Flask) -> None:
    """Answer errors as one-line JSON reasons, never a traceback."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        return jsonify(error=exc.description or exc.name), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error")
        return jsonify(error="internal error"), 500
