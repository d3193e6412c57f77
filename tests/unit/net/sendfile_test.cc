// Tests that file slices go out with sendfile(2) byte-exact, mixed with memory chunks, in order.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <random>

#include "test_support.h"

namespace sluice::net::test {
namespace {

// A temporary file filled with pseudo-random bytes, removed on destruction.
class temp_file {
 public:
  explicit temp_file(size_t size) {
    char path[] = "/tmp/sluice-net-test-XXXXXX";
    fd_ = ::mkstemp(path);
    path_ = path;
    std::mt19937_64 rng(42);
    contents_.resize(size);
    for (auto& c : contents_) c = static_cast<char>(rng());
    size_t off = 0;
    while (off < size) off += static_cast<size_t>(::write(fd_, contents_.data() + off, size - off));
  }
  ~temp_file() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& contents() const { return contents_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string contents_;
};

// Responds to "<offset>:<length>" with: size prefix, "HEAD", the file slice, "TAIL".
frame_handler slice_handler(std::shared_ptr<temp_file> file) {
  return [file](const connection_info&, frame_bytes frame) -> asio::awaitable<frame_result> {
    std::string text(frame.begin(), frame.end());
    auto colon = text.find(':');
    int64_t offset = std::stoll(text.substr(0, colon));
    size_t length = std::stoull(text.substr(colon + 1));
    frame_result r;
    r.response.emplace();
    r.response->append(be32(static_cast<uint32_t>(length + 8)) + "HEAD");
    r.response->append(file_slice{file, file->fd(), offset, length});
    r.response->append(std::string("TAIL"));
    co_return r;
  };
}

TEST(server_sendfile, LargeFileSliceIsDeliveredExactlyThroughPartialSends) {
  auto file = std::make_shared<temp_file>(size_t{8} << 20);
  running_server srv({}, slice_handler(file));
  client c(srv.port());
  const int64_t offset = 1234;
  const size_t length = file->contents().size() - 2000;
  ASSERT_TRUE(c.send_frame(std::to_string(offset) + ":" + std::to_string(length)));
  // Let the socket buffers fill so the server meets EAGAIN and must wait for writability.
  std::this_thread::sleep_for(300ms);
  auto got = c.read_frame();
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), length + 8);
  EXPECT_EQ(got->substr(0, 4), "HEAD");
  EXPECT_TRUE(got->compare(4, length, file->contents(), offset, length) == 0) << "file bytes differ";
  EXPECT_EQ(got->substr(4 + length), "TAIL");
}

TEST(server_sendfile, SliceResponsesStayInRequestOrder) {
  auto file = std::make_shared<temp_file>(size_t{1} << 20);
  running_server srv({}, slice_handler(file));
  client c(srv.port());
  std::string batch;
  std::vector<std::pair<int64_t, size_t>> asks = {{0, 1 << 20}, {10, 5}, {500000, 300000}, {7, 0}};
  for (auto [o, l] : asks) batch += framed(std::to_string(o) + ":" + std::to_string(l));
  ASSERT_TRUE(c.send_raw(batch));
  for (auto [o, l] : asks) {
    auto got = c.read_frame();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, "HEAD" + file->contents().substr(o, l) + "TAIL");
  }
}

TEST(server_sendfile, FileShorterThanSliceClosesTheConnection) {
  auto file = std::make_shared<temp_file>(4096);
  running_server srv({}, slice_handler(file));
  client c(srv.port());
  ASSERT_TRUE(c.send_frame("4000:1000"));
  auto header = c.read_exact(4 + 4 + 96);  // prefix, HEAD, the 96 bytes that exist
  ASSERT_TRUE(header.has_value());
  EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace sluice::net::test
