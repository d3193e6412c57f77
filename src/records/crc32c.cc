// CRC-32C via ISA-L. ISA-L's crc32_iscsi neither pre- nor post-inverts, so we do both here.
#include "records/crc32c.h"

#include <isa-l/crc.h>

#include <limits>

namespace sluice::records {

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data) {
  uint32_t state = crc ^ 0xFFFFFFFFu;
  const uint8_t* p = data.data();
  size_t left = data.size();
  // crc32_iscsi takes an int length; feed huge buffers in pieces.
  constexpr size_t max_piece = static_cast<size_t>(std::numeric_limits<int>::max() / 2);
  while (left > 0) {
    const size_t n = left < max_piece ? left : max_piece;
    state = crc32_iscsi(const_cast<unsigned char*>(p), static_cast<int>(n), state);
    p += n;
    left -= n;
  }
  return state ^ 0xFFFFFFFFu;
}

uint32_t crc32c(std::span<const uint8_t> data) { return crc32c_extend(0, data); }

}  // namespace sluice::records
