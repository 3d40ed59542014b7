#pragma once

// Access to files under tests/testdata/ (the seeds' sample records and other
// fixtures). AL_TESTDATA_DIR is set for every test target by al_add_test().

#include <string>
#include <string_view>

namespace auditlog::testing {

// Returns the contents of tests/testdata/<relative_path>; aborts the test
// binary with a message when the file is missing (a broken checkout, not a
// test outcome).
std::string ReadTestData(std::string_view relative_path);

}  // namespace auditlog::testing
