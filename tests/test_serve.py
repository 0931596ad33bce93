"""`backend-agent serve` without a browser: what it listens on, what it warns about, and
what it refuses — other web pages driving the wizard, DNS-rebinding names, bad input."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys

from .browser_support import free_port, served, wait_listening
from .helpers import run_cli


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def upgrade(origin: str, host: str) -> dict[str, str]:
    return {
        "Host": host,
        "Origin": origin,
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }


def test_localhost_by_default_and_only_its_own_page_may_drive_the_wizard(repo):
    port = free_port()
    with served("--repo", str(repo), "--port", str(port)) as server:
        wait_listening(port, server)
        here = f"127.0.0.1:{port}"
        status, page = get(port, "/", {"Host": here})
        assert status == 200
        assert f"ws://{here}/ws" in page  # the socket the page opens
        assert "fonts.googleapis.com" not in page  # nothing loaded from elsewhere
        assert "<div>backend-agent</div>" in page  # the name on the page, not the command
        # Another site's page in the person's browser: its Origin is not ours.
        status, _ = get(port, "/ws", upgrade("https://evil.example", here))
        assert status == 403
        status, _ = get(port, "/ws", upgrade("", here))
        assert status == 403
        # A DNS-rebinding name pointed at 127.0.0.1: the Host header gives it away.
        status, body = get(port, "/", {"Host": f"rebind.evil.example:{port}"})
        assert status == 403 and "only to localhost" in body
        status, _ = get(port, "/ws", upgrade(f"http://localhost:{port}", f"localhost:{port}"))
        assert status == 101  # the wizard's own page is let in
    output = server.stdout.read()
    assert f"open http://127.0.0.1:{port}" in output
    assert "warning" not in output


def test_a_host_named_explicitly_is_warned_about(repo):
    port = free_port()
    with served("--repo", str(repo), "--host", "0.0.0.0", "--port", str(port)) as server:
        wait_listening(port, server)
        # From another machine the page must point at the address it was reached by.
        status, page = get(port, "/", {"Host": f"127.0.0.1:{port}"})
        assert status == 200 and f"ws://127.0.0.1:{port}/ws" in page
        status, _ = get(port, "/", {"Host": f"buildbox.internal:{port}"})
        assert status == 200
    output = server.stdout.read()
    assert "warning: serving on 0.0.0.0" in output
    assert "anyone who can reach" in output and "commit to" in output


def test_bad_input_and_a_taken_port_are_clear_errors(tmp_path, repo):
    not_a_repo = run_cli("serve", "--repo", str(tmp_path), "--port", str(free_port()))
    assert not_a_repo.returncode == 2 and "not a git repository" in not_a_repo.stderr
    bad_port = run_cli("serve", "--port", "70000")
    assert bad_port.returncode == 2 and "a port is 1 to 65535" in bad_port.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run_cli("serve", "--repo", str(repo), "--port", str(port), timeout=60)
    assert busy.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "--port" in busy.stderr
    for result in (not_a_repo, bad_port, busy):
        assert "Traceback" not in result.stderr + result.stdout


def test_without_textual_serve_it_says_what_to_install(repo):
    code = (
        "import sys\n"
        "sys.modules['textual_serve'] = None  # as if the package were not installed\n"
        "from backend_agent.cli import main\n"
        f"sys.exit(main(['serve', '--repo', {str(repo)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "serve needs the textual-serve package" in result.stderr
    assert "pip install 'textual-serve>=1.1,<2'" in result.stderr
