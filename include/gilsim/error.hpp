// The one error type for user mistakes: bad scenario, bad profile, bad command line.
// main() catches it, prints "gilsim: error: WHERE: WHAT" and the hint, and exits 2.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace gilsim {

struct UserError : std::runtime_error {
  // where: "file:line:col: /json/path" or just the file or option; hint: how to fix it.
  UserError(std::string where_text, std::string what, std::string hint_text = {})
      : std::runtime_error(where_text.empty() ? what : where_text + ": " + what),
        where(std::move(where_text)),
        what_wrong(std::move(what)),
        hint(std::move(hint_text)) {}
  std::string where;
  std::string what_wrong;
  std::string hint;
};

}  // namespace gilsim
