// The audit record of one tool call: who, what, a digest of the arguments and only the fields
// the tool marks as identifiers.

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "audit/audit_log.h"
#include "audit/record_format.h"
#include "core/crypto.h"

namespace bastion::audit {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxIdentifierBytes = 256;

// Cuts to at most kMaxIdentifierBytes without splitting a UTF-8 sequence (continuation bytes are
// 10xxxxxx). Invalid UTF-8 is left to the writer's sanitizing.
std::string_view cut(std::string_view s) {
  if (s.size() <= kMaxIdentifierBytes) {
    return s;
  }
  std::size_t end = kMaxIdentifierBytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

json::value identifierValue(const json::value& v) {
  if (v.is_string()) {
    return json::string(cut(v.get_string()));
  }
  if (v.is_object() || v.is_array()) {
    return json::string(cut(canonicalJson(v)));
  }
  return v;
}

}  // namespace

json::object toolCallRecord(const ToolCallEvent& event) {
  // One arena per record: its dozen strings and members cost one allocation, freed at once by
  // the writer thread (frees across threads contend on the allocator's locks).
  json::object r(json::make_shared_resource<json::monotonic_resource>(std::size_t{1024}));
  r["type"] = "tool_call";
  r["request_id"] = event.request_id;
  r["sub"] = event.sub;
  r["client_id"] = event.client_id;
  r["tool"] = event.tool;
  r["outcome"] = event.outcome;
  r["latency_us"] = std::chrono::duration_cast<std::chrono::microseconds>(event.latency).count();
  if (event.arguments != nullptr) {
    r["args_sha256"] = crypto::sha256Hex(canonicalJson(*event.arguments));
    json::object args(r.storage());
    if (event.identifiers != nullptr) {
      for (const std::string& name : *event.identifiers) {
        if (const json::value* v = event.arguments->if_contains(name)) {
          args[name] = identifierValue(*v);
        }
      }
    }
    r["args"] = std::move(args);
  }
  return r;
}

}  // namespace bastion::audit
