# `sluice group list|describe|reset-offsets|delete|delete-offsets` and `sluice consume --group`
# against a live broker, cross-checked with confluent-kafka: lag per partition equals the log
# end offset (ListOffsets) minus the committed offset (OffsetFetch); every reset mode is applied
# and a consumer of the group then resumes exactly at the planned offset; resets and deletion
# are refused while a member is active. Every wait is bounded.
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from harness import cli, clients

# No 3 s wait before the first rebalance: each test joins groups many times.
BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": 0}

# Record i of every partition carries CreateTime T0 + i seconds (for --to-datetime).
T0 = datetime(2023, 6, 1, tzinfo=timezone.utc)
T0_MS = int(T0.timestamp() * 1000)
WAIT_S = 30.0


def group_cli(bootstrap: str, *args: str) -> cli.CliResult:
    return cli.run(["group", "--bootstrap-server", bootstrap, *args])


def produce_per_partition(bootstrap: str, topic: str, counts: dict[int, int]) -> None:
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    failed = []
    for part, n in counts.items():
        for i in range(n):
            p.produce(topic, value=f"{part}-{i}".encode(), partition=part, timestamp=T0_MS + i * 1000,
                      on_delivery=lambda err, m: failed.append(err) if err else None)
    assert p.flush(WAIT_S) == 0, "records left undelivered"
    assert not failed, failed


def consumer(bootstrap: str, group: str, **extra) -> Consumer:
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 6000}
    conf.update(extra)
    return Consumer(conf)


def consume_and_commit(bootstrap: str, group: str, topic: str, upto: dict[int, int]) -> None:
    """Joins `group` (subscribe), reads each partition in `upto` up to that offset and commits
    exactly those offsets; partitions not in `upto` get no commit."""
    c = consumer(bootstrap, group)
    try:
        c.subscribe([topic])
        seen = {p: 0 for p in upto}
        deadline = time.monotonic() + WAIT_S
        while any(seen[p] < n for p, n in upto.items()):
            assert time.monotonic() < deadline, f"consumed only {seen} of {upto}"
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            if m.partition() in seen:
                seen[m.partition()] = max(seen[m.partition()], m.offset() + 1)
        c.commit(offsets=[TopicPartition(topic, p, n) for p, n in upto.items()], asynchronous=False)
    finally:
        c.close()


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int | None]:
    """OffsetFetch through a client that does not join the group."""
    c = consumer(bootstrap, group)
    try:
        tps = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=WAIT_S)
        return {tp.partition: (tp.offset if tp.offset >= 0 else None) for tp in tps}
    finally:
        c.close()


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    return {p: clients.watermarks(bootstrap, topic, p)[1] for p in range(partitions)}


def resume_offsets(bootstrap: str, group: str, topic: str, expect: dict[int, int]) -> dict[int, int]:
    """Joins the group and returns the offset of the first record each partition delivers;
    waits only for the partitions `expect` says still have records. Commits nothing."""
    c = consumer(bootstrap, group)
    first: dict[int, int] = {}
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + WAIT_S
        while not set(expect) <= set(first):
            assert time.monotonic() < deadline, f"resumed only {first}, expected {expect}"
            m = c.poll(0.5)
            if m is None or m.error():
                continue
            first.setdefault(m.partition(), m.offset())
    finally:
        c.close()
    return first


def wait_state(bootstrap: str, group: str, state: str) -> dict:
    deadline = time.monotonic() + WAIT_S
    while True:
        res = group_cli(bootstrap, "describe", "--group", group, "--output", "json")
        if res.returncode == 0:
            d = json.loads(res.stdout)
            if d["state"] == state:
                return d
        assert time.monotonic() < deadline, f"group {group} never reached {state}: {res.stdout} {res.stderr}"
        time.sleep(0.3)


def plan_of(res: cli.CliResult) -> dict[int, int]:
    """NEW-OFFSET column of a reset table, by partition."""
    lines = res.stdout.strip().splitlines()
    assert lines[0].split() == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], res.stdout
    return {int(cols[2]): int(cols[3]) for cols in (line.split() for line in lines[1:])}


COUNTS = {0: 10, 1: 20, 2: 30}


@pytest.fixture
def group_topic(module_broker, request):
    """A 3-partition topic with COUNTS records and a group that committed 3 / nothing / 30."""
    bs = module_broker.bootstrap
    topic = f"grp-{request.node.name[:40]}".replace("[", "-").replace("]", "")
    group = f"g-{topic}"
    clients.create_topic(bs, topic, 3)
    produce_per_partition(bs, topic, COUNTS)
    consume_and_commit(bs, group, topic, {0: 3, 2: 30})
    return bs, topic, group


def test_describe_lag_is_end_minus_committed_for_every_partition(group_topic):
    bs, topic, group = group_topic
    wait_state(bs, group, "Empty")
    ends = end_offsets(bs, topic, 3)
    assert ends == COUNTS
    comm = committed(bs, group, topic, 3)
    assert comm == {0: 3, 1: None, 2: 30}

    d = json.loads(group_cli(bs, "describe", "--group", group, "--output", "json").check().stdout)
    rows = {(o["topic"], o["partition"]): o for o in d["offsets"]}
    for p in (0, 2):
        r = rows[(topic, p)]
        assert r["current_offset"] == comm[p]
        assert r["log_end_offset"] == ends[p]
        assert r["lag"] == ends[p] - comm[p]
    assert (topic, 1) not in rows  # neither assigned nor committed

    # The table agrees, with Kafka's columns.
    text = group_cli(bs, "describe", "--group", group, "--offsets").check().stdout.splitlines()
    assert text[0].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                               "CONSUMER-ID", "HOST", "CLIENT-ID"]
    table = {int(c[2]): c for c in (line.split() for line in text[1:])}
    assert table[0][3:6] == ["3", "10", "7"] and table[2][3:6] == ["30", "30", "0"]


def test_describe_active_member_shows_assignment_and_dash_for_uncommitted(group_topic):
    bs, topic, group = group_topic
    c = consumer(bs, group, **{"client.id": "lag-checker"})
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + WAIT_S
        while not c.assignment():
            assert time.monotonic() < deadline, "no assignment"
            c.poll(0.2)
        d = wait_state(bs, group, "Stable")
        assert len(d["members"]) == 1
        m = d["members"][0]
        assert m["client_id"] == "lag-checker" and m["host"]
        assert sorted(a["partition"] for a in m["assignment"]) == [0, 1, 2]
        rows = {o["partition"]: o for o in d["offsets"]}
        assert sorted(rows) == [0, 1, 2]
        assert rows[1]["current_offset"] is None and rows[1]["lag"] is None
        assert rows[1]["log_end_offset"] == COUNTS[1]
        assert all(r["consumer_id"] == m["member_id"] for r in rows.values())
        assert rows[0]["lag"] == COUNTS[0] - 3
        text = group_cli(bs, "describe", "--group", group).check().stdout
        assert "range" in text or "roundrobin" in text or "cooperative-sticky" in text, text
        line1 = next(line for line in text.splitlines() if line.split()[:3] == [group, topic, "1"])
        assert line1.split()[3:6] == ["-", "20", "-"], line1
        listed = group_cli(bs, "list", "--state", "Stable").check().stdout
        assert group in listed and "Stable" in listed
    finally:
        c.close()


def test_list_shows_the_group_and_filters_by_state(group_topic):
    bs, topic, group = group_topic
    wait_state(bs, group, "Empty")
    assert group in group_cli(bs, "list").check().stdout.split()
    assert group in group_cli(bs, "--list").check().stdout.split()
    wide = group_cli(bs, "list", "--state", "Empty").check().stdout.splitlines()
    assert wide[0].split() == ["GROUP", "STATE", "TYPE"]
    assert [group, "Empty", "consumer"] in [line.split() for line in wide]
    assert group not in group_cli(bs, "list", "--state", "Stable").check().stdout
    groups = json.loads(group_cli(bs, "list", "--output", "json").check().stdout)
    assert {"group": group, "state": "Empty", "type": "consumer"} in groups


def test_reset_dry_run_changes_nothing(group_topic):
    bs, topic, group = group_topic
    before = committed(bs, group, topic, 3)
    res = group_cli(bs, "reset-offsets", "--group", group, "--topic", topic, "--to-earliest").check()
    assert plan_of(res) == {0: 0, 1: 0, 2: 0}
    assert "dry run" in res.stderr
    res = group_cli(bs, "--reset-offsets", "--group", group, "--all-topics", "--to-latest", "--dry-run").check()
    assert plan_of(res) == {0: 10, 2: 30}  # --all-topics: the partitions with committed offsets
    assert committed(bs, group, topic, 3) == before


def apply(bs: str, group: str, topic: str, *mode: str, scope: tuple[str, ...] | None = None) -> dict[int, int]:
    res = group_cli(bs, "reset-offsets", "--group", group, *(scope or ("--topic", topic)), *mode,
                    "--execute").check()
    plan = plan_of(res)
    comm = committed(bs, group, topic, 3)
    assert {p: comm[p] for p in plan} == plan, (plan, comm)
    # A consumer of the group starts exactly at the new offsets (where records remain).
    remaining = {p: o for p, o in plan.items() if o < COUNTS[p]}
    resumed = resume_offsets(bs, group, topic, remaining)
    assert {p: resumed[p] for p in remaining} == remaining, (plan, resumed)
    return plan


def test_reset_execute_applies_every_mode_and_consumers_resume_there(group_topic):
    bs, topic, group = group_topic
    wait_state(bs, group, "Empty")
    assert apply(bs, group, topic, "--to-earliest") == {0: 0, 1: 0, 2: 0}
    assert apply(bs, group, topic, "--to-latest") == COUNTS
    assert apply(bs, group, topic, "--to-offset", "7") == {0: 7, 1: 7, 2: 7}
    assert apply(bs, group, topic, "--shift-by", "5") == {0: 10, 1: 12, 2: 12}  # clamped at p0's end
    assert apply(bs, group, topic, "--shift-by", "-4") == {0: 6, 1: 8, 2: 8}
    assert apply(bs, group, topic, "--shift-by", "-100") == {0: 0, 1: 0, 2: 0}
    assert apply(bs, group, topic, "--to-offset", "25") == {0: 10, 1: 20, 2: 25}
    # First record at or after T0 + 12.5 s is record 13; partition 0 has only 10: its log end.
    at = (T0 + timedelta(seconds=12.5)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    assert apply(bs, group, topic, "--to-datetime", at + "Z") == {0: 10, 1: 13, 2: 13}
    assert apply(bs, group, topic, "--to-datetime", "2023-06-01T02:00:04.000+02:00") == {0: 4, 1: 4, 2: 4}
    assert apply(bs, group, topic, "--to-current") == {0: 4, 1: 4, 2: 4}
    # One partition only; the others keep their offsets.
    assert apply(bs, group, topic, "--to-offset", "9", scope=("--topic", f"{topic}:1")) == {1: 9}
    assert committed(bs, group, topic, 3) == {0: 4, 1: 9, 2: 4}


def test_reset_and_delete_are_refused_while_a_consumer_is_active(group_topic):
    bs, topic, group = group_topic
    before = committed(bs, group, topic, 3)
    c = consumer(bs, group)
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + WAIT_S
        while not c.assignment():
            assert time.monotonic() < deadline, "no assignment"
            c.poll(0.2)
        wait_state(bs, group, "Stable")
        for extra in ((), ("--execute",)):
            res = group_cli(bs, "reset-offsets", "--group", group, "--topic", topic, "--to-earliest", *extra)
            assert res.returncode == 1, res
            assert "inactive" in res.stderr and "Stable" in res.stderr, res.stderr
        res = group_cli(bs, "delete", "--group", group)
        assert res.returncode == 1 and "active members" in res.stderr, res
        res = group_cli(bs, "delete-offsets", "--group", group, "--topic", topic)
        assert res.returncode == 1 and "GROUP_SUBSCRIBED_TO_TOPIC" in res.stdout, res
    finally:
        c.close()
    assert committed(bs, group, topic, 3) == before


def test_delete_removes_the_group_and_delete_offsets_one_partition(group_topic):
    bs, topic, group = group_topic
    wait_state(bs, group, "Empty")
    res = group_cli(bs, "delete-offsets", "--group", group, "--topic", f"{topic}:0").check()
    assert "Successful" in res.stdout
    assert committed(bs, group, topic, 3) == {0: None, 1: None, 2: 30}
    assert "Deleted consumer group" in group_cli(bs, "delete", "--group", group).check().stdout
    assert group not in group_cli(bs, "list").check().stdout.split()
    res = group_cli(bs, "describe", "--group", group)
    assert res.returncode == 1 and "does not exist" in res.stderr, res
    assert committed(bs, group, topic, 3) == {0: None, 1: None, 2: None}
    res = group_cli(bs, "delete", "--group", group)
    assert res.returncode == 1 and "does not exist" in res.stderr, res


def test_usage_errors_exit_2(module_broker):
    bs = module_broker.bootstrap
    for args in (("reset-offsets", "--group", "g", "--topic", "t"),
                 ("reset-offsets", "--group", "g", "--topic", "t", "--to-datetime", "yesterday"),
                 ("describe",), ("frobnicate",)):
        res = group_cli(bs, *args)
        assert res.returncode == 2, res
        assert res.stderr.startswith("sluice"), res


def test_sluice_consume_with_group_commits_and_resumes(module_broker):
    bs = module_broker.bootstrap
    topic, group = "grp-consume-resume", "g-consume-resume"
    clients.create_topic(bs, topic, 1)
    produce_per_partition(bs, topic, {0: 20})
    fmt = ["--format", "%o\\n", "--timeout-ms", "30000", "-q"]
    first = cli.run(["consume", "--bootstrap-server", bs, "--topic", topic, "--group", group,
                     "--from-beginning", "--max-messages", "8", *fmt]).check()
    assert first.stdout.split() == [str(i) for i in range(8)]
    assert committed(bs, group, topic, 1) == {0: 8}
    second = cli.run(["consume", "--bootstrap-server", bs, "--topic", topic, "--group", group,
                      "--max-messages", "5", *fmt]).check()
    assert second.stdout.split() == [str(i) for i in range(8, 13)]
    d = wait_state(bs, group, "Empty")
    assert [(o["current_offset"], o["lag"]) for o in d["offsets"]] == [(13, 7)]
