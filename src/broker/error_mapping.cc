// error_mapping: internal error enums → Kafka error codes.
#include "broker/error_mapping.h"

namespace sluice::broker {
using protocol::error_code;

error_code to_kafka_error(storage::append_errc code) {
  switch (code) {
    case storage::append_errc::out_of_order_sequence:
      return error_code::out_of_order_sequence_number;
    case storage::append_errc::invalid_producer_epoch:
      return error_code::invalid_producer_epoch;
    case storage::append_errc::unknown_producer_id:
      return error_code::unknown_producer_id;
    case storage::append_errc::record_too_large:
      return error_code::message_too_large;
    case storage::append_errc::invalid_record:
      return error_code::corrupt_message;
    case storage::append_errc::no_space:
      return error_code::kafka_storage_error;
    case storage::append_errc::io_error:
      return error_code::kafka_storage_error;
    case storage::append_errc::closed:
      return error_code::not_leader_or_follower;
  }
  return error_code::unknown_server_error;
}

error_code to_kafka_error(cluster::topic_error code) {
  switch (code) {
    case cluster::topic_error::none:
      return error_code::none;
    case cluster::topic_error::invalid_name:
      return error_code::invalid_topic_exception;
    case cluster::topic_error::already_exists:
      return error_code::topic_already_exists;
    case cluster::topic_error::not_found:
      return error_code::unknown_topic_or_partition;
    case cluster::topic_error::invalid_partitions:
      return error_code::invalid_partitions;
    case cluster::topic_error::storage:
      return error_code::kafka_storage_error;
    case cluster::topic_error::invalid_config:
      return error_code::invalid_config;
    case cluster::topic_error::invalid_replication_factor:
      return error_code::invalid_replication_factor;
    case cluster::topic_error::invalid_request:
      return error_code::invalid_request;
    case cluster::topic_error::invalid_replica_assignment:
      return error_code::invalid_replica_assignment;
    case cluster::topic_error::no_reassignment:
      return error_code::no_reassignment_in_progress;
  }
  return error_code::unknown_server_error;
}

error_code to_kafka_error(errc code) {
  switch (code) {
    case errc::out_of_range:
      return error_code::offset_out_of_range;
    case errc::not_found:
      return error_code::unknown_topic_or_partition;
    case errc::invalid_argument:
      return error_code::invalid_request;
    case errc::timed_out:
      return error_code::request_timed_out;
    case errc::shutting_down:
      return error_code::not_leader_or_follower;
    case errc::io_error:
    case errc::no_space:
    case errc::corruption:
      return error_code::kafka_storage_error;
    case errc::already_exists:
    case errc::internal:
      return error_code::unknown_server_error;
  }
  return error_code::unknown_server_error;
}

}  // namespace sluice::broker
