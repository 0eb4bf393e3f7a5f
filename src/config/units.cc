#include "config/units.h"

#include <array>
#include <charconv>
#include <limits>
#include <optional>
#include <utility>

namespace bastion::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

// Longest suffixes first so that "ms" is not read as "m" followed by junk.
constexpr std::array<Unit, 4> kSizeUnits{
    {{"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}, {"B", 1}}};
constexpr std::array<Unit, 4> kDurationUnits{
    {{"ms", 1}, {"h", 3600000}, {"m", 60000}, {"s", 1000}}};

// Splits "<digits><suffix>" against `units`; nullopt on any other shape or on overflow.
template <std::size_t N>
std::optional<std::uint64_t> parseQuantity(std::string_view text,
                                           const std::array<Unit, N>& units) {
  for (const Unit& unit : units) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) {
      continue;
    }
    std::string_view digits = text.substr(0, text.size() - unit.suffix.size());
    if (digits.empty() || digits.front() < '0' || digits.front() > '9') {
      return std::nullopt;
    }
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
      return std::nullopt;
    }
    if (n > std::numeric_limits<std::uint64_t>::max() / unit.factor) {
      return std::nullopt;
    }
    return n * unit.factor;
  }
  return std::nullopt;
}

template <std::size_t N>
std::string formatQuantity(std::uint64_t n, const std::array<Unit, N>& units,
                           std::string_view zero) {
  if (n == 0) {
    return std::string(zero);
  }
  // Units are not ordered by factor (ms first), so pick the largest exact divisor explicitly.
  // Every unit table has a factor-1 unit, so some unit always divides; start from the first
  // (never a null pointer, which GCC 12 -O2 would flag) and keep the largest exact divisor.
  std::size_t best = 0;
  std::uint64_t best_factor = 0;
  for (std::size_t i = 0; i < N; ++i) {
    if (n % units[i].factor == 0 && units[i].factor > best_factor) {
      best = i;
      best_factor = units[i].factor;
    }
  }
  if (best_factor == 0) {
    return std::to_string(n);  // unreachable with the tables above
  }
  return std::to_string(n / best_factor) + std::string(units[best].suffix);
}

}  // namespace

Result<std::uint64_t> parseSize(std::string_view text) {
  if (auto n = parseQuantity(text, kSizeUnits)) {
    return *n;
  }
  return Error(UnitError::InvalidSize,
               "expected a size such as \"4MiB\" (a whole number and B, KiB, MiB or GiB)");
}

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  auto n = parseQuantity(text, kDurationUnits);
  if (n && *n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(*n));
  }
  return Error(UnitError::InvalidDuration,
               "expected a duration such as \"30s\" (a whole number and ms, s, m or h)");
}

std::string formatSize(std::uint64_t bytes) { return formatQuantity(bytes, kSizeUnits, "0B"); }

std::string formatDuration(std::chrono::milliseconds d) {
  return formatQuantity(static_cast<std::uint64_t>(d.count()), kDurationUnits, "0s");
}

}  // namespace bastion::config
