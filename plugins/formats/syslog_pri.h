#pragma once
// Internal to the syslog scanners: PRI ("<0>" ... "<191>") and the fields it gives.

#include <string_view>
#include <vector>

#include "plugins/formats/scan_util.h"

namespace runnel::formats::internal {

enum class PriResult { kOk, kAbsent, kBroken };

// Reads "<N>" at the cursor: kAbsent when the line does not start with '<' (nothing consumed),
// kBroken when it does but no valid PRI follows.
PriResult ParsePri(Cursor& c, int* pri);
// Appends pri, facility and severity.
void AddPriFields(int pri, std::vector<Field>* fields);
// The line without one trailing "\n" or "\r\n".
std::string_view TrimNewline(std::string_view line);

}  // namespace runnel::formats::internal
