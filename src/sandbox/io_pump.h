#pragma once
// The parent's side of a run while the sandbox works: feeds stdin (non-blocking, then closes it),
// collects stdout and stderr up to a cap each (the rest is read and discarded so the command
// never blocks on a full pipe), and watches the child's pidfd, the wall-clock deadline and the
// caller's cancel flag (polled at least every 50 ms). On timeout or cancel it kills the child
// (the sandbox's pid 1: the whole pid namespace dies) and keeps draining until the pipes close.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/unique_fd.h"
#include "sandbox/child_process.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox {

struct CapturedStream {
  std::string data;
  bool truncated = false;
};

struct PumpResult {
  CapturedStream out;
  CapturedStream err;
  LimitHit stopped = LimitHit::None;  // Timeout or Cancelled when the pump killed the child
};

struct PumpIo {
  UniqueFd stdin_write;
  UniqueFd stdout_read;
  UniqueFd stderr_read;
};

// Returns once the child has exited and both output pipes reached end of file (the child is not
// reaped here). Fails only when poll itself fails, after killing the child.
[[nodiscard]] Result<PumpResult> pumpUntilExit(ChildProcess& child, PumpIo io,
                                               std::string_view stdin_data,
                                               std::uint64_t output_cap,
                                               std::chrono::steady_clock::time_point deadline,
                                               const std::function<bool()>& cancelled);

}  // namespace bastion::sandbox
