#include "oauth/state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "audit/audit_log.h"
#include "core/crypto.h"

namespace bastion::oauth {

void auditIssue(const AuthorizationServerState& s, std::string_view grant, std::string_view sub,
                std::string_view client_id, const std::vector<std::string>& scopes,
                std::string_view jti, std::string_view family_id) {
  if (s.deps.audit == nullptr) {
    return;
  }
  boost::json::object event;
  event["type"] = "token_issue";
  event["grant"] = grant;
  event["sub"] = sub;
  event["client_id"] = client_id;
  event["scope"] = joinScope(scopes);
  event["jti"] = jti;
  event["family"] = family_id;
  s.deps.audit->record(std::move(event));
}

bool revokeFamilyAudited(AuthorizationServerState& s, std::string_view family_id,
                         std::string_view reason, std::string_view client_id) {
  const bool ok = s.revocations->revokeFamily(family_id).has_value();
  if (s.deps.audit != nullptr) {
    boost::json::object event;
    event["type"] = "token_revoke";
    event["family"] = family_id;
    event["reason"] = reason;
    event["client_id"] = client_id;
    event["stored"] = ok;
    s.deps.audit->record(std::move(event));
  }
  return ok;
}

web::Response jsonResponse(int status, std::string body) {
  web::Response r;
  r.status = status;
  r.body = std::move(body);
  r.set("content-type", "application/json");
  r.set("cache-control", "no-store");
  r.set("pragma", "no-cache");
  return r;
}

web::Response oauthError(int status, std::string_view error, std::string_view description) {
  boost::json::object o;
  o["error"] = error;
  if (!description.empty()) {
    o["error_description"] = description;
  }
  return jsonResponse(status, boost::json::serialize(o));
}

web::Response methodNotAllowed(std::string_view allow) {
  web::Response r = oauthError(405, "invalid_request", "method not allowed");
  r.set("allow", std::string(allow));
  return r;
}

std::optional<FormParams> parseUniqueForm(std::string_view text) {
  auto pairs = web::parseForm(text);
  if (!pairs) {
    return std::nullopt;
  }
  FormParams out;
  for (auto& [name, value] : *pairs) {
    if (!out.emplace(std::move(name), std::move(value)).second) {
      return std::nullopt;  // repeated parameter
    }
  }
  return out;
}

std::optional<std::string_view> param(const FormParams& form, std::string_view name) {
  auto it = form.find(name);
  if (it == form.end() || it->second.empty()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

std::variant<FormParams, web::Response> readFormPost(const web::Request& req) {
  if (req.method != "POST") {
    return methodNotAllowed("POST");
  }
  if (!req.query().empty() || !isFormPost(req)) {
    return oauthError(400, "invalid_request",
                      "parameters must be sent as an application/x-www-form-urlencoded body");
  }
  auto form = parseUniqueForm(req.body);
  if (!form) {
    return oauthError(400, "invalid_request", "malformed or repeated parameters");
  }
  return std::move(*form);
}

bool isFormPost(const web::Request& req) {
  auto type = req.header("content-type");
  if (!type) {
    return false;
  }
  std::string_view media = type->substr(0, type->find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.remove_suffix(1);
  }
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  return media.size() == kForm.size() &&
         std::equal(media.begin(), media.end(), kForm.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

std::string hashSecret(std::string_view secret) { return crypto::sha256Hex(secret); }

std::optional<std::vector<std::string>> parseScope(std::string_view scope) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= scope.size()) {
    const std::size_t end = std::min(scope.find(' ', start), scope.size());
    const std::string_view token = scope.substr(start, end - start);
    if (token.empty()) {
      return std::nullopt;
    }
    for (char c : token) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x21 || u > 0x7e || u == 0x22 || u == 0x5c) {
        return std::nullopt;
      }
    }
    if (std::find(out.begin(), out.end(), token) == out.end()) {
      out.emplace_back(token);
    }
    start = end + 1;
  }
  return out;
}

std::string joinScope(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) {
      out += ' ';
    }
    out += s;
  }
  return out;
}

bool isSubset(const std::vector<std::string>& subset, const std::vector<std::string>& set) {
  return std::all_of(subset.begin(), subset.end(), [&](const std::string& s) {
    return std::find(set.begin(), set.end(), s) != set.end();
  });
}

}  // namespace bastion::oauth
