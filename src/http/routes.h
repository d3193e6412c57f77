// routes: the HTTP port's endpoints: which path renders what, and 404/400 for the rest.
#pragma once

#include <cstdint>

#include "http/http_server.h"

namespace sluice::broker {
class broker;
}

namespace sluice::http {

// GET / (console), /metrics, /v1/status, /v1/topics[/<name>], /v1/groups[/<id>] (names
// percent-decoded). REQUIRES: `b` is started; called on its shard thread. Read-only.
response route(const broker::broker& b, const request& req, uint16_t http_port);

}  // namespace sluice::http
