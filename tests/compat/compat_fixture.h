#pragma once

// The compatibility tests' starting point: a real auditlog server over TLS
// (the vendors' Node clients speak HTTPS only) with a test CA, and a way to
// run one of the Node scripts in this folder against it with the vendor's
// official client package (installed into tests/compat/node_modules by
// scripts/install-deps.sh from package-lock.json).
//
// Without Node.js (or with one older than a client needs), or without the
// installed packages, the tests say so loudly and skip; under CI=true they
// fail instead, so CI never passes by skipping.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "../integration/server_fixture.h"
#include "testing/tls_certs.h"

namespace auditlog::testing {

struct NodeRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  // The last line of stdout parsed as JSON (what the scripts report), or null.
  nlohmann::json report;
};

// Node's version as {major, minor}, or {0, 0} when `node` is not on PATH.
std::pair<int, int> NodeVersion();

// The folder of the compatibility scripts and their node_modules.
std::string CompatDir();

// Why Node >= min_major.min_minor with npm `package` installed in
// tests/compat cannot run here, or "" when it can.
std::string NodeMissing(int min_major, int min_minor, const std::string& package);
bool UnderCi();

// Skips the test (fails it under CI) unless Node >= major.minor and npm
// `package` are installed. Use in the test body.
#define AL_REQUIRE_NODE(major, minor, package)                                                  \
  do {                                                                                          \
    const std::string al_missing = ::auditlog::testing::NodeMissing(major, minor, package);     \
    if (!al_missing.empty()) {                                                                  \
      if (::auditlog::testing::UnderCi())                                                       \
        FAIL() << "COMPATIBILITY TEST CANNOT RUN: " << al_missing;                              \
      std::fprintf(stderr, "\n*** COMPATIBILITY TEST SKIPPED: %s ***\n\n", al_missing.c_str()); \
      GTEST_SKIP() << al_missing;                                                               \
    }                                                                                           \
  } while (0)

class CompatFixture : public ServerFixture {
 protected:
  // Starts the server with TLS. Call from the test (not SetUp) after any
  // config_ changes.
  void StartTlsServer();

  // Runs `node <CompatDir()>/<script>` with NODE_EXTRA_CA_CERTS set to the
  // test CA, AUDITLOG_URL (https://127.0.0.1:PORT), AUDITLOG_HOST
  // (127.0.0.1:PORT) and `env`; waits at most `timeout_seconds`.
  NodeRun RunNode(const std::string& script, const std::map<std::string, std::string>& env,
                  int timeout_seconds = 120);

  // "host:port" of the running server.
  std::string HostPort() const;

  TestCertificates certs_;
};

}  // namespace auditlog::testing
