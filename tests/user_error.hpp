// For tests of mistakes: the UserError a call throws, to check its where, what and hint.
#pragma once

#include <doctest/doctest.h>

#include <functional>

#include "gilsim/error.hpp"

namespace gilsim::test {

// The UserError that `call` throws; fails the test (and returns an empty one) if it throws none.
inline UserError error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const UserError& e) {
    return e;
  }
  FAIL("no UserError thrown");
  return UserError("", "");
}

}  // namespace gilsim::test
