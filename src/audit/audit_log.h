#pragma once
// The tamper-evident audit log: one JSON object per line, each carrying the SHA-256 of the
// previous line (a hash chain), with periodic Ed25519-signed checkpoints. Events: every tool
// call (allowed or denied), authentication decisions, token issue and revocation, config load.
// Never secrets or full content: tool arguments appear as a digest of their canonical JSON plus
// only the fields a tool marks as identifiers.
//
// The writer runs off the request path (a thread with group commit). With fsync "always",
// record() returns only once the event is on disk, so every answered call is in the log.
//
// ## File format (version 1)
// Every line is one record followed by "\n". A record is the event's fields (a flat object with
// a string "type") plus:
//   "seq"   1, 2, 3, ... in file order, across restarts (a continued file goes on counting);
//   "time"  RFC 3339 UTC with milliseconds from the injected Clock, taken when record() was
//           called ("2027-01-15T08:00:00.123Z");
//   "prev"  the "hash" of the previous record; 64 zeros for the first record of a file;
//   "hash"  lower-case hex SHA-256 of canonical(record without "hash"). The record includes
//           "prev", so each hash commits to the whole chain before it.
// canonical(v): object members sorted by key bytes (recursively), no whitespace, strings with
// '"' and '\' backslash-escaped, \n \t \r as such, other control characters and DEL as \u00xx
// (lower-case hex), all else verbatim UTF-8; integers in decimal; true, false, null. Each line is
// exactly canonical(record) (with "hash" in its sorted place), so any byte edited, whitespace
// included, is detected. The writer makes events representable first: invalid UTF-8 becomes
// U+FFFD, floating-point numbers become strings, nesting past 16 levels becomes canonical text.
// Event fields named seq, time, prev or hash are kept as event_seq, ... ; an event type of
// "checkpoint" or "resume" becomes "event_checkpoint"/"event_resume"; a missing type is "event".
//
// Checkpoints, after every `checkpoint_every` other records and at clean close (when keyed):
//   {"type":"checkpoint","covers":S,"key_id":K,"sig":G, seq, time, prev, hash}
// with covers = seq - 1, G = base64url (no padding) Ed25519 signature over the bytes
//   "bastion-audit-checkpoint-v1\n" + decimal(covers) + "\n" + prev
// (prev being the chain hash after record `covers`), K = first 16 hex digits of SHA-256 of the
// raw 32-byte public key.
//
// Crash recovery: a crash can leave the last line torn (no "\n"). Continuing the file never
// removes those bytes. The writer appends "\n" if needed and then
//   {"type":"resume","torn_bytes":N,"torn_sha256":D, seq, time, prev, hash}
// where N counts every byte between the last valid record's "\n" and the resume line (the
// added "\n" included), D is their SHA-256, and prev/seq continue from the last valid record.
// The verifier accepts unparseable lines only when exactly such a resume record accounts for
// them, or when they form the end of the file (then it warns that the tail is incomplete and
// the chain verifies up to the last complete record). See verify.h.
//
// Not detectable by the chain alone: records removed from the END of the file (truncation looks
// like a crash before they were written). A signed checkpoint someone kept bounds this.

#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace bastion::audit {

enum class Fsync { Always, Batch, Never };
// "always" | "batch" | "never" (the [audit] fsync values); nullopt for anything else.
std::optional<Fsync> parseFsync(std::string_view text);

enum class AuditError {
  CannotOpen = 1,  // open, lock or stat of the log failed, or it is not a regular file
  InUse,           // another process holds the log's lock
  CannotContinue,  // the existing file's last record does not verify (see log_recovery.h)
  BadKey,          // the signing key cannot be loaded or created
  WriteFailed,     // write or fsync failed (reported through on_failure)
};

struct AuditOptions {
  std::string path;  // JSON lines, appended; created 0600
  Fsync fsync = Fsync::Batch;
  std::chrono::milliseconds batch_interval{50};  // Batch: fsync at least this often
  // Batch and Never: records are written in groups; one reaches the file at most this long
  // after record() (sooner when many are waiting, on flush() and on close). The writer is
  // woken once per group, not once per record.
  std::chrono::milliseconds write_delay{2};
  std::size_t checkpoint_every = 1000;  // records between signed checkpoints
  std::string key_path;  // Ed25519 private key (PEM); created 0600 if missing; empty: no
                         // checkpoints
  // Records waiting for the writer. When full, record() blocks until there is room: events are
  // never dropped to keep up.
  std::size_t queue_capacity = 16384;
  // Called once, on the writer thread, when a write or fsync fails, before any caller waiting
  // under fsync=always is released; once it returns, record() returns at once and writes
  // nothing (the owner is expected to stop serving). Unset: the process aborts with the reason
  // on stderr (fail closed: no call goes on unaudited). It must not call back into the log.
  std::function<void(const Error&)> on_failure;
};

// One audit event: a flat JSON object with "type" (tool_call, auth, token_issue, token_revoke,
// config_load) and its fields. The log adds seq, time, prev and hash.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void record(boost::json::object event) = 0;
  // True if record() waits for the disk (fsync always): callers must not be I/O threads.
  virtual bool recordWaitsForDisk() const { return false; }
};

// The file-backed sink. record() is thread-safe. Destruction drains the queue, writes a final
// checkpoint when keyed, fsyncs (unless Never) and joins the writer thread.
class AuditLog : public AuditSink {
 public:
  struct Stats {
    std::uint64_t records = 0;      // lines written, checkpoints and resumes included
    std::uint64_t checkpoints = 0;  // checkpoint lines written
    std::uint64_t writes = 0;       // write() groups (group commit)
    std::uint64_t fsyncs = 0;
  };
  // Opens (or continues) the log at options.path. The clock must outlive the log. The file is
  // locked (flock) for as long as the log is open: a second writer is refused, not interleaved.
  [[nodiscard]] static Result<std::shared_ptr<AuditLog>> open(const AuditOptions& options,
                                                              const Clock& clock);
  // Blocks until every event recorded before the call is written and, unless Never, fsynced.
  virtual void flush() = 0;
  virtual Stats stats() const = 0;
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
  const boost::json::object* arguments = nullptr;         // digested; null: none
  const std::vector<std::string>* identifiers = nullptr;  // recorded verbatim when present
  std::string_view outcome;  // ok, tool_error, invalid_arguments, refused_scope,
                             // refused_rate, failed, cancelled, input_required, unknown_tool
  std::chrono::nanoseconds latency{0};
};
// {"type":"tool_call","request_id","sub","client_id","tool","outcome","latency_us",
//  "args_sha256": hex SHA-256 of canonical(arguments) (absent when arguments is null),
//  "args": {identifier: value} for identifiers present at the top level of arguments}.
// Identifier strings are cut to 256 bytes (at a UTF-8 boundary); numbers, booleans and null are
// copied; an object or array becomes its canonical text, cut the same way. Nothing else of the
// arguments is recorded.
boost::json::object toolCallRecord(const ToolCallEvent& event);

}  // namespace bastion::audit
