"""The README's first command end to end: `lyssna demo` loads the demo and serves the web app."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_serves_the_web_app_with_a_printed_sign_in(tmp_path):
    port = _free_port()
    env = dict(os.environ, LYSSNA_HOME=str(tmp_path), COLUMNS="200")
    env.pop("LYSSNA_DATABASE_URL", None)
    env.pop("LYSSNA_WORKSPACE", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lyssna.cli",
            "demo",
            "--count",
            "2000",
            "--days",
            "7",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = ""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            output += line
            if "sign in as" in output and "password" in output:
                break
            assert process.poll() is None, output
        found = re.search(r"sign in as (\S+) with the\s+password (\S+)", output)
        assert found, output
        email, password = found.group(1), found.group(2)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        signin = httpx.post(f"{base}/api/v1/signin", json={"email": email, "password": password})
        assert signin.status_code == 200, signin.text
        headers = {"Authorization": f"Bearer {signin.json()['token']}"}
        page = httpx.get(f"{base}/signin")
        assert page.status_code == 200 and "Content-Security-Policy" in page.headers
        assert httpx.get(f"{base}/api/v1/workspaces", headers=headers).status_code == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
