// Connect over TCP to 127.0.0.1 (where the server listens): the socket must not even exist.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char** argv) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  report("socket", fd);
  if (fd < 0) {
    return 0;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(argc > 1 ? atoi(argv[1]) : 80));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  report("connect", connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  return 0;
}
