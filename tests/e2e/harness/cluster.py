# A ZooKeeper-coordinated Sluice cluster for e2e tests: a real ZooKeeper ensemble of 1 or 3 nodes
# (harness/zookeeper.py over scripts/zookeeper.sh, 500 ms ticks so sessions can be short) and N real
# `sluice broker` processes (harness/broker.py), with the fault injections tests need: kill -9,
# SIGSTOP/SIGCONT, TERM with a bound, restart on the same port and data, killing a ZooKeeper node.
#
# Every port is picked below the kernel's ephemeral range, so a broker's port cannot be taken by an
# outgoing connection while it is down. Every process is signalled by its own PID only, every wait
# is bounded, and teardown() never raises. Use the `cluster_factory` fixture (import it into the
# test module), or Cluster(...).start() / .teardown() directly.
from __future__ import annotations

import os
import random
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

from . import zookeeper
from .broker import Broker

# A test that fails keeps its cluster folder (logs, data, ZooKeeper) when this is set.
KEEP_ENV = "SLUICE_E2E_KEEP_CLUSTER"
BROKER_READY_TIMEOUT_S = 60.0
SESSION_TIMEOUT_MS = 6000


def _port_block(count: int, taken: set[int]) -> int:
    """The first of `count` consecutive free loopback ports below the ephemeral range."""
    high = min(zookeeper._ephemeral_low(), 32000) - count - 1  # noqa: SLF001 - shared helper
    for _ in range(200):
        base = random.randint(10000, max(10001, high))
        ports = range(base, base + count)
        if any(p in taken for p in ports):
            continue
        if all(zookeeper._free(p) for p in ports):  # noqa: SLF001
            return base
    raise RuntimeError(f"no {count} free consecutive loopback ports in 10000..{high}")


def _process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat (R, S, T, Z, ...), or '' when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""
    return stat.rsplit(")", 1)[-1].split()[0]


def _process_running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    return _process_state(pid) not in ("", "Z")


class Cluster:
    """ZooKeeper (`zk_nodes` servers) plus brokers with ids 1..`brokers`.

    `overrides` go to every broker, `broker_overrides[i]` to broker i only (they win), `racks[i-1]`
    becomes broker i's broker.rack. Brokers keep their port and data dir across kill9/stop/restart.
    Not thread-safe: drive it from the test's main thread.
    """

    def __init__(self, brokers: int = 3, zk_nodes: int = 1, racks: list[str] | None = None,
                 overrides: dict | None = None, broker_overrides: dict[int, dict] | None = None,
                 session_timeout_ms: int = SESSION_TIMEOUT_MS, workdir: Path | None = None,
                 chroot: str = "/sluice"):
        if zk_nodes not in (1, 3):
            raise ValueError("zk_nodes must be 1 or 3")
        if racks is not None and len(racks) != brokers:
            raise ValueError("give one rack per broker")
        self.count = brokers
        self.racks = racks
        self.overrides = dict(overrides or {})
        self.broker_overrides = {int(k): dict(v) for k, v in (broker_overrides or {}).items()}
        self.session_timeout_ms = session_timeout_ms
        self.chroot = chroot
        self.own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="sluice-cluster-"))
        self.zk = zookeeper.ZooKeeper(self.workdir / "zk", zk_nodes, tick_ms=500)
        self.brokers: dict[int, Broker] = {}
        self.stopped: set[int] = set()  # brokers under SIGSTOP
        self.started_pids: set[int] = set()  # every process this cluster started (brokers and ZooKeeper)
        self.torn_down = False

    # -- start ---------------------------------------------------------------------------------

    def start(self) -> "Cluster":
        try:
            self.zk.start()
            for n in range(1, self.zk.nodes + 1):
                self.started_pids.add(self.zk.pid(n))
            base = _port_block(self.count, set(range(self.zk.base_port, self.zk.base_port + 3 * self.zk.nodes)))
            for i in range(1, self.count + 1):
                b = Broker(self.workdir, name=f"broker-{i}", overrides=self.broker_config(i))
                b.port = base + i - 1  # fixed: a restart keeps it
                self.brokers[i] = b
            for b in self.brokers.values():
                b.start(ready_timeout=BROKER_READY_TIMEOUT_S)
                self.started_pids.add(b.pid)
        except BaseException:
            self.teardown(keep_dir=self.keep_requested())
            raise
        return self

    def broker_config(self, i: int) -> dict:
        o = {
            "broker.id": i,
            "zookeeper.connect": self.zk.connect + self.chroot,
            "zookeeper.session.timeout.ms": self.session_timeout_ms,
            "sluice.http.listener": "127.0.0.1:0",
            "group.initial.rebalance.delay.ms": 0,
        }
        if self.racks:
            o["broker.rack"] = self.racks[i - 1]
        o.update(self.overrides)
        o.update(self.broker_overrides.get(i, {}))
        return o

    # -- addresses -----------------------------------------------------------------------------

    def bootstrap(self, ids: list[int] | None = None) -> str:
        """host:port of the given brokers (default: all), comma-separated."""
        return ",".join(self.brokers[i].bootstrap for i in (ids or sorted(self.brokers)))

    def broker(self, i: int) -> Broker:
        return self.brokers[i]

    @property
    def zk_connect(self) -> str:
        """The ensemble's connect string with the cluster's chroot."""
        return self.zk.connect + self.chroot

    # -- faults --------------------------------------------------------------------------------

    def kill9(self, i: int) -> None:
        """SIGKILL, as a crash would; waits (bounded) until the process is gone."""
        self.stopped.discard(i)
        self.brokers[i].kill9()

    def sigstop(self, i: int) -> None:
        """Freezes broker i (its ZooKeeper session lapses after the session timeout); returns once
        the kernel shows it stopped (signals are delivered asynchronously), at most 5 s."""
        pid = self.brokers[i].pid
        os.kill(pid, signal.SIGSTOP)
        self.stopped.add(i)
        deadline = time.monotonic() + 5
        while _process_state(pid) != "T":
            if time.monotonic() > deadline:
                raise AssertionError(f"broker {i} (pid {pid}) not stopped 5 s after SIGSTOP: "
                                     f"state {_process_state(pid)!r}")
            time.sleep(0.01)

    def sigcont(self, i: int) -> None:
        os.kill(self.brokers[i].pid, signal.SIGCONT)
        self.stopped.discard(i)

    def stop(self, i: int, timeout: float = 30.0) -> int | None:
        """SIGTERM (a controlled shutdown), bounded by `timeout`, then SIGKILL. Returns the exit
        code; raises BrokerError when the broker had to be killed."""
        if i in self.stopped:
            self.sigcont(i)
        return self.brokers[i].stop(timeout)

    def restart(self, i: int, hard: bool = False, overrides: dict | None = None) -> Broker:
        """Stops broker i if it runs (TERM, or SIGKILL if `hard`), then starts it on the same port
        and data dir and waits until it answers."""
        if i in self.stopped:
            self.sigcont(i)
        b = self.brokers[i]
        b.restart(hard=hard, overrides=overrides, ready_timeout=BROKER_READY_TIMEOUT_S)
        self.started_pids.add(b.pid)
        return b

    def zk_kill(self, node: int) -> None:
        """SIGKILL of ZooKeeper server `node` (1-based)."""
        self.zk.kill9(node)

    def alive(self, i: int) -> bool:
        return self.brokers[i].alive()

    # -- teardown ------------------------------------------------------------------------------

    def running_pids(self) -> list[int]:
        """Processes this cluster started that still run."""
        return sorted(p for p in self.started_pids if _process_running(p))

    @staticmethod
    def keep_requested() -> bool:
        return os.environ.get(KEEP_ENV, "") not in ("", "0")

    def teardown(self, keep_dir: bool = False) -> None:
        """Kills every broker (SIGCONT first if frozen, then SIGKILL) and stops ZooKeeper (TERM,
        then KILL), all by PID; removes the folder unless `keep_dir`. Never raises."""
        if self.torn_down:
            return
        self.torn_down = True
        for i, b in self.brokers.items():
            try:
                if b.alive():
                    if i in self.stopped:
                        os.kill(b.pid, signal.SIGCONT)
                    b.kill9()
            except Exception:  # noqa: BLE001 - teardown must not mask the test's own error
                pass
            finally:
                b.force_cleanup()
        self.stopped.clear()
        try:
            self.zk.stop()
        except Exception:  # noqa: BLE001
            pass
        # scripts/zookeeper.sh down is bounded; make sure by PID all the same.
        deadline = time.monotonic() + 15
        for pid in self.running_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        while self.running_pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        if keep_dir or not self.own_workdir:
            return
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tails(self, lines: int = 40) -> str:
        return "\n".join(b.log_tail(lines) for b in self.brokers.values())


@pytest.fixture
def cluster_factory(request):
    """cluster_factory(brokers=3, zk_nodes=1, racks=None, overrides=None, ...) -> started Cluster.

    Skips when java or ZooKeeper's jar is missing. Everything started is torn down after the test;
    a failed test keeps its folder when SLUICE_E2E_KEEP_CLUSTER=1 (the path is printed), and gets
    its brokers' log tails attached."""
    why = zookeeper.missing()
    if why:
        pytest.skip(why)
    made: list[Cluster] = []

    def make(**kw) -> Cluster:
        c = Cluster(**kw)
        made.append(c)
        return c.start()

    failed_before = request.session.testsfailed
    yield make
    failed = request.session.testsfailed > failed_before
    keep = failed and Cluster.keep_requested()
    for c in made:
        if failed:
            print(f"\n--- cluster {c.workdir} ---\n{c.log_tails()}")
        c.teardown(keep_dir=keep)
        if keep:
            print(f"kept cluster folder {c.workdir} ({KEEP_ENV} is set)")
