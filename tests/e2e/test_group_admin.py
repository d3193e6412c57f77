# Group administration with real clients over real sockets: ListGroups, DescribeGroups,
# DeleteGroups and OffsetDelete as kafka-python's KafkaAdminClient, confluent-kafka's AdminClient
# (librdkafka 2.0.2), a kafkajs 2.2.4 admin and raw requests (versions no client sends: ListGroups
# v4 state filter, DescribeGroups v5, DeleteGroups v2, OffsetDelete v0) see them.
#
# Live groups are confluent-kafka consumers that subscribed and got an assignment (Stable);
# Empty groups hold offsets committed without joining (generation -1). Every wait is bounded.
from __future__ import annotations

import time

import pytest
from confluent_kafka import Consumer, TopicPartition

from harness import clients
from harness import rawkafka as rk
from harness.wire import Reader, array, compact_string, i8, i32, string, uvarint

# Groups form at once instead of after Kafka's 3 s initial rebalance delay.
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}

API_DESCRIBE_GROUPS = 15
API_LIST_GROUPS = 16
API_DELETE_GROUPS = 42
API_OFFSET_DELETE = 47

NONE = 0
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_GROUP_ID = 24
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
GROUP_SUBSCRIBED_TO_TOPIC = 86
# Kafka's DescribeGroups authorized_operations: "not requested", and READ|DELETE|DESCRIBE.
OPS_NOT_REQUESTED = -(2**31)
ALL_GROUP_OPS = (1 << 3) | (1 << 6) | (1 << 8)

# ---------------------------------------------------------------------------------------------
# Groups made by real clients.
# ---------------------------------------------------------------------------------------------


def live_consumer(bootstrap: str, group: str, topics: list[str], timeout: float = 30.0) -> Consumer:
    """A confluent-kafka consumer that joined `group` and holds an assignment (group Stable).
    The caller closes it."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
                  "client.id": f"live-{group}"})
    c.subscribe(topics)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c.poll(0.2)
        if c.assignment():
            return c
    c.close()
    raise AssertionError(f"consumer of {group} got no assignment in {timeout}s")


def standalone_commit(bootstrap: str, group: str, offsets: list[tuple[str, int, int]]) -> None:
    """Commits offsets for `group` without joining it (generation -1): the group is Empty."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        tps = [TopicPartition(t, p, o) for t, p, o in offsets]
        c.assign(tps)
        for tp in c.commit(offsets=tps, asynchronous=False):
            assert tp.error is None, tp.error
    finally:
        c.close()


def kafka_python_admin(bootstrap: str):
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000,
                            client_id="sluice-e2e-admin")


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached in {timeout}s (last: {last!r})")


# ---------------------------------------------------------------------------------------------
# Raw requests (flexible versions use request header v2 and response header v1).
# ---------------------------------------------------------------------------------------------


def compact_array(items: list[bytes]) -> bytes:
    return uvarint(len(items) + 1) + b"".join(items)


def compact_bytes(r: Reader) -> bytes | None:
    n = r.uvarint()
    return None if n == 0 else r.take(n - 1)


def list_groups_v4(conn: rk.RawConnection, states: list[str]) -> tuple[int, list[tuple[str, str, str]]]:
    body = compact_array([compact_string(s) for s in states]) + uvarint(0)
    r = Reader(conn.request(API_LIST_GROUPS, 4, body, header_version=2, flexible_response=True))
    r.i32()  # throttle
    err = r.i16()

    def group(g: Reader):
        out = (g.compact_string(), g.compact_string(), g.compact_string())
        g.skip_tags()
        return out

    groups = r.compact_array(group) or []
    r.skip_tags()
    assert r.remaining() == 0
    return err, groups


def describe_groups_v5(conn: rk.RawConnection, groups: list[str], include_ops: bool) -> list[dict]:
    body = compact_array([compact_string(g) for g in groups]) + i8(1 if include_ops else 0) + uvarint(0)
    r = Reader(conn.request(API_DESCRIBE_GROUPS, 5, body, header_version=2, flexible_response=True))
    r.i32()

    def member(m: Reader) -> dict:
        out = {"member_id": m.compact_string(), "group_instance_id": m.compact_string(),
               "client_id": m.compact_string(), "client_host": m.compact_string(),
               "metadata": compact_bytes(m), "assignment": compact_bytes(m)}
        m.skip_tags()
        return out

    def group(g: Reader) -> dict:
        out = {"error": g.i16(), "group_id": g.compact_string(), "state": g.compact_string(),
               "protocol_type": g.compact_string(), "protocol_data": g.compact_string(),
               "members": g.compact_array(member) or [], "authorized_operations": g.i32()}
        g.skip_tags()
        return out

    out = r.compact_array(group) or []
    r.skip_tags()
    assert r.remaining() == 0
    return out


def delete_groups_v2(conn: rk.RawConnection, groups: list[str]) -> list[tuple[str, int]]:
    body = compact_array([compact_string(g) for g in groups]) + uvarint(0)
    r = Reader(conn.request(API_DELETE_GROUPS, 2, body, header_version=2, flexible_response=True))
    r.i32()

    def result(g: Reader):
        out = (g.compact_string(), g.i16())
        g.skip_tags()
        return out

    out = r.compact_array(result) or []
    r.skip_tags()
    return out


def offset_delete_v0(conn: rk.RawConnection, group: str,
                     topics: dict[str, list[int]]) -> tuple[int, dict[tuple[str, int], int]]:
    body = string(group) + array([string(t) + array([i32(p) for p in ps]) for t, ps in topics.items()])
    r = Reader(conn.request(API_OFFSET_DELETE, 0, body))
    err = r.i16()
    r.i32()  # throttle
    out: dict[tuple[str, int], int] = {}

    def topic(t: Reader) -> None:
        name = t.string()
        t.array(lambda p: out.__setitem__((name, p.i32()), p.i16()))

    r.array(topic)
    assert r.remaining() == 0
    return err, out


def subscription_topics(metadata: bytes) -> list[str]:
    """Topics of a ConsumerProtocolSubscription (the v0 prefix every version starts with)."""
    r = Reader(metadata)
    r.i16()
    return r.array(Reader.string) or []


# ---------------------------------------------------------------------------------------------
# Tests.
# ---------------------------------------------------------------------------------------------


@pytest.mark.timeout_s(120)
def test_api_versions_advertise_the_group_admin_apis(broker):
    with rk.RawConnection(broker.host, broker.port) as c:
        keys = c.api_versions(3).api_keys
    assert keys[API_DESCRIBE_GROUPS] == (0, 5)
    assert keys[API_LIST_GROUPS] == (0, 4)
    assert keys[API_DELETE_GROUPS] == (0, 2)
    assert keys[API_OFFSET_DELETE] == (0, 0)


@pytest.mark.timeout_s(180)
def test_kafka_python_admin_lists_describes_and_deletes_groups(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "kp-t", partitions=2)
    standalone_commit(bs, "kp-empty", [("kp-t", 0, 3), ("kp-t", 1, 4)])
    live = live_consumer(bs, "kp-live", ["kp-t"])
    admin = kafka_python_admin(bs)
    try:
        listed = dict(admin.list_consumer_groups())
        assert listed.get("kp-live") == "consumer"
        assert listed.get("kp-empty") == ""

        # DescribeGroups v3 with the operations asked for: kafka-python 2.0.2's v3 response schema
        # lacks authorized_operations (it reads None), so the raw v5 test below checks the value.
        (d,) = admin.describe_consumer_groups(["kp-live"], include_authorized_operations=True)
        assert d.error_code == NONE
        assert d.state == "Stable"
        assert d.protocol_type == "consumer"
        assert d.protocol in ("range", "roundrobin", "cooperative-sticky")
        assert len(d.members) == 1
        m = d.members[0]
        assert m.client_id == "live-kp-live"
        assert m.member_metadata.subscription == ["kp-t"]
        assigned = {(t, p) for t, ps in m.member_assignment.assignment for p in ps}
        assert assigned == {("kp-t", 0), ("kp-t", 1)}

        (unknown,) = admin.describe_consumer_groups(["kp-nobody"])
        assert (unknown.error_code, unknown.state, unknown.protocol_type, unknown.members) == (
            NONE, "Dead", "", [])

        assert {tp.partition: om.offset for tp, om in admin.list_consumer_group_offsets("kp-empty").items()} \
            == {0: 3, 1: 4}

        results = dict(admin.delete_consumer_groups(["kp-live", "kp-empty", "kp-nobody"]))
        assert results["kp-live"].errno == NON_EMPTY_GROUP
        assert results["kp-empty"].errno == NONE
        assert results["kp-nobody"].errno == GROUP_ID_NOT_FOUND
        assert admin.list_consumer_group_offsets("kp-empty") == {}
        assert "kp-empty" not in dict(admin.list_consumer_groups())

        # Once its only member leaves, the live group is Empty and can go.
        live.close()
        live = None
        wait_for(lambda: admin.describe_consumer_groups(["kp-live"])[0].state == "Empty", 20,
                 "kp-live Empty")
        assert dict(admin.delete_consumer_groups(["kp-live"]))["kp-live"].errno == NONE
        assert admin.describe_consumer_groups(["kp-live"])[0].state == "Dead"
    finally:
        if live is not None:
            live.close()
        admin.close()


@pytest.mark.timeout_s(180)
def test_confluent_admin_list_groups_describes_members(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "cf-t", partitions=3)
    standalone_commit(bs, "cf-empty", [("cf-t", 0, 1)])
    live = live_consumer(bs, "cf-live", ["cf-t"])
    try:
        a = clients.admin(bs)
        groups = {g.id: g for g in a.list_groups(timeout=15)}
        assert {"cf-live", "cf-empty"} <= set(groups)
        g = groups["cf-live"]
        assert g.error is None
        assert g.state == "Stable"
        assert g.protocol_type == "consumer"
        assert g.protocol  # the selected assignor
        assert len(g.members) == 1
        m = g.members[0]
        assert m.client_id == "live-cf-live"
        assert subscription_topics(m.metadata) == ["cf-t"]
        assert m.assignment  # Stable: the leader's assignment is described
        e = groups["cf-empty"]
        assert (e.state, e.protocol_type, e.protocol, e.members) == ("Empty", "", "", [])
        # One group by name.
        (only,) = a.list_groups("cf-live", timeout=15)
        assert only.id == "cf-live"
    finally:
        live.close()


@pytest.mark.timeout_s(240)
def test_kafkajs_admin_lists_describes_fetches_and_deletes(broker, kafkajs):
    bs = broker.bootstrap
    clients.create_topic(bs, "js-t", partitions=2)
    standalone_commit(bs, "js-empty", [("js-t", 0, 7), ("js-t", 1, 8)])
    live = live_consumer(bs, "js-live", ["js-t"])
    try:
        out = clients._run_node("group_admin.js", {
            "brokers": [bs], "timeoutMs": 60000,
            "ops": [
                {"op": "listGroups"},
                {"op": "describeGroups", "groupIds": ["js-live", "js-empty", "js-nobody"]},
                {"op": "fetchOffsets", "groupId": "js-empty", "topics": ["js-t"]},
                {"op": "deleteGroups", "groupIds": ["js-live", "js-empty"]},
                {"op": "fetchOffsets", "groupId": "js-empty", "topics": ["js-t"]},
                {"op": "listGroups"},
            ]}, 90)["results"]
    finally:
        live.close()
    listed, described, fetched, deleted, fetched_after, listed_after = out

    types = {g["groupId"]: g["protocolType"] for g in listed["groups"]}
    assert types["js-live"] == "consumer" and types["js-empty"] == ""

    by_id = {g["groupId"]: g for g in described["groups"]}
    live_d = by_id["js-live"]
    assert (live_d["errorCode"], live_d["state"], live_d["protocolType"]) == (0, "Stable", "consumer")
    assert len(live_d["members"]) == 1
    assert subscription_topics(bytes(live_d["members"][0]["memberMetadata"])) == ["js-t"]
    assert live_d["members"][0]["memberAssignment"]
    assert by_id["js-empty"]["state"] == "Empty"
    assert (by_id["js-nobody"]["errorCode"], by_id["js-nobody"]["state"]) == (0, "Dead")

    (t,) = fetched
    assert {p["partition"]: p["offset"] for p in t["partitions"]} == {0: "7", 1: "8"}

    # kafkajs throws KafkaJSDeleteGroupsError listing the groups that failed.
    assert deleted["error"] == "KafkaJSDeleteGroupsError"
    assert deleted["groups"] == [{"groupId": "js-live", "errorCode": NON_EMPTY_GROUP}]
    (t,) = fetched_after
    assert {p["partition"]: p["offset"] for p in t["partitions"]} == {0: "-1", 1: "-1"}
    assert "js-empty" not in {g["groupId"] for g in listed_after["groups"]}


@pytest.mark.timeout_s(180)
def test_raw_list_groups_v4_filters_by_state_and_describe_v5(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "raw-t", partitions=1)
    standalone_commit(bs, "raw-empty", [("raw-t", 0, 2)])
    live = live_consumer(bs, "raw-live", ["raw-t"])
    try:
        with rk.RawConnection(broker.host, broker.port) as c:
            err, groups = list_groups_v4(c, [])
            assert err == NONE
            assert {("raw-live", "consumer", "Stable"), ("raw-empty", "", "Empty")} <= set(groups)
            assert list_groups_v4(c, ["stable"]) == (NONE, [("raw-live", "consumer", "Stable")])
            assert list_groups_v4(c, ["EMPTY", "PreparingRebalance"]) == (NONE, [("raw-empty", "", "Empty")])
            assert list_groups_v4(c, ["Dead"]) == (NONE, [])

            live_d, empty_d, dead_d = describe_groups_v5(c, ["raw-live", "raw-empty", "raw-nobody"], True)
            assert (live_d["error"], live_d["state"], live_d["protocol_type"]) == (NONE, "Stable", "consumer")
            assert live_d["protocol_data"]
            assert live_d["authorized_operations"] == ALL_GROUP_OPS
            (m,) = live_d["members"]
            assert m["client_id"] == "live-raw-live" and m["group_instance_id"] is None
            assert subscription_topics(m["metadata"]) == ["raw-t"]
            assert m["assignment"]
            assert (empty_d["state"], empty_d["protocol_type"], empty_d["members"]) == ("Empty", "", [])
            assert (dead_d["error"], dead_d["state"], dead_d["protocol_type"], dead_d["protocol_data"],
                    dead_d["members"]) == (NONE, "Dead", "", "", [])
            (not_asked,) = describe_groups_v5(c, ["raw-live"], False)
            assert not_asked["authorized_operations"] == OPS_NOT_REQUESTED

            assert delete_groups_v2(c, ["raw-live", "raw-empty", "raw-nobody"]) == [
                ("raw-live", NON_EMPTY_GROUP), ("raw-empty", NONE), ("raw-nobody", GROUP_ID_NOT_FOUND)]
            assert list_groups_v4(c, ["Empty"]) == (NONE, [])
    finally:
        live.close()


@pytest.mark.timeout_s(180)
def test_raw_offset_delete_spares_subscribed_topics(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "od-sub", partitions=2)
    clients.create_topic(bs, "od-old", partitions=1)
    live = live_consumer(bs, "od-live", ["od-sub"])
    admin = kafka_python_admin(bs)
    try:
        # The member commits for its own topic and for one it no longer reads.
        committed = live.commit(offsets=[TopicPartition("od-sub", 0, 5), TopicPartition("od-old", 0, 9)],
                                asynchronous=False)
        assert all(tp.error is None for tp in committed)
        standalone_commit(bs, "od-empty", [("od-sub", 0, 1), ("od-sub", 1, 2)])

        with rk.RawConnection(broker.host, broker.port) as c:
            err, parts = offset_delete_v0(c, "od-live", {"od-sub": [0], "od-old": [0], "od-missing": [0, 1]})
            assert err == NONE
            assert parts == {("od-sub", 0): GROUP_SUBSCRIBED_TO_TOPIC, ("od-old", 0): NONE,
                             ("od-missing", 0): UNKNOWN_TOPIC_OR_PARTITION,
                             ("od-missing", 1): UNKNOWN_TOPIC_OR_PARTITION}
            err, parts = offset_delete_v0(c, "od-live", {"od-sub": [7]})  # no such partition
            assert (err, parts) == (NONE, {("od-sub", 7): UNKNOWN_TOPIC_OR_PARTITION})

            # An Empty group gives up any offset.
            assert offset_delete_v0(c, "od-empty", {"od-sub": [1]}) == (NONE, {("od-sub", 1): NONE})

            # Group-level errors carry no partitions.
            assert offset_delete_v0(c, "od-nobody", {"od-sub": [0]}) == (GROUP_ID_NOT_FOUND, {})
            assert offset_delete_v0(c, "", {"od-sub": [0]}) == (INVALID_GROUP_ID, {})

        live_offsets = {(tp.topic, tp.partition): om.offset
                        for tp, om in admin.list_consumer_group_offsets("od-live").items()}
        assert live_offsets == {("od-sub", 0): 5}
        empty_offsets = {(tp.topic, tp.partition): om.offset
                         for tp, om in admin.list_consumer_group_offsets("od-empty").items()}
        assert empty_offsets == {("od-sub", 0): 1}
    finally:
        live.close()
        admin.close()


@pytest.mark.timeout_s(180)
def test_deleted_groups_and_offsets_stay_deleted_after_a_restart(broker):
    """DeleteGroups and OffsetDelete go through the __consumer_offsets tombstones, so a restarted
    broker (which rebuilds groups from that log) does not bring them back."""
    bs = broker.bootstrap
    clients.create_topic(bs, "rs-t", partitions=2)
    standalone_commit(bs, "rs-gone", [("rs-t", 0, 3)])
    standalone_commit(bs, "rs-kept", [("rs-t", 0, 4), ("rs-t", 1, 5)])
    with rk.RawConnection(broker.host, broker.port) as c:
        assert delete_groups_v2(c, ["rs-gone"]) == [("rs-gone", NONE)]
        assert offset_delete_v0(c, "rs-kept", {"rs-t": [1]}) == (NONE, {("rs-t", 1): NONE})
    broker.restart()
    admin = kafka_python_admin(broker.bootstrap)
    try:
        assert "rs-gone" not in dict(admin.list_consumer_groups())
        assert admin.list_consumer_group_offsets("rs-gone") == {}
        kept = {tp.partition: om.offset for tp, om in admin.list_consumer_group_offsets("rs-kept").items()}
        assert kept == {0: 4}
    finally:
        admin.close()
