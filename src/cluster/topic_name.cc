// Topic name validation, following Kafka's Topic.validate rules.
#include "cluster/topic_name.h"

namespace sluice::cluster {

std::string topic_name_error(std::string_view name) {
  if (name.empty()) return "topic name is empty";
  if (name == "." || name == "..") return "topic name cannot be '.' or '..'";
  if (name.size() > max_topic_name_length) {
    return "topic name is longer than " + std::to_string(max_topic_name_length) + " characters";
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return "topic name contains characters other than ASCII alphanumerics, '.', '_' and '-'";
  }
  return {};
}

std::string collision_key(std::string_view name) {
  std::string key(name);
  for (char& c : key) {
    if (c == '.') c = '_';
  }
  return key;
}

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

}  // namespace sluice::cluster
