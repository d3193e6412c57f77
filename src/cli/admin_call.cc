// admin_call: the one admin-request runner of the CLI (see the header).
#include "cli/admin_call.h"

#include <fmt/core.h>

#include <string>

#include "cli/common.h"

namespace sluice::cli {
namespace {

// Time we wait for the result event beyond the request timeout: librdkafka itself times the
// request out, so this only guards against a lost event.
constexpr int event_grace_ms = 5'000;

// Requests that change cluster state take an operation timeout: how long the broker may wait for
// the change to take effect before answering.
bool has_operation_timeout(rd_kafka_admin_op_t op) {
  return op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
         op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS;
}

}  // namespace

const char* admin_op_name(rd_kafka_admin_op_t op) {
  switch (op) {
    case RD_KAFKA_ADMIN_OP_CREATETOPICS:
      return "CreateTopics";
    case RD_KAFKA_ADMIN_OP_DELETETOPICS:
      return "DeleteTopics";
    case RD_KAFKA_ADMIN_OP_CREATEPARTITIONS:
      return "CreatePartitions";
    case RD_KAFKA_ADMIN_OP_ALTERCONFIGS:
      return "AlterConfigs";
    case RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS:
      return "DescribeConfigs";
    case RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS:
      return "ListGroups";
    case RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS:
      return "DescribeGroups";
    case RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS:
      return "OffsetFetch";
    case RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS:
      return "OffsetCommit";
    case RD_KAFKA_ADMIN_OP_DELETEGROUPS:
      return "DeleteGroups";
    case RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS:
      return "OffsetDelete";
    default:
      return "admin";
  }
}

result<event_ptr> run_admin_call(const rk_handle& h, rd_kafka_admin_op_t op, int timeout_ms,
                                 rd_kafka_event_type_t expected,
                                 const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call,
                                 const std::function<result<void>(rd_kafka_AdminOptions_t*)>& configure) {
  queue_ptr q(rd_kafka_queue_new(h.get()));
  admin_options_ptr opts(rd_kafka_AdminOptions_new(h.get(), op));
  char errstr[512];
  if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), timeout_ms, errstr, sizeof(errstr)) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return usage_error(fmt::format("invalid --timeout-ms: {}", errstr));
  }
  if (has_operation_timeout(op)) {
    rd_kafka_AdminOptions_set_operation_timeout(opts.get(), timeout_ms, errstr, sizeof(errstr));
  }
  if (configure) {
    if (auto r = configure(opts.get()); !r) return r.err();
  }
  call(opts.get(), q.get());
  const char* name = admin_op_name(op);
  event_ptr ev(rd_kafka_queue_poll(q.get(), timeout_ms + event_grace_ms));
  if (!ev) {
    return runtime_error(fmt::format("no {} result from {} after {:g} s", name, h.bootstrap(),
                                     (timeout_ms + event_grace_ms) / 1000.0),
                         errc::timed_out);
  }
  if (rd_kafka_event_type(ev.get()) != expected) {
    return runtime_error(
        fmt::format("unexpected event '{}' while waiting for {} result", rd_kafka_event_name(ev.get()), name),
        errc::internal);
  }
  rd_kafka_resp_err_t err = rd_kafka_event_error(ev.get());
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return ev;
  const char* es = rd_kafka_event_error_string(ev.get());
  std::string detail = es != nullptr ? es : rd_kafka_err2str(err);
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    rd_kafka_poll(h.get(), 0);  // serve error_cb so a connection failure is recorded
    std::string reason = h.state().last_connect_error();
    if (!reason.empty()) {
      return runtime_error(fmt::format("cannot reach {}: {} ({} timed out after {:g} s)", h.bootstrap(),
                                       reason, name, timeout_ms / 1000.0),
                           errc::timed_out);
    }
    // librdkafka sends some requests to the controller named in Metadata; without one it waits
    // until the timeout.
    const char* hint = detail.find("controller") != std::string::npos
                           ? " (librdkafka found no controller in the broker's Metadata response)"
                           : "";
    return runtime_error(
        fmt::format("{} timed out after {:g} s: {}{}", name, timeout_ms / 1000.0, detail, hint),
        errc::timed_out);
  }
  if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION) {
    return runtime_error(fmt::format("the broker at {} does not support {}: {}", h.bootstrap(), name, detail),
                         errc::not_found);
  }
  return runtime_error(fmt::format("{} failed: {}: {}", name, rd_kafka_err2name(err), detail));
}

}  // namespace sluice::cli
