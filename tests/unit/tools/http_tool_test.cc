// The http tool against a scripted Fetcher: what request each call sends (URL, headers, body),
// how answers become results, what is refused, and that secrets never reach results or errors.

// GCC 12 at -O2 reports checked results' operator-> as a potential null dereference.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <mutex>

#include "guard/secrets.h"
#include "net/fetcher.h"
#include "support/test_call_context.h"
#include "tools/http.h"
#include "tools/http_response.h"

namespace bastion::tools {
namespace {

namespace json = boost::json;
using net::FetchRequest;
using net::FetchResponse;

constexpr std::string_view kApiToken = "tok-3f9a7c1e5b2d4a6c";
constexpr std::string_view kApiKey = "key-8d1e2f3a4b5c6d7e";

class FakeFetcher final : public net::Fetcher {
 public:
  using Script = std::function<Result<FetchResponse>(const FetchRequest&)>;
  explicit FakeFetcher(Script script) : script_(std::move(script)) {}
  Result<FetchResponse> fetch(const FetchRequest& req) override {
    requests.push_back(req);
    return script_(req);
  }
  std::vector<FetchRequest> requests;

 private:
  Script script_;
};

FetchResponse answer(int status, std::string content_type, std::string body,
                     std::vector<std::pair<std::string, std::string>> extra = {}) {
  FetchResponse r;
  r.status = status;
  if (!content_type.empty()) {
    r.headers.emplace_back("content-type", std::move(content_type));
  }
  for (auto& h : extra) {
    r.headers.push_back(std::move(h));
  }
  r.body = std::move(body);
  return r;
}

// Echoes the whole request (URL, headers, body) back as text, as a hostile or debugging
// server might.
Result<FetchResponse> echo(const FetchRequest& req) {
  std::string text = req.method + " " + req.url + "\n";
  for (const auto& [name, value] : req.headers) {
    text += name + ": " + value + "\n";
  }
  return answer(200, "text/plain", text + req.body);
}

// The principal these tests call as.
struct NullContext : bastion::testing::TestCallContext {
  NullContext()
      : TestCallContext(
            mcp::Principal{.iss = "test", .sub = "alice", .client_id = "c", .scopes = {}}) {}
};

class HttpToolTest : public ::testing::Test {
 protected:
  guard::Secrets secrets{[](std::string_view name) -> std::optional<std::string> {
    if (name == "API_TOKEN") {
      return std::string(kApiToken);
    }
    if (name == "API_KEY") {
      return std::string(kApiKey);
    }
    return std::nullopt;
  }};
  ToolIdentity identity{
      .name = "api", .title = "", .description = "d", .scopes = {}, .audit_fields = {}};

  HttpToolOptions options(std::string method, std::string url) {
    HttpToolOptions o;
    o.method = std::move(method);
    o.url = std::move(url);
    return o;
  }
  static HttpParam param(std::string name, HttpParam::In in = HttpParam::In::Auto,
                         bool required = true) {
    return HttpParam{.name = std::move(name),
                     .schema = json::object{{"type", "string"}},
                     .in = in,
                     .required = required};
  }

  mcp::ToolSpec make(const HttpToolOptions& o, FakeFetcher::Script script) {
    fetcher = std::make_shared<FakeFetcher>(std::move(script));
    auto spec = makeHttpTool(identity, o, secrets, fetcher);
    EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
    return spec ? std::move(spec.value()) : mcp::ToolSpec{};
  }
  Result<mcp::ToolResult> call(const mcp::ToolSpec& spec, const json::object& args) {
    NullContext ctx;
    return spec.handler(args, ctx);
  }
  static std::string textOf(const mcp::ToolResult& r) {
    std::string out;
    for (const auto& block : r.content) {
      out += json::serialize(block);
    }
    if (r.structured) {
      out += json::serialize(*r.structured);
    }
    return out;
  }
  int makeError(const HttpToolOptions& o) {
    auto spec = makeHttpTool(identity, o, secrets, std::make_shared<FakeFetcher>(echo));
    return spec ? 0 : spec.error().code;
  }

  std::shared_ptr<FakeFetcher> fetcher;
};

constexpr int code(HttpToolError e) { return static_cast<int>(e); }

TEST_F(HttpToolTest, GetPlacesArgumentsInPathAndQuery) {
  // Template placeholders are filled, undeclared-in-url GET params become query pairs.
  auto o = options("GET", "https://api.example.com/v1/users/{id}");
  o.params = {param("id"), param("fields", HttpParam::In::Auto, false)};
  auto spec = make(o, [](const FetchRequest&) { return answer(200, "text/plain", "ok"); });
  auto r = call(spec, {{"id", "4/2"}, {"fields", "a b"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(fetcher->requests.size(), 1u);
  EXPECT_EQ(fetcher->requests[0].url, "https://api.example.com/v1/users/4%2F2?fields=a%20b");
  EXPECT_EQ(fetcher->requests[0].method, "GET");
  EXPECT_TRUE(fetcher->requests[0].body.empty());
  // Optional query arguments are simply left out.
  ASSERT_TRUE(call(spec, {{"id", "7"}}));
  EXPECT_EQ(fetcher->requests[1].url, "https://api.example.com/v1/users/7");
}

TEST_F(HttpToolTest, PostSendsRemainingArgumentsAsJsonBody) {
  // Arguments not placed in the URL form the JSON body object, typed as given.
  auto o = options("POST", "https://api.example.com/v1/orgs/{org}/issues");
  o.params = {param("org"), param("title"), param("labels", HttpParam::In::Body, false)};
  auto spec = make(o, [](const FetchRequest&) { return answer(201, "application/json", "{}"); });
  json::object args{{"org", "acme"}, {"title", "t\"x"}, {"labels", json::array{"a", 1}}};
  ASSERT_TRUE(call(spec, args));
  const FetchRequest& req = fetcher->requests.at(0);
  EXPECT_EQ(req.url, "https://api.example.com/v1/orgs/acme/issues");
  EXPECT_EQ(json::parse(req.body),
            (json::object{{"title", "t\"x"}, {"labels", json::array{"a", 1}}}));
  EXPECT_NE(std::find(req.headers.begin(), req.headers.end(),
                      std::pair<std::string, std::string>("Content-Type", "application/json")),
            req.headers.end());
}

TEST_F(HttpToolTest, NumbersAndBooleansGoInTheUrlAsJsonText) {
  // Non-string scalars are written as JSON writes them; objects cannot go in a URL.
  auto o = options("GET", "https://api.example.com/v1/{n}?flag={flag}");
  o.params = {param("n"), param("flag")};
  auto spec = make(o, [](const FetchRequest&) { return answer(200, "text/plain", "ok"); });
  ASSERT_TRUE(call(spec, {{"n", 42}, {"flag", true}}));
  EXPECT_EQ(fetcher->requests.at(0).url, "https://api.example.com/v1/42?flag=true");
  auto r = call(spec, {{"n", json::object{}}, {"flag", false}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code(HttpToolError::BadArgument));
  EXPECT_EQ(fetcher->requests.size(), 1u);
}

TEST_F(HttpToolTest, PathTraversalThroughArgumentIsEncoded) {
  // "../" in a value stays inside its segment; a bare ".." is refused before any request.
  auto o = options("GET", "https://api.example.com/v1/files/{name}");
  o.params = {param("name")};
  auto spec = make(o, [](const FetchRequest&) { return answer(200, "text/plain", "ok"); });
  ASSERT_TRUE(call(spec, {{"name", "../../admin/keys"}}));
  EXPECT_EQ(fetcher->requests.at(0).url, "https://api.example.com/v1/files/..%2F..%2Fadmin%2Fkeys");
  auto r = call(spec, {{"name", ".."}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code(HttpToolError::BadArgument));
  EXPECT_EQ(fetcher->requests.size(), 1u);
}

TEST_F(HttpToolTest, HostCannotBeChangedByArgument) {
  // Every request goes to the configured origin whatever the arguments say.
  auto o = options("GET", "https://api.example.com/v1/{a}");
  o.params = {param("a"), param("b", HttpParam::In::Query)};
  auto spec = make(o, [](const FetchRequest&) { return answer(200, "text/plain", "ok"); });
  for (const char* evil : {"@evil.com", "//evil.com", "http://evil", "evil.com:443/x"}) {
    ASSERT_TRUE(call(spec, {{"a", evil}, {"b", evil}})) << evil;
    EXPECT_TRUE(fetcher->requests.back().url.starts_with("https://api.example.com/v1/")) << evil;
    EXPECT_EQ(fetcher->requests.back().url.find("evil.com/"), std::string::npos);
  }
}

TEST_F(HttpToolTest, SecretsGoInHeadersAndSecretQueryOnly) {
  // ${env:NAME} is expanded once into the request; the model's schema does not mention it.
  auto o = options("GET", "https://api.example.com/v1/me");
  o.headers = {{"Authorization", "Bearer ${env:API_TOKEN}"}, {"Accept", "application/json"}};
  o.secret_query = {{"api_key", "${env:API_KEY}"}};
  auto spec = make(o, [](const FetchRequest&) { return answer(200, "text/plain", "ok"); });
  ASSERT_TRUE(call(spec, {}));
  const FetchRequest& req = fetcher->requests.at(0);
  EXPECT_EQ(req.url, "https://api.example.com/v1/me?api_key=" + std::string(kApiKey));
  EXPECT_NE(std::find(req.headers.begin(), req.headers.end(),
                      std::pair<std::string, std::string>("Authorization",
                                                          "Bearer " + std::string(kApiToken))),
            req.headers.end());
  EXPECT_EQ(json::serialize(spec.input_schema).find("api_key"), std::string::npos);
}

TEST_F(HttpToolTest, SecretHeaderNeverInResultOrError) {
  // A downstream server that echoes the request (headers, URL) gives the model no secret, in a
  // result or in an error's excerpt.
  auto o = options("POST", "https://api.example.com/v1/echo");
  o.headers = {{"Authorization", "Bearer ${env:API_TOKEN}"}};
  o.secret_query = {{"api_key", "${env:API_KEY}"}};
  auto ok = make(o, echo);
  auto r = call(ok, {});
  ASSERT_TRUE(r);
  const std::string text = textOf(r.value());
  EXPECT_NE(text.find("Authorization"), std::string::npos);  // the echo did happen
  EXPECT_EQ(text.find(kApiToken), std::string::npos) << text;
  EXPECT_EQ(text.find(kApiKey), std::string::npos) << text;

  auto failing = make(o, [](const FetchRequest& req) {
    auto e = echo(req);
    e.value().status = 500;
    return e;
  });
  auto err = call(failing, {});
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, code(HttpToolError::UpstreamStatus));
  EXPECT_NE(err.error().message.find("HTTP 500"), std::string::npos);
  EXPECT_EQ(err.error().message.find(kApiToken), std::string::npos) << err.error().message;
  EXPECT_EQ(err.error().message.find(kApiKey), std::string::npos) << err.error().message;
}

TEST_F(HttpToolTest, FetchErrorsNameOnlyTheHost) {
  // Whatever fails, the error names the configured host, never the URL with its secret query.
  auto o = options("GET", "https://api.example.com/v1/me");
  o.secret_query = {{"api_key", "${env:API_KEY}"}};
  for (auto fe :
       {net::FetchError::ForbiddenAddress, net::FetchError::ConnectFailed,
        net::FetchError::ResolveFailed, net::FetchError::TlsFailed, net::FetchError::Timeout,
        net::FetchError::TooLarge, net::FetchError::ProtocolError, net::FetchError::BadUrl}) {
    auto spec = make(o, [fe](const FetchRequest& req) -> Result<FetchResponse> {
      return Error(fe, "failed " + req.url);  // a careless fetcher message is not passed on
    });
    auto r = call(spec, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.find(kApiKey), std::string::npos) << r.error().message;
    if (fe != net::FetchError::TooLarge) {
      EXPECT_NE(r.error().message.find("api.example.com"), std::string::npos) << r.error().message;
    }
  }
}

TEST_F(HttpToolTest, OversizedResponseIsRefused) {
  // The fetcher's size cap becomes "response larger than N bytes"; the cap is passed down.
  auto o = options("GET", "https://api.example.com/v1/big");
  o.max_bytes = 1000;
  auto spec = make(o, [](const FetchRequest&) -> Result<FetchResponse> {
    return Error(net::FetchError::TooLarge, "too large");
  });
  auto r = call(spec, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code(HttpToolError::TooLarge));
  EXPECT_EQ(r.error().message, "response larger than 1000 bytes");
  EXPECT_EQ(fetcher->requests.at(0).max_bytes, 1000u);
}

TEST_F(HttpToolTest, RedirectToForeignHostIsRefused) {
  // A redirect to another origin is not followed, even with redirects enabled.
  auto o = options("GET", "https://api.example.com/v1/x");
  o.follow_redirects = 3;
  o.headers = {{"Authorization", "Bearer ${env:API_TOKEN}"}};
  for (const char* location :
       {"https://evil.com/steal", "http://api.example.com/v1/x", "https://api.example.com:444/v1/x",
        "//evil.com/x", "https://user@api.example.com/v1/y", ""}) {
    auto spec = make(o, [location](const FetchRequest&) {
      return answer(302, "", "", {{"location", location}});
    });
    auto r = call(spec, {});
    ASSERT_FALSE(r) << location;
    EXPECT_EQ(r.error().code, code(HttpToolError::Refused)) << location;
    EXPECT_EQ(fetcher->requests.size(), 1u) << location;
  }
}

TEST_F(HttpToolTest, RedirectToMetadataAddressIsRefused) {
  // The cloud metadata service is a foreign origin: refused before any request is made to it.
  auto o = options("GET", "https://api.example.com/v1/x");
  o.follow_redirects = 3;
  for (const char* location :
       {"http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/"}) {
    auto spec = make(o, [location](const FetchRequest&) {
      return answer(301, "", "", {{"location", location}});
    });
    auto r = call(spec, {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code(HttpToolError::Refused));
    ASSERT_EQ(fetcher->requests.size(), 1u);
  }
}

TEST_F(HttpToolTest, SameOriginRedirectIsFollowedWithinTheCap) {
  // Relative and absolute same-origin Locations are followed, each a new fetch (re-checked by
  // the guard), at most follow_redirects times; 303 turns a POST into a GET without body.
  auto o = options("POST", "https://api.example.com/v1/jobs");
  o.follow_redirects = 2;
  o.params = {param("name")};
  auto spec = make(o, [](const FetchRequest& req) {
    if (req.url.ends_with("/v1/jobs")) {
      return answer(303, "", "", {{"location", "/v1/jobs/7#frag"}});
    }
    if (req.url.ends_with("/v1/jobs/7")) {
      return answer(308, "", "", {{"location", "https://API.example.com/v1/jobs/7/status"}});
    }
    return answer(200, "application/json", R"({"state":"done"})");
  });
  auto r = call(spec, {{"name", "n"}});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(fetcher->requests.size(), 3u);
  EXPECT_EQ(fetcher->requests[1].url, "https://api.example.com/v1/jobs/7");
  EXPECT_EQ(fetcher->requests[1].method, "GET");
  EXPECT_TRUE(fetcher->requests[1].body.empty());
  EXPECT_EQ(r.value().structured, (json::value(json::object{{"state", "done"}})));

  o.follow_redirects = 1;
  auto capped = make(o, [](const FetchRequest&) {
    return answer(307, "", "", {{"location", "/v1/again"}});
  });
  auto c = call(capped, {{"name", "n"}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, code(HttpToolError::UpstreamStatus));
  EXPECT_EQ(fetcher->requests.size(), 2u);
  EXPECT_EQ(fetcher->requests[1].method, "POST");  // 307 keeps the method and body
}

TEST_F(HttpToolTest, JsonAnswerBecomesStructuredContent) {
  // An object is structuredContent plus text; invalid JSON is an error; arrays are text only.
  auto o = options("GET", "https://api.example.com/v1/x");
  std::string body = R"({"a":1})";
  std::string type = "application/json; charset=utf-8";
  auto spec = make(o, [&](const FetchRequest&) { return answer(200, type, body); });
  auto r = call(spec, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().structured, json::value(json::object{{"a", 1}}));
  EXPECT_EQ(r.value().content.size(), 1u);
  body = "[1,2]";
  type = "application/problem+json";
  r = call(spec, {});
  ASSERT_TRUE(r);
  EXPECT_FALSE(r.value().structured);
  body = "{not json";
  r = call(spec, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code(HttpToolError::BadResponse));
}

TEST_F(HttpToolTest, ContentTypeDecidesTheResult) {
  // text/* is text (valid UTF-8 only); other types are refused unless binary = true.
  auto o = options("GET", "https://api.example.com/v1/x");
  std::string type = "text/csv";
  std::string body = "a,b\n1,2\n";
  auto spec = make(o, [&](const FetchRequest&) { return answer(200, type, body); });
  auto r = call(spec, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().content.at(0).at("text"), "a,b\n1,2\n");
  body = "\xFF\xFE";
  EXPECT_FALSE(call(spec, {}));
  type = "application/octet-stream";
  r = call(spec, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "unsupported content type application/octet-stream");

  o.binary = true;
  type = "image/png";
  auto bin = make(o, [&](const FetchRequest&) { return answer(200, type, body); });
  r = call(bin, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().content.at(0).at("type"), "image");
  EXPECT_EQ(r.value().content.at(0).at("data"), "//4=");
}

TEST_F(HttpToolTest, CompressedBodyIsRefused) {
  // A Content-Encoding nobody asked for is refused rather than passed on as text.
  auto spec = make(options("GET", "https://api.example.com/v1/x"), [](const FetchRequest&) {
    return answer(200, "text/plain", "\x1f\x8b", {{"content-encoding", "gzip"}});
  });
  auto r = call(spec, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "unsupported content encoding gzip");
}

TEST_F(HttpToolTest, ErrorStatusCarriesShortExcerpt) {
  // Non-2xx: the status and at most 512 bytes of the body, never the whole body.
  auto o = options("GET", "https://api.example.com/v1/x");
  auto spec = make(o, [](const FetchRequest&) {
    return answer(404, "text/plain", std::string(600, 'e') + "TAIL");
  });
  auto r = call(spec, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, code(HttpToolError::UpstreamStatus));
  EXPECT_TRUE(r.error().message.starts_with("HTTP 404 from api.example.com: eee"));
  EXPECT_EQ(r.error().message.find("TAIL"), std::string::npos);
  EXPECT_LE(r.error().message.size(),
            std::string("HTTP 404 from api.example.com: ").size() + kExcerptBytes + 3);
}

TEST_F(HttpToolTest, AnnotationsAreTruthfulByMethod) {
  // GET reads; POST/PUT/PATCH/DELETE may change things unless declared read_only; all open-world.
  auto get = make(options("GET", "https://api.example.com/"), echo);
  EXPECT_EQ(get.annotations.read_only, true);
  EXPECT_EQ(get.annotations.destructive, false);
  EXPECT_EQ(get.annotations.open_world, true);
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE"}) {
    auto spec = make(options(m, "https://api.example.com/"), echo);
    EXPECT_EQ(spec.annotations.read_only, false) << m;
    EXPECT_EQ(spec.annotations.destructive, true) << m;
    EXPECT_EQ(spec.annotations.open_world, true) << m;
  }
  auto search = options("POST", "https://api.example.com/search");
  search.read_only = true;
  EXPECT_EQ(make(search, echo).annotations.read_only, true);
  EXPECT_EQ(make(search, echo).annotations.destructive, false);
}

TEST_F(HttpToolTest, InputSchemaListsParamsAndRequired) {
  // The model sees the declared params; optional ones are not required.
  auto o = options("GET", "https://api.example.com/v1/{id}");
  o.params = {param("id"), param("q", HttpParam::In::Query, false)};
  auto spec = make(o, echo);
  EXPECT_EQ(spec.input_schema.at("required"), json::array{"id"});
  EXPECT_TRUE(spec.input_schema.at("properties").as_object().contains("q"));
}

TEST_F(HttpToolTest, InvalidOptionsAreRefused) {
  // Each misconfiguration is refused when the tool is made (and at config load).
  const int bad = code(HttpToolError::BadOptions);
  EXPECT_EQ(makeError(options("TRACE", "https://api.example.com/")), bad);
  EXPECT_EQ(makeError(options("GET", "https://{h}/")), bad);
  auto undeclared = options("GET", "https://api.example.com/{id}");
  EXPECT_EQ(makeError(undeclared), bad);
  auto body_on_get = options("GET", "https://api.example.com/");
  body_on_get.params = {param("x", HttpParam::In::Body)};
  EXPECT_EQ(makeError(body_on_get), bad);
  auto path_missing = options("GET", "https://api.example.com/");
  path_missing.params = {param("x", HttpParam::In::Path)};
  EXPECT_EQ(makeError(path_missing), bad);
  auto optional_placeholder = options("GET", "https://api.example.com/{x}");
  optional_placeholder.params = {param("x", HttpParam::In::Auto, false)};
  EXPECT_EQ(makeError(optional_placeholder), bad);
  auto host_header = options("GET", "https://api.example.com/");
  host_header.headers = {{"Host", "evil.com"}};
  EXPECT_EQ(makeError(host_header), bad);
  auto twice = options("GET", "https://api.example.com/");
  twice.headers = {{"X-Key", "a"}, {"x-key", "b"}};
  EXPECT_EQ(makeError(twice), bad);
  auto not_listed = options("GET", "https://api.example.com/");
  not_listed.allow_hosts = {"other.example.com"};
  EXPECT_EQ(makeError(not_listed), bad);
}

TEST_F(HttpToolTest, PlainHttpNeedsTheHostListed) {
  // https by default; http only to a host:port written in allow_hosts.
  auto o = options("GET", "http://127.0.0.1:8080/v1");
  EXPECT_EQ(makeError(o), code(HttpToolError::BadOptions));
  o.allow_hosts = {"127.0.0.1"};
  EXPECT_EQ(makeError(o), code(HttpToolError::BadOptions));  // port 8080 is not the default
  o.allow_hosts = {"127.0.0.1:8080"};
  EXPECT_EQ(makeError(o), 0);
}

TEST_F(HttpToolTest, MissingSecretVariableIsNamed) {
  // An unset ${env:NAME} fails tool creation with a message naming the variable.
  auto o = options("GET", "https://api.example.com/");
  o.headers = {{"X-Key", "${env:NOT_SET_ANYWHERE}"}};
  auto spec = makeHttpTool(identity, o, secrets, std::make_shared<FakeFetcher>(echo));
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().message.find("NOT_SET_ANYWHERE"), std::string::npos);
}

}  // namespace
}  // namespace bastion::tools
