#pragma once
// Why a files tool refused or failed: one enumerator per reason. The caller sees only the
// message (which names the path as the caller wrote it, never a host path); the audit log sees
// the code. A denied path and a missing one share their message on purpose (deny globs make
// entries invisible) but not their code.

namespace bastion::tools {

enum class FilesError {
  NulByte = 1,      // the path argument holds a NUL byte
  AbsolutePath,     // starts with '/'
  TildePath,        // starts with '~' (never expanded)
  DotDot,           // a '..' component
  EmptyPath,        // empty where a file is required
  PathTooLong,      // longer than kMaxPathBytes
  NotFound,         // no such file or directory (or a component is not a directory)
  Denied,           // a component matches a deny glob (reported as NotFound)
  OutsideRoot,      // resolution left the root (symlink out, EXDEV from RESOLVE_BENEATH)
  SymlinkRefused,   // a symlink where none may be followed (no_symlinks, magic links)
  NotRegularFile,   // a directory, FIFO, device or socket where a file is required
  NotDirectory,     // a file where a directory is required
  TooLarge,         // over max_bytes
  Binary,           // NUL in the first 8 KiB or not UTF-8
  Exists,           // create_only and the file exists
  ReadOnly,         // a write through a root not opened for writing
  InvalidGlob,      // an unparsable glob pattern
  InvalidArgument,  // an argument missing or of the wrong type
  Busy,             // the kernel kept reporting a concurrent rename (EAGAIN); retry
  Io,               // any other system error
};

}  // namespace bastion::tools
