// text_escape: escaping of broker-supplied strings (topic names, group and client ids: arbitrary
// bytes from clients) for the Prometheus text format and for HTML.
#pragma once

#include <string>
#include <string_view>

namespace sluice::http {

// Bytes that are not valid UTF-8 become U+FFFD: both formats are UTF-8 and a client-chosen
// group id must not make the whole page unparsable.
std::string valid_utf8(std::string_view s);
// A Prometheus label value: valid UTF-8 with \, " and newline escaped (text format 0.0.4).
std::string prometheus_label(std::string_view s);
// HTML text and attribute values: & < > " ' escaped.
std::string html_escape(std::string_view s);
// Percent-encodes everything but unreserved characters (RFC 3986), for links to /v1/groups/<id>.
std::string url_encode(std::string_view s);
// Decodes %XX escapes into `out`; false on a malformed escape.
bool url_decode(std::string_view s, std::string& out);

}  // namespace sluice::http
