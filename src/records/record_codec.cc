// Record (v2) decoding and encoding.
#include "records/record_codec.h"

#include "records/varint.h"

namespace sluice::records {
namespace {

// Cursor over a bounded byte range; every read checks the bound.
struct cursor {
  const uint8_t* p;
  const uint8_t* end;
  size_t left() const { return static_cast<size_t>(end - p); }
  bool varint(int32_t& v) {
    const size_t n = read_varint({p, left()}, v);
    p += n;
    return n != 0;
  }
  bool varlong(int64_t& v) {
    const size_t n = read_varlong({p, left()}, v);
    p += n;
    return n != 0;
  }
  // Reads a varint length and that many bytes; -1 gives null when allow_null.
  const char* nullable(nullable_bytes& out, bool allow_null, const char* what_bad) {
    int32_t len = 0;
    if (!varint(len)) return "malformed varint length";
    if (len < 0) {
      if (len == -1 && allow_null) {
        out.reset();
        return nullptr;
      }
      return what_bad;
    }
    if (static_cast<size_t>(len) > left()) return "length runs past the end of the record";
    out = bytes_view{p, static_cast<size_t>(len)};
    p += len;
    return nullptr;
  }
};

}  // namespace

void header_range::iterator::load() {
  if (left_ <= 0) {
    left_ = 0;
    return;
  }
  cursor c{rest_.data(), rest_.data() + rest_.size()};
  nullable_bytes key;
  // Validated by decode_record; a failure here would mean the caller built the range by hand.
  if (c.nullable(key, false, "bad") || c.nullable(cur_.value, true, "bad")) {
    left_ = 0;
    return;
  }
  cur_.key = *key;
  rest_ = rest_.subspan(static_cast<size_t>(c.p - rest_.data()));
}

const char* decode_record(bytes_view data, int64_t base_offset, int64_t base_timestamp, record_view& out) {
  cursor c{data.data(), data.data() + data.size()};
  int32_t body = 0;
  if (!c.varint(body)) return "malformed record length";
  if (body <= 0) return "record length is not positive";
  if (static_cast<size_t>(body) > c.left()) return "record length runs past the end of the batch";
  const size_t prefix = static_cast<size_t>(c.p - data.data());
  cursor r{c.p, c.p + body};
  out.attributes = static_cast<int8_t>(*r.p++);
  if (!r.varlong(out.timestamp_delta)) return "malformed timestamp delta";
  if (!r.varint(out.offset_delta)) return "malformed offset delta";
  if (const char* e = r.nullable(out.key, true, "negative key length below -1")) return e;
  if (const char* e = r.nullable(out.value, true, "negative value length below -1")) return e;
  int32_t header_count = 0;
  if (!r.varint(header_count)) return "malformed header count";
  if (header_count < 0) return "negative header count";
  // Each header takes at least 2 bytes; reject absurd counts before looping.
  if (static_cast<size_t>(header_count) > r.left() / 2) return "header count exceeds the record size";
  const uint8_t* headers_start = r.p;
  for (int32_t i = 0; i < header_count; ++i) {
    nullable_bytes key, value;
    if (const char* e = r.nullable(key, false, "negative header key length")) return e;
    if (const char* e = r.nullable(value, true, "negative header value length below -1")) return e;
  }
  if (r.p != r.end) return "record length does not match its fields";
  out.headers = header_range({headers_start, static_cast<size_t>(r.p - headers_start)}, header_count);
  out.offset = wrapping_add(base_offset, out.offset_delta);
  out.timestamp = wrapping_add(base_timestamp, out.timestamp_delta);
  out.encoded_size = prefix + static_cast<size_t>(body);
  return nullptr;
}

void encode_record(std::string& out, int32_t offset_delta, int64_t timestamp_delta, nullable_bytes key,
                   nullable_bytes value, std::span<const header_view> headers) {
  auto field_size = [](const nullable_bytes& b) {
    return b ? varint_size(static_cast<int32_t>(b->size())) + b->size() : varint_size(-1);
  };
  size_t body = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + field_size(key) +
                field_size(value) + varint_size(static_cast<int32_t>(headers.size()));
  for (const auto& h : headers) body += field_size(h.key) + field_size(h.value);
  auto put = [&out](const nullable_bytes& b) {
    if (!b) {
      append_varint(out, -1);
      return;
    }
    append_varint(out, static_cast<int32_t>(b->size()));
    out.append(reinterpret_cast<const char*>(b->data()), b->size());
  };
  out.reserve(out.size() + body + max_varint_bytes);
  append_varint(out, static_cast<int32_t>(body));
  out.push_back(0);  // attributes: unused
  append_varlong(out, timestamp_delta);
  append_varint(out, offset_delta);
  put(key);
  put(value);
  append_varint(out, static_cast<int32_t>(headers.size()));
  for (const auto& h : headers) {
    put(h.key);
    put(h.value);
  }
}

}  // namespace sluice::records
