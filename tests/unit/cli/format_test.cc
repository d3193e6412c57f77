// Text helpers: k=v parsing, escapes, producer line parsing, consumer output formatting, and the
// condensing of librdkafka connection errors.
#include <gtest/gtest.h>

#include "cli/common.h"
#include "cli/line_parser.h"
#include "cli/record_format.h"
#include "cli/rk_handle.h"

namespace sluice::cli {
namespace {

TEST(KeyValue, SplitsAtTheFirstEquals) {
  auto kv = parse_key_value("a=b=c");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->first, "a");
  EXPECT_EQ(kv->second, "b=c");
  EXPECT_TRUE(parse_key_value("a="));
  EXPECT_FALSE(parse_key_value("=v"));
  EXPECT_FALSE(parse_key_value("novalue"));
}

TEST(ConfigList, BracketsKeepCommasInsideTheValue) {
  auto l = parse_config_list("a=1,b=[x,y],c=");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[1].second, "x,y");
  EXPECT_EQ((*l)[2].second, "");
  EXPECT_FALSE(parse_config_list("a=[1,2"));
  EXPECT_FALSE(parse_config_list("a=1,,b=2"));
}

TEST(PropertyList, SplitsOnlyBeforeAPropertyName) {
  EXPECT_EQ(split_property_list("parse.key=true,key.separator=:"),
            (std::vector<std::string>{"parse.key=true", "key.separator=:"}));
  EXPECT_EQ(split_property_list("key.separator=,"), (std::vector<std::string>{"key.separator=,"}));
  EXPECT_EQ(split_property_list("key.separator=,,print.key=true"),
            (std::vector<std::string>{"key.separator=,", "print.key=true"}));
  EXPECT_EQ(split_property_list("headers.separator=a,b"),
            (std::vector<std::string>{"headers.separator=a,b"}));
}

TEST(Escapes, UnescapeAndDisplayAreInverse) {
  EXPECT_EQ(unescape("a\\tb\\nc\\\\d\\q"), "a\tb\nc\\d\\q");
  EXPECT_EQ(escape_for_display("\t|\n"), "\\t|\\n");
}

TEST(Numbers, ParseIntAndBool) {
  EXPECT_EQ(*parse_int("x", "-12"), -12);
  EXPECT_FALSE(parse_int("x", "12a"));
  EXPECT_FALSE(parse_int("x", ""));
  EXPECT_TRUE(*parse_bool("k", "true"));
  EXPECT_FALSE(*parse_bool("k", "0"));
  EXPECT_FALSE(parse_bool("k", "maybe"));
}

TEST(LineParser, PlainLineIsTheValue) {
  line_format f;
  auto r = parse_line("hello\tworld", f);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->key);
  EXPECT_EQ(r->value, "hello\tworld");
}

TEST(LineParser, KeySplitsAtTheFirstSeparator) {
  line_format f;
  f.parse_key = true;
  f.key_separator = ":";
  auto r = parse_line("k:v:w", f);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "k");
  EXPECT_EQ(r->value, "v:w");
  auto missing = parse_line("nokey", f);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.err().message.find("':'"), std::string::npos);
}

TEST(LineParser, HeadersComeFirstThenKeyThenValue) {
  line_format f;
  ASSERT_TRUE(apply_producer_property(f, "parse.key", "true"));
  ASSERT_TRUE(apply_producer_property(f, "parse.headers", "true"));
  ASSERT_TRUE(apply_producer_property(f, "null.marker", "NULL"));
  auto r = parse_line("h1:v1,h2,h3:NULL\tkey\tvalue", f);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->headers.size(), 3u);
  EXPECT_EQ(r->headers[0].first, "h1");
  EXPECT_EQ(r->headers[0].second, "v1");
  EXPECT_FALSE(r->headers[1].second);
  EXPECT_FALSE(r->headers[2].second);
  EXPECT_EQ(r->key, "key");
  EXPECT_EQ(r->value, "value");
}

TEST(LineParser, NullMarkerMakesNullKeyOrValue) {
  line_format f;
  ASSERT_TRUE(apply_producer_property(f, "parse.key", "true"));
  ASSERT_TRUE(apply_producer_property(f, "key.separator", ","));
  ASSERT_TRUE(apply_producer_property(f, "null.marker", "<null>"));
  auto r = parse_line("<null>,<null>", f);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->key);
  EXPECT_FALSE(r->value);
  EXPECT_FALSE(apply_producer_property(f, "key.separator", ""));
  EXPECT_FALSE(apply_producer_property(f, "print.key", "true"));
}

record_view sample() {
  record_view r;
  r.topic = "t";
  r.partition = 2;
  r.offset = 41;
  r.timestamp_ms = 1700000000000;
  r.ts_kind = timestamp_kind::create_time;
  r.key = "k";
  r.value = "v";
  r.headers = {{"a", "1"}, {"b", std::nullopt}};
  return r;
}

TEST(RecordFormat, DefaultPrintsOnlyTheValue) {
  std::string out;
  format_record(sample(), output_format{}, out);
  EXPECT_EQ(out, "v\n");
}

TEST(RecordFormat, AllFieldsInKafkaOrder) {
  output_format f;
  for (const char* k : {"print.timestamp", "print.partition", "print.offset", "print.headers", "print.key"}) {
    ASSERT_TRUE(apply_consumer_property(f, k, "true"));
  }
  std::string out;
  format_record(sample(), f, out);
  EXPECT_EQ(out, "CreateTime:1700000000000\tPartition:2\tOffset:41\ta:1,b:null\tk\tv\n");
}

TEST(RecordFormat, NullKeyAndNoHeadersUseKafkaLiterals) {
  output_format f;
  ASSERT_TRUE(apply_consumer_property(f, "print.key", "true"));
  ASSERT_TRUE(apply_consumer_property(f, "print.headers", "true"));
  ASSERT_TRUE(apply_consumer_property(f, "key.separator", " | "));
  auto r = sample();
  r.key.reset();
  r.headers.clear();
  std::string out;
  format_record(r, f, out);
  EXPECT_EQ(out, "NO_HEADERS | null | v\n");
}

TEST(RecordFormat, TemplateDirectives) {
  output_format f;
  f.tmpl = "%t/%p@%o %k(%K)=%s(%S) T%T [%h] 100%%\n";
  std::string out;
  format_record(sample(), f, out);
  EXPECT_EQ(out, "t/2@41 k(1)=v(1) T1700000000000 [a=1,b=null] 100%\n");
  EXPECT_TRUE(check_template(*f.tmpl));
  EXPECT_FALSE(check_template("%q"));
  EXPECT_FALSE(check_template("50%"));
}

TEST(ConnectError, ConnectionRefusedIsCondensed) {
  EXPECT_EQ(condense_connect_error("127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 "
                                   "failed: Connection refused (after 0ms in state CONNECT)"),
            "connection refused");
  EXPECT_EQ(condense_connect_error("127.0.0.1:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 "
                                   "failed: Connection refused (after 0ms in state CONNECT, 1 "
                                   "identical error(s) suppressed)"),
            "connection refused");
}

TEST(ConnectError, ResolveAndProtocolErrorsKeepTheirDetail) {
  EXPECT_EQ(condense_connect_error("nohost:9092/bootstrap: Failed to resolve 'nohost:9092': Name "
                                   "or service not known (after 2ms in state CONNECT)"),
            "failed to resolve 'nohost:9092': Name or service not known");
  EXPECT_EQ(condense_connect_error("127.0.0.1:9092/1: Receive failed: Disconnected (after 3ms in "
                                   "state APIVERSION_QUERY)"),
            "receive failed: Disconnected (in state APIVERSION_QUERY)");
}

}  // namespace
}  // namespace sluice::cli
