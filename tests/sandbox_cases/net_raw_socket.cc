// Raw and packet sockets (sniffing, spoofing) and netlink (reconfiguring interfaces): refused.
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "case.h"

int main() {
  report("raw", socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
  report("packet", socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  report("netlink", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  int pair[2];
  report("socketpair_inet", socketpair(AF_INET, SOCK_STREAM, 0, pair));
  report("unix", socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));  // allowed: local IPC only
  return 0;
}
