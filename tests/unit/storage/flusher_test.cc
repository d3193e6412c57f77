// Tests of the group-commit flusher: sharing of fsyncs, per-file errors, completion order,
// shutdown, and the parallel sync of a round's distinct files.
#include "storage/flusher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "batch_maker.h"
#include "log_fixture.h"
#include "storage/fault_injection_fs.h"

namespace sluice::storage {
namespace {

using namespace std::chrono_literals;

// Shared by several gated_files: counts fdatasyncs in progress at once and can hold them all.
class sync_meter {
 public:
  void enter() {
    std::unique_lock lk(mu_);
    ++inside_;
    max_inside_ = std::max(max_inside_, inside_);
    cv_.notify_all();
    cv_.wait(lk, [&] { return open_; });
  }
  void leave() {
    std::lock_guard lk(mu_);
    --inside_;
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
  // True once `n` syncs are inside at the same time (false after 10 s: the test then fails
  // instead of hanging).
  bool wait_inside(int n) {
    std::unique_lock lk(mu_);
    return cv_.wait_for(lk, 10s, [&] { return inside_ >= n; });
  }
  int max_inside() {
    std::lock_guard lk(mu_);
    return max_inside_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int inside_ = 0;
  int max_inside_ = 0;
};

// A file whose fdatasync can be held at a gate, counting calls.
class gated_file final : public file {
 public:
  explicit gated_file(std::string path, std::shared_ptr<sync_meter> meter = nullptr)
      : path_(std::move(path)), meter_(std::move(meter)) {}
  int fd() const override { return -1; }
  const std::string& path() const override { return path_; }
  result<size_t> pread(std::span<uint8_t>, int64_t) override { return size_t{0}; }
  result<void> pwritev(std::span<const std::span<const uint8_t>>, int64_t) override { return {}; }
  result<void> ftruncate(int64_t) override { return {}; }
  result<int64_t> size() override { return int64_t{0}; }
  result<void> fdatasync() override {
    if (meter_) meter_->enter();
    std::unique_lock lk(mu_);
    ++syncs_;
    ++inside_;
    sync_threads_.insert(std::this_thread::get_id());
    cv_.notify_all();
    cv_.wait(lk, [&] { return open_; });
    --inside_;
    const bool fail = fail_;
    lk.unlock();
    if (meter_) meter_->leave();
    if (fail) return make_error(errc::io_error, "injected " + path_);
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
  std::set<std::thread::id> sync_threads() {
    std::lock_guard lk(mu_);
    return sync_threads_;
  }

 private:
  std::string path_;
  std::shared_ptr<sync_meter> meter_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  bool fail_ = false;
  int syncs_ = 0;
  int inside_ = 0;
  std::set<std::thread::id> sync_threads_;
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

// "f<i>" (built by append: GCC 12 warns falsely about `"f" + std::to_string(i)`, -Wrestrict).
std::string file_name(int i) {
  std::string name = "f";
  name += std::to_string(i);
  return name;
}

// Holds the flusher inside a round (on `gate`) so that everything submitted meanwhile forms the
// next round.
struct held_round {
  std::shared_ptr<gated_file> gate = std::make_shared<gated_file>("gate");
  explicit held_round(flusher& fl) {
    gate->close_gate();
    fl.submit(sync_request{{gate}, 0}, nullptr);
    gate->wait_inside();
  }
  void release() { gate->open_gate(); }
};

TEST(Flusher, DistinctFilesOfARoundAreSyncedInParallelUpToThePoolSize) {
  auto meter = std::make_shared<sync_meter>();
  std::vector<std::shared_ptr<gated_file>> files;
  for (int i = 0; i < 8; ++i) files.push_back(std::make_shared<gated_file>(file_name(i), meter));
  flusher fl(4);
  EXPECT_EQ(fl.sync_threads(), 4);
  held_round held(fl);
  completions c;
  for (int i = 0; i < 8; ++i) fl.submit(sync_request{{files[i], files[(i + 1) % 8]}, i}, c.make());
  meter->close_gate();
  held.release();
  // The flusher thread and its three workers are all inside fdatasync at once.
  EXPECT_TRUE(meter->wait_inside(4));
  EXPECT_EQ(meter->max_inside(), 4);
  meter->open_gate();
  c.wait_for(8);
  EXPECT_EQ(c.failed, 0);
  std::set<std::thread::id> threads;
  for (auto& f : files) {
    EXPECT_EQ(f->syncs(), 1) << f->path();
    for (auto id : f->sync_threads()) threads.insert(id);
  }
  EXPECT_EQ(threads.size(), 4u);
  EXPECT_EQ(meter->max_inside(), 4);  // never more than the pool
  EXPECT_EQ(fl.fsync_count(), 1 + 8);
  EXPECT_EQ(fl.round_count(), 2);
}

TEST(Flusher, OneSyncThreadSyncsTheFilesOfARoundOneAfterTheOther) {
  auto meter = std::make_shared<sync_meter>();
  std::vector<std::shared_ptr<gated_file>> files;
  for (int i = 0; i < 4; ++i) files.push_back(std::make_shared<gated_file>(file_name(i), meter));
  flusher fl(0);  // clamped to 1
  EXPECT_EQ(fl.sync_threads(), 1);
  completions c;
  fl.submit(sync_request{{files[0], files[1], files[2], files[3]}, 1}, c.make());
  c.wait_for(1);
  EXPECT_EQ(meter->max_inside(), 1);
  for (auto& f : files) EXPECT_EQ(f->syncs(), 1);
}

TEST(Flusher, ARoundOfOneFileIsSyncedOnTheFlusherThreadItself) {
  auto a = std::make_shared<gated_file>("a");
  flusher fl(4);
  std::promise<std::thread::id> completed_on;
  fl.submit(sync_request{{a, a}, 1}, [&](result<void> r) {
    EXPECT_TRUE(r.ok());
    completed_on.set_value(std::this_thread::get_id());
  });
  const auto id = completed_on.get_future().get();  // completions run on the flusher thread
  EXPECT_EQ(a->syncs(), 1);
  EXPECT_EQ(a->sync_threads(), std::set<std::thread::id>{id});
}

TEST(Flusher, EachRequestGetsTheFirstErrorAmongItsOwnFiles) {
  auto a = std::make_shared<gated_file>("a");
  auto b = std::make_shared<gated_file>("b");
  auto c = std::make_shared<gated_file>("c");
  auto d = std::make_shared<gated_file>("d");
  b->set_fail(true);
  c->set_fail(true);
  flusher fl(3);
  held_round held(fl);
  const std::vector<sync_request> requests = {{{a, b}, 1}, {{b}, 2},    {{c}, 3}, {{a, c}, 4},
                                              {{d}, 5},    {{c, b}, 6}, {{}, 7},  {{a, d}, 8}};
  std::mutex mu;
  std::map<int64_t, std::string> outcome;  // offset → "ok" or the error message
  for (const auto& r : requests)
    fl.submit(r, [&, offset = r.offset](result<void> res) {
      std::lock_guard lk(mu);
      outcome[offset] = res.ok() ? "ok" : res.err().message;
    });
  held.release();
  fl.stop();
  const std::map<int64_t, std::string> expected = {{1, "injected b"}, {2, "injected b"}, {3, "injected c"},
                                                   {4, "injected c"}, {5, "ok"},         {6, "injected c"},
                                                   {7, "ok"},         {8, "ok"}};
  EXPECT_EQ(outcome, expected);
  for (auto* f : {a.get(), b.get(), c.get(), d.get()}) EXPECT_EQ(f->syncs(), 1) << f->path();
}

TEST(Flusher, CompletionsOfARoundRunInSubmissionOrderWhateverOrderTheSyncsFinish) {
  std::vector<std::shared_ptr<gated_file>> files;
  for (int i = 0; i < 6; ++i) files.push_back(std::make_shared<gated_file>(file_name(i)));
  flusher fl(4);
  held_round held(fl);
  std::vector<int64_t> order;  // written only on the flusher thread
  constexpr int n = 30;
  for (int i = 0; i < n; ++i)
    fl.submit(sync_request{{files[(i * 5) % 6]}, i}, [&order, i](result<void>) { order.push_back(i); });
  // Files are claimed in order of first use (0, 5, 4, 3, 2, 1 here), four at a time; let the
  // syncs finish in another order, the last claimed ones included.
  for (auto& f : files) f->close_gate();
  held.release();
  for (int i : {3, 4, 1, 5, 2, 0}) {
    files[i]->wait_inside();
    files[i]->open_gate();
  }
  fl.stop();
  ASSERT_EQ(order.size(), size_t{n});
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST(Flusher, StopDrainsAParallelRoundAndLaterSubmissionsAreRefused) {
  auto meter = std::make_shared<sync_meter>();
  std::vector<std::shared_ptr<gated_file>> files;
  for (int i = 0; i < 5; ++i) files.push_back(std::make_shared<gated_file>(file_name(i), meter));
  completions c;
  flusher fl(4);
  held_round held(fl);
  for (int i = 0; i < 20; ++i) fl.submit(sync_request{{files[i % 5]}, i}, c.make());
  meter->close_gate();
  held.release();
  std::thread stopper([&] { fl.stop(); });
  EXPECT_TRUE(meter->wait_inside(4));
  meter->open_gate();
  stopper.join();
  EXPECT_EQ(c.done, 20);
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(fl.fsync_count(), 1 + 5);
  std::promise<errc> p;
  fl.submit(sync_request{{files[0]}, 99},
            [&](result<void> r) { p.set_value(r.ok() ? errc::internal : r.err().code); });
  EXPECT_EQ(p.get_future().get(), errc::shutting_down);
  fl.stop();  // idempotent
}

// Real files in a temp dir, through the fault-injecting fs.
struct FlusherWithFiles : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<file_system> real = make_posix_file_system();
  fault_injection_fs fs{*real};

  std::vector<std::shared_ptr<file>> make_files(int n) {
    std::vector<std::shared_ptr<file>> out;
    for (int i = 0; i < n; ++i) {
      auto f = fs.open(dir.sub(file_name(i)), open_mode::create_truncate);
      EXPECT_TRUE(f.ok());
      if (f.ok()) out.push_back(std::move(*f));
    }
    return out;
  }
  static void write_some(file& f, size_t bytes) {
    std::vector<uint8_t> data(bytes, 0x5a);
    auto end = f.size();
    ASSERT_TRUE(end.ok());
    ASSERT_TRUE(f.pwrite(data, *end).ok());
  }
};

TEST_F(FlusherWithFiles, ManyFilesInOneRoundAreAllSyncedOnceEach) {
  auto files = make_files(16);
  for (size_t i = 0; i < files.size(); ++i) write_some(*files[i], 100 + i);
  flusher fl(4);
  held_round held(fl);
  completions c;
  // Every file appears in three requests.
  for (size_t i = 0; i < files.size(); ++i)
    fl.submit(sync_request{{files[i], files[(i + 1) % 16], files[(i + 5) % 16]}, int64_t(i)}, c.make());
  const auto syncs_before = fs.sync_count();
  held.release();
  c.wait_for(16);
  EXPECT_EQ(c.failed, 0);
  EXPECT_EQ(fs.sync_count() - syncs_before, 16);
  EXPECT_EQ(fl.fsync_count(), 1 + 16);
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(fs.synced_size(files[i]->path()), int64_t(100 + i));
}

TEST_F(FlusherWithFiles, FailingSyncsReachEveryRequestOfTheRound) {
  auto files = make_files(6);
  flusher fl(4);
  held_round held(fl);
  completions c;
  for (int i = 0; i < 6; ++i) fl.submit(sync_request{{files[i]}, i}, c.make());
  fs.fail_syncs(true);
  held.release();
  c.wait_for(6);
  EXPECT_EQ(c.failed, 6);
  fs.fail_syncs(false);
  completions again;
  fl.submit(sync_request{files, 7}, again.make());
  again.wait_for(1);
  EXPECT_EQ(again.failed, 0);
}

TEST_F(FlusherWithFiles, ConcurrentSubmittersStress) {
  auto files = make_files(12);
  constexpr int submitters = 6;
  constexpr int per_submitter = 400;
  flusher fl(4);
  std::atomic<int> failed{0};
  std::vector<std::vector<int>> seen(submitters);  // each written by the flusher thread only
  std::vector<std::promise<void>> finished(submitters);
  std::vector<std::thread> threads;
  int64_t references = 0;
  std::mutex ref_mu;
  for (int t = 0; t < submitters; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      int64_t refs = 0;
      for (int i = 0; i < per_submitter; ++i) {
        sync_request r;
        const int k = int(rng() % 4);  // 0-3 files, possibly repeated
        for (int j = 0; j < k; ++j) r.files.push_back(files[rng() % files.size()]);
        refs += k;
        r.offset = i;
        // Something for the sync to write out: one byte in this submitter's own range.
        if (k > 0) {
          const uint8_t byte = uint8_t(i);
          EXPECT_TRUE(r.files[0]->pwrite(std::span<const uint8_t>(&byte, 1), t * per_submitter + i).ok());
        }
        fl.submit(std::move(r), [&, t, i](result<void> res) {
          if (!res) failed.fetch_add(1);
          seen[t].push_back(i);
          if (i == per_submitter - 1) finished[t].set_value();
        });
        if (i % 50 == 0) std::this_thread::yield();
      }
      std::lock_guard lk(ref_mu);
      references += refs;
    });
  for (auto& t : threads) t.join();
  for (auto& f : finished) f.get_future().wait();
  fl.stop();
  EXPECT_EQ(failed.load(), 0);
  for (int t = 0; t < submitters; ++t) {
    ASSERT_EQ(seen[t].size(), size_t{per_submitter});
    for (int i = 0; i < per_submitter; ++i) ASSERT_EQ(seen[t][i], i);  // once each, in order
  }
  EXPECT_EQ(fs.sync_count(), fl.fsync_count());
  EXPECT_LE(fl.fsync_count(), references);
  EXPECT_LE(fl.fsync_count(), fl.round_count() * int64_t(files.size()));
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
