// Secrets: ${env:NAME} expansion from an injected environment, refusals that name only the
// variable, and registration of every expanded value with the redactor.

#include "guard/secrets.h"

#include <gtest/gtest.h>

#include <map>

namespace bastion::guard {
namespace {

EnvLookup fakeEnv(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    if (auto it = vars.find(name); it != vars.end()) {
      return it->second;
    }
    return std::nullopt;
  };
}

TEST(Secrets, ExpandsEveryReferenceInPlace) {
  // Each reference is replaced by its variable's value; the text around it is kept.
  Secrets secrets(fakeEnv({{"API_KEY", "k-1234567890"}, {"USER_NAME", "svc-account"}}));
  auto out = secrets.expand("u=${env:USER_NAME}&k=${env:API_KEY}&again=${env:API_KEY}!");
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out.value(), "u=svc-account&k=k-1234567890&again=k-1234567890!");
}

TEST(Secrets, TextWithoutReferenceIsUnchanged) {
  // Plain text passes through and registers nothing.
  Secrets secrets(fakeEnv({}));
  auto out = secrets.expand("no $ references {here}");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out.value(), "no $ references {here}");
  std::string text = "no $ references {here}";
  EXPECT_FALSE(secrets.redactor({.shapes = false})->redact(text));
}

TEST(Secrets, MissingVariableRefusesStartNamingOnlyTheVariable) {
  // An unset variable is an error whose message names it and leaks nothing else (not the
  // other variables' values, not the surrounding text).
  Secrets secrets(fakeEnv({{"PRESENT", "present-secret-value"}}));
  auto out = secrets.expand("Bearer ${env:PRESENT} ${env:ABSENT_TOKEN}");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, static_cast<int>(SecretError::MissingVariable));
  EXPECT_EQ(out.error().message, "environment variable ABSENT_TOKEN is not set");
}

TEST(Secrets, EmptyVariableCountsAsMissing) {
  // An empty credential is never what was meant: refused like an unset one.
  Secrets secrets(fakeEnv({{"EMPTY", ""}}));
  auto out = secrets.expand("${env:EMPTY}");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, static_cast<int>(SecretError::MissingVariable));
  EXPECT_EQ(out.error().message, "environment variable EMPTY is not set");
}

TEST(Secrets, WeakSecretIsRefusedNamingOnlyTheVariable) {
  // A value shorter than 8 bytes is refused: it could not be redacted without mangling text.
  Secrets secrets(fakeEnv({{"PIN", "1234567"}}));
  auto out = secrets.expand("${env:PIN}");
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, static_cast<int>(SecretError::WeakSecret));
  EXPECT_EQ(out.error().message, "environment variable PIN holds fewer than 8 characters");
  EXPECT_EQ(out.error().message.find("1234567"), std::string::npos);
}

TEST(Secrets, MalformedReferenceIsRefused) {
  // "${env:" without a name and closing brace is an error, not literal text.
  Secrets secrets(fakeEnv({{"A", "aaaaaaaaaa"}}));
  for (const char* text : {"${env:}", "${env:A", "${env:1A}", "${env:A-B}"}) {
    auto out = secrets.expand(text);
    ASSERT_FALSE(out.has_value()) << text;
    EXPECT_EQ(out.error().code, static_cast<int>(SecretError::BadReference)) << text;
  }
}

TEST(Secrets, ValueIsNotExpandedAgain) {
  // A value that itself looks like a reference is inserted verbatim (no recursive expansion).
  Secrets secrets(fakeEnv({{"OUTER", "${env:INNER}x"}, {"INNER", "inner-secret"}}));
  auto out = secrets.expand("${env:OUTER}");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out.value(), "${env:INNER}x");
}

TEST(Secrets, ExpandedValuesAreRegisteredForRedaction) {
  // Every expanded value is registered: the redactor masks it afterwards.
  Secrets secrets(fakeEnv({{"API_KEY", "sk_live_abcdef123456"}}));
  ASSERT_TRUE(secrets.expand("${env:API_KEY}").has_value());
  std::string text = "the key is sk_live_abcdef123456.";
  EXPECT_TRUE(secrets.redactor({.shapes = false})->redact(text));
  EXPECT_EQ(text, "the key is [REDACTED].");
}

TEST(Secrets, AddRefusesWeakSecret) {
  // add() applies the same minimum length and registers nothing shorter.
  Secrets secrets(fakeEnv({}));
  auto weak = secrets.add("short");
  ASSERT_FALSE(weak.has_value());
  EXPECT_EQ(weak.error().code, static_cast<int>(SecretError::WeakSecret));
  std::string text = "short and sweet";
  EXPECT_FALSE(secrets.redactor({.shapes = false})->redact(text));
  ASSERT_TRUE(secrets.add("a-file-held-key-material").has_value());
  text = "x a-file-held-key-material y";
  EXPECT_TRUE(secrets.redactor({.shapes = false})->redact(text));
  EXPECT_EQ(text, "x [REDACTED] y");
}

TEST(Secrets, RedactorIsASnapshot) {
  // A redactor built earlier does not see values registered later (it is immutable).
  Secrets secrets(fakeEnv({}));
  auto before = secrets.redactor({.shapes = false});
  ASSERT_TRUE(secrets.add("registered-later-1").has_value());
  std::string text = "registered-later-1";
  EXPECT_FALSE(before->redact(text));
  EXPECT_TRUE(secrets.redactor({.shapes = false})->redact(text));
}

TEST(Secrets, ProcessEnvironmentReadsRealVariables) {
  // The default lookup reads the process environment.
  ASSERT_EQ(::setenv("BASTION_TEST_SECRET_VAR", "from-the-process-env", 1), 0);
  Secrets secrets;
  auto out = secrets.expand("${env:BASTION_TEST_SECRET_VAR}");
  ::unsetenv("BASTION_TEST_SECRET_VAR");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out.value(), "from-the-process-env");
  auto missing = processEnvironment()("BASTION_TEST_SURELY_UNSET_VAR");
  EXPECT_FALSE(missing.has_value());
}

}  // namespace
}  // namespace bastion::guard
