# A tiny raw Kafka wire-protocol client for end-to-end tests that must send bytes no real client would.
#
# Covers framing, request header v1/v2, ApiVersions v0-v3, Metadata v0, Produce v3 with a
# hand-built RecordBatch v2 (CRC-32C computed here), Fetch v4 and ListOffsets v1. Every socket
# operation has a timeout, so a misbehaving broker cannot hang a test. Encoders are split from
# the socket code so tests can corrupt any byte before sending.
from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

# Tests import this one module as `rk`: the primitives and the batch codec are re-exported.
from .record_batch import (
    ATTRIBUTES_OFFSET, BATCH_HEADER_SIZE, CRC_OFFSET, DecodedBatch, Record, decode_batches,
    encode_batch, encode_record, fix_crc)
from .wire import (
    DecodeError, Reader, array, compact_string, crc32c, i8, i16, i32, i64, nbytes, string, u32,
    uvarint, varint)

# Referenced once so linters see the re-exports as used.
_REEXPORTED = (ATTRIBUTES_OFFSET, BATCH_HEADER_SIZE, CRC_OFFSET, DecodedBatch, Record, decode_batches,
               encode_batch, encode_record, fix_crc, crc32c, u32, varint)

API_PRODUCE = 0
API_FETCH = 1
API_LIST_OFFSETS = 2
API_METADATA = 3
API_API_VERSIONS = 18

# ---------------------------------------------------------------------------------------------
# Requests and responses.
# ---------------------------------------------------------------------------------------------


def request_header(api_key: int, api_version: int, correlation_id: int,
                   client_id: str | None = "sluice-e2e", header_version: int = 1) -> bytes:
    h = i16(api_key) + i16(api_version) + i32(correlation_id)
    if header_version >= 1:
        h += string(client_id)  # int16-length even in header v2
    if header_version >= 2:
        h += uvarint(0)  # empty tagged-field buffer
    return h


def frame(payload: bytes) -> bytes:
    return i32(len(payload)) + payload


def api_versions_request_body(version: int) -> bytes:
    if version >= 3:
        return compact_string("sluice-e2e") + compact_string("0.1") + uvarint(0)
    return b""


@dataclass
class ApiVersionsResponse:
    error_code: int
    api_keys: dict[int, tuple[int, int]]
    throttle_time_ms: int = 0


def parse_api_versions(body: bytes, version: int) -> ApiVersionsResponse:
    """Body after the (always v0) response header. Pass version 0 for the error fallback."""
    r = Reader(body)
    err = r.i16()
    if version >= 3:
        entries = r.compact_array(lambda rr: (rr.i16(), rr.i16(), rr.i16(), rr.skip_tags()))
    else:
        entries = r.array(lambda rr: (rr.i16(), rr.i16(), rr.i16(), None))
    throttle = r.i32() if version >= 1 else 0
    return ApiVersionsResponse(err, {k: (lo, hi) for k, lo, hi, _ in entries or []}, throttle)


def metadata_v0_request_body(topics: list[str]) -> bytes:
    return array([string(t) for t in topics])


@dataclass
class PartitionMetadata:
    error_code: int
    partition: int
    leader: int
    replicas: list[int]
    isr: list[int]


@dataclass
class TopicMetadata:
    error_code: int
    name: str
    partitions: list[PartitionMetadata]


@dataclass
class MetadataResponse:
    brokers: list[tuple[int, str, int]]
    topics: list[TopicMetadata]


def parse_metadata_v0(body: bytes) -> MetadataResponse:
    r = Reader(body)
    brokers = r.array(lambda rr: (rr.i32(), rr.string(), rr.i32()))

    def part(rr: Reader) -> PartitionMetadata:
        return PartitionMetadata(rr.i16(), rr.i32(), rr.i32(), rr.array(Reader.i32),
                                 rr.array(Reader.i32))

    topics = r.array(lambda rr: TopicMetadata(rr.i16(), rr.string(), rr.array(part)))
    return MetadataResponse(brokers or [], topics or [])


def produce_v3_request_body(topic: str, partition: int, records: bytes | None, *, acks: int = -1,
                            timeout_ms: int = 10000, transactional_id: str | None = None) -> bytes:
    return (string(transactional_id) + i16(acks) + i32(timeout_ms)
            + array([string(topic) + array([i32(partition) + nbytes(records)])]))


@dataclass
class ProducePartitionResponse:
    topic: str
    partition: int
    error_code: int
    base_offset: int
    log_append_time: int


def parse_produce_v3(body: bytes) -> list[ProducePartitionResponse]:
    r = Reader(body)
    out: list[ProducePartitionResponse] = []

    def topic(rr: Reader) -> None:
        name = rr.string()
        rr.array(lambda p: out.append(
            ProducePartitionResponse(name, p.i32(), p.i16(), p.i64(), p.i64())))

    r.array(topic)
    r.i32()  # throttle_time_ms
    return out


def fetch_v4_request_body(topic: str, partition: int, offset: int, *, max_wait_ms: int = 100,
                          min_bytes: int = 1, max_bytes: int = 4 << 20,
                          partition_max_bytes: int = 1 << 20, isolation_level: int = 0) -> bytes:
    return (i32(-1) + i32(max_wait_ms) + i32(min_bytes) + i32(max_bytes) + i8(isolation_level)
            + array([string(topic) + array([i32(partition) + i64(offset)
                                            + i32(partition_max_bytes)])]))


@dataclass
class FetchPartitionResponse:
    topic: str
    partition: int
    error_code: int
    high_watermark: int
    last_stable_offset: int
    aborted: list | None
    records: bytes | None


def parse_fetch_v4(body: bytes) -> list[FetchPartitionResponse]:
    r = Reader(body)
    r.i32()  # throttle_time_ms
    out: list[FetchPartitionResponse] = []

    def topic(rr: Reader) -> None:
        name = rr.string()

        def part(p: Reader) -> None:
            pid, err, hwm, lso = p.i32(), p.i16(), p.i64(), p.i64()
            aborted = p.array(lambda a: (a.i64(), a.i64()))
            out.append(FetchPartitionResponse(name, pid, err, hwm, lso, aborted, p.nbytes()))

        rr.array(part)

    r.array(topic)
    return out


EARLIEST_TIMESTAMP = -2
LATEST_TIMESTAMP = -1


def list_offsets_v1_request_body(topic: str, partition: int, timestamp: int) -> bytes:
    return i32(-1) + array([string(topic) + array([i32(partition) + i64(timestamp)])])


def parse_list_offsets_v1(body: bytes) -> list[tuple[str, int, int, int, int]]:
    """(topic, partition, error_code, timestamp, offset) per partition."""
    r = Reader(body)
    out = []

    def topic(rr: Reader) -> None:
        name = rr.string()
        rr.array(lambda p: out.append((name, p.i32(), p.i16(), p.i64(), p.i64())))

    r.array(topic)
    return out


# ---------------------------------------------------------------------------------------------
# Socket connection.
# ---------------------------------------------------------------------------------------------


class ConnectionClosed(Exception):
    pass


class RawConnection:
    """One TCP connection speaking length-prefixed frames. Every operation is time-bounded."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._next_corr = 1

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def next_correlation_id(self) -> int:
        c = self._next_corr
        self._next_corr += 1
        return c

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _recv_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out reading {n} bytes (got {len(buf)})")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout as e:
                raise TimeoutError(f"timed out reading {n} bytes (got {len(buf)})") from e
            except (ConnectionResetError, BrokenPipeError) as e:
                raise ConnectionClosed(str(e)) from e
            if not chunk:
                raise ConnectionClosed(f"peer closed after {len(buf)} of {n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self, timeout: float | None = None) -> bytes:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        (size,) = struct.unpack(">i", self._recv_exact(4, deadline))
        if size < 0 or size > 512 << 20:
            raise DecodeError(f"bad response frame size {size}")
        return self._recv_exact(size, deadline)

    def request(self, api_key: int, api_version: int, body: bytes, *, header_version: int = 1,
                flexible_response: bool = False, timeout: float | None = None) -> bytes:
        """Sends one request and returns the response body (after the response header)."""
        corr = self.next_correlation_id()
        self.send_raw(frame(request_header(api_key, api_version, corr,
                                           header_version=header_version) + body))
        resp = self.recv_frame(timeout)
        r = Reader(resp)
        got = r.i32()
        if got != corr:
            raise DecodeError(f"correlation id {got}, expected {corr}")
        if flexible_response:
            r.skip_tags()
        return resp[r.pos:]

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """True if the peer closes (EOF or reset) within `timeout`; any data received is skipped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True

    # Convenience wrappers -------------------------------------------------------------------

    def api_versions(self, version: int = 0) -> ApiVersionsResponse:
        body = self.request(API_API_VERSIONS, version, api_versions_request_body(version),
                            header_version=2 if version >= 3 else 1)
        return parse_api_versions(body, version)

    def metadata_v0(self, topics: list[str]) -> MetadataResponse:
        return parse_metadata_v0(self.request(API_METADATA, 0, metadata_v0_request_body(topics)))

    def produce_v3(self, topic: str, partition: int, batch: bytes | None, *, acks: int = -1,
                   timeout_ms: int = 10000) -> ProducePartitionResponse:
        body = self.request(API_PRODUCE, 3, produce_v3_request_body(topic, partition, batch,
                                                                    acks=acks,
                                                                    timeout_ms=timeout_ms))
        (resp,) = parse_produce_v3(body)
        return resp

    def fetch_v4(self, topic: str, partition: int, offset: int, **kw) -> FetchPartitionResponse:
        body = self.request(API_FETCH, 4, fetch_v4_request_body(topic, partition, offset, **kw))
        (resp,) = parse_fetch_v4(body)
        return resp

    def list_offsets_v1(self, topic: str, partition: int, timestamp: int) -> tuple[int, int]:
        """(error_code, offset)."""
        body = self.request(API_LIST_OFFSETS, 1,
                            list_offsets_v1_request_body(topic, partition, timestamp))
        ((_, _, err, _, off),) = parse_list_offsets_v1(body)
        return err, off


def wait_for_leader(host: str, port: int, topic: str, partitions: int, timeout: float = 20.0) -> None:
    """Polls Metadata v0 until every partition of `topic` reports a leader and no error."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with RawConnection(host, port, timeout=5) as c:
                md = c.metadata_v0([topic])
            for t in md.topics:
                if t.name == topic and t.error_code == 0 and len(t.partitions) == partitions and all(
                        p.error_code == 0 and p.leader >= 0 for p in t.partitions):
                    return
            last = md
        except (OSError, DecodeError, ConnectionClosed, TimeoutError) as e:
            last = e
        time.sleep(0.1)
    raise TimeoutError(f"topic {topic} not ready after {timeout}s: {last!r}")
