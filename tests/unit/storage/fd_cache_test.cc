// Tests of fd_cache and lazy_file on their own: LRU order, reopening, files held elsewhere.
#include "storage/fd_cache.h"

#include <fcntl.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "batch_maker.h"

namespace sluice::storage {
namespace {

struct FdCache : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<file_system> fs = make_posix_file_system();

  std::unique_ptr<lazy_file> make(const std::string& name, fd_cache* cache) {
    return std::make_unique<lazy_file>(*fs, dir.sub(name), open_mode::create, cache);
  }
  static bool fd_valid(int fd) { return fcntl(fd, F_GETFD) != -1; }
};

TEST_F(FdCache, LeastRecentlyUsedFileIsClosedFirst) {
  fd_cache cache(2);
  auto a = make("a", &cache);
  auto b = make("b", &cache);
  auto c = make("c", &cache);
  ASSERT_TRUE(a->get().ok());
  ASSERT_TRUE(b->get().ok());
  ASSERT_TRUE(a->get().ok());  // a is now more recent than b
  ASSERT_TRUE(c->get().ok());
  EXPECT_TRUE(a->is_open());
  EXPECT_FALSE(b->is_open());
  EXPECT_TRUE(c->is_open());
  EXPECT_EQ(cache.open_files(), 2u);
  EXPECT_EQ(cache.evictions(), 1);
  EXPECT_EQ(cache.opens(), 3);
}

TEST_F(FdCache, ClosedFileIsOpenedAgainOnNextUseWithItsContents) {
  fd_cache cache(1);
  auto a = make("a", &cache);
  auto b = make("b", &cache);
  auto fa = a->get();
  ASSERT_TRUE(fa.ok());
  const std::vector<uint8_t> data{1, 2, 3, 4};
  ASSERT_TRUE((*fa)->pwrite(data, 0).ok());
  ASSERT_TRUE(b->get().ok());
  ASSERT_FALSE(a->is_open());

  auto again = a->get();
  ASSERT_TRUE(again.ok());
  std::vector<uint8_t> got(4);
  auto n = (*again)->pread(got, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(got, data);
  EXPECT_FALSE(b->is_open());
  EXPECT_EQ(cache.opens(), 3);
}

TEST_F(FdCache, FileHeldElsewhereIsNotClosedUntilItsHolderLetsGo) {
  fd_cache cache(1);
  auto a = make("a", &cache);
  auto b = make("b", &cache);
  auto shared = a->share();  // as a sync request or a fetch response would
  ASSERT_TRUE(shared.ok());
  std::shared_ptr<file> held = std::move(*shared);
  ASSERT_TRUE(b->get().ok());
  EXPECT_TRUE(a->is_open()) << "closing a held file frees nothing";
  EXPECT_EQ(cache.open_files(), 2u);
  EXPECT_TRUE(fd_valid(held->fd()));

  // The holder lets go: the next open brings the cache back to its limit.
  held.reset();
  auto c = make("c", &cache);
  ASSERT_TRUE(c->get().ok());
  EXPECT_EQ(cache.open_files(), 1u);
  EXPECT_FALSE(a->is_open());
  EXPECT_FALSE(b->is_open());
}

TEST_F(FdCache, ClosingTheLazyHandleNeverInvalidatesAnotherHoldersDescriptor) {
  fd_cache cache(4);
  auto a = make("a", &cache);
  auto f = a->get();
  ASSERT_TRUE(f.ok());
  const std::vector<uint8_t> data{9, 8, 7};
  ASSERT_TRUE((*f)->pwrite(data, 0).ok());
  auto held = a->share();
  ASSERT_TRUE(held.ok());
  a->close();
  a.reset();
  ASSERT_TRUE(fd_valid((*held)->fd()));
  std::vector<uint8_t> got(3);
  ASSERT_TRUE((*held)->pread(got, 0).ok());
  EXPECT_EQ(got, data);
  EXPECT_EQ(cache.open_files(), 0u);
}

TEST_F(FdCache, WithoutACacheFilesStayOpenUntilClosed) {
  std::vector<std::unique_ptr<lazy_file>> files;
  for (int i = 0; i < 5; ++i) {
    files.push_back(make("f" + std::to_string(i), nullptr));
    ASSERT_TRUE(files.back()->get().ok());
  }
  for (auto& f : files) EXPECT_TRUE(f->is_open());
  files[0]->close();
  EXPECT_FALSE(files[0]->is_open());
}

TEST_F(FdCache, UnsyncedMarkSurvivesClosing) {
  fd_cache cache(1);
  auto a = make("a", &cache);
  auto b = make("b", &cache);
  ASSERT_TRUE(a->get().ok());
  a->note_write();
  ASSERT_TRUE(b->get().ok());
  EXPECT_FALSE(a->is_open());
  EXPECT_TRUE(a->unsynced());
  a->clear_unsynced();
  EXPECT_FALSE(a->unsynced());
}

TEST_F(FdCache, TransientShareOfAClosedFileDoesNotBringItBack) {
  fd_cache cache(1);
  auto a = make("a", &cache);
  auto b = make("b", &cache);
  ASSERT_TRUE(a->get().ok());
  ASSERT_TRUE(b->get().ok());
  auto t = a->share_transient();
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(a->is_open());
  EXPECT_TRUE(b->is_open());
  EXPECT_EQ(cache.open_files(), 1u);
  EXPECT_TRUE(fd_valid((*t)->fd()));
}

TEST_F(FdCache, ScanOpensJoinAsLeastRecentlyUsedAndAreClosedFirst) {
  fd_cache cache(2);
  auto hot = make("hot", &cache);
  auto scanned = make("scanned", &cache);
  auto other = make("other", &cache);
  ASSERT_TRUE(hot->get().ok());
  {
    auto h = scanned->share_for_scan();  // as the cleaner's planning does
    ASSERT_TRUE(h.ok());
  }
  ASSERT_TRUE(other->get().ok());
  EXPECT_TRUE(hot->is_open());
  EXPECT_FALSE(scanned->is_open());
  EXPECT_TRUE(other->is_open());
}

TEST_F(FdCache, LoweringTheLimitClosesIdleFilesAtOnce) {
  fd_cache cache(3);
  auto a = make("a", &cache);
  auto b = make("b", &cache);
  auto c = make("c", &cache);
  for (auto* f : {a.get(), b.get(), c.get()}) ASSERT_TRUE(f->get().ok());
  cache.set_limit(1);
  EXPECT_EQ(cache.open_files(), 1u);
  EXPECT_TRUE(c->is_open());
}

TEST_F(FdCache, DestroyedFileLeavesTheCache) {
  fd_cache cache(2);
  auto a = make("a", &cache);
  ASSERT_TRUE(a->get().ok());
  EXPECT_EQ(cache.open_files(), 1u);
  a.reset();
  EXPECT_EQ(cache.open_files(), 0u);
}

TEST_F(FdCache, FilesOutlivingTheirCacheStayUsable) {
  auto cache = std::make_unique<fd_cache>(2);
  auto a = make("a", cache.get());
  ASSERT_TRUE(a->get().ok());
  cache.reset();
  EXPECT_TRUE(a->is_open());
  ASSERT_TRUE(a->get().ok());
  a->close();
  ASSERT_TRUE(a->get().ok());
}

}  // namespace
}  // namespace sluice::storage
