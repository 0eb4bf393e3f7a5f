#pragma once
// Least privilege for tools: which scopes a caller effectively holds, given configurable scope
// implications (`files:write` => `files:read`), and which of an operation's required scopes it
// lacks. The same check serves every transport and protocol version (the dispatcher calls it
// for tools/list filtering and tools/call authorization).
//
// Implications are transitive and must not form cycles (rejected at load: a cycle makes every
// scope on it equivalent, which is almost certainly a configuration mistake).

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/error.h"

namespace bastion::policy {

enum class ScopePolicyError {
  InvalidScope = 1,  // not an RFC 6749 scope-token
  Cycle,             // a scope implies itself through the table
};

// scope -> the scopes it directly implies.
using Implications = std::map<std::string, std::vector<std::string>, std::less<>>;

class ScopePolicy {
 public:
  // Fails on an invalid scope token or a cycle (the message names the cycle: "a -> b -> a").
  [[nodiscard]] static Result<std::shared_ptr<const ScopePolicy>> create(
      const Implications& implications);

  // True if holding `granted` satisfies `required` (directly or by implication).
  bool implies(std::string_view granted, std::string_view required) const;
  // The scopes of `required` that `principal` holds neither directly nor by implication, in
  // the order given; empty means allowed. Does not deduplicate `required`.
  std::vector<std::string> missing(const auth::Principal& principal,
                                   const std::vector<std::string>& required) const;
  bool allows(const auth::Principal& principal, const std::vector<std::string>& required) const {
    return missing(principal, required).empty();
  }

 private:
  explicit ScopePolicy(std::map<std::string, std::set<std::string, std::less<>>, std::less<>> c)
      : closure_(std::move(c)) {}
  // scope -> every scope it implies, transitively (itself excluded).
  const std::map<std::string, std::set<std::string, std::less<>>, std::less<>> closure_;
};

// RFC 6749 section 3.3 scope-token: 1*( %x21 / %x23-5B / %x5D-7E ).
bool isScopeToken(std::string_view s);

// A cycle in `implications`, as the scopes along it with the first repeated at the end
// ({"a", "b", "a"}); nullopt if there is none. Deterministic: the first cycle found walking
// scopes in sorted order.
std::optional<std::vector<std::string>> findImplicationCycle(const Implications& implications);

}  // namespace bastion::policy
