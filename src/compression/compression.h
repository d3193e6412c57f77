// compression: compress/decompress the record payload of Kafka batches and legacy wrapper
// messages with gzip, snappy, lz4 or zstd. Every decompression is bounded by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "base/result.h"

namespace sluice::compression {

// Kafka's codec ids (attribute bits 0-2 of a RecordBatch / legacy message). The numeric values
// are the wire values; records::compression has the same values.
enum class codec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

const char* to_string(codec c);

// Use the codec's default level: gzip 6 (zlib default, as Kafka), lz4 0 (fast mode, as
// librdkafka; Kafka >= 3.8 uses HC level 9, slower for little gain on broker-side
// recompression), zstd 3 (as Kafka). Snappy has no levels.
inline constexpr int default_level = std::numeric_limits<int>::min();

// Compresses `input` as one stream of `c`:
//   gzip   - one gzip member (RFC 1952), as java.util.zip.GZIPOutputStream writes;
//   snappy - xerial/snappy-java framing (`\x82SNAPPY\0`, version 1, compat 1, then int32-length
//            blocks of at most 32 KiB of input), as the Java client writes. Every Kafka client and
//            librdkafka read it; writing the Java form means Java consumers of any age can read it;
//   lz4    - one LZ4 frame (64 KiB independent blocks, correct header checksum per KIP-57);
//   zstd   - one zstd frame with its content size.
// none returns a copy. Errors: invalid_argument for an unknown codec, internal if the library fails.
result<std::string> compress(codec c, std::span<const uint8_t> input, int level = default_level);

// Decompresses `input`. Accepts for
//   gzip   - one or more concatenated gzip members (trailing bytes that are not a gzip header
//            are ignored, like java.util.zip.GZIPInputStream);
//   snappy - raw snappy (librdkafka, kafka-python) or xerial framing (Java), detected by the
//            8-byte xerial magic;
//   lz4    - one or more LZ4 frames;
//   zstd   - one or more zstd frames, with or without a content size (streaming decode).
// Never allocates much more than max_output + 1 bytes. Errors:
//   out_of_range - the output would exceed max_output (e.g. a decompression bomb);
//   corruption   - garbage, truncated or otherwise undecodable input;
//   invalid_argument - unknown codec.
result<std::string> decompress(codec c, std::span<const uint8_t> input, size_t max_output);

// LZ4 as written by Kafka < 0.10 for magic-0 messages (KAFKA-3160): the frame header checksum was
// computed over the magic number too. Repairs that byte and decodes; also accepts correct frames.
result<std::string> decompress_lz4_legacy_kafka(std::span<const uint8_t> input, size_t max_output);

}  // namespace sluice::compression
