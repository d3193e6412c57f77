// send_outbuf: writes an outbuf to a TCP socket: memory chunks by vectored write, file slices by
// sendfile(2) straight from the page cache.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/outbuf.h"
#include "base/result.h"

namespace sluice::net::detail {

// Sends every chunk of `out`, in order. Errors come back as values (io_error with errno, or
// shutting_down if the socket was closed meanwhile); after an error the stream position is
// unknown, so the caller must close the connection.
// REQUIRES: no other write is in progress on `socket`; `out` outlives the returned awaitable.
boost::asio::awaitable<result<void>> send_outbuf(boost::asio::ip::tcp::socket& socket, const outbuf& out);

// Sends one file slice with sendfile(2), waiting for writability on EAGAIN and resuming partial
// sends. A file shorter than the slice is an io_error (the stream would otherwise be corrupt).
boost::asio::awaitable<result<void>> send_file_slice(boost::asio::ip::tcp::socket& socket,
                                                     const file_slice& slice);

}  // namespace sluice::net::detail
