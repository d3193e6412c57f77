# A Sluice cluster for end-to-end tests: a real ZooKeeper ensemble (harness/zookeeper.py) and N
# real `sluice broker` processes with zookeeper.connect set (harness/broker.py). Brokers keep their
# port and data dir across kill -9 / restart; everything is stopped by PID in stop().
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from .broker import Broker
from .zookeeper import ZooKeeper


class ZkCluster:
    def __init__(self, workdir: Path, brokers: int = 3, zk_nodes: int = 1, racks: list[str] | None = None,
                 overrides: dict | None = None, session_timeout_ms: int = 4000):
        self.workdir = Path(workdir)
        self.zk = ZooKeeper(self.workdir / "zk", zk_nodes)
        self.count = brokers
        self.racks = racks
        self.overrides = dict(overrides or {})
        self.session_timeout_ms = session_timeout_ms
        self.brokers: dict[int, Broker] = {}
        self.stopped: set[int] = set()

    def start(self) -> "ZkCluster":
        self.zk.start()
        for i in range(1, self.count + 1):
            o = {
                "broker.id": i,
                "zookeeper.connect": self.zk.connect + "/sluice",
                "zookeeper.session.timeout.ms": self.session_timeout_ms,
                "sluice.http.listener": "127.0.0.1:0",
                "sluice.shards": 2,
                "group.initial.rebalance.delay.ms": 0,
            }
            if self.racks:
                o["broker.rack"] = self.racks[i - 1]
            o.update(self.overrides)
            self.brokers[i] = Broker(self.workdir, name=f"broker-{i}", overrides=o)
        for b in self.brokers.values():
            b.start(ready_timeout=60)
        return self

    @property
    def bootstrap(self) -> str:
        return ",".join(b.bootstrap for b in self.brokers.values())

    def live_bootstrap(self) -> str:
        """Brokers that are running and not SIGSTOPped: a metadata query sent to a frozen broker
        would hang until the client's socket timeout, one sent to a dead one fails."""
        live = [b.bootstrap for i, b in self.brokers.items() if i not in self.stopped and b.alive()]
        return ",".join(live) or self.bootstrap

    def broker(self, node_id: int) -> Broker:
        return self.brokers[node_id]

    def kill9(self, node_id: int) -> None:
        self.brokers[node_id].kill9()

    def restart(self, node_id: int) -> None:
        b = self.brokers[node_id]
        if b.alive():
            b.stop()
        b.start(ready_timeout=60)

    def sigstop(self, node_id: int) -> None:
        os.kill(self.brokers[node_id].pid, signal.SIGSTOP)
        self.stopped.add(node_id)

    def sigcont(self, node_id: int) -> None:
        os.kill(self.brokers[node_id].pid, signal.SIGCONT)
        self.stopped.discard(node_id)

    def stop(self) -> None:
        for b in self.brokers.values():
            try:
                if b.alive():
                    try:
                        os.kill(b.pid, signal.SIGCONT)
                    except OSError:
                        pass
                    b.kill9()
            finally:
                b.force_cleanup()
        self.zk.stop()

    def log_tails(self, lines: int = 40) -> str:
        return "\n".join(b.log_tail(lines) for b in self.brokers.values())


def wait_until(pred, timeout_s: float, step_s: float = 0.1, what: str = "condition"):
    """Polls pred until it is truthy. An exception from pred (a metadata request that timed out
    while the cluster fails over) counts as "not yet"; the last one is reported on timeout."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        else:
            if last:
                return last
        time.sleep(step_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what} (last: {last!r})")
