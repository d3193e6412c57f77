# 10,000 idle client connections: a broker started with a soft open-file limit of 1,024 raises it
# itself, accepts and answers them all (one ApiVersions each), serves a real client's acks=all
# produce and consume of 1,000 records while they are open, still answers a sample of them
# afterwards, and its connection count (/v1/status) falls back when they close. No timing asserted.
from __future__ import annotations

import http.client
import json
import re
import resource
import socket
import struct
import time

import pytest

from harness import clients, rawkafka
from harness.dataset import make_messages, verify_roundtrip

IDLE_CONNECTIONS = 10_000
# The broker needs one descriptor per connection plus its own (logs, listeners); so does this
# process for its ends of the sockets. Below this hard limit the test cannot be meaningful.
MIN_HARD_NOFILE = 12_000
BROKER_SOFT_NOFILE = 1024  # the usual default soft limit, which the broker must raise itself

BROKER_OVERRIDES = {"sluice.http.listener": "127.0.0.1:0"}

_HTTP_BOUND_RE = re.compile(r"http: admin, metrics and console on http://127\.0\.0\.1:(\d+)/")


def http_port(broker, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = _HTTP_BOUND_RE.search(broker.log_text())
        if m:
            return int(m.group(1))
        time.sleep(0.05)
    raise AssertionError("no HTTP port line in the broker log\n" + broker.log_tail())


def connections_open(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/v1/status")
        r = conn.getresponse()
        assert r.status == 200
        return int(json.loads(r.read())["connections_open"])
    finally:
        conn.close()


def wait_connections_at_most(port: int, n: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    got = connections_open(port)
    while got > n and time.monotonic() < deadline:
        time.sleep(0.1)
        got = connections_open(port)
    return got


def api_versions_frame(correlation_id: int) -> bytes:
    return rawkafka.frame(rawkafka.request_header(rawkafka.API_API_VERSIONS, 0, correlation_id,
                                                  client_id="sluice-idle"))


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise rawkafka.ConnectionClosed(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def expect_api_versions(sock: socket.socket, correlation_id: int) -> None:
    (size,) = struct.unpack(">i", recv_exact(sock, 4))
    body = recv_exact(sock, size)
    r = rawkafka.Reader(body)
    assert r.i32() == correlation_id
    resp = rawkafka.parse_api_versions(body[r.pos:], 0)
    assert resp.error_code == 0 and rawkafka.API_API_VERSIONS in resp.api_keys, resp


def open_idle(host: str, port: int, n: int, batch: int = 250) -> list[socket.socket]:
    """n sockets that each completed one ApiVersions v0 (pipelined a batch at a time)."""
    socks: list[socket.socket] = []
    try:
        for start in range(0, n, batch):
            group = []
            for i in range(start, min(n, start + batch)):
                s = socket.create_connection((host, port), timeout=20)
                socks.append(s)
                s.sendall(api_versions_frame(i))
                group.append((i, s))
            for i, s in group:
                expect_api_versions(s, i)
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


@pytest.fixture
def fd_limits():
    """Raises this process's soft limit; yields (original soft, hard); restores it after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < MIN_HARD_NOFILE:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {MIN_HARD_NOFILE}: cannot hold "
                    f"{IDLE_CONNECTIONS} connections on each side")
    yield soft, hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.timeout_s(120)
def test_ten_thousand_idle_connections_are_held_while_a_client_produces_and_consumes(
        broker_factory, fd_limits):
    original_soft, hard = fd_limits
    # The broker inherits a soft limit of 1,024 and must raise it itself to accept 10,000.
    broker_soft = min(BROKER_SOFT_NOFILE, original_soft)
    resource.setrlimit(resource.RLIMIT_NOFILE, (broker_soft, hard))
    broker = broker_factory(start=False)
    try:
        broker.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    assert f"open-file limit (RLIMIT_NOFILE): {hard} (soft was {broker_soft}, hard {hard})" in \
        broker.log_text(), broker.log_tail()
    hport = http_port(broker)
    baseline = connections_open(hport)

    socks = open_idle(broker.host, broker.port, IDLE_CONNECTIONS)
    try:
        assert connections_open(hport) >= baseline + IDLE_CONNECTIONS

        topic = "idle-conns"
        clients.create_topic(broker.bootstrap, topic, 2)
        sent = make_messages(1000, "idle")
        delivered = clients.produce_confluent(broker.bootstrap, topic, sent,
                                              conf={"acks": "all"}, timeout=60)
        got = clients.consume_confluent(broker.bootstrap, topic, 2, expected=len(sent), timeout=60)
        verify_roundtrip(sent, got, 2, delivered=delivered)

        # Every 20th idle connection is still served.
        sample = socks[::20]
        for j, s in enumerate(sample):
            s.sendall(api_versions_frame(1_000_000 + j))
        for j, s in enumerate(sample):
            expect_api_versions(s, 1_000_000 + j)
        assert connections_open(hport) >= baseline + IDLE_CONNECTIONS
    finally:
        for s in socks:
            s.close()

    assert wait_connections_at_most(hport, baseline) <= baseline
    broker.assert_healthy()
