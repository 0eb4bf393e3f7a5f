// Rate strings: "10/minute" and friends.

#include <charconv>

#include "policy/rate_limit.h"

namespace bastion::policy {

Result<Rate> parseRate(std::string_view text, std::uint64_t burst) {
  const Error bad(1,
                  "expected COUNT/UNIT with COUNT >= 1 and UNIT second, minute, hour or day "
                  "(e.g. \"10/minute\")");
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return bad;
  }
  const std::string_view count_text = text.substr(0, slash);
  const std::string_view unit = text.substr(slash + 1);
  std::uint64_t count = 0;
  auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
  if (count_text.empty() || ec != std::errc{} || end != count_text.data() + count_text.size() ||
      count == 0 || count > 1'000'000'000) {
    return bad;
  }
  std::chrono::nanoseconds period{};
  if (unit == "second" || unit == "s") {
    period = std::chrono::seconds(1);
  } else if (unit == "minute" || unit == "m") {
    period = std::chrono::minutes(1);
  } else if (unit == "hour" || unit == "h") {
    period = std::chrono::hours(1);
  } else if (unit == "day" || unit == "d") {
    period = std::chrono::hours(24);
  } else {
    return bad;
  }
  return Rate{count, period, burst};
}

}  // namespace bastion::policy
