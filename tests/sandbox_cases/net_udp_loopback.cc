// Send a UDP datagram to 127.0.0.1:53 (a resolver, a metrics agent): refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "case.h"

int main() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  report("socket", fd);
  if (fd < 0) {
    return 0;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(53);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  report("sendto", sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  return 0;
}
