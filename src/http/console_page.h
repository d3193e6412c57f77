// console_page: GET / — one self-contained HTML page (no scripts, no external assets) with the
// broker status, topics and groups tables and links to the machine-readable endpoints.
#pragma once

#include <string>

#include "http/snapshot.h"

namespace sluice::http {

std::string render_console(const broker_snapshot& s);

}  // namespace sluice::http
