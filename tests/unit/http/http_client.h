// http_client: a blocking loopback HTTP client over raw sockets for the http tests: sends exact
// bytes (malformed requests included) and reads whatever the server answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace sluice::http::test {

using namespace std::chrono_literals;

struct http_reply {
  int status = 0;                              // 0: no parsable status line
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// One connection. Not thread-safe.
class raw_connection {
 public:
  explicit raw_connection(uint16_t port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool send(const std::string& bytes);
  // Reads one response (headers, then Content-Length bytes of body unless `head`); nullopt on
  // EOF/reset/timeout before a complete one.
  std::optional<http_reply> read_reply(bool head = false, std::chrono::milliseconds timeout = 10s);
  // True when the server closes (EOF or reset) within `timeout`, discarding anything it sends.
  bool closed_by_peer(std::chrono::milliseconds timeout = 10s);

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffered_;
};

// GET `path` on a fresh connection; status 0 if nothing complete came back.
http_reply get(uint16_t port, const std::string& path);

// Parses a Prometheus text body: every line is a HELP/TYPE comment or `name{labels} value`.
// Returns "" if the syntax holds, else the first bad line.
std::string check_prometheus_syntax(const std::string& body);
// The value of the sample whose `name{labels}` text is exactly `series`; nullopt if absent.
std::optional<double> sample_value(const std::string& body, const std::string& series);

}  // namespace sluice::http::test
