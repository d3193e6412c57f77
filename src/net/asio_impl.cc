// asio_impl: the one translation unit that compiles Asio's implementation
// (BOOST_ASIO_SEPARATE_COMPILATION), so other files only parse its declarations.
#include <boost/asio/impl/src.hpp>
