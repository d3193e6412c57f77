// Request/response header handling: parsing the request header of a frame, choosing header
// versions, and encoding whole responses (and requests, for tests and tools).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "base/outbuf.h"
#include "protocol/writer.h"

namespace sluice::protocol {

// The request header of one frame (the frame excludes the 4-byte size prefix).
struct parsed_request {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  size_t body_offset = 0;  // where the body starts within the frame
};

// The request header version for an API and version: 2 when that version is flexible per the API
// table, 0 for ControlledShutdown (key 7) v0, else 1. An unknown key or an unsupported version
// gives 1, so the header (and the correlation id) can still be read to answer or close.
int16_t request_header_version(int16_t api_key, int16_t api_version);

// The response header version: 0 for ApiVersions at every version (KIP-511: a client reads the
// error code before it knows the broker's versions), else 1 when the version is flexible, else 0.
int16_t response_header_version(int16_t api_key, int16_t api_version);

// Parses the header at the start of `frame`. Reads key and version first, then the rest of the
// header in the version request_header_version() picks. Returns false if the frame is too short
// or the header is malformed; never throws.
bool parse_request_header(std::span<const uint8_t> frame, parsed_request& out);

// Appends a response header (v0: correlation id; v1: plus an empty tagged-field section).
void write_response_header(writer& w, int32_t correlation_id, int16_t header_version);

// Appends a request header in the version request_header_version() picks.
void write_request_header(writer& w, int16_t api_key, int16_t api_version, int32_t correlation_id,
                          const std::optional<std::string>& client_id);

// Prepends the int32 frame size to an encoded header + body.
outbuf frame(outbuf&& body);

// Header + body of a response (no frame size; the network layer adds it with frame()).
template <class T>
outbuf encode_response(int32_t correlation_id, int16_t api_key, int16_t version, const T& body) {
  writer w;
  write_response_header(w, correlation_id, response_header_version(api_key, version));
  body.encode(w, version);
  return std::move(w).finish();
}

// Header + body of a request (no frame size), for tests, tools and fuzz corpora.
template <class T>
outbuf encode_request(int32_t correlation_id, int16_t version, const std::optional<std::string>& client_id,
                      const T& body) {
  writer w;
  write_request_header(w, T::api_key, version, correlation_id, client_id);
  body.encode(w, version);
  return std::move(w).finish();
}

}  // namespace sluice::protocol
