// Topic name rules (Kafka's): validation and the '.'/'_' collision check.
#pragma once

#include <string>
#include <string_view>

namespace sluice::cluster {

inline constexpr size_t max_topic_name_length = 249;

// Returns an empty string when `name` is a legal topic name, else the reason it is not.
std::string topic_name_error(std::string_view name);

// Kafka treats '.' and '_' as colliding in metric names: "a.b" and "a_b" cannot both exist.
std::string collision_key(std::string_view name);

// Names Sluice reserves for its internal topics.
bool is_internal_topic(std::string_view name);

}  // namespace sluice::cluster
