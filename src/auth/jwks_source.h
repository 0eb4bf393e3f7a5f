#pragma once
// Where a JWT verifier's keys come from when they are remote: the issuer's JWK Set, at
// `jwks_uri` or found through discovery (auth/jwt_verifier.h lists the URLs), fetched through
// the SSRF-guarded net::Fetcher, at most once per `min_refresh_interval` whoever asks.
//
// Fetches block for up to the fetcher's timeout, so the verifier does not make an HTTP request
// wait for one except when it holds no keys at all (start-up). Refreshes asked for on the
// request path (an unknown kid, keys past their age) are queued to a thread this object owns
// (`fetch_in_background`), or run inline when that is off (tests, tools).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "auth/jwk.h"
#include "core/clock.h"
#include "core/error.h"
#include "net/fetcher.h"

namespace bastion::auth {

struct JwksSourceOptions {
  std::string issuer;
  std::string jwks_uri;  // empty: discovery
  bool allow_http = false;
  std::chrono::seconds min_refresh_interval{30};
  bool fetch_in_background = true;
};

class JwksSource {
 public:
  // `install` receives each key set fetched (on whichever thread fetched it).
  using Install = std::function<void(JwkSet)>;

  JwksSource(JwksSourceOptions options, std::shared_ptr<net::Fetcher> fetcher, Install install,
             const Clock& clock);
  ~JwksSource();  // stops the background thread, waiting for a fetch in flight
  JwksSource(const JwksSource&) = delete;
  JwksSource& operator=(const JwksSource&) = delete;

  enum class Wait { No, Yes };
  // Asks for a fresh key set unless one was attempted under min_refresh_interval ago. With
  // Wait::Yes (or no background thread) the fetch runs on the caller's thread, or, if the rate
  // limit refuses, the caller waits for a fetch in flight. True if this call installed keys.
  bool refresh(Wait wait);

  // Fetches now, whatever the rate limit says (start-up, operator action). Blocking.
  [[nodiscard]] Result<void> fetchNow();

  [[nodiscard]] std::uint64_t fetches() const;

 private:
  bool claimSlot();
  Result<void> fetchSerialized();
  Result<JwkSet> fetchKeys();
  Result<std::string> fetchJson(const std::string& url, std::size_t max_bytes);
  Result<std::string> discoverJwksUri();
  void run();

  const JwksSourceOptions options_;
  const std::shared_ptr<net::Fetcher> fetcher_;
  const Install install_;
  const Clock& clock_;

  std::mutex slot_mu_;
  bool attempted_ = false;            // GUARDED_BY(slot_mu_)
  Clock::time_point last_attempt_{};  // GUARDED_BY(slot_mu_)

  std::mutex fetch_mu_;   // held for the whole fetch: one at a time
  std::string jwks_uri_;  // GUARDED_BY(fetch_mu_); configured or discovered
  std::atomic<std::uint64_t> fetches_{0};

  std::mutex work_mu_;
  std::condition_variable work_cv_;
  bool pending_ = false;   // GUARDED_BY(work_mu_)
  bool stopping_ = false;  // GUARDED_BY(work_mu_)
  std::thread worker_;     // last: started after everything it uses exists
};

}  // namespace bastion::auth
