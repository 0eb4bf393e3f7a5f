// Any bytes as a POST to /token, /revoke or /introspect (the first line is the Authorization
// header, the rest the form body), and as a scope parameter: a response, never a crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/crypto.h"
#include "oauth/authorization_server.h"
#include "oauth/state.h"
#include "store/store.h"

namespace {

bastion::oauth::AuthorizationServer& server() {
  static bastion::ManualClock clock;
  static std::shared_ptr<bastion::oauth::AuthorizationServer> as = [] {
    auto store = bastion::store::openStore("sqlite::memory:");
    if (!store) {
      std::abort();
    }
    bastion::store::Client c;
    c.client_id = "c1";
    c.secret_hash = bastion::crypto::sha256Hex("s1");
    c.redirect_uris = {"http://127.0.0.1/cb"};
    c.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
    (void)(*store)->putClient(c);
    bastion::oauth::AsOptions o;
    o.issuer = "http://127.0.0.1:8080";
    o.resource = "http://127.0.0.1:8080/mcp";
    o.scopes_supported = {"files:read", "files:write"};
    // Every input comes from one address at one instant: a per-IP limit would refuse all but
    // the first hundred, and the fuzzer would only ever reach the 429.
    o.requests_per_ip.count = 0;
    bastion::oauth::AsDependencies d;
    d.store = *store;
    d.clock = &clock;
    auto created = bastion::oauth::AuthorizationServer::create(o, d);
    if (!created) {
      std::abort();
    }
    return *created;
  }();
  return *as;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  static constexpr const char* kPaths[] = {"/token", "/revoke", "/introspect"};
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto newline = text.find('\n');
  bastion::web::Request req;
  req.method = "POST";
  req.target = kPaths[data[0] % 3];
  req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  if (newline != std::string_view::npos && newline > 0) {
    req.headers.emplace_back("authorization", std::string(text.substr(0, newline)));
    req.body = std::string(text.substr(newline + 1));
  } else {
    req.body = std::string(text);
  }
  (void)server().handle(req);
  (void)bastion::oauth::parseScope(text);
  return 0;
}
