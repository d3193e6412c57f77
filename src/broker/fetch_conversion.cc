// fetch_conversion: the only place fetched data passes through user space (old clients only).
#include "broker/fetch_conversion.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "records/legacy_message_set.h"

namespace sluice::broker {

result<std::string> down_convert_for_fetch(const storage::read_result& read, int64_t fetch_offset,
                                           int16_t version, size_t max_bytes) {
  std::string bytes;
  bytes.resize(read.size_bytes);
  size_t at = 0;
  for (const auto& s : read.slices) {
    size_t done = 0;
    while (done < s.length) {
      const ssize_t n =
          ::pread(s.fd, bytes.data() + at + done, s.length - done, s.offset + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return make_error(errc::io_error, std::string("pread: ") + (n < 0 ? std::strerror(errno) : "EOF"));
      done += static_cast<size_t>(n);
    }
    at += s.length;
  }
  records::down_conversion_options opts;
  opts.magic = version >= 2 ? 1 : 0;
  opts.first_offset = fetch_offset;
  opts.max_bytes = max_bytes;
  auto converted = records::down_convert_to_message_set(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), opts);
  if (!converted.ok()) return make_error(errc::corruption, converted.err().detail);
  return std::move(converted->message_set);
}

}  // namespace sluice::broker
