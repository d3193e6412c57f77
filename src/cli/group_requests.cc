// Consumer-group admin requests: each builds librdkafka admin objects, waits for the result
// event on a private queue and copies the outcome into group_model structs.
#include "cli/group_requests.h"

#include <fmt/core.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "cli/admin_call.h"

namespace sluice::cli {

namespace {

struct error_deleter {
  void operator()(rd_kafka_error_t* e) const { rd_kafka_error_destroy(e); }
};
using error_ptr = std::unique_ptr<rd_kafka_error_t, error_deleter>;

std::string error_text(const rd_kafka_error_t* e) {
  const char* s = rd_kafka_error_string(e);
  return fmt::format("{}: {}", rd_kafka_error_name(e), s != nullptr ? s : "");
}

tpl_ptr to_tpl(const std::vector<topic_partition>& tps) {
  tpl_ptr l(rd_kafka_topic_partition_list_new(static_cast<int>(tps.size())));
  for (const auto& tp : tps) rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition);
  return l;
}

std::vector<topic_partition> from_tpl(const rd_kafka_topic_partition_list_t* l) {
  std::vector<topic_partition> out;
  if (l == nullptr) return out;
  for (int i = 0; i < l->cnt; ++i) out.push_back({l->elems[i].topic, l->elems[i].partition});
  return out;
}

// The single group result of an OffsetFetch/OffsetCommit/OffsetDelete event, with its
// group-level error turned into an error.
result<const rd_kafka_group_result_t*> single_group_result(const rd_kafka_group_result_t** res, size_t cnt,
                                                           const std::string& group, const char* what) {
  if (cnt != 1 || res == nullptr)
    return runtime_error(fmt::format("{} returned no result for the group", what));
  if (const rd_kafka_error_t* e = rd_kafka_group_result_error(res[0]); e != nullptr) {
    group_outcome o{group, rd_kafka_error_code(e), rd_kafka_error_string(e) ? rd_kafka_error_string(e) : ""};
    return runtime_error(group_error_message(what, o));
  }
  return res[0];
}

std::vector<partition_outcome> partition_outcomes(const rd_kafka_group_result_t* r) {
  std::vector<partition_outcome> out;
  const rd_kafka_topic_partition_list_t* l = rd_kafka_group_result_partitions(r);
  if (l == nullptr) return out;
  for (int i = 0; i < l->cnt; ++i)
    out.push_back({{l->elems[i].topic, l->elems[i].partition}, l->elems[i].err});
  return out;
}

}  // namespace

result<std::vector<group_listing>> list_groups(const rk_handle& h, const std::vector<std::string>& states,
                                               int timeout_ms) {
  std::vector<rd_kafka_consumer_group_state_t> codes;
  for (const auto& s : states) {
    auto c = rd_kafka_consumer_group_state_code(s.c_str());
    if (c == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) {
      return usage_error(fmt::format(
          "unknown group state '{}': use Stable, Empty, PreparingRebalance, CompletingRebalance or Dead", s));
    }
    codes.push_back(c);
  }
  auto ev = run_admin_call(
      h, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms, RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
      [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) { rd_kafka_ListConsumerGroups(h.get(), o, q); },
      [&](rd_kafka_AdminOptions_t* o) -> result<void> {
        if (codes.empty()) return {};
        error_ptr e(rd_kafka_AdminOptions_set_match_consumer_group_states(o, codes.data(), codes.size()));
        if (e) return usage_error(fmt::format("--state: {}", error_text(e.get())));
        return {};
      });
  if (!ev) return ev.err();
  const auto* res = rd_kafka_event_ListConsumerGroups_result(ev->get());
  size_t nerr = 0;
  const rd_kafka_error_t** errs = rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
  if (nerr > 0) {
    // librdkafka asks every broker; one failing broker makes the listing incomplete.
    return runtime_error(fmt::format("ListGroups failed: {}", error_text(errs[0])));
  }
  size_t cnt = 0;
  const rd_kafka_ConsumerGroupListing_t** valid = rd_kafka_ListConsumerGroups_result_valid(res, &cnt);
  std::vector<group_listing> out;
  for (size_t i = 0; i < cnt; ++i) {
    out.push_back({rd_kafka_ConsumerGroupListing_group_id(valid[i]),
                   rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(valid[i])),
                   rd_kafka_ConsumerGroupListing_is_simple_consumer_group(valid[i]) != 0});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  return out;
}

result<group_description> describe_group(const rk_handle& h, const std::string& group, int timeout_ms) {
  const char* names[] = {group.c_str()};
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms,
                           RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_DescribeConsumerGroups(h.get(), names, 1, o, q);
                           });
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(ev->get()), &cnt);
  if (cnt != 1) return runtime_error("DescribeGroups returned no result for the group");
  const auto* d = groups[0];
  if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(d); e != nullptr) {
    return runtime_error(group_error_message(
        "describe",
        {group, rd_kafka_error_code(e), rd_kafka_error_string(e) ? rd_kafka_error_string(e) : ""}));
  }
  group_description g;
  g.group_id = rd_kafka_ConsumerGroupDescription_group_id(d);
  g.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
  g.simple = rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) != 0;
  if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(d); a != nullptr) g.assignor = a;
  if (const rd_kafka_Node_t* n = rd_kafka_ConsumerGroupDescription_coordinator(d); n != nullptr) {
    g.coordinator_id = rd_kafka_Node_id(n);
    if (const char* host = rd_kafka_Node_host(n); host != nullptr) g.coordinator_host = host;
    g.coordinator_port = rd_kafka_Node_port(n);
  }
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(d); ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
    group_member gm;
    auto str = [](const char* s) { return s != nullptr ? std::string(s) : std::string(); };
    gm.member_id = str(rd_kafka_MemberDescription_consumer_id(m));
    if (const char* inst = rd_kafka_MemberDescription_group_instance_id(m); inst != nullptr) {
      gm.group_instance_id = inst;
    }
    gm.client_id = str(rd_kafka_MemberDescription_client_id(m));
    gm.host = str(rd_kafka_MemberDescription_host(m));
    if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m); a != nullptr) {
      gm.assignment = from_tpl(rd_kafka_MemberAssignment_partitions(a));
    }
    g.members.push_back(std::move(gm));
  }
  return g;
}

result<offset_map> committed_offsets(const rk_handle& h, const std::string& group, int timeout_ms) {
  // nullptr partitions: OffsetFetch with topics = null, i.e. every committed offset.
  rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms,
                           RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_ListConsumerGroupOffsets(h.get(), &req, 1, o, q);
                           });
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_group_result_t** res = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev->get()), &cnt);
  auto r = single_group_result(res, cnt, group, "read offsets of");
  if (!r) return r.err();
  offset_map out;
  const rd_kafka_topic_partition_list_t* l = rd_kafka_group_result_partitions(*r);
  for (int i = 0; l != nullptr && i < l->cnt; ++i) {
    const auto& e = l->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return runtime_error(fmt::format("cannot read the committed offset of {}-{} for group '{}': {}",
                                       e.topic, e.partition, group, describe_err(e.err)));
    }
    if (e.offset >= 0) out[{e.topic, e.partition}] = e.offset;
  }
  return out;
}

result<std::vector<partition_outcome>> alter_committed_offsets(const rk_handle& h, const std::string& group,
                                                               const offset_map& offsets, int timeout_ms) {
  tpl_ptr l(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, off] : offsets) {
    rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition)->offset = off;
  }
  rd_kafka_AlterConsumerGroupOffsets_t* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), l.get());
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms,
                           RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_AlterConsumerGroupOffsets(h.get(), &req, 1, o, q);
                           });
  rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_group_result_t** res = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev->get()), &cnt);
  auto r = single_group_result(res, cnt, group, "commit offsets of");
  if (!r) return r.err();
  return partition_outcomes(*r);
}

result<std::vector<group_outcome>> delete_groups(const rk_handle& h, const std::vector<std::string>& groups,
                                                 int timeout_ms) {
  std::vector<rd_kafka_DeleteGroup_t*> dels;
  for (const auto& g : groups) dels.push_back(rd_kafka_DeleteGroup_new(g.c_str()));
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout_ms, RD_KAFKA_EVENT_DELETEGROUPS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_DeleteGroups(h.get(), dels.data(), dels.size(), o, q);
                           });
  rd_kafka_DeleteGroup_destroy_array(dels.data(), dels.size());
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_group_result_t** res =
      rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev->get()), &cnt);
  std::vector<group_outcome> out;
  for (size_t i = 0; i < cnt; ++i) {
    group_outcome o;
    o.group_id = rd_kafka_group_result_name(res[i]);
    if (const rd_kafka_error_t* e = rd_kafka_group_result_error(res[i]); e != nullptr) {
      o.err = rd_kafka_error_code(e);
      if (const char* s = rd_kafka_error_string(e); s != nullptr) o.message = s;
    }
    out.push_back(std::move(o));
  }
  return out;
}

result<std::vector<partition_outcome>> delete_committed_offsets(const rk_handle& h, const std::string& group,
                                                                const std::vector<topic_partition>& tps,
                                                                int timeout_ms) {
  tpl_ptr l = to_tpl(tps);
  rd_kafka_DeleteConsumerGroupOffsets_t* req =
      rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), l.get());
  auto ev = run_admin_call(h, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout_ms,
                           RD_KAFKA_EVENT_DELETECONSUMERGROUPOFFSETS_RESULT,
                           [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                             rd_kafka_DeleteConsumerGroupOffsets(h.get(), &req, 1, o, q);
                           });
  rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
  if (!ev) return ev.err();
  size_t cnt = 0;
  const rd_kafka_group_result_t** res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
      rd_kafka_event_DeleteConsumerGroupOffsets_result(ev->get()), &cnt);
  auto r = single_group_result(res, cnt, group, "delete offsets of");
  if (!r) return r.err();
  return partition_outcomes(*r);
}

namespace {
const char* offsets_what(int64_t timestamp) {
  return timestamp == RD_KAFKA_OFFSET_END         ? "the log end offset"
         : timestamp == RD_KAFKA_OFFSET_BEGINNING ? "the log start offset"
                                                  : "the offset for the time";
}
}  // namespace

result<std::map<topic_partition, listed_offset>> list_offsets(const rk_handle& h,
                                                              const std::vector<topic_partition>& tps,
                                                              int64_t timestamp, int timeout_ms) {
  std::map<topic_partition, listed_offset> out;
  if (tps.empty()) return out;
  tpl_ptr l = to_tpl(tps);
  // offsets_for_times sends each "offset" field as ListOffsets' timestamp, so the sentinels -1
  // (latest) and -2 (earliest) give log end and start offsets, batched per leader.
  for (int i = 0; i < l->cnt; ++i) l->elems[i].offset = timestamp;
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(h.get(), l.get(), timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return runtime_error(fmt::format("cannot read {}: {}", offsets_what(timestamp), describe_err(err)),
                         err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::timed_out : errc::io_error);
  }
  for (int i = 0; i < l->cnt; ++i) {
    const auto& e = l->elems[i];
    listed_offset lo;
    lo.err = e.err;
    if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0) lo.offset = e.offset;
    out[{e.topic, e.partition}] = lo;
  }
  return out;
}

result<offset_map> list_offsets_strict(const rk_handle& h, const std::vector<topic_partition>& tps,
                                       int64_t timestamp, int timeout_ms) {
  auto listed = list_offsets(h, tps, timestamp, timeout_ms);
  if (!listed) return listed.err();
  offset_map out;
  for (const auto& [tp, lo] : *listed) {
    if (lo.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return runtime_error(fmt::format("cannot read {} of {}-{}: {}", offsets_what(timestamp), tp.topic,
                                       tp.partition, describe_err(lo.err)));
    }
    out[tp] = lo.offset.value_or(-1);
  }
  return out;
}

std::string group_error_message(std::string_view verb, const group_outcome& o) {
  std::string detail = o.message.empty() ? rd_kafka_err2str(o.err) : o.message;
  switch (o.err) {
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
      return fmt::format("group '{}' does not exist", o.group_id);
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
      return fmt::format("cannot {} group '{}': it still has active members (stop its consumers first)", verb,
                         o.group_id);
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
      return fmt::format("not authorized to {} group '{}'", verb, o.group_id);
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
      return fmt::format("'{}' is not a valid group id", o.group_id);
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
      return fmt::format("cannot {} group '{}': the group has active members ({})", verb, o.group_id,
                         rd_kafka_err2name(o.err));
    default:
      return fmt::format("cannot {} group '{}': {}: {}", verb, o.group_id, rd_kafka_err2name(o.err), detail);
  }
}

}  // namespace sluice::cli
