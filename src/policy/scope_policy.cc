#include "policy/scope_policy.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace bastion::policy {
namespace {

enum class Mark { Unvisited, InProgress, Done };

// Depth-first search; on a back edge, `path` holds the cycle's scopes from its start.
bool dfs(const Implications& graph, const std::string& scope, std::map<std::string, Mark>& marks,
         std::vector<std::string>& path) {
  marks[scope] = Mark::InProgress;
  path.push_back(scope);
  if (const auto it = graph.find(scope); it != graph.end()) {
    for (const std::string& next : it->second) {
      const Mark m = marks.contains(next) ? marks[next] : Mark::Unvisited;
      if (m == Mark::InProgress) {
        path.erase(path.begin(), std::find(path.begin(), path.end(), next));
        path.push_back(next);
        return true;
      }
      if (m == Mark::Unvisited && dfs(graph, next, marks, path)) {
        return true;
      }
    }
  }
  path.pop_back();
  marks[scope] = Mark::Done;
  return false;
}

}  // namespace

bool isScopeToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
  });
}

std::optional<std::vector<std::string>> findImplicationCycle(const Implications& implications) {
  std::map<std::string, Mark> marks;
  for (const auto& [scope, implied] : implications) {
    if (marks.contains(scope)) {
      continue;
    }
    std::vector<std::string> path;
    if (dfs(implications, scope, marks, path)) {
      return path;
    }
  }
  return std::nullopt;
}

Result<std::shared_ptr<const ScopePolicy>> ScopePolicy::create(const Implications& implications) {
  for (const auto& [scope, implied] : implications) {
    for (const std::string& s : implied) {
      if (!isScopeToken(s)) {
        return Error(ScopePolicyError::InvalidScope, "invalid scope \"" + s + "\"");
      }
    }
    if (!isScopeToken(scope)) {
      return Error(ScopePolicyError::InvalidScope, "invalid scope \"" + scope + "\"");
    }
  }
  if (auto cycle = findImplicationCycle(implications)) {
    std::string text;
    for (const std::string& s : *cycle) {
      text += text.empty() ? s : " -> " + s;
    }
    return Error(ScopePolicyError::Cycle, "scope implications form a cycle: " + text);
  }
  // Without cycles the closure is a plain reachability walk from each scope.
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> closure;
  for (const auto& [scope, implied] : implications) {
    std::set<std::string, std::less<>>& reach = closure[scope];
    std::vector<std::string> stack(implied.begin(), implied.end());
    while (!stack.empty()) {
      std::string next = std::move(stack.back());
      stack.pop_back();
      if (!reach.insert(next).second) {
        continue;
      }
      if (const auto it = implications.find(next); it != implications.end()) {
        stack.insert(stack.end(), it->second.begin(), it->second.end());
      }
    }
  }
  return std::shared_ptr<const ScopePolicy>(new ScopePolicy(std::move(closure)));
}

bool ScopePolicy::implies(std::string_view granted, std::string_view required) const {
  if (granted == required) {
    return true;
  }
  const auto it = closure_.find(granted);
  return it != closure_.end() && it->second.contains(required);
}

std::vector<std::string> ScopePolicy::missing(const auth::Principal& principal,
                                              const std::vector<std::string>& required) const {
  std::vector<std::string> out;
  for (const std::string& r : required) {
    const bool held = std::any_of(principal.scopes.begin(), principal.scopes.end(),
                                  [&](const std::string& g) { return implies(g, r); });
    if (!held) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace bastion::policy
