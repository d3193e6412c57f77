// Renders rows of strings as a left-aligned text table (kafka-consumer-groups.sh layout): each
// column as wide as its widest cell, two spaces between columns, no trailing blanks.
#pragma once

#include <string>
#include <vector>

namespace sluice::cli {

using table_row = std::vector<std::string>;

// Rows shorter than the header are padded with empty cells. Every line ends with '\n'.
std::string render_table(const table_row& header, const std::vector<table_row>& rows);

}  // namespace sluice::cli
