#pragma once
// The embedded authorization server's shared state and the small helpers every endpoint uses.
// Private to the oauth layer: authorization_server.h only forward-declares the struct.
//
// Ownership between helpers (each adds and maintains its own part; others only read it):
//   - "as-token": options, deps, keys, revocations, verifier; the error/form/scope helpers below
//     (token, revoke, introspect, metadata, jwks endpoints).
//   - "as-web": clients (client resolution incl. CIMD, oauth/clients.h) and the members for the
//     authorize/login/consent pages and /register (login sessions, throttles, ...), added in the
//     marked section at the end of the struct.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/token_verifier.h"
#include "core/error.h"
#include "core/web.h"
#include "oauth/authorization_server.h"
#include "oauth/browser_state.h"
#include "oauth/clients.h"
#include "oauth/keys.h"
#include "oauth/revocation.h"

namespace bastion::oauth {

struct AuthorizationServerState {
  // ---- as-token ------------------------------------------------------------------------------
  AsOptions options;
  AsDependencies deps;
  std::unique_ptr<KeyManager> keys;               // signing keys and their rotation
  std::unique_ptr<RevocationList> revocations;    // revoked families and jti (store + memory)
  std::shared_ptr<auth::TokenVerifier> verifier;  // verifies this server's access tokens
  // When expired codes, refresh tokens and jti entries are next purged (ns since the epoch);
  // claimed by compare-exchange so that one request does it.
  std::atomic<std::int64_t> next_purge_ns{0};

  // ---- as-web --------------------------------------------------------------------------------
  std::unique_ptr<ClientResolver> clients;  // store clients and metadata documents
  // Login sessions, pending authorizations with their CSRF tokens, login and registration
  // throttles (oauth/browser_state.h). Default-constructed; limits come from `options`.
  BrowserState browser;
};

// ---- Audit -------------------------------------------------------------------------------------

// Records that tokens were issued under a grant (identifiers only: never a token).
void auditIssue(const AuthorizationServerState& s, std::string_view grant, std::string_view sub,
                std::string_view client_id, const std::vector<std::string>& scopes,
                std::string_view jti, std::string_view family_id);
// Revokes a token family and records why ("code_replay", "refresh_replay", "client_request").
// False on a store failure.
[[nodiscard]] bool revokeFamilyAudited(AuthorizationServerState& s, std::string_view family_id,
                                       std::string_view reason, std::string_view client_id);

// ---- Responses ---------------------------------------------------------------------------------

// A JSON body with Cache-Control: no-store and Pragma: no-cache (RFC 6749 §5.1: every token
// endpoint response, success or error, carries them; the others follow for simplicity).
web::Response jsonResponse(int status, std::string body);

// An RFC 6749 §5.2 error: {"error": code, "error_description": description}. `description` is
// shown to the client: generic, never why a secret or signature failed in detail.
web::Response oauthError(int status, std::string_view error, std::string_view description);

// 405 with an Allow header.
web::Response methodNotAllowed(std::string_view allow);

// ---- Requests ----------------------------------------------------------------------------------

using FormParams = std::map<std::string, std::string, std::less<>>;

// Decodes an application/x-www-form-urlencoded string; nullopt if malformed or if any parameter
// is repeated (RFC 6749 §3.1: parameters MUST NOT be included more than once). Empty values are
// kept; an empty value counts as absent for the helpers below.
std::optional<FormParams> parseUniqueForm(std::string_view text);

// The value of `name` if present and non-empty.
std::optional<std::string_view> param(const FormParams& form, std::string_view name);

// True if the request's Content-Type is application/x-www-form-urlencoded (parameters such as
// charset ignored, case-insensitive).
bool isFormPost(const web::Request& req);

// The parameters of a back-channel POST (/token, /revoke, /introspect), or the response that
// refuses it: 405 unless POST; 400 if anything is in the query (credentials and codes in a URL
// end up in logs and histories), if the body is not form-encoded, or if a parameter is malformed
// or repeated.
std::variant<FormParams, web::Response> readFormPost(const web::Request& req);

// ---- Secrets and scopes ------------------------------------------------------------------------

// What the store keeps for a code, refresh token or client secret: lower-case hex SHA-256.
std::string hashSecret(std::string_view secret);

// Splits a space-delimited scope parameter (RFC 6749 §3.3). nullopt if a scope token has a
// character outside %x21 / %x23-5B / %x5D-7E, or the string has empty tokens (double or edge
// spaces). Duplicates are removed; order of first appearance is kept.
std::optional<std::vector<std::string>> parseScope(std::string_view scope);
std::string joinScope(const std::vector<std::string>& scopes);
// True if every element of `subset` is in `set`.
bool isSubset(const std::vector<std::string>& subset, const std::vector<std::string>& set);

}  // namespace bastion::oauth
