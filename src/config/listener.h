// listener: parsing of listener endpoints (NAME://host:port), the security protocol map, and
// host:port pairs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sluice::config {

struct listener_endpoint {
  std::string name;               // upper-cased listener name, e.g. "PLAINTEXT"
  std::string security_protocol;  // from listener.security.protocol.map, e.g. "PLAINTEXT"
  std::string host;               // may be empty: every interface (listen) / this host's name (advertise)
  uint16_t port = 0;
  bool operator==(const listener_endpoint&) const = default;
};

struct host_port {
  std::string host;
  uint16_t port = 0;
  bool operator==(const host_port&) const = default;
};

// Parses "A:B,C:D" (listener.security.protocol.map); names upper-cased.
result<std::map<std::string, std::string>> parse_security_protocol_map(std::string_view key,
                                                                       std::string_view text);

// Parses a comma-separated listener list. IPv6 hosts go in brackets ("PLAINTEXT://[::1]:9092").
// Errors name `key`: bad syntax, port outside 0-65535, a name missing from `protocols`, a
// duplicate listener name or port.
result<std::vector<listener_endpoint>> parse_listeners(std::string_view key, std::string_view text,
                                                       const std::map<std::string, std::string>& protocols);

// Parses "host:port" ("[::1]:9644" for IPv6). Errors name `key`.
result<host_port> parse_host_port(std::string_view key, std::string_view text);

}  // namespace sluice::config
