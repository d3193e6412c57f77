// atomic_file: small metadata files replaced atomically (write temp, fsync, rename, fsync dir).
#pragma once

#include <string>

#include "base/result.h"

namespace sluice::cluster {

result<void> write_file_atomically(const std::string& path, const std::string& contents);
// Reads a whole small file; errc::not_found if it does not exist.
result<std::string> read_small_file(const std::string& path, size_t max_bytes = 64 << 20);

}  // namespace sluice::cluster
