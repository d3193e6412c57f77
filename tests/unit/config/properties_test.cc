// Tests for the Java .properties parser.
#include "config/properties.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace sluice::config {
namespace {

properties parse_ok(std::string_view text) {
  auto r = parse_properties(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
  return r.ok() ? r.value() : properties{};
}

std::string value_of(const properties& p, std::string_view key) {
  const auto* v = p.get(key);
  return v ? *v : "<missing>";
}

TEST(properties, AllThreeSeparatorsWork) {
  auto p = parse_ok("a=1\nb: 2\nc 3\nd = 4\ne\t:\t5\n");
  EXPECT_EQ(value_of(p, "a"), "1");
  EXPECT_EQ(value_of(p, "b"), "2");
  EXPECT_EQ(value_of(p, "c"), "3");
  EXPECT_EQ(value_of(p, "d"), "4");
  EXPECT_EQ(value_of(p, "e"), "5");
}

TEST(properties, OnlyTheFirstSeparatorIsConsumed) {
  auto p = parse_ok("a==b\nc :=d\ne=f=g\n");
  EXPECT_EQ(value_of(p, "a"), "=b");
  EXPECT_EQ(value_of(p, "c"), "=d");
  EXPECT_EQ(value_of(p, "e"), "f=g");
}

TEST(properties, CommentsAndBlankLinesAreSkipped) {
  auto p = parse_ok("# comment\n! also a comment\n\n   \n  # indented comment\nk=v # not a comment\n");
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(value_of(p, "k"), "v # not a comment");
}

TEST(properties, LeadingWhitespaceIsIgnoredTrailingIsKept) {
  auto p = parse_ok("   \t key = value  \n");
  EXPECT_EQ(value_of(p, "key"), "value  ");
}

TEST(properties, KeyWithoutValueIsEmpty) {
  auto p = parse_ok("lonely\nalso=\n");
  EXPECT_EQ(value_of(p, "lonely"), "");
  EXPECT_EQ(value_of(p, "also"), "");
}

TEST(properties, BackslashContinuesTheLineAndDropsLeadingWhitespace) {
  auto p = parse_ok("list=a,\\\n     b,\\\n\tc\nnext=1\n");
  EXPECT_EQ(value_of(p, "list"), "a,b,c");
  EXPECT_EQ(value_of(p, "next"), "1");
}

TEST(properties, EvenBackslashesDoNotContinue) {
  auto p = parse_ok("path=c:\\\\\nnext=1\n");
  EXPECT_EQ(value_of(p, "path"), "c:\\");
  EXPECT_EQ(value_of(p, "next"), "1");
}

TEST(properties, CommentLineIsNeverContinued) {
  auto p = parse_ok("# comment \\\nk=v\n");
  EXPECT_EQ(value_of(p, "k"), "v");
}

TEST(properties, ContinuationLineStartingWithHashIsData) {
  auto p = parse_ok("k=a\\\n  #b\n");
  EXPECT_EQ(value_of(p, "k"), "a#b");
}

TEST(properties, BackslashAtEndOfInputIsDropped) {
  auto p = parse_ok("k=v\\");
  EXPECT_EQ(value_of(p, "k"), "v");
}

TEST(properties, EscapesAreDecoded) {
  auto p = parse_ok("k=tab\\there\\nnl\\\\bs\\r\\f\\q\n");
  EXPECT_EQ(value_of(p, "k"), "tab\there\nnl\\bs\r\fq");
}

TEST(properties, EscapedSeparatorsBelongToTheKey) {
  auto p = parse_ok("a\\=b=c\nx\\:y:z\nsp\\ ace=1\n");
  EXPECT_EQ(value_of(p, "a=b"), "c");
  EXPECT_EQ(value_of(p, "x:y"), "z");
  EXPECT_EQ(value_of(p, "sp ace"), "1");
}

TEST(properties, UnicodeEscapesBecomeUtf8) {
  auto p = parse_ok("k=\\u00e9\\u20AC\\ud83d\\ude00\n");
  EXPECT_EQ(value_of(p, "k"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(properties, MalformedUnicodeEscapeIsAnErrorWithLineNumber) {
  auto r = parse_properties("a=1\n\nb=\\u12G4\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::invalid_argument);
  EXPECT_NE(r.err().message.find("line 3"), std::string::npos) << r.err().message;
}

TEST(properties, TruncatedUnicodeEscapeIsAnError) { EXPECT_FALSE(parse_properties("k=\\u12").ok()); }

TEST(properties, UnpairedSurrogateIsAnError) { EXPECT_FALSE(parse_properties("k=\\ud83d\n").ok()); }

TEST(properties, ErrorLineIsWhereTheLogicalLineStarts) {
  auto r = parse_properties("a=1\nb=x\\\n  y\\\n  \\uZZZZ\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("line 2"), std::string::npos) << r.err().message;
}

TEST(properties, AllLineEndingsCountLines) {
  auto p = parse_ok("a=1\r\nb=2\rc=3\nd=4");
  EXPECT_EQ(value_of(p, "b"), "2");
  EXPECT_EQ(value_of(p, "c"), "3");
  EXPECT_EQ(value_of(p, "d"), "4");
  EXPECT_EQ(p.find("d")->line, 4);
}

TEST(properties, LaterDuplicateWinsAndOrderIsFirstAppearance) {
  auto p = parse_ok("x=1\ny=2\nx=3\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.begin()->key, "x");
  EXPECT_EQ(p.begin()->value, "3");
  EXPECT_EQ(p.find("x")->line, 3);
}

TEST(properties, MissingFileIsAnIoError) {
  auto r = load_properties_file("/nonexistent/server.properties");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::io_error);
  EXPECT_EQ(r.err().sys_errno, ENOENT);
}

TEST(properties, FileIsLoaded) {
  std::string path = ::testing::TempDir() + "/props_test.properties";
  std::ofstream(path) << "broker.id=7\n";
  auto r = load_properties_file(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(value_of(r.value(), "broker.id"), "7");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice::config
