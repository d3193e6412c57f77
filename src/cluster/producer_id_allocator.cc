// producer_id_allocator: block reservation persisted with write_file_atomically.
#include "cluster/producer_id_allocator.h"

#include <charconv>

#include "cluster/atomic_file.h"

namespace sluice::cluster {

result<std::unique_ptr<producer_id_allocator>> producer_id_allocator::open(std::string dir) {
  std::unique_ptr<producer_id_allocator> a(new producer_id_allocator(dir + "/producer-id-block"));
  auto text = read_small_file(a->path_, 4096);
  if (!text.ok()) {
    if (text.err().code != errc::not_found) return text.err();
    return a;  // fresh store: ids start at 0
  }
  int64_t reserved = 0;
  const std::string& s = *text;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), reserved);
  if (ec != std::errc() || reserved < 0) {
    return make_error(errc::corruption, a->path_ + ": not a producer id block");
  }
  // Everything below `reserved` may have been handed out before a crash: start after it.
  a->next_ = reserved;
  a->block_end_ = reserved;
  return a;
}

result<int64_t> producer_id_allocator::next() {
  if (next_ >= block_end_ && source_) {
    auto start = source_();
    if (!start.ok()) return start.err();
    next_ = *start;
    block_end_ = *start + block_size;
  }
  if (next_ >= block_end_) {
    const int64_t end = next_ + block_size;
    if (auto w = write_file_atomically(path_, std::to_string(end) + "\n"); !w.ok()) return w.err();
    block_end_ = end;
  }
  return next_++;
}

}  // namespace sluice::cluster
