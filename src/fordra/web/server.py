"""``fordra serve``: the web app under gunicorn, a production WSGI server.

Static files come from WhiteNoise inside the app; letters and uploads only through views that
check who asks. The access log names the path but never the query string or the referrer, where a
search for a personnummer would otherwise end up (GDPR); every other log line goes through
``fordra.core.logredact``.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

# gunicorn's default with "%(r)s" (the request line, query string included) and the referrer
# left out.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
WORKERS_MAX = 16


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, WORKERS_MAX)


class FordraServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from fordra.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run until stopped (Ctrl-C / SIGTERM)."""
    FordraServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "accesslog": "-",
            "errorlog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "timeout": 120,  # a staff upload of a large claims file may take a while
            "graceful_timeout": 30,
            "proc_name": "fordra",
            "forwarded_allow_ips": os.environ.get("FORDRA_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }
    ).run()
