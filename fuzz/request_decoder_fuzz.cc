// libFuzzer entry for the request path: parses the request header of arbitrary bytes, looks the
// API up in the generated table and decodes the body at the requested version. Whatever decodes
// must re-encode to bytes that decode to an equal value and re-encode identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "protocol/generated/all_messages.h"
#include "protocol/generated/api_table.h"
#include "protocol/reader.h"
#include "protocol/request_header.h"
#include "protocol/writer.h"

namespace {

using namespace sluice::protocol;

void check(bool ok) {
  if (!ok) std::abort();
}

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

template <class T>
void decode_body(std::span<const uint8_t> body, int16_t version) {
  reader r(body);
  T decoded;
  if (!decoded.decode(r, version)) return;
  writer w;
  decoded.encode(w, version);
  check(!w.has_file_slices());
  const std::string first = std::move(w).take_string();
  reader r2(as_bytes(first));
  T again;
  check(again.decode(r2, version));
  check(r2.remaining() == 0);
  check(again == decoded);
  writer w2;
  again.encode(w2, version);
  check(std::move(w2).take_string() == first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> frame(data, size);
  parsed_request header;
  if (!parse_request_header(frame, header)) return 0;
  check(header.body_offset <= size);
  const api_info* api = find_api(header.api_key);
  if (api == nullptr || !api->supports(header.api_version)) return 0;
  const auto body = frame.subspan(header.body_offset);
  switch (header.api_key) {
#define SLUICE_FUZZ_CASE(T)                   \
  case T::api_key:                            \
    decode_body<T>(body, header.api_version); \
    break;
    SLUICE_PROTOCOL_FOR_EACH_REQUEST(SLUICE_FUZZ_CASE)
#undef SLUICE_FUZZ_CASE
    default:
      break;
  }
  return 0;
}
