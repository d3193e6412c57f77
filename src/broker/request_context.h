// request_context: everything a handler gets for one request: the parsed header, the body bytes
// (a view into the frame, which the context owns), the connection, and the broker's state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/server.h"
#include "protocol/reader.h"
#include "protocol/request_header.h"

namespace sluice::broker {

class broker_state;

// Lives for the duration of one handler coroutine. Not shared between threads.
struct request_context {
  broker_state& state;
  const net::connection_info& conn;
  net::frame_bytes frame;  // owns the bytes that decoded `records` views point into
  protocol::parsed_request header;

  int16_t api_key() const { return header.api_key; }
  int16_t version() const { return header.api_version; }
  std::span<const uint8_t> body() const {
    return std::span<const uint8_t>(frame).subspan(header.body_offset);
  }
  // A mutable view of bytes inside the frame (produce patches batch offsets in place).
  // REQUIRES: `view` points into `frame`.
  std::span<uint8_t> mutable_view(std::span<const uint8_t> view) {
    return {frame.data() + (view.data() - frame.data()), view.size()};
  }

  // Decodes the body as T. Returns false (and the dispatcher closes the connection) if malformed.
  template <class T>
  bool decode(T& out) const {
    protocol::reader r(body());
    return out.decode(r, version()) && r.ok();
  }
};

}  // namespace sluice::broker
