// The keys of `http` tools (see tools/http.h for what each means):
//
//   method = "GET"                      # GET POST PUT PATCH DELETE
//   url = "https://api.example.com/v1/users/{id}?fields={fields}"
//   allow_hosts = ["api.example.com"]   # default: the url's host; http:// must be listed
//   allow_private = false               # the url's host may resolve to a private address
//   timeout = "10s"                     # the whole call, redirects included
//   max_bytes = "1MiB"                  # response body cap
//   follow_redirects = 0                # same-origin redirects followed (0-10)
//   binary = false                      # base64 for bodies that are neither JSON nor text
//   read_only = false                   # annotations: a non-GET method that only reads
//   headers = { Authorization = "Bearer ${env:API_TOKEN}" }   # ${env:NAME} allowed
//   secret_query = { api_key = "${env:API_KEY}" }             # ${env:NAME} allowed
//   params.id = { type = "integer" }    # short form: the JSON Schema, required, placed by name
//   params.q = { schema = { type = "string", maxLength = 100 }, in = "query", required = false }
//
// Only headers and secret_query values may hold ${env:NAME}; everywhere else it is refused.

#include <algorithm>

#include "config/config_internal.h"

namespace bastion::config::detail {
namespace {

using tools::HttpParam;

// headers / secret_query: a table of strings that may hold secret references.
void readSecretTable(TableReader& r, std::string_view key,
                     std::map<std::string, std::string, std::less<>>& out) {
  const toml::table* t = r.table(key);
  if (t == nullptr) {
    return;
  }
  TableReader sub(*t, r.keyPath(key), r.diagnostics());
  for (auto&& [name, node] : *t) {
    std::string value;
    if (sub.readSecretString(name.str(), value)) {
      out.emplace(std::string(name.str()), std::move(value));
    }
  }
}

std::optional<HttpParam::In> parseIn(std::string_view in) {
  if (in == "path") {
    return HttpParam::In::Path;
  }
  if (in == "query") {
    return HttpParam::In::Query;
  }
  if (in == "body") {
    return HttpParam::In::Body;
  }
  return std::nullopt;
}

// The long form { schema = {...}, in = "...", required = bool }.
void readLongParam(TableReader& p, HttpParam& param) {
  if (const toml::table* schema = p.table("schema")) {
    param.schema = toJson(*schema);
  }
  std::string in;
  if (p.readString("in", in)) {
    if (auto parsed = parseIn(in)) {
      param.in = *parsed;
    } else {
      p.error(*p.node().get("in"), "in", "must be \"path\", \"query\" or \"body\"");
    }
  }
  p.readBool("required", param.required);
  p.finish();
}

void readParams(TableReader& r, std::vector<HttpParam>& out) {
  const toml::table* params = r.table("params");
  if (params == nullptr) {
    return;
  }
  // toml++ keeps a table's keys sorted; the schema lists them in file order.
  std::vector<std::pair<toml::source_position, HttpParam>> read;
  for (auto&& [name, node] : *params) {
    const std::string key = r.keyPath("params") + "." + std::string(name.str());
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      r.diagnostics().at(node.source(), key, "expected a table (a JSON Schema)");
      continue;
    }
    HttpParam param{.name = std::string(name.str()), .schema = {}};
    if (t->contains("schema")) {
      TableReader p(*t, key, r.diagnostics());
      readLongParam(p, param);
    } else {
      param.schema = toJson(*t);
    }
    read.emplace_back(node.source().begin, std::move(param));
  }
  std::stable_sort(read.begin(), read.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line
                                        : a.first.column < b.first.column;
  });
  for (auto& [where, param] : read) {
    out.push_back(std::move(param));
  }
}

// The tool's own rules (template, allow-list, placements), reported at the key they name.
void reportCheck(TableReader& r, const tools::HttpToolOptions& options) {
  auto checked = tools::checkHttpTool(options);
  if (checked) {
    return;
  }
  const std::string& message = checked.error().message;
  const std::size_t colon = message.find(": ");
  const std::string key = colon == std::string::npos ? "url" : message.substr(0, colon);
  const std::string text = colon == std::string::npos ? message : message.substr(colon + 2);
  const toml::node* node = r.node().at_path(key).node();
  r.error(node != nullptr ? *node : r.node(), key, text);
}

}  // namespace

void readHttpTool(TableReader& r, tools::HttpToolOptions& out) {
  if (r.readString("method", out.method)) {
    for (char& c : out.method) {
      c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
  }
  if (!r.readString("url", out.url)) {
    r.diagnostics().at(r.node().source(), r.keyPath("url"), "required");
  }
  r.readStrings("allow_hosts", out.allow_hosts);
  r.readBool("allow_private", out.allow_private);
  r.readReadableFile("ca_file", out.ca_file);
  r.readDuration("timeout", out.timeout);
  r.readSize("max_bytes", out.max_bytes);
  r.readInteger("follow_redirects", out.follow_redirects, 0, 10);
  r.readBool("binary", out.binary);
  r.readBool("read_only", out.read_only);
  readSecretTable(r, "headers", out.headers);
  readSecretTable(r, "secret_query", out.secret_query);
  readParams(r, out.params);
  if (!out.url.empty()) {
    reportCheck(r, out);
  }
}

}  // namespace bastion::config::detail
