// console_page: renders the snapshot as a static HTML page; every broker-supplied string is
// HTML-escaped (topic names and group ids come from clients).
#include "http/console_page.h"

#include <fmt/format.h>

#include <iterator>

#include "http/text_escape.h"

namespace sluice::http {
namespace {

constexpr const char* head = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice broker {}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;margin-bottom:1.5em}}
th,td{{border:1px solid #ccc;padding:.25em .6em;text-align:left}}
td.n{{text-align:right;font-variant-numeric:tabular-nums}}
th{{background:#f3f3f3}}
</style></head><body>
<h1>Sluice broker {}</h1>
<p>Machine-readable: <a href="/metrics">/metrics</a> (Prometheus) &middot;
<a href="/v1/status">/v1/status</a> &middot; <a href="/v1/topics">/v1/topics</a> &middot;
<a href="/v1/groups">/v1/groups</a></p>
)";

void row(std::string& out, std::string_view key, std::string_view value_html) {
  fmt::format_to(std::back_inserter(out), "<tr><th>{}</th><td>{}</td></tr>\n", key, value_html);
}

}  // namespace

std::string render_console(const broker_snapshot& s) {
  const auto& i = s.info;
  std::string out = fmt::format(fmt::runtime(head), i.node_id, i.node_id);
  out += "<h2>Status</h2>\n<table>\n";
  row(out, "cluster id", html_escape(i.cluster_id));
  row(out, "version", html_escape(i.version));
  row(out, "uptime", fmt::format("{} s", i.stats.uptime.count() / 1000));
  row(out, "Kafka listener",
      html_escape(fmt::format("{}:{} (advertised {}:{})", i.stats.listen_host, i.stats.listen_port,
                              i.advertised_host, i.advertised_port)));
  row(out, "data dir", html_escape(i.stats.data_dir));
  row(out, "connections", std::to_string(i.stats.connections_open));
  row(out, "partitions", std::to_string(s.partition_count));
  row(out, "group-commit fsyncs", std::to_string(i.stats.fsync_count));
  out += "</table>\n";

  out +=
      "<h2>Topics</h2>\n<table>\n<tr><th>topic</th><th>partitions</th><th>end "
      "offsets</th><th>bytes</th></tr>\n";
  for (const auto& t : s.topics) {
    int64_t end = 0, bytes = 0;
    for (const auto& p : t.partitions) {
      end += p.log_end_offset;
      bytes += p.size_bytes;
    }
    fmt::format_to(std::back_inserter(out),
                   "<tr><td><a href=\"/v1/topics/{}\">{}</a>{}</td><td class=n>{}</td><td class=n>{}</td>"
                   "<td class=n>{}</td></tr>\n",
                   url_encode(t.name), html_escape(t.name), t.internal ? " (internal)" : "",
                   t.partition_count, end, bytes);
  }
  out += "</table>\n";

  out +=
      "<h2>Consumer "
      "groups</h2>\n<table>\n<tr><th>group</th><th>state</th><th>members</th><th>lag</th></tr>\n";
  for (const auto& g : s.groups) {
    int64_t lag = 0;
    for (const auto& o : g.offsets) lag += o.lag.value_or(0);
    fmt::format_to(
        std::back_inserter(out),
        "<tr><td><a href=\"/v1/groups/{}\">{}</a></td><td>{}</td><td class=n>{}</td><td class=n>{}</td>"
        "</tr>\n",
        url_encode(g.group_id), html_escape(g.group_id), html_escape(g.state), g.members.size(), lag);
  }
  out += "</table>\n</body></html>\n";
  return out;
}

}  // namespace sluice::http
