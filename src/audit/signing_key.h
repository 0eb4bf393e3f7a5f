#pragma once
// Ed25519 keys for audit checkpoints. The private key is a PKCS#8 PEM file readable only by its
// owner; its public half is written beside it as <key>.pub (SubjectPublicKeyInfo PEM), which is
// what `bastion audit verify --key` takes. No OpenSSL header appears here.

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

struct evp_pkey_st;

namespace bastion::audit {

enum class KeyError {
  Unreadable = 1,  // cannot open or read the file
  NotEd25519,      // not a PEM Ed25519 key of the expected kind
  TooOpen,         // private key readable or writable by group or others
  CannotCreate,    // generating or writing a new key failed
};

struct PkeyFree {
  void operator()(evp_pkey_st* key) const;
};
using UniquePkey = std::unique_ptr<evp_pkey_st, PkeyFree>;

// key_id: the first 16 hex digits of SHA-256 over the raw 32-byte public key.
std::string keyIdOf(evp_pkey_st* key);

class SigningKey {
 public:
  // Loads the key at `path`, or creates it (mode 0600, O_EXCL) when the file does not exist.
  // Either way (re)writes <path>.pub. Refuses a private key file with any group or other
  // permission bit, as ssh does.
  [[nodiscard]] static Result<SigningKey> loadOrCreate(const std::string& path);

  // Raw 64-byte Ed25519 signature.
  [[nodiscard]] std::string sign(std::string_view message) const;
  const std::string& keyId() const { return key_id_; }

 private:
  explicit SigningKey(UniquePkey key);
  UniquePkey key_;
  std::string key_id_;
};

class VerifyKey {
 public:
  // A PEM public key (SubjectPublicKeyInfo), or a PEM private key whose public half is used.
  [[nodiscard]] static Result<VerifyKey> load(const std::string& path);
  [[nodiscard]] static Result<VerifyKey> fromPem(std::string_view pem);

  bool verify(std::string_view message, std::string_view signature) const;
  const std::string& keyId() const { return key_id_; }

 private:
  explicit VerifyKey(UniquePkey key);
  UniquePkey key_;
  std::string key_id_;
};

}  // namespace bastion::audit
