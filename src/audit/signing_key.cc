#include "audit/signing_key.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/fd_io.h"
#include "core/unique_fd.h"
#include "core/crypto.h"

namespace bastion::audit {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using UniqueBio = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using UniqueMdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<std::string> readSmallFile(const std::string& path, struct stat* st_out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Error(KeyError::Unreadable, "cannot open key file " + path);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 64 * 1024) {
    return Error(KeyError::Unreadable, "key file " + path + " is not a small regular file");
  }
  if (st_out != nullptr) {
    *st_out = st;
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n <= 0) {
      return Error(KeyError::Unreadable, "cannot read key file " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  return text;
}

std::string pemOf(EVP_PKEY* key, bool private_key) {
  UniqueBio bio(BIO_new(BIO_s_mem()));
  const int ok =
      private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                  : PEM_write_bio_PUBKEY(bio.get(), key);
  if (bio == nullptr || ok != 1) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// The public key beside the private one, replaced atomically so a verifier never reads half.
Result<void> writePublicKey(const std::string& key_path, EVP_PKEY* key) {
  const std::string pub = key_path + ".pub";
  const std::string tmp = pub + ".tmp";
  const std::string pem = pemOf(key, false);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (pem.empty() || !fd || !writeAll(fd.get(), pem) || fsync(fd.get()) != 0 ||
      std::rename(tmp.c_str(), pub.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error(KeyError::CannotCreate, "cannot write public key " + pub);
  }
  return {};
}

Result<UniquePkey> parsePem(std::string_view pem, bool private_key) {
  UniqueBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) {
    return Error(KeyError::NotEd25519, "cannot read key");
  }
  UniquePkey key(private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Error(KeyError::NotEd25519,
                 private_key ? "not a PEM Ed25519 private key" : "not a PEM Ed25519 public key");
  }
  return key;
}

Result<UniquePkey> createKey(const std::string& path) {
  UniquePkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  const std::string pem = key ? pemOf(key.get(), true) : std::string();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (pem.empty() || !fd) {
    return Error(KeyError::CannotCreate, "cannot create audit key " + path);
  }
  if (!writeAll(fd.get(), pem) || fsync(fd.get()) != 0) {
    ::unlink(path.c_str());
    return Error(KeyError::CannotCreate, "cannot write audit key " + path);
  }
  return key;
}

Result<UniquePkey> loadPrivate(const std::string& path) {
  struct stat st {};
  auto text = readSmallFile(path, &st);
  if (!text) {
    return text.error();
  }
  // A signing key others can read lets them forge checkpoints; refuse rather than sign with it.
  if ((st.st_mode & 077) != 0) {
    return Error(KeyError::TooOpen,
                 "audit key " + path + " is accessible by group or others (chmod 600 it)");
  }
  auto key = parsePem(text.value(), true);
  if (!key) {
    return Error(KeyError::NotEd25519, "audit key " + path + ": " + key.error().message);
  }
  return key;
}

bool digestSign(EVP_PKEY* key, std::string_view message, std::string& sig) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  std::size_t size = 64;
  sig.assign(size, '\0');
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                     bytesOf(message), message.size()) != 1 ||
      size != 64) {
    return false;
  }
  return true;
}

}  // namespace

void PkeyFree::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

std::string keyIdOf(evp_pkey_st* key) {
  unsigned char raw[32];
  std::size_t size = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1 || size != sizeof raw) {
    return {};
  }
  return crypto::sha256Hex(std::string_view(reinterpret_cast<const char*>(raw), size))
      .substr(0, 16);
}

SigningKey::SigningKey(UniquePkey key) : key_(std::move(key)), key_id_(keyIdOf(key_.get())) {}

Result<SigningKey> SigningKey::loadOrCreate(const std::string& path) {
  auto key = loadPrivate(path);
  if (!key && key.error().code == static_cast<int>(KeyError::Unreadable) &&
      ::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    key = createKey(path);
    if (!key && ::access(path.c_str(), F_OK) == 0) {
      key = loadPrivate(path);  // another process created it first
    }
  }
  if (!key) {
    return key.error();
  }
  if (auto pub = writePublicKey(path, key.value().get()); !pub) {
    return pub.error();
  }
  return SigningKey(std::move(key).value());
}

std::string SigningKey::sign(std::string_view message) const {
  std::string sig;
  if (!digestSign(key_.get(), message, sig)) {
    // Ed25519 signing with a key that loaded cannot fail short of memory exhaustion.
    std::abort();
  }
  return sig;
}

VerifyKey::VerifyKey(UniquePkey key) : key_(std::move(key)), key_id_(keyIdOf(key_.get())) {}

Result<VerifyKey> VerifyKey::fromPem(std::string_view pem) {
  auto key = parsePem(pem, false);
  if (!key) {
    key = parsePem(pem, true);
  }
  if (!key) {
    return Error(KeyError::NotEd25519, "not a PEM Ed25519 public key");
  }
  return VerifyKey(std::move(key).value());
}

Result<VerifyKey> VerifyKey::load(const std::string& path) {
  auto text = readSmallFile(path, nullptr);
  if (!text) {
    return text.error();
  }
  auto key = fromPem(text.value());
  if (!key) {
    return Error(KeyError::NotEd25519, path + ": " + key.error().message);
  }
  return key;
}

bool VerifyKey::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != 64) {
    return false;
  }
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), bytesOf(signature), signature.size(), bytesOf(message),
                          message.size()) == 1;
}

}  // namespace bastion::audit
