// Changed copies of a scenario, for `gilsim explain` to re-simulate: scale one kind of op, give
// the machine more or fewer cores, change the switch interval. Each change can say what it is
// in words ("3x more I/O per task"), so an answer found by simulation reads like advice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gilsim/scenario.hpp"

namespace gilsim {

struct Change {
  enum class What { io, python, native, subprocess, cores, switch_interval };
  What what = What::io;
  std::int64_t num = 1;  // the factor num/den
  std::int64_t den = 1;
};

// A scenario and machine to simulate.
struct Setup {
  Scenario scenario;
  int cores = 1;
};

Setup apply(const Change& change, const Setup& base);

// "3x more I/O per task", "1/3 the Python per task", "2x the cores (8)", "a 1 ms switch
// interval"; `per` is "task" or "thread" (explicit threads).
std::string describe(const Change& change, const Setup& base);

// The changes worth trying on `base`, as ladders: each ladder moves one knob in one direction,
// smallest step first (x2, x3, x5, x10 or their inverses). Knobs that cannot matter (I/O when
// there is none) are left out.
std::vector<std::vector<Change>> ladders(const Setup& base);

}  // namespace gilsim
