"""The production profile: `fordra serve` is gunicorn, refuses a missing or public key, and
`check --deploy` is clean. Each test starts real processes on the loopback address."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PNR = "191212121212"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process: never in production.
        if not k.startswith("FORDRA_")
        and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/fordra.sqlite3",
        FORDRA_MEDIA_DIR=str(tmp_path / "media"),
        FORDRA_STATIC_DIR=str(tmp_path / "static"),
        FORDRA_DEMO_SECRET_FILE=str(tmp_path / "demo-secret-key"),
        DJANGO_SETTINGS_MODULE="fordra.settings",
    )
    env.update(extra)
    return env


def _fordra(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fordra.cli", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _start(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fordra.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("server did not answer /healthz within 60 s")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_check_deploy_is_clean_in_the_production_profile(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        FORDRA_SECRET_KEY=secrets.token_urlsafe(50),
        FORDRA_ALLOWED_HOSTS="inkasso.example.se",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "FORDRA_SECRET_KEY is not set"),
        ("fordra-insecure-demo-key-set-FORDRA_SECRET_KEY", "public demo key"),
        ("short", "too short"),
    ],
)
def test_serve_refuses_to_start_in_production_without_a_secret_key_of_its_own(
    tmp_path: Path, key: str | None, says: str
) -> None:
    env = _env(tmp_path, **({"FORDRA_SECRET_KEY": key} if key else {}))
    result = _fordra("serve", "--port", str(_free_port()), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert says in result.stderr and "Traceback" not in result.stderr


def test_the_demo_serves_static_files_health_and_csp_and_logs_no_personnummer(
    tmp_path: Path,
) -> None:
    env = _env(tmp_path, FORDRA_DEMO="1")
    assert _fordra("migrate", env=env, cwd=tmp_path).returncode == 0
    leaked = tmp_path / "media" / "outbox" / "print" / "batch.pdf"
    leaked.parent.mkdir(parents=True)
    leaked.write_bytes(b"%PDF-1.4 letter")
    port = _free_port()
    proc = _start(env, tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        status, _, body = _get(f"{base}/healthz")
        assert (status, body) == (200, b"ok\n")
        status, headers, body = _get(f"{base}/static/web/fordra.css")
        assert status == 200 and b"{" in body
        status, headers, _ = _get(f"{base}/login/")
        assert status == 200
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        # A staff search by personnummer: asked for, redirected to the login page.
        status, _, _ = _get(f"{base}/staff/cases/?q={PNR}", headers={"Referer": f"{base}/?q={PNR}"})
        assert status == 302
        # Generated letters are never static files.
        for path in ("/media/outbox/print/batch.pdf", "/static/outbox/print/batch.pdf",
                     "/static/../media/outbox/print/batch.pdf"):
            assert _get(base + path)[0] == 404, path
    finally:
        log = _stop(proc)
    assert "gunicorn" in log.lower() or "Booting worker" in log
    assert '"GET /healthz' in log
    assert PNR not in log and "/staff/cases/" in log


def test_production_redirects_to_https_and_sends_hsts_and_secure_cookies(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        FORDRA_SECRET_KEY=secrets.token_urlsafe(50),
        FORDRA_BEHIND_PROXY="1",
    )
    assert _fordra("migrate", env=env, cwd=tmp_path).returncode == 0
    port = _free_port()
    proc = _start(env, tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        status, headers, _ = _get(f"{base}/login/")
        assert status == 301 and headers["Location"].startswith("https://")
        status, headers, _ = _get(f"{base}/login/", headers={"X-Forwarded-Proto": "https"})
        assert status == 200
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        cookie = headers["Set-Cookie"]
        assert "csrftoken" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    finally:
        _stop(proc)
