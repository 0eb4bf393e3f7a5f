#pragma once
// Client resolution for the embedded authorization server: who is behind a client_id, and which
// redirect URIs and scopes it may use.
//
// A client_id that is an https URL is a Client ID Metadata Document (draft-ietf-oauth-client-id-
// metadata-document, MCP 2025-11-25): the document is fetched through the SSRF-guarded
// net::Fetcher (no redirects, small size and time caps), must be a JSON object whose `client_id`
// equals the URL exactly, and is cached honouring Cache-Control within bounds. Such clients are
// public (token_endpoint_auth_method "none"); private_key_jwt is refused (not supported). Any other
// client_id is looked up in the store (pre-registered or dynamically registered).
//
// Also here: the redirect-URI rules shared by /authorize, /register and metadata documents.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/random.h"
#include "net/fetcher.h"
#include "store/store.h"

namespace bastion::oauth {

// One enumerator per reason a client_id is refused. The end user sees a generic page; the
// message (safe to show: it names the client_id URL's host at most) says which rule failed.
enum class ClientError {
  UnknownClient = 1,          // not in the store and not a metadata-document URL
  MetadataDocumentsDisabled,  // an https client_id while AsOptions::metadata_documents is off
  BadMetadataUrl,             // https client_id breaking the URL rules (no path, dot segments, ...)
  MetadataFetchFailed,        // network error, SSRF guard refusal, non-200 status, redirect
  MetadataNotJson,            // the body is not a JSON object
  MetadataInvalid,            // a required member missing or ill-typed, or a forbidden member
  ClientIdMismatch,           // the document's client_id differs from the URL
  UnsupportedAuthMethod,      // private_key_jwt (not yet) or a shared secret in a document
  StoreUnavailable,           // the store failed: fail closed
};

// True if `client_id` is to be treated as a metadata-document URL (starts with "https://").
bool isMetadataDocumentUrl(std::string_view client_id);

// The URL rules for a metadata-document client_id: https, a host, a path other than "/", no
// userinfo, no fragment, no "." or ".." segments (also percent-encoded), at most 2048 bytes.
// Does not check where the host resolves (the fetcher's SSRF guard does).
[[nodiscard]] Result<void> checkMetadataUrl(std::string_view url);

// Parses and validates a fetched document for `url` into a Client (source MetadataDocument).
// `scopes_supported` bounds the client's scopes: a document `scope` member is intersected with
// it (a document serves many servers and may name scopes foreign to this one); none given means
// every supported scope. Refuses client_secret, client_secret_expires_at, shared-secret and
// private_key_jwt auth methods, grant types other than authorization_code and refresh_token,
// response types other than code, and redirect URIs failing checkRedirectUri(uri, false).
[[nodiscard]] Result<store::Client> parseMetadataDocument(
    std::string_view url, std::string_view body, const std::vector<std::string>& scopes_supported);

// Redirect-URI registration policy (DCR and metadata documents): an absolute https URI, or http
// to a loopback host (127.0.0.1, [::1], localhost) unless `allow_http_non_loopback`; no
// fragment, no userinfo, at most 2048 bytes, no control characters, space, quote, angle bracket,
// backslash, comma or semicolon (the URI may end up inside a header value and a CSP). Other
// schemes (javascript:, data:, custom) are refused.
[[nodiscard]] Result<void> checkRedirectUri(std::string_view uri, bool allow_http_non_loopback);

// True if `requested` matches one of `registered`: exact string equality, except that an http
// loopback URI (host 127.0.0.1, [::1] or localhost) matches a registered one with the same host
// literal, path and query on ANY port (RFC 8252 §7.3). Nothing is normalised: no case folding,
// no percent-decoding, no trailing-slash tolerance.
bool redirectUriMatches(const std::vector<std::string>& registered, std::string_view requested);

// A fresh client_id for a pre-registered or dynamically registered client: "bc_" and 128 random
// bits in base64url. The prefix keeps ids from starting with "-" (a random base64url string does
// one time in 64, and `bastion clients remove <id>` would then read it as an option) and from
// ever looking like a metadata-document URL.
std::string newClientId(RandomSource& rng);

// The host of an absolute URI as written (for "this client redirects to HOST" on the consent
// page); empty if `uri` does not parse.
std::string uriHost(std::string_view uri);

struct ClientResolverOptions {
  bool metadata_documents = true;
  std::vector<std::string> scopes_supported;
  std::size_t max_document_bytes = 16 * 1024;  // metadata documents are a few hundred bytes
  std::chrono::milliseconds fetch_timeout{std::chrono::seconds(3)};
  // Cache lifetime: Cache-Control max-age clamped to [min, max]; absent -> default_ttl;
  // no-store / no-cache / max-age=0 -> not cached.
  std::chrono::seconds default_ttl{std::chrono::minutes(5)};
  std::chrono::seconds min_ttl{std::chrono::seconds(30)};
  std::chrono::seconds max_ttl{std::chrono::hours(24)};
  std::size_t max_cached_documents = 1024;
};

// Resolves client_ids. Thread-safe: the cache is guarded by mu_; fetches run outside the lock.
class ClientResolver {
 public:
  ClientResolver(ClientResolverOptions options, std::shared_ptr<store::Store> store,
                 std::shared_ptr<net::Fetcher> fetcher, const Clock& clock);

  // The client named by `client_id`. Error codes are ClientError. A metadata-document client
  // comes from the cache while fresh, else from one fetch; failures and invalid documents are
  // never cached (draft §4.2).
  [[nodiscard]] Result<store::Client> resolve(std::string_view client_id);

  // Number of cached documents (tests).
  std::size_t cachedDocuments() const;

 private:
  struct Cached {
    store::Client client;
    Clock::time_point expires;
  };

  [[nodiscard]] Result<store::Client> resolveDocument(std::string_view url);
  [[nodiscard]] Result<store::Client> fetchDocument(std::string_view url,
                                                    std::chrono::seconds& ttl);
  void remember(const std::string& url, const store::Client& client, std::chrono::seconds ttl);

  const ClientResolverOptions options_;
  const std::shared_ptr<store::Store> store_;
  const std::shared_ptr<net::Fetcher> fetcher_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // GUARDED_BY(mu_)
};

}  // namespace bastion::oauth
