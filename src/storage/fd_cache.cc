// fd_cache: the LRU list of open lazy_files and their open/close on demand.
#include "storage/fd_cache.h"

#include <cassert>

namespace sluice::storage {

// --- lazy_file -----------------------------------------------------------------------------------

lazy_file::lazy_file(file_system& fs, std::string path, open_mode reopen_mode, fd_cache* cache,
                     std::shared_ptr<file> f, bool unsynced)
    : fs_(fs),
      path_(std::move(path)),
      reopen_mode_(reopen_mode),
      cache_(cache),
      file_(std::move(f)),
      unsynced_(unsynced) {
  if (file_ && cache_) cache_->opened(*this);
}

lazy_file::~lazy_file() { close(); }

result<file*> lazy_file::get() {
  if (file_) {
    if (cache_) cache_->touch(*this);
    return file_.get();
  }
  auto f = fs_.open(path_, reopen_mode_);
  if (!f) return f.err();
  file_ = std::move(*f);
  if (cache_) cache_->opened(*this);
  return file_.get();
}

result<std::shared_ptr<file>> lazy_file::share() {
  auto f = get();
  if (!f) return f.err();
  return file_;
}

result<std::shared_ptr<file>> lazy_file::share_transient() {
  if (file_) return file_;
  return fs_.open(path_, reopen_mode_);
}

result<std::shared_ptr<file>> lazy_file::share_for_scan() {
  if (file_) return file_;
  auto f = fs_.open(path_, reopen_mode_);
  if (!f) return f.err();
  file_ = std::move(*f);
  if (cache_) cache_->opened(*this, /*cold=*/true);
  return file_;
}

void lazy_file::close() {
  if (!file_) return;
  if (cache_) cache_->closed(*this);
  file_.reset();
}

// --- fd_cache ------------------------------------------------------------------------------------

fd_cache::fd_cache(size_t limit) : limit_(limit) { assert(limit >= 1); }

fd_cache::~fd_cache() {
  while (head_.next != &head_) {
    lazy_file& f = owner(head_.next);
    unlink(f);
    f.cache_ = nullptr;
  }
}

void fd_cache::set_limit(size_t limit) {
  assert(limit >= 1);
  limit_ = limit;
  evict(nullptr);
}

lazy_file& fd_cache::owner(detail::lru_link* l) { return *static_cast<lazy_file*>(l); }

void fd_cache::unlink(lazy_file& f) {
  detail::lru_link& l = f;
  l.prev->next = l.next;
  l.next->prev = l.prev;
  l.prev = l.next = &l;
}

void fd_cache::push_back(lazy_file& f) {
  detail::lru_link& l = f;
  l.prev = head_.prev;
  l.next = &head_;
  head_.prev->next = &l;
  head_.prev = &l;
}

void fd_cache::push_front(lazy_file& f) {
  detail::lru_link& l = f;
  l.prev = &head_;
  l.next = head_.next;
  head_.next->prev = &l;
  head_.next = &l;
}

void fd_cache::touch(lazy_file& f) {
  if (head_.prev == static_cast<detail::lru_link*>(&f)) return;  // already the most recent
  unlink(f);
  push_back(f);
}

void fd_cache::opened(lazy_file& f, bool cold) {
  push_back(f);
  ++open_;
  ++opens_;
  if (open_ > limit_) evict(&f);
  if (cold) {
    unlink(f);
    push_front(f);
  }
}

void fd_cache::closed(lazy_file& f) {
  unlink(f);
  --open_;
}

void fd_cache::evict(const lazy_file* keep) {
  // One pass at most: every file looked at is either closed or moved to the recent end.
  for (size_t budget = open_; open_ > limit_ && budget > 0; --budget) {
    lazy_file& f = owner(head_.next);
    if (&f == keep || !f.closable()) {
      touch(f);
      continue;
    }
    f.close();  // unlinks it and lowers open_
    ++evictions_;
  }
}

}  // namespace sluice::storage
