#include "oauth/client_auth.h"

#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/crypto.h"

namespace bastion::oauth {

namespace {

struct BasicCredentials {
  std::string id;
  std::string secret;
};

// Standard base64 (RFC 4648 §4) with mandatory padding; nullopt on any other character.
std::optional<std::string> base64Decode(std::string_view in) {
  if (in.empty() || in.size() % 4 != 0) {
    return std::nullopt;
  }
  auto value = [](char c) -> int {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const auto pos = kAlphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
  };
  std::size_t pad = 0;
  while (pad < 2 && in[in.size() - 1 - pad] == '=') {
    ++pad;
  }
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < in.size() - pad; ++i) {
    const int v = value(in[i]);
    if (v < 0) {
      return std::nullopt;
    }
    acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xffffffu;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xffu));
    }
  }
  return out;
}

bool startsWithIgnoringCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

std::optional<BasicCredentials> parseBasic(std::string_view header) {
  constexpr std::string_view kScheme = "basic ";
  if (!startsWithIgnoringCase(header, kScheme)) {
    return std::nullopt;
  }
  auto decoded = base64Decode(header.substr(kScheme.size()));
  if (!decoded) {
    return std::nullopt;
  }
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  // RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic.
  auto id = web::formDecode(std::string_view(*decoded).substr(0, colon));
  auto secret = web::formDecode(std::string_view(*decoded).substr(colon + 1));
  if (!id || !secret || id->empty()) {
    return std::nullopt;
  }
  return BasicCredentials{std::move(*id), std::move(*secret)};
}

web::Response invalidClient(bool basic_used) {
  web::Response r = oauthError(401, "invalid_client", "client authentication failed");
  if (basic_used) {
    r.set("www-authenticate", "Basic realm=\"bastion\", charset=\"UTF-8\"");
  }
  return r;
}

}  // namespace

std::variant<AuthenticatedClient, web::Response> authenticateClient(AuthorizationServerState& s,
                                                                    const web::Request& req,
                                                                    const FormParams& form) {
  if (req.headerCount("authorization") > 1) {
    return oauthError(400, "invalid_request", "repeated Authorization header");
  }
  const auto form_id = param(form, "client_id");
  const auto form_secret = param(form, "client_secret");
  std::string id;
  std::optional<std::string> secret;
  ClientAuthMethod method = ClientAuthMethod::None;
  if (auto header = req.header("authorization")) {
    auto basic = parseBasic(*header);
    if (!basic) {
      return invalidClient(true);
    }
    if (form_secret || (form_id && *form_id != basic->id)) {
      return oauthError(400, "invalid_request", "more than one client authentication method");
    }
    id = std::move(basic->id);
    secret = std::move(basic->secret);
    method = ClientAuthMethod::SecretBasic;
  } else if (form_secret) {
    if (!form_id) {
      return invalidClient(false);
    }
    id = std::string(*form_id);
    secret = std::string(*form_secret);
    method = ClientAuthMethod::SecretPost;
  } else if (form_id) {
    id = std::string(*form_id);
  } else {
    return invalidClient(false);
  }

  auto client = s.clients->resolve(id);
  if (!client) {
    if (client.error().code == static_cast<int>(ClientError::StoreUnavailable)) {
      return oauthError(503, "temporarily_unavailable", "try again later");
    }
    return invalidClient(method == ClientAuthMethod::SecretBasic);
  }
  const bool confidential = !client->secret_hash.empty();
  if (confidential != secret.has_value()) {
    return invalidClient(method == ClientAuthMethod::SecretBasic);
  }
  // Hashes of equal length are compared, so neither the secret's length nor content leaks.
  if (confidential && !crypto::constantTimeEqual(hashSecret(*secret), client->secret_hash)) {
    return invalidClient(method == ClientAuthMethod::SecretBasic);
  }
  return AuthenticatedClient{std::move(*client), method};
}

}  // namespace bastion::oauth
