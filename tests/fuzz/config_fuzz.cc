// Any bytes given as a configuration file: a diagnostic or a Config, never a crash or a throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = bastion::config::parse(text, "fuzz.toml");
  if (!result) {
    (void)result.error().toString();
  }
  return 0;
}
