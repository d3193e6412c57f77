// error_mapping: the one place where internal errors become Kafka error codes.
#pragma once

#include "base/result.h"
#include "cluster/topic_table.h"
#include "protocol/error_code.h"
#include "storage/append_result.h"

namespace sluice::broker {

protocol::error_code to_kafka_error(storage::append_errc code);
protocol::error_code to_kafka_error(cluster::topic_error code);
protocol::error_code to_kafka_error(errc code);

inline int16_t code_of(protocol::error_code c) { return protocol::to_int(c); }

}  // namespace sluice::broker
