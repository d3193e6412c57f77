// json_views: the /v1 JSON documents (status, topics, one topic, groups, one group), rendered
// from a broker snapshot with nlohmann-json.
#pragma once

#include <string>

#include "http/snapshot.h"

namespace sluice::http {

// Each returns the document as text (pretty-printed; invalid UTF-8 in names replaced by U+FFFD).
std::string status_json(const broker_snapshot& s);
std::string topics_json(const broker_snapshot& s);
// REQUIRES: s.topics holds exactly the requested topic.
std::string topic_json(const broker_snapshot& s);
std::string groups_json(const broker_snapshot& s);
// REQUIRES: s.groups holds exactly the requested group (with details).
std::string group_json(const broker_snapshot& s);
// {"error": message}, for 4xx answers.
std::string error_json(const std::string& message);

}  // namespace sluice::http
