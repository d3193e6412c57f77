// batch_maker: test helpers that write valid v2 batches and temp directories.
#include "batch_maker.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "records/batch_header.h"

namespace sluice::storage::test {

namespace L = records::batch_layout;

namespace {
void put_varlong(std::vector<uint8_t>& out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<uint8_t>(z | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<uint8_t>(z));
}
}  // namespace

std::vector<uint8_t> make_batch(const batch_spec& spec) {
  std::vector<uint8_t> recs;
  for (int i = 0; i < spec.records; ++i) {
    std::vector<uint8_t> body;
    body.push_back(0);                           // attributes
    put_varlong(body, spec.timestamp_step * i);  // timestamp delta
    put_varlong(body, i);                        // offset delta
    put_varlong(body, -1);                       // null key
    put_varlong(body, static_cast<int64_t>(spec.value_size));
    for (size_t j = 0; j < spec.value_size; ++j) body.push_back(static_cast<uint8_t>('a' + (i + j) % 26));
    put_varlong(body, 0);  // no headers
    put_varlong(recs, static_cast<int64_t>(body.size()));
    recs.insert(recs.end(), body.begin(), body.end());
  }
  std::vector<uint8_t> b(L::header_size + recs.size());
  uint8_t* p = b.data();
  records::store_be64(p + L::base_offset, 0);
  records::store_be32(p + L::batch_length, static_cast<int32_t>(b.size() - L::log_overhead));
  records::store_be32(p + L::partition_leader_epoch, 0);
  p[L::magic] = 2;
  int16_t attrs = spec.codec_bits;
  if (spec.transactional) attrs |= records::batch_attr::transactional;
  records::store_be16(p + L::attributes, attrs);
  records::store_be32(p + L::last_offset_delta, spec.records - 1);
  records::store_be64(p + L::base_timestamp, spec.base_timestamp);
  records::store_be64(p + L::max_timestamp, spec.base_timestamp + spec.timestamp_step * (spec.records - 1));
  records::store_be64(p + L::producer_id, spec.producer_id);
  records::store_be16(p + L::producer_epoch, spec.producer_epoch);
  records::store_be32(p + L::base_sequence, spec.base_sequence);
  records::store_be32(p + L::records_count, spec.records);
  std::copy(recs.begin(), recs.end(), b.begin() + L::header_size);
  records::store_be32(p + L::crc, static_cast<int32_t>(records::compute_crc(b)));
  return b;
}

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/sluice-storage-test-XXXXXX";
  char* d = ::mkdtemp(tmpl);
  if (d == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = d;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<uint8_t> slurp(const read_result& r) {
  std::vector<uint8_t> out;
  for (const auto& s : r.slices) {
    std::vector<uint8_t> buf(s.length);
    ssize_t n = ::pread(s.fd, buf.data(), buf.size(), s.offset);
    EXPECT_EQ(n, static_cast<ssize_t>(s.length));
    out.insert(out.end(), buf.begin(), buf.end());
  }
  return out;
}

std::vector<records::batch_header> headers_of(const std::vector<uint8_t>& bytes) {
  std::vector<records::batch_header> out;
  size_t pos = 0;
  while (pos + L::header_size <= bytes.size()) {
    auto h = records::parse_batch_header(std::span<const uint8_t>(bytes).subspan(pos));
    out.push_back(*h);
    pos += h->total_size();
  }
  EXPECT_EQ(pos, bytes.size()) << "slices must cover whole batches";
  return out;
}

append_info must_append(partition_log& log, const batch_spec& spec) {
  auto b = make_batch(spec);
  auto r = log.append(b);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
  return r.ok() ? *r : append_info{};
}

}  // namespace sluice::storage::test
