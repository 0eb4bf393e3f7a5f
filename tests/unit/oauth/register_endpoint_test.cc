// POST /register (RFC 7591): policy, secrets, rate limit, expiry.

// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <boost/json.hpp>

#include "oauth/throttle.h"
#include "web_fixture.h"

namespace bastion::oauth::testing {
namespace {

class RegisterTest : public WebFixture {
 protected:
  web::Response registerClient(const std::string& body, const std::string& ip = "192.0.2.10") {
    web::Request r;
    r.method = "POST";
    r.target = "/register";
    r.headers = {{"content-type", "application/json"}};
    r.body = body;
    r.remote_address = ip;
    return handleRegister(*state_, r);
  }
  static boost::json::object json(const web::Response& r) {
    return boost::json::parse(r.body).as_object();
  }
};

constexpr const char* kPublic =
    R"({"client_name":"CLI","redirect_uris":["http://127.0.0.1:33418/callback"],)"
    R"("grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"none"})";

TEST_F(RegisterTest, PublicClientRegisteredAndUsable) {
  // A public native client registers, gets 201 with its metadata, and can start a flow.
  auto r = registerClient(kPublic);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(header(r, "cache-control"), "no-store");
  auto o = json(r);
  const std::string id(o.at("client_id").as_string());
  EXPECT_FALSE(o.contains("client_secret"));
  EXPECT_EQ(o.at("token_endpoint_auth_method").as_string(), "none");
  auto stored = state_->deps.store->getClient(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->source, store::ClientSource::Dynamic);
  auto p = validParams();
  p["client_id"] = id;
  p["redirect_uri"] = "http://127.0.0.1:40000/callback";
  EXPECT_EQ(authorize(p).status, 200);
}

TEST_F(RegisterTest, ConfidentialSecretReturnedOnceStoredHashed) {
  // client_secret_basic: the secret is in the response and only its hash in the store.
  auto r = registerClient(
      R"({"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_basic"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = json(r);
  const std::string secret(o.at("client_secret").as_string());
  EXPECT_GE(secret.size(), 40u);
  auto stored = state_->deps.store->getClient(std::string(o.at("client_id").as_string()));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->secret_hash, hashSecret(secret));
  EXPECT_EQ(stored->secret_hash.find(secret), std::string::npos);
}

TEST_F(RegisterTest, DcrRefusesNonHttpsRedirect) {
  // http to a non-loopback host, javascript:, data: and fragments are refused.
  state_->options.registrations_per_ip_per_hour = 100;
  for (const std::string uri : {"http://app.example/cb", "javascript:alert(1)", "data:text/html,hi",
                                "https://app.example/cb#x", "cb"}) {
    auto r = registerClient(R"({"redirect_uris":[")" + uri +
                            R"("],"token_endpoint_auth_method":"none"})");
    EXPECT_EQ(r.status, 400) << uri;
    EXPECT_EQ(json(r).at("error").as_string(), "invalid_redirect_uri") << uri;
  }
  // Configurable: a development server may allow plain http redirects.
  state_->options.allow_http_redirects_to_non_loopback = true;
  EXPECT_EQ(
      registerClient(
          R"({"redirect_uris":["http://app.example/cb"],"token_endpoint_auth_method":"none"})")
          .status,
      201);
}

TEST_F(RegisterTest, DcrRateLimitedPerIp) {
  // 3 registrations per hour per address; the 4th is 429; another address is fine; an hour
  // later the address may register again.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(registerClient(kPublic, "192.0.2.50").status, 201);
  }
  auto limited = registerClient(kPublic, "192.0.2.50");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(header(limited, "retry-after"), "3600");
  EXPECT_EQ(registerClient(kPublic, "192.0.2.51").status, 201);
  clock_.advance(std::chrono::minutes(50));
  EXPECT_EQ(header(registerClient(kPublic, "192.0.2.50"), "retry-after"), "600");
  clock_.advance(std::chrono::minutes(10));
  EXPECT_EQ(registerClient(kPublic, "192.0.2.50").status, 201);
}

TEST_F(RegisterTest, RefusedMetadata) {
  // Unknown auth methods, grants beyond the allowed, implicit, unsupported scopes, non-JSON.
  state_->options.registrations_per_ip_per_hour = 100;
  for (
      const std::string body :
      {R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"})",
       R"({"redirect_uris":["https://a.example/cb"],"grant_types":["implicit"]})",
       R"({"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none","grant_types":["client_credentials"]})",
       R"({"redirect_uris":["https://a.example/cb"],"response_types":["token"]})",
       R"({"redirect_uris":["https://a.example/cb"],"scope":"admin"})",
       R"({"redirect_uris":"https://a.example/cb"})", R"([1])", "nope"}) {
    auto r = registerClient(body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(json(r).at("error").as_string(), "invalid_client_metadata") << body;
  }
}

TEST_F(RegisterTest, UnusedRegistrationsExpire) {
  // A registration never used is deleted after the expiry; one in use is kept.
  auto unused = json(registerClient(kPublic));
  auto used = json(registerClient(kPublic, "192.0.2.11"));
  const std::string unused_id(unused.at("client_id").as_string());
  const std::string used_id(used.at("client_id").as_string());
  clock_.advance(std::chrono::hours(24 * 6));
  ASSERT_TRUE(state_->deps.store->touchClient(used_id, clock_.now()));
  clock_.advance(std::chrono::hours(24 * 2));
  EXPECT_EQ(registerClient(kPublic, "192.0.2.12").status, 201);  // runs the expiry
  EXPECT_FALSE(state_->deps.store->getClient(unused_id));
  EXPECT_TRUE(state_->deps.store->getClient(used_id));
}

TEST_F(RegisterTest, DcrRateLimitCountsAnIpv6SlashSixtyFour) {
  // Rotating through the addresses of one IPv6 /64 does not escape the per-address limit.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(registerClient(kPublic, "2001:db8:1:2::" + std::to_string(i + 1)).status, 201);
  }
  EXPECT_EQ(registerClient(kPublic, "2001:db8:1:2:ffff::9").status, 429);
  EXPECT_EQ(registerClient(kPublic, "2001:db8:1:3::1").status, 201);
}

TEST(AddressKey, GroupsIpv6ByPrefixAndUnmapsIpv4) {
  // IPv4 is counted per address (also IPv4-mapped), IPv6 per /64.
  EXPECT_EQ(addressKey("192.0.2.7"), "ip:192.0.2.7");
  EXPECT_EQ(addressKey("::ffff:192.0.2.7"), "ip:192.0.2.7");
  EXPECT_EQ(addressKey("2001:db8::1"), addressKey("2001:0db8:0:0:ffff::2"));
  EXPECT_NE(addressKey("2001:db8::1"), addressKey("2001:db8:0:1::1"));
  EXPECT_EQ(addressKey(""), "ip:");
}

}  // namespace
}  // namespace bastion::oauth::testing
