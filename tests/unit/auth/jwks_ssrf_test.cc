// The JWT verifier's key fetches go through the SSRF guard: a configured or discovered JWKS URL
// that points at loopback, link-local (cloud metadata), private or unique-local addresses, or at
// a name resolving there, is never connected to, and tokens then fail closed.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include "auth/jwt_verifier.h"
#include "unit/auth/jwt_test_keys.h"

namespace bastion::auth {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr std::string_view kForbiddenJwksUris[] = {
    "https://127.0.0.1/jwks",       "https://169.254.169.254/latest/meta-data/jwks",
    "https://10.0.0.1/jwks",        "https://192.168.1.1/jwks",
    "https://[::1]/jwks",           "https://[fd00::1]/jwks",
    "https://[::ffff:127.0.0.1]/x", "https://localhost/jwks",
};

JwtVerifierOptions options(std::string_view jwks_uri) {
  JwtVerifierOptions o;
  o.issuer = std::string(kIssuer);
  o.audience = std::string(kAudience);
  o.jwks_uri = std::string(jwks_uri);
  o.fetch_in_background = false;
  return o;
}

int fetchErrorOf(const Result<void>& r) { return r ? 0 : r.error().code; }

TEST(JwksSsrf, JwksUrlsPointingAtInternalAddressesAreNeverFetched) {
  // Each forbidden JWKS URL fails with ForbiddenAddress (nothing connected), and a token that
  // would need those keys is refused with KeysUnavailable.
  ManualClock clock;
  auto fetcher = net::makeHttpFetcher(net::FetchPolicy{});
  for (const auto uri : kForbiddenJwksUris) {
    auto v = makeJwksVerifier(options(uri), fetcher, clock);
    ASSERT_TRUE(v) << uri;
    EXPECT_EQ(fetchErrorOf((*v)->refreshKeys()),
              static_cast<int>(net::FetchError::ForbiddenAddress))
        << uri;
    clock.advance(std::chrono::seconds(60));
    auto r = (*v)->verify(sign(ecKey(), validClaims(clock.now())));
    ASSERT_FALSE(r) << uri;
    EXPECT_EQ(r.error(), AuthError::KeysUnavailable) << uri;
  }
}

// Answers the issuer's metadata from memory (naming an internal jwks_uri) and hands every other
// URL to the real, guarded fetcher.
class MetadataThenReal final : public net::Fetcher {
 public:
  MetadataThenReal(std::string metadata_url, std::string body)
      : metadata_url_(std::move(metadata_url)),
        body_(std::move(body)),
        real_(net::makeHttpFetcher(net::FetchPolicy{})) {}
  Result<net::FetchResponse> fetch(const net::FetchRequest& req) override {
    if (req.url == metadata_url_) {
      return net::FetchResponse{.status = 200, .body = body_};
    }
    return real_->fetch(req);
  }

 private:
  std::string metadata_url_;
  std::string body_;
  std::shared_ptr<net::Fetcher> real_;
};

TEST(JwksSsrf, DiscoveredJwksUriPointingAtMetadataServiceIsRefused) {
  // An issuer whose metadata names https://169.254.169.254/... (or loopback) as jwks_uri does
  // not make Bastion reach it.
  ManualClock clock;
  for (const auto uri : kForbiddenJwksUris) {
    const std::string doc =
        boost::json::serialize(boost::json::object{{"issuer", kIssuer}, {"jwks_uri", uri}});
    auto fetcher = std::make_shared<MetadataThenReal>(
        std::string(kIssuer) + "/.well-known/oauth-authorization-server", doc);
    auto o = options("");
    auto v = makeJwksVerifier(o, fetcher, clock);
    ASSERT_TRUE(v);
    EXPECT_EQ(fetchErrorOf((*v)->refreshKeys()),
              static_cast<int>(net::FetchError::ForbiddenAddress))
        << uri;
  }
}

TEST(JwksSsrf, IssuerOnAnInternalAddressIsNotDiscovered) {
  // Discovery for an issuer at 127.0.0.1 or 169.254.169.254 fetches nothing.
  ManualClock clock;
  for (const std::string issuer : {"https://127.0.0.1", "https://169.254.169.254/tenant"}) {
    auto o = options("");
    o.issuer = issuer;
    auto v = makeJwksVerifier(o, net::makeHttpFetcher(net::FetchPolicy{}), clock);
    ASSERT_TRUE(v);
    EXPECT_EQ(fetchErrorOf((*v)->refreshKeys()),
              static_cast<int>(net::FetchError::ForbiddenAddress))
        << issuer;
  }
}

}  // namespace
}  // namespace bastion::auth
