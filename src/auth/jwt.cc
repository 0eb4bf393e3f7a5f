#include "auth/jwt.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>

#include "auth/jws_crypto.h"
#include "auth/strict_json.h"
#include "core/crypto.h"

namespace bastion::auth {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// ---- Parsing ----

// The three segments of a compact JWS, or nullopt if there are not exactly three.
std::optional<std::array<std::string_view, 3>> splitCompact(std::string_view token) {
  const auto first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{token.substr(0, first),
                                         token.substr(first + 1, second - first - 1),
                                         token.substr(second + 1)};
}

std::optional<boost::json::object> decodeObject(std::string_view segment) {
  if (segment.empty()) {
    return std::nullopt;
  }
  auto json = crypto::base64UrlDecode(segment);
  if (!json) {
    return std::nullopt;
  }
  return parseStrictJsonObject(*json);
}

// Header members we refuse outright: `crit` names extensions we must understand and do not;
// `b64` (RFC 7797) changes what is signed; `zip` and `enc` belong to JWE.
bool hasRefusedHeaderMember(const boost::json::object& header) {
  for (const std::string_view name : {"crit", "b64", "zip", "enc"}) {
    if (header.contains(name)) {
      return true;
    }
  }
  return false;
}

// Fills alg, kid, typ from the header. The alg is checked before anything else about the
// token so that "none" and HS* are reported as what they are.
AuthResult<void> readHeader(Jwt& jwt) {
  const auto* alg = jwt.header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return AuthError::MalformedToken;
  }
  auto known = algFromName(std::string_view(alg->get_string()));
  if (!known) {
    return AuthError::AlgNotAllowed;
  }
  jwt.alg = *known;
  if (hasRefusedHeaderMember(jwt.header)) {
    return AuthError::MalformedToken;
  }
  for (auto [name, out] : {std::pair{"kid", &jwt.kid}, std::pair{"typ", &jwt.typ}}) {
    if (const auto* v = jwt.header.if_contains(name)) {
      if (!v->is_string()) {
        return AuthError::MalformedToken;
      }
      *out = std::string(v->get_string());
    }
  }
  return {};
}

// ---- Claims ----

// A NumericDate (RFC 7519 section 2) as whole seconds since the epoch; nullopt if not a
// number or outside years 1970..9999 (so arithmetic with the skew cannot overflow).
std::optional<std::int64_t> numericDate(const boost::json::value& v) {
  constexpr std::int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (v.is_int64()) {
    const auto s = v.get_int64();
    return s >= 0 && s <= kMax ? std::optional(s) : std::nullopt;
  }
  if (v.is_uint64()) {
    const auto s = v.get_uint64();
    return s <= static_cast<std::uint64_t>(kMax) ? std::optional(static_cast<std::int64_t>(s))
                                                 : std::nullopt;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMax)) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

bool typMatches(std::string_view typ, std::string_view required) {
  std::string t = lowerAscii(typ);
  if (t.starts_with("application/")) {
    t.erase(0, std::string_view("application/").size());
  }
  return t == lowerAscii(required);
}

const boost::json::string* stringClaim(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

AuthResult<void> checkAudience(const boost::json::object& claims, std::string_view audience) {
  const auto* aud = claims.if_contains("aud");
  if (aud == nullptr) {
    return AuthError::MissingClaim;
  }
  if (aud->is_string()) {
    return aud->get_string() == audience ? AuthResult<void>() : AuthError::AudienceMismatch;
  }
  if (!aud->is_array() || aud->get_array().empty()) {
    return AuthError::MissingClaim;
  }
  bool found = false;
  for (const auto& entry : aud->get_array()) {
    if (!entry.is_string()) {
      return AuthError::MissingClaim;
    }
    found = found || entry.get_string() == audience;
  }
  return found ? AuthResult<void>() : AuthError::AudienceMismatch;
}

// An optional NumericDate: absent -> nullopt inside a success; present but malformed -> error.
AuthResult<std::optional<std::int64_t>> optionalDate(const boost::json::object& claims,
                                                     std::string_view name) {
  const auto* v = claims.if_contains(name);
  if (v == nullptr) {
    return std::optional<std::int64_t>();
  }
  auto d = numericDate(*v);
  if (!d) {
    return AuthError::MissingClaim;
  }
  return std::optional<std::int64_t>(*d);
}

AuthResult<void> checkTimes(const boost::json::object& claims, std::int64_t now,
                            std::int64_t skew) {
  const auto* exp_value = claims.if_contains("exp");
  const auto exp = exp_value != nullptr ? numericDate(*exp_value) : std::nullopt;
  auto nbf = optionalDate(claims, "nbf");
  auto iat = optionalDate(claims, "iat");
  if (!exp || !nbf || !iat) {
    return AuthError::MissingClaim;
  }
  if (*exp + skew <= now) {
    return AuthError::Expired;
  }
  if (*nbf && **nbf - skew > now) {
    return AuthError::NotYetValid;
  }
  if (*iat && **iat - skew > now) {
    return AuthError::IssuedInFuture;
  }
  return {};
}

std::vector<std::string> splitScopes(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto end = std::min(s.find(' ', i), s.size());
    if (end > i) {
      out.emplace_back(s.substr(i, end - i));
    }
    i = end + 1;
  }
  return out;
}

}  // namespace

// ---- Public API ----

AuthResult<Jwt> parseJwt(std::string_view token, std::size_t max_bytes) {
  if (token.size() > max_bytes) {
    return AuthError::TokenTooLarge;
  }
  auto parts = splitCompact(token);
  if (!parts) {
    return AuthError::MalformedToken;
  }
  Jwt jwt;
  auto header = decodeObject((*parts)[0]);
  if (!header) {
    return AuthError::MalformedToken;
  }
  jwt.header = std::move(*header);
  if (auto h = readHeader(jwt); !h) {
    return h.error();
  }
  auto claims = decodeObject((*parts)[1]);
  auto signature = crypto::base64UrlDecode((*parts)[2]);
  if (!claims || !signature || signature->empty()) {
    return AuthError::MalformedToken;
  }
  jwt.claims = std::move(*claims);
  jwt.signature = std::move(*signature);
  jwt.signing_input = std::string(token.substr(0, (*parts)[0].size() + 1 + (*parts)[1].size()));
  return jwt;
}

AuthResult<void> verifySignature(const Jwt& jwt, const JwkSet& keys,
                                 std::span<const JwsAlg> allowed) {
  if (std::find(allowed.begin(), allowed.end(), jwt.alg) == allowed.end()) {
    return AuthError::AlgNotAllowed;
  }
  bool kid_seen = false;
  for (const Jwk& jwk : keys.keys) {
    if (jwk.kid.empty() || jwk.kid != jwt.kid) {
      continue;
    }
    kid_seen = true;
    if (jwk.matches(jwt.kid, jwt.alg)) {
      // Only the one matching key is tried: no trial-and-error across keys.
      return jwsVerify(jwt.alg, jwk.key.get(), jwt.signing_input, jwt.signature)
                 ? AuthResult<void>()
                 : AuthError::BadSignature;
    }
  }
  return kid_seen ? AuthError::KidAlgMismatch : AuthError::UnknownKid;
}

AuthResult<void> checkClaims(const Jwt& jwt, const ClaimsPolicy& policy, TimePoint now) {
  if (!policy.required_typ.empty() && !typMatches(jwt.typ, policy.required_typ)) {
    return AuthError::WrongTokenType;
  }
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
  if (auto t = checkTimes(jwt.claims, now_s.count(), policy.skew.count()); !t) {
    return t.error();
  }
  const auto* iss = stringClaim(jwt.claims, "iss");
  const auto* sub = stringClaim(jwt.claims, "sub");
  if (iss == nullptr || sub == nullptr || sub->empty()) {
    return AuthError::MissingClaim;
  }
  if (policy.issuer.empty() || *iss != policy.issuer) {
    return AuthError::IssuerMismatch;  // an empty configured issuer matches nothing
  }
  if (policy.audience.empty()) {
    return AuthError::AudienceMismatch;
  }
  return checkAudience(jwt.claims, policy.audience);
}

Principal principalOf(const Jwt& jwt) {
  Principal p;
  if (const auto* iss = stringClaim(jwt.claims, "iss")) {
    p.iss = std::string(*iss);
  }
  if (const auto* sub = stringClaim(jwt.claims, "sub")) {
    p.sub = std::string(*sub);
  }
  const auto* client = stringClaim(jwt.claims, "client_id");
  if (client == nullptr) {
    client = stringClaim(jwt.claims, "azp");
  }
  if (client != nullptr) {
    p.client_id = std::string(*client);
  }
  if (const auto* scope = stringClaim(jwt.claims, "scope")) {
    p.scopes = splitScopes(*scope);
  } else if (const auto* scp = jwt.claims.if_contains("scp"); scp != nullptr && scp->is_array()) {
    for (const auto& s : scp->get_array()) {
      if (s.is_string()) {
        p.scopes.emplace_back(s.get_string());
      }
    }
  }
  return p;
}

TimePoint expiryOf(const Jwt& jwt) {
  const auto* v = jwt.claims.if_contains("exp");
  const auto exp = v != nullptr ? numericDate(*v) : std::nullopt;
  // numericDate admits dates up to year 9999; system_clock counts nanoseconds and ends in 2262.
  // Clamped, not converted: the conversion would overflow (undefined behaviour).
  const auto latest =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::max().time_since_epoch());
  return TimePoint(std::chrono::seconds(std::min(exp.value_or(0), latest.count())));
}

AuthResult<Jwt> verifyJwt(std::string_view token, const JwkSet& keys, const VerifyOptions& options,
                          TimePoint now) {
  auto jwt = parseJwt(token, options.max_token_bytes);
  if (!jwt) {
    return jwt.error();
  }
  if (auto s = verifySignature(*jwt, keys, options.allowed_algs); !s) {
    return s.error();
  }
  if (auto c = checkClaims(*jwt, options.claims, now); !c) {
    return c.error();
  }
  return jwt;
}

}  // namespace bastion::auth
