#include "oauth/clients.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <utility>

namespace bastion::oauth {
namespace {

constexpr std::size_t kMaxUriBytes = 2048;
constexpr std::size_t kMaxClientNameBytes = 200;
constexpr std::size_t kMaxRedirectUris = 20;

bool isLoopbackHost(std::string_view encoded_host) {
  return encoded_host == "127.0.0.1" || encoded_host == "[::1]" || encoded_host == "localhost";
}

// Characters that never belong in a redirect URI we accept: they would need quoting where the
// URI is echoed (Location header, CSP form-action, HTML attribute).
bool hasForbiddenUriChar(std::string_view uri) {
  return std::any_of(uri.begin(), uri.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' ||
           c == ',' || c == ';' || c == '`' || c == '{' || c == '}' || c == '|' || c == '^';
  });
}

// A path segment that is "." or ".." once "%2e" is read as '.'.
bool isDotSegment(std::string_view encoded) {
  std::string decoded;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() && encoded[i + 1] == '2' &&
        (encoded[i + 2] == 'e' || encoded[i + 2] == 'E')) {
      decoded.push_back('.');
      i += 2;
    } else {
      decoded.push_back(encoded[i]);
    }
  }
  return decoded == "." || decoded == "..";
}

Error clientError(ClientError code, std::string message) { return Error(code, std::move(message)); }

// Reads an optional array of strings; false if present and not an array of strings.
bool readStringArray(const boost::json::object& doc, std::string_view key,
                     std::vector<std::string>& out) {
  const auto* v = doc.if_contains(key);
  if (v == nullptr) {
    return true;
  }
  if (!v->is_array()) {
    return false;
  }
  out.clear();
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      return false;
    }
    out.emplace_back(item.get_string());
  }
  return true;
}

std::vector<std::string> splitScope(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto sp = s.find(' ');
    if (sp != 0) {
      out.emplace_back(s.substr(0, sp));
    }
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
  }
  return out;
}

Result<void> checkAuthMethod(const boost::json::object& doc) {
  const auto* v = doc.if_contains("token_endpoint_auth_method");
  if (v == nullptr) {
    return {};  // a metadata document cannot carry a secret: public client
  }
  if (!v->is_string()) {
    return clientError(ClientError::MetadataInvalid, "token_endpoint_auth_method must be a string");
  }
  const std::string_view method = v->get_string();
  if (method == "none") {
    return {};
  }
  if (method == "private_key_jwt") {
    return clientError(ClientError::UnsupportedAuthMethod,
                       "token_endpoint_auth_method private_key_jwt is not supported by this "
                       "server; use \"none\"");
  }
  return clientError(ClientError::UnsupportedAuthMethod,
                     "a client metadata document cannot use a shared-secret or unknown "
                     "token_endpoint_auth_method; use \"none\"");
}

Result<void> readRedirectUris(const boost::json::object& doc, store::Client& client) {
  if (!doc.contains("redirect_uris") ||
      !readStringArray(doc, "redirect_uris", client.redirect_uris) ||
      client.redirect_uris.empty() || client.redirect_uris.size() > kMaxRedirectUris) {
    return clientError(ClientError::MetadataInvalid,
                       "redirect_uris must be a non-empty array of at most 20 strings");
  }
  for (const auto& uri : client.redirect_uris) {
    if (auto ok = checkRedirectUri(uri, false); !ok) {
      return clientError(ClientError::MetadataInvalid, ok.error().message);
    }
  }
  return {};
}

Result<void> readGrantAndResponseTypes(const boost::json::object& doc, store::Client& client) {
  client.grant_types = {"authorization_code"};  // RFC 7591 §2 default
  if (!readStringArray(doc, "grant_types", client.grant_types) ||
      !std::all_of(client.grant_types.begin(), client.grant_types.end(), [](const auto& g) {
        return g == "authorization_code" || g == "refresh_token";
      })) {
    return clientError(ClientError::MetadataInvalid,
                       "grant_types may only hold authorization_code and refresh_token");
  }
  std::vector<std::string> response_types;
  if (!readStringArray(doc, "response_types", response_types) ||
      !std::all_of(response_types.begin(), response_types.end(),
                   [](const auto& r) { return r == "code"; })) {
    return clientError(ClientError::MetadataInvalid, "response_types may only hold code");
  }
  return {};
}

Result<void> readNameAndScope(const boost::json::object& doc,
                              const std::vector<std::string>& scopes_supported,
                              store::Client& client) {
  const auto* name = doc.if_contains("client_name");
  if (name == nullptr || !name->is_string() || name->get_string().empty() ||
      name->get_string().size() > kMaxClientNameBytes) {
    return clientError(ClientError::MetadataInvalid,
                       "client_name must be a non-empty string of at most 200 bytes");
  }
  client.client_name = std::string(name->get_string());
  client.scopes = scopes_supported;
  if (const auto* scope = doc.if_contains("scope")) {
    if (!scope->is_string()) {
      return clientError(ClientError::MetadataInvalid, "scope must be a string");
    }
    const auto wanted = splitScope(scope->get_string());
    std::erase_if(client.scopes, [&](const std::string& s) {
      return std::find(wanted.begin(), wanted.end(), s) == wanted.end();
    });
  }
  return {};
}

}  // namespace

std::string newClientId(RandomSource& rng) { return "bc_" + randomToken(rng, 16); }

bool isMetadataDocumentUrl(std::string_view client_id) { return client_id.starts_with("https://"); }

Result<void> checkMetadataUrl(std::string_view url) {
  auto fail = [](std::string why) {
    return clientError(ClientError::BadMetadataUrl, "client_id URL " + why);
  };
  if (url.size() > kMaxUriBytes || hasForbiddenUriChar(url)) {
    return fail("is too long or holds characters a URL may not");
  }
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "https" || parsed->encoded_host().empty()) {
    return fail("must be an absolute https URL with a host");
  }
  if (parsed->has_userinfo()) {
    return fail("must not contain a user name or password");
  }
  if (parsed->has_fragment()) {
    return fail("must not contain a fragment");
  }
  if (parsed->encoded_path().empty() || parsed->encoded_path() == "/") {
    return fail("must contain a path");
  }
  for (auto segment : parsed->encoded_segments()) {
    if (isDotSegment(std::string_view(segment.data(), segment.size()))) {
      return fail("must not contain . or .. path segments");
    }
  }
  return {};
}

Result<store::Client> parseMetadataDocument(std::string_view url, std::string_view body,
                                            const std::vector<std::string>& scopes_supported) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    return clientError(ClientError::MetadataNotJson,
                       "the client metadata document is not a JSON object");
  }
  const auto& doc = value.get_object();
  const auto* id = doc.if_contains("client_id");
  if (id == nullptr || !id->is_string()) {
    return clientError(ClientError::MetadataInvalid,
                       "the client metadata document has no client_id");
  }
  if (id->get_string() != url) {
    // Simple string comparison (RFC 3986 §6.2.1): no normalisation of either side.
    return clientError(ClientError::ClientIdMismatch,
                       "the client metadata document's client_id differs from its URL");
  }
  if (doc.contains("client_secret") || doc.contains("client_secret_expires_at")) {
    return clientError(ClientError::MetadataInvalid,
                       "a client metadata document must not contain a client secret");
  }
  store::Client client;
  client.client_id = std::string(url);
  client.source = store::ClientSource::MetadataDocument;
  client.token_endpoint_auth_method = "none";
  if (auto r = checkAuthMethod(doc); !r) {
    return r.error();
  }
  if (auto r = readRedirectUris(doc, client); !r) {
    return r.error();
  }
  if (auto r = readGrantAndResponseTypes(doc, client); !r) {
    return r.error();
  }
  if (auto r = readNameAndScope(doc, scopes_supported, client); !r) {
    return r.error();
  }
  return client;
}

Result<void> checkRedirectUri(std::string_view uri, bool allow_http_non_loopback) {
  auto fail = [&](std::string why) {
    return Error(ClientError::MetadataInvalid, "redirect URI " + why);
  };
  if (uri.size() > kMaxUriBytes || hasForbiddenUriChar(uri)) {
    return fail("is too long or holds characters a URI may not");
  }
  auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed || parsed->encoded_host().empty()) {
    return fail("must be an absolute URI with a host");
  }
  if (parsed->has_fragment()) {
    return fail("must not contain a fragment");
  }
  if (parsed->has_userinfo()) {
    return fail("must not contain a user name or password");
  }
  if (parsed->scheme() == "https") {
    return {};
  }
  if (parsed->scheme() == "http" &&
      (isLoopbackHost(parsed->encoded_host()) || allow_http_non_loopback)) {
    return {};
  }
  return fail("must use https, or http to a loopback address (127.0.0.1, [::1], localhost)");
}

bool redirectUriMatches(const std::vector<std::string>& registered, std::string_view requested) {
  if (std::find(registered.begin(), registered.end(), requested) != registered.end()) {
    return true;
  }
  auto req = boost::urls::parse_absolute_uri(requested);
  if (!req || req->scheme() != "http" || !isLoopbackHost(req->encoded_host()) ||
      req->has_userinfo() || req->has_fragment()) {
    return false;
  }
  return std::any_of(registered.begin(), registered.end(), [&](const std::string& r) {
    auto reg = boost::urls::parse_absolute_uri(r);
    // Same scheme, host literal, path and query; the port alone may differ (RFC 8252 §7.3).
    return reg && reg->scheme() == "http" && reg->encoded_host() == req->encoded_host() &&
           !reg->has_userinfo() && !reg->has_fragment() &&
           reg->encoded_path() == req->encoded_path() && reg->has_query() == req->has_query() &&
           reg->encoded_query() == req->encoded_query();
  });
}

std::string uriHost(std::string_view uri) {
  auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed) {
    return {};
  }
  return std::string(parsed->encoded_host());
}

ClientResolver::ClientResolver(ClientResolverOptions options, std::shared_ptr<store::Store> store,
                               std::shared_ptr<net::Fetcher> fetcher, const Clock& clock)
    : options_(std::move(options)),
      store_(std::move(store)),
      fetcher_(std::move(fetcher)),
      clock_(clock) {}

Result<store::Client> ClientResolver::resolve(std::string_view client_id) {
  if (isMetadataDocumentUrl(client_id)) {
    if (!options_.metadata_documents) {
      return clientError(ClientError::MetadataDocumentsDisabled,
                         "this server does not accept client metadata documents");
    }
    return resolveDocument(client_id);
  }
  auto client = store_->getClient(client_id);
  if (client) {
    return client;
  }
  if (client.error().code == static_cast<int>(store::StoreError::NotFound)) {
    return clientError(ClientError::UnknownClient, "unknown client_id");
  }
  return clientError(ClientError::StoreUnavailable, "the client registry is unavailable");
}

std::size_t ClientResolver::cachedDocuments() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

Result<store::Client> ClientResolver::resolveDocument(std::string_view url) {
  if (auto ok = checkMetadataUrl(url); !ok) {
    return ok.error();
  }
  const std::string key(url);
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (clock_.now() < it->second.expires) {
        return it->second.client;
      }
      cache_.erase(it);
    }
  }
  std::chrono::seconds ttl{0};
  auto client = fetchDocument(url, ttl);
  if (client && ttl.count() > 0) {
    remember(key, *client, ttl);
  }
  return client;
}

Result<store::Client> ClientResolver::fetchDocument(std::string_view url,
                                                    std::chrono::seconds& ttl) {
  if (!fetcher_) {
    return clientError(ClientError::MetadataFetchFailed,
                       "client metadata documents cannot be fetched");
  }
  net::FetchRequest req;
  req.url = std::string(url);
  req.headers = {{"accept", "application/json"}};
  req.timeout = options_.fetch_timeout;
  req.max_bytes = options_.max_document_bytes;
  auto resp = fetcher_->fetch(req);
  if (!resp) {
    return clientError(
        ClientError::MetadataFetchFailed,
        "the client metadata document could not be fetched: " + resp.error().message);
  }
  if (resp->status != 200) {
    // Redirects are not followed: a 3xx is a failure like any other non-200 status.
    return clientError(ClientError::MetadataFetchFailed,
                       "the client metadata document could not be fetched: HTTP status " +
                           std::to_string(resp->status));
  }
  auto client = parseMetadataDocument(url, resp->body, options_.scopes_supported);
  if (!client) {
    return client;
  }
  const long long max_age = net::cacheMaxAgeSeconds(resp->header("cache-control"));
  if (max_age < 0) {
    ttl = options_.default_ttl;
  } else if (max_age == 0) {
    ttl = std::chrono::seconds(0);
  } else {
    ttl = std::clamp(std::chrono::seconds(max_age), options_.min_ttl, options_.max_ttl);
  }
  return client;
}

void ClientResolver::remember(const std::string& url, const store::Client& client,
                              std::chrono::seconds ttl) {
  if (options_.max_cached_documents == 0) {
    return;
  }
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  if (cache_.size() >= options_.max_cached_documents && !cache_.contains(url)) {
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires <= now; });
  }
  if (cache_.size() >= options_.max_cached_documents && !cache_.contains(url)) {
    // Still full: evict the entry closest to expiry (it would be refetched soonest anyway).
    auto victim = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    cache_.erase(victim);
  }
  cache_[url] = Cached{client, now + ttl};
}

}  // namespace bastion::oauth
