#!/usr/bin/python3
"""Helper of bench/partitions.sh: waits for a broker, creates many partitions, counts them.

  partitions.py wait   --bootstrap H:P --expect N --timeout S   # until Metadata lists >= N partitions
  partitions.py create --bootstrap H:P --partitions N --per-topic P [--batch T] [--prefix X]

Prints one JSON object per command on stdout. Uses Debian's python3-confluent-kafka (AdminClient).
"""
import argparse
import json
import sys
import time

from confluent_kafka.admin import AdminClient, NewTopic


def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 120000,
                        "log_level": 3})


def count_partitions(a, timeout):
    md = a.list_topics(timeout=timeout)
    return sum(len(t.partitions) for t in md.topics.values()), len(md.topics)


def cmd_wait(args):
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    a = admin(args.bootstrap)
    last = (0, 0)
    while time.monotonic() < deadline:
        try:
            last = count_partitions(a, timeout=min(10.0, max(0.5, deadline - time.monotonic())))
            if last[0] >= args.expect:
                print(json.dumps({"ok": True, "seconds": time.monotonic() - t0, "partitions": last[0],
                                  "topics": last[1]}))
                return 0
        except Exception:  # not answering yet
            pass
        time.sleep(0.05)
    print(json.dumps({"ok": False, "seconds": time.monotonic() - t0, "partitions": last[0]}))
    return 1


def cmd_create(args):
    a = admin(args.bootstrap)
    topics = []
    left = args.partitions
    i = 0
    while left > 0:
        n = min(args.per_topic, left)
        topics.append(NewTopic(f"{args.prefix}-{i:05d}", num_partitions=n, replication_factor=1))
        left -= n
        i += 1
    t0 = time.monotonic()
    errors = 0
    for start in range(0, len(topics), args.batch):
        fs = a.create_topics(topics[start:start + args.batch], operation_timeout=600,
                             request_timeout=900)
        for name, f in fs.items():
            try:
                f.result()
            except Exception as e:  # report, keep going
                errors += 1
                print(f"create {name}: {e}", file=sys.stderr)
    secs = time.monotonic() - t0
    print(json.dumps({"ok": errors == 0, "seconds": secs, "topics": len(topics),
                      "partitions": args.partitions, "errors": errors}))
    return 0 if errors == 0 else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--bootstrap", required=True)
    w.add_argument("--expect", type=int, default=0)
    w.add_argument("--timeout", type=float, default=120)
    c = sub.add_parser("create")
    c.add_argument("--bootstrap", required=True)
    c.add_argument("--partitions", type=int, required=True)
    c.add_argument("--per-topic", type=int, default=100)
    c.add_argument("--batch", type=int, default=10, help="topics per CreateTopics request")
    c.add_argument("--prefix", default="parts")
    args = p.parse_args()
    return cmd_wait(args) if args.cmd == "wait" else cmd_create(args)


if __name__ == "__main__":
    sys.exit(main())
