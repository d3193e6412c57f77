// DescribeProducers (key 61): the active idempotent/transactional producers of each partition, as
// kept by the partition log's producer state (kafka-transactions.sh describe-producers).
#include "broker/broker_state.h"
#include "broker/error_mapping.h"
#include "broker/handlers.h"
#include "broker/partition_manager.h"
#include "broker/request_context.h"
#include "broker/respond.h"
#include "broker/shard_fanout.h"
#include "cluster/topic_name.h"
#include "cluster/topic_table.h"
#include "protocol/generated/describe_producers.h"

namespace sluice::broker {
namespace {
using protocol::error_code;
using response = protocol::describe_producers_response;

response::topic::partition describe(partition& p) {
  response::topic::partition out;
  out.partition_index = p.index;
  for (const auto& d : p.log->describe_producers()) {
    response::topic::partition::producer_state ps;
    ps.producer_id = d.producer_id;
    ps.producer_epoch = d.producer_epoch;
    ps.last_sequence = d.last_sequence;
    ps.last_timestamp = d.last_timestamp;
    ps.coordinator_epoch = d.coordinator_epoch;
    ps.current_txn_start_offset = d.current_txn_start_offset;
    out.active_producers.push_back(ps);
  }
  return out;
}

}  // namespace

boost::asio::awaitable<net::frame_result> handle_describe_producers(request_context& ctx) {
  protocol::describe_producers_request req;
  if (!ctx.decode(req)) co_return close_connection();
  auto& s = ctx.state;
  response resp;
  std::vector<partition_visit> visits;
  // Sized first: the visits below keep pointers into the response.
  resp.topics.resize(req.topics.size());
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& t = req.topics[ti];
    response::topic& tr = resp.topics[ti];
    tr.name = t.name;
    // Topic-level errors apply to every requested partition (Kafka's handleDescribeProducersRequest).
    error_code topic_error = error_code::none;
    std::optional<std::string> topic_message;
    if (auto why = cluster::topic_name_error(t.name); !why.empty()) {
      topic_error = error_code::invalid_topic_exception;
      topic_message = why;
    } else if (!s.topics.find(t.name)) {
      topic_error = error_code::unknown_topic_or_partition;
    }
    tr.partitions.resize(t.partition_indexes.size());
    for (size_t pi = 0; pi < t.partition_indexes.size(); ++pi) {
      auto& pr = tr.partitions[pi];
      pr.partition_index = t.partition_indexes[pi];
      if (topic_error != error_code::none) {
        pr.error_code = code_of(topic_error);
        pr.error_message = topic_message;
        continue;
      }
      visits.push_back({&t.name, pr.partition_index, [&pr](partition* p) {
                          if (p) {
                            pr = describe(*p);
                          } else {
                            pr.error_code = code_of(error_code::unknown_topic_or_partition);
                          }
                        }});
    }
  }
  co_await visit_partitions(s, visits);
  co_return respond(ctx, resp);
}

}  // namespace sluice::broker
