// Tests for compression/: every codec round-trips, reads the framings other clients write, and
// fails cleanly (never crashes, never over-allocates) on hostile input.
#include "compression/compression.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::compression {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string compressible(size_t n) {
  std::string s;
  while (s.size() < n) s += "kafka record value " + std::to_string(s.size() % 997) + "; ";
  s.resize(n);
  return s;
}

const codec all_codecs[] = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
const codec real_codecs[] = {codec::gzip, codec::snappy, codec::lz4, codec::zstd};

class RoundTrip : public ::testing::TestWithParam<codec> {};

TEST_P(RoundTrip, EmptySmallCompressibleAndRandomInputsSurviveUnchanged) {
  for (const std::string& input :
       {std::string(), std::string("hello"), compressible(1 << 20), random_bytes(200 * 1024, 7)}) {
    auto c = compress(GetParam(), bytes(input));
    ASSERT_TRUE(c.ok()) << c.err().message;
    auto d = decompress(GetParam(), bytes(*c), input.size());
    ASSERT_TRUE(d.ok()) << to_string(GetParam()) << ": " << d.err().message;
    EXPECT_EQ(*d, input);
  }
}

TEST_P(RoundTrip, ExplicitLevelsWork) {
  const std::string input = compressible(100000);
  const int level = GetParam() == codec::gzip ? 1 : GetParam() == codec::zstd ? 19 : 1;
  auto c = compress(GetParam(), bytes(input), level);
  ASSERT_TRUE(c.ok());
  auto d = decompress(GetParam(), bytes(*c), input.size());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, input);
}

TEST_P(RoundTrip, OutputOfExactlyMaxOutputIsAcceptedAndOneMoreByteIsNot) {
  const std::string input = compressible(300000);
  auto c = compress(GetParam(), bytes(input));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(decompress(GetParam(), bytes(*c), input.size()).ok());
  auto d = decompress(GetParam(), bytes(*c), input.size() - 1);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::out_of_range);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTrip, ::testing::ValuesIn(all_codecs),
                         [](const auto& info) { return std::string(to_string(info.param)); });

class Hostile : public ::testing::TestWithParam<codec> {};

TEST_P(Hostile, TruncatedStreamsAreCorruption) {
  const std::string input = random_bytes(100000, 3) + compressible(100000);
  auto c = compress(GetParam(), bytes(input));
  ASSERT_TRUE(c.ok());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{5}, c->size() / 2, c->size() - 1}) {
    std::string t = c->substr(0, cut);
    auto d = decompress(GetParam(), bytes(t), 1 << 20);
    ASSERT_FALSE(d.ok()) << to_string(GetParam()) << " cut at " << cut;
    EXPECT_EQ(d.err().code, errc::corruption) << d.err().message;
  }
}

TEST_P(Hostile, RandomGarbageFailsWithoutCrashing) {
  for (uint32_t seed = 0; seed < 200; ++seed) {
    const std::string g = random_bytes(1 + seed * 13 % 700, seed);
    auto d = decompress(GetParam(), bytes(g), 1 << 16);
    if (d.ok()) {
      EXPECT_LE(d->size(), size_t{1} << 16);
    }
  }
}

TEST_P(Hostile, FlippedBytesInValidStreamsFailOrStayBounded) {
  const std::string input = compressible(50000);
  auto c = compress(GetParam(), bytes(input));
  ASSERT_TRUE(c.ok());
  for (size_t i = 0; i < c->size(); i += 1 + c->size() / 97) {
    std::string m = *c;
    m[i] = static_cast<char>(m[i] ^ 0x5A);
    auto d = decompress(GetParam(), bytes(m), 60000);
    if (d.ok()) {
      EXPECT_LE(d->size(), size_t{60000});
    }
  }
}

TEST_P(Hostile, DecompressionBombExceedingMaxOutputIsRejected) {
  const std::string zeros(50u << 20, '\0');
  auto c = compress(GetParam(), bytes(zeros));
  ASSERT_TRUE(c.ok());
  EXPECT_LT(c->size(), zeros.size() / 20);
  auto d = decompress(GetParam(), bytes(*c), 1 << 20);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::out_of_range);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, Hostile, ::testing::ValuesIn(real_codecs),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// --- gzip -----------------------------------------------------------------------------------

std::string zlib_gzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(Gzip, OutputIsAGzipStreamZlibCanRead) {
  const std::string input = compressible(10000);
  auto c = compress(codec::gzip, bytes(input));
  ASSERT_TRUE(c.ok());
  ASSERT_GE(c->size(), 10u);
  EXPECT_EQ(static_cast<uint8_t>((*c)[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>((*c)[1]), 0x8b);
  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(input.size() + 10, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(c->data());
  zs.avail_in = static_cast<uInt>(c->size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  EXPECT_EQ(out, input);
}

TEST(Gzip, ConcatenatedMembersDecodeToTheConcatenation) {
  const std::string a = compressible(5000), b = random_bytes(3000, 9);
  const std::string stream = zlib_gzip(a) + zlib_gzip(b);
  auto d = decompress(codec::gzip, bytes(stream), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, a + b);
}

TEST(Gzip, TrailingNonGzipBytesAreIgnoredLikeJava) {
  const std::string a = compressible(5000);
  const std::string stream = zlib_gzip(a) + std::string("\0\0\0junk", 7);
  auto d = decompress(codec::gzip, bytes(stream), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, a);
}

TEST(Gzip, ZlibFramingWithoutGzipHeaderIsRejected) {
  const std::string input = compressible(1000);
  uLongf n = compressBound(input.size());
  std::string z(n, '\0');
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(z.data()), &n, reinterpret_cast<const Bytef*>(input.data()),
                      input.size(), 6),
            Z_OK);
  z.resize(n);
  EXPECT_FALSE(decompress(codec::gzip, bytes(z), 1 << 20).ok());
}

// --- snappy ---------------------------------------------------------------------------------

void put_be32(std::string& s, uint32_t v) {
  for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>(v >> shift));
}

// Builds xerial framing by hand from the snappy-java format description.
std::string xerial(const std::vector<std::string>& blocks) {
  std::string s("\x82SNAPPY\0", 8);
  put_be32(s, 1);
  put_be32(s, 1);
  for (const auto& b : blocks) {
    std::string raw;
    snappy::Compress(b.data(), b.size(), &raw);
    put_be32(s, static_cast<uint32_t>(raw.size()));
    s += raw;
  }
  return s;
}

TEST(Snappy, OurOutputIsXerialFramedLikeTheJavaClient) {
  const std::string input = compressible(100000);
  auto c = compress(codec::snappy, bytes(input));
  ASSERT_TRUE(c.ok());
  ASSERT_GE(c->size(), 16u);
  EXPECT_EQ(c->substr(0, 8), std::string("\x82SNAPPY\0", 8));
  // First block holds 32 KiB of input, readable as raw snappy.
  const uint32_t len =
      (uint32_t{static_cast<uint8_t>((*c)[16])} << 24) | (uint32_t{static_cast<uint8_t>((*c)[17])} << 16) |
      (uint32_t{static_cast<uint8_t>((*c)[18])} << 8) | uint32_t{static_cast<uint8_t>((*c)[19])};
  std::string first;
  ASSERT_TRUE(snappy::Uncompress(c->data() + 20, len, &first));
  EXPECT_EQ(first, input.substr(0, 32768));
}

TEST(Snappy, RawSnappyAsLibrdkafkaWritesDecodes) {
  const std::string input = compressible(70000);
  std::string raw;
  snappy::Compress(input.data(), input.size(), &raw);
  auto d = decompress(codec::snappy, bytes(raw), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, input);
}

TEST(Snappy, HandBuiltXerialWithSeveralBlocksDecodes) {
  const std::string a = compressible(40000), b = random_bytes(1000, 1), c = "tail";
  auto d = decompress(codec::snappy, bytes(xerial({a, b, c})), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, a + b + c);
}

TEST(Snappy, XerialHeaderWithNoBlocksIsEmpty) {
  auto d = decompress(codec::snappy, bytes(xerial({})), 100);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->empty());
}

TEST(Snappy, XerialBlockLengthPastTheEndIsCorruption) {
  std::string s = xerial({compressible(1000)});
  s.resize(s.size() - 3);
  auto d = decompress(codec::snappy, bytes(s), 1 << 20);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::corruption);
}

TEST(Snappy, XerialBlocksTogetherExceedingMaxOutputAreRejected) {
  const std::string block = compressible(30000);
  auto d = decompress(codec::snappy, bytes(xerial({block, block, block})), 80000);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::out_of_range);
}

TEST(Snappy, RawBlockClaimingAHugeLengthIsRejectedBeforeAllocating) {
  // varint 0xFFFFFFFF then a few bytes: claims 4 GiB.
  const std::string s("\xff\xff\xff\xff\x0f\x00\x01\x02", 8);
  auto small = decompress(codec::snappy, bytes(s), 1 << 20);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.err().code, errc::out_of_range);
  auto big = decompress(codec::snappy, bytes(s), SIZE_MAX);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.err().code, errc::corruption);
}

// --- lz4 ------------------------------------------------------------------------------------

TEST(Lz4, OutputIsAStandardFrameWithACorrectHeaderChecksum) {
  const std::string input = compressible(200000);
  auto c = compress(codec::lz4, bytes(input));
  ASSERT_TRUE(c.ok());
  // 04 22 4D 18 | FLG 0x60 (v1, independent blocks) | BD 0x40 (64 KiB) | HC 0x82
  EXPECT_EQ(c->substr(0, 7), std::string("\x04\x22\x4d\x18\x60\x40\x82", 7));
  LZ4F_dctx* dctx = nullptr;
  ASSERT_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
  std::string out(input.size(), '\0');
  size_t dst = out.size(), src = c->size();
  EXPECT_EQ(LZ4F_decompress(dctx, out.data(), &dst, c->data(), &src, nullptr), 0u);
  LZ4F_freeDecompressionContext(dctx);
  EXPECT_EQ(dst, input.size());
  EXPECT_EQ(out, input);
}

TEST(Lz4, ConcatenatedFramesDecode) {
  const std::string a = compressible(1000), b = compressible(2000);
  auto ca = compress(codec::lz4, bytes(a));
  auto cb = compress(codec::lz4, bytes(b));
  ASSERT_TRUE(ca.ok() && cb.ok());
  auto d = decompress(codec::lz4, bytes(*ca + *cb), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, a + b);
}

TEST(Lz4, KafkaPre010HeaderChecksumIsRejectedNormallyButAcceptedByTheLegacyDecoder) {
  const std::string input = compressible(5000);
  auto c = compress(codec::lz4, bytes(input));
  ASSERT_TRUE(c.ok());
  std::string broken = *c;
  // XXH32 over 04 22 4D 18 60 40 (magic included, the KAFKA-3160 bug) is 0xc8581a3a; HC = 0x1a.
  broken[6] = '\x1a';
  EXPECT_FALSE(decompress(codec::lz4, bytes(broken), 1 << 20).ok());
  auto d = decompress_lz4_legacy_kafka(bytes(broken), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, input);
  auto good = decompress_lz4_legacy_kafka(bytes(*c), 1 << 20);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, input);
  broken[6] = '\x33';  // neither checksum
  EXPECT_FALSE(decompress_lz4_legacy_kafka(bytes(broken), 1 << 20).ok());
}

// --- zstd -----------------------------------------------------------------------------------

TEST(Zstd, FrameWithoutContentSizeDecodesByStreaming) {
  const std::string input = compressible(300000);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(input.size()), '\0');
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  ZSTD_inBuffer i{input.data(), input.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(cctx, &o, &i, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(cctx);
  out.resize(o.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  auto d = decompress(codec::zstd, bytes(out), input.size());
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, input);
  auto bomb = decompress(codec::zstd, bytes(out), 1000);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.err().code, errc::out_of_range);
}

TEST(Zstd, ConcatenatedFramesDecode) {
  const std::string a = compressible(1000), b = random_bytes(500, 4);
  auto ca = compress(codec::zstd, bytes(a));
  auto cb = compress(codec::zstd, bytes(b));
  ASSERT_TRUE(ca.ok() && cb.ok());
  auto d = decompress(codec::zstd, bytes(*ca + *cb), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_EQ(*d, a + b);
}

TEST(Zstd, OutputIsAFrameLibzstdReadsWithItsContentSize) {
  const std::string input = compressible(12345);
  auto c = compress(codec::zstd, bytes(input));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(ZSTD_getFrameContentSize(c->data(), c->size()), input.size());
  std::string out(input.size(), '\0');
  EXPECT_EQ(ZSTD_decompress(out.data(), out.size(), c->data(), c->size()), input.size());
  EXPECT_EQ(out, input);
}

TEST(Codecs, UnknownCodecIdIsInvalidArgument) {
  const std::string input = "x";
  auto c = compress(static_cast<codec>(5), bytes(input));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.err().code, errc::invalid_argument);
  auto d = decompress(static_cast<codec>(7), bytes(input), 10);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::invalid_argument);
}

TEST(Codecs, NoneIsACopyBoundedByMaxOutput) {
  const std::string input = "abcdef";
  auto d = decompress(codec::none, bytes(input), 6);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, input);
  EXPECT_FALSE(decompress(codec::none, bytes(input), 5).ok());
}

}  // namespace
}  // namespace sluice::compression
