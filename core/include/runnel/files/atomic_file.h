#pragma once
// Whole-file reads and crash-safe whole-file replacement, for checkpoints and other small state.
// Thread-safe as far as the file system is: concurrent writers of one path must be serialised
// by the caller.

#include <string>
#include <string_view>

#include "runnel/status.h"

namespace runnel::files {

// Writes `contents` to `path` atomically: a temporary file in the same directory is written,
// fsync'ed and renamed over `path`, then the directory is fsync'ed. After a crash `path` holds
// either the old or the new contents, never a mix. Errors name the step and the file.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

// The whole file. NotFound when it does not exist; other errors from errno.
Result<std::string> ReadWholeFile(const std::string& path);

// mkdir -p with mode 0750. OK when the directory already exists.
Status MakeDirs(const std::string& path);

}  // namespace runnel::files
