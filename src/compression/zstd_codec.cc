// zstd: one frame on compress; streaming, bounded decode so frames without a content size
// (streaming producers) decode too.
#include <zstd.h>

#include <memory>

#include "compression/codecs.h"
#include "compression/compression.h"

namespace sluice::compression::detail {
namespace {

struct dctx_deleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Largest back-reference window accepted (128 MiB, zstd's own default limit): bounds decoder
// memory independently of the output bound.
constexpr int max_window_log = 27;

}  // namespace

result<std::string> zstd_compress(std::span<const uint8_t> input, int level) {
  if (level == default_level) level = 3;
  std::string out;
  out.resize(ZSTD_compressBound(input.size()));
  const size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), level);
  if (ZSTD_isError(n)) return make_error(errc::internal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

result<std::string> zstd_decompress(std::span<const uint8_t> input, size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, dctx_deleter> dctx(ZSTD_createDCtx());
  if (!dctx) return make_error(errc::internal, "zstd: cannot create a decompression context");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, max_window_log);
  size_t hint = output_hint(input.size(), max_output);
  const unsigned long long content = ZSTD_getFrameContentSize(input.data(), input.size());
  if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != ZSTD_CONTENTSIZE_ERROR) {
    if (content > max_output) return too_large("zstd", max_output);
    hint = static_cast<size_t>(content) + 1;  // +1: the decoder must see room to report "done"
  }
  bounded_output out(max_output, hint);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  if (input.empty()) return corrupt("zstd", "empty input");
  for (;;) {
    const auto w = out.window();
    if (w.empty()) return too_large("zstd", max_output);
    ZSTD_outBuffer o{w.data(), w.size(), 0};
    const size_t ret = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(ret)) return corrupt("zstd", ZSTD_getErrorName(ret));
    out.commit(o.pos);
    if (out.exceeded()) return too_large("zstd", max_output);
    if (in.pos == in.size) {
      if (ret == 0) break;                                            // last frame complete and flushed
      if (o.pos < o.size) return corrupt("zstd", "truncated frame");  // wants input we lack
    }
  }
  return out.take();
}

}  // namespace sluice::compression::detail
