#pragma once
// The stdio transport: newline-delimited JSON-RPC on two file descriptors (stdin/stdout).
//
// One reader thread frames lines and parses them (mcp::parseMessage). Messages the dispatcher
// says may block (tool calls, prompts, resource reads, completions) run on a small worker pool;
// everything else runs on the reader thread, so the client's responses to our sampling and
// elicitation requests, and its notifications/cancelled, are processed while a tool waits.
// One Session bound to the stdio principal serves the whole connection; the dispatcher decides
// the protocol era of each message.
//
// Output: one serialized message per line, written under a mutex; nothing else is ever written
// to the output descriptor. Writes block when the client stops reading (it is the only client).
// The process must ignore SIGPIPE (bastion's main does) so that a vanished client is a failed
// write, not a signal.
//
// Waking a sleeping thread costs tens of microseconds on an idle machine, more than the work of
// a small request. After each read the reader keeps polling the input for `poll_before_sleep`
// before it blocks again, so the next message of a burst (a client's calls in a loop, its
// responses to our requests) finds it awake. The cost is bounded: at most that much CPU per read
// (0 turns polling off).
//
// Input limits: a line longer than `max_line` is answered with a JSON-RPC error (id null) and
// skipped; nesting deeper than `max_depth`, malformed JSON and invalid UTF-8 are answered by
// parseMessage's error response. The transport keeps serving after each.

#include <chrono>
#include <cstddef>
#include <memory>

#include "auth/principal.h"
#include "mcp/dispatcher.h"

namespace bastion::transport {

struct StdioOptions {
  std::size_t max_line = std::size_t{4} << 20;  // bytes per message, newline excluded
  std::size_t max_depth = 64;                   // JSON nesting
  std::size_t workers = 4;                      // threads for blocking requests
  std::size_t max_queued = 1024;                // blocking requests waiting for a worker
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(10)};  // in-flight at EOF
  std::chrono::microseconds poll_before_sleep{50};  // busy-poll the input after each read
};

enum class StdioExit {
  Drained,    // input ended and every request finished
  Abandoned,  // the drain timeout passed with requests still running (they were cancelled)
  ReadError,  // reading the input failed (not EOF)
};

class StdioServer {
 public:
  virtual ~StdioServer() = default;

  // The descriptors are borrowed, not closed.
  static std::unique_ptr<StdioServer> create(std::shared_ptr<mcp::Dispatcher> dispatcher,
                                             auth::Principal principal, StdioOptions options,
                                             int in_fd = 0, int out_fd = 1);

  // Serves until end of input, then waits up to drain_timeout for in-flight requests. On
  // Abandoned, requests were flagged cancelled; their threads are joined by the destructor,
  // which blocks if a handler ignores cancellation (the program may exit without destroying).
  virtual StdioExit run() = 0;
};

}  // namespace bastion::transport
