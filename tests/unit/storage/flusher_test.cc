// Tests of the group-commit flusher.
#include "storage/flusher.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "log_fixture.h"

namespace sluice::storage {
namespace {

// A file whose fdatasync can be held at a gate, counting calls.
class gated_file final : public file {
 public:
  explicit gated_file(std::string path) : path_(std::move(path)) {}
  int fd() const override { return -1; }
  const std::string& path() const override { return path_; }
  result<size_t> pread(std::span<uint8_t>, int64_t) override { return size_t{0}; }
  result<void> pwritev(std::span<const std::span<const uint8_t>>, int64_t) override { return {}; }
  result<void> ftruncate(int64_t) override { return {}; }
  result<int64_t> size() override { return int64_t{0}; }
  result<void> fdatasync() override {
    std::unique_lock lk(mu_);
    ++syncs_;
    ++inside_;
    cv_.notify_all();
    cv_.wait(lk, [&] { return open_; });
    --inside_;
    if (fail_) return make_error(errc::io_error, "injected");
    return {};
  }
  void close_gate() {
    std::lock_guard lk(mu_);
    open_ = false;
  }
  void open_gate() {
    std::lock_guard lk(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait_inside() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return inside_ > 0; });
  }
  void set_fail(bool f) {
    std::lock_guard lk(mu_);
    fail_ = f;
  }
  int syncs() {
    std::lock_guard lk(mu_);
    return syncs_;
  }

 private:
  std::string path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  bool fail_ = false;
  int syncs_ = 0;
  int inside_ = 0;
};

struct completions {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int failed = 0;
  flusher::completion make() {
    return [this](result<void> r) {
      std::lock_guard lk(mu);
      ++done;
      if (!r) ++failed;
      cv.notify_all();
    };
  }
  void wait_for(int n) {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return done >= n; });
  }
};

TEST(Flusher, ConcurrentRequestsShareFsyncs) {
  auto a = std::make_shared<gated_file>("a");
  flusher fl;
  completions c;
  a->close_gate();
  fl.submit(sync_request{{a}, 1}, c.make());
  a->wait_inside();  // round 1 is blocked inside fdatasync
  constexpr int n = 32;
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t)
    producers.emplace_back([&] {
      for (int i = 0; i < n / 4; ++i) fl.submit(sync_request{{a}, 2}, c.make());
    });
  for (auto& t : producers) t.join();
  a->open_gate();
  c.wait_for(n + 1);
  EXPECT_EQ(c.failed, 0);
  // One fsync for the first request, one shared by all 32 that arrived meanwhile.
  EXPECT_EQ(a->syncs(), 2);
  EXPECT_EQ(fl.fsync_count(), 2);
  EXPECT_EQ(fl.round_count(), 2);
}

TEST(Flusher, EachDistinctFileIsSyncedOncePerRound) {
  auto a = std::make_shared<gated_file>("a");
  auto b = std::make_shared<gated_file>("b");
  auto gate = std::make_shared<gated_file>("gate");
  flusher fl;
  completions c;
  gate->close_gate();
  fl.submit(sync_request{{gate}, 0}, c.make());
  gate->wait_inside();
  fl.submit(sync_request{{a, b}, 1}, c.make());
  fl.submit(sync_request{{b}, 2}, c.make());
  fl.submit(sync_request{{a}, 3}, c.make());
  fl.submit(sync_request{{}, 4}, c.make());
  gate->open_gate();
  c.wait_for(5);
  EXPECT_EQ(a->syncs(), 1);
  EXPECT_EQ(b->syncs(), 1);
  EXPECT_EQ(fl.fsync_count(), 3);
}

TEST(Flusher, SyncErrorsReachOnlyTheRequestsOfThatFile) {
  auto good = std::make_shared<gated_file>("good");
  auto bad = std::make_shared<gated_file>("bad");
  bad->set_fail(true);
  flusher fl;
  std::promise<bool> p1, p2;
  fl.submit(sync_request{{good, bad}, 1}, [&](result<void> r) { p1.set_value(r.ok()); });
  fl.submit(sync_request{{good}, 2}, [&](result<void> r) { p2.set_value(r.ok()); });
  EXPECT_FALSE(p1.get_future().get());
  EXPECT_TRUE(p2.get_future().get());
}

TEST(Flusher, StopServesQueuedRequestsThenRejectsNewOnes) {
  auto a = std::make_shared<gated_file>("a");
  completions c;
  {
    flusher fl;
    for (int i = 0; i < 10; ++i) fl.submit(sync_request{{a}, i}, c.make());
    fl.stop();
    EXPECT_EQ(c.done, 10);
    EXPECT_EQ(c.failed, 0);
    std::promise<errc> p;
    fl.submit(sync_request{{a}, 11},
              [&](result<void> r) { p.set_value(r.ok() ? errc::internal : r.err().code); });
    EXPECT_EQ(p.get_future().get(), errc::shutting_down);
  }
}

using FlusherWithLog = test::LogFixture;

TEST_F(FlusherWithLog, CompletionLetsTheOwnerAdvanceTheRecoveryPoint) {
  auto log = open_log();
  test::must_append(*log, spec(4));
  flusher fl;
  const auto syncs_before = fs.sync_count();
  std::promise<result<void>> done;
  auto req = log->prepare_sync();
  const int64_t offset = req.offset;
  fl.submit(std::move(req), [&](result<void> r) { done.set_value(std::move(r)); });
  ASSERT_TRUE(done.get_future().get().ok());
  log->mark_synced(offset);  // on the owner thread, as the broker's posted completion would
  EXPECT_EQ(log->recovery_point(), 4);
  EXPECT_GT(fs.sync_count(), syncs_before);
  EXPECT_EQ(fs.synced_size(seg_path(0)), log->size_bytes());
}

}  // namespace
}  // namespace sluice::storage
