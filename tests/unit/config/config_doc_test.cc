// Tests that docs/CONFIG.md lists every key and that its generated section is current.
#include "config/config_doc.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/config_def.h"

namespace sluice::config {
namespace {

std::string read_config_md() {
  std::ifstream in(SLUICE_CONFIG_MD);
  EXPECT_TRUE(in.good()) << "cannot read " << SLUICE_CONFIG_MD;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(config_doc, ConfigMdListsEveryKey) {
  std::string doc = read_config_md();
  for (const auto& k : config_table()) {
    EXPECT_NE(doc.find("| `" + std::string(k.name) + "`"), std::string::npos)
        << k.name << " missing from CONFIG.md";
  }
}

TEST(config_doc, GeneratedSectionIsCurrent) {
  std::string doc = read_config_md();
  auto regenerated = splice_config_reference(doc);
  ASSERT_TRUE(regenerated.ok()) << regenerated.err().message;
  EXPECT_TRUE(regenerated.value() == doc)
      << "docs/CONFIG.md is stale: run sluice_config_docgen docs/CONFIG.md from the repository root";
}

TEST(config_doc, SpliceNeedsBothMarkers) {
  EXPECT_FALSE(splice_config_reference("no markers here").ok());
  std::string doc = "intro\n" + std::string(config_doc_begin_marker) + "\nold\n" +
                    std::string(config_doc_end_marker) + "\noutro\n";
  auto r = splice_config_reference(doc);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find("old\n"), std::string::npos);
  EXPECT_NE(r->find("`retention.ms`"), std::string::npos);
  EXPECT_TRUE(r->ends_with(std::string(config_doc_end_marker) + "\noutro\n"));
}

}  // namespace
}  // namespace sluice::config
