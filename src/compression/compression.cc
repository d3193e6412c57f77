// Codec dispatch for compression.h.
#include "compression/compression.h"

#include "compression/codecs.h"

namespace sluice::compression {

const char* to_string(codec c) {
  switch (c) {
    case codec::none:
      return "none";
    case codec::gzip:
      return "gzip";
    case codec::snappy:
      return "snappy";
    case codec::lz4:
      return "lz4";
    case codec::zstd:
      return "zstd";
  }
  return "unknown";
}

result<std::string> compress(codec c, std::span<const uint8_t> input, int level) {
  switch (c) {
    case codec::none:
      return std::string(reinterpret_cast<const char*>(input.data()), input.size());
    case codec::gzip:
      return detail::gzip_compress(input, level);
    case codec::snappy:
      return detail::snappy_compress(input);
    case codec::lz4:
      return detail::lz4_compress(input, level);
    case codec::zstd:
      return detail::zstd_compress(input, level);
  }
  return make_error(errc::invalid_argument,
                    "unknown compression codec " + std::to_string(static_cast<int>(c)));
}

result<std::string> decompress(codec c, std::span<const uint8_t> input, size_t max_output) {
  switch (c) {
    case codec::none:
      if (input.size() > max_output) return detail::too_large("none", max_output);
      return std::string(reinterpret_cast<const char*>(input.data()), input.size());
    case codec::gzip:
      return detail::gzip_decompress(input, max_output);
    case codec::snappy:
      return detail::snappy_decompress(input, max_output);
    case codec::lz4:
      return detail::lz4_decompress(input, max_output);
    case codec::zstd:
      return detail::zstd_decompress(input, max_output);
  }
  return make_error(errc::invalid_argument,
                    "unknown compression codec " + std::to_string(static_cast<int>(c)));
}

}  // namespace sluice::compression
