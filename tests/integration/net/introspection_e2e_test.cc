// The introspection verifier through the real fetcher against a local RFC 7662 endpoint: the
// credentials and the form arrive as the endpoint expects, and its answers decide.

// GCC 12 at -O2 calls boost::system::result's operator-> and Asio's executor comparison
// "potential null pointer dereference"; false positives that would fail -Werror release builds.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <atomic>

#include "auth/introspection_verifier.h"
#include "core/clock.h"
#include "core/web.h"
#include "local_server.h"

namespace bastion::net::testing {
namespace {

TEST(IntrospectionEndToEndTest, VerifiesAgainstLocalEndpoint) {
  // A minimal endpoint that knows one token and checks Bastion's Basic credentials.
  std::atomic<int> calls{0};
  LocalServer endpoint([&](const ServerRequest& req) {
    ++calls;
    if (req.method_string() != "POST" || req["Authorization"] != "Basic cnM6cHc=" ||
        req["Content-Type"] != "application/x-www-form-urlencoded") {
      return httpResponse(401, "Unauthorized", R"({"error":"invalid_client"})");
    }
    auto form = web::parseForm(req.body());
    const bool known =
        form && !form->empty() && (*form)[0].first == "token" && (*form)[0].second == "good token";
    return httpResponse(200, "OK",
                        known ? R"({"active":true,"sub":"alice","scope":"a b",)"
                                R"("aud":"https://mcp.example.com/mcp"})"
                              : R"({"active":false})",
                        "Content-Type: application/json\r\n");
  });
  auth::IntrospectionOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(endpoint.port()) + "/introspect";
  o.client_id = "rs";
  o.client_secret = "pw";
  o.resource = "https://mcp.example.com/mcp";
  auto fetcher = makeHttpFetcher(
      FetchPolicy{.allow_http = true, .allow_private_addresses = true, .ca_file = ""});
  auto verifier = auth::makeIntrospectionVerifier(o, fetcher, systemClock());
  ASSERT_TRUE(verifier);
  auth::TokenVerifier& v = *verifier.value();

  auto good = v.verify("good token");
  ASSERT_TRUE(good) << auth::toString(good.error());
  EXPECT_EQ(good->principal.sub, "alice");
  EXPECT_EQ(good->principal.scopes, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(v.verify("other").error(), auth::AuthError::InactiveToken);
  EXPECT_EQ(calls.load(), 2);

  // Wrong credentials: the endpoint's 401 fails closed.
  o.client_secret = "wrong";
  auto misconfigured = auth::makeIntrospectionVerifier(o, fetcher, systemClock());
  ASSERT_TRUE(misconfigured);
  EXPECT_EQ(misconfigured.value()->verify("good token").error(),
            auth::AuthError::IntrospectionFailed);
}

TEST(IntrospectionEndToEndTest, GuardedFetcherRefusesLoopbackEndpoint) {
  // With the production policy a loopback introspection URL is refused: fail closed.
  LocalServer endpoint([](const ServerRequest&) {
    return httpResponse(200, "OK", R"({"active":true,"sub":"alice"})");
  });
  auth::IntrospectionOptions o;
  o.endpoint = "https://127.0.0.1:" + std::to_string(endpoint.port()) + "/introspect";
  o.client_id = "rs";
  o.client_secret = "pw";
  o.resource = "https://mcp.example.com/mcp";
  auto verifier = auth::makeIntrospectionVerifier(o, makeHttpFetcher(FetchPolicy{}), systemClock());
  ASSERT_TRUE(verifier);
  EXPECT_EQ(verifier.value()->verify("t").error(), auth::AuthError::IntrospectionFailed);
  EXPECT_EQ(endpoint.accepted(), 0u);
}

}  // namespace
}  // namespace bastion::net::testing
