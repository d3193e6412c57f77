// batch_recompress: decompress the records section, compress it with the target codec, rebuild
// the header's length, codec bits and CRC.
#include "records/batch_recompress.h"

#include "compression/compression.h"

namespace sluice::records {

namespace layout = batch_layout;

records_result<std::string> recompress_batch(std::span<const uint8_t> batch, compression target,
                                             size_t max_uncompressed) {
  auto h = parse_batch_header(batch);
  if (!h || h->total_size() != batch.size()) {
    return make_records_error(batch_error::corrupt_message, "not one whole batch");
  }
  const auto payload = batch.subspan(layout::header_size);
  std::string plain;
  std::span<const uint8_t> records = payload;
  if (h->codec() != compression::none) {
    auto d = sluice::compression::decompress(static_cast<sluice::compression::codec>(h->codec()), payload,
                                             max_uncompressed);
    if (!d.ok()) {
      return make_records_error(
          d.err().code == errc::out_of_range ? batch_error::message_too_large : batch_error::corrupt_message,
          "compressed records could not be decompressed for recompression");
    }
    plain = std::move(d).value();
    records = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(plain.data()), plain.size());
  }
  std::string packed;
  std::span<const uint8_t> body = records;
  if (target != compression::none) {
    auto c = sluice::compression::compress(static_cast<sluice::compression::codec>(target), records);
    if (!c.ok()) return make_records_error(batch_error::corrupt_message, "recompression failed");
    packed = std::move(c).value();
    body = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(packed.data()), packed.size());
  }
  std::string out;
  out.reserve(layout::header_size + body.size());
  out.append(reinterpret_cast<const char*>(batch.data()), layout::header_size);
  out.append(reinterpret_cast<const char*>(body.data()), body.size());
  auto* bytes = reinterpret_cast<uint8_t*>(out.data());
  store_be32(bytes + layout::batch_length, static_cast<int32_t>(out.size() - layout::log_overhead));
  const auto attributes =
      static_cast<int16_t>((h->attributes & ~batch_attr::compression_mask) | static_cast<int16_t>(target));
  store_be16(bytes + layout::attributes, attributes);
  const std::span<const uint8_t> whole(bytes, out.size());
  store_be32(bytes + layout::crc, static_cast<int32_t>(compute_crc(whole)));
  return out;
}

}  // namespace sluice::records
