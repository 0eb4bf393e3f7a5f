// Any bytes as the bearer parts of a request (Authorization value, target, form body) through the
// resource server: a principal or a challenge, never a crash; the verifier sees only tokens that
// passed the RFC 6750 syntax and size checks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/resource_server.h"

namespace {

using namespace bastion;

class CheckingVerifier final : public auth::TokenVerifier {
 public:
  boost::system::result<auth::VerifiedToken, auth::AuthError> verify(
      std::string_view token) override {
    if (!auth::isB64Token(token) || token.size() > 1024) {
      std::abort();  // extraction let through what it must refuse
    }
    if (token == "good") {
      return auth::VerifiedToken{auth::Principal{"i", "s", "c", {"mcp:tools"}}, {}};
    }
    return auth::AuthError::BadSignature;
  }
};

auth::Authenticator& server() {
  static auto rs = auth::makeResourceServer(
      auth::ResourceServerOptions{.resource = "https://h.example/mcp",
                                  .authorization_servers = {"https://as.example"},
                                  .scopes_supported = {"mcp:tools"},
                                  .max_token_bytes = 1024,
                                  .resource_name = "fuzz"},
      std::make_shared<CheckingVerifier>());
  return **rs;
}

}  // namespace

// Input: "<authorization>\n<target>\n<body>"; a missing part is absent.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t a = in.find('\n');
  const std::size_t b = a == std::string_view::npos ? a : in.find('\n', a + 1);
  auth::RequestView v;
  v.method = "POST";
  v.authorization = in.substr(0, a);
  v.authorization_count = 1;
  v.target = a == std::string_view::npos ? "/mcp" : in.substr(a + 1, b - a - 1);
  v.content_type = "application/x-www-form-urlencoded";
  v.body = b == std::string_view::npos ? std::string_view{} : in.substr(b + 1);
  auto r = server().authenticate(v);
  if (!r && r.error().www_authenticate.find("resource_metadata=") == std::string::npos) {
    std::abort();  // every challenge must point at the metadata
  }
  return 0;
}
