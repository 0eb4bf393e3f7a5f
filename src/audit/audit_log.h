#pragma once
// The tamper-evident audit log: one JSON object per line, each carrying the SHA-256 of the
// previous line (a hash chain), with periodic Ed25519-signed checkpoints. Events: every tool
// call (allowed or denied), authentication decisions, token issue and revocation, config load.
// Never secrets or full content: tool arguments appear as a digest of their canonical JSON plus
// only the fields a tool marks as identifiers.
//
// The writer runs off the request path (a thread with group commit). With fsync "always",
// record() returns only once the event is on disk, so every answered call is in the log.

#include <boost/json/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace bastion::audit {

enum class Fsync { Always, Batch, Never };

struct AuditOptions {
  std::string path;  // JSON lines, appended; created 0600
  Fsync fsync = Fsync::Batch;
  std::chrono::milliseconds batch_interval{50};  // Batch: fsync at least this often
  std::size_t checkpoint_every = 1000;           // records between signed checkpoints
  std::string key_path;  // Ed25519 private key (PEM); created 0600 if missing; empty: no
                         // checkpoints
};

// One audit event: a flat JSON object with "type" (tool_call, auth, token_issue, token_revoke,
// config_load) and its fields. The log adds seq, time, prev and hash.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void record(boost::json::object event) = 0;
};

// Opens (or continues) the log at options.path. Continuing re-reads the last line for the chain.
[[nodiscard]] Result<std::shared_ptr<AuditSink>> openAuditLog(const AuditOptions& options,
                                                              const Clock& clock);

// A tool call as the pipeline reports it.
struct ToolCallEvent {
  std::string_view request_id;
  std::string_view sub;
  std::string_view client_id;
  std::string_view tool;
  const boost::json::object* arguments = nullptr;   // digested; null: none
  const std::vector<std::string>* identifiers = nullptr;  // recorded verbatim when present
  std::string_view outcome;  // ok, tool_error, invalid_arguments, refused_scope,
                             // refused_rate, failed, cancelled, input_required, unknown_tool
  std::chrono::nanoseconds latency{0};
};
boost::json::object toolCallRecord(const ToolCallEvent& event);

}  // namespace bastion::audit
