// codecs: the per-codec entry points behind compression.h, and bounded_output, the growable
// output buffer with a hard cap that every decoder writes through. Internal to sluice_compression.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "compression/compression.h"

namespace sluice::compression::detail {

// Output buffer that grows geometrically but never beyond max_output + 1 bytes: a decoder that
// fills the last byte has proved the output is too large. Thread-compatible.
class bounded_output {
 public:
  bounded_output(size_t max_output, size_t size_hint)
      : max_(max_output), cap_(max_output == SIZE_MAX ? SIZE_MAX : max_output + 1) {
    buf_.resize(std::min(std::max(size_hint, size_t{64}), cap_));
  }

  // Free space after the committed bytes, growing the buffer first if it is full. Empty only when
  // the cap is reached.
  std::span<uint8_t> window() {
    if (used_ == buf_.size() && buf_.size() < cap_) {
      const size_t grown = buf_.size() > cap_ / 2 ? cap_ : std::max(buf_.size() * 2, size_t{64});
      buf_.resize(std::min(grown, cap_));
    }
    return {reinterpret_cast<uint8_t*>(buf_.data()) + used_, buf_.size() - used_};
  }
  void commit(size_t n) { used_ += n; }
  size_t size() const { return used_; }
  bool exceeded() const { return used_ > max_; }
  std::string take() {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  size_t max_;
  size_t cap_;
  size_t used_ = 0;
  std::string buf_;
};

// Initial output size guess: a few times the input, within [1 KiB, 1 MiB] and the cap.
inline size_t output_hint(size_t input_size, size_t max_output) {
  const size_t guess =
      std::clamp<size_t>(input_size > SIZE_MAX / 4 ? SIZE_MAX : input_size * 4, 1024, size_t{1} << 20);
  return std::min(guess, max_output == SIZE_MAX ? guess : max_output + 1);
}

inline error too_large(const char* codec_name, size_t max_output) {
  return make_error(errc::out_of_range, std::string(codec_name) + ": decompressed size exceeds " +
                                            std::to_string(max_output) + " bytes");
}
inline error corrupt(const char* codec_name, const std::string& why) {
  return make_error(errc::corruption, std::string(codec_name) + ": " + why);
}

result<std::string> gzip_compress(std::span<const uint8_t> input, int level);
result<std::string> gzip_decompress(std::span<const uint8_t> input, size_t max_output);
result<std::string> snappy_compress(std::span<const uint8_t> input);
result<std::string> snappy_decompress(std::span<const uint8_t> input, size_t max_output);
result<std::string> lz4_compress(std::span<const uint8_t> input, int level);
result<std::string> lz4_decompress(std::span<const uint8_t> input, size_t max_output);
result<std::string> zstd_compress(std::span<const uint8_t> input, int level);
result<std::string> zstd_decompress(std::span<const uint8_t> input, size_t max_output);

}  // namespace sluice::compression::detail
