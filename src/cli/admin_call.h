// admin_call: runs one librdkafka admin request and waits for its result event on a private queue,
// turning a timeout, an unsupported API or a top-level error into a clear CLI error. Shared by the
// topic/config commands (admin.cc) and the group commands (group_requests.cc).
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>

#include "base/result.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

// The Kafka API name of an admin operation, for messages.
const char* admin_op_name(rd_kafka_admin_op_t op);

// `call(options, queue)` must enqueue the request; `configure(options)`, if given, sets
// operation-specific options. Returns the result event after checking its type and top-level
// error. An API the broker does not support fails with errc::not_found (callers may fall back).
result<event_ptr> run_admin_call(const rk_handle& h, rd_kafka_admin_op_t op, int timeout_ms,
                                 rd_kafka_event_type_t expected,
                                 const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& call,
                                 const std::function<result<void>(rd_kafka_AdminOptions_t*)>& configure = {});

}  // namespace sluice::cli
