// `sluice consume` output formatting (Kafka DefaultMessageFormatter layout, kcat-style templates).
#include "cli/record_format.h"

#include <fmt/core.h>

#include "cli/common.h"

namespace sluice::cli {

result<void> apply_consumer_property(output_format& f, std::string_view key, std::string_view value) {
  bool* flag = nullptr;
  if (key == "print.timestamp") flag = &f.print_timestamp;
  if (key == "print.partition") flag = &f.print_partition;
  if (key == "print.offset") flag = &f.print_offset;
  if (key == "print.headers") flag = &f.print_headers;
  if (key == "print.key") flag = &f.print_key;
  if (key == "print.value") flag = &f.print_value;
  if (flag != nullptr) {
    auto b = parse_bool(key, value);
    if (!b) return b.err();
    *flag = *b;
    return {};
  }
  std::string* text = nullptr;
  if (key == "key.separator") text = &f.key_separator;
  if (key == "line.separator") text = &f.line_separator;
  if (key == "headers.separator") text = &f.headers_separator;
  if (key == "headers.key.separator") text = &f.headers_key_separator;
  if (key == "null.literal") text = &f.null_literal;
  if (text == nullptr) {
    return usage_error(
        fmt::format("unknown consumer --property '{}' (known: print.key, print.value, print.timestamp, "
                    "print.offset, print.partition, print.headers, key.separator, line.separator, "
                    "headers.separator, headers.key.separator, null.literal)",
                    key));
  }
  *text = unescape(value);
  return {};
}

result<void> check_template(std::string_view tmpl) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '%') continue;
    if (i + 1 >= tmpl.size()) return usage_error("--format ends with a lone '%'");
    char d = tmpl[++i];
    if (std::string_view("sSkKtpoTh%").find(d) == std::string_view::npos) {
      return usage_error(
          fmt::format("--format: unknown directive '%{}' (use %s %S %k %K %t %p %o %T %h %%)", d));
    }
  }
  return {};
}

namespace {

void append_headers(const record_view& r, const output_format& f, std::string& out, std::string_view kv_sep,
                    std::string_view sep, bool show_none) {
  if (r.headers.empty()) {
    if (show_none) out += "NO_HEADERS";
    return;
  }
  bool first = true;
  for (const auto& [k, v] : r.headers) {
    if (!first) out += sep;
    first = false;
    out += k;
    out += kv_sep;
    out += v ? *v : std::string_view(f.null_literal);
  }
}

void format_template(const record_view& r, const output_format& f, std::string& out) {
  const std::string& t = *f.tmpl;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] != '%' || i + 1 >= t.size()) {
      out.push_back(t[i]);
      continue;
    }
    switch (t[++i]) {
      case 's':
        if (r.value) out += *r.value;
        break;
      case 'S':
        out += fmt::format("{}", r.value ? static_cast<long long>(r.value->size()) : -1LL);
        break;
      case 'k':
        if (r.key) out += *r.key;
        break;
      case 'K':
        out += fmt::format("{}", r.key ? static_cast<long long>(r.key->size()) : -1LL);
        break;
      case 't':
        out += r.topic;
        break;
      case 'p':
        out += fmt::format("{}", r.partition);
        break;
      case 'o':
        out += fmt::format("{}", r.offset);
        break;
      case 'T':
        out += fmt::format("{}", r.timestamp_ms);
        break;
      case 'h':
        append_headers(r, f, out, "=", ",", false);
        break;
      case '%':
        out.push_back('%');
        break;
      default:
        out.push_back('%');
        out.push_back(t[i]);
        break;
    }
  }
}

}  // namespace

void format_record(const record_view& r, const output_format& f, std::string& out) {
  if (f.tmpl) {
    format_template(r, f, out);
    return;
  }
  // Same field order and separators as Kafka's DefaultMessageFormatter.
  bool need_sep = false;
  auto sep = [&] {
    if (need_sep) out += f.key_separator;
    need_sep = true;
  };
  if (f.print_timestamp) {
    sep();
    switch (r.ts_kind) {
      case timestamp_kind::create_time:
        out += fmt::format("CreateTime:{}", r.timestamp_ms);
        break;
      case timestamp_kind::log_append_time:
        out += fmt::format("LogAppendTime:{}", r.timestamp_ms);
        break;
      case timestamp_kind::none:
        out += "NO_TIMESTAMP";
        break;
    }
  }
  if (f.print_partition) {
    sep();
    out += fmt::format("Partition:{}", r.partition);
  }
  if (f.print_offset) {
    sep();
    out += fmt::format("Offset:{}", r.offset);
  }
  if (f.print_headers) {
    sep();
    append_headers(r, f, out, f.headers_key_separator, f.headers_separator, true);
  }
  if (f.print_key) {
    sep();
    out += r.key ? *r.key : std::string_view(f.null_literal);
  }
  if (f.print_value) {
    sep();
    out += r.value ? *r.value : std::string_view(f.null_literal);
  }
  out += f.line_separator;
}

}  // namespace sluice::cli
