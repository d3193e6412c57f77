# A real Apache ZooKeeper ensemble for cluster tests, through scripts/zookeeper.sh (Debian's
# package, loopback only). Ports are picked below the kernel's ephemeral range so outgoing
# connections cannot take them meanwhile; every node is stopped by its PID.
from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "zookeeper.sh"
ZK_JAR = Path("/usr/share/java/zookeeper.jar")


def missing() -> str:
    """Why ZooKeeper cannot run here ('' when it can)."""
    if shutil.which("java") is None:
        return "java is not installed"
    if not ZK_JAR.exists():
        return f"{ZK_JAR} is missing (Debian package zookeeper)"
    return ""


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class ZooKeeper:
    """`nodes` ZooKeeper servers in `workdir`; tick 500 ms so sessions can be as short as 1 s."""

    def __init__(self, workdir: Path, nodes: int = 1, tick_ms: int = 500):
        self.dir = Path(workdir)
        self.nodes = nodes
        self.tick_ms = tick_ms
        self.connect = ""
        self.base_port = 0
        self.started = False

    def start(self, timeout_s: float = 60) -> "ZooKeeper":
        high = min(_ephemeral_low(), 32000) - 3 * self.nodes - 1
        last = ""
        for _ in range(20):
            base = random.randint(10000, max(10001, high))
            if not all(_free(base + i) for i in range(3 * self.nodes)):
                continue
            env = dict(os.environ, SLUICE_ZK_TICK_MS=str(self.tick_ms), SLUICE_ZK_START_TIMEOUT=str(int(timeout_s)))
            if self.dir.exists():
                shutil.rmtree(self.dir)
            r = subprocess.run(["bash", str(SCRIPT), "up", str(self.dir), str(self.nodes), str(base)],
                               capture_output=True, text=True, timeout=timeout_s + 30, env=env)
            if r.returncode == 0:
                self.connect = (self.dir / "connect").read_text().strip()
                self.base_port = base
                self.started = True
                return self
            last = r.stdout[-2000:] + r.stderr[-2000:]
            subprocess.run(["bash", str(SCRIPT), "down", str(self.dir)], capture_output=True, timeout=60)
        raise RuntimeError(f"ZooKeeper did not start: {last}")

    def pid(self, node: int) -> int:
        return int((self.dir / f"zk-{node}.pid").read_text().strip())

    def kill9(self, node: int) -> None:
        os.kill(self.pid(node), signal.SIGKILL)

    def stop(self) -> None:
        if not self.started:
            return
        subprocess.run(["bash", str(SCRIPT), "down", str(self.dir)], capture_output=True, timeout=90)
        self.started = False
