// Spawn-to-exit of /bin/true, N runs each (default 1000), p50 and p99, for: plain fork+exec
// (posix_spawn), Bastion's sandbox Launcher (every layer the host offers), and bubblewrap
// (`bwrap --unshare-all --die-with-parent --ro-bind / / /bin/true`) when it is installed.
// The three are interleaved run by run so they see the same machine state. Prints a Markdown
// table. Usage: bench_sandbox_spawn [runs]. Never asserted in tests.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

bool spawnAndWait(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) {
    argv.push_back(const_cast<char*>(a.c_str()));  // posix_spawn does not write through argv
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    return false;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct Series {
  std::string name;
  std::function<bool()> run;
  std::vector<double> micros;
  int failures = 0;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

std::string findBwrap() {
  for (const char* dir : {"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"}) {
    if (access(dir, X_OK) == 0) {
      return dir;
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 1000;
  auto launcher = bastion::sandbox::Launcher::create();
  if (!launcher) {
    std::fprintf(stderr, "launcher: %s\n", launcher.error().message.c_str());
    return 1;
  }
  bastion::sandbox::Launcher& sandbox = *launcher.value();
  const bastion::sandbox::Command command{{"/bin/true"}, "", "/tmp"};
  const bastion::sandbox::Policy policy;

  std::vector<Series> series;
  series.push_back({"fork+exec (posix_spawn)", [] { return spawnAndWait({"/bin/true"}); }, {}, 0});
  series.push_back({"bastion sandbox",
                    [&] {
                      auto r = sandbox.run(command, policy);
                      return r && r.value().exit_code == 0;
                    },
                    {},
                    0});
  if (std::string bwrap = findBwrap(); !bwrap.empty()) {
    series.push_back({"bwrap --unshare-all",
                      [bwrap] {
                        return spawnAndWait({bwrap, "--unshare-all", "--die-with-parent",
                                             "--ro-bind", "/", "/", "/bin/true"});
                      },
                      {},
                      0});
  }
  for (int i = 0; i < runs; ++i) {
    for (Series& s : series) {
      auto start = Clock::now();
      bool ok = s.run();
      auto took = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      ok ? s.micros.push_back(took) : void(++s.failures);
    }
  }
  std::printf("| /bin/true, %d runs | p50 ms | p99 ms | failures |\n|---|---|---|---|\n", runs);
  for (const Series& s : series) {
    if (s.micros.empty()) {
      std::printf("| %s | - | - | %d |\n", s.name.c_str(), s.failures);
      continue;
    }
    std::printf("| %s | %.2f | %.2f | %d |\n", s.name.c_str(), percentile(s.micros, 0.5) / 1000,
                percentile(s.micros, 0.99) / 1000, s.failures);
  }
  return 0;
}
