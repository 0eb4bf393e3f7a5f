#include "mcp/request_state.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "mcp/base64.h"

namespace bastion::mcp {
namespace {

std::int64_t unixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

RequestStateCodec::RequestStateCodec(RandomSource& rng, std::chrono::seconds ttl) : ttl_(ttl) {
  rng.fill(key_.data(), key_.size());
}

std::string RequestStateCodec::mac(const auth::Principal& principal,
                                   std::string_view payload) const {
  std::string input;
  input.reserve(principal.iss.size() + principal.sub.size() + principal.client_id.size() +
                payload.size() + 3);
  // NUL separators: no two identities serialize to the same bytes.
  input.append(principal.iss).append(1, '\0').append(principal.sub).append(1, '\0');
  input.append(principal.client_id).append(1, '\0').append(payload);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), out.data(),
           &len) == nullptr) {
    std::abort();  // HMAC-SHA256 with a valid key cannot fail; if it does, nothing is safe.
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string RequestStateCodec::seal(const auth::Principal& principal, std::string_view method,
                                    std::string_view target, const boost::json::object& answers,
                                    std::chrono::system_clock::time_point now) const {
  boost::json::object body;
  body.emplace("v", 1);
  body.emplace("m", method);
  body.emplace("t", target);
  body.emplace("exp", unixSeconds(now + ttl_));
  body.emplace("a", answers);
  const std::string payload = base64Encode(boost::json::serialize(body), Base64Alphabet::Url);
  return payload + "." + base64Encode(mac(principal, payload), Base64Alphabet::Url);
}

std::optional<boost::json::object> RequestStateCodec::open(
    std::string_view state, const auth::Principal& principal, std::string_view method,
    std::string_view target, std::chrono::system_clock::time_point now) const {
  const auto dot = state.rfind('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view payload = state.substr(0, dot);
  const auto tag = base64Decode(state.substr(dot + 1), Base64Alphabet::Url);
  const std::string expected = mac(principal, payload);
  if (!tag || tag->size() != expected.size() ||
      CRYPTO_memcmp(tag->data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  // Authentic from here on: we wrote these bytes.
  const auto json_text = base64Decode(payload, Base64Alphabet::Url);
  if (!json_text) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(*json_text, ec);
  const auto* obj = ec ? nullptr : body.if_object();
  if (obj == nullptr) {
    return std::nullopt;
  }
  const auto* m = obj->if_contains("m");
  const auto* t = obj->if_contains("t");
  const auto* exp = obj->if_contains("exp");
  const auto* a = obj->if_contains("a");
  if (m == nullptr || !m->is_string() || m->get_string() != method || t == nullptr ||
      !t->is_string() || t->get_string() != target || exp == nullptr || !exp->is_int64() ||
      exp->get_int64() < unixSeconds(now) || a == nullptr || !a->is_object()) {
    return std::nullopt;
  }
  return a->get_object();
}

}  // namespace bastion::mcp
