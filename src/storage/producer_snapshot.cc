// producer_snapshot: the CRC-protected binary encoding of the producer-state table.
#include "storage/producer_snapshot.h"

#include <fmt/format.h>

#include "records/batch_header.h"
#include "records/crc32c.h"
#include "storage/format_constants.h"

namespace sluice::storage {

namespace F = format;
using records::load_be16;
using records::load_be32;
using records::load_be64;

std::vector<uint8_t> encode_producer_snapshot(int64_t log_offset,
                                              const std::vector<producer_entry>& entries) {
  size_t size = F::producer_snapshot_header_size + F::producer_snapshot_crc_size;
  for (const auto& e : entries)
    size += F::producer_snapshot_entry_size + e.batches.size() * F::producer_snapshot_batch_size;
  std::vector<uint8_t> out(size);
  uint8_t* p = out.data();
  records::store_be32(p, static_cast<int32_t>(F::producer_snapshot_magic));
  records::store_be16(p + 4, F::producer_snapshot_version);
  records::store_be16(p + 6, 0);
  records::store_be64(p + 8, log_offset);
  records::store_be32(p + 16, static_cast<int32_t>(entries.size()));
  p += F::producer_snapshot_header_size;
  for (const auto& e : entries) {
    records::store_be64(p, e.producer_id);
    records::store_be16(p + 8, e.epoch);
    records::store_be32(p + 10, e.coordinator_epoch);
    records::store_be64(p + 14, e.last_timestamp);
    records::store_be64(p + 22, e.current_txn_first_offset);
    p[30] = static_cast<uint8_t>(e.batches.size());
    p += F::producer_snapshot_entry_size;
    for (const auto& b : e.batches) {
      records::store_be32(p, b.first_seq);
      records::store_be32(p + 4, b.last_seq);
      records::store_be64(p + 8, b.first_offset);
      records::store_be64(p + 16, b.last_offset);
      records::store_be64(p + 24, b.timestamp);
      p += F::producer_snapshot_batch_size;
    }
  }
  const uint32_t crc =
      records::crc32c(std::span<const uint8_t>(out.data(), static_cast<size_t>(p - out.data())));
  records::store_be32(p, static_cast<int32_t>(crc));
  return out;
}

result<std::vector<producer_entry>> decode_producer_snapshot(std::span<const uint8_t> bytes,
                                                             int64_t expected_offset) {
  auto bad = [](const std::string& why) { return make_error(errc::corruption, "producer snapshot: " + why); };
  if (bytes.size() < F::producer_snapshot_header_size + F::producer_snapshot_crc_size)
    return bad("too short");
  const size_t body = bytes.size() - F::producer_snapshot_crc_size;
  const auto stored = static_cast<uint32_t>(load_be32(bytes.data() + body));
  if (records::crc32c(bytes.subspan(0, body)) != stored) return bad("CRC mismatch");
  const uint8_t* p = bytes.data();
  if (static_cast<uint32_t>(load_be32(p)) != F::producer_snapshot_magic) return bad("bad magic");
  if (load_be16(p + 4) != F::producer_snapshot_version)
    return bad(fmt::format("unknown version {}", load_be16(p + 4)));
  if (load_be64(p + 8) != expected_offset)
    return bad(
        fmt::format("offset {} does not match file name offset {}", load_be64(p + 8), expected_offset));
  const int32_t count = load_be32(p + 16);
  if (count < 0) return bad("negative producer count");
  size_t pos = F::producer_snapshot_header_size;
  std::vector<producer_entry> out;
  out.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    if (pos + F::producer_snapshot_entry_size > body) return bad("truncated entry");
    const uint8_t* q = bytes.data() + pos;
    producer_entry e;
    e.producer_id = load_be64(q);
    e.epoch = load_be16(q + 8);
    e.coordinator_epoch = load_be32(q + 10);
    e.last_timestamp = load_be64(q + 14);
    e.current_txn_first_offset = load_be64(q + 22);
    const int n = q[30];  // int8 on disk; valid values are 0..5
    if (n < 0 || n > F::producer_batches_to_retain) return bad(fmt::format("batch count {}", n));
    pos += F::producer_snapshot_entry_size;
    if (pos + static_cast<size_t>(n) * F::producer_snapshot_batch_size > body)
      return bad("truncated batches");
    for (int j = 0; j < n; ++j, pos += F::producer_snapshot_batch_size) {
      const uint8_t* b = bytes.data() + pos;
      e.batches.push_back(producer_batch{load_be32(b), load_be32(b + 4), load_be64(b + 8), load_be64(b + 16),
                                         load_be64(b + 24)});
    }
    out.push_back(std::move(e));
  }
  if (pos != body) return bad("trailing bytes");
  return out;
}

result<std::shared_ptr<file>> write_producer_snapshot(file_system& fs, const std::string& path,
                                                      int64_t log_offset, const producer_state& state,
                                                      bool sync) {
  const auto bytes = encode_producer_snapshot(log_offset, state.entries());
  auto f = fs.open(path, open_mode::create_truncate);
  if (!f) return f.err();
  if (auto r = (*f)->pwrite(bytes, 0); !r) return r.err();
  if (sync) {
    if (auto r = (*f)->fdatasync(); !r) return r.err();
  }
  return std::move(*f);
}

result<std::vector<producer_entry>> read_producer_snapshot(file_system& fs, const std::string& path,
                                                           int64_t expected_offset) {
  auto f = fs.open(path, open_mode::read_only);
  if (!f) return f.err();
  auto sz = (*f)->size();
  if (!sz) return sz.err();
  std::vector<uint8_t> buf(static_cast<size_t>(*sz));
  auto got = (*f)->pread(buf, 0);
  if (!got) return got.err();
  buf.resize(*got);
  auto d = decode_producer_snapshot(buf, expected_offset);
  if (!d) return make_error(errc::corruption, path + ": " + d.err().message);
  return d;
}

}  // namespace sluice::storage
