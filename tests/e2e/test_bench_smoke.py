# `sluice bench` smoke test (issue 4: "CI builds sluice bench and runs it briefly"): each mode runs
# a few thousand records against a real broker and must finish, report every record and write its
# JSON results. No timing is asserted: performance lives in bench/, not in tests.
from __future__ import annotations

import json

import pytest

from harness import cli, clients

RECORDS = 5000


def run_bench(broker, tmp_path, mode: str, topic: str, *extra: str) -> dict:
    out = tmp_path / f"{mode}.json"
    res = cli.run(["bench", mode, "--bootstrap-server", broker.bootstrap, "--topic", topic,
                   "--num-records", str(RECORDS), "--record-size", "100", "--partitions", "3",
                   "--timeout-ms", "20000", "--reporting-interval", "500", "--json", str(out), *extra],
                  timeout=90).check()
    assert out.exists(), res.stdout
    return json.loads(out.read_text())


@pytest.mark.timeout_s(240)
def test_every_bench_mode_runs_and_accounts_for_every_record(broker, tmp_path):
    produced = run_bench(broker, tmp_path, "produce", "smoke", "--acks", "all", "--compression", "lz4")
    assert produced["complete"] and produced["produced"] == RECORDS and produced["failed"] == 0, produced
    assert produced["delivery_latency_ms"]["count"] == RECORDS, produced
    total = sum(clients.watermarks(broker.bootstrap, "smoke", p)[1] for p in range(3))
    assert total == RECORDS

    consumed = run_bench(broker, tmp_path, "consume", "smoke")
    assert consumed["complete"] and consumed["consumed"] == RECORDS, consumed
    # Whole-run rate and Kafka's fetch rate (first record to last): the window lies inside the run.
    assert consumed["consume_msgs_per_s"] > 0 and consumed["consume_mb_per_s"] > 0, consumed
    elapsed_ms = consumed["elapsed_s"] * 1000
    assert 0 <= consumed["first_record_ms"] <= elapsed_ms, consumed
    assert 0 < consumed["fetch_time_ms"] <= elapsed_ms - consumed["first_record_ms"] + 1, consumed
    assert consumed["fetch_msgs_per_s"] >= consumed["consume_msgs_per_s"], consumed
    assert consumed["fetch_mb_per_s"] >= consumed["consume_mb_per_s"], consumed

    e2e = run_bench(broker, tmp_path, "e2e", "smoke-e2e", "--throughput", "2000", "--acks", "1")
    assert e2e["complete"] and e2e["produced"] == RECORDS and e2e["consumed"] == RECORDS, e2e
    lat = e2e["e2e_latency_ms"]
    assert lat["count"] == RECORDS and 0 <= lat["p50"] <= lat["p99"] <= lat["max"], e2e
