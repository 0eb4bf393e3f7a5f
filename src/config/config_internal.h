#pragma once
// Internal to the config layer (included only by its .cc files, never by config.h): the TOML
// reading helpers every section uses, and the sections that live in their own files.

#include <toml++/toml.h>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/units.h"

namespace bastion::config::detail {

inline std::string_view typeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// Collects diagnostics for one source; positions come from toml++ source regions.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void at(const toml::source_region& where, std::string key, std::string message) {
    items_.push_back(Diagnostic{file_, where.begin.line, where.begin.column, std::move(key),
                                std::move(message)});
  }
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  // A `${env:NAME}` found where secrets are allowed; checked when the server starts.
  void envReference(std::string name, const toml::source_region& where) {
    env_references_.emplace_back(std::move(name),
                                 SourcePosition{where.begin.line, where.begin.column});
  }
  std::vector<std::pair<std::string, SourcePosition>> takeEnvReferences() {
    return std::move(env_references_);
  }
  const std::string& file() const { return file_; }
  bool empty() const { return items_.empty(); }
  ConfigErrors take() { return ConfigErrors{std::move(items_)}; }

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
  std::vector<std::pair<std::string, SourcePosition>> env_references_;
};

// Reads one TOML table: typed getters mark keys as known; finish() reports every other key.
// A missing key leaves the target unchanged (its default); a key of the wrong type is an error.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics& diags)
      : table_(table), path_(std::move(path)), diags_(diags) {}

  std::string keyPath(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The node under `key` if it has the expected type; reports and returns null otherwise.
  const toml::node* get(std::string_view key, toml::node_type type, std::string_view expected) {
    known_.insert(std::string(key));
    const toml::node* node = table_.get(key);
    if (node == nullptr) {
      return nullptr;
    }
    if (node->type() != type) {
      error(*node, key,
            "expected " + std::string(expected) + ", got " + std::string(typeName(node->type())));
      return nullptr;
    }
    return node;
  }

  const toml::value<std::string>* string(std::string_view key) {
    const toml::node* n = get(key, toml::node_type::string, "a string");
    if (n == nullptr || isEnvReference(*n, key)) {
      return nullptr;
    }
    return n->as_string();
  }
  // `${env:NAME}` is expanded only in keys that take secrets (readSecretString: http tool
  // headers and query secrets, database URLs). Anywhere else it is refused rather than kept
  // verbatim: a literal "${env:KEY}" used as a path or name would silently do the wrong thing,
  // and a secret there could reach output (fail closed).
  bool isEnvReference(const toml::node& n, std::string_view key) {
    if (n.as_string()->get().find("${env:") == std::string::npos) {
      return false;
    }
    error(n, key, "${env:NAME} is allowed only in keys that take secrets (tool headers, database urls)");
    return true;
  }
  // A string that may hold `${env:NAME}` secret references (kept verbatim; expanded at start
  // through guard::Secrets). Only keys documented as taking secrets use this.
  bool readSecretString(std::string_view key, std::string& out) {
    const toml::node* n = get(key, toml::node_type::string, "a string");
    if (n == nullptr) {
      return false;
    }
    out = n->as_string()->get();
    noteEnvReferences(*n, key, out);
    return true;
  }
  // Records each ${env:NAME} of `text` (found at `node`); a malformed reference is an error.
  void noteEnvReferences(const toml::node& node, std::string_view key, std::string_view text);
  const std::string& path() const { return path_; }
  Diagnostics& diagnostics() { return diags_; }
  const toml::table& node() const { return table_; }
  bool readString(std::string_view key, std::string& out) {
    if (const auto* s = string(key)) {
      out = s->get();
      return true;
    }
    return false;
  }
  void readBool(std::string_view key, bool& out) {
    if (const toml::node* n = get(key, toml::node_type::boolean, "a boolean")) {
      out = n->as_boolean()->get();
    }
  }
  // An integer in [min, max].
  template <class T>
  void readInteger(std::string_view key, T& out, std::int64_t min, std::int64_t max) {
    const toml::node* n = get(key, toml::node_type::integer, "an integer");
    if (n == nullptr) {
      return;
    }
    std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      error(*n, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return;
    }
    out = static_cast<T>(v);
  }
  void readStrings(std::string_view key, std::vector<std::string>& out) {
    const toml::node* n = get(key, toml::node_type::array, "an array of strings");
    if (n == nullptr) {
      return;
    }
    std::vector<std::string> values;
    const toml::array& array = *n->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const toml::node& item = array[i];
      if (!item.is_string()) {
        error(item, std::string(key) + "[" + std::to_string(i) + "]",
              "expected a string, got " + std::string(typeName(item.type())));
        return;
      }
      if (isEnvReference(item, std::string(key) + "[" + std::to_string(i) + "]")) {
        return;
      }
      values.push_back(item.as_string()->get());
    }
    out = std::move(values);
  }
  // A path to a file this process can read now (e.g. trust anchors): checked at load, so a
  // typo is an error at its key instead of a failure at the first use.
  void readReadableFile(std::string_view key, std::string& out) {
    if (const auto* s = string(key)) {
      if (std::FILE* f = std::fopen(s->get().c_str(), "rb"); f != nullptr) {
        std::fclose(f);
        out = s->get();
      } else {
        error(*s, key, "cannot read file \"" + s->get() + "\"");
      }
    }
  }
  void readSize(std::string_view key, std::size_t& out) {
    if (const auto* s = string(key)) {
      auto bytes = parseSize(s->get());
      if (!bytes) {
        error(*s, key, bytes.error().message);
      } else if (*bytes == 0 || *bytes > std::numeric_limits<std::size_t>::max()) {
        error(*s, key, "must be at least 1B");
      } else {
        out = static_cast<std::size_t>(*bytes);
      }
    }
  }
  void readDuration(std::string_view key, std::chrono::milliseconds& out) {
    if (const auto* s = string(key)) {
      auto d = parseDuration(s->get());
      if (!d) {
        error(*s, key, d.error().message);
      } else if (d->count() == 0) {
        error(*s, key, "must be longer than 0s");
      } else {
        out = *d;
      }
    }
  }
  // A sub-table; absent -> null (the caller keeps defaults).
  const toml::table* table(std::string_view key) {
    const toml::node* n = get(key, toml::node_type::table, "a table");
    return n ? n->as_table() : nullptr;
  }

  void error(const toml::node& node, std::string_view key, std::string message) {
    diags_.at(node.source(), keyPath(key), std::move(message));
  }

  // Fail closed: a key we do not know is a typo or a feature this version lacks; either way
  // running with it silently ignored would be wrong.
  void finish() {
    for (auto&& [key, node] : table_) {
      if (!known_.contains(std::string(key.str()))) {
        diags_.at(key.source(), keyPath(key.str()), "unknown key");
      }
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  Diagnostics& diags_;
  std::set<std::string, std::less<>> known_;
};

// Where cross-key rules point when they fail (absent: the key was not in the file).
struct AuthPositions {
  std::optional<toml::source_region> mode;
  std::optional<toml::source_region> public_url;
  std::optional<toml::source_region> listen;
  std::optional<toml::source_region> jwt;            // the [auth.jwt] table
  std::optional<toml::source_region> introspection;  // [auth.introspection]
  std::optional<toml::source_region> embedded;       // [auth.embedded]
  std::optional<toml::source_region> stdio;          // [auth.stdio]
  std::optional<toml::source_region> client_secret_env;
};

// [auth] and its sub-tables, and [store] (auth_config.cc).
void readAuth(const toml::table& table, Diagnostics& diags, AuthConfig& out,
              AuthPositions& where);
void readStore(const toml::table& table, Diagnostics& diags, StoreConfig& out);
// Rules across [server] and [auth], after command-line overrides: public_url canonical (or
// derived), `none` only on loopback, what each mode and stdio need.
void validateAuth(Config& config, Diagnostics& diags, const AuthPositions& where,
                  std::string_view source);

// A TOML value as JSON (tables -> objects, arrays -> arrays; dates and times as their TOML
// text). Used for inline JSON Schemas such as `params.email = { type = "string" }`.
boost::json::value toJson(const toml::node& node);

// [[tools]] (tools_config.cc): the common keys of every entry, then its kind's keys.
void readTools(const toml::node& tools, Diagnostics& diags, Config& out);
// [ratelimit], [audit], [guard] (guards_config.cc).
void readRateLimit(const toml::table& table, Diagnostics& diags, RateLimitConfig& out);
void readAudit(const toml::table& table, Diagnostics& diags, AuditConfig& out);
void readGuard(const toml::table& table, Diagnostics& diags, GuardConfig& out);

// Each kind's own keys, read from the entry's reader `r` (common keys already read; r.finish()
// is called by readTools afterwards, so every key must be read here to be known).
// tools_files_config.cc
void readFilesTool(TableReader& r, std::string_view kind, tools::FilesToolOptions& out);
// tools_sql_config.cc; [databases.NAME] is read before any tool.
void readDatabases(const toml::table& table, Diagnostics& diags,
                   std::map<std::string, tools::DatabaseOptions, std::less<>>& out);
void readSqlTool(TableReader& r, std::string_view kind,
                 const std::map<std::string, tools::DatabaseOptions, std::less<>>& databases,
                 tools::SqlToolOptions& out);
// tools_http_config.cc
void readHttpTool(TableReader& r, tools::HttpToolOptions& out);
// tools_exec_config.cc
void readExecTool(TableReader& r, tools::ExecToolOptions& out);

}  // namespace bastion::config::detail
