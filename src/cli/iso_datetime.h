// Parses the timestamps `group reset-offsets --to-datetime` takes (kafka-consumer-groups.sh's
// YYYY-MM-DDTHH:mm:SS.sss with an optional zone) into milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"

namespace sluice::cli {

// Accepts "YYYY-MM-DDTHH:mm:SS", an optional fraction of 1-9 digits (".5", ".123", ".123456";
// digits past milliseconds are dropped), then an optional zone: "Z", "+HH", "+HH:MM" or "+HHMM"
// (or '-'). Without a zone the time is local time, as in Kafka's tool. Out-of-range fields
// (month 13, Feb 30, hour 24) are usage errors that quote the input.
result<int64_t> parse_iso_datetime(std::string_view text);

// Days from 1970-01-01 to the given proleptic Gregorian date (negative before 1970).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

}  // namespace sluice::cli
