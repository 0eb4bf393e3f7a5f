// URL templates of http tools: where placeholders may stand (checked at load) and how values
// are encoded (at call), including the values an attacker would choose.

// GCC 12 at -O2 reports checked results' operator-> as a potential null dereference.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "tools/url_template.h"

#include <gtest/gtest.h>

#include <map>

#include "net/fetch_url.h"

namespace bastion::tools {
namespace {

using Values = std::map<std::string, std::string, std::less<>>;

UrlTemplate::ValueOf from(const Values& values) {
  return [&values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

UrlTemplate parsed(std::string_view text) {
  auto t = UrlTemplate::parse(text);
  EXPECT_TRUE(t) << text << ": " << (t ? "" : t.error().message);
  return t.value();
}

std::string expanded(std::string_view text, const Values& values) {
  auto url = parsed(text).expand(from(values));
  EXPECT_TRUE(url) << (url ? "" : url.error().message);
  return url ? url.value() : "";
}

int loadError(std::string_view text) {
  auto t = UrlTemplate::parse(text);
  return t ? 0 : t.error().code;
}
constexpr int kBadTemplate = static_cast<int>(UrlTemplateError::BadTemplate);

TEST(UrlTemplate, FillsPathAndQueryPlaceholders) {
  // The ordinary case: values land where the template puts them.
  EXPECT_EQ(expanded("https://api.example.com/v1/users/{id}/repos?sort={sort}&type=owner",
                     {{"id", "42"}, {"sort", "updated"}}),
            "https://api.example.com/v1/users/42/repos?sort=updated&type=owner");
}

TEST(UrlTemplate, KeepsOnlyUnreservedCharacters) {
  // RFC 3986 unreserved characters stay; every other byte, UTF-8 included, is encoded.
  EXPECT_EQ(percentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(percentEncode("a b/c?d#e&f=g+h%i@j:k"), "a%20b%2Fc%3Fd%23e%26f%3Dg%2Bh%25i%40j%3Ak");
  EXPECT_EQ(percentEncode("\xC3\xA9\n"), "%C3%A9%0A");
}

TEST(UrlTemplate, PathTraversalThroughArgumentIsEncoded) {
  // "../" and encoded variants cannot add or remove path segments.
  EXPECT_EQ(expanded("https://api.example.com/v1/files/{name}", {{"name", "../../admin"}}),
            "https://api.example.com/v1/files/..%2F..%2Fadmin");
  EXPECT_EQ(expanded("https://api.example.com/v1/files/{name}", {{"name", "%2e%2e%2fadmin"}}),
            "https://api.example.com/v1/files/%252e%252e%252fadmin");
  EXPECT_EQ(expanded("https://api.example.com/v1/files/{name}", {{"name", "..\\admin"}}),
            "https://api.example.com/v1/files/..%5Cadmin");
}

TEST(UrlTemplate, DotSegmentValueIsRefused) {
  // A whole segment of "." or ".." (or empty) would be a dot-segment the server walks up by.
  const UrlTemplate t = parsed("https://api.example.com/v1/files/{name}/meta");
  for (const char* value : {"..", ".", ""}) {
    auto url = t.expand(from({{"name", value}}));
    ASSERT_FALSE(url) << value;
    EXPECT_EQ(url.error().code, static_cast<int>(UrlTemplateError::BadValue));
  }
  // With a literal beside it, ".." is just text in the segment.
  EXPECT_EQ(expanded("https://api.example.com/v1/{name}.json", {{"name", ".."}}),
            "https://api.example.com/v1/...json");
  // A literal %2E next to a value cannot complete a dot-segment either.
  auto url = parsed("https://api.example.com/v1/{name}%2E").expand(from({{"name", "."}}));
  EXPECT_FALSE(url);
}

TEST(UrlTemplate, HostCannotBeChangedByArgument) {
  // Whatever the value, the expanded URL's scheme, host and port are the template's.
  const UrlTemplate t = parsed("https://api.example.com:8443/v1/{a}?q={b}");
  for (const char* evil :
       {"@evil.com", "//evil.com", "http://evil", "evil.com:80", "\\\\evil.com", "x@evil.com/",
        "#@evil.com", "?@evil.com", "%40evil.com", "\r\nHost: evil.com"}) {
    auto url = t.expand(from({{"a", evil}, {"b", evil}}));
    ASSERT_TRUE(url) << evil;
    auto target = net::parseFetchUrl(url.value(), net::FetchPolicy{.allow_http = true});
    ASSERT_TRUE(target) << url.value();
    EXPECT_EQ(target->host, "api.example.com") << evil;
    EXPECT_EQ(target->port, 8443) << evil;
    EXPECT_TRUE(target->tls) << evil;
    EXPECT_TRUE(target->target.starts_with("/v1/")) << evil;
  }
}

TEST(UrlTemplate, QueryValueCannotAddParameters) {
  // '&' and '=' in a value stay inside that value.
  EXPECT_EQ(expanded("https://api.example.com/search?q={q}", {{"q", "x&admin=true"}}),
            "https://api.example.com/search?q=x%26admin%3Dtrue");
}

TEST(UrlTemplate, PlaceholderInHostOrPortIsRefusedAtLoad) {
  // The origin is fixed by configuration; no placeholder may reach it.
  EXPECT_EQ(loadError("https://{host}/v1"), kBadTemplate);
  EXPECT_EQ(loadError("https://api.{tenant}.example.com/v1"), kBadTemplate);
  EXPECT_EQ(loadError("https://api.example.com:{port}/v1"), kBadTemplate);
  EXPECT_EQ(loadError("{scheme}://api.example.com/v1"), kBadTemplate);
}

TEST(UrlTemplate, PlaceholderInQueryNameIsRefusedAtLoad) {
  // Only values may be filled: a name chosen by the caller could be any parameter.
  EXPECT_EQ(loadError("https://api.example.com/v1?{name}=1"), kBadTemplate);
  EXPECT_EQ(loadError("https://api.example.com/v1?{flag}"), kBadTemplate);
  EXPECT_EQ(loadError("https://api.example.com/v1?a=1&x{n}=2"), kBadTemplate);
}

TEST(UrlTemplate, MalformedTemplatesAreRefusedAtLoad) {
  // Fragments, userinfo, relative URLs, other schemes, stray braces, bad names, duplicates.
  for (const char* text :
       {"https://api.example.com/v1#{frag}", "https://user:pw@api.example.com/", "/v1/users/{id}",
        "ftp://api.example.com/{x}", "https://api.example.com/{id", "https://api.example.com/id}",
        "https://api.example.com/{}", "https://api.example.com/{a b}",
        "https://api.example.com/{a}/{a}", "https://api.example.com/a b/{x}",
        "https://api.example.com/%zz/{x}", "https:///v1/{x}"}) {
    EXPECT_EQ(loadError(text), kBadTemplate) << text;
  }
}

TEST(UrlTemplate, ReportsPlaceholdersAndOrigin) {
  // The tool learns each placeholder's position and the fixed origin from the template.
  const UrlTemplate t = parsed("HTTP://API.Example.com:80/v1/{id}?q={q}");
  ASSERT_EQ(t.placeholders().size(), 2u);
  EXPECT_EQ(t.placeholders()[0].name, "id");
  EXPECT_EQ(t.placeholders()[0].position, UrlTemplate::Position::Path);
  EXPECT_EQ(t.placeholders()[1].position, UrlTemplate::Position::Query);
  EXPECT_EQ(t.origin(), "http://api.example.com");
  EXPECT_EQ(t.host(), "api.example.com");
  EXPECT_EQ(t.port(), 80);
  EXPECT_FALSE(t.tls());
  EXPECT_EQ(parsed("https://[::1]:8443/x").origin(), "https://[::1]:8443");
}

TEST(UrlTemplate, AppendsExtraQuery) {
  // Extra (already encoded) pairs go after the template's own query, or start one.
  auto a = parsed("https://api.example.com/v1?x=1").expand(from({}), "k=v");
  ASSERT_TRUE(a);
  EXPECT_EQ(a.value(), "https://api.example.com/v1?x=1&k=v");
  auto b = parsed("https://api.example.com").expand(from({}), "k=v");
  ASSERT_TRUE(b);
  EXPECT_EQ(b.value(), "https://api.example.com/?k=v");
}

TEST(UrlTemplate, MissingValueIsAnError) {
  // A placeholder without a value is never left as "{id}" or emptied silently.
  auto url = parsed("https://api.example.com/v1/{id}").expand(from({}));
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().code, static_cast<int>(UrlTemplateError::MissingValue));
}

}  // namespace
}  // namespace bastion::tools
