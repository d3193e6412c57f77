// text_escape_test: escaping of client-chosen names for Prometheus labels, HTML and URLs.
#include "http/text_escape.h"

#include <gtest/gtest.h>

namespace sluice::http {
namespace {

TEST(TextEscape, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(valid_utf8("abc"), "abc");
  EXPECT_EQ(valid_utf8("h\xC3\xA9"), "h\xC3\xA9");
  EXPECT_EQ(valid_utf8("a\xFF"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
}

TEST(TextEscape, PrometheusLabelEscapesBackslashQuoteNewline) {
  EXPECT_EQ(prometheus_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(TextEscape, HtmlEscapesMarkup) {
  EXPECT_EQ(html_escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

TEST(TextEscape, UrlRoundTripAndMalformedEscapes) {
  const std::string id = "g/1 ü?&%";
  std::string back;
  ASSERT_TRUE(url_decode(url_encode(id), back));
  EXPECT_EQ(back, id);
  EXPECT_FALSE(url_decode("%", back));
  EXPECT_FALSE(url_decode("%4", back));
  EXPECT_FALSE(url_decode("%G0", back));
  EXPECT_TRUE(url_decode("a%41", back));
  EXPECT_EQ(back, "aA");
}

}  // namespace
}  // namespace sluice::http
