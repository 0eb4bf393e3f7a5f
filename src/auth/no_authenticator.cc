#include "auth/authenticator.h"

namespace bastion::auth {
namespace {

// Every caller is the one local principal. Config validation allows this mode only for stdio
// and loopback listeners, so it never stands in front of a network-reachable endpoint.
class NoAuthenticator final : public Authenticator {
 public:
  boost::system::result<Principal, Challenge> authenticate(const RequestView& /*req*/) override {
    return Principal{.iss = "local", .sub = "local", .client_id = "", .scopes = {}};
  }
};

}  // namespace

std::unique_ptr<Authenticator> makeNoAuthenticator() { return std::make_unique<NoAuthenticator>(); }

}  // namespace bastion::auth
