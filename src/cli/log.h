#pragma once
// The program's one logger: spdlog to stderr (or to [log].file), never to stdout, which is the
// protocol on stdio. Installed as spdlog's default logger.

#include <memory>
#include <string>

#include "config/config.h"

namespace bastion::guard {
class Redactor;
}

namespace bastion::cli {

// Returns an error message when the log file cannot be opened; logging then stays on stderr.
// A redactor set with setLogRedactor() applies to the new logger too.
std::string installLogger(const config::LogConfig& log);

// From now on every formatted line of the default logger (and of loggers installed later by
// installLogger) passes through `redactor` before any sink writes it: registered secrets, their
// encodings and credential shapes are masked in the message and in every other field of the
// line. nullptr goes back to plain lines. Does not cover a pattern set later with set_pattern
// (it replaces the formatter): nothing in Bastion does that.
void setLogRedactor(std::shared_ptr<const guard::Redactor> redactor);

}  // namespace bastion::cli
