#pragma once
// Human-readable quantities in configuration: sizes ("4MiB") and durations ("30m").
// Pure functions, no TOML: the config loader and the command line share them.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bastion::config {

enum class UnitError {
  InvalidSize = 1,
  InvalidDuration,
};

// "<digits><unit>" with unit B, KiB, MiB or GiB (binary multiples only: "MB" is ambiguous and
// rejected). No sign, no fraction, no spaces; overflow of 64 bits is an error.
[[nodiscard]] Result<std::uint64_t> parseSize(std::string_view text);

// "<digits><unit>" with unit ms, s, m or h. Zero is allowed here; callers that need a positive
// duration check it. Overflow is an error.
[[nodiscard]] Result<std::chrono::milliseconds> parseDuration(std::string_view text);

// The shortest exact spelling, for summaries: 4194304 -> "4MiB", 1800000ms -> "30m".
std::string formatSize(std::uint64_t bytes);
std::string formatDuration(std::chrono::milliseconds d);

}  // namespace bastion::config
