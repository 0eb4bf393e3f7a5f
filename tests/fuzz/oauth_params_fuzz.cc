// Any bytes as an /authorize query, a redirect URI, a client_id URL, a metadata document or a
// Cookie header: a decision (accept, page, error redirect), never a crash or a throw.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "oauth/authorization_flow.h"
#include "oauth/clients.h"
#include "oauth/pages.h"

namespace {

const bastion::oauth::AsOptions& options() {
  static const bastion::oauth::AsOptions o = [] {
    bastion::oauth::AsOptions x;
    x.issuer = "https://as.example";
    x.resource = "https://as.example/mcp";
    x.scopes_supported = {"files:read", "files:write"};
    x.default_scopes = {"files:read"};
    return x;
  }();
  return o;
}

const bastion::store::Client& client() {
  static const bastion::store::Client c = [] {
    bastion::store::Client x;
    x.client_id = "c1";
    x.redirect_uris = {"https://app.example/cb", "http://127.0.0.1/cb", "http://[::1]:3000/cb?x=1"};
    x.scopes = {"files:read"};
    return x;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bastion::oauth;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto form = parseUniqueForm(text)) {
    auto outcome = validateAuthorizeParams(*form, client(), options());
    if (auto* r = std::get_if<AuthorizeRejection>(&outcome)) {
      (void)rejectionResponse(options(), *r);
    }
  }
  (void)redirectUriMatches(client().redirect_uris, text);
  (void)checkRedirectUri(text, false);
  (void)checkMetadataUrl(text);
  (void)sameResource(text, options().resource);
  (void)formActionSource(text);
  (void)parseMetadataDocument("https://tool.example/c.json", text, options().scopes_supported);
  bastion::web::Request req;
  req.headers.emplace_back("cookie", std::string(text));
  (void)readSessionCookie(req);
  return 0;
}
