#include "testing/testdata.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace auditlog::testing {

std::string ReadTestData(std::string_view relative_path) {
#ifdef AL_TESTDATA_DIR
  const std::string path = std::string(AL_TESTDATA_DIR) + "/" + std::string(relative_path);
#else
  const std::string path = "tests/testdata/" + std::string(relative_path);
#endif
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "missing test data file %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

}  // namespace auditlog::testing
