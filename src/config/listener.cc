// listener: listener-list, protocol-map and host:port parsing with Kafka's rules.
#include "config/listener.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace sluice::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    auto item = trim(text.substr(start, comma == text.npos ? text.npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == text.npos) break;
    start = comma + 1;
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

error bad(std::string_view key, std::string_view text, std::string_view why) {
  return make_error(errc::invalid_argument, "Invalid value " + std::string(text) + " for configuration " +
                                                std::string(key) + ": " + std::string(why));
}

// Splits "host:port" / "[v6]:port" / ":port".
result<host_port> split_host_port(std::string_view key, std::string_view whole, std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == text.npos) return bad(key, whole, "expected host:port");
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != host.npos) {
    return bad(key, whole, "IPv6 addresses must be written in brackets, e.g. [::1]:9092");
  }
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return bad(key, whole, "port must be a number from 0 to 65535");
  }
  return host_port{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace

result<std::map<std::string, std::string>> parse_security_protocol_map(std::string_view key,
                                                                       std::string_view text) {
  static const std::set<std::string> known = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
  std::map<std::string, std::string> out;
  for (auto item : split_commas(text)) {
    size_t colon = item.find(':');
    if (colon == item.npos) return bad(key, text, "expected LISTENER_NAME:SECURITY_PROTOCOL pairs");
    std::string name = upper(trim(item.substr(0, colon)));
    std::string protocol = upper(trim(item.substr(colon + 1)));
    if (name.empty() || !known.contains(protocol)) {
      return bad(key, text, "unknown security protocol '" + protocol + "'");
    }
    if (!out.emplace(name, protocol).second)
      return bad(key, text, "listener name " + name + " appears twice");
  }
  return out;
}

result<std::vector<listener_endpoint>> parse_listeners(std::string_view key, std::string_view text,
                                                       const std::map<std::string, std::string>& protocols) {
  std::vector<listener_endpoint> out;
  std::set<std::string> names;
  std::set<uint16_t> ports;
  for (auto item : split_commas(text)) {
    size_t sep = item.find("://");
    if (sep == item.npos || sep == 0)
      return bad(key, text, "expected NAME://host:port, got '" + std::string(item) + "'");
    std::string name = upper(item.substr(0, sep));
    auto hp = split_host_port(key, text, item.substr(sep + 3));
    if (!hp) return hp.err();
    auto proto = protocols.find(name);
    if (proto == protocols.end()) {
      return bad(
          key, text,
          "no security protocol defined for listener " + name + " (see listener.security.protocol.map)");
    }
    if (!names.insert(name).second)
      return bad(key, text, "each listener must have a different name (" + name + ")");
    if (hp->port != 0 && !ports.insert(hp->port).second) {
      return bad(key, text, "each listener must have a different port (" + std::to_string(hp->port) + ")");
    }
    out.push_back(listener_endpoint{name, proto->second, std::move(hp->host), hp->port});
  }
  return out;
}

result<host_port> parse_host_port(std::string_view key, std::string_view text) {
  return split_host_port(key, text, trim(text));
}

}  // namespace sluice::config
