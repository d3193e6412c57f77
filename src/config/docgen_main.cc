// sluice_config_docgen: rewrites (or, with --check, verifies) the generated section of
// docs/CONFIG.md from the config table.
#include <fstream>
#include <iostream>
#include <sstream>

#include "config/config_doc.h"

int main(int argc, char** argv) {
  bool check = argc == 3 && std::string(argv[1]) == "--check";
  if (argc != 2 && !check) {
    std::cerr << "usage: sluice_config_docgen [--check] docs/CONFIG.md\n";
    return 2;
  }
  const std::string path = argv[argc - 1];
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot read\n";
    return 1;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto updated = sluice::config::splice_config_reference(buffer.str());
  if (!updated) {
    std::cerr << path << ": " << updated.err().message << "\n";
    return 1;
  }
  if (check) {
    if (updated.value() == buffer.str()) return 0;
    std::cerr << path << " is stale: run sluice_config_docgen " << path << "\n";
    return 1;
  }
  std::ofstream out(path, std::ios::trunc);
  out << updated.value();
  return out ? 0 : 1;
}
