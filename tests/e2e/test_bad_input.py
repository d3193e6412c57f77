# Malformed bytes on the wire never crash the broker: bad frames close the connection, bad
# record batches get an error code, and real clients keep working on the same process.
#
# All tests share one broker (module scope) on purpose: damage from one input must not show
# up in the next, and the last test checks a real client after all of them.
import os
import struct

import pytest

from harness import clients
from harness import rawkafka as rk
from harness.dataset import Msg

MAX_REQUEST = 1 << 20
BROKER_OVERRIDES = {"socket.request.max.bytes": MAX_REQUEST}
TOPIC = "bad-input"
# What a broker may answer for a batch it cannot accept: CORRUPT_MESSAGE, INVALID_REQUEST,
# UNSUPPORTED_FOR_MESSAGE_FORMAT, UNSUPPORTED_COMPRESSION_TYPE, INVALID_RECORD.
REJECTED = {2, 42, 43, 76, 87}
ANY_ERROR = None  # cases where Kafka itself answers UNKNOWN_SERVER_ERROR: any non-zero code


@pytest.fixture(scope="module")
def b(module_broker):
    clients.create_topic(module_broker.bootstrap, TOPIC, 1)
    return module_broker


@pytest.fixture
def conn(b):
    c = rk.RawConnection(b.host, b.port, timeout=10)
    yield c
    c.close()


@pytest.fixture(autouse=True)
def broker_survives(request):
    """After every test here: the process is alive and serves a fresh connection."""
    yield
    if "b" in request.fixturenames:
        request.getfixturevalue("b").assert_healthy()


def log_end(b) -> int:
    with rk.RawConnection(b.host, b.port) as c:
        err, off = c.list_offsets_v1(TOPIC, 0, rk.LATEST_TIMESTAMP)
    assert err == 0
    return off


def records(n: int = 3) -> list[rk.Record]:
    return [rk.Record(f"k{i}".encode(), f"value-{i}".encode(), [("h", b"v")], timestamp_delta=i)
            for i in range(n)]


# -- Framing ------------------------------------------------------------------------------------


def test_frame_larger_than_socket_request_max_bytes_closes_the_connection(conn):
    conn.send_raw(struct.pack(">i", MAX_REQUEST + 1) + rk.request_header(18, 0, 1))
    assert conn.closed_by_peer(timeout=10)


def test_negative_frame_size_closes_the_connection(conn):
    conn.send_raw(struct.pack(">i", -12) + b"\x00" * 16)
    assert conn.closed_by_peer(timeout=10)


def test_frame_of_random_garbage_closes_the_connection(conn):
    # api_key 0x7f7f does not exist; the rest is noise.
    conn.send_raw(rk.frame(b"\x7f\x7f" + os.urandom(62)))
    assert conn.closed_by_peer(timeout=10)


def test_request_whose_body_cannot_be_parsed_closes_the_connection(conn):
    # Metadata v0 claiming 1000 topic names, then nothing.
    conn.send_raw(rk.frame(rk.request_header(rk.API_METADATA, 0, 1) + rk.i32(1000)))
    assert conn.closed_by_peer(timeout=10)


def test_produce_request_cut_inside_its_body_closes_the_connection(conn):
    body = rk.produce_v3_request_body(TOPIC, 0, rk.encode_batch(records()))
    conn.send_raw(rk.frame(rk.request_header(rk.API_PRODUCE, 3, 1) + body[:len(body) // 2]))
    assert conn.closed_by_peer(timeout=10)


def test_header_with_client_id_longer_than_the_frame_closes_the_connection(conn):
    conn.send_raw(rk.frame(rk.i16(18) + rk.i16(0) + rk.i32(1) + rk.i16(500) + b"abc"))
    assert conn.closed_by_peer(timeout=10)


def test_truncated_frame_then_close_leaves_the_broker_serving(b):
    with rk.RawConnection(b.host, b.port) as c:
        c.send_raw(struct.pack(">i", 100) + rk.request_header(18, 0, 1))
    with rk.RawConnection(b.host, b.port) as c:
        c.send_raw(struct.pack(">i", 100)[:2])
    b.assert_healthy()


def test_unknown_api_key_closes_the_connection(conn):
    conn.send_raw(rk.frame(rk.request_header(1000, 0, 1)))
    assert conn.closed_by_peer(timeout=10)


def test_unsupported_version_of_metadata_closes_the_connection(conn):
    conn.send_raw(rk.frame(rk.request_header(rk.API_METADATA, 999, 1) + rk.i32(0)))
    assert conn.closed_by_peer(timeout=10)


def test_requests_after_a_rejected_frame_need_a_new_connection_that_works(b):
    with rk.RawConnection(b.host, b.port) as c:
        c.send_raw(rk.frame(rk.request_header(1000, 0, 1)))
        assert c.closed_by_peer(timeout=10)
    with rk.RawConnection(b.host, b.port) as c:
        md = c.metadata_v0([TOPIC])
    assert [t.name for t in md.topics] == [TOPIC] and md.topics[0].error_code == 0


# -- ApiVersions --------------------------------------------------------------------------------


def test_api_versions_v99_gets_a_v0_reply_with_unsupported_version_and_key_18(conn):
    corr = 4242
    conn.send_raw(rk.frame(rk.request_header(rk.API_API_VERSIONS, 99, corr, header_version=2)
                           + rk.api_versions_request_body(3)))
    resp = conn.recv_frame()
    r = rk.Reader(resp)
    assert r.i32() == corr
    body = resp[r.pos:]
    parsed = rk.parse_api_versions(body, 0)
    assert parsed.error_code == 35  # UNSUPPORTED_VERSION
    assert rk.API_API_VERSIONS in parsed.api_keys
    lo, hi = parsed.api_keys[rk.API_API_VERSIONS]
    assert lo == 0 and hi >= 3
    # v0 body: error_code + api_keys only; nothing may follow.
    assert len(body) == 2 + 4 + 6 * len(parsed.api_keys)


def test_api_versions_v3_reply_is_flexible_but_keeps_response_header_v0(conn):
    corr = 77
    conn.send_raw(rk.frame(rk.request_header(rk.API_API_VERSIONS, 3, corr, header_version=2)
                           + rk.api_versions_request_body(3)))
    resp = conn.recv_frame()
    r = rk.Reader(resp)
    assert r.i32() == corr
    body = r.data[r.pos:]
    parsed = rk.parse_api_versions(body, 3)  # would misparse if a tag buffer followed corr id
    assert parsed.error_code == 0
    assert parsed.api_keys[rk.API_API_VERSIONS][1] >= 3
    for key, lowest in ((rk.API_PRODUCE, 0), (rk.API_FETCH, 4), (rk.API_METADATA, 0)):
        lo, hi = parsed.api_keys[key]
        assert lo <= lowest <= hi, f"api {key} range {lo}-{hi}"


# -- Record batches -----------------------------------------------------------------------------


def test_hand_built_batch_round_trips_through_produce_and_fetch(b, conn):
    before = log_end(b)
    r = conn.produce_v3(TOPIC, 0, rk.encode_batch(records(), base_timestamp=1_700_000_000_000))
    assert r.error_code == 0 and r.base_offset == before, r
    f = conn.fetch_v4(TOPIC, 0, before)
    assert f.error_code == 0 and f.high_watermark == before + 3
    (batch,) = [x for x in rk.decode_batches(f.records) if x.base_offset == before]
    assert batch.crc_ok
    assert [(o, t, k, v, h) for o, t, k, v, h in batch.records()] == [
        (before + i, 1_700_000_000_000 + i, f"k{i}".encode(), f"value-{i}".encode(), [("h", b"v")])
        for i in range(3)]


def test_produce_with_a_bad_crc_is_rejected_with_corrupt_message(b, conn):
    before = log_end(b)
    batch = bytearray(rk.encode_batch(records()))
    batch[rk.CRC_OFFSET] ^= 0x01
    r = conn.produce_v3(TOPIC, 0, bytes(batch))
    assert r.error_code == 2, r  # CORRUPT_MESSAGE
    assert log_end(b) == before


def test_produce_with_a_payload_byte_flipped_is_rejected_with_corrupt_message(b, conn):
    before = log_end(b)
    batch = bytearray(rk.encode_batch(records()))
    batch[-3] ^= 0x55  # inside the last record; CRC now stale
    r = conn.produce_v3(TOPIC, 0, bytes(batch))
    assert r.error_code == 2, r
    assert log_end(b) == before


def _overlong_varint_batch() -> bytes:
    rec = rk.i8(0) + rk.varint(0) + rk.varint(0) + b"\xff" * 10 + b"\x01"  # key length: 11 bytes
    return rk.encode_batch([], records_blob=rk.varint(len(rec)) + rec, records_count=1)


def _record_length_past_end() -> bytes:
    good = rk.encode_record(records(1)[0], 0)
    return rk.encode_batch([], records_blob=rk.varint(500) + good[1:], records_count=1)


def _key_length_past_record() -> bytes:
    rec = rk.i8(0) + rk.varint(0) + rk.varint(0) + rk.varint(300) + b"abc" + rk.varint(-1) + rk.varint(0)
    return rk.encode_batch([], records_blob=rk.varint(len(rec)) + rec, records_count=1)


def _count_larger_than_records() -> bytes:
    blob = b"".join(rk.encode_record(r, i) for i, r in enumerate(records(3)))
    return rk.encode_batch(records(3), records_blob=blob, records_count=5, last_offset_delta=4)


def _count_smaller_than_records() -> bytes:
    blob = b"".join(rk.encode_record(r, i) for i, r in enumerate(records(3)))
    return rk.encode_batch(records(3), records_blob=blob, records_count=1, last_offset_delta=0)


def _header_count_past_end() -> bytes:
    rec = rk.i8(0) + rk.varint(0) + rk.varint(0) + rk.varint(-1) + rk.varint(1) + b"v" + rk.varint(40)
    return rk.encode_batch([], records_blob=rk.varint(len(rec)) + rec, records_count=1)


def _batch_length_too_large() -> bytes:
    batch = bytearray(rk.encode_batch(records()))
    struct.pack_into(">i", batch, 8, len(batch) - 12 + 100)  # not covered by the CRC
    return bytes(batch)


def _batch_length_below_header() -> bytes:
    batch = bytearray(rk.encode_batch(records()))
    struct.pack_into(">i", batch, 8, 20)
    return bytes(batch)


def _batch_cut_short() -> bytes:
    return rk.encode_batch(records())[:40]


def _offset_deltas_not_consecutive() -> bytes:
    recs = records(3)
    recs[1].offset_delta = 7
    recs[2].offset_delta = 8
    return rk.encode_batch(recs, last_offset_delta=8)


def _magic_1_in_produce_v3() -> bytes:
    # A valid-CRC batch that claims magic 1: Produce v3 accepts only magic 2.
    return rk.encode_batch(records(), magic=1)


def _unknown_compression_codec() -> bytes:
    return rk.encode_batch(records(), attributes=0x0007)


def _gzip_flag_on_plain_records() -> bytes:
    return rk.encode_batch(records(), attributes=0x0001)


# kind -> (batch builder, accepted error codes or ANY_ERROR)
BAD_BATCHES = {
    "overlong_varint": (_overlong_varint_batch, REJECTED),
    "record_length_past_end": (_record_length_past_end, REJECTED),
    "key_length_past_record": (_key_length_past_record, REJECTED),
    "count_larger_than_records": (_count_larger_than_records, REJECTED),
    "count_smaller_than_records": (_count_smaller_than_records, REJECTED),
    "header_count_past_end": (_header_count_past_end, REJECTED),
    "batch_length_too_large": (_batch_length_too_large, REJECTED),
    "batch_length_below_header": (_batch_length_below_header, REJECTED),
    "batch_cut_short": (_batch_cut_short, REJECTED),
    "offset_deltas_not_consecutive": (_offset_deltas_not_consecutive, REJECTED),
    "magic_1_in_produce_v3": (_magic_1_in_produce_v3, REJECTED),
    "unknown_compression_codec": (_unknown_compression_codec, ANY_ERROR),
    "gzip_flag_on_plain_records": (_gzip_flag_on_plain_records, ANY_ERROR),
}


@pytest.mark.parametrize("kind", list(BAD_BATCHES))
def test_malformed_batch_with_valid_crc_gets_an_error_code_not_a_crash(b, conn, kind):
    build, accepted = BAD_BATCHES[kind]
    before = log_end(b)
    r = conn.produce_v3(TOPIC, 0, build())
    if accepted is ANY_ERROR:
        assert r.error_code != 0, f"{kind}: accepted"
    else:
        assert r.error_code in accepted, f"{kind}: error code {r.error_code}"
    assert log_end(b) == before, f"{kind}: the bad batch was appended"


def test_trailing_bytes_after_the_batch_are_rejected_or_dropped(b, conn):
    # Kafka trims bytes after the last whole batch and appends the batch; rejecting the
    # request is fine too. Either way only whole, valid batches reach the log.
    before = log_end(b)
    r = conn.produce_v3(TOPIC, 0, rk.encode_batch(records()) + bytes(range(9)))
    if r.error_code == 0:
        assert log_end(b) == before + 3
        f = conn.fetch_v4(TOPIC, 0, before)
        assert [x.base_offset for x in rk.decode_batches(f.records)] == [before]
    else:
        assert r.error_code in REJECTED
        assert log_end(b) == before


def test_null_records_in_produce_get_an_error_or_close_the_connection(b, conn):
    before = log_end(b)
    try:
        r = conn.produce_v3(TOPIC, 0, None)
        assert r.error_code != 0
    except rk.ConnectionClosed:
        pass
    assert log_end(b) == before


def test_pipelined_requests_after_a_rejected_batch_are_still_answered_in_order(b, conn):
    frames = []
    for corr in (11, 12, 13):
        batch = rk.encode_batch(records()) if corr != 12 else _record_length_past_end()
        frames.append(rk.frame(rk.request_header(rk.API_PRODUCE, 3, corr)
                               + rk.produce_v3_request_body(TOPIC, 0, batch)))
    conn.send_raw(b"".join(frames))
    codes = []
    for corr in (11, 12, 13):
        resp = conn.recv_frame()
        r = rk.Reader(resp)
        assert r.i32() == corr
        (p,) = rk.parse_produce_v3(resp[r.pos:])
        codes.append(p.error_code)
    assert codes[0] == 0 and codes[1] in REJECTED and codes[2] == 0


# -- Afterwards ---------------------------------------------------------------------------------


def test_real_client_still_produces_and_consumes_after_all_bad_input(b):
    """Runs last in this module (file order): the same broker process, still serving."""
    assert b.alive() and b.generation == 1, "broker restarted or died during the bad-input tests"
    topic = "after-bad-input"
    clients.create_topic(b.bootstrap, topic, 3)
    msgs = [Msg(f"k{i % 13}".encode(), f"after:{i:05d}".encode(), [("h", b"1")], 1_700_000_000_000 + i)
            for i in range(2000)]
    delivered = clients.produce_confluent(b.bootstrap, topic, msgs, codec="lz4")
    got = clients.consume_confluent(b.bootstrap, topic, 3, expected=len(msgs))
    assert sorted(c.value for c in got) == sorted(m.value for m in msgs)
    assert {(c.partition, c.offset) for c in got} == set(delivered)
    # Nothing rejected earlier leaked into the bad-input topic: every stored batch is whole.
    f = rk.RawConnection(b.host, b.port)
    try:
        resp = f.fetch_v4(TOPIC, 0, 0)
    finally:
        f.close()
    assert resp.error_code == 0
    assert all(x.crc_ok and x.magic == 2 for x in rk.decode_batches(resp.records))
