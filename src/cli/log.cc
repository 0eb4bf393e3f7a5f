#include "cli/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "guard/secrets.h"

namespace bastion::cli {
namespace {

// Formats with spdlog's default pattern, then masks what the redactor finds in the whole line.
class RedactingFormatter final : public spdlog::formatter {
 public:
  explicit RedactingFormatter(std::shared_ptr<const guard::Redactor> redactor)
      : redactor_(std::move(redactor)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t line;
    inner_.format(msg, line);
    std::string text(line.data(), line.size());
    redactor_->redact(text);
    dest.append(text.data(), text.data() + text.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<RedactingFormatter>(redactor_);
  }

 private:
  spdlog::pattern_formatter inner_;
  std::shared_ptr<const guard::Redactor> redactor_;
};

std::mutex redactor_mu;
std::shared_ptr<const guard::Redactor> log_redactor;  // GUARDED_BY(redactor_mu)

void applyRedactor(spdlog::logger& logger, std::shared_ptr<const guard::Redactor> redactor) {
  if (redactor) {
    logger.set_formatter(std::make_unique<RedactingFormatter>(std::move(redactor)));
  } else {
    logger.set_formatter(std::make_unique<spdlog::pattern_formatter>());
  }
}

}  // namespace

std::string installLogger(const config::LogConfig& log) {
  std::string problem;
  std::shared_ptr<spdlog::logger> logger;
  if (!log.file.empty()) {
    // spdlog reports an unopenable file by exception: caught here, once, and reported.
    try {
      logger = spdlog::basic_logger_mt("bastion", log.file);
    } catch (const spdlog::spdlog_ex& e) {
      problem = e.what();
    }
  }
  if (!logger) {
    spdlog::drop("bastion");
    logger = spdlog::stderr_logger_mt("bastion");
  }
  logger->set_level(spdlog::level::from_str(log.level));  // names validated by config
  logger->flush_on(spdlog::level::info);
  {
    std::lock_guard lock(redactor_mu);
    if (log_redactor) {
      applyRedactor(*logger, log_redactor);
    }
  }
  spdlog::set_default_logger(logger);
  return problem;
}

void setLogRedactor(std::shared_ptr<const guard::Redactor> redactor) {
  std::lock_guard lock(redactor_mu);
  log_redactor = redactor;
  if (auto logger = spdlog::default_logger()) {
    applyRedactor(*logger, std::move(redactor));
  }
}

}  // namespace bastion::cli
