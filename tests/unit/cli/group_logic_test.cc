// The pure parts of `sluice group`: --to-datetime parsing, --topic selections, the reset plan
// (modes, clamping, fallbacks), describe's lag rows, table/JSON rendering and flag resolution.
#include <gtest/gtest.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>

#include "cli/group_cmd.h"
#include "cli/group_requests.h"
#include "cli/group_view.h"
#include "cli/iso_datetime.h"
#include "cli/offset_reset_plan.h"
#include "cli/text_table.h"

namespace sluice::cli {
namespace {

// 2024-01-31T12:34:56Z in epoch seconds (date -u -d ... +%s).
constexpr int64_t jan31_noon_s = 1706704496;

TEST(IsoDatetime, UtcWithMillis) {
  auto t = parse_iso_datetime("2024-01-31T12:34:56.789Z");
  ASSERT_TRUE(t) << t.err().message;
  EXPECT_EQ(*t, jan31_noon_s * 1000 + 789);
}

TEST(IsoDatetime, FractionIsOptionalAndScaledToMillis) {
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T12:34:56Z"), jan31_noon_s * 1000);
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T12:34:56.5Z"), jan31_noon_s * 1000 + 500);
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T12:34:56.123456Z"), jan31_noon_s * 1000 + 123);
}

TEST(IsoDatetime, ZoneOffsetsInEverySpelling) {
  const int64_t utc = jan31_noon_s * 1000;
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T13:34:56.000+01:00"), utc);
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T13:34:56+0100"), utc);
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T13:34:56+01"), utc);
  EXPECT_EQ(*parse_iso_datetime("2024-01-31T07:04:56-05:30"), utc);
}

TEST(IsoDatetime, WithoutZoneIsLocalTime) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "America/New_York", 1);
  tzset();
  auto winter = parse_iso_datetime("2024-01-31T07:34:56");
  auto summer = parse_iso_datetime("2024-07-01T08:00:00");  // EDT: UTC-4
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  ASSERT_TRUE(winter);
  EXPECT_EQ(*winter, jan31_noon_s * 1000);
  EXPECT_EQ(*summer, *parse_iso_datetime("2024-07-01T12:00:00Z"));
}

TEST(IsoDatetime, LeapDaysAndEpochEdges) {
  EXPECT_EQ(*parse_iso_datetime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_iso_datetime("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_EQ(*parse_iso_datetime("2000-03-01T00:00:00Z"), 951868800000);
  EXPECT_EQ(*parse_iso_datetime("1969-12-31T23:59:59Z"), -1000);
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1900, 3, 1), -25508);
}

TEST(IsoDatetime, MalformedOrOutOfRangeIsAUsageErrorQuotingTheInput) {
  for (const char* bad :
       {"", "2024-01-31", "2024-01-31 12:00:00", "2024-1-31T12:00:00", "2024-01-31T12:00",
        "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-31T24:00:00Z",
        "2024-01-31T12:60:00Z", "2024-01-31T12:00:00.Z", "2024-01-31T12:00:00+1", "2024-01-31T12:00:00Zjunk",
        "2024-01-31T12:00:00 +01:00", "yesterday"}) {
    auto r = parse_iso_datetime(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.err().code, errc::invalid_argument);
    EXPECT_NE(r.err().message.find(std::string("'") + bad + "'"), std::string::npos) << r.err().message;
  }
}

TEST(TopicSelection, WholeTopicOrPartitionList) {
  auto all = parse_topic_selection("orders");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->topic, "orders");
  EXPECT_TRUE(all->partitions.empty());
  auto some = parse_topic_selection("orders:2,0,2");
  ASSERT_TRUE(some);
  EXPECT_EQ(some->topic, "orders");
  EXPECT_EQ(some->partitions, (std::vector<int32_t>{0, 2}));
}

TEST(TopicSelection, BadSpellingsAreRefused) {
  for (const char* bad : {"", ":1", "t:", "t:1,", "t:x", "t:-1", "t:1,,2"}) {
    EXPECT_FALSE(parse_topic_selection(bad)) << bad;
  }
}

partition_state state(int32_t p, int64_t start, int64_t end, std::optional<int64_t> committed = std::nullopt,
                      std::optional<int64_t> for_time = std::nullopt) {
  return {{"t", p}, start, end, committed, for_time};
}

std::vector<int64_t> offsets_of(const std::vector<planned_offset>& plan) {
  std::vector<int64_t> out;
  for (const auto& p : plan) out.push_back(p.new_offset);
  return out;
}

TEST(ResetPlan, EarliestAndLatestAreTheLogEdges) {
  std::vector<partition_state> ps = {state(0, 5, 100, 50), state(1, 0, 0)};
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::to_earliest, 0}, ps)), (std::vector<int64_t>{5, 0}));
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::to_latest, 0}, ps)), (std::vector<int64_t>{100, 0}));
}

TEST(ResetPlan, ToOffsetIsClampedToTheLogRangeAndSaysSo) {
  std::vector<partition_state> ps = {state(0, 10, 100), state(1, 0, 30), state(2, 0, 100)};
  auto plan = compute_reset_plan({reset_mode::to_offset, 40}, ps);
  ASSERT_TRUE(plan);
  EXPECT_EQ(offsets_of(*plan), (std::vector<int64_t>{40, 30, 40}));
  EXPECT_FALSE((*plan)[0].clamped_from);
  EXPECT_EQ((*plan)[1].clamped_from, 40);
  auto low = compute_reset_plan({reset_mode::to_offset, 3}, ps);
  EXPECT_EQ(offsets_of(*low), (std::vector<int64_t>{10, 3, 3}));
  EXPECT_EQ((*low)[0].clamped_from, 3);
}

TEST(ResetPlan, ShiftMovesTheCommittedOffsetBothWaysWithinTheLog) {
  std::vector<partition_state> ps = {state(0, 0, 100, 50), state(1, 20, 100, 25), state(2, 0, 100, 98)};
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::shift_by, -10}, ps)),
            (std::vector<int64_t>{40, 20, 88}));
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::shift_by, 5}, ps)),
            (std::vector<int64_t>{55, 30, 100}));
}

TEST(ResetPlan, ShiftSaturatesInsteadOfOverflowing) {
  std::vector<partition_state> ps = {state(0, 0, 100, 50)};
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::shift_by, INT64_MAX}, ps)),
            (std::vector<int64_t>{100}));
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::shift_by, INT64_MIN}, ps)),
            (std::vector<int64_t>{0}));
}

TEST(ResetPlan, ShiftWithoutACommittedOffsetNamesThePartition) {
  auto plan = compute_reset_plan({reset_mode::shift_by, 1}, {state(0, 0, 10, 5), state(3, 0, 10)});
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.err().message.find("t-3"), std::string::npos) << plan.err().message;
}

TEST(ResetPlan, ToCurrentKeepsCommittedAndSendsTheRestToTheEnd) {
  std::vector<partition_state> ps = {state(0, 0, 100, 42), state(1, 0, 70)};
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::to_current, 0}, ps)), (std::vector<int64_t>{42, 70}));
}

TEST(ResetPlan, DatetimeUsesTheTimeOffsetOrFallsBackToTheEnd) {
  std::vector<partition_state> ps = {state(0, 0, 100, 0, 37), state(1, 0, 80, 0, std::nullopt)};
  EXPECT_EQ(offsets_of(*compute_reset_plan({reset_mode::to_datetime, 123}, ps)),
            (std::vector<int64_t>{37, 80}));
}

TEST(ResetPlan, KeepsThePartitionOrder) {
  std::vector<partition_state> ps = {state(2, 0, 1), state(0, 0, 1)};
  auto plan = compute_reset_plan({reset_mode::to_latest, 0}, ps);
  EXPECT_EQ((*plan)[0].tp.partition, 2);
  EXPECT_EQ((*plan)[1].tp.partition, 0);
}

TEST(ClampOffset, EmptyOrInvertedRangeYieldsTheStart) {
  EXPECT_EQ(clamp_offset(5, 0, 0), 0);
  EXPECT_EQ(clamp_offset(5, 10, 3), 10);
  EXPECT_EQ(clamp_offset(-1, 0, 10), 0);
}

TEST(TextTable, ColumnsAlignToTheWidestCellWithoutTrailingBlanks) {
  std::string t = render_table({"A", "LONG-HEADER", "C"}, {{"wide-cell", "x", ""}, {"b", "y", "z"}});
  EXPECT_EQ(t,
            "A          LONG-HEADER  C\n"
            "wide-cell  x\n"
            "b          y            z\n");
}

TEST(TextTable, ShortRowsArePaddedAndEmptyTablesKeepTheHeader) {
  EXPECT_EQ(render_table({"X", "Y"}, {{"1"}}), "X  Y\n1\n");
  EXPECT_EQ(render_table({"X", "Y"}, {}), "X  Y\n");
}

group_description sample_group() {
  group_description g;
  g.group_id = "g";
  g.state = "Stable";
  g.assignor = "range";
  g.coordinator_id = 1;
  g.coordinator_host = "127.0.0.1";
  g.coordinator_port = 9092;
  g.members.push_back({"m-1", std::nullopt, "c1", "/10.0.0.1", {{"t", 0}, {"t", 1}}});
  g.members.push_back({"m-2", "inst-2", "c2", "/10.0.0.2", {{"t", 2}}});
  return g;
}

TEST(PartitionRows, UnionOfAssignmentsAndCommitsWithLagOnlyWhenCommitted) {
  auto g = sample_group();
  offset_map committed = {{{"t", 0}, 10}, {{"t", 2}, 7}, {{"u", 0}, 3}};
  offset_map ends = {{{"t", 0}, 15}, {{"t", 1}, 20}, {{"t", 2}, 7}, {{"u", 0}, 9}};
  auto rows = build_partition_rows(g, committed, ends);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].tp, (topic_partition{"t", 0}));
  EXPECT_EQ(rows[0].lag, 5);
  EXPECT_EQ(rows[0].consumer_id, "m-1");
  EXPECT_EQ(rows[1].tp, (topic_partition{"t", 1}));
  EXPECT_FALSE(rows[1].committed);
  EXPECT_EQ(rows[1].log_end, 20);
  EXPECT_FALSE(rows[1].lag);
  EXPECT_EQ(rows[2].lag, 0);
  EXPECT_EQ(rows[2].client_id, "c2");
  EXPECT_EQ(rows[3].tp, (topic_partition{"u", 0}));
  EXPECT_EQ(rows[3].lag, 6);
  EXPECT_EQ(rows[3].consumer_id, "");
}

TEST(PartitionRows, UnknownEndOffsetLeavesLagUnknown) {
  auto rows = build_partition_rows(group_description{}, {{{"t", 0}, 4}}, {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].committed, 4);
  EXPECT_FALSE(rows[0].lag);
}

TEST(GroupView, OffsetsTableUsesKafkasColumnsAndDashes) {
  auto g = sample_group();
  auto rows = build_partition_rows(g, {{{"t", 0}, 10}}, {{{"t", 0}, 15}, {{"t", 1}, 20}});
  std::string t = render_group_offsets("g", rows);
  EXPECT_EQ(
      t.substr(0, t.find('\n')),
      "GROUP  TOPIC  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  CONSUMER-ID  HOST       CLIENT-ID");
  EXPECT_NE(
      t.find("g      t      0          10              15              5    m-1          /10.0.0.1  c1"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("g      t      1          -               20              -    m-1"), std::string::npos)
      << t;
}

TEST(GroupView, MembersStateAndListTables) {
  auto g = sample_group();
  std::string m = render_group_members(g);
  EXPECT_NE(m.find("m-2          inst-2             c2"), std::string::npos) << m;
  EXPECT_NE(m.find("t:0,1"), std::string::npos) << m;
  std::string s = render_group_state(g);
  EXPECT_NE(s.find("127.0.0.1:9092 (1)"), std::string::npos) << s;
  EXPECT_NE(s.find("range"), std::string::npos) << s;
  std::vector<group_listing> l = {{"a", "Stable", false}, {"bb", "Empty", true}};
  EXPECT_EQ(render_group_list(l, false), "a\nbb\n");
  EXPECT_EQ(render_group_list(l, true),
            "GROUP  STATE   TYPE\na      Stable  consumer\nbb     Empty   simple\n");
  EXPECT_EQ(format_assignment({{"u", 0}, {"t", 2}, {"t", 1}}), "t:1,2;u:0");
}

TEST(GroupView, JsonCarriesNullsForUnknownValues) {
  auto g = sample_group();
  auto rows = build_partition_rows(g, {{{"t", 0}, 10}}, {{{"t", 0}, 15}});
  auto j = nlohmann::json::parse(group_describe_json(g, rows));
  EXPECT_EQ(j["state"], "Stable");
  EXPECT_EQ(j["members"][1]["group_instance_id"], "inst-2");
  EXPECT_TRUE(j["members"][0]["group_instance_id"].is_null());
  EXPECT_EQ(j["offsets"][0]["lag"], 5);
  EXPECT_TRUE(j["offsets"][1]["current_offset"].is_null());
  auto plan = nlohmann::json::parse(reset_plan_json("g", {{{"t", 0}, 7, std::nullopt}}, true));
  EXPECT_EQ(plan["executed"], true);
  EXPECT_EQ(plan["offsets"][0]["new_offset"], 7);
  EXPECT_EQ(render_reset_plan("g", {{{"t", 0}, 7, std::nullopt}}),
            "GROUP  TOPIC  PARTITION  NEW-OFFSET\ng      t      0          7\n");
}

TEST(GroupErrors, BrokerCodesBecomeActionableMessages) {
  EXPECT_EQ(group_error_message("delete", {"g", RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, ""}),
            "group 'g' does not exist");
  EXPECT_EQ(group_error_message("delete", {"g", RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, ""}),
            "cannot delete group 'g': it still has active members (stop its consumers first)");
  EXPECT_NE(group_error_message("reset offsets of", {"g", RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, ""})
                .find("active members"),
            std::string::npos);
  EXPECT_EQ(group_error_message("describe", {"g", RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, "x"}),
            "cannot describe group 'g': COORDINATOR_NOT_AVAILABLE: x");
}

result<void> parse_group(group_options& o, std::vector<std::string> args) {
  CLI::App app;
  configure_group_app(app, o);
  std::vector<const char*> argv{"group"};
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return finalize_group_options(o);
}

TEST(GroupArgs, ActionWordsAndKafkaFlagsAgree) {
  group_options a, b;
  ASSERT_TRUE(parse_group(a, {"describe", "--group", "g"}));
  ASSERT_TRUE(parse_group(b, {"--describe", "--group", "g"}));
  EXPECT_EQ(a.action, group_action::describe);
  EXPECT_EQ(b.action, group_action::describe);
  group_options c;
  ASSERT_TRUE(parse_group(c, {"describe", "g1", "g2"}));
  EXPECT_EQ(c.groups, (std::vector<std::string>{"g1", "g2"}));
  group_options l;
  ASSERT_TRUE(parse_group(l, {"--list"}));
  EXPECT_EQ(l.action, group_action::list);
  EXPECT_FALSE(l.wide);
}

TEST(GroupArgs, ListStateFiltersAndWidens) {
  group_options o;
  ASSERT_TRUE(parse_group(o, {"list", "--state", "Stable,Empty"}));
  EXPECT_EQ(o.states, (std::vector<std::string>{"Stable", "Empty"}));
  EXPECT_TRUE(o.wide);
  group_options bare;
  ASSERT_TRUE(parse_group(bare, {"--list", "--state"}));
  EXPECT_TRUE(bare.states.empty());
  EXPECT_TRUE(bare.wide);
  group_options d;
  ASSERT_TRUE(parse_group(d, {"--describe", "--group", "g", "--state"}));
  EXPECT_TRUE(d.show_state);
}

TEST(GroupArgs, ResetResolvesExactlyOneModeAndDefaultsToDryRun) {
  group_options o;
  ASSERT_TRUE(parse_group(o, {"reset-offsets", "--group", "g", "--topic", "t:0,1", "--shift-by", "-5"}));
  EXPECT_EQ(o.spec.mode, reset_mode::shift_by);
  EXPECT_EQ(o.spec.value, -5);
  EXPECT_FALSE(o.execute);
  ASSERT_EQ(o.selections.size(), 1u);
  EXPECT_EQ(o.selections[0].partitions, (std::vector<int32_t>{0, 1}));
  group_options d;
  ASSERT_TRUE(parse_group(d, {"--reset-offsets", "--group", "g", "--all-topics", "--to-datetime",
                              "2024-01-31T12:34:56.000Z", "--execute"}));
  EXPECT_EQ(d.spec.mode, reset_mode::to_datetime);
  EXPECT_EQ(d.spec.value, jan31_noon_s * 1000);
  EXPECT_TRUE(d.execute);
}

TEST(GroupArgs, UsageErrors) {
  auto bad = [](std::vector<std::string> args) {
    group_options o;
    auto r = parse_group(o, std::move(args));
    return !r && r.err().code == errc::invalid_argument;
  };
  EXPECT_TRUE(bad({}));
  EXPECT_TRUE(bad({"frobnicate"}));
  EXPECT_TRUE(bad({"--list", "--describe"}));
  EXPECT_TRUE(bad({"describe"}));
  EXPECT_TRUE(bad({"list", "--group", "g"}));
  EXPECT_TRUE(bad({"reset-offsets", "--group", "g", "--topic", "t"}));  // no mode
  EXPECT_TRUE(bad({"reset-offsets", "--group", "g", "--to-latest"}));   // no scope
  EXPECT_TRUE(bad({"reset-offsets", "--group", "g", "--topic", "t", "--all-topics", "--to-latest"}));
  EXPECT_TRUE(bad({"reset-offsets", "--group", "g", "--topic", "t", "--to-latest", "--to-earliest"}));
  EXPECT_TRUE(
      bad({"reset-offsets", "--group", "g", "--topic", "t", "--to-latest", "--dry-run", "--execute"}));
  EXPECT_TRUE(bad({"reset-offsets", "--group", "g", "--topic", "t", "--to-offset", "-1"}));
  EXPECT_TRUE(bad({"reset-offsets", "--group", "g", "--topic", "t", "--to-datetime", "2024-01-31"}));
  EXPECT_TRUE(bad({"reset-offsets", "--group", "a", "--group", "b", "--topic", "t", "--to-latest"}));
  EXPECT_TRUE(bad({"describe", "--group", "g", "--to-latest"}));
  EXPECT_TRUE(bad({"delete"}));
  EXPECT_TRUE(bad({"delete", "--group", "g", "--topic", "t"}));
  EXPECT_TRUE(bad({"delete-offsets", "--group", "g"}));
  EXPECT_TRUE(bad({"describe", "--group", "g", "--output", "yaml"}));
  EXPECT_TRUE(bad({"describe", "--group", "g", "--members", "--offsets"}));
}

}  // namespace
}  // namespace sluice::cli
