#pragma once
// Test scaffolding for the browser flow: an AuthorizationServerState over an in-memory SQLite
// store, a ManualClock and a scripted Fetcher, plus helpers to drive /authorize, /login and
// /consent the way a browser would (cookies, hidden form fields).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/web.h"
#include "net/fetcher.h"
#include "oauth/endpoints.h"
#include "oauth/state.h"
#include "oauth/users.h"
#include "store/store.h"

namespace bastion::oauth::testing {

// A Fetcher that answers from a script and counts calls.
class FakeFetcher final : public net::Fetcher {
 public:
  Result<net::FetchResponse> fetch(const net::FetchRequest& req) override {
    ++calls;
    last_request = req;
    if (error) {
      return *error;
    }
    return response;
  }
  net::FetchResponse response;
  std::optional<Error> error;
  int calls = 0;
  net::FetchRequest last_request;
};

inline constexpr const char* kIssuer = "https://as.example";
inline constexpr const char* kResource = "https://as.example/mcp";
inline constexpr const char* kClientId = "client-1";
inline constexpr const char* kRedirect = "https://app.example/callback";
inline constexpr const char* kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
inline constexpr const char* kCimdUrl = "https://tool.example/oauth/client.json";

class WebFixture : public ::testing::Test {
 public:
  void SetUp() override {
    state_ = std::make_unique<AuthorizationServerState>();
    auto& o = state_->options;
    o.issuer = kIssuer;
    o.resource = kResource;
    o.scopes_supported = {"files:read", "files:write", "tools:call"};
    o.default_scopes = {"files:read"};
    o.failed_logins_per_user_per_15min = 3;
    o.failed_logins_per_ip_per_15min = 5;
    o.registrations_per_ip_per_hour = 3;
    auto store = store::openStore("sqlite::memory:");
    ASSERT_TRUE(store) << store.error().message;
    state_->deps.store = *store;
    fetcher_ = std::make_shared<FakeFetcher>();
    state_->deps.fetcher = fetcher_;
    state_->deps.clock = &clock_;
    state_->deps.random = &systemRandom();
    rebuildResolver();
    // Cheap argon2id for tests (the production default costs 64 MiB per attempt).
    state_->browser.password_params = PasswordParams{1, 64, 1};

    store::Client c;
    c.client_id = kClientId;
    c.client_name = "Test Client";
    c.redirect_uris = {kRedirect, "http://127.0.0.1/cb", "http://[::1]:3000/cb",
                       "http://localhost:4000/cb?x=1"};
    c.grant_types = {"authorization_code", "refresh_token"};
    c.scopes = {"files:read", "files:write"};
    c.created = clock_.now();
    c.last_used = clock_.now();
    ASSERT_TRUE(state_->deps.store->putClient(c));
    addUser("alice", "correct horse");
  }

  void rebuildResolver() {
    ClientResolverOptions ro;
    ro.metadata_documents = state_->options.metadata_documents;
    ro.scopes_supported = state_->options.scopes_supported;
    state_->clients =
        std::make_unique<ClientResolver>(ro, state_->deps.store, state_->deps.fetcher, clock_);
  }

  void addUser(const std::string& name, const std::string& password) {
    auto hash = hashPassword(password, systemRandom(), state_->browser.password_params);
    ASSERT_TRUE(hash);
    ASSERT_TRUE(state_->deps.store->putUser(store::User{name, *hash, clock_.now()}));
  }

  // Query parameters of a valid authorization request; tests edit them.
  static std::map<std::string, std::string> validParams() {
    return {{"response_type", "code"},         {"client_id", kClientId},
            {"redirect_uri", kRedirect},       {"code_challenge", kChallenge},
            {"code_challenge_method", "S256"}, {"resource", kResource},
            {"scope", "files:read"},           {"state", "st-123"}};
  }

  static std::string encode(const std::map<std::string, std::string>& params) {
    std::string out;
    for (const auto& [k, v] : params) {
      out += (out.empty() ? "" : "&") + web::formEncode(k) + "=" + web::formEncode(v);
    }
    return out;
  }

  web::Response authorize(const std::map<std::string, std::string>& params,
                          const std::string& cookie = "", const std::string& ip = "192.0.2.1") {
    web::Request r;
    r.method = "GET";
    r.target = "/authorize?" + encode(params);
    r.remote_address = ip;
    r.tls = tls_;
    if (!cookie.empty()) {
      r.headers.emplace_back("cookie", cookie);
    }
    return handleAuthorize(*state_, r);
  }

  web::Request formPost(const std::string& path, const std::map<std::string, std::string>& form,
                        const std::string& cookie, const std::string& ip = "192.0.2.1") {
    web::Request r;
    r.method = "POST";
    r.target = path;
    r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    if (!cookie.empty()) {
      r.headers.emplace_back("cookie", cookie);
    }
    r.body = encode(form);
    r.remote_address = ip;
    r.tls = tls_;
    return r;
  }

  web::Response login(const std::string& cookie, const std::string& request_id,
                      const std::string& csrf, const std::string& user, const std::string& password,
                      const std::string& ip = "192.0.2.1") {
    return handleLogin(*state_, formPost("/login",
                                         {{"request_id", request_id},
                                          {"csrf", csrf},
                                          {"username", user},
                                          {"password", password}},
                                         cookie, ip));
  }

  // "name=value" of the response's Set-Cookie, or empty.
  static std::string cookieOf(const web::Response& r) {
    for (const auto& [n, v] : r.headers) {
      if (n == "set-cookie") {
        return v.substr(0, v.find(';'));
      }
    }
    return {};
  }

  static std::string header(const web::Response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) {
        return v;
      }
    }
    return {};
  }

  // The value of hidden input `name` in an HTML page.
  static std::string hiddenField(const std::string& html, const std::string& name) {
    const std::string marker = "name=\"" + name + "\" value=\"";
    const auto at = html.find(marker);
    if (at == std::string::npos) {
      return {};
    }
    const auto start = at + marker.size();
    return html.substr(start, html.find('"', start) - start);
  }

  // The query parameters of a redirect's Location.
  static std::map<std::string, std::string> locationParams(const web::Response& r) {
    const std::string loc = header(r, "location");
    std::map<std::string, std::string> out;
    const auto q = loc.find('?');
    if (q == std::string::npos) {
      return out;
    }
    auto pairs = web::parseForm(std::string_view(loc).substr(q + 1));
    if (pairs) {
      for (auto& [k, v] : *pairs) {
        out[k] = v;
      }
    }
    return out;
  }

  struct LoggedIn {
    std::string cookie;
    web::Response response;  // the answer to the login POST (consent page or redirect)
  };

  // GET /authorize, then log in as alice: the browser's state after the login POST.
  LoggedIn authorizeAndLogin(const std::map<std::string, std::string>& params) {
    auto page = authorize(params);
    EXPECT_EQ(page.status, 200) << page.body;
    const std::string cookie = cookieOf(page);
    auto after = login(cookie, hiddenField(page.body, "request_id"), hiddenField(page.body, "csrf"),
                       "alice", "correct horse");
    std::string fresh = cookieOf(after);
    return {fresh.empty() ? cookie : fresh, after};
  }

  web::Response consent(const std::string& cookie, const web::Response& consent_page,
                        const std::string& decision, bool remember = true) {
    std::map<std::string, std::string> form{
        {"request_id", hiddenField(consent_page.body, "request_id")},
        {"csrf", hiddenField(consent_page.body, "csrf")},
        {"decision", decision}};
    if (remember) {
      form["remember"] = "1";
    }
    return handleConsent(*state_, formPost("/consent", form, cookie));
  }

  ManualClock clock_;
  std::shared_ptr<FakeFetcher> fetcher_;
  std::unique_ptr<AuthorizationServerState> state_;
  bool tls_ = false;
};

}  // namespace bastion::oauth::testing
