#pragma once
// The program's one logger: spdlog to stderr (or to [log].file), never to stdout, which is the
// protocol on stdio. Installed as spdlog's default logger.

#include <string>

#include "config/config.h"

namespace bastion::cli {

// Returns an error message when the log file cannot be opened; logging then stays on stderr.
std::string installLogger(const config::LogConfig& log);

}  // namespace bastion::cli
