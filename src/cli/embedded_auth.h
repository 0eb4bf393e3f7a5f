#pragma once
// How the CLI derives the embedded authorization server's identity from the configuration.
// `bastion serve` and `bastion token issue` must agree exactly: a minted token carries the
// issuer and audience that serve's verifier checks.
//
//   resource = server.public_url, or scheme://listen + endpoint when it is empty
//   issuer   = the origin (scheme://host[:port]) of the resource

#include <string>

#include "config/config.h"
#include "core/error.h"
#include "oauth/authorization_server.h"

namespace bastion::cli {

// The canonical resource URI; empty if neither public_url nor listen is configured.
std::string canonicalResource(const config::Config& c);

// AsOptions with issuer and resource filled in (other members keep their defaults). Fails if
// the resource cannot be derived (stdio-only configuration without public_url).
[[nodiscard]] Result<oauth::AsOptions> embeddedAsOptions(const config::Config& c);

}  // namespace bastion::cli
