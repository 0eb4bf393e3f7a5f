#pragma once
// The host paths a sandbox sees (read-only, at the same place inside): the declared ones and the
// defaults, each checked so that the mount plan binds exactly what the policy names.

#include <string>
#include <vector>

#include "core/error.h"
#include "sandbox/sandbox.h"

namespace bastion::sandbox {

// The default read-only paths that exist on this host: /usr, /lib*, /bin, /sbin and the /etc
// essentials (dynamic loader cache and config, passwd, group, nsswitch.conf, localtime,
// alternatives).
std::vector<std::string> defaultReadOnlyPaths();

// One declared path: absolute and normalized (no ".", "..", "//" or trailing "/"), not "/" nor
// /tmp itself, not inside /proc, /sys or /dev, existing, a directory, a regular file or a symlink,
// and without a symlink among its parent directories (a symlink as the last component is
// recreated inside, never followed). Does not check whether the path holds secrets: that is the
// policy author's call.
[[nodiscard]] Result<void> checkReadOnlyPath(const std::string& path);

// The defaults (when policy.default_paths) and the declared paths, sorted, without duplicates
// and without paths inside another listed directory (already visible through it).
std::vector<std::string> effectiveReadOnlyPaths(const Policy& policy);

}  // namespace bastion::sandbox
