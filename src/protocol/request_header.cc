// Request header parsing and response/request header writing around the generated header codecs.
#include "protocol/request_header.h"

#include <variant>

#include "protocol/generated/api_table.h"
#include "protocol/generated/request_header.h"
#include "protocol/generated/response_header.h"
#include "protocol/reader.h"

namespace sluice::protocol {

namespace {
constexpr int16_t api_versions_key = 18;
constexpr int16_t controlled_shutdown_key = 7;
}  // namespace

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == controlled_shutdown_key && api_version == 0) return 0;
  const api_info* api = find_api(api_key);
  if (api != nullptr && api->supports(api_version) && api->is_flexible(api_version)) return 2;
  return 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == api_versions_key) return 0;
  const api_info* api = find_api(api_key);
  return api != nullptr && api->is_flexible(api_version) ? 1 : 0;
}

bool parse_request_header(std::span<const uint8_t> frame, parsed_request& out) {
  // Peek key and version to choose the header version, then decode the whole header.
  reader peek(frame);
  const int16_t key = peek.read_int16();
  const int16_t version = peek.read_int16();
  if (!peek.ok()) return false;
  const int16_t header_version = request_header_version(key, version);

  // The schema declares request_header never flexible because client_id keeps its int16 length
  // in v2; v2 is v1 followed by a tagged-field section, read here.
  reader r(frame);
  request_header h;
  if (!h.decode(r, header_version >= 1 ? 1 : 0)) return false;
  if (header_version >= 2) r.skip_tagged_fields();
  if (!r.ok()) return false;
  out.api_key = h.request_api_key;
  out.api_version = h.request_api_version;
  out.correlation_id = h.correlation_id;
  out.client_id = std::move(h.client_id);
  out.body_offset = r.position();
  return true;
}

void write_response_header(writer& w, int32_t correlation_id, int16_t header_version) {
  response_header h;
  h.correlation_id = correlation_id;
  h.encode(w, header_version);
}

void write_request_header(writer& w, int16_t api_key, int16_t api_version, int32_t correlation_id,
                          const std::optional<std::string>& client_id) {
  const int16_t header_version = request_header_version(api_key, api_version);
  request_header h;
  h.request_api_key = api_key;
  h.request_api_version = api_version;
  h.correlation_id = correlation_id;
  h.client_id = client_id;
  h.encode(w, header_version >= 1 ? 1 : 0);
  if (header_version >= 2) w.write_uvarint(0);  // empty tagged-field section
}

outbuf frame(outbuf&& body) {
  const auto size = static_cast<uint32_t>(body.size());
  const char prefix[4] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                          static_cast<char>(size >> 8), static_cast<char>(size)};
  // Put the prefix in front of the first memory chunk when there is one, to save an iovec.
  auto& chunks = body.chunks();
  if (!chunks.empty()) {
    if (auto* first = std::get_if<std::string>(&chunks.front())) {
      first->insert(0, prefix, sizeof(prefix));
      outbuf out;
      for (auto& c : chunks) {
        if (auto* s = std::get_if<std::string>(&c)) {
          out.append(std::move(*s));
        } else {
          out.append(std::move(std::get<file_slice>(c)));
        }
      }
      return out;
    }
  }
  outbuf out;
  out.append(std::string(prefix, sizeof(prefix)));
  out.append(std::move(body));
  return out;
}

}  // namespace sluice::protocol
