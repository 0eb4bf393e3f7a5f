#pragma once
// Test scaffolding for the token side of the embedded authorization server: a whole
// AuthorizationServer (created as `bastion serve` creates it) over an in-memory SQLite store and
// a ManualClock, a public and a confidential client, authorization codes planted in the store
// with known bindings, and helpers to POST forms and read JSON and JWT parts.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/random.h"
#include "core/web.h"
#include "audit/audit_log.h"
#include "oauth/authorization_server.h"
#include "store/store.h"

namespace bastion::oauth::testing {

// Keeps audit events in memory so tests can read what the server recorded.
class RecordingAuditSink final : public audit::AuditSink {
 public:
  void record(boost::json::object event) override {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  std::vector<boost::json::object> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<boost::json::object> events_;
};

inline constexpr const char* kAsIssuer = "http://127.0.0.1:8080";
inline constexpr const char* kAsResource = "http://127.0.0.1:8080/mcp";
inline constexpr const char* kPublicId = "public-client";
inline constexpr const char* kConfidentialId = "machine-client";
inline constexpr const char* kConfidentialSecret = "machine-secret-0123456789";
inline constexpr const char* kRedirectUri = "http://127.0.0.1:9999/callback";
// RFC 7636 appendix B.
inline constexpr const char* kVerifier = "dBjftJeZ4CVP-mJ92K9qRCoL8wXw5P2h9MVtdiEFG1U";

using Form = std::vector<std::pair<std::string, std::string>>;

class AsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::openStore(storeUrl());
    ASSERT_TRUE(store) << store.error().message;
    store_ = *store;
    addClients();
    createServer();
  }

  virtual std::string storeUrl() { return "sqlite::memory:"; }

  AsOptions options() const {
    AsOptions o;
    o.issuer = kAsIssuer;
    o.resource = kAsResource;
    o.scopes_supported = {"files:read", "files:write", "admin"};
    o.default_scopes = {"files:read"};
    o.key_lifetime = std::chrono::hours(24 * 10);  // successor published 1 day ahead
    return o;
  }

  void createServer(AsOptions o) {
    AsDependencies d;
    d.store = store_;
    d.clock = &clock_;
    d.audit = audit_;
    auto as = AuthorizationServer::create(std::move(o), std::move(d));
    ASSERT_TRUE(as) << as.error().message;
    as_ = *as;
  }
  void createServer() { createServer(options()); }

  void addClients() {
    store::Client pub;
    pub.client_id = kPublicId;
    pub.client_name = "Public app";
    pub.redirect_uris = {kRedirectUri};
    pub.grant_types = {"authorization_code", "refresh_token"};
    pub.scopes = {"files:read", "files:write"};
    pub.created = pub.last_used = clock_.now();
    ASSERT_TRUE(store_->putClient(pub));

    store::Client conf = pub;
    conf.client_id = kConfidentialId;
    conf.client_name = "Machine";
    conf.secret_hash = crypto::sha256Hex(kConfidentialSecret);
    conf.token_endpoint_auth_method = "client_secret_basic";
    conf.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
    ASSERT_TRUE(store_->putClient(conf));
  }

  // Plants an authorization code as /authorize would after consent; returns the clear code.
  std::string plantCode(const std::string& client_id = kPublicId,
                        std::vector<std::string> scopes = {"files:read", "files:write"},
                        const std::string& family = "") {
    std::string code = randomToken(systemRandom(), 32);
    store::AuthorizationCode c;
    c.code_hash = crypto::sha256Hex(code);
    c.client_id = client_id;
    c.redirect_uri = kRedirectUri;
    c.code_challenge = crypto::pkceChallenge(kVerifier);
    c.resource = kAsResource;
    c.scopes = std::move(scopes);
    c.sub = "alice";
    c.family_id = family.empty() ? randomToken(systemRandom(), 16) : family;
    c.expires = clock_.now() + std::chrono::seconds(60);
    EXPECT_TRUE(store_->putCode(c));
    return code;
  }

  static std::string encode(const Form& form) {
    std::string out;
    for (const auto& [k, v] : form) {
      out += (out.empty() ? "" : "&") + web::formEncode(k) + "=" + web::formEncode(v);
    }
    return out;
  }

  web::Response post(const std::string& path, const Form& form, const web::Headers& extra = {}) {
    web::Request r;
    r.method = "POST";
    r.target = path;
    r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
    r.headers.insert(r.headers.end(), extra.begin(), extra.end());
    r.body = encode(form);
    r.remote_address = "127.0.0.1";
    return as_->handle(r);
  }

  web::Response get(const std::string& path) {
    web::Request r;
    r.method = "GET";
    r.target = path;
    r.remote_address = "127.0.0.1";
    return as_->handle(r);
  }

  static std::string basicAuth(const std::string& id, const std::string& secret) {
    // Standard base64 of "id:secret" (RFC 7617); the test ids and secrets need no escaping.
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string in = id + ":" + secret;
    const auto byte = [&](std::size_t k) -> unsigned {
      return k < in.size() ? static_cast<unsigned char>(in[k]) : 0u;
    };
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
      const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
      out += kAlphabet[(v >> 18) & 63u];
      out += kAlphabet[(v >> 12) & 63u];
      out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63u] : '=';
      out += i + 2 < in.size() ? kAlphabet[v & 63u] : '=';
    }
    return "Basic " + out;
  }

  web::Headers confidentialBasic() const {
    return {{"authorization", basicAuth(kConfidentialId, kConfidentialSecret)}};
  }

  // The token request for a planted code by the public client, with every binding right.
  Form codeForm(const std::string& code) const {
    return {{"grant_type", "authorization_code"},
            {"code", code},
            {"redirect_uri", kRedirectUri},
            {"code_verifier", kVerifier},
            {"client_id", kPublicId},
            {"resource", kAsResource}};
  }

  static boost::json::object json(const web::Response& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << r.body;
      return {};
    }
    return v.get_object();
  }

  static std::string str(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  }

  static std::string errorOf(const web::Response& r) { return str(json(r), "error"); }

  static std::optional<std::string> header(const web::Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) {
        return v;
      }
    }
    return std::nullopt;
  }

  // Part 0 (header) or 1 (claims) of a compact JWS, decoded.
  static boost::json::object jwtPart(const std::string& token, int part) {
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    const std::string segment =
        part == 0 ? token.substr(0, first) : token.substr(first + 1, second - first - 1);
    auto decoded = crypto::base64UrlDecode(segment);
    if (!decoded) {
      ADD_FAILURE() << "not base64url: " << segment;
      return {};
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(*decoded, ec);
    return !ec && v.is_object() ? v.get_object() : boost::json::object{};
  }

  // Redeems a fresh code; returns the token response JSON.
  boost::json::object redeemFreshCode() {
    auto r = post("/token", codeForm(plantCode()));
    EXPECT_EQ(r.status, 200) << r.body;
    return json(r);
  }

  // Revokes the family of `tokens` through a second server on the same store (as_ becomes that
  // server) and lets this server's revocation poll (5 s) come due. Returns this server.
  std::shared_ptr<AuthorizationServer> revokeFamilyThroughAnotherServer(
      const boost::json::object& tokens) {
    auto here = as_;
    createServer();
    const auto* refresh = tokens.if_contains("refresh_token");
    EXPECT_TRUE(refresh != nullptr && refresh->is_string());
    const std::string token = refresh != nullptr && refresh->is_string()
                                  ? std::string(refresh->get_string())
                                  : std::string();
    EXPECT_EQ(post("/revoke", {{"token", token}, {"client_id", kPublicId}}).status, 200);
    clock_.advance(std::chrono::seconds(5));
    return here;
  }

  std::optional<auth::AuthError> verifyError(const std::string& token) {
    auto v = as_->verifier()->verify(token);
    if (v) {
      return std::nullopt;
    }
    return v.error();
  }

  ManualClock clock_;
  std::shared_ptr<store::Store> store_;
  std::shared_ptr<RecordingAuditSink> audit_ = std::make_shared<RecordingAuditSink>();
  std::shared_ptr<AuthorizationServer> as_;
};

}  // namespace bastion::oauth::testing
