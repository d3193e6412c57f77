// legacy_format: the shared engine of legacy_message_set: a visitor over the messages of a
// magic 0/1 message set (unwrapping compression), and the message encoder. Internal to records.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "records/legacy_message_set.h"
#include "records/record_codec.h"

namespace sluice::records::detail {

// One message, viewing the input or a decompressed buffer that lives during the visit call.
struct legacy_view {
  int64_t offset = 0;  // absolute
  int8_t magic = 0;
  int64_t timestamp = -1;
  bool log_append_time = false;
  compression wrapper_codec = compression::none;
  nullable_bytes key;
  nullable_bytes value;
};

// Returning an error stops the visit with that error.
using legacy_visitor = std::function<std::optional<records_error>(const legacy_view&)>;

// Visits every message of `set` in order (see read_message_set for the checks).
std::optional<records_error> visit_message_set(bytes_view set, const legacy_limits& limits,
                                               const legacy_visitor& visit);

// Appends one uncompressed magic 0/1 message (offset, size, CRC-32 and fields) to `out`.
void append_legacy_message(std::string& out, int8_t magic, int64_t offset, int64_t timestamp,
                           bool log_append_time, nullable_bytes key, nullable_bytes value);

// Bytes append_legacy_message writes.
size_t legacy_message_size(int8_t magic, nullable_bytes key, nullable_bytes value);

}  // namespace sluice::records::detail
