# A confluent-kafka producer running in a thread while the test kills or stops the broker.
#
# It records, from delivery reports, which (partition, offset) holds which payload, so tests
# can check afterwards that everything acknowledged is in the log exactly where it was reported.
from __future__ import annotations

import threading
import time

from confluent_kafka import KafkaError, Producer


class BackgroundProducer(threading.Thread):
    """Produces `f"{tag}:{i:08d}"` (key `k{i % keys}`) for i = 0, 1, ... until stopped or
    `limit` messages were handed to librdkafka, at most `rate` messages per second (0 = as
    fast as the queue allows). Thread-safe accessors; stop() and finish() are bounded."""

    def __init__(self, bootstrap: str, topic: str, *, tag: str = "bg", keys: int = 50,
                 conf: dict | None = None, limit: int | None = None, rate: int = 0,
                 partition: int | None = None):
        super().__init__(daemon=True, name=f"producer-{topic}")
        cfg = {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2,
               "message.timeout.ms": 5000, "queue.buffering.max.messages": 200000,
               "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500}
        cfg.update(conf or {})
        self.fatal: list[str] = []
        cfg["error_cb"] = self._on_error
        self.producer = Producer(cfg)
        self.topic = topic
        self.tag = tag
        self.keys = keys
        self.limit = limit
        self.rate = rate
        self.partition = partition
        self._lock = threading.Lock()
        self._stop_producing = threading.Event()
        self.produced = 0  # handed to librdkafka
        self.acked: dict[tuple[int, int], bytes] = {}
        self.acked_index: dict[int, tuple[int, int]] = {}
        self.failed: dict[int, str] = {}
        self.crashed: BaseException | None = None

    def value(self, i: int) -> bytes:
        return f"{self.tag}:{i:08d}".encode()

    def _on_error(self, err: KafkaError) -> None:
        if err.fatal():
            with self._lock:
                self.fatal.append(str(err))

    def _report(self, i: int):
        def cb(err, m):
            with self._lock:
                if err is None:
                    self.acked[(m.partition(), m.offset())] = m.value()
                    self.acked_index[i] = (m.partition(), m.offset())
                else:
                    self.failed[i] = str(err)
        return cb

    def run(self) -> None:
        try:
            start = time.monotonic()
            i = 0
            while not self._stop_producing.is_set() and (self.limit is None or i < self.limit):
                if self.rate and i > self.rate * (time.monotonic() - start):
                    time.sleep(0.002)
                    self.producer.poll(0)
                    continue
                kw = {} if self.partition is None else {"partition": self.partition}
                try:
                    self.producer.produce(self.topic, value=self.value(i),
                                          key=f"k{i % self.keys}".encode(),
                                          on_delivery=self._report(i), **kw)
                except BufferError:
                    self.producer.poll(0.05)
                    continue
                i += 1
                with self._lock:
                    self.produced = i
                if i % 500 == 0:
                    self.producer.poll(0)
            # Drain: every message ends with a delivery report (ack or timeout), bounded by
            # message.timeout.ms; loop in slices so stop() stays responsive.
            deadline = time.monotonic() + 180
            while len(self.producer) > 0 and time.monotonic() < deadline:
                self.producer.flush(0.5)
        except BaseException as e:  # noqa: BLE001 - surfaced by finish()
            self.crashed = e

    # -- control from the test thread ----------------------------------------------------------

    def ack_count(self) -> int:
        with self._lock:
            return len(self.acked)

    def wait_for_acks(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.ack_count() < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self.ack_count()} of {n} acks after {timeout}s "
                                     f"(failed: {list(self.failed.values())[:3]})")
            if not self.is_alive():
                raise AssertionError(f"producer thread ended early: {self.crashed!r}")
            time.sleep(0.02)

    def stop_producing(self) -> None:
        self._stop_producing.set()

    def finish(self, timeout: float = 200.0) -> None:
        """Waits (bounded) until every handed-over message got its delivery report."""
        self.join(timeout)
        if self.is_alive():
            self.producer.purge()
            self.join(10)
            raise AssertionError(f"producer thread did not finish within {timeout}s")
        if self.crashed is not None:
            raise AssertionError(f"producer thread crashed: {self.crashed!r}")
        self.producer.poll(0)

    def snapshot(self) -> tuple[dict, dict, dict]:
        with self._lock:
            return dict(self.acked), dict(self.acked_index), dict(self.failed)
