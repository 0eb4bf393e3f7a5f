#pragma once
// The security lint of `bastion check`: what a reviewer would flag in tool definitions and
// configuration that load fine but are weaker than they should be. Each finding has a
// severity, a rule id, and the exact config position; none ever quotes a secret value.
//
// Rules (id: severity):
//   open-object: error         an object schema without additionalProperties: false
//   unbounded-string: warning  a string schema without maxLength (or enum/const)
//   sql-from-input: error      a parameter that carries SQL text from the model
//   write-without-scopes: error   a tool that writes (files.write, sql.exec, http other than
//                              GET/HEAD) without required scopes
//   broad-files-root: error    a files root at "/", a home directory, or a system directory
//   http-open-allowlist: error an http tool allowing any host ("*")
//   http-private-target: warning  an http tool allowed to reach private/loopback addresses
//   inline-secret: error       a credential written into the file instead of ${env:NAME}
//                              (headers, secret_query, URLs with a password)
//   broad-exec-input: error    an exec input at "/", a home directory, or a system directory
//                              other than those the sandbox binds anyway (/usr, /bin, /lib*)
//   exec-without-scopes: warning  an exec tool without required scopes
//   exec-code-from-input: warning an exec tool running a shell or interpreter on code from the
//                              model (/bin/sh -c {x}, python3 - with stdin = "{x}"): only the
//                              sandbox contains it
//   missing-rate: warning      a tool calling an external API (http), writing or running a
//                              program (exec), with no rate
//   audit-off: warning         no audit log ([audit] path empty)

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace bastion::config {

enum class Severity { Error, Warning };

struct Finding {
  Severity severity = Severity::Error;
  std::string rule;  // stable id, e.g. "open-object"
  std::string file;
  std::uint32_t line = 0;  // 0: no position (the key is absent from the file)
  std::uint32_t column = 0;
  std::string key;  // dotted path, e.g. "tools[2].params.email"
  std::string message;

  // "file:line:column: error: key: message [rule]"
  std::string toString() const;
};

// Every finding for `config`, in file order.
std::vector<Finding> lint(const Config& config);

}  // namespace bastion::config
