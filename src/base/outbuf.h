// outbuf: an outgoing byte sequence made of memory chunks and file slices, so fetched log data
// can be sent with sendfile(2) without passing through user space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sluice {

// A byte range of an open file. `keepalive` owns whatever keeps `fd` open (a segment file handle),
// so a segment rolled or deleted while a response is in flight stays readable until it is sent.
struct file_slice {
  std::shared_ptr<const void> keepalive;
  int fd = -1;
  int64_t offset = 0;
  size_t length = 0;
};

// outbuf: ordered chunks. Thread-compatible. Memory chunks are owned strings.
class outbuf {
 public:
  using chunk = std::variant<std::string, file_slice>;

  void append(std::string bytes) {
    if (bytes.empty()) return;
    size_ += bytes.size();
    chunks_.emplace_back(std::move(bytes));
  }
  void append(file_slice slice) {
    if (slice.length == 0) return;
    size_ += slice.length;
    chunks_.emplace_back(std::move(slice));
  }
  void append(outbuf&& other) {
    for (auto& c : other.chunks_) chunks_.push_back(std::move(c));
    size_ += other.size_;
    other.chunks_.clear();
    other.size_ = 0;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<chunk>& chunks() const { return chunks_; }
  std::vector<chunk>& chunks() { return chunks_; }

 private:
  std::vector<chunk> chunks_;
  size_t size_ = 0;
};

}  // namespace sluice
