#pragma once
// Verifying an audit log (format in audit_log.h): every line is a canonical record whose hash
// matches its content, seq goes up by one, prev links to the previous record's hash, checkpoint
// signatures verify with the given key, and unparseable bytes appear only where a crash can
// leave them. The first bad line is named; nothing after it is judged.
//
// Outcomes:
//  - ok, no torn tail: the whole file verifies.
//  - ok with torn_line: the file ends in bytes that are not a complete record (a crash while
//    writing, or a record cut off); the chain verifies up to line last_good_line. A caller
//    should warn. Removing records from the end of a file is indistinguishable from this.
//  - not ok: bad_line and problem name the first line that is edited, removed (the next line's
//    seq or prev does not fit), reordered, inserted, not canonical or badly signed. A record
//    edited with its hash recomputed is found at the NEXT line (its prev no longer matches).
// Without a key, checkpoint signatures are not checked (signatures_checked is false); their
// structure and position still are.
//
// Key rotation: several keys may be given, oldest first (the retired key, then its successor).
// Each checkpoint must be signed by one of them, and once a checkpoint signed by one key has
// been seen, later checkpoints must be signed by that key or a later one: a retired key, which
// may have leaked, cannot vouch for records written after its successor signed.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "audit/signing_key.h"
#include "core/error.h"

namespace bastion::audit {

struct ParsedLine;

enum class VerifyError { Unreadable = 1 };

struct VerifyResult {
  bool ok = false;
  std::size_t records = 0;  // valid records, checkpoints and resumes included
  std::size_t checkpoints = 0;
  std::size_t resumes = 0;  // restarts after a crash
  bool signatures_checked = false;
  std::uint64_t last_seq = 0;
  std::uint64_t last_checkpoint_covers = 0;  // 0: no checkpoint
  std::size_t last_good_line = 0;            // 1-based line of the last valid record
  std::size_t torn_line = 0;  // first line of an incomplete tail (ok stays true); 0: none
  std::size_t bad_line = 0;   // first bad line when !ok
  std::string problem;        // what is wrong with it
};

// Incremental: feed lines in order, then finish().
class ChainVerifier {
 public:
  // Empty: signatures unchecked. The keys outlive this; oldest first.
  explicit ChainVerifier(std::span<const VerifyKey> keys);
  // `line` excludes its "\n"; `terminated` is false only for final bytes with no "\n". Returns
  // false once a bad line has been found (later lines are ignored).
  bool addLine(std::string_view line, bool terminated);
  VerifyResult finish();

 private:
  bool fail(std::size_t line, std::string problem);
  bool checkRecord(const ParsedLine& parsed);
  bool checkCheckpoint(const ParsedLine& parsed);
  bool checkResume(const ParsedLine& parsed);
  bool checkSignature(std::string_view key_id, std::uint64_t covers, std::string_view prev,
                      std::string_view sig);

  const std::span<const VerifyKey> keys_;
  std::size_t first_allowed_key_ = 0;  // keys before it are retired by a later one's checkpoint
  VerifyResult result_;
  std::size_t line_ = 0;
  std::string prev_;
  std::string debris_;  // unparseable bytes since the last valid record, newlines included
  std::size_t debris_line_ = 0;
  bool failed_ = false;
};

// The whole log in memory (tests, fuzzing).
VerifyResult verifyLog(std::string_view bytes, std::span<const VerifyKey> keys);

// Streams the file. Error only when it cannot be read.
[[nodiscard]] Result<VerifyResult> verifyLogFile(const std::string& path,
                                                 std::span<const VerifyKey> keys);

// One key, or none (null): the common case.
inline std::span<const VerifyKey> onlyKey(const VerifyKey* key) {
  return key != nullptr ? std::span<const VerifyKey>(key, 1) : std::span<const VerifyKey>();
}

}  // namespace bastion::audit
