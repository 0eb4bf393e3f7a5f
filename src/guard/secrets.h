#pragma once
// Secrets for downstream systems (API keys, database passwords) come only from the environment,
// written in configuration as `${env:NAME}`. Every referenced variable must be set when the
// server starts; each value is registered with the Redactor, which removes it (and its base64
// and percent-encoded forms) from tool results, error messages and logs.
//
//   guard::Secrets secrets;                              // reads the process environment
//   auto header = secrets.expand("Bearer ${env:API_KEY}");   // error names API_KEY if unset
//   auto redactor = secrets.redactor({.shapes = true});  // immutable, shared by all threads

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace bastion::guard {

enum class SecretError {
  MissingVariable = 1,  // ${env:NAME} whose variable is unset or empty (message names NAME only)
  BadReference,         // "${env:" without a valid NAME and closing brace
  WeakSecret,           // a value shorter than kMinSecretLength (message names NAME only)
};

// Secrets shorter than this are refused: a short value cannot be redacted without mangling
// ordinary text ("abc" would be masked inside every word holding it), and a short secret is a
// weak secret. 8 bytes keeps a 6-digit PIN out and lets through any real API key or password.
inline constexpr std::size_t kMinSecretLength = 8;

// Reads one environment variable; injected so tests do not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup processEnvironment();

// The names referenced by `${env:NAME}` in `text`, in order, duplicates kept. NAME is
// [A-Za-z_][A-Za-z0-9_]*. A malformed reference is an error.
[[nodiscard]] Result<std::vector<std::string>> envReferences(std::string_view text);

struct RedactorOptions {
  // Also redact recognisable credential shapes that were never registered: PEM private key
  // blocks, `Bearer <token>`, JWTs (three base64url segments starting "eyJ"), AWS access key
  // ids (AKIA/ASIA + 16).
  bool shapes = true;
};

// Removes secrets from text. Immutable once built: safe to share between threads.
//
// Each registered value is searched in these forms: verbatim; JSON-escaped; percent-encoded
// (RFC 3986 unreserved kept, upper- and lower-case hex) and form-encoded; standard base64 and
// base64url, padded and unpadded, also where the value sits at any byte offset inside a longer
// encoded string (e.g. "Basic " + base64("user:" + secret)); and the percent-encoding of its
// standard base64. All of it is one regular expression (RE2, linear time), one pass per text.
// Not caught, by design: a value split across separate strings or JSON values, mixed-case hex,
// gratuitous escapes (\u0041 for "A", %41 for "A"), other encodings (hex, base32, compression,
// encryption). Redaction is a last line of defence, not a reason to hand secrets to tools.
class Redactor {
 public:
  virtual ~Redactor() = default;
  // The replacement for every removed secret.
  static constexpr std::string_view kMask = "[REDACTED]";
  // `text` with every registered value (and its encoded forms) and, when enabled, every
  // credential shape replaced by kMask. Returns true if anything was replaced.
  virtual bool redact(std::string& text) const = 0;
  // Every string (and object key) inside `value`, recursively.
  virtual bool redact(boost::json::value& value) const = 0;
};

class Secrets {
 public:
  explicit Secrets(EnvLookup env = processEnvironment());

  // `text` with each `${env:NAME}` replaced by the variable's value; each value is registered.
  // Errors: MissingVariable (unset or empty), WeakSecret (shorter than kMinSecretLength),
  // BadReference. Messages name the variable, never its value. The value itself is not checked
  // for CR, LF or NUL: whoever puts it into a header or URL checks that.
  [[nodiscard]] Result<std::string> expand(std::string_view text);
  // Registers a secret obtained some other way (e.g. a key read from a file). WeakSecret (and
  // nothing registered) if it is shorter than kMinSecretLength.
  Result<void> add(std::string value);

  // A Redactor for every value registered so far.
  std::shared_ptr<const Redactor> redactor(RedactorOptions options = {}) const;

 private:
  EnvLookup env_;
  std::vector<std::string> values_;
};

}  // namespace bastion::guard
