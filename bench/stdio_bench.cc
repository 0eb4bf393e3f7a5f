// stdio round-trip latency and start-to-initialized time of `bastion serve --stdio`.
// Usage: bench_stdio BASTION_BINARY [TOOL_NAME] [ARGUMENTS_JSON] [ROUNDS]
// BENCH_CONFIG=FILE serves with `--config FILE` (e.g. to compare stdio_poll_us settings).
// Prints start-to-initialized (median of 20 starts) and p50/p99 of tools/call round trips.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int in = -1;   // we write the server's stdin
  int out = -1;  // we read the server's stdout
  std::string buffered;
};

Child spawnServer(const char* binary) {
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
    std::perror("pipe2");
    std::exit(2);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv = {const_cast<char*>(binary), const_cast<char*>("serve"),
                             const_cast<char*>("--stdio")};
  if (const char* config = std::getenv("BENCH_CONFIG")) {  // e.g. stdio_poll_us = 0
    argv.push_back(const_cast<char*>("--config"));
    argv.push_back(const_cast<char*>(config));
  }
  argv.push_back(nullptr);
  Child c;
  if (posix_spawn(&c.pid, binary, &actions, nullptr, argv.data(), environ) != 0) {
    std::perror("posix_spawn");
    std::exit(2);
  }
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  c.in = to_child[1];
  c.out = from_child[0];
  return c;
}

void writeLine(Child& c, const std::string& line) {
  std::string data = line + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = write(c.in, p, left);
    if (n <= 0) {
      std::perror("write");
      std::exit(2);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::string readLine(Child& c) {
  for (;;) {
    const auto nl = c.buffered.find('\n');
    if (nl != std::string::npos) {
      std::string line = c.buffered.substr(0, nl);
      c.buffered.erase(0, nl + 1);
      return line;
    }
    char buf[65536];
    const ssize_t n = read(c.out, buf, sizeof buf);
    if (n <= 0) {
      std::fprintf(stderr, "server closed stdout\n");
      std::exit(2);
    }
    c.buffered.append(buf, static_cast<std::size_t>(n));
  }
}

void stop(Child& c) {
  close(c.in);
  int status = 0;
  waitpid(c.pid, &status, 0);
  close(c.out);
}

const std::string kInitialize =
    R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"bench","version":"1"}}})";

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s BASTION [TOOL] [ARGS_JSON] [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::string tool = argc > 2 ? argv[2] : "count_text";
  const std::string args = argc > 3 ? argv[3] : R"({"text":"hello bench"})";
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 20000;

  std::vector<double> starts;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = Clock::now();
    Child c = spawnServer(argv[1]);
    writeLine(c, kInitialize);
    readLine(c);
    starts.push_back(micros(Clock::now() - t0));
    stop(c);
  }

  Child c = spawnServer(argv[1]);
  writeLine(c, kInitialize);
  readLine(c);
  writeLine(c, R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  std::vector<double> trips;
  trips.reserve(static_cast<std::size_t>(rounds));
  for (int i = 1; i <= rounds; ++i) {
    const std::string req = R"({"jsonrpc":"2.0","id":)" + std::to_string(i) +
                            R"(,"method":"tools/call","params":{"name":")" + tool +
                            R"(","arguments":)" + args + "}}";
    const auto t0 = Clock::now();
    writeLine(c, req);
    const std::string resp = readLine(c);
    trips.push_back(micros(Clock::now() - t0));
    if (i == 1 && resp.find("\"result\"") == std::string::npos) {
      std::fprintf(stderr, "unexpected response: %s\n", resp.c_str());
      return 1;
    }
  }
  stop(c);
  std::printf("start_to_initialized_ms_p50 %.2f\n", percentile(starts, 0.5) / 1000.0);
  std::printf("stdio_roundtrip_us_p50 %.1f\n", percentile(trips, 0.5));
  std::printf("stdio_roundtrip_us_p99 %.1f\n", percentile(trips, 0.99));
  return 0;
}
