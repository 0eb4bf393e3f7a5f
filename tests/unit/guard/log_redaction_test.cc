// Log redaction: once a redactor is installed, no log line carries a registered secret, its
// encodings or a credential shape, whichever logger (stderr or file) is in use.

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/log.h"
#include "guard/redactor.h"

namespace bastion::cli {
namespace {

constexpr std::string_view kSecret = "log-canary-secret-0123456789";

std::filesystem::path tempLog() {
  auto dir =
      std::filesystem::temp_directory_path() / ("bastion-log-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / "bastion.log";
}

std::string readAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class LogRedaction : public testing::Test {
 protected:
  void SetUp() override {
    path_ = tempLog();
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    setLogRedactor(nullptr);
    spdlog::drop("bastion");
    std::filesystem::remove_all(path_.parent_path());
  }
  std::string logged() {
    spdlog::default_logger()->flush();
    return readAll(path_);
  }
  std::filesystem::path path_;
};

TEST_F(LogRedaction, SecretLoggedByMistakeIsRedacted) {
  // A handler logs a downstream error that echoes the API key: the file gets the mask.
  config::LogConfig cfg;
  cfg.file = path_.string();
  cfg.level = "info";
  ASSERT_EQ(installLogger(cfg), "");
  setLogRedactor(guard::makeRedactor({std::string(kSecret)}, {.shapes = true}));
  spdlog::info("upstream said: invalid key {}", kSecret);
  spdlog::warn("auth header was Bearer abcdefghijklmnopqrstuvwxyz0123");
  const std::string text = logged();
  EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  EXPECT_EQ(text.find("abcdefghijklmnopqrstuvwxyz0123"), std::string::npos) << text;
  EXPECT_NE(text.find("upstream said: invalid key [REDACTED]"), std::string::npos) << text;
  EXPECT_NE(text.find("[warning]"), std::string::npos) << text;  // the line keeps its format
}

TEST_F(LogRedaction, RedactorSetBeforeTheLoggerAppliesToIt) {
  // serve may build the redactor before it installs the logger: the order does not matter.
  setLogRedactor(guard::makeRedactor({std::string(kSecret)}, {.shapes = false}));
  config::LogConfig cfg;
  cfg.file = path_.string();
  cfg.level = "info";
  ASSERT_EQ(installLogger(cfg), "");
  spdlog::error("connect failed for password {}", kSecret);
  const std::string text = logged();
  EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
  EXPECT_NE(text.find("[REDACTED]"), std::string::npos) << text;
}

TEST_F(LogRedaction, WithoutRedactorLinesAreVerbatim) {
  // The control: without a redactor the same line is written as is (the test can fail).
  config::LogConfig cfg;
  cfg.file = path_.string();
  cfg.level = "info";
  ASSERT_EQ(installLogger(cfg), "");
  spdlog::info("value {}", kSecret);
  EXPECT_NE(logged().find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace bastion::cli
