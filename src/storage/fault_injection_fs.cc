// fault_injection_fs: tracks synced lengths per file and injects ENOSPC, torn writes, power loss.
#include "storage/fault_injection_fs.h"

#include <cerrno>
#include <vector>

namespace sluice::storage {

// Per-file durability record, shared by every handle of that file and moved along by renames.
struct file_node {
  int64_t synced = 0;
};

struct fault_injection_fs::shared_state {
  mutable std::mutex mu;
  std::map<std::string, std::shared_ptr<file_node>> nodes;  // by current path
  uint64_t generation = 0;  // bumped by crash(); handles from older generations are dead
  int64_t writes = 0;
  int64_t read_bytes = 0;
  int64_t syncs = 0;
  int fail_in = 0;  // >0: the write that brings this to 0 fails
  bool fail_all = false;
  bool fail_sync = false;
  bool tear_armed = false;
  size_t tear_keep = 0;
  bool dead = false;
};

namespace {

error dead_error(const std::string& what) {
  return make_error(errc::io_error, what + ": injected crash (file system is dead)", EIO);
}

class fault_file final : public file {
 public:
  fault_file(std::shared_ptr<file> inner, std::shared_ptr<file_node> node,
             std::shared_ptr<fault_injection_fs::shared_state> st, uint64_t generation)
      : inner_(std::move(inner)), node_(std::move(node)), st_(std::move(st)), generation_(generation) {}

  int fd() const override { return inner_->fd(); }
  const std::string& path() const override { return inner_->path(); }

  result<size_t> pread(std::span<uint8_t> out, int64_t offset) override {
    auto r = inner_->pread(out, offset);
    if (r) {
      std::lock_guard lk(st_->mu);
      st_->read_bytes += static_cast<int64_t>(*r);
    }
    return r;
  }

  result<void> pwritev(std::span<const std::span<const uint8_t>> parts, int64_t offset) override {
    size_t keep = 0;
    bool tear = false;
    {
      std::lock_guard lk(st_->mu);
      if (stale_locked()) return dead_error("pwrite " + path());
      ++st_->writes;
      if (st_->fail_all) return errno_error(ENOSPC, "pwrite " + path() + " (injected)");
      if (st_->fail_in > 0 && --st_->fail_in == 0)
        return errno_error(ENOSPC, "pwrite " + path() + " (injected)");
      if (st_->tear_armed) {
        st_->tear_armed = false;
        st_->dead = true;
        tear = true;
        keep = st_->tear_keep;
      }
    }
    if (!tear) return inner_->pwritev(parts, offset);
    // Write only the first `keep` bytes of the concatenated parts.
    std::vector<std::span<const uint8_t>> prefix;
    for (auto p : parts) {
      if (keep == 0) break;
      size_t n = p.size() < keep ? p.size() : keep;
      prefix.push_back(p.subspan(0, n));
      keep -= n;
    }
    if (!prefix.empty()) {
      auto r = inner_->pwritev(prefix, offset);
      if (!r) return r;
    }
    return make_error(errc::io_error, "pwrite " + path() + ": injected torn write", EIO);
  }

  result<void> fdatasync() override {
    {
      std::lock_guard lk(st_->mu);
      if (stale_locked()) return dead_error("fdatasync " + path());
      ++st_->syncs;
      if (st_->fail_sync) return errno_error(EIO, "fdatasync " + path() + " (injected)");
    }
    // The size taken before the sync is what the sync certainly covers.
    auto sz = inner_->size();
    if (!sz) return sz.err();
    auto r = inner_->fdatasync();
    if (!r) return r;
    std::lock_guard lk(st_->mu);
    if (generation_ == st_->generation && *sz > node_->synced) node_->synced = *sz;
    return {};
  }

  result<void> ftruncate(int64_t size) override {
    {
      std::lock_guard lk(st_->mu);
      if (stale_locked()) return dead_error("ftruncate " + path());
    }
    auto r = inner_->ftruncate(size);
    if (!r) return r;
    std::lock_guard lk(st_->mu);
    if (size < node_->synced) node_->synced = size;
    return {};
  }

  result<int64_t> size() override { return inner_->size(); }

 private:
  bool stale_locked() const { return st_->dead || generation_ != st_->generation; }

  std::shared_ptr<file> inner_;
  std::shared_ptr<file_node> node_;
  std::shared_ptr<fault_injection_fs::shared_state> st_;
  uint64_t generation_;
};

}  // namespace

fault_injection_fs::fault_injection_fs(file_system& inner)
    : inner_(inner), state_(std::make_shared<shared_state>()) {}

fault_injection_fs::~fault_injection_fs() {
  // Handles that outlive the fs must not write through a wrapper whose owner is gone.
  std::lock_guard lk(state_->mu);
  ++state_->generation;
}

void fault_injection_fs::fail_nth_write(int n) {
  std::lock_guard lk(state_->mu);
  state_->fail_in = n;
}
void fault_injection_fs::fail_all_writes(bool on) {
  std::lock_guard lk(state_->mu);
  state_->fail_all = on;
}
void fault_injection_fs::fail_syncs(bool on) {
  std::lock_guard lk(state_->mu);
  state_->fail_sync = on;
}
void fault_injection_fs::tear_next_write(size_t keep_bytes) {
  std::lock_guard lk(state_->mu);
  state_->tear_armed = true;
  state_->tear_keep = keep_bytes;
}

result<void> fault_injection_fs::crash() {
  std::lock_guard lk(state_->mu);
  ++state_->generation;
  state_->dead = false;
  state_->fail_in = 0;
  state_->fail_all = false;
  state_->fail_sync = false;
  state_->tear_armed = false;
  for (auto& [path, node] : state_->nodes) {
    auto f = inner_.open(path, open_mode::read_write);
    if (!f) {
      if (f.err().code == errc::not_found) continue;
      return f.err();
    }
    auto sz = (*f)->size();
    if (!sz) return sz.err();
    if (*sz > node->synced) {
      auto r = (*f)->ftruncate(node->synced);
      if (!r) return r;
    }
  }
  return {};
}

void fault_injection_fs::kill_process() {
  std::lock_guard lk(state_->mu);
  ++state_->generation;
  state_->dead = false;
  state_->fail_in = 0;
  state_->fail_all = false;
  state_->fail_sync = false;
  state_->tear_armed = false;
}

int64_t fault_injection_fs::write_count() const {
  std::lock_guard lk(state_->mu);
  return state_->writes;
}
int64_t fault_injection_fs::read_bytes() const {
  std::lock_guard lk(state_->mu);
  return state_->read_bytes;
}
int64_t fault_injection_fs::sync_count() const {
  std::lock_guard lk(state_->mu);
  return state_->syncs;
}
bool fault_injection_fs::dead() const {
  std::lock_guard lk(state_->mu);
  return state_->dead;
}
int64_t fault_injection_fs::synced_size(const std::string& path) const {
  std::lock_guard lk(state_->mu);
  auto it = state_->nodes.find(path);
  return it == state_->nodes.end() ? -1 : it->second->synced;
}

result<std::shared_ptr<file>> fault_injection_fs::open(const std::string& path, open_mode mode) {
  const bool mutating = mode != open_mode::read_only && mode != open_mode::read_write;
  if (mutating) {
    std::lock_guard lk(state_->mu);
    if (state_->dead) return dead_error("open " + path);
  }
  auto existed = inner_.exists(path);
  if (!existed) return existed.err();
  auto f = inner_.open(path, mode);
  if (!f) return f.err();
  std::lock_guard lk(state_->mu);
  auto& node = state_->nodes[path];
  if (!node) {
    node = std::make_shared<file_node>();
    // A file we have never seen is as durable as it is now, unless we just created or emptied it.
    if (*existed && mode != open_mode::create_truncate) {
      auto sz = (*f)->size();
      if (!sz) return sz.err();
      node->synced = *sz;
    }
  } else if (mode == open_mode::create_truncate) {
    node->synced = 0;
  }
  return std::shared_ptr<file>(std::make_shared<fault_file>(std::move(*f), node, state_, state_->generation));
}

result<void> fault_injection_fs::rename(const std::string& from, const std::string& to) {
  {
    std::lock_guard lk(state_->mu);
    if (state_->dead) return dead_error("rename " + from);
  }
  auto r = inner_.rename(from, to);
  if (!r) return r;
  std::lock_guard lk(state_->mu);
  auto it = state_->nodes.find(from);
  if (it != state_->nodes.end()) {
    auto node = it->second;
    state_->nodes.erase(it);
    state_->nodes[to] = std::move(node);
  } else {
    state_->nodes.erase(to);
  }
  // Renaming a directory moves every tracked file under it.
  const std::string from_prefix = from + "/";
  std::vector<std::pair<std::string, std::shared_ptr<file_node>>> moved;
  for (auto i = state_->nodes.lower_bound(from_prefix);
       i != state_->nodes.end() && i->first.compare(0, from_prefix.size(), from_prefix) == 0;) {
    moved.emplace_back(to + "/" + i->first.substr(from_prefix.size()), i->second);
    i = state_->nodes.erase(i);
  }
  for (auto& [p, n] : moved) state_->nodes[p] = std::move(n);
  return {};
}

result<void> fault_injection_fs::unlink(const std::string& path) {
  {
    std::lock_guard lk(state_->mu);
    if (state_->dead) return dead_error("unlink " + path);
  }
  auto r = inner_.unlink(path);
  if (!r) return r;
  std::lock_guard lk(state_->mu);
  state_->nodes.erase(path);
  return {};
}

result<std::vector<std::string>> fault_injection_fs::list(const std::string& dir) { return inner_.list(dir); }

result<void> fault_injection_fs::mkdir(const std::string& path) {
  {
    std::lock_guard lk(state_->mu);
    if (state_->dead) return dead_error("mkdir " + path);
  }
  return inner_.mkdir(path);
}

result<void> fault_injection_fs::remove_all(const std::string& path) {
  {
    std::lock_guard lk(state_->mu);
    if (state_->dead) return dead_error("remove_all " + path);
  }
  auto r = inner_.remove_all(path);
  if (!r) return r;
  std::lock_guard lk(state_->mu);
  state_->nodes.erase(path);
  const std::string prefix = path + "/";
  for (auto i = state_->nodes.lower_bound(prefix);
       i != state_->nodes.end() && i->first.compare(0, prefix.size(), prefix) == 0;)
    i = state_->nodes.erase(i);
  return {};
}

result<bool> fault_injection_fs::exists(const std::string& path) { return inner_.exists(path); }
result<int64_t> fault_injection_fs::size(const std::string& path) { return inner_.size(path); }
result<int64_t> fault_injection_fs::mtime_ms(const std::string& path) { return inner_.mtime_ms(path); }

result<void> fault_injection_fs::sync_dir(const std::string& path) {
  {
    std::lock_guard lk(state_->mu);
    if (state_->dead) return dead_error("sync_dir " + path);
  }
  return inner_.sync_dir(path);
}

}  // namespace sluice::storage
