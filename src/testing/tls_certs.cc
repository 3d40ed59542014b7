#include "testing/tls_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

#include "common/status.h"

namespace auditlog::testing {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using CertPtr = std::unique_ptr<X509, CertDeleter>;

KeyPtr NewKey() { return KeyPtr(EVP_EC_gen("P-256")); }

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension != nullptr) {
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
}

CertPtr NewCertificate(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                       long serial, bool is_ca) {
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (is_ca) {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
  return cert;
}

Status WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return Status::IOError("cannot write " + path);
  const int ok = cert != nullptr
                     ? PEM_write_X509(file, cert)
                     : PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  return ok == 1 ? Status::OK() : Status::Internal("PEM write failed for " + path);
}

}  // namespace

Result<TestCertificates> MakeTestCertificates(const std::string& dir) {
  KeyPtr ca_key = NewKey();
  KeyPtr server_key = NewKey();
  if (!ca_key || !server_key) return Status::Internal("EC key generation failed");
  CertPtr ca = NewCertificate(ca_key.get(), "auditlog test CA", nullptr, nullptr, 1, true);
  CertPtr server = NewCertificate(server_key.get(), "localhost", ca.get(), ca_key.get(), 2, false);
  TestCertificates files{dir + "/ca.pem", dir + "/server.pem", dir + "/server.key"};
  if (Status s = WritePem(files.ca_file, ca.get(), nullptr); !s.ok()) return s;
  if (Status s = WritePem(files.cert_file, server.get(), nullptr); !s.ok()) return s;
  if (Status s = WritePem(files.key_file, nullptr, server_key.get()); !s.ok()) return s;
  return files;
}

}  // namespace auditlog::testing
