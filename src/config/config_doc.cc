// config_doc: markdown rendering of the config table (broker keys, then topic keys).
#include "config/config_doc.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "config/config_def.h"

namespace sluice::config {
namespace {

// Escapes the characters that would break a markdown table cell.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string code_or_null(const std::optional<std::string_view>& v) {
  if (!v) return "null";
  if (v->empty()) return "\"\"";
  return fmt::format("`{}`", cell(*v));
}

std::string describe_row(const config_key& k, bool topic_section) {
  std::string text(k.doc);
  if (!k.note.empty()) text += fmt::format(" *{}*", k.note);
  if (k.kafka_default) text += fmt::format(" (Kafka's default: `{}`.)", *k.kafka_default);
  std::string name = fmt::format("`{}`", k.name);
  if (k.support == key_support::ignored) name += " (ignored)";
  if (k.support == key_support::sluice) name += " (Sluice)";
  std::string last;
  if (topic_section) {
    std::vector<std::string_view> syn =
        k.scope == config_scope::both ? std::vector<std::string_view>{k.name} : k.synonyms;
    for (size_t i = 0; i < syn.size(); ++i) last += fmt::format("{}`{}`", i ? " ← " : "", syn[i]);
  } else {
    last = std::string(to_string(k.level));
  }
  return fmt::format("| {} | {} | {} | {} | {} | {} |\n", name, to_string(k.type),
                     code_or_null(k.default_value), cell(describe_validator(k)), last, cell(text));
}

}  // namespace

std::string render_config_reference() {
  std::string out;
  out += "## Broker configuration (server.properties)\n\n";
  out += "| Key | Type | Default | Valid values | Importance | Description |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const auto& k : config_table()) {
    if (k.broker_scoped()) out += describe_row(k, false);
  }
  out += "\n## Topic configuration (per-topic overrides)\n\n";
  out += "A topic without an override takes the value of its broker synonym (the first one set, in the\n";
  out += "order shown), else the default shown here.\n\n";
  out += "| Key | Type | Default | Valid values | Broker synonyms | Description |\n";
  out += "|---|---|---|---|---|---|\n";
  std::vector<const config_key*> topic;
  for (const auto& k : config_table()) {
    if (k.topic_scoped()) topic.push_back(&k);
  }
  std::sort(topic.begin(), topic.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const auto* k : topic) out += describe_row(*k, true);
  return out;
}

result<std::string> splice_config_reference(std::string_view document) {
  size_t begin = document.find(config_doc_begin_marker);
  size_t end = document.find(config_doc_end_marker);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return make_error(errc::invalid_argument, "docs/CONFIG.md lacks the generated-section markers");
  }
  std::string out(document.substr(0, begin + config_doc_begin_marker.size()));
  out += "\n";
  out += render_config_reference();
  out += document.substr(end);
  return out;
}

}  // namespace sluice::config
