"""The web service: the UI and JSON API researchers use."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_wtf.csrf import generate_csrf
from gas_common.app import check_bucket, check_table, check_topic, create_service_app
from gas_common.service import Service
from gas_common.settings import Settings, get_settings
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from gas_web import annotate, api, auth, browse, jobs, pages, profile
from gas_web.errors import register_errors
from gas_web.security import current_user, init_security
from gas_web.uploads import plural


class Web(Service):
    """The web service: requests only, no pool and no loops."""

    name = "web"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web service; refuse to start when sign-in or secrets are misconfigured."""
    web = Web(settings or get_settings())
    s = web.settings
    s.require("secret_key", "public_url")
    auth.check_signin_config(s)
    app = create_service_app(
        web,
        [check_table("jobs_table"), check_table("users_table"), check_bucket("inputs_bucket"),
         check_topic("job_requests_topic"), check_topic("thaw_requests_topic")],
        json_errors=False,
    )
    # The base app is named after the service: point it at this package's files.
    app.root_path = str(Path(__file__).parent)
    app.template_folder = "templates"
    app.static_folder = "static"
    if "static" not in app.view_functions:
        app.add_url_rule("/static/<path:filename>", endpoint="static",
                         view_func=app.send_static_file)
    # Behind a proxy: scheme and host from X-Forwarded-* so external URLs are right.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    init_security(app, s)
    register_errors(app)
    for module in (pages, auth, profile, annotate, jobs, browse, api):
        app.register_blueprint(module.bp)
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["until"] = _until
    app.jinja_env.filters["breakable"] = _breakable

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_user": _user_or_none, "csrf_token": generate_csrf,
                "local_mode": s.local, "query_with": _query_with, "encode": urlencode}

    return app


def _user_or_none() -> dict[str, Any] | None:
    """The signed-in user for templates; None when the store is down (error pages still render)."""
    try:
        return current_user()
    except Exception:  # noqa: BLE001 - an error page must not fail on the user lookup
        return None


def _query_with(**changes: Any) -> str:
    """This request's query string with some parameters replaced (None drops one)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    args += [(k, v) for k, v in changes.items() if v is not None]
    return urlencode(args)


def _breakable(name: Any) -> Markup:
    """A file name that may wrap after `_` and `-` (escaped, with <wbr> there)."""
    return Markup("<wbr>").join(re.split(r"(?<=[_\-])", str(name)))


def _until(epoch: Any) -> str:
    """How long until an epoch time, as a person says it ("in 4 minutes")."""
    left = int(epoch) - int(time.time())
    if left < 60:
        return "any moment now"
    if left < 2 * 3600:
        return f"in {plural(left // 60, 'minute')}"
    if left < 2 * 86400:
        return f"in {plural(left // 3600, 'hour')}"
    return f"in {plural(left // 86400, 'day')}"


def _when(epoch: Any) -> str:
    """Epoch seconds as a UTC time a person reads."""
    if not epoch:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(int(epoch)))
