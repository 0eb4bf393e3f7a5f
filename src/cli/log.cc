#include "cli/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace bastion::cli {

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
  spdlog::set_default_logger(logger);
  return problem;
}

}  // namespace bastion::cli
