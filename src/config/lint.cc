#include "config/lint.h"

#include <algorithm>
#include <array>
#include <boost/json/value.hpp>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <variant>

namespace bastion::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool hasEnvReference(std::string_view s) { return s.find("${env:") != std::string_view::npos; }

class Linter {
 public:
  explicit Linter(const Config& c) : c_(c) {}

  std::vector<Finding> run() {
    for (std::size_t i = 0; i < c_.tools.size(); ++i) {
      tool(i, c_.tools[i]);
    }
    for (const auto& [name, db] : c_.databases) {
      if (passwordInline(db.url)) {
        add(Severity::Error, "inline-secret", {}, "databases." + name + ".url",
            "the URL holds a password; write it as ${env:NAME}");
      }
    }
    if (c_.audit.path.empty()) {
      add(Severity::Warning, "audit-off", {}, "audit.path",
          "no audit log: tool calls and authorization decisions are not recorded");
    }
    std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& a, const Finding& b) {
      return a.line != 0 && (b.line == 0 || a.line < b.line);
    });
    return std::move(findings_);
  }

 private:
  void add(Severity severity, std::string rule, SourcePosition at, std::string key,
           std::string message) {
    findings_.push_back(Finding{severity, std::move(rule), c_.source, at.line, at.column,
                                std::move(key), std::move(message)});
  }

  // Position of `key` inside tools[i], falling back to the nearest enclosing key, then the
  // [[tools]] header.
  SourcePosition where(const ToolConfig& t, std::string key) const {
    while (!key.empty()) {
      if (auto it = t.key_positions.find(key); it != t.key_positions.end()) {
        return it->second;
      }
      // "command[2]" -> "command"; "params.a.b" -> "params.a".
      const auto cut = key.back() == ']' ? key.rfind('[') : key.rfind('.');
      key = cut == std::string::npos ? std::string() : key.substr(0, cut);
    }
    return t.position;
  }

  void toolFinding(const ToolConfig& t, std::size_t i, Severity severity, std::string rule,
                   const std::string& key, std::string message) {
    const std::string prefix = "tools[" + std::to_string(i) + "]";
    add(severity, std::move(rule), where(t, key), key.empty() ? prefix : prefix + "." + key,
        std::move(message));
  }

  void tool(std::size_t i, const ToolConfig& t) {
    bool writes = false;
    bool external = false;
    if (const auto* f = std::get_if<tools::FilesToolOptions>(&t.options)) {
      writes = f->operation == tools::FilesToolOptions::Operation::Write;
      filesRoot(i, t, f->root);
    } else if (const auto* s = std::get_if<tools::SqlToolOptions>(&t.options)) {
      writes = s->operation == tools::SqlToolOptions::Operation::Exec;
      for (const auto& p : s->params) {
        param(i, t, p.name, p.schema);
      }
    } else if (const auto* h = std::get_if<tools::HttpToolOptions>(&t.options)) {
      external = true;
      writes = h->method != "GET" && h->method != "HEAD";
      for (const auto& p : h->params) {
        param(i, t, p.name, p.schema);
      }
      http(i, t, *h);
    }
    const auto* exec = std::get_if<tools::ExecToolOptions>(&t.options);
    if (exec != nullptr) {
      for (const auto& p : exec->params) {
        param(i, t, p.name, p.schema);
      }
      execCode(i, t, *exec);
      execInputs(i, t, *exec);
    }
    if (writes && t.identity.scopes.empty()) {
      toolFinding(t, i, Severity::Error, "write-without-scopes", "scopes",
                  "tool " + t.identity.name + " changes data but requires no scope");
    }
    // A program run for the model spends CPU and memory on every call, whatever it changes.
    if (exec != nullptr && t.identity.scopes.empty()) {
      toolFinding(t, i, Severity::Warning, "exec-without-scopes", "scopes",
                  "tool " + t.identity.name + " runs a program but requires no scope");
    }
    if ((writes || external || exec != nullptr) && !t.rate && !t.tool_rate &&
        !c_.ratelimit.per_client) {
      toolFinding(t, i, Severity::Warning, "missing-rate", "rate",
                  std::string("tool ") + t.identity.name +
                      (exec != nullptr ? " runs a program"
                       : external      ? " calls an external API"
                                       : " changes data") +
                      " with no rate limit (rate = \"N/minute\")");
    }
  }

  // A `{name}` placeholder in a template ("{{" is a literal brace).
  static bool hasPlaceholder(std::string_view s) {
    for (std::size_t at = 0; at < s.size(); ++at) {
      if (s[at] == '{') {
        if (at + 1 < s.size() && s[at + 1] == '{') {
          ++at;
          continue;
        }
        return true;
      }
    }
    return false;
  }

  // Shells and interpreters that run code given on their command line or stdin; a version
  // suffix is ignored (python3.11, lua5.4).
  static bool isInterpreter(std::string_view program) {
    std::string_view name = program.substr(program.rfind('/') + 1);
    while (!name.empty() && ((name.back() >= '0' && name.back() <= '9') || name.back() == '.')) {
      name.remove_suffix(1);
    }
    static constexpr std::array<std::string_view, 30> kInterpreters{
        "sh",      "bash",   "dash",  "zsh",  "ksh",     "mksh", "ash",    "fish", "csh",  "tcsh",
        "busybox", "python", "pypy",  "perl", "ruby",    "node", "nodejs", "deno", "bun",  "php",
        "lua",     "luajit", "tclsh", "wish", "Rscript", "awk",  "gawk",   "mawk", "nawk", "pwsh"};
    return std::find(kInterpreters.begin(), kInterpreters.end(), name) != kInterpreters.end();
  }

  // exec-code-from-input: an interpreter whose program text (or script) comes from the model:
  // a placeholder after a code flag (-c, -e, --eval, ...), in the first operand (the script,
  // or awk's program), or in stdin when no operand names a script (the program is read from
  // stdin). Such a tool is as safe as the sandbox and no safer.
  void execCode(std::size_t i, const ToolConfig& t, const tools::ExecToolOptions& e) {
    if (e.command.empty() || !isInterpreter(e.command[0])) {
      return;
    }
    static constexpr std::array<std::string_view, 8> kCodeFlags{"-c", "-e",        "-E", "--eval",
                                                                "-r", "--command", "-p", "--print"};
    auto codeFlag = [](std::string_view arg) {
      return std::any_of(kCodeFlags.begin(), kCodeFlags.end(), [&](std::string_view f) {
        return arg == f || (arg.starts_with(f) && arg.size() > f.size() &&
                            (f.starts_with("--") ? arg[f.size()] == '=' : true));
      });
    };
    std::optional<std::size_t> from_input;
    bool operand_seen = false;
    bool options_end = false;
    for (std::size_t n = 1; n < e.command.size() && !from_input; ++n) {
      const std::string& arg = e.command[n];
      const bool placeholder = hasPlaceholder(arg);
      if (!options_end && arg == "--") {
        options_end = true;
      } else if (!options_end && codeFlag(arg) && !placeholder && n + 1 < e.command.size()) {
        if (hasPlaceholder(e.command[n + 1])) {
          from_input = n + 1;
        }
        operand_seen = true;  // the code is given here, not read from stdin
        ++n;
      } else if (!options_end && arg.starts_with('-')) {
        if (placeholder && codeFlag(arg)) {
          from_input = n;  // "--eval={code}"
        }
      } else if (!operand_seen) {
        operand_seen = true;
        if (placeholder) {
          from_input = n;
        }
      }
    }
    std::string key;
    if (from_input) {
      key = "command[" + std::to_string(*from_input) + "]";
    } else if (!operand_seen && e.stdin_template && hasPlaceholder(*e.stdin_template)) {
      key = "stdin";
    } else {
      return;
    }
    const std::string_view program = std::string_view(e.command[0]);
    toolFinding(t, i, Severity::Warning, "exec-code-from-input", key,
                "tool " + t.identity.name + " runs " +
                    std::string(program.substr(program.rfind('/') + 1)) +
                    " on code from the model: only the sandbox limits what it does; prefer a "
                    "fixed script with typed parameters");
  }

  void param(std::size_t i, const ToolConfig& t, const std::string& name,
             const boost::json::value& schema) {
    static constexpr std::array<std::string_view, 8> kSqlNames{
        "sql", "query_sql", "raw_sql", "statement", "where", "order_by", "clause", "filter_sql"};
    if (std::find(kSqlNames.begin(), kSqlNames.end(), lower(name)) != kSqlNames.end()) {
      toolFinding(t, i, Severity::Error, "sql-from-input", "params." + name,
                  "parameter " + name +
                      " looks like SQL text from the model; declare a named statement with "
                      "typed parameters instead");
    }
    walkSchema(i, t, "params." + name, schema);
  }

  // Every subschema of `schema`: open objects and unbounded strings.
  void walkSchema(std::size_t i, const ToolConfig& t, const std::string& key,
                  const boost::json::value& schema) {
    if (!schema.is_object()) {
      return;
    }
    const auto& o = schema.get_object();
    auto hasType = [&](std::string_view type) {
      const auto* ty = o.if_contains("type");
      if (ty == nullptr) {
        return false;
      }
      if (ty->is_string()) {
        return ty->get_string() == type;
      }
      if (ty->is_array()) {
        const auto& a = ty->get_array();
        return std::any_of(a.begin(), a.end(),
                           [&](const auto& v) { return v.is_string() && v.get_string() == type; });
      }
      return false;
    };
    auto isFalse = [&](std::string_view k) {
      const auto* v = o.if_contains(k);
      return v != nullptr && v->is_bool() && !v->get_bool();
    };
    if ((hasType("object") || o.contains("properties")) && !isFalse("additionalProperties") &&
        !isFalse("unevaluatedProperties")) {
      toolFinding(t, i, Severity::Error, "open-object", key,
                  "object schema without additionalProperties: false (unknown keys would pass)");
    }
    if (hasType("string") && !o.contains("maxLength") && !o.contains("enum") &&
        !o.contains("const")) {
      toolFinding(t, i, Severity::Warning, "unbounded-string", key, "string without maxLength");
    }
    for (std::string_view k : {"items", "additionalProperties", "not", "if", "then", "else",
                               "contains", "unevaluatedItems", "propertyNames"}) {
      if (const auto* sub = o.if_contains(k)) {
        walkSchema(i, t, key + "." + std::string(k), *sub);
      }
    }
    for (std::string_view k : {"properties", "patternProperties", "$defs", "dependentSchemas"}) {
      if (const auto* sub = o.if_contains(k); sub != nullptr && sub->is_object()) {
        for (const auto& kv : sub->get_object()) {
          walkSchema(i, t, key + "." + std::string(k) + "." + std::string(kv.key()), kv.value());
        }
      }
    }
    for (std::string_view k : {"allOf", "anyOf", "oneOf", "prefixItems"}) {
      if (const auto* sub = o.if_contains(k); sub != nullptr && sub->is_array()) {
        for (std::size_t n = 0; n < sub->get_array().size(); ++n) {
          walkSchema(i, t, key + "." + std::string(k) + "[" + std::to_string(n) + "]",
                     sub->get_array()[n]);
        }
      }
    }
  }

  // Why a directory is too broad to expose ("" when it is not): the whole filesystem, a home
  // directory, or a system directory.
  static std::string broadReason(std::string root) {
    while (root.size() > 1 && root.back() == '/') {
      root.pop_back();
    }
    static constexpr std::array<std::string_view, 13> kSystem{
        "/etc", "/usr",  "/bin", "/sbin", "/lib", "/lib64", "/boot",
        "/dev", "/proc", "/sys", "/var",  "/run", "/srv"};
    const char* home = std::getenv("HOME");
    if (root == "/") {
      return "the whole filesystem";
    }
    if (root == "/root" || root == "/home" ||
        (root.starts_with("/home/") && root.find('/', 6) == std::string::npos) ||
        (home != nullptr && *home != '\0' && root == home)) {
      return "a home directory (keys, tokens and shell history live there)";
    }
    if (std::find(kSystem.begin(), kSystem.end(), root) != kSystem.end()) {
      return "a system directory";
    }
    return {};
  }

  void filesRoot(std::size_t i, const ToolConfig& t, std::string root) {
    while (root.size() > 1 && root.back() == '/') {
      root.pop_back();
    }
    if (const std::string why = broadReason(root); !why.empty()) {
      toolFinding(
          t, i, Severity::Error, "broad-files-root", "root",
          "files root " + root + " is " + why + "; confine the tool to a project directory");
    }
  }

  // An exec input exposes a directory to every program the model drives. The directories the
  // sandbox binds anyway (/usr, /bin, /sbin, /lib, /lib64) are not findings.
  void execInputs(std::size_t i, const ToolConfig& t, const tools::ExecToolOptions& e) {
    static constexpr std::array<std::string_view, 5> kBoundAnyway{"/usr", "/bin", "/sbin", "/lib",
                                                                  "/lib64"};
    for (std::size_t n = 0; n < e.inputs.size(); ++n) {
      const std::string& input = e.inputs[n];
      const std::string why = broadReason(input);
      if (why.empty() ||
          std::find(kBoundAnyway.begin(), kBoundAnyway.end(), input) != kBoundAnyway.end()) {
        continue;
      }
      toolFinding(t, i, Severity::Error, "broad-exec-input", "inputs[" + std::to_string(n) + "]",
                  "exec input " + input + " is " + why + "; bind only the files the program needs");
    }
  }

  static bool sensitiveName(std::string_view name) {
    const std::string n = lower(name);
    for (std::string_view word :
         {"auth", "key", "token", "secret", "password", "cookie", "credential", "session"}) {
      if (n.find(word) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  // scheme://user:password@host with a literal password.
  static bool passwordInline(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) {
      return false;
    }
    const auto rest = url.substr(scheme + 3);
    const auto at = rest.find('@');
    const auto slash = rest.find('/');
    if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
      return false;
    }
    const auto userinfo = rest.substr(0, at);
    const auto colon = userinfo.find(':');
    return colon != std::string_view::npos && colon + 1 < userinfo.size() &&
           !hasEnvReference(userinfo.substr(colon + 1));
  }

  void http(std::size_t i, const ToolConfig& t, const tools::HttpToolOptions& h) {
    for (const auto& [name, value] : h.headers) {
      const std::string v = lower(value);
      if (!hasEnvReference(value) &&
          (sensitiveName(name) || v.starts_with("bearer ") || v.starts_with("basic "))) {
        toolFinding(t, i, Severity::Error, "inline-secret", "headers." + name,
                    "header " + name + " holds a literal credential; write it as ${env:NAME}");
      }
    }
    for (const auto& [name, value] : h.secret_query) {
      if (!hasEnvReference(value)) {
        toolFinding(t, i, Severity::Error, "inline-secret", "secret_query." + name,
                    "secret_query " + name + " is written inline; write it as ${env:NAME}");
      }
    }
    if (h.allow_private) {
      toolFinding(t, i, Severity::Warning, "http-private-target", "allow_private",
                  "tool " + t.identity.name +
                      " may reach loopback and private addresses; keep this for internal APIs");
    }
    if (passwordInline(h.url)) {
      toolFinding(t, i, Severity::Error, "inline-secret", "url",
                  "the URL holds a password; put the credential in a header as ${env:NAME}");
    }
    for (const auto& host : h.allow_hosts) {
      if (host == "*" || host.empty()) {
        toolFinding(t, i, Severity::Error, "http-open-allowlist", "allow_hosts",
                    "allow_hosts admits any host; list the API's host");
      }
    }
  }

  const Config& c_;
  std::vector<Finding> findings_;
};

}  // namespace

std::string Finding::toString() const {
  std::string out = file;
  if (line != 0) {
    out += ":" + std::to_string(line) + ":" + std::to_string(column);
  }
  out += severity == Severity::Error ? ": error: " : ": warning: ";
  if (!key.empty()) {
    out += key + ": ";
  }
  out += message + " [" + rule + "]";
  return out;
}

std::vector<Finding> lint(const Config& config) { return Linter(config).run(); }

}  // namespace bastion::config
