#pragma once
// Whole-file reads and crash-safe whole-file replacement, for checkpoints and other small state.
// Thread-safe as far as the file system is: concurrent writers of one path must be serialised
// by the caller.

#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::buffer {
class FileOps;
}  // namespace runnel::buffer

namespace runnel::files {

// Writes `contents` to `path` atomically: a temporary file in the same directory (`path.tmp`)
// is written, fsync'ed and renamed over `path`, then the directory is fsync'ed. After a crash
// `path` holds either the old or the new contents, never a mix. Errors name the step and the
// file; the temporary file is removed after a failure. With `ops`, the contents are written
// with ops->PWritev and synced with ops->Fdatasync, so tests can inject ENOSPC or EIO.
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           buffer::FileOps* ops = nullptr);

// The whole file. NotFound when it does not exist; other errors from errno.
Result<std::string> ReadWholeFile(const std::string& path);

// mkdir -p with mode 0750. OK when the directory already exists.
Status MakeDirs(const std::string& path);

}  // namespace runnel::files
