# `sluice topic|produce|consume|config` against a live broker, cross-checked with a real admin
# client; topic deletion frees the name and the files; invalid names are refused.
import re
import time
from collections import defaultdict

import pytest
from confluent_kafka import KafkaError

from harness import cli, clients, rawkafka


def describe_partition_count(text: str, topic: str) -> int:
    """Partitions in `sluice topic describe` output (kafka-topics.sh layout)."""
    m = re.search(rf"Topic:\s*{re.escape(topic)}\s+PartitionCount:\s*(\d+)", text)
    if m:
        return int(m.group(1))
    return len(set(re.findall(rf"Topic:\s*{re.escape(topic)}\s+Partition:\s*(\d+)", text)))


def test_topic_create_list_and_describe_agree_with_the_broker(module_broker):
    bs = module_broker.bootstrap
    cli.topic_create(bs, "cli-created", 3).check()
    assert "cli-created" in cli.topic_list(bs).check().stdout.split()
    out = cli.topic_describe(bs, "cli-created").check().stdout
    assert describe_partition_count(out, "cli-created") == 3, out
    assert len(re.findall(r"Partition:\s*\d+", out)) == 3, out
    assert clients.partition_count(bs, "cli-created") == 3


def test_topic_create_with_config_sets_the_override(module_broker):
    bs = module_broker.bootstrap
    cli.topic_create(bs, "cli-with-config", 1, {"retention.ms": 86400000}).check()
    assert clients.topic_config(bs, "cli-with-config")["retention.ms"] == "86400000"


def test_creating_an_existing_topic_fails(module_broker):
    bs = module_broker.bootstrap
    cli.topic_create(bs, "cli-twice", 1).check()
    res = cli.topic_create(bs, "cli-twice", 1)
    assert res.returncode != 0
    assert "exist" in (res.stderr + res.stdout).lower()


def test_topic_alter_adds_partitions(module_broker):
    bs = module_broker.bootstrap
    cli.topic_create(bs, "cli-grow", 2).check()
    cli.topic_alter_partitions(bs, "cli-grow", 5).check()
    deadline = time.monotonic() + 10
    while clients.partition_count(bs, "cli-grow") != 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert clients.partition_count(bs, "cli-grow") == 5
    assert describe_partition_count(cli.topic_describe(bs, "cli-grow").check().stdout,
                                    "cli-grow") == 5


def test_cli_produce_then_consume_round_trips_keyed_records(module_broker):
    bs = module_broker.bootstrap
    topic = "cli-keyed"
    cli.topic_create(bs, topic, 3).check()
    pairs = [(f"user{i % 10}", f"event-{i:04d}") for i in range(300)]
    cli.produce_keyed(bs, topic, pairs).check()

    out = cli.consume_keyed(bs, topic, len(pairs)).check().stdout
    lines = [ln for ln in out.splitlines() if ln]
    assert sorted(lines) == sorted(f"{k}:{v}" for k, v in pairs)

    # Seen through a real client: keys kept, each key in one partition, per-key order kept.
    got = clients.consume_confluent(bs, topic, 3, expected=len(pairs))
    per_key = defaultdict(list)
    partitions_of_key = defaultdict(set)
    for c in sorted(got, key=lambda c: (c.partition, c.offset)):
        per_key[c.key.decode()].append(c.value.decode())
        partitions_of_key[c.key.decode()].add(c.partition)
    assert all(len(ps) == 1 for ps in partitions_of_key.values()), partitions_of_key
    for k, values in per_key.items():
        assert values == [v for kk, v in pairs if kk == k]


def test_config_set_persists_across_a_broker_restart(broker):
    bs = broker.bootstrap
    topic = "cli-config"
    cli.topic_create(bs, topic, 1).check()
    cli.config_set(bs, topic, "retention.ms", "123456789").check()
    assert cli.parse_config_lines(cli.config_get(bs, topic).check().stdout).get(
        "retention.ms") == "123456789"
    assert clients.topic_config(bs, topic)["retention.ms"] == "123456789"

    assert broker.stop() == 0
    broker.start()
    assert cli.parse_config_lines(cli.config_get(bs, topic).check().stdout).get(
        "retention.ms") == "123456789"
    assert clients.topic_config(bs, topic)["retention.ms"] == "123456789"


def _topic_dirs(broker, topic: str) -> list[str]:
    """Partition directories of `topic`, including Kafka-style `<t>-<p>.<id>-delete` ones."""
    pat = re.compile(rf"{re.escape(topic)}-\d+(\..*)?$")
    return sorted(p.name for p in broker.data_dir.iterdir() if pat.match(p.name))


def test_deleting_a_topic_removes_it_and_its_files(module_broker):
    b = module_broker
    topic = "cli-doomed"
    cli.topic_create(b.bootstrap, topic, 2).check()
    cli.produce_keyed(b.bootstrap, topic, [("k", "v")] * 20).check()
    assert _topic_dirs(b, topic) == [f"{topic}-0", f"{topic}-1"]

    cli.topic_delete(b.bootstrap, topic).check()
    assert topic not in cli.topic_list(b.bootstrap).check().stdout.split()
    assert topic not in clients.topic_names(b.bootstrap)
    deadline = time.monotonic() + 20
    while _topic_dirs(b, topic) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _topic_dirs(b, topic) == [], "partition directories left behind"


def test_a_deleted_topic_name_can_be_recreated_at_once_and_starts_empty(module_broker):
    bs = module_broker.bootstrap
    topic = "cli-reborn"
    cli.topic_create(bs, topic, 2).check()
    cli.produce_keyed(bs, topic, [(f"k{i}", f"old-{i}") for i in range(50)]).check()
    cli.topic_delete(bs, topic).check()
    cli.topic_create(bs, topic, 1).check()  # immediately, no waiting for file cleanup
    rawkafka.wait_for_leader(module_broker.host, module_broker.port, topic, 1)
    assert clients.partition_count(bs, topic) == 1
    assert clients.watermarks(bs, topic, 0) == (0, 0)
    cli.produce_keyed(bs, topic, [("k", "new")]).check()
    got = clients.consume_confluent(bs, topic, 1, expected=1)
    assert [(c.offset, c.value) for c in got] == [(0, b"new")]


INVALID_NAMES = {
    "slash": "bad/name",
    "space": "has space",
    "dot": ".",
    "dotdot": "..",
    "too_long": "a" * 250,
    "non_ascii": "t\u00f6pic",
    "colon": "a:b",
}


@pytest.mark.parametrize("name", list(INVALID_NAMES.values()), ids=list(INVALID_NAMES))
def test_invalid_topic_name_is_rejected_with_invalid_topic_exception(module_broker, name):
    err = clients.create_topic_error(module_broker.bootstrap, name)
    assert err is not None, f"topic {name!r} was created"
    assert err.code() == KafkaError.TOPIC_EXCEPTION, err  # 17 INVALID_TOPIC_EXCEPTION
    assert name not in clients.topic_names(module_broker.bootstrap)


def test_cli_reports_an_invalid_topic_name_as_a_failure(module_broker):
    res = cli.topic_create(module_broker.bootstrap, "bad/name", 1)
    assert res.returncode != 0
    assert "bad/name" not in clients.topic_names(module_broker.bootstrap)
