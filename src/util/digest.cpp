#include "moss/util/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "moss/util/ascii.h"
#include "moss/util/hex.h"

namespace moss {
namespace {

struct AlgorithmInfo {
  DigestAlgorithm algorithm;
  std::string_view name;
  size_t size;
};
constexpr std::array<AlgorithmInfo, 6> kAlgorithms = {{
    {DigestAlgorithm::kMd5, "MD5", 16},
    {DigestAlgorithm::kSha1, "SHA1", 20},
    {DigestAlgorithm::kSha256, "SHA256", 32},
    {DigestAlgorithm::kCrc32, "CRC32", 4},
    {DigestAlgorithm::kCrc32c, "CRC32C", 4},
    {DigestAlgorithm::kCrc64Nvme, "CRC64NVME", 8},
}};

const AlgorithmInfo& info(DigestAlgorithm algorithm) {
  for (const auto& entry : kAlgorithms) {
    if (entry.algorithm == algorithm) return entry;
  }
  std::abort();  // every enumerator has an entry
}

// OpenSSL calls on a valid context with a fetched digest do not fail short of memory
// exhaustion; there is no sensible way to carry on if they do.
void check(int ok, const char* what) {
  if (ok == 1) return;
  std::fprintf(stderr, "moss: OpenSSL %s failed\n", what);
  std::abort();
}

// Fetched once: an implicit fetch by name on every EVP_DigestInit is measurably slow.
const EVP_MD* fetch_md(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  check(md != nullptr, name);
  return md;  // kept for the life of the process
}

const EVP_MD* evp_md(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kMd5: {
      static const EVP_MD* md = fetch_md("MD5");
      return md;
    }
    case DigestAlgorithm::kSha1: {
      static const EVP_MD* md = fetch_md("SHA1");
      return md;
    }
    case DigestAlgorithm::kSha256: {
      static const EVP_MD* md = fetch_md("SHA256");
      return md;
    }
    default:
      return nullptr;
  }
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

MdCtx new_md_ctx() {
  MdCtx ctx(EVP_MD_CTX_new());
  check(ctx != nullptr, "EVP_MD_CTX_new");
  return ctx;
}

class EvpHasher final : public Hasher {
 public:
  explicit EvpHasher(DigestAlgorithm algorithm) : algorithm_(algorithm), ctx_(new_md_ctx()) {
    check(EVP_DigestInit_ex2(ctx_.get(), evp_md(algorithm), nullptr), "EVP_DigestInit_ex2");
  }
  using Hasher::update;
  void update(std::span<const uint8_t> data) override {
    check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()), "EVP_DigestUpdate");
  }
  std::string final() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    check(EVP_DigestFinal_ex(ctx_.get(), out, &size), "EVP_DigestFinal_ex");
    return std::string(reinterpret_cast<const char*>(out), size);
  }
  DigestAlgorithm algorithm() const override { return algorithm_; }

 private:
  DigestAlgorithm algorithm_;
  MdCtx ctx_;
};

template <class T>
std::string big_endian_bytes(T value) {
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>(value >> (8 * (sizeof(T) - 1 - i)));
  }
  return out;
}

template <class T, T (*Update)(T, std::span<const uint8_t>), DigestAlgorithm kAlgorithm>
class CrcHasher final : public Hasher {
 public:
  using Hasher::update;
  void update(std::span<const uint8_t> data) override { crc_ = Update(crc_, data); }
  std::string final() override { return big_endian_bytes(crc_); }
  DigestAlgorithm algorithm() const override { return kAlgorithm; }

 private:
  T crc_ = 0;
};

using Crc32Hasher = CrcHasher<uint32_t, crc32_update, DigestAlgorithm::kCrc32>;
using Crc32cHasher = CrcHasher<uint32_t, crc32c_update, DigestAlgorithm::kCrc32c>;
using Crc64NvmeHasher = CrcHasher<uint64_t, crc64nvme_update, DigestAlgorithm::kCrc64Nvme>;

}  // namespace

std::string_view digest_name(DigestAlgorithm algorithm) { return info(algorithm).name; }

std::optional<DigestAlgorithm> digest_from_name(std::string_view name) {
  for (const auto& entry : kAlgorithms) {
    if (ascii_iequals(entry.name, name)) return entry.algorithm;
  }
  return std::nullopt;
}

size_t digest_size(DigestAlgorithm algorithm) { return info(algorithm).size; }

std::unique_ptr<Hasher> make_hasher(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kMd5:
    case DigestAlgorithm::kSha1:
    case DigestAlgorithm::kSha256:
      return std::make_unique<EvpHasher>(algorithm);
    case DigestAlgorithm::kCrc32:
      return std::make_unique<Crc32Hasher>();
    case DigestAlgorithm::kCrc32c:
      return std::make_unique<Crc32cHasher>();
    case DigestAlgorithm::kCrc64Nvme:
      return std::make_unique<Crc64NvmeHasher>();
  }
  std::abort();
}

std::string digest(DigestAlgorithm algorithm, std::span<const uint8_t> data) {
  switch (algorithm) {
    case DigestAlgorithm::kMd5:
    case DigestAlgorithm::kSha1:
    case DigestAlgorithm::kSha256: {
      unsigned char out[EVP_MAX_MD_SIZE];
      unsigned int size = 0;
      check(EVP_Digest(data.data(), data.size(), out, &size, evp_md(algorithm), nullptr),
            "EVP_Digest");
      return std::string(reinterpret_cast<const char*>(out), size);
    }
    case DigestAlgorithm::kCrc32:
      return big_endian_bytes(crc32_update(0, data));
    case DigestAlgorithm::kCrc32c:
      return big_endian_bytes(crc32c_update(0, data));
    case DigestAlgorithm::kCrc64Nvme:
      return big_endian_bytes(crc64nvme_update(0, data));
  }
  std::abort();
}

std::string sha256_hex(std::string_view data) {
  return to_hex(digest(DigestAlgorithm::kSha256, data));
}

// RFC 2104 over the fetched SHA-256: H((K ^ opad) || H((K ^ ipad) || data)). Written
// out rather than through EVP_MAC, whose per-call parameter setup re-fetches the digest
// by name; SigV4 computes several of these per request and one per payload chunk.
namespace {

// HMAC (RFC 2104) over a digest with a 64-byte block (SHA-1, SHA-256).
std::string hmac(DigestAlgorithm algorithm, std::string_view key, std::string_view data) {
  constexpr size_t kBlockSize = 64;
  constexpr size_t kMaxDigestSize = 32;
  const size_t kDigestSize = digest_size(algorithm);
  const EVP_MD* md = evp_md(algorithm);

  uint8_t block_key[kBlockSize] = {};
  if (key.size() > kBlockSize) {
    unsigned int size = 0;
    check(EVP_Digest(key.data(), key.size(), block_key, &size, md, nullptr), "EVP_Digest");
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  uint8_t pad[kBlockSize];

  thread_local MdCtx ctx = new_md_ctx();
  uint8_t inner[kMaxDigestSize];
  for (size_t i = 0; i < kBlockSize; ++i) pad[i] = block_key[i] ^ 0x36;
  check(EVP_DigestInit_ex2(ctx.get(), md, nullptr), "EVP_DigestInit_ex2");
  check(EVP_DigestUpdate(ctx.get(), pad, kBlockSize), "EVP_DigestUpdate");
  check(EVP_DigestUpdate(ctx.get(), data.data(), data.size()), "EVP_DigestUpdate");
  check(EVP_DigestFinal_ex(ctx.get(), inner, nullptr), "EVP_DigestFinal_ex");

  uint8_t outer[kMaxDigestSize];
  for (size_t i = 0; i < kBlockSize; ++i) pad[i] = block_key[i] ^ 0x5c;
  check(EVP_DigestInit_ex2(ctx.get(), md, nullptr), "EVP_DigestInit_ex2");
  check(EVP_DigestUpdate(ctx.get(), pad, kBlockSize), "EVP_DigestUpdate");
  check(EVP_DigestUpdate(ctx.get(), inner, kDigestSize), "EVP_DigestUpdate");
  check(EVP_DigestFinal_ex(ctx.get(), outer, nullptr), "EVP_DigestFinal_ex");
  OPENSSL_cleanse(block_key, sizeof block_key);
  OPENSSL_cleanse(pad, sizeof pad);
  return std::string(reinterpret_cast<const char*>(outer), kDigestSize);
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac(DigestAlgorithm::kSha256, key, data);
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  return hmac(DigestAlgorithm::kSha1, key, data);
}

}  // namespace moss
