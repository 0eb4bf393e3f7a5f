#pragma once
// Whole-buffer writes to a file descriptor, the one loop every writer uses (stdio, the audit
// log, key files, the files tools).

#include <string_view>

namespace bastion {

// Writes all of `bytes`, retrying on EINTR and short writes. False when the descriptor fails;
// errno then says why (EIO for a write that made no progress).
[[nodiscard]] bool writeAll(int fd, std::string_view bytes);

}  // namespace bastion
