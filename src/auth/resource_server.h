#pragma once
// The OAuth 2.1 resource server (MCP authorization, RFC 6750, RFC 9728): the Authenticator in
// front of every HTTP route of the MCP endpoint whatever auth.mode verifies the tokens.
//
//   - Exactly one `Authorization: Bearer <b64token>` header (scheme case-insensitive, RFC 6750
//     token syntax, bounded size). A token in the query string or a form body is refused: tokens
//     travel only in the header (MCP authorization, "Access Token Usage").
//   - The token is checked by a TokenVerifier (JWT, introspection or the embedded server's).
//   - Refusals carry the RFC 9728 challenge so that clients can discover the authorization
//     server: 401 `Bearer resource_metadata="<PRM URL>", scope="<baseline>"`, with
//     `error="invalid_token"` when a token was presented and refused; 400 `invalid_request` for a
//     malformed or repeated header or a token outside the header; 403 `insufficient_scope` naming
//     every scope the operation needs. Descriptions are generic; the exact AuthError is logged
//     and returned in Challenge::reason.
//
// Scopes are not checked here (the verifier does not either): each operation's needs are known
// only to the dispatcher, which asks insufficientScope() for the 403 answer.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.h"
#include "auth/token_verifier.h"
#include "core/error.h"
#include "core/web.h"

namespace bastion::audit {
class AuditSink;
}

namespace bastion::auth {

struct ResourceServerOptions {
  // Canonical URI of the MCP endpoint (config server.public_url): the token audience and the
  // PRM `resource`. Absolute http(s), lower-case scheme and host, no trailing slash.
  std::string resource;
  std::vector<std::string> authorization_servers;  // issuer identifiers, for the PRM document
  // The baseline scopes: PRM scopes_supported and the scope of 401 challenges. Never
  // offline_access (refresh tokens are not a resource requirement); it is dropped if present.
  std::vector<std::string> scopes_supported;
  std::size_t max_token_bytes = 8 * 1024;  // larger Authorization values: refused unparsed
  std::string resource_name = "Bastion";   // PRM resource_name (human-readable)
  // Every refused request (401) is recorded with its exact AuthError; null: not audited.
  // Accepted requests appear in the audit log as the calls they make.
  std::shared_ptr<audit::AuditSink> audit;
};

enum class ResourceServerError {
  InvalidResource = 1,  // resource is not an absolute http(s) URL without query or fragment
  MissingVerifier,
};

// The resource server. Thread-safe when the verifier is.
[[nodiscard]] Result<std::unique_ptr<Authenticator>> makeResourceServer(
    ResourceServerOptions options, std::shared_ptr<TokenVerifier> verifier);

// The Protected Resource Metadata URL for `resource` (RFC 9728 section 3.1: the well-known
// suffix inserted between the origin and the resource's path):
// https://h/mcp -> https://h/.well-known/oauth-protected-resource/mcp. Empty if `resource` is
// not an absolute URL.
std::string protectedResourceMetadataUrl(std::string_view resource);

// The PRM documents as routes: GET /.well-known/oauth-protected-resource, the path-inserted
// form for the resource's path, and (when it differs, e.g. behind a path-rewriting proxy)
// for `endpoint`. Public, cacheable, no authentication. Null if `options.resource` is invalid.
std::shared_ptr<web::Routes> makeProtectedResourceMetadata(const ResourceServerOptions& options,
                                                           std::string_view endpoint);

// True if `token` matches RFC 6750's b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
// "/" ) *"=". Exposed for tests and fuzzing.
bool isB64Token(std::string_view token);

}  // namespace bastion::auth
