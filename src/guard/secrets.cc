// Secrets: `${env:NAME}` expansion from an injected environment, and registration of every
// value for redaction.

#include "guard/secrets.h"

#include <algorithm>
#include <cstdlib>

#include "guard/redactor.h"

namespace bastion::guard {

EnvLookup processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // secure_getenv: a set-user-ID launch must not let the caller's environment choose secrets.
    const char* value = ::secure_getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

Secrets::Secrets(EnvLookup env) : env_(std::move(env)) {}

Result<std::string> Secrets::expand(std::string_view text) {
  auto names = envReferences(text);
  if (!names) {
    return names.error();
  }
  constexpr std::string_view kOpen = "${env:";
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (const std::string& name : names.value()) {
    std::optional<std::string> value = env_ ? env_(name) : std::nullopt;
    // Unset and empty are the same failure: an empty credential is never what was meant.
    if (!value || value->empty()) {
      return Error(SecretError::MissingVariable, "environment variable " + name + " is not set");
    }
    if (value->size() < kMinSecretLength) {
      return Error(SecretError::WeakSecret, "environment variable " + name + " holds fewer than " +
                                                std::to_string(kMinSecretLength) + " characters");
    }
    const std::size_t at = text.find(kOpen, from);
    out.append(text.substr(from, at - from));
    out.append(*value);
    from = at + kOpen.size() + name.size() + 1;  // past the closing brace
    (void)add(std::move(*value));                // length checked above: cannot fail
  }
  out.append(text.substr(from));
  return out;
}

Result<void> Secrets::add(std::string value) {
  if (value.size() < kMinSecretLength) {
    return Error(SecretError::WeakSecret,
                 "a secret holds fewer than " + std::to_string(kMinSecretLength) + " characters");
  }
  if (std::find(values_.begin(), values_.end(), value) == values_.end()) {
    values_.push_back(std::move(value));
  }
  return {};
}

std::shared_ptr<const Redactor> Secrets::redactor(RedactorOptions options) const {
  return makeRedactor(values_, options);
}

}  // namespace bastion::guard
