// gzip via zlib: gzip framing (windowBits 15 + 16), bounded streaming inflate.
#include <zlib.h>

#include <climits>

#include "compression/codecs.h"

namespace sluice::compression::detail {
namespace {

// zlib counts in uInt; feed larger buffers in pieces of this size.
constexpr size_t max_piece = UINT_MAX / 2;

bool looks_like_gzip_member(const uint8_t* p, size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

}  // namespace

result<std::string> gzip_compress(std::span<const uint8_t> input, int level) {
  if (level == default_level) level = Z_DEFAULT_COMPRESSION;
  if (level != Z_DEFAULT_COMPRESSION && (level < 0 || level > 9))
    return make_error(errc::invalid_argument, "gzip: level must be 0-9");
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error(errc::internal, "gzip: deflateInit2 failed");
  std::string out;
  // deflateBound is exact enough for one call when the input fits in a uLong piece.
  out.resize(deflateBound(&zs, static_cast<uLong>(std::min(input.size(), max_piece))) + 64);
  size_t in_pos = 0;
  size_t out_pos = 0;
  int rc = Z_OK;
  do {
    const size_t in_n = std::min(input.size() - in_pos, max_piece);
    zs.next_in = const_cast<Bytef*>(input.data() + in_pos);
    zs.avail_in = static_cast<uInt>(in_n);
    const int flush = in_pos + in_n == input.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      if (out_pos == out.size()) out.resize(out.size() * 2);
      const size_t out_n = std::min(out.size() - out_pos, max_piece);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
      zs.avail_out = static_cast<uInt>(out_n);
      rc = deflate(&zs, flush);
      out_pos += out_n - zs.avail_out;
      if (rc == Z_STREAM_ERROR) {
        deflateEnd(&zs);
        return make_error(errc::internal, "gzip: deflate failed");
      }
    } while (zs.avail_out == 0 && rc != Z_STREAM_END);
    in_pos += in_n - zs.avail_in;
  } while (rc != Z_STREAM_END);
  deflateEnd(&zs);
  out.resize(out_pos);
  return out;
}

result<std::string> gzip_decompress(std::span<const uint8_t> input, size_t max_output) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return make_error(errc::internal, "gzip: inflateInit2 failed");
  bounded_output out(max_output, output_hint(input.size(), max_output));
  size_t in_pos = 0;
  bool member_done = false;
  for (;;) {
    if (member_done) {
      // Another gzip member may follow (GZIPInputStream reads concatenated members); anything
      // else after a complete member is ignored, as Java does.
      if (!looks_like_gzip_member(input.data() + in_pos, input.size() - in_pos)) break;
      inflateReset(&zs);
      member_done = false;
    }
    const auto w = out.window();
    if (w.empty()) {
      inflateEnd(&zs);
      return too_large("gzip", max_output);
    }
    const size_t in_n = std::min(input.size() - in_pos, max_piece);
    const size_t out_n = std::min(w.size(), max_piece);
    zs.next_in = const_cast<Bytef*>(input.data() + in_pos);
    zs.avail_in = static_cast<uInt>(in_n);
    zs.next_out = w.data();
    zs.avail_out = static_cast<uInt>(out_n);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_n - zs.avail_in;
    out.commit(out_n - zs.avail_out);
    if (out.exceeded()) {
      inflateEnd(&zs);
      return too_large("gzip", max_output);
    }
    if (rc == Z_STREAM_END) {
      member_done = true;
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_out == 0) continue;  // output full: grow and retry
    inflateEnd(&zs);
    if (rc == Z_BUF_ERROR) return corrupt("gzip", "truncated stream");
    return corrupt("gzip", zs.msg ? zs.msg : "invalid stream");
  }
  inflateEnd(&zs);
  return out.take();
}

}  // namespace sluice::compression::detail
