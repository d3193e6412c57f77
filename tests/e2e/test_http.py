# The broker's HTTP port (sluice.http.listener): /metrics, /v1/status, /v1/topics/<name>,
# /v1/groups/<id> and the console page agree with what a real client (confluent-kafka) sees:
# end offsets, committed offsets and lag; a live group shows as Stable with its member.
from __future__ import annotations

import http.client
import json
import re
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from harness import clients
from harness.dataset import make_messages

BROKER_OVERRIDES = {"sluice.http.listener": "127.0.0.1:0", "group.initial.rebalance.delay.ms": 0}

_BOUND_RE = re.compile(r"http: admin, metrics and console on http://127\.0\.0\.1:(\d+)/")
_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (-?[0-9.eE+-]+)$")


def http_port(broker, timeout: float = 10.0) -> int:
    """The bound HTTP port, from the broker's log line (the listener asked for port 0)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = _BOUND_RE.search(broker.log_text())
        if m:
            return int(m.group(1))
        time.sleep(0.05)
    raise AssertionError("no HTTP port line in the broker log\n" + broker.log_tail())


def request(port: int, path: str, method: str = "GET") -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
    finally:
        conn.close()


def get_json(port: int, path: str) -> dict:
    status, headers, body = request(port, path)
    assert status == 200, (path, status, body)
    assert headers["content-type"] == "application/json"
    return json.loads(body)


def metrics(port: int) -> dict[str, float]:
    """`name{labels}` -> value; asserts every line is a sample or a HELP/TYPE comment."""
    status, headers, body = request(port, "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in body.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = _SAMPLE_RE.match(line)
        assert m, f"not Prometheus text: {line!r}"
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def test_metrics_and_group_lag_match_the_client(broker):
    topic, group, parts = "web", "dash", 3
    clients.create_topic(broker.bootstrap, topic, parts)
    delivered = clients.produce_confluent(broker.bootstrap, topic, make_messages(60, "web"))
    ends = {p: 0 for p in range(parts)}
    for p, o in delivered:
        ends[p] = max(ends[p], o + 1)
    assert all(ends[p] > 2 for p in range(parts)), ends

    # Commit 2 on partition 0 and the end on partition 1; nothing on partition 2.
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 2), TopicPartition(topic, 1, ends[1])],
                 asynchronous=False)
        committed = {tp.partition: tp.offset
                     for tp in c.committed([TopicPartition(topic, p) for p in range(parts)],
                                           timeout=10)}
        high = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1]
                for p in range(parts)}
    finally:
        c.close()
    assert committed[0] == 2 and committed[1] == ends[1] and committed[2] < 0, committed
    assert high == ends

    port = http_port(broker)
    m = metrics(port)
    for p in range(parts):
        assert m[f'sluice_partition_log_end_offset{{topic="{topic}",partition="{p}"}}'] == high[p]
        assert m[f'sluice_partition_size_bytes{{topic="{topic}",partition="{p}"}}'] > 0
    for p in (0, 1):
        labels = f'{{group="{group}",topic="{topic}",partition="{p}"}}'
        assert m["sluice_consumer_group_committed_offset" + labels] == committed[p]
        assert m["sluice_consumer_group_lag" + labels] == high[p] - committed[p]
    assert f'sluice_consumer_group_lag{{group="{group}",topic="{topic}",partition="2"}}' not in m
    assert m['sluice_consumer_groups{state="Empty"}'] == 1
    assert m['sluice_requests_total{api="produce",api_key="0"}'] >= 1
    assert m['sluice_requests_total{api="offset_commit",api_key="8"}'] >= 1
    assert m["sluice_group_commit_fsyncs_total"] >= 1
    assert any(k.startswith('sluice_partition_log_end_offset{topic="__consumer_offsets"')
               for k in m)

    g = get_json(port, f"/v1/groups/{group}")
    assert g["state"] == "Empty"
    by_partition = {o["partition"]: o for o in g["offsets"]}
    assert set(by_partition) == {0, 1}
    for p in (0, 1):
        assert by_partition[p]["committed_offset"] == committed[p]
        assert by_partition[p]["log_end_offset"] == high[p]
        assert by_partition[p]["lag"] == high[p] - committed[p]

    t = get_json(port, f"/v1/topics/{topic}")
    assert [d["log_end_offset"] for d in t["partition_details"]] == [high[p] for p in range(parts)]
    assert [d["log_start_offset"] for d in t["partition_details"]] == [0] * parts

    s = get_json(port, "/v1/status")
    assert s["listeners"][0]["port"] == broker.port
    assert s["partitions"] == parts + 50  # + __consumer_offsets
    assert s["groups"] == 1

    status, headers, body = request(port, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert f'<a href="/v1/topics/{topic}">{topic}</a>' in body
    assert f'<a href="/v1/groups/{group}">{group}</a>' in body


def test_live_group_is_stable_with_its_member(broker):
    topic, group = "live", "live-group"
    clients.create_topic(broker.bootstrap, topic, 2)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "client.id": "http-e2e", "session.timeout.ms": 6000,
                  "enable.auto.commit": False})
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + 30
        while not c.assignment() and time.monotonic() < deadline:
            c.poll(0.2)
        assert c.assignment(), "no assignment within 30 s"
        port = http_port(broker)
        g = get_json(port, f"/v1/groups/{group}")
        assert g["state"] == "Stable"
        assert g["protocol_type"] == "consumer"
        assert len(g["members"]) == 1
        assert g["members"][0]["client_id"] == "http-e2e"
        assert g["members"][0]["subscribed_topics"] == [topic]
        m = metrics(port)
        assert m['sluice_consumer_groups{state="Stable"}'] == 1
        assert m[f'sluice_consumer_group_members{{group="{group}"}}'] == 1
    finally:
        c.close()


def test_bad_requests_are_refused_and_the_broker_keeps_serving(broker):
    port = http_port(broker)
    assert request(port, "/nope")[0] == 404
    assert request(port, "/v1/groups/unknown")[0] == 404
    assert request(port, "/v1/topics", method="POST")[0] == 405
    assert request(port, "/v1/topics", method="DELETE")[0] == 405
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", "/metrics")
    conn.putheader("X-Big", "a" * 20000)
    conn.endheaders()
    assert conn.getresponse().status == 431
    conn.close()
    # The Kafka side is untouched.
    clients.create_topic(broker.bootstrap, "after", 1)
    assert get_json(port, "/v1/topics/after")["partitions"] == 1


@pytest.mark.parametrize("value", [""])
def test_empty_listener_disables_the_http_port(broker_factory, value):
    b = broker_factory("nohttp", {"sluice.http.listener": value})
    assert "sluice.http.listener is empty; no HTTP port" in b.log_text()
    assert not _BOUND_RE.search(b.log_text())
