// Output files appear whole or not at all: written to a temporary file beside the target, then
// renamed over it.
#pragma once

#include <string>

namespace gilsim {

// Writes `content` to `path` ("-" is stdout). A failure is a UserError naming the path.
void write_output(const std::string& path, const std::string& content);

}  // namespace gilsim
