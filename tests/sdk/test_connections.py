"""What a client may hold of the server: slow request heads, slow bodies and idle connections are
closed after configurable times, and beyond the connection cap new connections are closed at once,
so slow clients cannot starve /healthz (the slowloris attacks; OWASP ASVS 4.0 V13.?)."""

import socket
import tempfile
import time

import pytest
import requests

from conftest import start_server

LIMITS = {"IDPLANE_HEADER_READ_TIMEOUT_SECONDS": "2", "IDPLANE_IDLE_TIMEOUT_SECONDS": "3",
          "IDPLANE_BODY_READ_TIMEOUT_SECONDS": "2", "IDPLANE_MAX_CONNECTIONS": "6"}


@pytest.fixture
def limited():
    with tempfile.TemporaryDirectory() as d:
        s = start_server(d, LIMITS)
        yield s
        s.stop()


def connect(server):
    s = socket.create_connection(("127.0.0.1", server.port))
    s.settimeout(15)
    return s


def closed_within(s, seconds):
    """Seconds until the server closed `s` (reading what it sent last)."""
    started = time.monotonic()
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    took = time.monotonic() - started
    assert took < seconds, took
    return took, data


def test_a_request_head_sent_slowly_is_cut_off(limited):
    s = connect(limited)
    s.sendall(b"GET /healthz HTTP/1.1\r\n")
    took, _ = closed_within(s, 4)
    assert took >= 1.5


def test_an_idle_connection_is_closed_and_a_busy_one_is_not(limited):
    s = connect(limited)
    for _ in range(5):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(1)
    took, _ = closed_within(s, 5)
    assert took >= 1.5, "three seconds after the last answer, one of which already passed"


@pytest.mark.parametrize("path,status", [("/", b"408"), ("/userpool/x/oauth2/token", b"400")])
def test_a_body_sent_byte_by_byte_is_cut_off(limited, path, status):
    s = connect(limited)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n".encode())
    started = time.monotonic()
    answer = b""
    s.setblocking(False)
    while time.monotonic() - started < 8 and not answer:
        try:
            s.sendall(b"a")
        except OSError:
            break
        time.sleep(0.5)
        try:
            answer = s.recv(4096)
        except BlockingIOError:
            pass
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:60]
    assert time.monotonic() - started < 5


def closed_by_server(s):
    """Whether the server has closed `s` (without serving it)."""
    s.settimeout(0.2)
    try:
        return s.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_the_connection_cap_keeps_health_checks_answerable(limited):
    attempts = []
    for _ in range(10):
        s = connect(limited)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
        except OSError:
            pass
        attempts.append(s)
    time.sleep(0.3)
    open_ = [s for s in attempts if not closed_by_server(s)]
    # Six at most (the start-up health check's connection may still hold one).
    assert 5 <= len(open_) <= 6, len(open_)
    # The slow heads are cut off and the server answers again.
    time.sleep(2.5)
    assert requests.get(f"{limited.url}/healthz", timeout=5).status_code == 200
