#include "audit/log_recovery.h"

#include <unistd.h>

#include <cerrno>
#include <optional>

#include "audit/record_format.h"

namespace bastion::audit {
namespace {

constexpr std::uint64_t kFirstWindow = 1 << 20;
constexpr std::uint64_t kMaxWindow = std::uint64_t{64} << 20;

Result<std::string> readRange(int fd, std::uint64_t offset, std::uint64_t size) {
  std::string buf(static_cast<std::size_t>(size), '\0');
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n =
        ::pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return Error(RecoveryError::Unreadable, "cannot read the audit log");
    }
    done += static_cast<std::size_t>(n);
  }
  return buf;
}

// A crash can cut a group write just before a record's "\n": that record is whole and chains.
void adoptUnterminatedRecord(ChainTail& tail) {
  if (tail.torn.empty() || tail.torn.find('\n') != std::string::npos) {
    return;
  }
  auto line = parseLine(tail.torn);
  if (line && line.value().seq == tail.seq + 1 && line.value().prev == tail.hash) {
    tail.seq = line.value().seq;
    tail.hash = line.value().hash;
    tail.last_is_checkpoint = line.value().type == "checkpoint";
    tail.torn.clear();
    tail.needs_newline = true;
  }
}

// Scans `buf` (the file from `start` to its end) backwards. nullopt: the window began inside
// the line that must be examined next, so a larger window is needed.
Result<std::optional<ChainTail>> scanWindow(const std::string& buf, std::uint64_t start) {
  std::size_t line_end = buf.rfind('\n');  // the newline ending the line under examination
  while (line_end != std::string::npos) {
    const std::size_t prev_nl = line_end == 0 ? std::string::npos : buf.rfind('\n', line_end - 1);
    if (prev_nl == std::string::npos && start > 0) {
      return std::optional<ChainTail>();
    }
    const std::size_t line_start = prev_nl == std::string::npos ? 0 : prev_nl + 1;
    auto line = parseLine(std::string_view(buf).substr(line_start, line_end - line_start));
    if (line) {
      ChainTail tail;
      tail.seq = line.value().seq;
      tail.hash = line.value().hash;
      tail.last_is_checkpoint = line.value().type == "checkpoint";
      tail.torn = buf.substr(line_end + 1);
      adoptUnterminatedRecord(tail);
      return std::optional<ChainTail>(std::move(tail));
    }
    if (line.error().code != static_cast<int>(LineError::NotJson)) {
      return Error(RecoveryError::LastRecordInvalid,
                   "the last record of the audit log does not verify (" + line.error().message +
                       "); run `bastion audit verify` on it and move it aside");
    }
    line_end = prev_nl;
  }
  if (start > 0) {
    return std::optional<ChainTail>();
  }
  ChainTail fresh;  // nothing but debris: a new chain that accounts for all of it
  fresh.hash = std::string(kZeroHash);
  fresh.torn = buf;
  adoptUnterminatedRecord(fresh);
  return std::optional<ChainTail>(std::move(fresh));
}

}  // namespace

Result<ChainTail> readChainTail(int fd, std::uint64_t size) {
  if (size == 0) {
    ChainTail empty;
    empty.hash = std::string(kZeroHash);
    return empty;
  }
  for (std::uint64_t window = std::min(size, kFirstWindow);; window = std::min(size, window * 4)) {
    auto buf = readRange(fd, size - window, window);
    if (!buf) {
      return buf.error();
    }
    auto tail = scanWindow(buf.value(), size - window);
    if (!tail) {
      return tail.error();
    }
    if (tail.value()) {
      return std::move(tail).value().value();
    }
    if (window >= kMaxWindow || window == size) {
      return Error(RecoveryError::NoRecordInTail,
                   "no audit record in the last 64 MiB of the file; not continuing it");
    }
  }
}

}  // namespace bastion::audit
