// handlers: the API key → handler table.
#include "broker/handlers.h"

#include <array>

namespace sluice::broker {
namespace {

// Kafka API keys, as assigned by the Kafka protocol.
constexpr std::array<handler_entry, 30> table{{
    {0, &handle_produce},
    {1, &handle_fetch},
    {2, &handle_list_offsets},
    {3, &handle_metadata},
    {8, &handle_offset_commit},
    {9, &handle_offset_fetch},
    {10, &handle_find_coordinator},
    {11, &handle_join_group},
    {12, &handle_heartbeat},
    {13, &handle_leave_group},
    {14, &handle_sync_group},
    {15, &handle_describe_groups},
    {16, &handle_list_groups},
    {18, &handle_api_versions},
    {19, &handle_create_topics},
    {20, &handle_delete_topics},
    {21, &handle_delete_records},
    {22, &handle_init_producer_id},
    {23, &handle_offset_for_leader_epoch},
    {32, &handle_describe_configs},
    {33, &handle_alter_configs},
    {37, &handle_create_partitions},
    {42, &handle_delete_groups},
    {43, &handle_elect_leaders},
    {44, &handle_incremental_alter_configs},
    {45, &handle_alter_partition_reassignments},
    {46, &handle_list_partition_reassignments},
    {47, &handle_offset_delete},
    {60, &handle_describe_cluster},
    {61, &handle_describe_producers},
}};

}  // namespace

std::span<const handler_entry> registered_handlers() { return table; }

handler_fn find_handler(int16_t api_key) {
  for (const auto& e : table) {
    if (e.api_key == api_key) return e.fn;
  }
  return nullptr;
}

}  // namespace sluice::broker
