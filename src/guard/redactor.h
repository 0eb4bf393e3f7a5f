#pragma once
// The Redactor behind Secrets::redactor(), for callers that hold values some other way (tests,
// benchmarks) and for the encoded forms it searches.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "guard/secrets.h"

namespace bastion::guard {

// A Redactor for `values` (each should be at least kMinSecretLength bytes; shorter ones are
// skipped, see kMinSecretLength) and, when enabled, the credential shapes.
std::shared_ptr<const Redactor> makeRedactor(const std::vector<std::string>& values,
                                             RedactorOptions options = {});

// Every form of `value` that a Redactor searches for (see Redactor), duplicates removed.
std::vector<std::string> encodedForms(std::string_view value);

}  // namespace bastion::guard
