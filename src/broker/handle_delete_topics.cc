// DeleteTopics (key 20): deletes topics by name (v0-5: topic_names) or, from v6, by name or topic
// id, following the checks of Kafka's controller (ControllerApis.deleteTopics).
#include <map>
#include <set>

#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/topic_admin.h"
#include "cluster/topic_table.h"
#include "protocol/generated/delete_topics.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::delete_topics_response;

// One requested topic, after resolving its id: what to delete, or why not.
struct target {
  std::optional<std::string> name;  // null for an id we could not resolve
  uuid_bytes id{};
  error_code error = error_code::none;
  std::optional<std::string> message;
};

std::vector<target> requested(const request_context& ctx, const protocol::delete_topics_request& req) {
  std::vector<target> out;
  if (ctx.version() < 6) {
    for (const auto& n : req.topic_names) out.push_back({n, {}, error_code::none, std::nullopt});
    return out;
  }
  for (const auto& t : req.topics) out.push_back({t.name, t.topic_id, error_code::none, std::nullopt});
  return out;
}

void refuse(target& t, error_code code, std::string message) {
  t.error = code;
  t.message = std::move(message);
}

// Every check that does not change anything, so that a name and an id naming the same topic are
// caught before either is deleted.
void check(broker_state& s, std::vector<target>& targets) {
  std::map<std::string, int> names;
  std::map<uuid_bytes, int> ids;
  for (const auto& t : targets) {
    if (t.name && is_zero(t.id)) ++names[*t.name];
    if (!t.name && !is_zero(t.id)) ++ids[t.id];
  }
  std::set<std::string> resolved;
  for (auto& t : targets) {
    if (!t.name && is_zero(t.id)) {
      refuse(t, error_code::invalid_request, "Neither topic name nor id were specified.");
    } else if (t.name && !is_zero(t.id)) {
      refuse(t, error_code::invalid_request, "You may not specify both topic name and topic id.");
    } else if (t.name && names[*t.name] > 1) {
      refuse(t, error_code::invalid_request, "Duplicate topic name.");
    } else if (!t.name && ids[t.id] > 1) {
      refuse(t, error_code::invalid_request, "Duplicate topic id.");
    } else if (!t.name) {
      const auto* info = s.topics.find_by_id(t.id);
      if (!info) {
        refuse(t, error_code::unknown_topic_id, "This server does not host this topic ID.");
        continue;
      }
      t.name = info->name;
    } else {
      const auto* info = s.topics.find(*t.name);
      if (!info) {
        refuse(t, error_code::unknown_topic_or_partition, "This server does not host this topic-partition.");
        continue;
      }
      t.id = info->id;
    }
    if (t.error == error_code::none && !resolved.insert(*t.name).second) {
      refuse(t, error_code::invalid_request,
             "The provided topic name maps to an ID that was already supplied.");
    }
  }
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_delete_topics(request_context& ctx) {
  protocol::delete_topics_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  std::vector<target> targets = requested(ctx, req);
  if (!s.admin.defaults().delete_enabled) {
    // Kafka answers INVALID_REQUEST to clients older than TOPIC_DELETION_DISABLED (v3).
    const auto code = ctx.version() < 3 ? error_code::invalid_request : error_code::topic_deletion_disabled;
    for (auto& t : targets) refuse(t, code, "Topic deletion is disabled.");
  } else {
    check(s, targets);
    for (auto& t : targets) {
      if (t.error != error_code::none) continue;
      if (auto r = s.admin.remove(*t.name); !r.ok()) refuse(t, to_kafka_error(r.code), r.message);
    }
  }
  response resp;
  for (auto& t : targets) {
    response::topic_result r;
    // A name is required on the wire before v6; an unresolved id there cannot happen.
    r.name = ctx.version() < 6 ? std::optional<std::string>(t.name.value_or("")) : t.name;
    r.topic_id = t.id;
    r.error_code = code_of(t.error);
    r.error_message = t.message;
    resp.responses.push_back(std::move(r));
  }
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
