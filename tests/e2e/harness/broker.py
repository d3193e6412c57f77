# Runs one real `sluice broker` process for a test: port, data dir, log capture, start/stop/kill.
#
# Every wait here is bounded. Processes are only ever signalled by their own PID; a registry
# of live brokers lets conftest kill leftovers at exit even when a test blew up half way.
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from . import rawkafka

DEFAULT_BIN = "/work/main/build/src/sluice"
READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 20.0

# A line the broker writes when recovery cuts a log short. Recovery tests require it after a
# torn tail; clean-shutdown tests require its absence. Keep in step with src/storage logging.
RECOVERY_TRUNCATION_RE = re.compile(r"truncat", re.IGNORECASE)

_ADDR_IN_USE_RE = re.compile(r"address already in use|EADDRINUSE|bind", re.IGNORECASE)

# Every Broker that has a live process, so conftest can kill stragglers by PID.
LIVE_BROKERS: "set[Broker]" = set()


class BrokerError(Exception):
    pass


def sluice_bin() -> str:
    return os.environ.get("SLUICE_BIN", DEFAULT_BIN)


def pick_free_port() -> int:
    """A loopback port that was free a moment ago (bind port 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One `sluice broker` process with its own data dir and log file.

    Not thread-safe: drive it from the test's main thread. The data dir and port survive
    stop()/kill9()/restart(), so a restart finds the same logs at the same address.
    """

    def __init__(self, workdir: Path, name: str = "broker", overrides: dict | None = None,
                 binary: str | None = None):
        self.workdir = Path(workdir)
        self.name = name
        self.binary = binary or sluice_bin()
        self.data_dir = self.workdir / f"{name}-data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.overrides: dict[str, str] = {k: str(v) for k, v in (overrides or {}).items()}
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.generation = 0  # bumped on every start, names the log file
        self.log_paths: list[Path] = []
        self.last_returncode: int | None = None

    # -- addresses and files -------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_paths[-1]

    def log_text(self, generation: int | None = None) -> str:
        """Log of the current (or given, 1-based) run of the process."""
        path = self.log_paths[-1 if generation is None else generation - 1]
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for i, path in enumerate(self.log_paths, 1):
            try:
                text = path.read_text(errors="replace").splitlines()
            except FileNotFoundError:
                continue
            out.append(f"--- {self.name} run {i} ({path}) last {lines} lines ---")
            out.extend(text[-lines:])
        return "\n".join(out)

    def partition_dir(self, topic: str, partition: int) -> Path:
        return self.data_dir / f"{topic}-{partition}"

    def segment_files(self, topic: str, partition: int) -> list[Path]:
        """`<20-digit base offset>.log` files of a partition, oldest first."""
        d = self.partition_dir(topic, partition)
        if not d.is_dir():
            return []
        return sorted(p for p in d.iterdir() if re.fullmatch(r"\d{20}\.log", p.name))

    # -- process control -----------------------------------------------------------------------

    def command(self) -> list[str]:
        cmd = [self.binary, "broker",
               "--override", f"listeners=PLAINTEXT://{self.host}:{self.port}",
               "--override", f"log.dirs={self.data_dir}"]
        for k, v in self.overrides.items():
            cmd += ["--override", f"{k}={v}"]
        return cmd

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, ready_timeout: float = READY_TIMEOUT_S) -> "Broker":
        """Starts the process and waits until it answers ApiVersions v0.

        A fresh broker picks a new port and retries on a bind collision; a restart keeps its
        port (clients and tests hold the address) and retries only while the port is busy.
        """
        if self.alive():
            raise BrokerError(f"{self.name} already running (pid {self.proc.pid})")
        if not os.access(self.binary, os.X_OK):
            raise BrokerError(f"sluice binary not found or not executable: {self.binary}")
        keep_port = self.port is not None
        attempts = 8 if keep_port else 5
        last_error = ""
        for _ in range(attempts):
            if not keep_port:
                self.port = pick_free_port()
            self._spawn()
            ok, last_error = self._wait_ready(ready_timeout)
            if ok:
                return self
            output = self.log_text().split("\n", 1)[-1]  # skip our "$ command" line
            in_use = bool(_ADDR_IN_USE_RE.search(output))
            self._reap_after_failed_start()
            if not in_use:
                break
            time.sleep(0.5)
        raise BrokerError(f"{self.name} did not become ready: {last_error}\n{self.log_tail()}")

    def _spawn(self) -> None:
        self.generation += 1
        path = self.workdir / f"{self.name}.{self.generation}.log"
        self.log_paths.append(path)
        with open(path, "wb") as log:
            log.write(("$ " + " ".join(self.command()) + "\n").encode())
            log.flush()
            # Own session: a Ctrl-C at the terminal does not reach the broker behind our back.
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        LIVE_BROKERS.add(self)

    def _wait_ready(self, timeout: float) -> tuple[bool, str]:
        deadline = time.monotonic() + timeout
        probe_timeout = min(2.0, max(0.2, timeout / 2))
        last = "no attempt"
        while time.monotonic() < deadline:
            if not self.alive():
                return False, f"process exited with {self.proc.returncode}"
            try:
                with rawkafka.RawConnection(self.host, self.port, timeout=probe_timeout) as c:
                    resp = c.api_versions(0)
                if resp.error_code == 0 and rawkafka.API_API_VERSIONS in resp.api_keys:
                    if self.alive():  # make sure it was our process that answered
                        return True, ""
                last = f"ApiVersions answered {resp}"
            except (OSError, rawkafka.DecodeError, rawkafka.ConnectionClosed, TimeoutError) as e:
                last = repr(e)
            time.sleep(0.05)
        return False, f"not ready after {timeout}s: {last}"

    def _reap_after_failed_start(self) -> None:
        if self.alive():
            self._signal(signal.SIGKILL)
        self._wait_exit(5.0)

    def _signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def _wait_exit(self, timeout: float) -> int | None:
        if self.proc is None:
            return None
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self.last_returncode = rc
        LIVE_BROKERS.discard(self)
        return rc

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code (negative = signal).

        The caller decides whether a non-zero code is a failure (test_shutdown does).
        """
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self._wait_exit(0)
        self._signal(signal.SIGTERM)
        rc = self._wait_exit(timeout)
        if rc is None:
            self._signal(signal.SIGKILL)
            rc = self._wait_exit(10.0)
            self.last_returncode = rc
            raise BrokerError(f"{self.name} ignored SIGTERM for {timeout}s; killed\n"
                              f"{self.log_tail()}")
        return rc

    def kill9(self) -> int | None:
        """SIGKILL, as a crash would; waits (bounded) for the process to be gone."""
        if self.proc is None:
            return None
        self._signal(signal.SIGKILL)
        return self._wait_exit(10.0)

    def restart(self, *, hard: bool = False, overrides: dict | None = None,
                ready_timeout: float = READY_TIMEOUT_S) -> "Broker":
        """Stops (SIGTERM, or SIGKILL if `hard`) if running, then starts on the same port/dir."""
        if self.alive():
            self.kill9() if hard else self.stop()
        if overrides:
            self.overrides.update({k: str(v) for k, v in overrides.items()})
        return self.start(ready_timeout)

    def force_cleanup(self) -> None:
        """Best-effort kill for fixture teardown: never raises."""
        try:
            if self.alive():
                self._signal(signal.SIGTERM)
                if self._wait_exit(STOP_TIMEOUT_S) is None:
                    self._signal(signal.SIGKILL)
                    self._wait_exit(10.0)
        except Exception:  # noqa: BLE001 - teardown must not mask the test's own error
            self._signal(signal.SIGKILL)
        finally:
            LIVE_BROKERS.discard(self)

    def assert_healthy(self) -> None:
        """The process is alive and answers ApiVersions v0 on a fresh connection."""
        if not self.alive():
            raise AssertionError(f"{self.name} died (exit {self.proc.returncode if self.proc else None})"
                                 f"\n{self.log_tail()}")
        with rawkafka.RawConnection(self.host, self.port, timeout=5) as c:
            resp = c.api_versions(0)
        assert resp.error_code == 0, resp

    def __repr__(self) -> str:
        return f"Broker({self.name}, {self.bootstrap if self.port else 'unstarted'}, pid={self.pid})"

    def __hash__(self) -> int:
        return id(self)
