#pragma once
// Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
// confidential clients prove a secret with client_secret_basic or client_secret_post; public
// clients (token_endpoint_auth_method "none") are only identified by client_id. Exactly one
// method per request: a Basic header together with a client_secret parameter is refused.
//
// A confidential client may use either secret method whatever it registered: both carry the same
// secret over the same channel, and refusing one would only break clients. A public client that
// presents a secret, or a confidential one that presents none, is refused.

#include <string>
#include <variant>

#include "oauth/state.h"
#include "store/store.h"

namespace bastion::oauth {

enum class ClientAuthMethod { None, SecretBasic, SecretPost };

struct AuthenticatedClient {
  store::Client client;
  ClientAuthMethod method = ClientAuthMethod::None;
  bool confidential() const { return method != ClientAuthMethod::None; }
};

// The authenticated client, or the error response to send: 400 invalid_request for a malformed
// or ambiguous request, 401 invalid_client (with WWW-Authenticate: Basic when a Basic header was
// used) for an unknown client or a wrong, missing or superfluous secret. Secrets are compared
// as SHA-256 hashes in constant time. Does not check which grant types the client may use.
std::variant<AuthenticatedClient, web::Response> authenticateClient(AuthorizationServerState& s,
                                                                    const web::Request& req,
                                                                    const FormParams& form);

}  // namespace bastion::oauth
