"""``fordra bench --only http``: the staff pages under 20 concurrent clients on gunicorn.

A synthetic portfolio is imported into the bench's throw-away database, ``fordra serve`` is
started on a loopback port (the production server, demo profile), a staff user logs in, and
``CLIENTS`` threads request for ``SECONDS`` each:

- ``http_case_list`` — the case list filtered by state, at pages spread over the whole list;
- ``http_case_page`` — the page of a random case.

The baseline is ``GET /healthz`` (one ``SELECT 1`` through the same server, middleware and
clients), so the ratio says what the page itself costs. The clients run on the same two cores as
the server; requests/s and p95 are what a person at a browser would see on this machine.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from fordra.claims.models import Case

CLIENTS = 20
SECONDS = 10.0
PASSWORD = "bench-Passw0rd-long"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FORDRA_DEMO": "1"}
    env.pop("FORDRA_DEBUG", None)
    media = Path(str(settings.MEDIA_ROOT))
    env["FORDRA_DEMO_SECRET_FILE"] = str(media.parent / "bench-secret-key")
    env["FORDRA_STATIC_DIR"] = str(media.parent / "static")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fordra.cli", "serve", "--port", str(port),
         "--workers", str(2 * (os.cpu_count() or 1) + 1)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            con.request("GET", "/healthz")
            if con.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def _login(port: int, username: str) -> str:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    con.request("GET", "/login/")
    response = con.getresponse()
    body = response.read().decode()
    cookies = {k: v for k, v in re.findall(r"(\w+)=([^;]+);", response.getheader("Set-Cookie") or "")}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token, "no CSRF token on the login page"
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    con.request("POST", "/login/", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookies.get('csrftoken', '')}",
    })
    response = con.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+);", response.getheader("Set-Cookie") or "")
    assert response.status == 302 and session, "the bench user could not log in"
    return f"sessionid={session.group(1)}"


def _load(port: int, cookie: str, paths: Callable[[random.Random], str]) -> dict[str, Any]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rng = random.Random(seed)
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                con.request("GET", paths(rng), headers={"Cookie": cookie})
                response = con.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else 0.0
    return {"n": len(latencies), "seconds": seconds, "p95_ms": round(p95 * 1000, 1),
            "errors": errors[0]}


def bench_http(cases: int, seed: int, *, import_portfolio: Callable[[int, int], int]) -> list[dict[str, Any]]:
    """Both pages and the baseline; ``import_portfolio`` fills the database (returns cases)."""
    from fordra.bench.runner import _result

    count = import_portfolio(cases, seed)
    get_user_model().objects.create_user("bench", password=PASSWORD, is_staff=True)
    refs = [f"FD-{n}" for n in Case.objects.values_list("number", flat=True)]
    pages = max(count // 50, 1)
    port = _free_port()
    server = _start_server(port)
    try:
        cookie = _login(port, "bench")
        baseline = _load(port, cookie, lambda rng: "/healthz")
        measured = {
            "http_case_list": _load(
                port, cookie, lambda rng: f"/staff/cases/?state=open&page={rng.randint(1, pages)}"
            ),
            "http_case_page": _load(port, cookie, lambda rng: f"/staff/cases/{rng.choice(refs)}/"),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    out = []
    for name, m in measured.items():
        result = _result(
            name=name, n=m["n"], seconds=m["seconds"],
            baseline="GET /healthz (SELECT 1), same server and clients",
            baseline_seconds=baseline["seconds"] * m["n"] / max(baseline["n"], 1),
        )
        result["detail"] = {
            "cases": count, "clients": CLIENTS, "p95_ms": m["p95_ms"], "errors": m["errors"],
            "baseline_p95_ms": baseline["p95_ms"], "baseline_rate_per_s":
            round(baseline["n"] / baseline["seconds"], 1),
        }
        out.append(result)
    return out
