// config_def: table lookup, and parsing, validation and formatting of config values.
#include "config/config_def.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "config/config_keys.h"

namespace sluice::config {

validator at_least(double min) { return validator{.min = min}; }
validator between(double min, double max) { return validator{.min = min, .max = max}; }
validator one_of(std::vector<std::string_view> values) { return validator{.values = std::move(values)}; }
validator non_empty() { return validator{.non_empty = true}; }

const std::vector<config_key>& config_table() {
  static const std::vector<config_key> table = [] {
    auto by_name = [](const config_key& a, const config_key& b) { return a.name < b.name; };
    std::vector<config_key> broker = broker_config_keys();
    std::vector<config_key> topic = topic_config_keys();
    std::sort(broker.begin(), broker.end(), by_name);
    std::sort(topic.begin(), topic.end(), by_name);
    broker.insert(broker.end(), std::make_move_iterator(topic.begin()), std::make_move_iterator(topic.end()));
    return broker;
  }();
  return table;
}

const config_key* find_config_key(std::string_view name) {
  static const std::map<std::string_view, const config_key*> index = [] {
    std::map<std::string_view, const config_key*> m;
    for (const auto& k : config_table()) m.emplace(k.name, &k);
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

namespace {

std::string_view trim(std::string_view s) {
  auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

error invalid(const config_key& key, std::string_view raw, std::string_view reason) {
  return make_error(errc::invalid_argument,
                    fmt::format("Invalid value {} for configuration {}: {}", raw, key.name, reason));
}

std::string format_bound(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e18) return std::to_string(static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

result<void> check_range(const config_key& key, std::string_view raw, double v) {
  const auto& r = key.valid;
  if ((r.min && v < *r.min) || (r.max && v > *r.max)) {
    if (r.min && r.max) {
      return invalid(key, raw,
                     "Value must be between " + format_bound(*r.min) + " and " + format_bound(*r.max));
    }
    if (r.min) return invalid(key, raw, "Value must be at least " + format_bound(*r.min));
    return invalid(key, raw, "Value must be no more than " + format_bound(*r.max));
  }
  return {};
}

result<void> check_member(const config_key& key, std::string_view raw, std::string_view v) {
  const auto& values = key.valid.values;
  if (values.empty() || std::find(values.begin(), values.end(), v) != values.end()) return {};
  return invalid(key, raw, "String must be one of: " + fmt::format("{}", fmt::join(values, ", ")));
}

}  // namespace

result<config_value> parse_config_value(const config_key& key, std::string_view raw_in) {
  const std::string_view v = trim(raw_in);
  switch (key.type) {
    case config_type::boolean: {
      std::string lower(v);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (lower == "true") return config_value{true};
      if (lower == "false") return config_value{false};
      return invalid(key, raw_in, "Expected value to be either true or false");
    }
    case config_type::int16:
    case config_type::int32:
    case config_type::int64: {
      int64_t n = 0;
      const char* first = v.data();
      const char* last = v.data() + v.size();
      if (!v.empty() && *first == '+') ++first;  // Java's parseInt accepts a leading '+'
      auto [ptr, ec] = std::from_chars(first, last, n);
      int64_t lo = key.type == config_type::int16   ? std::numeric_limits<int16_t>::min()
                   : key.type == config_type::int32 ? std::numeric_limits<int32_t>::min()
                                                    : std::numeric_limits<int64_t>::min();
      int64_t hi = key.type == config_type::int16   ? std::numeric_limits<int16_t>::max()
                   : key.type == config_type::int32 ? std::numeric_limits<int32_t>::max()
                                                    : std::numeric_limits<int64_t>::max();
      if (v.empty() || ec != std::errc() || ptr != last || n < lo || n > hi) {
        return invalid(key, raw_in, fmt::format("Not a number of type {}", to_string(key.type)));
      }
      auto r = check_range(key, raw_in, static_cast<double>(n));
      if (!r) return r.err();
      return config_value{n};
    }
    case config_type::float64: {
      std::string s(v);
      char* end = nullptr;
      errno = 0;
      double d = s.empty() ? 0 : std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || std::isnan(d)) {
        return invalid(key, raw_in, "Not a number of type DOUBLE");
      }
      auto r = check_range(key, raw_in, d);
      if (!r) return r.err();
      return config_value{d};
    }
    case config_type::string:
    case config_type::password:
    case config_type::class_name: {
      if (key.valid.non_empty && v.empty()) return invalid(key, raw_in, "String must be non-empty");
      auto r = check_member(key, raw_in, v);
      if (!r) return r.err();
      return config_value{std::string(v)};
    }
    case config_type::list: {
      std::vector<std::string> items;
      if (!v.empty()) {
        size_t start = 0;
        while (true) {
          size_t comma = v.find(',', start);
          items.emplace_back(trim(v.substr(start, comma == std::string_view::npos ? v.npos : comma - start)));
          if (comma == std::string_view::npos) break;
          start = comma + 1;
        }
      }
      if (key.valid.non_empty && items.empty()) return invalid(key, raw_in, "List must be non-empty");
      for (const auto& item : items) {
        if (!key.valid.values.empty() &&
            std::find(key.valid.values.begin(), key.valid.values.end(), item) == key.valid.values.end()) {
          return invalid(
              key, raw_in,
              fmt::format("element '{}' must be one of: {}", item, fmt::join(key.valid.values, ", ")));
        }
      }
      return config_value{std::move(items)};
    }
  }
  return invalid(key, raw_in, "unknown type");
}

config_value default_config_value(const config_key& key) {
  if (!key.default_value) return std::monostate{};
  auto v = parse_config_value(key, *key.default_value);
  // A bad default is a bug in the table; the config test parses every default.
  return v.ok() ? std::move(v.value()) : config_value{std::monostate{}};
}

std::optional<std::string> format_config_value(const config_value& value) {
  struct visitor {
    std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }
    std::optional<std::string> operator()(bool b) const { return std::string(b ? "true" : "false"); }
    std::optional<std::string> operator()(int64_t n) const { return std::to_string(n); }
    std::optional<std::string> operator()(double d) const {
      std::string s = fmt::format("{}", d);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // Java's Double.toString style
      return s;
    }
    std::optional<std::string> operator()(const std::string& s) const { return s; }
    std::optional<std::string> operator()(const std::vector<std::string>& l) const {
      return fmt::format("{}", fmt::join(l, ","));
    }
  };
  return std::visit(visitor{}, value);
}

std::string_view to_string(config_type t) {
  switch (t) {
    case config_type::boolean:
      return "BOOLEAN";
    case config_type::int16:
      return "SHORT";
    case config_type::int32:
      return "INT";
    case config_type::int64:
      return "LONG";
    case config_type::float64:
      return "DOUBLE";
    case config_type::string:
      return "STRING";
    case config_type::list:
      return "LIST";
    case config_type::password:
      return "PASSWORD";
    case config_type::class_name:
      return "CLASS";
  }
  return "UNKNOWN";
}

int8_t kafka_config_type_id(config_type t) {
  switch (t) {
    case config_type::boolean:
      return 1;
    case config_type::string:
      return 2;
    case config_type::int32:
      return 3;
    case config_type::int16:
      return 4;
    case config_type::int64:
      return 5;
    case config_type::float64:
      return 6;
    case config_type::list:
      return 7;
    case config_type::class_name:
      return 8;
    case config_type::password:
      return 9;
  }
  return 0;
}

std::string_view to_string(importance i) {
  switch (i) {
    case importance::high:
      return "high";
    case importance::medium:
      return "medium";
    case importance::low:
      return "low";
  }
  return "";
}

std::string describe_validator(const config_key& key) {
  const auto& v = key.valid;
  if (!v.values.empty()) return fmt::format("[{}]", fmt::join(v.values, ", "));
  if (v.min && v.max) return fmt::format("[{},...,{}]", format_bound(*v.min), format_bound(*v.max));
  if (v.min) return fmt::format("[{},...]", format_bound(*v.min));
  if (v.max) return fmt::format("[...,{}]", format_bound(*v.max));
  if (v.non_empty) return "non-empty";
  return "";
}

}  // namespace sluice::config
