# RecordBatch v2 (magic 2) encoding and decoding for the test harness, including batches that are
# deliberately inconsistent but carry a valid CRC-32C, and a splitter for segment files.
from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field

from .wire import DecodeError, Reader, crc32c, i8, i16, i32, i64, u32, varint

# ---------------------------------------------------------------------------------------------
# RecordBatch v2.
# ---------------------------------------------------------------------------------------------

BATCH_HEADER_SIZE = 61
# Offset of the fields the CRC covers (attributes .. end) and of the CRC itself.
CRC_OFFSET = 17
ATTRIBUTES_OFFSET = 21


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_delta: int = 0
    offset_delta: int | None = None  # None: its index in the batch
    attributes: int = 0


def encode_record(rec: Record, index: int) -> bytes:
    """One record: length-prefixed (zigzag varint) body."""
    off = index if rec.offset_delta is None else rec.offset_delta
    body = bytearray()
    body += i8(rec.attributes)
    body += varint(rec.timestamp_delta)
    body += varint(off)
    if rec.key is None:
        body += varint(-1)
    else:
        body += varint(len(rec.key)) + rec.key
    if rec.value is None:
        body += varint(-1)
    else:
        body += varint(len(rec.value)) + rec.value
    body += varint(len(rec.headers))
    for hk, hv in rec.headers:
        kb = hk.encode()
        body += varint(len(kb)) + kb
        if hv is None:
            body += varint(-1)
        else:
            body += varint(len(hv)) + hv
    return varint(len(body)) + bytes(body)


def encode_batch(records: list[Record], *, base_offset: int = 0, base_timestamp: int | None = None,
                 max_timestamp: int | None = None, attributes: int = 0, producer_id: int = -1,
                 producer_epoch: int = -1, base_sequence: int = -1, partition_leader_epoch: int = -1,
                 records_blob: bytes | None = None, records_count: int | None = None,
                 last_offset_delta: int | None = None, magic: int = 2) -> bytes:
    """A RecordBatch v2 with a correct CRC-32C and batchLength.

    `records_blob`, `records_count` and `last_offset_delta` override what is derived from
    `records`, so tests can build internally inconsistent batches that still pass the CRC check.
    """
    if base_timestamp is None:
        base_timestamp = int(time.time() * 1000)
    if max_timestamp is None:
        max_timestamp = base_timestamp + max((r.timestamp_delta for r in records), default=0)
    blob = records_blob if records_blob is not None else b"".join(
        encode_record(r, i) for i, r in enumerate(records))
    count = len(records) if records_count is None else records_count
    lod = (len(records) - 1 if records else 0) if last_offset_delta is None else last_offset_delta
    after_crc = (i16(attributes) + i32(lod) + i64(base_timestamp) + i64(max_timestamp)
                 + i64(producer_id) + i16(producer_epoch) + i32(base_sequence) + i32(count) + blob)
    crc = crc32c(after_crc)
    after_length = i32(partition_leader_epoch) + i8(magic) + u32(crc) + after_crc
    return i64(base_offset) + i32(len(after_length)) + after_length


def fix_crc(batch: bytes) -> bytes:
    """Recompute the CRC of an (edited) batch so only the edit, not the checksum, is wrong."""
    crc = crc32c(batch[ATTRIBUTES_OFFSET:])
    return batch[:CRC_OFFSET] + u32(crc) + batch[CRC_OFFSET + 4:]


@dataclass
class DecodedBatch:
    base_offset: int
    batch_length: int
    partition_leader_epoch: int
    magic: int
    crc: int
    crc_ok: bool | None
    attributes: int
    last_offset_delta: int
    base_timestamp: int
    max_timestamp: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    records_count: int
    records_blob: bytes
    start: int  # byte position of the batch in the buffer it was read from
    end: int    # one past its last byte

    @property
    def compression(self) -> int:
        return self.attributes & 0x7

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & 0x20)

    @property
    def last_offset(self) -> int:
        return self.base_offset + self.last_offset_delta

    def records(self) -> list[tuple[int, int, bytes | None, bytes | None, list]]:
        """Decoded records as (offset, timestamp, key, value, headers); uncompressed batches only."""
        if self.compression != 0:
            raise DecodeError(f"compressed batch (codec {self.compression}) not decoded here")
        r = Reader(self.records_blob)
        out = []
        for _ in range(self.records_count):
            length = r.varint()
            rr = Reader(r.take(length))
            rr.i8()
            ts_delta = rr.varint()
            off_delta = rr.varint()
            klen = rr.varint()
            key = None if klen < 0 else rr.take(klen)
            vlen = rr.varint()
            value = None if vlen < 0 else rr.take(vlen)
            headers = []
            for _ in range(rr.varint()):
                hk = rr.take(rr.varint()).decode()
                hl = rr.varint()
                headers.append((hk, None if hl < 0 else rr.take(hl)))
            out.append((self.base_offset + off_delta, self.base_timestamp + ts_delta, key, value,
                        headers))
        return out


def decode_batches(data: bytes, *, allow_partial_tail: bool = True,
                   verify_crc: bool = True) -> list[DecodedBatch]:
    """Splits a byte run (a Fetch `records` field or a segment file) into v2 batches.

    A trailing partial batch is what Fetch responses and torn segment files legitimately end
    with; it is ignored unless `allow_partial_tail` is False. The pure-python CRC runs at a
    few MB/s: pass `verify_crc=False` (crc_ok is then None) for large files.
    """
    out = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 12:
            if allow_partial_tail:
                break
            raise DecodeError(f"partial batch header at {pos}")
        base_offset, batch_length = struct.unpack_from(">qi", data, pos)
        end = pos + 12 + batch_length
        if batch_length < BATCH_HEADER_SIZE - 12 or end > len(data):
            if allow_partial_tail:
                break
            raise DecodeError(f"bad or partial batch at {pos} (length {batch_length})")
        r = Reader(data, pos + 12)
        ple = r.i32()
        magic = r.i8()
        crc = r.u32()
        crc_ok = crc32c(data[pos + ATTRIBUTES_OFFSET:end]) == crc if verify_crc else None
        attributes = r.i16()
        lod = r.i32()
        base_ts = r.i64()
        max_ts = r.i64()
        pid = r.i64()
        epoch = r.i16()
        seq = r.i32()
        count = r.i32()
        out.append(DecodedBatch(base_offset, batch_length, ple, magic, crc, crc_ok, attributes, lod,
                                base_ts, max_ts, pid, epoch, seq, count, data[r.pos:end], pos,
                                end))
        pos = end
    return out
