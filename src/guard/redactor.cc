// The Redactor: every registered secret in every searched form, and the credential shapes, as
// one RE2 alternation matched leftmost-longest in a single linear pass.

#include "guard/redactor.h"

#include <re2/re2.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>

namespace bastion::guard {
namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// RFC 4648 base64 with the given alphabet, without padding.
std::string base64(std::string_view bytes, std::string_view alphabet) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 63U]);
    }
    acc &= (1U << bits) - 1U;
  }
  if (bits > 0) {
    out.push_back(alphabet[(acc << (6 - bits)) & 63U]);
  }
  return out;
}

std::string padded(std::string encoded) {
  while (encoded.size() % 4 != 0) {
    encoded.push_back('=');
  }
  return encoded;
}

// The characters of base64(prefix + value + suffix) that depend on `value` alone, for a prefix
// of `offset` bytes (0, 1 or 2 modulo 3) and any suffix: what is left of the secret inside a
// longer encoded string such as a Basic credential.
std::string base64Core(std::string_view value, std::size_t offset, std::string_view alphabet) {
  const std::string shifted = std::string(offset, '\0') + std::string(value);
  const std::string encoded = base64(shifted, alphabet);
  const std::size_t skip = (8 * offset + 5) / 6;     // characters touching the prefix
  const std::size_t whole = 8 * shifted.size() / 6;  // characters not touching a suffix
  return whole > skip ? encoded.substr(skip, whole - skip) : std::string();
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 percent-encoding of everything but unreserved characters; `form` writes a space as
// '+' (application/x-www-form-urlencoded).
std::string percentEncode(std::string_view bytes, bool upper, bool form) {
  const std::string_view hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    if (unreserved(c)) {
      out.push_back(c);
    } else if (form && c == ' ') {
      out.push_back('+');
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 15U]);
    }
  }
  return out;
}

std::string jsonEscaped(std::string_view value) {
  const std::string quoted = boost::json::serialize(boost::json::string_view(value));
  return quoted.substr(1, quoted.size() - 2);
}

// Credential shapes, each a complete match (the whole shape is masked).
constexpr std::string_view kShapes[] = {
    // A PEM private key block of any type (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8) or an OpenPGP
    // armored private key. The body holds no "--"; a block cut short before its END line
    // (truncated output) is masked to the cut.
    R"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-[^-])*)"
    R"((?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?)",
    // An Authorization-style bearer token (RFC 6750 b64token), 16 characters or more so that
    // prose ("bearer of the news") is left alone.
    R"((?i:\bbearer)[ \t]+[A-Za-z0-9\-._~+/]{16,}=*)",
    // A JWT: base64url JSON header ("eyJ" is base64 of '{"'), payload, optional signature.
    R"(\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)",
    // An AWS access key id (long-term AKIA, temporary ASIA).
    R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)",
};

class RegexRedactor final : public Redactor {
 public:
  explicit RegexRedactor(const std::string& pattern) : re_(pattern, options()) {
    // Quoted literals and the fixed shapes always compile; only exhausting max_mem fails, and
    // a redactor that silently let secrets through would be worse than stopping.
    if (!re_.ok()) {
      std::abort();
    }
  }

  bool redact(std::string& text) const override {
    std::string out;
    std::size_t pos = 0;
    bool any = false;
    re2::StringPiece match;
    while (pos < text.size() && re_.Match(text, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
      const auto start = static_cast<std::size_t>(match.data() - text.data());
      if (!any) {
        out.reserve(text.size());
        any = true;
      }
      out.append(text, pos, start - pos);
      out.append(kMask);
      // No alternative matches the empty string; the max() only guards the loop's progress.
      pos = start + std::max<std::size_t>(match.size(), 1);
    }
    if (any) {
      if (pos < text.size()) {
        out.append(text, pos);
      }
      text.swap(out);
    }
    return any;
  }

  // One scan over all strings and keys first (the common case: nothing to hide), then the walk
  // that rewrites. The '\0' between strings is a non-word byte, so a match inside one string is
  // also a match in the joined text; a match that spans two strings only costs the walk.
  bool redact(boost::json::value& value) const override {
    std::string joined;
    collect(value, joined);
    if (!matches(joined)) {
      return false;
    }
    return rewrite(value);
  }

 private:
  static void collect(const boost::json::value& value, std::string& out) {
    switch (value.kind()) {
      case boost::json::kind::string:
        out.append(value.get_string()).push_back('\0');
        return;
      case boost::json::kind::array:
        for (const auto& element : value.get_array()) {
          collect(element, out);
        }
        return;
      case boost::json::kind::object:
        for (const auto& entry : value.get_object()) {
          out.append(entry.key()).push_back('\0');
          collect(entry.value(), out);
        }
        return;
      default:
        return;
    }
  }

  bool rewrite(boost::json::value& value) const {
    switch (value.kind()) {
      case boost::json::kind::string:
        return redactString(value.get_string());
      case boost::json::kind::array: {
        bool any = false;
        for (auto& element : value.get_array()) {
          any = rewrite(element) || any;
        }
        return any;
      }
      case boost::json::kind::object:
        return redactObject(value.get_object());
      default:
        return false;
    }
  }

  static RE2::Options options() {
    RE2::Options o;
    o.set_longest_match(true);  // the longest form wins: padded base64 over its unpadded core
    // Bytes, not UTF-8: a secret need not be valid UTF-8, nor the text it hides in.
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_log_errors(false);
    o.set_max_mem(std::int64_t{256} << 20);
    return o;
  }

  bool matches(std::string_view text) const {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re_);
  }

  bool redactString(boost::json::string& s) const {
    if (!matches(s)) {
      return false;
    }
    std::string text(s);
    redact(text);
    s = text;
    return true;
  }

  // Keys are immutable in boost::json::object: when one needs redaction the object is rebuilt
  // in order. Two keys that both redact to kMask would collide, so later ones get "#2", "#3".
  bool redactObject(boost::json::object& object) const {
    bool keys = false;
    for (const auto& entry : object) {
      if (matches(entry.key())) {
        keys = true;
        break;
      }
    }
    bool any = keys;
    if (!keys) {
      for (auto& entry : object) {
        any = rewrite(entry.value()) || any;
      }
      return any;
    }
    boost::json::object rebuilt(object.storage());
    rebuilt.reserve(object.size());
    for (auto& entry : object) {
      std::string key(entry.key());
      redact(key);
      const std::string base = key;
      for (int n = 2; rebuilt.contains(key); ++n) {
        key = base + "#" + std::to_string(n);
      }
      rewrite(entry.value());
      rebuilt.emplace(key, std::move(entry.value()));
    }
    object = std::move(rebuilt);
    return true;
  }

  RE2 re_;
};

// Redacts nothing: no secret registered and shapes off.
class NullRedactor final : public Redactor {
 public:
  bool redact(std::string&) const override { return false; }
  bool redact(boost::json::value&) const override { return false; }
};

}  // namespace

std::vector<std::string> encodedForms(std::string_view value) {
  std::vector<std::string> forms{std::string(value), jsonEscaped(value)};
  for (const bool upper : {true, false}) {
    forms.push_back(percentEncode(value, upper, false));
    forms.push_back(percentEncode(value, upper, true));
  }
  for (const std::string_view alphabet : {kBase64, kBase64Url}) {
    std::string whole = base64(value, alphabet);
    forms.push_back(padded(whole));
    forms.push_back(std::move(whole));
    for (std::size_t offset = 0; offset < 3; ++offset) {
      forms.push_back(base64Core(value, offset, alphabet));
    }
  }
  const std::string standard = padded(base64(value, kBase64));
  forms.push_back(percentEncode(standard, true, false));
  forms.push_back(percentEncode(standard, false, false));
  // Short leftovers (cores of short values) would match ordinary text; they are dropped.
  std::erase_if(forms, [](const std::string& f) { return f.size() < kMinSecretLength; });
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

std::shared_ptr<const Redactor> makeRedactor(const std::vector<std::string>& values,
                                             RedactorOptions options) {
  std::string pattern;
  const auto alternative = [&pattern](std::string_view piece) {
    if (!pattern.empty()) {
      pattern.push_back('|');
    }
    pattern.append(piece);
  };
  for (const std::string& value : values) {
    if (value.size() < kMinSecretLength) {
      continue;  // refused by Secrets; see kMinSecretLength
    }
    for (const std::string& form : encodedForms(value)) {
      alternative(RE2::QuoteMeta(re2::StringPiece(form.data(), form.size())));
    }
  }
  if (options.shapes) {
    for (const std::string_view shape : kShapes) {
      alternative("(?:" + std::string(shape) + ")");
    }
  }
  if (pattern.empty()) {
    return std::make_shared<NullRedactor>();
  }
  return std::make_shared<RegexRedactor>(pattern);
}

}  // namespace bastion::guard
