#include "auth/authenticator.h"

#include <utility>

namespace bastion::auth {
namespace {

// Every caller is the one local principal. Config validation allows this mode only for stdio
// and loopback listeners, so it never stands in front of a network-reachable endpoint.
class NoAuthenticator final : public Authenticator {
 public:
  explicit NoAuthenticator(std::vector<std::string> scopes) : scopes_(std::move(scopes)) {}

  boost::system::result<Principal, Challenge> authenticate(const RequestView& /*req*/) override {
    return Principal{.iss = "local", .sub = "local", .client_id = "", .scopes = scopes_};
  }

 private:
  const std::vector<std::string> scopes_;
};

}  // namespace

Challenge Authenticator::insufficientScope(const std::vector<std::string>& required) const {
  std::string scope;
  for (const std::string& s : required) {
    scope += scope.empty() ? s : " " + s;
  }
  return Challenge{.status = 403,
                   .www_authenticate = "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\"",
                   .description = "Forbidden: insufficient scope",
                   .reason = AuthError::InsufficientScope};
}

std::unique_ptr<Authenticator> makeNoAuthenticator(std::vector<std::string> scopes) {
  return std::make_unique<NoAuthenticator>(std::move(scopes));
}

}  // namespace bastion::auth
