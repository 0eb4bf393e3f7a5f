// A small audit writer for the crash test: `audit_test_writer LOG KEY THREADS RUN` records
// events {"run":RUN,"thread":t,"i":i} with fsync=always from THREADS threads, forever, and prints
// "<thread> <i>" on stdout after each record() returns (an acknowledgement: that event is
// durable). The test kill -9s it.

#include <unistd.h>

#include <boost/json/object.hpp>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    return 2;
  }
  bastion::audit::AuditOptions options;
  options.path = argv[1];
  options.key_path = argv[2];
  options.fsync = bastion::audit::Fsync::Always;
  options.checkpoint_every = 50;
  auto log = bastion::audit::AuditLog::open(options, bastion::systemClock());
  if (!log) {
    const std::string message = log.error().message + "\n";
    (void)!::write(2, message.data(), message.size());
    return 1;
  }
  const int threads = std::atoi(argv[3]);
  const std::string run = argv[4];
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&log, &run, t] {
      for (std::int64_t i = 0;; ++i) {
        log.value()->record({{"type", "tool_call"},
                             {"run", run},
                             {"thread", t},
                             {"i", i},
                             {"pad", std::string(static_cast<std::size_t>(i % 200), 'p')}});
        // One write() per line: a pipe keeps writes up to PIPE_BUF whole.
        const std::string ack = std::to_string(t) + " " + std::to_string(i) + "\n";
        if (::write(1, ack.data(), ack.size()) != static_cast<ssize_t>(ack.size())) {
          std::_Exit(3);
        }
      }
    });
  }
  for (std::thread& w : workers) {
    w.join();
  }
}
