// describe: builds DescribeConfigs entries and their synonym chains from the config table.
#include "config/describe.h"

#include <algorithm>

#include "config/topic_config.h"

namespace sluice::config {
namespace {

// Synonyms contributed by one broker key: its static value if set, then its default if non-null.
void add_broker_synonyms(const broker_config& broker, std::string_view name,
                         std::vector<config_synonym_view>& out) {
  const config_key* key = find_config_key(name);
  if (key == nullptr) return;
  const bool hide = key->sensitive();
  if (auto it = broker.explicit_values.find(name); it != broker.explicit_values.end()) {
    out.push_back({std::string(name), hide ? std::nullopt : std::optional<std::string>(it->second),
                   config_source::static_broker_config});
  }
  if (key->default_value) {
    out.push_back({std::string(name), hide ? std::nullopt : format_config_value(default_config_value(*key)),
                   config_source::default_config});
  }
}

config_entry_view entry_for(const config_key& key) {
  config_entry_view e;
  e.name = std::string(key.name);
  e.is_sensitive = key.sensitive();
  e.type = key.type;
  e.documentation = key.doc;
  return e;
}

}  // namespace

std::vector<config_entry_view> describe_broker_configs(const broker_config& broker) {
  std::vector<config_entry_view> out;
  for (const auto& key : config_table()) {
    if (!key.broker_scoped()) continue;
    config_entry_view e = entry_for(key);
    e.read_only = true;
    e.value = e.is_sensitive ? std::nullopt : broker.value_string(key.name);
    add_broker_synonyms(broker, key.name, e.synonyms);
    for (auto lower : key.synonyms) add_broker_synonyms(broker, lower, e.synonyms);
    e.source = broker.is_set(key.name) ? config_source::static_broker_config : config_source::default_config;
    e.is_default = e.source == config_source::default_config;
    out.push_back(std::move(e));
  }
  return out;
}

result<std::vector<config_entry_view>> describe_topic_configs(
    const broker_config& broker, const std::map<std::string, std::string>& overrides) {
  auto topic = topic_config::resolve(broker, overrides);
  if (!topic) return topic.err();
  std::vector<config_entry_view> out;
  for (const auto& key : config_table()) {
    if (!key.topic_scoped()) continue;
    config_entry_view e = entry_for(key);
    e.read_only = false;
    e.value = e.is_sensitive ? std::nullopt : topic->value_string(key.name);
    if (auto it = topic->overrides.find(key.name); it != topic->overrides.end()) {
      e.synonyms.push_back({std::string(key.name), e.value, config_source::dynamic_topic_config});
    }
    // A key shared with the broker (scope both) is its own broker synonym.
    if (key.scope == config_scope::both) {
      add_broker_synonyms(broker, key.name, e.synonyms);
    } else {
      for (auto name : key.synonyms) add_broker_synonyms(broker, name, e.synonyms);
    }
    e.source = e.synonyms.empty() ? config_source::default_config : e.synonyms.front().source;
    e.is_default = e.source == config_source::default_config;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace sluice::config
