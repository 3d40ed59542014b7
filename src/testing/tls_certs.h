#pragma once

// A throwaway certificate authority and a server certificate it signed, for
// TLS tests: the server loads cert + key, clients trust the CA file. The
// server certificate names 127.0.0.1, ::1 and localhost.

#include <string>

#include "common/result.h"

namespace auditlog::testing {

struct TestCertificates {
  std::string ca_file;    // PEM certificate of the CA
  std::string cert_file;  // PEM server certificate
  std::string key_file;   // PEM server private key
};

// Writes ca.pem, server.pem and server.key into `dir` (which must exist).
Result<TestCertificates> MakeTestCertificates(const std::string& dir);

}  // namespace auditlog::testing
