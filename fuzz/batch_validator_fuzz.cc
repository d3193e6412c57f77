// libFuzzer entry for the record formats: feeds arbitrary bytes to validate_batch (header-only
// and deep), the record reader, split_batches, the legacy message-set parser and both format
// conversions, and checks that whatever one of them accepts the others accept too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include <zlib.h>

#include "records/batch_header.h"
#include "records/batch_validator.h"
#include "records/legacy_message_set.h"
#include "records/record_reader.h"

namespace {

using namespace sluice::records;

// Small bounds keep each run fast and make decompression bombs hit the limits.
constexpr size_t max_uncompressed = 1 << 20;

void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_v2(std::span<const uint8_t> bytes) {
  validation_limits shallow;
  shallow.max_message_bytes = SIZE_MAX;
  auto v = validate_batch(bytes, shallow);

  validation_limits deep = shallow;
  deep.deep = true;
  deep.max_uncompressed_bytes = max_uncompressed;
  auto d = validate_batch(bytes, deep);
  // Deep validation only adds checks.
  if (d.ok()) check(v.ok());

  validation_limits log = deep;
  log.origin = batch_origin::log;
  auto l = validate_batch(bytes, log);

  if (d.ok() || l.ok()) {
    // Whatever deep validation accepts, the reader reads, record for record.
    auto records = read_records(bytes, read_options{max_uncompressed, true});
    check(records.ok());
    check(records->size() == static_cast<size_t>((d.ok() ? d->header : l->header).records_count));
    down_conversion_options down;
    down.max_uncompressed_bytes = max_uncompressed;
    auto legacy = down_convert_to_message_set(bytes, down);
    check(legacy.ok());
    auto reparsed = read_message_set(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(legacy->message_set.data()),
                                 legacy->message_set.size()),
        legacy_limits{SIZE_MAX, max_uncompressed});
    check(reparsed.ok());
    check(reparsed->size() == static_cast<size_t>(legacy->message_count));
  } else {
    (void)read_records(bytes, read_options{max_uncompressed, false});
  }
}

void fuzz_legacy(std::span<const uint8_t> bytes) {
  legacy_limits limits{SIZE_MAX, max_uncompressed};
  auto msgs = read_message_set(bytes, limits);
  up_conversion_options up;
  up.limits = limits;
  auto batch = up_convert_message_set(bytes, up);
  if (msgs.ok() && !msgs->empty()) check(batch.ok());
  if (batch.ok()) {
    // An up-converted batch is a valid client batch holding the same messages.
    validation_limits deep;
    deep.max_message_bytes = SIZE_MAX;
    deep.deep = true;
    deep.max_uncompressed_bytes = SIZE_MAX;
    auto out =
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(batch->batch.data()), batch->batch.size());
    auto v = validate_batch(out, deep);
    check(v.ok());
    check(msgs.ok() && v->header.records_count == static_cast<int32_t>(msgs->size()));
  }
  down_conversion_options down;
  down.magic = 0;
  down.max_bytes = 1 << 16;
  down.max_uncompressed_bytes = max_uncompressed;
  (void)down_convert_to_message_set(bytes, down);
}

// Rewrites the checksum of every top-level entry (CRC-32C for v2, CRC-32 for magic 0/1) so
// mutations get past the CRC check and exercise the record and message parsers behind it.
std::vector<uint8_t> with_fixed_checksums(std::span<const uint8_t> bytes) {
  std::vector<uint8_t> copy(bytes.begin(), bytes.end());
  std::span<uint8_t> rest(copy);
  batch_splitter split(bytes);
  while (auto entry = split.next()) {
    std::span<uint8_t> e = rest.first(entry->size());
    rest = rest.subspan(entry->size());
    if (peek_magic(e) == 2 && e.size() >= batch_layout::header_size) {
      store_be32(e.data() + batch_layout::crc, static_cast<int32_t>(compute_crc(e)));
    } else if (e.size() > legacy_layout::magic) {
      const uLong crc =
          crc32(0, e.data() + legacy_layout::magic, static_cast<uInt>(e.size() - legacy_layout::magic));
      store_be32(e.data() + legacy_layout::crc, static_cast<int32_t>(crc));
    }
  }
  return copy;
}

void fuzz_all(std::span<const uint8_t> bytes) {
  fuzz_v2(bytes);
  fuzz_legacy(bytes);
  batch_splitter split(bytes);
  while (auto entry = split.next()) {
    if (peek_magic(*entry) == 2) fuzz_v2(*entry);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  fuzz_all(bytes);
  const std::vector<uint8_t> fixed = with_fixed_checksums(bytes);
  fuzz_all(fixed);
  return 0;
}
