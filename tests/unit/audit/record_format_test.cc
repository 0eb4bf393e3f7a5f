// The record format: canonical JSON, sanitizing, time stamps and the single-line checks.

#include "audit/record_format.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/crypto.h"

namespace bastion::audit {
namespace {

namespace json = boost::json;

// A minimal valid record line with the given extra fields.
std::string validLine(json::object extra) {
  extra["seq"] = 1;
  extra["type"] = "t";
  extra["time"] = "2027-01-01T00:00:00.000Z";
  extra["prev"] = kZeroHash;
  extra["hash"] = recordHash(extra);
  return canonicalJson(extra);
}

TEST(RecordFormatTest, CanonicalJsonSortsKeysRecursively) {
  // Key order of the input does not matter; nested objects are sorted too.
  const json::value a = json::parse(R"({"b":1,"a":{"z":true,"y":[{"d":null,"c":"x"}]}})");
  const json::value b = json::parse(R"({"a":{"y":[{"c":"x","d":null}],"z":true},"b":1})");
  EXPECT_EQ(canonicalJson(a), R"({"a":{"y":[{"c":"x","d":null}],"z":true},"b":1})");
  EXPECT_EQ(canonicalJson(a), canonicalJson(b));
}

TEST(RecordFormatTest, CanonicalStringsEscapeOnlyWhatTheyMust) {
  // Quotes, backslashes and control characters are escaped; UTF-8 is kept as is.
  const json::value v = json::string("q\"b\\n\n\t\r\x01\x7f/\xc3\xa9");
  EXPECT_EQ(canonicalJson(v), "\"q\\\"b\\\\n\\n\\t\\r\\u0001\\u007f/\xc3\xa9\"");
}

TEST(RecordFormatTest, CanonicalFormReparsesToTheSameBytes) {
  // For values the writer produces, canonical(parse(canonical(v))) == canonical(v).
  json::value v = json::parse(
      R"({"s":"\u0000\u001f\"\\é\ud83d\ude00","n":-9223372036854775807,"u":18446744073709551615,)"
      R"("b":false,"z":null,"a":[1,"2",{"k":[]}],"e":{}})");
  sanitize(v);
  const std::string text = canonicalJson(v);
  EXPECT_EQ(canonicalJson(json::parse(text)), text);
}

TEST(RecordFormatTest, SanitizeReplacesInvalidUtf8InValuesAndKeys) {
  // Overlongs, surrogates, stray continuation bytes and truncated sequences become U+FFFD.
  json::value v =
      json::object{{std::string("k\xc0\xaf"), std::string("a\xed\xa0\x80z\x80\xe2\x82")}};
  sanitize(v);
  const std::string text = canonicalJson(v);
  boost::system::error_code ec;
  json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_NE(text.find("\xef\xbf\xbd"), std::string::npos);
  EXPECT_EQ(text.find('\xc0'), std::string::npos);
}

TEST(RecordFormatTest, SanitizeTurnsDoublesIntoStrings) {
  // Doubles do not round-trip exactly through Boost 1.81's parser; their text does.
  json::value v = json::object{{"x", 0.1}, {"n", 3}};
  sanitize(v);
  EXPECT_TRUE(v.at("x").is_string());
  EXPECT_TRUE(v.at("n").is_int64());
}

TEST(RecordFormatTest, SanitizeFlattensDeepNesting) {
  // Nesting past the verifier's depth bound is recorded as text, so the line still parses.
  json::value v = json::array{};
  for (int i = 0; i < 100; ++i) {
    v = json::array{v};
  }
  sanitize(v);
  const std::string line = validLine({{"deep", v}});
  EXPECT_TRUE(parseLine(line)) << line;
}

TEST(RecordFormatTest, TimeIsRfc3339UtcWithMilliseconds) {
  // Milliseconds are truncated, not rounded; the zone is always Z.
  const auto t = std::chrono::system_clock::time_point{std::chrono::seconds(1'800'000'000)} +
                 std::chrono::microseconds(123'999);
  EXPECT_EQ(rfc3339Millis(t), "2027-01-15T08:00:00.123Z");
}

TEST(RecordFormatTest, ParseLineAcceptsAValidLine) {
  // A line built by the rules parses and reports its fields.
  auto parsed = parseLine(validLine({{"tool", "x"}}));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed.value().seq, 1u);
  EXPECT_EQ(parsed.value().type, "t");
  EXPECT_EQ(parsed.value().prev, kZeroHash);
}

TEST(RecordFormatTest, ParseLineRejectsDuplicateKeys) {
  // A duplicated key could show one value to one reader and another to the next.
  std::string line = validLine({{"tool", "x"}});
  line.insert(1, "\"tool\":\"y\",");
  auto parsed = parseLine(line);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, static_cast<int>(LineError::NotCanonical));
}

TEST(RecordFormatTest, ParseLineRejectsEquivalentEscapes) {
  // "\u0061" means "a", but it is not the canonical spelling.
  std::string line = validLine({{"tool", "a"}});
  line.replace(line.find("\"a\""), 3, "\"\\u0061\"");
  auto parsed = parseLine(line);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, static_cast<int>(LineError::NotCanonical));
}

TEST(RecordFormatTest, ParseLineNamesEachProblem) {
  // Torn JSON, missing fields and a wrong hash are told apart.
  const std::string line = validLine({});
  EXPECT_EQ(parseLine(line.substr(0, line.size() - 1)).error().code,
            static_cast<int>(LineError::NotJson));
  EXPECT_EQ(parseLine("[1]").error().code, static_cast<int>(LineError::NotJson));
  EXPECT_EQ(parseLine(R"({"a":1})").error().code, static_cast<int>(LineError::BadField));
  json::object r = json::parse(line).as_object();
  r["seq"] = 0;
  EXPECT_EQ(parseLine(canonicalJson(r)).error().code, static_cast<int>(LineError::BadField));
  r["seq"] = 2;
  EXPECT_EQ(parseLine(canonicalJson(r)).error().code, static_cast<int>(LineError::BadHash));
  r["prev"] = "ABC";
  EXPECT_EQ(parseLine(canonicalJson(r)).error().code, static_cast<int>(LineError::BadField));
}

TEST(RecordFormatTest, RecordLineSplicesTheHashIntoItsSortedPlace) {
  // The one-pass line equals canonical(record + hash) for "hash" first, middle and last.
  const std::vector<json::object> records{
      {{"prev", "p"}, {"seq", 1}}, {{"a", 1}, {"z", {{"k", "v"}}}}, {{"a", "x"}, {"b", true}}, {}};
  for (const json::object& r : records) {
    std::string out = "previous line\n";
    const std::string hash = appendRecordLine(out, r);
    EXPECT_EQ(hash, recordHash(r));
    json::object with_hash = r;
    with_hash["hash"] = hash;
    EXPECT_EQ(out, "previous line\n" + canonicalJson(with_hash));
  }
}

TEST(RecordFormatTest, CheckpointMessageIsDomainSeparated) {
  // The signed bytes name the format version, the covered seq and the chain hash.
  EXPECT_EQ(checkpointMessage(7, "ab"), "bastion-audit-checkpoint-v1\n7\nab");
}

}  // namespace
}  // namespace bastion::audit
