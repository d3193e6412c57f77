// routes: parses the request target and renders the endpoint from a snapshot scoped to it.
#include "http/routes.h"

#include <string_view>

#include "http/console_page.h"
#include "http/json_views.h"
#include "http/metrics_text.h"
#include "http/snapshot.h"
#include "http/text_escape.h"

namespace sluice::http {
namespace {

constexpr const char* json_type = "application/json";

response json_response(int status, std::string body) {
  response r;
  r.status = status;
  r.content_type = json_type;
  r.body = std::move(body);
  return r;
}

response not_found(std::string_view what) { return json_response(404, error_json(std::string(what))); }

// The path of an origin-form ("/a?b") or absolute-form ("http://host/a?b") target; "" if neither.
std::string_view path_of(std::string_view target) {
  if (target.starts_with("http://") || target.starts_with("https://")) {
    const size_t authority = target.find("//") + 2;
    const size_t slash = target.find('/', authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  if (!target.starts_with('/')) return {};
  return target.substr(0, target.find_first_of("?#"));
}

// "/v1/topics/x" with prefix "/v1/topics/" → decoded "x". False when the rest is empty or badly
// escaped.
bool name_after(std::string_view path, std::string_view prefix, std::string& name) {
  if (!path.starts_with(prefix) || path.size() == prefix.size()) return false;
  return url_decode(path.substr(prefix.size()), name) && !name.empty();
}

}  // namespace

response route(const broker::broker& b, const request& req, uint16_t http_port) {
  const std::string_view path = path_of(req.target);
  if (path.empty()) return json_response(400, error_json("bad request target"));
  snapshot_scope scope;
  if (path == "/") {
    response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = render_console(take_snapshot(b, scope, http_port));
    return r;
  }
  if (path == "/metrics") {
    response r;
    r.content_type = prometheus_content_type;
    r.body = render_metrics(take_snapshot(b, scope, http_port));
    return r;
  }
  if (path == "/v1/status") {
    scope.group_details = false;
    return json_response(200, status_json(take_snapshot(b, scope, http_port)));
  }
  if (path == "/v1/topics") {
    scope.groups = false;
    return json_response(200, topics_json(take_snapshot(b, scope, http_port)));
  }
  if (path == "/v1/groups") {
    scope.topics = false;
    scope.group_details = false;
    return json_response(200, groups_json(take_snapshot(b, scope, http_port)));
  }
  std::string name;
  if (path.starts_with("/v1/topics/")) {
    if (!name_after(path, "/v1/topics/", name))
      return json_response(400, error_json("bad topic name in path"));
    scope.groups = false;
    scope.only_topic = name;
    auto s = take_snapshot(b, scope, http_port);
    if (s.topics.empty()) return not_found("unknown topic");
    return json_response(200, topic_json(s));
  }
  if (path.starts_with("/v1/groups/")) {
    if (!name_after(path, "/v1/groups/", name)) return json_response(400, error_json("bad group id in path"));
    scope.topics = false;
    scope.only_group = name;
    auto s = take_snapshot(b, scope, http_port);
    if (s.groups.empty()) return not_found("unknown group");
    return json_response(200, group_json(s));
  }
  return not_found("no such endpoint; see /");
}

}  // namespace sluice::http
