#include "common/hmac.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

#include "common/check.h"

namespace auditlog {
namespace {

constexpr size_t kBlockBytes = 64;  // SHA-256's

struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdPtr = std::unique_ptr<EVP_MD, MdDeleter>;
using CtxPtr = std::unique_ptr<EVP_MD_CTX, CtxDeleter>;

CtxPtr NewContext() {
  CtxPtr ctx(EVP_MD_CTX_new());
  AL_CHECK(ctx != nullptr, "out of memory for a digest context");
  return ctx;
}

void Update(EVP_MD_CTX* ctx, const void* data, size_t size) {
  AL_CHECK(EVP_DigestUpdate(ctx, data, size) == 1, "SHA-256 update failed");
}

}  // namespace

struct HmacSha256::Contexts {
  MdPtr md;
  CtxPtr inner;  // after key ^ ipad
  CtxPtr outer;  // after key ^ opad
};

HmacSha256::HmacSha256(std::string_view key) : contexts_(std::make_unique<Contexts>()) {
  contexts_->md.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  AL_CHECK(contexts_->md != nullptr, "SHA-256 is not available from OpenSSL");
  const EVP_MD* md = contexts_->md.get();

  std::array<uint8_t, kBlockBytes> block{};
  if (key.size() > kBlockBytes) {
    unsigned int length = 0;
    AL_CHECK(EVP_Digest(key.data(), key.size(), block.data(), &length, md, nullptr) == 1,
             "SHA-256 of the key failed");
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  auto start = [&](uint8_t pad) {
    std::array<uint8_t, kBlockBytes> padded;
    for (size_t i = 0; i < kBlockBytes; ++i) padded[i] = block[i] ^ pad;
    CtxPtr ctx = NewContext();
    AL_CHECK(EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1, "SHA-256 init failed");
    Update(ctx.get(), padded.data(), padded.size());
    return ctx;
  };
  contexts_->inner = start(0x36);
  contexts_->outer = start(0x5c);
}

HmacSha256::~HmacSha256() = default;

HmacSha256::Digest HmacSha256::Sign(std::string_view message) const {
  // One scratch context per thread, reused: copying a state into it is all
  // a signature allocates.
  thread_local CtxPtr scratch = NewContext();
  Digest inner_digest;
  Digest digest;
  unsigned int length = 0;
  AL_CHECK(EVP_MD_CTX_copy_ex(scratch.get(), contexts_->inner.get()) == 1, "SHA-256 copy failed");
  Update(scratch.get(), message.data(), message.size());
  AL_CHECK(EVP_DigestFinal_ex(scratch.get(), inner_digest.data(), &length) == 1,
           "SHA-256 final failed");
  AL_CHECK(EVP_MD_CTX_copy_ex(scratch.get(), contexts_->outer.get()) == 1, "SHA-256 copy failed");
  Update(scratch.get(), inner_digest.data(), inner_digest.size());
  AL_CHECK(EVP_DigestFinal_ex(scratch.get(), digest.data(), &length) == 1, "SHA-256 final failed");
  return digest;
}

}  // namespace auditlog
