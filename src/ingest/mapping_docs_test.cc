// The mapping tables in docs/dialects/<dialect>.md must list exactly the
// registry's column for that dialect: the docs cannot drift from the code.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "event/fields.h"

namespace auditlog::ingest {
namespace {

using Pairs = std::set<std::pair<std::string, std::string>>;

Pairs RegistryPairs(std::string_view dialect) {
  Pairs pairs;
  for (const event::FieldSpec& spec : event::AllFields()) {
    const std::string_view name = dialect == "authing" ? spec.dialects.authing
                                  : dialect == "enos"  ? spec.dialects.enos
                                                       : spec.dialects.auth0;
    if (!name.empty()) pairs.emplace(name, spec.path);
  }
  return pairs;
}

// Rows shaped "| `dialect name` | `event path` | ..." of the mapping table:
// the table headed "| dialect field | event field |" (the pages have other
// tables, of parameters and errors, whose rows also start with a name).
Pairs DocumentedPairs(const std::string& markdown) {
  Pairs pairs;
  std::istringstream lines(markdown);
  std::string line;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (line.starts_with("| dialect field | event field |")) {
      in_table = true;
      continue;
    }
    if (!line.starts_with("|")) in_table = false;
    if (!in_table || !line.starts_with("| `")) continue;
    const size_t name_end = line.find('`', 3);
    const size_t path_start = line.find('`', name_end + 1);
    const size_t path_end = line.find('`', path_start + 1);
    if (name_end == std::string::npos || path_start == std::string::npos ||
        path_end == std::string::npos)
      continue;
    pairs.emplace(line.substr(3, name_end - 3),
                  line.substr(path_start + 1, path_end - path_start - 1));
  }
  return pairs;
}

class MappingDocs : public ::testing::TestWithParam<const char*> {};

TEST_P(MappingDocs, TableMatchesRegistry) {
  const std::string path = std::string(AL_SOURCE_DIR) + "/docs/dialects/" + GetParam() + ".md";
  std::ifstream file(path);
  ASSERT_TRUE(file) << "missing " << path;
  std::stringstream contents;
  contents << file.rdbuf();
  EXPECT_EQ(DocumentedPairs(contents.str()), RegistryPairs(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Dialects, MappingDocs, ::testing::Values("authing", "enos", "auth0"));

}  // namespace
}  // namespace auditlog::ingest

namespace auditlog::ingest {
namespace {

// docs/dialects/native.md lists every registry field, in registry order, with
// its type and index kind.
TEST(NativeDocs, FieldTableMatchesRegistry) {
  const std::string path = std::string(AL_SOURCE_DIR) + "/docs/dialects/native.md";
  std::ifstream file(path);
  ASSERT_TRUE(file) << "missing " << path;
  std::vector<std::string> documented;
  std::string line;
  while (std::getline(file, line)) {
    if (!line.starts_with("| `")) continue;
    // "| `path` | type | index | JSON value |"
    std::vector<std::string> cells;
    std::stringstream row(line.substr(1));
    std::string cell;
    while (std::getline(row, cell, '|')) {
      const size_t first = cell.find_first_not_of(' ');
      const size_t last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    if (cells.size() < 3) continue;
    documented.push_back(cells[0] + " " + cells[1] + " " + cells[2]);
  }
  // The table lists the fields as the native JSON writes them.
  std::vector<std::string> registry;
  for (const event::FieldSpec* spec : event::FieldsInJsonOrder()) {
    registry.push_back("`" + std::string(spec->path) + "` " +
                       std::string(event::FieldTypeName(spec->type)) + " " +
                       std::string(event::IndexKindName(spec->index)));
  }
  EXPECT_EQ(documented, registry);
}

}  // namespace
}  // namespace auditlog::ingest
