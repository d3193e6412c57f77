// Column-aligned text output for the group commands.
#include "cli/text_table.h"

#include <algorithm>

namespace sluice::cli {

std::string render_table(const table_row& header, const std::vector<table_row>& rows) {
  const size_t cols = header.size();
  std::vector<size_t> width(cols, 0);
  auto measure = [&](const table_row& r) {
    for (size_t c = 0; c < cols && c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  };
  measure(header);
  for (const auto& r : rows) measure(r);

  std::string out;
  auto emit = [&](const table_row& r) {
    std::string line;
    for (size_t c = 0; c < cols; ++c) {
      const std::string cell = c < r.size() ? r[c] : std::string();
      line += cell;
      if (c + 1 < cols) line.append(width[c] - cell.size() + 2, ' ');
    }
    // The last column is not padded, but empty trailing cells would still leave blanks.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit(header);
  for (const auto& r : rows) emit(r);
  return out;
}

}  // namespace sluice::cli
