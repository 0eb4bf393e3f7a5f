// Connect to an address outside the machine (exfiltration): refused, over IPv4 and IPv6.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "case.h"

int main() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  report("socket4", fd);
  if (fd >= 0) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(443);
    inet_pton(AF_INET, "1.1.1.1", &addr.sin_addr);
    report("connect4", connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  }
  const int fd6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  report("socket6", fd6);
  if (fd6 >= 0) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(443);
    inet_pton(AF_INET6, "2606:4700:4700::1111", &addr.sin6_addr);
    report("connect6", connect(fd6, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  }
  return 0;
}
