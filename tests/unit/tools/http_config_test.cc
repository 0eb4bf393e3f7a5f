// GCC 12 at -O2 reports dereferences of checked boost::system::result values as potential null
// dereferences (false positives; each is asserted first).
#pragma GCC diagnostic ignored "-Wnull-dereference"

// The [[tools]] keys of the http kind: every key read, ${env:NAME} only where secrets go, the
// tool's own rules (template, allow-list, placements) reported at load at the key they name.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <variant>

#include "config/config.h"

namespace bastion::tools {
namespace {

class HttpConfig : public ::testing::Test {
 protected:
  static std::string tool(std::string_view extra) {
    return "[[tools]]\nname = \"api\"\nkind = \"http\"\n" + std::string(extra);
  }
  HttpToolOptions options(const std::string& toml) {
    auto r = config::parse(toml, "t.toml");
    EXPECT_TRUE(r) << (r ? "" : r.error().toString());
    if (!r || r.value()->tools.size() != 1) {
      return {};
    }
    return std::get<HttpToolOptions>(r.value()->tools[0].options);
  }
  std::string errorsOf(const std::string& toml) {
    auto r = config::parse(toml, "t.toml");
    EXPECT_FALSE(r) << "expected the config to be rejected";
    return r ? std::string() : r.error().toString();
  }
};

TEST_F(HttpConfig, ReadsEveryKey) {
  // Each documented key lands in the options.
  const std::string ca_file = ::testing::TempDir() + "/bastion-http-config-ca.pem";
  std::ofstream(ca_file) << "-----BEGIN CERTIFICATE-----\n";  // read when the tool is built
  HttpToolOptions o = options(tool("ca_file = \"" + ca_file + "\"\n" + R"(
method = "post"
url = "https://api.example.com/v1/users/{id}?fields={fields}"
allow_hosts = ["api.example.com", "cdn.example.com:8443"]
allow_private = true
timeout = "3s"
max_bytes = "64KiB"
follow_redirects = 2
binary = true
read_only = true
headers = { Authorization = "Bearer ${env:API_TOKEN}", Accept = "application/json" }
secret_query = { api_key = "${env:API_KEY}" }
params.id = { type = "integer" }
params.fields = { schema = { type = "string", maxLength = 100 }, in = "query" }
params.note = { schema = { type = "string" }, in = "body", required = false }
)"));
  EXPECT_EQ(o.method, "POST");
  EXPECT_EQ(o.url, "https://api.example.com/v1/users/{id}?fields={fields}");
  EXPECT_EQ(o.allow_hosts, (std::vector<std::string>{"api.example.com", "cdn.example.com:8443"}));
  EXPECT_TRUE(o.allow_private);
  EXPECT_EQ(o.ca_file, ca_file);
  EXPECT_EQ(o.timeout, std::chrono::seconds(3));
  EXPECT_EQ(o.max_bytes, 64u * 1024u);
  EXPECT_EQ(o.follow_redirects, 2);
  EXPECT_TRUE(o.binary);
  EXPECT_TRUE(o.read_only);
  EXPECT_EQ(o.headers.at("Authorization"), "Bearer ${env:API_TOKEN}");  // expanded at start
  EXPECT_EQ(o.secret_query.at("api_key"), "${env:API_KEY}");
  ASSERT_EQ(o.params.size(), 3u);
  EXPECT_EQ(o.params[0].name, "id");
  EXPECT_EQ(o.params[0].schema, boost::json::parse(R"({"type":"integer"})"));
  EXPECT_EQ(o.params[0].in, HttpParam::In::Auto);
  EXPECT_TRUE(o.params[0].required);
  EXPECT_EQ(o.params[1].schema, boost::json::parse(R"({"type":"string","maxLength":100})"));
  EXPECT_EQ(o.params[1].in, HttpParam::In::Query);
  EXPECT_EQ(o.params[2].in, HttpParam::In::Body);
  EXPECT_FALSE(o.params[2].required);
}

TEST_F(HttpConfig, DefaultsAreSafe) {
  // GET, no redirects, no private addresses, 10 s, 1 MiB, no binary.
  HttpToolOptions o = options(tool("url = \"https://api.example.com/\"\n"));
  EXPECT_EQ(o.method, "GET");
  EXPECT_FALSE(o.allow_private);
  EXPECT_EQ(o.follow_redirects, 0);
  EXPECT_EQ(o.timeout, std::chrono::seconds(10));
  EXPECT_EQ(o.max_bytes, std::size_t{1} << 20);
  EXPECT_FALSE(o.binary);
}

TEST_F(HttpConfig, SecretReferenceOutsideSecretKeysIsRefused) {
  // ${env:NAME} in the url (where it could reach the model or a log) is refused.
  EXPECT_NE(errorsOf(tool("url = \"https://api.example.com/?k=${env:API_KEY}\"\n"))
                .find("${env:NAME} is allowed only in keys that take secrets"),
            std::string::npos);
}

TEST_F(HttpConfig, PlaceholderInHostIsRefusedAtLoad) {
  // The template's rules are checked when the file is read, pointing at the url key.
  const std::string e = errorsOf(tool("url = \"https://{tenant}.example.com/\"\n"));
  EXPECT_NE(e.find("tools[0].url"), std::string::npos) << e;
  EXPECT_NE(e.find("placeholders may stand only in the url's path and query values"),
            std::string::npos)
      << e;
}

TEST_F(HttpConfig, ToolRulesAreReportedAtTheirKey) {
  // Placement and allow-list mistakes name the key they are about.
  std::string e = errorsOf(tool("url = \"https://api.example.com/{id}\"\n"));
  EXPECT_NE(e.find("uses {id} but params.id is not declared"), std::string::npos) << e;
  e = errorsOf(
      tool("url = \"https://api.example.com/\"\nparams.x = { schema = {}, in = \"body\" }\n"));
  EXPECT_NE(e.find("tools[0].params.x: a GET request has no body"), std::string::npos) << e;
  e = errorsOf(tool("url = \"http://127.0.0.1:8080/\"\n"));
  EXPECT_NE(e.find("tools[0].allow_hosts: an http:// url needs its host listed"), std::string::npos)
      << e;
  e = errorsOf(tool("url = \"https://api.example.com/\"\nheaders = { Host = \"x\" }\n"));
  EXPECT_NE(e.find("tools[0].headers.Host: set by Bastion"), std::string::npos) << e;
  e = errorsOf(tool("url = \"https://api.example.com/\"\nmethod = \"TRACE\"\n"));
  EXPECT_NE(e.find("tools[0].method: must be one of"), std::string::npos) << e;
}

TEST_F(HttpConfig, MistakesAreRefused) {
  // Missing url, bad `in`, unknown keys in a long-form param, non-string header values.
  EXPECT_NE(errorsOf(tool("")).find("tools[0].url: required"), std::string::npos);
  EXPECT_NE(
      errorsOf(tool("url = \"https://a.example/\"\nparams.x = { schema = {}, in = \"header\" }\n"))
          .find("must be \"path\", \"query\" or \"body\""),
      std::string::npos);
  EXPECT_NE(errorsOf(tool("url = \"https://a.example/\"\nparams.x = { schema = {}, where = 1 }\n"))
                .find("tools[0].params.x.where: unknown key"),
            std::string::npos);
  EXPECT_NE(errorsOf(tool("url = \"https://a.example/\"\nheaders = { X = 1 }\n"))
                .find("tools[0].headers.X: expected a string"),
            std::string::npos);
  EXPECT_NE(errorsOf(tool("url = \"https://a.example/\"\nca_file = \"/nonexistent/ca.pem\"\n"))
                .find("tools[0].ca_file: cannot read file \"/nonexistent/ca.pem\""),
            std::string::npos);
  EXPECT_NE(errorsOf(tool("url = \"https://a.example/\"\nfollow_redirects = 11\n"))
                .find("must be between 0 and 10"),
            std::string::npos);
}

}  // namespace
}  // namespace bastion::tools
