#pragma once
// Continuing an existing log after a restart or a crash: find the last valid record so the chain
// goes on from it. Bytes after that record (a line torn by a crash) are never removed: the writer
// records their size and digest in a "resume" record (see audit_log.h).

#include <cstdint>
#include <string>

#include "core/error.h"

namespace bastion::audit {

enum class RecoveryError {
  Unreadable = 1,     // read error
  LastRecordInvalid,  // the last complete JSON line is not a valid record: edited or corrupt
  NoRecordInTail,     // no record in the last 64 MiB: not an audit log we can continue
};

struct ChainTail {
  std::uint64_t seq = 0;  // the last valid record's seq; 0 when the file holds none
  std::string hash;       // its hash; kZeroHash when none
  bool last_is_checkpoint = false;
  std::string torn;  // the bytes after that record's newline (crash debris); usually empty
  // The last record was written whole but its "\n" was not: the writer adds the newline and
  // continues from it (torn is then empty).
  bool needs_newline = false;
};

// Reads the end of the open file `fd` of `size` bytes. A complete line that is not JSON at all
// counts as debris (a fragment from an earlier crash); a complete JSON line that fails the
// record checks is refused: continuing after it would hide tampering.
[[nodiscard]] Result<ChainTail> readChainTail(int fd, std::uint64_t size);

}  // namespace bastion::audit
