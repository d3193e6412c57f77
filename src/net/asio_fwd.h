// asio_fwd: the few Asio names net's public headers need, without pulling in sockets or the reactor.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio
