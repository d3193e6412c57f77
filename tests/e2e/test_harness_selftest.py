# Checks the harness itself, without a Sluice binary: CRC-32C, varints, RecordBatch encoding
# (against kafka-python's independent implementation), and Broker process control (against a
# fake broker that only answers ApiVersions).
import os
import signal
import socket
from pathlib import Path

import pytest

from harness import rawkafka as rk
from harness.broker import Broker, BrokerError

FAKE = str(Path(__file__).resolve().parent / "harness" / "fake_broker.py")


def test_crc32c_matches_the_standard_check_value():
    assert rk.crc32c(b"123456789") == 0xE3069283
    assert rk.crc32c(b"") == 0
    # Running form equals the one-shot form.
    assert rk.crc32c(b"6789", rk.crc32c(b"12345")) == 0xE3069283


@pytest.mark.parametrize("value,encoded", [
    (0, b"\x00"), (-1, b"\x01"), (1, b"\x02"), (63, b"\x7e"), (-64, b"\x7f"), (64, b"\x80\x01"),
    (300, b"\xd8\x04"), (-(2 ** 31), b"\xff\xff\xff\xff\x0f"),
])
def test_zigzag_varint_encoding_matches_kafka(value, encoded):
    assert rk.varint(value) == encoded
    assert rk.Reader(encoded).varint() == value


def test_unsigned_varint_has_no_zigzag():
    assert rk.uvarint(0) == b"\x00"
    assert rk.uvarint(1) == b"\x01"
    assert rk.uvarint(128) == b"\x80\x01"
    assert rk.Reader(rk.uvarint(2 ** 31)).uvarint() == 2 ** 31


def test_request_header_v2_keeps_int16_client_id_then_tag_buffer():
    h = rk.request_header(18, 3, 7, client_id="ab", header_version=2)
    assert h == b"\x00\x12\x00\x03\x00\x00\x00\x07\x00\x02ab\x00"
    assert rk.request_header(3, 0, 1, client_id=None) == b"\x00\x03\x00\x00\x00\x00\x00\x01\xff\xff"


def _sample_records():
    return [rk.Record(b"k1", b"v1", [("h", b"x")], timestamp_delta=0),
            rk.Record(None, b"v2", [], timestamp_delta=5),
            rk.Record(b"k3", None, [("a", b""), ("a", None)], timestamp_delta=9)]


def test_hand_built_batch_is_byte_identical_to_kafka_python_builder():
    from kafka.record.default_records import DefaultRecordBatchBuilder
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                  producer_id=-1, producer_epoch=-1, base_sequence=-1,
                                  batch_size=1 << 20)
    ts = 1_700_000_000_000
    for i, r in enumerate(_sample_records()):
        b.append(i, timestamp=ts + r.timestamp_delta, key=r.key, value=r.value,
                 headers=[(k, v) for k, v in r.headers])
    theirs = bytes(b.build())
    # kafka-python writes partitionLeaderEpoch 0 where the Java client writes -1.
    ours = rk.encode_batch(_sample_records(), base_timestamp=ts, partition_leader_epoch=0)
    assert ours == theirs


def test_decoder_reads_back_what_the_encoder_wrote_and_checks_crc():
    ts = 1_700_000_000_000
    data = rk.encode_batch(_sample_records(), base_offset=40, base_timestamp=ts)
    data += rk.encode_batch([rk.Record(b"x", b"y")], base_offset=43, base_timestamp=ts)
    batches = rk.decode_batches(data)
    assert [b.base_offset for b in batches] == [40, 43]
    assert all(b.crc_ok for b in batches)
    recs = batches[0].records()
    assert [(o, t, k, v) for o, t, k, v, _ in recs] == [
        (40, ts, b"k1", b"v1"), (41, ts + 5, None, b"v2"), (42, ts + 9, b"k3", None)]
    assert recs[2][4] == [("a", b""), ("a", None)]
    # A torn tail is ignored; a flipped byte fails the CRC.
    assert len(rk.decode_batches(data[:-3])) == 1
    flipped = bytearray(data)
    flipped[70] ^= 0xFF
    assert not rk.decode_batches(bytes(flipped))[0].crc_ok
    assert rk.decode_batches(rk.fix_crc(bytes(flipped[:batches[0].end])))[0].crc_ok


def test_kafka_python_accepts_our_batch_crc():
    from kafka.record.default_records import DefaultRecordBatch
    batch = DefaultRecordBatch(rk.encode_batch(_sample_records(), base_timestamp=1))
    assert batch.validate_crc()
    assert [r.value for r in batch] == [b"v1", b"v2", None]


# -- Broker process control, against the fake broker ----------------------------------------


@pytest.fixture
def fake_broker(tmp_path):
    b = Broker(tmp_path, "fake", {"num.partitions": 1}, binary=FAKE)
    yield b
    b.force_cleanup()


def test_broker_starts_on_a_free_port_and_answers_api_versions(fake_broker):
    fake_broker.start()
    assert fake_broker.alive()
    fake_broker.assert_healthy()
    assert "--override" in fake_broker.log_text() and "listening" in fake_broker.log_text()
    assert fake_broker.data_dir.is_dir()


def test_broker_stop_sends_sigterm_and_reports_exit_code_zero(fake_broker):
    fake_broker.start()
    assert fake_broker.stop(timeout=10) == 0
    assert not fake_broker.alive()


def test_broker_kill9_then_restart_reuses_port_and_data_dir(fake_broker):
    fake_broker.start()
    port = fake_broker.port
    assert fake_broker.kill9() == -signal.SIGKILL
    fake_broker.start()
    assert fake_broker.port == port
    fake_broker.assert_healthy()
    fake_broker.restart()
    assert fake_broker.port == port and fake_broker.generation == 3
    assert len(fake_broker.log_paths) == 3


def test_broker_stop_falls_back_to_sigkill_when_sigterm_is_ignored(fake_broker, monkeypatch):
    monkeypatch.setenv("FAKE_BROKER_IGNORE_TERM", "1")
    fake_broker.start()
    with pytest.raises(BrokerError, match="ignored SIGTERM"):
        fake_broker.stop(timeout=1)
    assert not fake_broker.alive()


def test_broker_restart_waits_while_its_port_is_taken(fake_broker):
    fake_broker.start()
    fake_broker.stop()
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", fake_broker.port))
    blocker.listen(1)
    try:
        with pytest.raises(BrokerError):
            fake_broker.start(ready_timeout=2)
    finally:
        blocker.close()
    fake_broker.start()
    fake_broker.assert_healthy()


def test_missing_binary_is_reported_clearly(tmp_path):
    b = Broker(tmp_path, "nobin", binary=str(tmp_path / "does-not-exist"))
    with pytest.raises(BrokerError, match="not found"):
        b.start()


def test_fake_broker_script_is_executable():
    assert os.access(FAKE, os.X_OK)
