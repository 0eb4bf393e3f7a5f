#include "cli/embedded_auth.h"

namespace bastion::cli {

std::string canonicalResource(const config::Config& c) {
  if (!c.server.public_url.empty()) {
    return c.server.public_url;
  }
  if (!c.server.listen) {
    return {};
  }
  return std::string(c.server.tls ? "https://" : "http://") + c.server.listen->toString() +
         c.server.endpoint;
}

Result<oauth::AsOptions> embeddedAsOptions(const config::Config& c) {
  oauth::AsOptions o;
  o.resource = canonicalResource(c);
  const auto scheme_end = o.resource.find("://");
  if (o.resource.empty() || scheme_end == std::string::npos) {
    return Error(1, "server.public_url (or server.listen) is needed to name the token audience");
  }
  const auto path = o.resource.find('/', scheme_end + 3);
  o.issuer = o.resource.substr(0, path);
  return o;
}

}  // namespace bastion::cli
