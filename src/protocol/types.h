// Vocabulary types of the Kafka wire protocol shared by the reader, writer and generated codecs.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace sluice::protocol {

// BYTES / NULLABLE_BYTES values. Decoding copies them (they are small: SASL tokens, group
// metadata); bulk record data uses `records` instead, which is a zero-copy view.
using bytes = std::vector<uint8_t>;

// UUID: 16 raw bytes on the wire, in the order they are stored here.
using uuid = std::array<uint8_t, 16>;

}  // namespace sluice::protocol
