#include "mcp/header_params.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "mcp/base64.h"
#include "mcp/server.h"

namespace bastion::mcp {
namespace {

bool tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool sameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Error invalid(std::string message) {
  return Error(RegistrationError::InvalidSchema, "x-mcp-header: " + std::move(message));
}

Result<void> walk(const boost::json::object& schema, std::vector<std::string>& path,
                  std::vector<HeaderParam>& out, std::size_t depth) {
  const auto* props = schema.if_contains("properties");
  if (props == nullptr || !props->is_object() || depth > 32) {
    return {};
  }
  for (const auto& entry : props->get_object()) {
    const auto* sub = entry.value().if_object();
    if (sub == nullptr) {
      continue;
    }
    path.emplace_back(entry.key());
    if (const auto* h = sub->if_contains("x-mcp-header")) {
      const auto* name = h->if_string();
      if (name == nullptr || name->empty() || !std::all_of(name->begin(), name->end(), tchar)) {
        return invalid("must be a non-empty header token");
      }
      const auto* type = sub->if_contains("type");
      const auto* type_name = type != nullptr ? type->if_string() : nullptr;
      if (type_name == nullptr ||
          (*type_name != "string" && *type_name != "integer" && *type_name != "boolean")) {
        return invalid("only on string, integer or boolean properties");
      }
      for (const auto& p : out) {
        if (sameIgnoringCase(p.name, *name)) {
          return invalid("duplicate header name");
        }
      }
      out.push_back({std::string(*name), path});
    }
    if (auto r = walk(*sub, path, out, depth + 1); !r) {
      return r;
    }
    path.pop_back();
  }
  return {};
}

const boost::json::value* valueAt(const boost::json::object& args,
                                  const std::vector<std::string>& path) {
  const boost::json::object* obj = &args;
  const boost::json::value* v = nullptr;
  for (const auto& key : path) {
    if (obj == nullptr) {
      return nullptr;
    }
    v = obj->if_contains(key);
    if (v == nullptr) {
      return nullptr;
    }
    obj = v->if_object();
  }
  return v;
}

// Whether header text `h` denotes body value `v` (strings exactly, integers numerically).
bool denotes(const std::string& h, const boost::json::value& v) {
  if (const auto* s = v.if_string()) {
    return h == *s;
  }
  if (v.is_bool()) {
    return h == (v.get_bool() ? "true" : "false");
  }
  if (v.is_int64() || v.is_uint64() || v.is_double()) {
    double parsed = 0;
    const auto [ptr, ec] = std::from_chars(h.data(), h.data() + h.size(), parsed);
    return ec == std::errc() && ptr == h.data() + h.size() && std::isfinite(parsed) &&
           parsed == v.to_number<double>();
  }
  return false;
}

}  // namespace

Result<std::vector<HeaderParam>> collectHeaderParams(const boost::json::value& input_schema) {
  std::vector<HeaderParam> out;
  std::vector<std::string> path;
  if (const auto* obj = input_schema.if_object()) {
    if (auto r = walk(*obj, path, out, 0); !r) {
      return r.error();
    }
  }
  return out;
}

std::optional<std::string> decodeHeaderValue(std::string_view raw) {
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (raw.size() >= kPrefix.size() + kSuffix.size() && raw.starts_with(kPrefix) &&
      raw.ends_with(kSuffix)) {
    return base64Decode(raw.substr(kPrefix.size(), raw.size() - kPrefix.size() - kSuffix.size()),
                        Base64Alphabet::Standard);
  }
  for (char c : raw) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u >= 0x7F) {
      return std::nullopt;
    }
  }
  return std::string(raw);
}

std::optional<std::string> paramHeaderMismatch(const std::vector<HeaderParam>& params,
                                               const boost::json::object& arguments,
                                               const HttpMetadata& http) {
  for (const auto& p : params) {
    const std::string* raw = nullptr;
    for (const auto& [name, value] : http.params) {
      if (sameIgnoringCase(name, p.name)) {
        raw = &value;
      }
    }
    const boost::json::value* body = valueAt(arguments, p.path);
    const bool in_body = body != nullptr && !body->is_null();
    if (!in_body && raw == nullptr) {
      continue;
    }
    if (raw == nullptr) {
      return "Header mismatch: Mcp-Param-" + p.name + " is required for this argument";
    }
    const auto decoded = decodeHeaderValue(*raw);
    if (!decoded || !in_body || !denotes(*decoded, *body)) {
      return "Header mismatch: Mcp-Param-" + p.name + " does not match the body";
    }
  }
  return std::nullopt;
}

}  // namespace bastion::mcp
