// `sluice group reset-offsets`: gathers each partition's log range and committed offset, computes
// the plan (offset_reset_plan), prints it, and with --execute commits it for the group.
#include <fmt/core.h>

#include <algorithm>

#include "cli/group_cmd.h"
#include "cli/group_requests.h"
#include "cli/group_view.h"
#include "cli/rk_handle.h"

namespace sluice::cli {

namespace {

// The partitions named by --topic (checked against Metadata) or, with --all-topics, those the
// group has committed offsets for (kafka-consumer-groups.sh's meaning of --all-topics).
result<std::vector<topic_partition>> partitions_to_reset(const group_options& o, const rk_handle& h,
                                                         const offset_map& committed) {
  std::vector<topic_partition> out;
  if (o.all_topics) {
    for (const auto& [tp, off] : committed) out.push_back(tp);
    if (out.empty()) {
      return runtime_error(
          fmt::format("group '{}' has no committed offsets, so --all-topics selects nothing; name the topics "
                      "with --topic",
                      o.groups.front()));
    }
    return out;
  }
  for (const auto& sel : o.selections) {
    auto md = fetch_topic_metadata(h, sel.topic, std::min(o.timeout_ms, default_connect_timeout_ms));
    if (!md) return md.err();
    const rd_kafka_metadata_topic_t* t = find_topic(**md, sel.topic);
    std::vector<int32_t> ids;
    for (int i = 0; i < t->partition_cnt; ++i) ids.push_back(t->partitions[i].id);
    std::sort(ids.begin(), ids.end());
    if (sel.partitions.empty()) {
      for (int32_t p : ids) out.push_back({sel.topic, p});
      continue;
    }
    for (int32_t p : sel.partitions) {
      if (!std::binary_search(ids.begin(), ids.end(), p)) {
        return runtime_error(
            fmt::format("topic '{}' has no partition {} (it has {})", sel.topic, p, ids.size()));
      }
      out.push_back({sel.topic, p});
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// What the broker knows about each partition: log range, committed offset, offset for the time.
result<std::vector<partition_state>> gather_states(const group_options& o, const rk_handle& h,
                                                   const std::vector<topic_partition>& tps,
                                                   const offset_map& committed) {
  auto starts = list_offsets_strict(h, tps, RD_KAFKA_OFFSET_BEGINNING, o.timeout_ms);
  if (!starts) return starts.err();
  auto ends = list_offsets_strict(h, tps, RD_KAFKA_OFFSET_END, o.timeout_ms);
  if (!ends) return ends.err();
  offset_map for_time;
  if (o.spec.mode == reset_mode::to_datetime) {
    auto t = list_offsets_strict(h, tps, o.spec.value, o.timeout_ms);
    if (!t) return t.err();
    for_time = std::move(*t);
  }
  std::vector<partition_state> out;
  for (const auto& tp : tps) {
    partition_state s;
    s.tp = tp;
    s.log_start = (*starts)[tp];
    s.log_end = (*ends)[tp];
    if (auto it = committed.find(tp); it != committed.end()) s.committed = it->second;
    if (auto it = for_time.find(tp); it != for_time.end() && it->second >= 0) s.offset_for_time = it->second;
    out.push_back(s);
  }
  return out;
}

void warn_clamped(const std::vector<planned_offset>& plan) {
  for (const auto& p : plan) {
    if (!p.clamped_from) continue;
    fmt::print(stderr, "sluice: warning: {}-{}: offset {} is outside the log; using {}\n", p.tp.topic,
               p.tp.partition, *p.clamped_from, p.new_offset);
  }
}

// OffsetCommit through a consumer that carries the group id: the way to commit for a group when
// the admin API is refused (same request, generation -1, sent by the consumer's coordinator code).
result<std::vector<partition_outcome>> commit_as_consumer(const group_options& o, const offset_map& offsets) {
  conf_builder cb(o.common);
  cb.set("group.id", o.groups.front()).set("enable.auto.commit", "false");
  auto h = cb.build(RD_KAFKA_CONSUMER);
  if (!h) return h.err();
  tpl_ptr l(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, off] : offsets) {
    rd_kafka_topic_partition_list_add(l.get(), tp.topic.c_str(), tp.partition)->offset = off;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(h->get(), l.get(), 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && l->cnt == 0) {
    return runtime_error(fmt::format("cannot commit offsets: {}", describe_err(err)));
  }
  std::vector<partition_outcome> out;
  for (int i = 0; i < l->cnt; ++i) {
    out.push_back({{l->elems[i].topic, l->elems[i].partition},
                   l->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR ? l->elems[i].err : err});
  }
  rd_kafka_consumer_close(h->get());
  return out;
}

int execute_plan(const group_options& o, const rk_handle& h, const std::vector<planned_offset>& plan) {
  const std::string& group = o.groups.front();
  offset_map offsets;
  for (const auto& p : plan) offsets[p.tp] = p.new_offset;
  auto res = alter_committed_offsets(h, group, offsets, o.timeout_ms);
  if (!res && res.err().code == errc::not_found) res = commit_as_consumer(o, offsets);
  if (!res) return report_error(res.err());
  int rc = exit_ok;
  for (const auto& r : *res) {
    if (r.err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    group_outcome go{group, r.err, ""};
    rc = report_error(runtime_error(
        fmt::format("{}-{}: {}", r.tp.topic, r.tp.partition, group_error_message("reset offsets of", go))));
  }
  return rc;
}

}  // namespace

int run_group_reset(const group_options& o, const rk_handle& h) {
  const std::string& group = o.groups.front();
  // Offsets of a group with members would be overwritten by its next commit and the members
  // would not see the change: Kafka's tool refuses, so do we (dry runs included, as Kafka).
  auto g = describe_group(h, group, o.timeout_ms);
  if (!g) return report_error(g.err());
  if (!group_is_inactive(g->state)) {
    return report_error(runtime_error(fmt::format(
        "cannot reset offsets of group '{}': it is {} with {} member(s); offsets can only be reset "
        "while the group is inactive (Empty or Dead): stop its consumers first",
        group, g->state, g->members.size())));
  }
  auto committed = committed_offsets(h, group, o.timeout_ms);
  if (!committed) return report_error(committed.err());
  auto tps = partitions_to_reset(o, h, *committed);
  if (!tps) return report_error(tps.err());
  auto states = gather_states(o, h, *tps, *committed);
  if (!states) return report_error(states.err());
  auto plan = compute_reset_plan(o.spec, *states);
  if (!plan) return report_error(plan.err());
  warn_clamped(*plan);

  int rc = exit_ok;
  if (o.execute) rc = execute_plan(o, h, *plan);
  if (rc != exit_ok) return rc;
  std::fputs(o.out == output_kind::json ? reset_plan_json(group, *plan, o.execute).c_str()
                                        : render_reset_plan(group, *plan).c_str(),
             stdout);
  if (!o.execute) {
    std::fflush(stdout);
    fmt::print(stderr, "sluice: dry run: no offset was changed (add --execute to apply)\n");
  }
  return exit_ok;
}

}  // namespace sluice::cli
