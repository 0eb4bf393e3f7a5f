// Any bytes as an outbound URL, an IP literal and a Cache-Control value: the SSRF guard's pure
// parts never crash, and an accepted URL always yields a usable, injection-free target.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/fetch_url.h"
#include "net/fetcher.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bastion::net;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)isPublicAddress(input);
  if (cacheMaxAgeSeconds(input) < -1) {
    __builtin_trap();
  }
  for (const FetchPolicy& policy : {FetchPolicy{}, FetchPolicy{.allow_http = true}}) {
    auto t = parseFetchUrl(input, policy);
    if (!t) {
      continue;
    }
    const FetchTarget& target = t.value();
    const bool clean = target.host_header.find_first_of("\r\n\0 @/", 0, 6) == std::string::npos &&
                       target.target.find_first_of("\r\n\0 #", 0, 5) == std::string::npos;
    if (target.host.empty() || target.port == 0 || target.target.empty() ||
        target.target.front() != '/' || !clean || (!policy.allow_http && !target.tls)) {
      __builtin_trap();
    }
    if (target.host_is_ip) {
      (void)isPublicAddress(target.host);
    }
  }
  return 0;
}
