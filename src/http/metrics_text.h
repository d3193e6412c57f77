// metrics_text: the broker snapshot in the Prometheus text exposition format, version 0.0.4.
#pragma once

#include <string>

#include "http/snapshot.h"

namespace sluice::http {

inline constexpr const char* prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

// Every family has # HELP and # TYPE lines, then samples `name{labels} value`. Families whose
// samples are per topic/partition/group are present (HELP/TYPE only) even when empty.
std::string render_metrics(const broker_snapshot& s);

}  // namespace sluice::http
