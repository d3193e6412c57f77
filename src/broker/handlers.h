// handlers: the table of Kafka API handlers (one file per API: handle_<api>.cc).
#pragma once

#include <cstdint>
#include <span>

#include "net/server.h"

namespace sluice::broker {

struct request_context;

using handler_fn = boost::asio::awaitable<net::frame_result> (*)(request_context&);

struct handler_entry {
  int16_t api_key;
  handler_fn fn;
};

// Every API this broker serves. ApiVersions advertises the intersection of this table and the
// generated schema table, so an API is only advertised once it is both decodable and handled.
std::span<const handler_entry> registered_handlers();
handler_fn find_handler(int16_t api_key);

boost::asio::awaitable<net::frame_result> handle_produce(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_fetch(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_list_offsets(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_metadata(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_find_coordinator(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_api_versions(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_create_topics(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_delete_topics(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_delete_records(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_elect_leaders(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_alter_partition_reassignments(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_list_partition_reassignments(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_init_producer_id(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_offset_for_leader_epoch(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_describe_configs(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_alter_configs(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_create_partitions(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_incremental_alter_configs(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_describe_cluster(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_describe_producers(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_offset_commit(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_offset_fetch(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_join_group(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_heartbeat(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_leave_group(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_sync_group(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_describe_groups(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_list_groups(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_delete_groups(request_context& ctx);
boost::asio::awaitable<net::frame_result> handle_offset_delete(request_context& ctx);

}  // namespace sluice::broker
