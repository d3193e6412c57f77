// send_outbuf: vectored writes for memory chunks and non-blocking sendfile(2) for file slices.
#include "net/send_outbuf.h"

#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sluice::net::detail {
namespace {

namespace asio = boost::asio;

// Linux transfers at most 0x7ffff000 bytes per sendfile call.
constexpr size_t max_sendfile_call = 0x7ffff000;
// After this many bytes sent without the socket ever blocking, yield to the executor so one fast
// reader of a large fetch cannot starve the other connections of the shard.
constexpr size_t yield_every_bytes = size_t{4} << 20;

}  // namespace

asio::awaitable<result<void>> send_file_slice(asio::ip::tcp::socket& socket, const file_slice& slice) {
  boost::system::error_code ec;
  if (!socket.native_non_blocking()) {
    // sendfile must not block the shard; Asio's own async ops are unaffected by this flag.
    socket.native_non_blocking(true, ec);
    if (ec)
      co_return make_error(errc::io_error, "cannot make socket non-blocking: " + ec.message(), ec.value());
  }
  off_t offset = static_cast<off_t>(slice.offset);
  size_t left = slice.length;
  size_t since_yield = 0;
  while (left > 0) {
    if (!socket.is_open()) co_return make_error(errc::shutting_down, "socket closed during sendfile");
    ssize_t n = ::sendfile(socket.native_handle(), slice.fd, &offset, std::min(left, max_sendfile_call));
    if (n > 0) {
      left -= static_cast<size_t>(n);
      since_yield += static_cast<size_t>(n);
      if (since_yield >= yield_every_bytes && left > 0) {
        since_yield = 0;
        co_await asio::post(socket.get_executor(), asio::use_awaitable);
      }
      continue;
    }
    if (n == 0) {
      co_return make_error(errc::io_error,
                           "sendfile: file ended " + std::to_string(left) + " bytes before the slice");
    }
    int e = errno;
    if (e == EINTR) continue;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      since_yield = 0;
      auto [wait_ec] =
          co_await socket.async_wait(asio::socket_base::wait_write, asio::as_tuple(asio::use_awaitable));
      if (wait_ec)
        co_return make_error(errc::io_error, "waiting for socket writability: " + wait_ec.message(),
                             wait_ec.value());
      continue;
    }
    co_return make_error(errc::io_error, std::string("sendfile: ") + std::strerror(e), e);
  }
  co_return result<void>{};
}

asio::awaitable<result<void>> send_outbuf(asio::ip::tcp::socket& socket, const outbuf& out) {
  const auto& chunks = out.chunks();
  std::vector<asio::const_buffer> buffers;
  size_t i = 0;
  while (i < chunks.size()) {
    if (const auto* slice = std::get_if<file_slice>(&chunks[i])) {
      auto r = co_await send_file_slice(socket, *slice);
      if (!r) co_return r;
      ++i;
      continue;
    }
    // Gather the run of memory chunks up to the next file slice into one vectored write.
    buffers.clear();
    for (; i < chunks.size() && std::holds_alternative<std::string>(chunks[i]); ++i) {
      buffers.push_back(asio::buffer(std::get<std::string>(chunks[i])));
    }
    auto [ec, n] = co_await asio::async_write(socket, buffers, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted)
        co_return make_error(errc::shutting_down, "write aborted: socket closed");
      co_return make_error(errc::io_error, "write: " + ec.message(), ec.value());
    }
  }
  co_return result<void>{};
}

}  // namespace sluice::net::detail
