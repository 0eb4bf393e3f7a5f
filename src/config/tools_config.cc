// [[tools]]: the keys every tool has (name, kind, title, description, scopes, rate, tool_rate,
// burst, identifiers), then the kind's own keys through its reader. Also the TOML -> JSON
// conversion inline schemas use, and the ${env:NAME} bookkeeping of secret-bearing keys.

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <set>
#include <sstream>

#include "config/config_internal.h"
#include "guard/secrets.h"

namespace bastion::config::detail {
namespace {

constexpr std::array<std::string_view, 9> kKinds{"files.read",  "files.list", "files.search",
                                                 "files.write", "sql.query",  "sql.list",
                                                 "sql.exec",    "http",       "exec"};

// MCP tool names: 1-128 of [A-Za-z0-9_.-].
bool validToolName(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// Every key under `table`, dotted, with its position (for `bastion check` findings).
void collectPositions(const toml::table& table, const std::string& prefix,
                      std::map<std::string, SourcePosition, std::less<>>& out) {
  for (auto&& [key, node] : table) {
    std::string path =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    out.emplace(path, SourcePosition{key.source().begin.line, key.source().begin.column});
    if (const toml::table* sub = node.as_table()) {
      collectPositions(*sub, path, out);
    }
  }
}

// A rate; without an explicit `burst`, a whole period's worth of calls may come at once
// ("10/minute": 10 calls back to back, then one every 6 s), which is what people mean by it.
std::optional<policy::Rate> readRate(TableReader& r, std::string_view key,
                                     std::optional<std::uint64_t> burst) {
  std::string text;
  if (!r.readString(key, text)) {
    return std::nullopt;
  }
  auto rate = policy::parseRate(text, 0);
  if (!rate) {
    r.error(*r.node().get(key), key, rate.error().message);
    return std::nullopt;
  }
  policy::Rate out = rate.value();
  out.burst = burst.value_or(out.count - 1);
  return out;
}

void readTool(const toml::table& table, std::size_t index, Diagnostics& diags, Config& config,
              std::set<std::string, std::less<>>& names) {
  TableReader r(table, "tools[" + std::to_string(index) + "]", diags);
  ToolConfig tool;
  tool.position = {table.source().begin.line, table.source().begin.column};
  collectPositions(table, "", tool.key_positions);
  tools::ToolIdentity& id = tool.identity;
  if (!r.readString("name", id.name)) {
    diags.at(table.source(), r.keyPath("name"), "required");
  } else if (!validToolName(id.name)) {
    r.error(*table.get("name"), "name", "must be 1-128 characters of A-Z a-z 0-9 _ . -");
  } else if (!names.insert(id.name).second) {
    r.error(*table.get("name"), "name", "another tool has this name");
  }
  r.readString("title", id.title);
  r.readString("description", id.description);
  r.readStrings("scopes", id.scopes);
  r.readStrings("identifiers", id.audit_fields);
  std::optional<std::uint64_t> burst;
  if (r.node().contains("burst")) {
    r.readInteger("burst", burst.emplace(0), 0, 1'000'000);
  }
  tool.rate = readRate(r, "rate", burst);
  tool.tool_rate = readRate(r, "tool_rate", burst);
  if (!r.readString("kind", tool.kind)) {
    diags.at(table.source(), r.keyPath("kind"), "required");
    r.finish();
    return;
  }
  if (std::find(kKinds.begin(), kKinds.end(), tool.kind) == kKinds.end()) {
    std::string known;
    for (auto k : kKinds) {
      known += known.empty() ? "" : ", ";
      known += k;
    }
    r.error(*table.get("kind"), "kind", "unknown tool kind (known: " + known + ")");
    r.finish();
    return;
  }
  const std::string_view kind = tool.kind;
  if (kind.starts_with("files.")) {
    readFilesTool(r, kind, tool.options.emplace<tools::FilesToolOptions>());
  } else if (kind.starts_with("sql.")) {
    readSqlTool(r, kind, config.databases, tool.options.emplace<tools::SqlToolOptions>());
  } else if (kind == "exec") {
    readExecTool(r, tool.options.emplace<tools::ExecToolOptions>());
  } else {
    readHttpTool(r, tool.options.emplace<tools::HttpToolOptions>());
  }
  r.finish();
  config.tools.push_back(std::move(tool));
}

}  // namespace

void TableReader::noteEnvReferences(const toml::node& node, std::string_view key,
                                    std::string_view text) {
  auto names = guard::envReferences(text);
  if (!names) {
    error(node, key, names.error().message);
    return;
  }
  for (auto& name : *names) {
    diags_.envReference(std::move(name), node.source());
  }
}

boost::json::value toJson(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: {
      boost::json::object out;
      for (auto&& [key, value] : *node.as_table()) {
        out.emplace(key.str(), toJson(value));
      }
      return out;
    }
    case toml::node_type::array: {
      boost::json::array out;
      for (const toml::node& item : *node.as_array()) {
        out.push_back(toJson(item));
      }
      return out;
    }
    case toml::node_type::string:
      return boost::json::value(node.as_string()->get());
    case toml::node_type::integer:
      return boost::json::value(node.as_integer()->get());
    case toml::node_type::floating_point:
      return boost::json::value(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return boost::json::value(node.as_boolean()->get());
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: {
      std::ostringstream text;
      node.visit([&text](auto&& v) { text << v; });
      return boost::json::value(text.str());
    }
    case toml::node_type::none:
      break;
  }
  return nullptr;
}

void readTools(const toml::node& tools, Diagnostics& diags, Config& out) {
  const toml::array* array = tools.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    diags.at(tools.source(), "tools", "expected an array of tables ([[tools]])");
    return;
  }
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    readTool(*(*array)[i].as_table(), i, diags, out, names);
  }
}

}  // namespace bastion::config::detail
