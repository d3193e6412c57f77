# Deterministic test messages and the checks that what came back is exactly what went in.
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


@dataclass
class Msg:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: int | None = None


@dataclass
class Consumed:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    timestamp: int


def base_timestamp_ms() -> int:
    """One hour ago: clearly explicit (not "now") yet far inside the default 7-day retention."""
    return (int(time.time()) - 3600) * 1000


def make_messages(n: int, tag: str, base_ts: int | None = None, n_keys: int = 1000,
                  headers: bool = True) -> list[Msg]:
    """`n` keyed messages. The value carries `tag` and the index, so a consumed value names
    the message it came from; its filler varies in length so every codec has work to do.
    Two headers share the key "dup" (their order must survive); they are last and adjacent
    so clients that fold headers into a map (kafkajs) still preserve the exact sequence."""
    if base_ts is None:
        base_ts = base_timestamp_ms()
    out = []
    for i in range(n):
        filler = "abcdefghij" * (1 + i % 7)
        hs = [("seq", str(i).encode()), ("origin", tag.encode()), ("dup", b"first"),
              ("dup", b"second")] if headers else []
        out.append(Msg(key=f"key-{i % n_keys:04d}".encode(),
                       value=f"{tag}:{i:07d}:{filler}".encode(),
                       headers=hs, timestamp=base_ts + i))
    return out


def index_of(value: bytes) -> int:
    """The message index encoded in a value made by make_messages."""
    return int(value.split(b":", 2)[1])


def write_jsonl(msgs: list[Msg], path: Path) -> None:
    with open(path, "w") as f:
        for m in msgs:
            f.write(json.dumps({"k": None if m.key is None else m.key.decode(),
                                "v": m.value.decode(),
                                "h": [[k, v.decode()] for k, v in m.headers],
                                "ts": m.timestamp}) + "\n")


def read_consumed_jsonl(path: Path) -> list[Consumed]:
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            out.append(Consumed(d["p"], int(d["o"]),
                                None if d["k"] is None else d["k"].encode(),
                                None if d["v"] is None else d["v"].encode(),
                                [(k, v.encode()) for k, v in d["h"]], int(d["ts"])))
    return out


def verify_roundtrip(sent: list[Msg], got: list[Consumed], partitions: int, *,
                     delivered: list[tuple[int, int]] | None = None,
                     check_timestamps: bool = True,
                     timestamp_range: tuple[int, int] | None = None,
                     expected_headers=None) -> None:
    """Asserts `got` is exactly `sent`: same count, each message once, identical key/value/
    headers/timestamp, per-partition produce order with gap-free offsets from 0, each key in
    one partition only, and (if given) at the (partition, offset) its delivery report named.

    `timestamp_range` replaces the exact timestamp check for clients that cannot set one
    (kcat): timestamps must then lie in the range and not decrease within a partition.
    `expected_headers(msg)` overrides the headers expected for a message.
    """
    assert len(got) == len(sent), f"consumed {len(got)} messages, produced {len(sent)}"
    by_partition: dict[int, list[Consumed]] = defaultdict(list)
    for c in got:
        assert 0 <= c.partition < partitions, f"partition {c.partition} out of range"
        by_partition[c.partition].append(c)
    seen: set[int] = set()
    key_partition: dict[bytes | None, int] = {}
    mismatches: list[str] = []
    for p, msgs in sorted(by_partition.items()):
        msgs.sort(key=lambda c: c.offset)
        offsets = [c.offset for c in msgs]
        assert offsets == list(range(len(msgs))), (
            f"partition {p}: offsets not contiguous from 0: first {offsets[:5]}, "
            f"gaps/dups near {_first_irregularity(offsets)}")
        last_index = -1
        last_ts = None
        for c in msgs:
            i = index_of(c.value)
            assert 0 <= i < len(sent), f"unexpected value {c.value[:60]!r}"
            assert i not in seen, f"message {i} consumed twice"
            seen.add(i)
            assert i > last_index, f"partition {p}: message {i} after {last_index} (order broken)"
            last_index = i
            m = sent[i]
            if c.key != m.key or c.value != m.value:
                mismatches.append(f"#{i}: key/value {c.key!r}/{c.value[:40]!r}")
            want_headers = expected_headers(m) if expected_headers else m.headers
            if list(c.headers) != list(want_headers):
                mismatches.append(f"#{i}: headers {c.headers!r} != {want_headers!r}")
            if timestamp_range is not None:
                lo, hi = timestamp_range
                if not lo <= c.timestamp <= hi:
                    mismatches.append(f"#{i}: timestamp {c.timestamp} outside [{lo}, {hi}]")
                if last_ts is not None and c.timestamp < last_ts:
                    mismatches.append(f"#{i}: timestamp went back in partition {p}")
                last_ts = c.timestamp
            elif check_timestamps and c.timestamp != m.timestamp:
                mismatches.append(f"#{i}: timestamp {c.timestamp} != {m.timestamp}")
            prev = key_partition.setdefault(c.key, p)
            if prev != p:
                mismatches.append(f"key {c.key!r} in partitions {prev} and {p}")
            if delivered is not None and delivered[i] != (p, c.offset):
                mismatches.append(f"#{i}: delivered at {delivered[i]}, found at {(p, c.offset)}")
            if len(mismatches) > 20:
                break
    assert not mismatches, "mismatches:\n" + "\n".join(mismatches[:20])
    assert len(seen) == len(sent)


def _first_irregularity(offsets: list[int]) -> list[int]:
    for i, o in enumerate(offsets):
        if o != i:
            return offsets[max(0, i - 2):i + 3]
    return []
