// group_test_util: a coordinator on a private io_context, and helpers that record callbacks.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "group/group_coordinator.h"

namespace sluice::group::testing {

struct fixture : ::testing::Test {
  boost::asio::io_context io;
  coordinator_config cfg = [] {
    coordinator_config c;
    c.initial_rebalance_delay_ms = 0;
    c.min_session_timeout_ms = 10;
    c.max_session_timeout_ms = 60000;
    return c;
  }();
  std::unique_ptr<group_coordinator> coord = std::make_unique<group_coordinator>(io, cfg);

  void reset(coordinator_config c) {
    coord.reset();
    cfg = c;
    coord = std::make_unique<group_coordinator>(io, cfg);
  }

  static join_request jreq(const std::string& group, const std::string& member, int version = 5,
                           std::vector<std::string> protocols = {"range"}) {
    join_request r;
    r.group_id = group;
    r.member_id = member;
    r.client_id = "client";
    r.client_host = "/127.0.0.1";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 10000;
    r.protocol_type = "consumer";
    for (auto& p : protocols) r.protocols.push_back({p, {uint8_t(p.size())}});
    r.require_known_member_id = version >= 4;
    r.supports_skip_assignment = version >= 9;
    return r;
  }

  // A join whose result lands in the returned optional (now, or when the join phase ends).
  std::shared_ptr<std::optional<join_result>> join(join_request r) {
    auto out = std::make_shared<std::optional<join_result>>();
    coord->join(std::move(r), [out](join_result res) { *out = std::move(res); });
    return out;
  }
  std::shared_ptr<std::optional<sync_result>> sync(const std::string& group, int32_t gen,
                                                   const std::string& member,
                                                   std::vector<member_assignment> a = {}) {
    auto out = std::make_shared<std::optional<sync_result>>();
    sync_request r;
    r.group_id = group;
    r.generation_id = gen;
    r.member_id = member;
    r.assignments = std::move(a);
    coord->sync(std::move(r), [out](sync_result res) { *out = std::move(res); });
    return out;
  }
  error_code heartbeat(const std::string& group, int32_t gen, const std::string& member) {
    return coord->heartbeat({group, gen, member, std::nullopt});
  }
  // Joins a new v4+ dynamic member through MEMBER_ID_REQUIRED; returns the pending join.
  std::shared_ptr<std::optional<join_result>> join_new(const std::string& group,
                                                       std::vector<std::string> p = {"range"}) {
    auto first = join(jreq(group, "", 5, p));
    EXPECT_TRUE(first->has_value());
    EXPECT_EQ((*first)->error, error_code::member_id_required);
    return join(jreq(group, (*first)->member_id, 5, p));
  }
  void run_for(int ms) {
    io.restart();
    io.run_for(std::chrono::milliseconds(ms));
  }
};

}  // namespace sluice::group::testing
