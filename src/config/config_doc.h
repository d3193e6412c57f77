// config_doc: renders the config table as the generated reference section of docs/CONFIG.md.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace sluice::config {

// Markers around the generated part of docs/CONFIG.md; everything outside them is hand-written.
inline constexpr std::string_view config_doc_begin_marker = "<!-- BEGIN GENERATED: sluice_config_docgen -->";
inline constexpr std::string_view config_doc_end_marker = "<!-- END GENERATED: sluice_config_docgen -->";

// The generated reference (markdown), without the markers.
std::string render_config_reference();

// `document` with the text between the markers replaced by render_config_reference().
// invalid_argument if the markers are missing or out of order.
result<std::string> splice_config_reference(std::string_view document);

}  // namespace sluice::config
