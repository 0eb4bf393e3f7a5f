#include "auth/jwks_source.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "auth/jwt_verifier.h"
#include "auth/strict_json.h"

namespace bastion::auth {
namespace {

constexpr std::size_t kMaxMetadataBytes = 64 * 1024;

bool isHttpsUrl(std::string_view url, bool allow_http) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->has_fragment() || u->has_userinfo() || u->encoded_host().empty()) {
    return false;
  }
  return u->scheme() == "https" || (allow_http && u->scheme() == "http");
}

}  // namespace

JwksSource::JwksSource(JwksSourceOptions options, std::shared_ptr<net::Fetcher> fetcher,
                       Install install, const Clock& clock)
    : options_(std::move(options)),
      fetcher_(std::move(fetcher)),
      install_(std::move(install)),
      clock_(clock),
      jwks_uri_(options_.jwks_uri) {
  if (options_.fetch_in_background) {
    worker_ = std::thread([this] { run(); });
  }
}

JwksSource::~JwksSource() {
  {
    std::lock_guard lock(work_mu_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  if (worker_.joinable()) {
    worker_.join();
  }
}

bool JwksSource::claimSlot() {
  std::lock_guard lock(slot_mu_);
  const auto now = clock_.now();
  if (attempted_ && now - last_attempt_ < options_.min_refresh_interval) {
    return false;
  }
  attempted_ = true;
  last_attempt_ = now;
  return true;
}

bool JwksSource::refresh(Wait wait) {
  if (!claimSlot()) {
    if (wait == Wait::Yes) {
      std::lock_guard in_flight(fetch_mu_);  // a fetch in progress finishes before we look
    }
    return false;
  }
  if (wait == Wait::No && worker_.joinable()) {
    {
      std::lock_guard lock(work_mu_);
      pending_ = true;
    }
    work_cv_.notify_one();
    return false;
  }
  return fetchSerialized().has_value();
}

Result<void> JwksSource::fetchNow() {
  {
    std::lock_guard lock(slot_mu_);
    attempted_ = true;
    last_attempt_ = clock_.now();
  }
  return fetchSerialized();
}

std::uint64_t JwksSource::fetches() const { return fetches_.load(std::memory_order_relaxed); }

void JwksSource::run() {
  std::unique_lock lock(work_mu_);
  while (true) {
    work_cv_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) {
      return;
    }
    pending_ = false;
    lock.unlock();
    (void)fetchSerialized();  // failures are logged; the old keys stay
    lock.lock();
  }
}

Result<void> JwksSource::fetchSerialized() {
  std::lock_guard lock(fetch_mu_);
  fetches_.fetch_add(1, std::memory_order_relaxed);
  auto keys = fetchKeys();
  if (!keys) {
    spdlog::warn("jwt: JWK Set of {} unavailable: {}", options_.issuer, keys.error().message);
    return keys.error();
  }
  install_(std::move(*keys));
  return {};
}

// Caller holds fetch_mu_.
Result<JwkSet> JwksSource::fetchKeys() {
  if (jwks_uri_.empty()) {
    auto uri = discoverJwksUri();
    if (!uri) {
      return uri.error();
    }
    jwks_uri_ = std::move(*uri);
  }
  auto body = fetchJson(jwks_uri_, kMaxJwksBytes);
  if (!body) {
    return body.error();
  }
  return parseJwkSet(*body);
}

Result<std::string> JwksSource::fetchJson(const std::string& url, std::size_t max_bytes) {
  net::FetchRequest req{.url = url};
  req.headers.emplace_back("Accept", "application/json");
  req.max_bytes = max_bytes;
  auto resp = fetcher_->fetch(req);
  if (!resp) {
    return resp.error();
  }
  if (resp->status != 200) {
    return Error(JwtVerifierError::BadJwksUri, "HTTP status " + std::to_string(resp->status));
  }
  return std::move(resp->body);
}

// The first metadata document that answers, whose issuer is ours and whose jwks_uri is an
// absolute https URL. A document for another issuer is not skipped but refused: it means the
// discovery URL is not the issuer's (mix-up).
Result<std::string> JwksSource::discoverJwksUri() {
  Error last(JwtVerifierError::BadIssuer, "no metadata document");
  for (const auto& url : discoveryUrls(options_.issuer)) {
    auto body = fetchJson(url, kMaxMetadataBytes);
    if (!body) {
      last = body.error();
      continue;
    }
    auto doc = parseStrictJsonObject(*body);
    const auto* iss = doc ? doc->if_contains("issuer") : nullptr;
    const auto* jwks = doc ? doc->if_contains("jwks_uri") : nullptr;
    if (iss == nullptr || !iss->is_string() || iss->get_string() != options_.issuer) {
      return Error(JwtVerifierError::BadIssuer, "metadata issuer does not match");
    }
    if (jwks == nullptr || !jwks->is_string() ||
        !isHttpsUrl(std::string_view(jwks->get_string()), options_.allow_http)) {
      return Error(JwtVerifierError::BadJwksUri, "metadata jwks_uri is not https");
    }
    return std::string(jwks->get_string());
  }
  return last;
}

}  // namespace bastion::auth
