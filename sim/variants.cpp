#include "variants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "units.hpp"

namespace gilsim {

namespace {

constexpr int kMaxCores = 4096;  // as --cores allows

// t * num / den, saturating well below kNever (virtual time adds to it).
Nanos scaled(Nanos t, std::int64_t num, std::int64_t den) {
  constexpr Nanos kLimit = std::numeric_limits<Nanos>::max() / 4;
  Nanos product = 0;
  if (__builtin_mul_overflow(t, num, &product) || product / den > kLimit) return kLimit;
  return product / den;
}

bool matches(Change::What what, OpKind kind) {
  switch (what) {
    case Change::What::io:
      return kind == OpKind::io;
    case Change::What::python:
      return kind == OpKind::cpu;
    case Change::What::native:
      return kind == OpKind::native || kind == OpKind::native_gil;
    case Change::What::subprocess:
      return kind == OpKind::subprocess;
    default:
      return false;
  }
}

void scale_block(OpBlock& block, const Change& c) {
  for (Op& op : block.ops) {
    if (!matches(c.what, op.kind)) continue;
    Duration& d = op.duration;
    for (Nanos* t : {&d.fixed, &d.low, &d.high, &d.mean}) *t = scaled(*t, c.num, c.den);
  }
}

bool has_ops(const Scenario& s, Change::What what) {
  auto in = [what](const OpBlock& block) {
    return std::any_of(block.ops.begin(), block.ops.end(),
                       [what](const Op& op) { return matches(what, op.kind); });
  };
  return std::any_of(s.tasks.begin(), s.tasks.end(), [&](const auto& t) { return in(t.body); }) ||
         std::any_of(s.program.begin(), s.program.end(), [&](const auto& t) { return in(t.body); });
}

std::string factor(const Change& c) {
  return c.den == 1 ? fmt::format("{}x", c.num) : fmt::format("1/{}", c.den);
}

std::vector<Change> ladder(Change::What what, bool up, std::initializer_list<std::int64_t> steps) {
  std::vector<Change> changes;
  for (std::int64_t k : steps) changes.push_back(up ? Change{what, k, 1} : Change{what, 1, k});
  return changes;
}

}  // namespace

Setup apply(const Change& c, const Setup& base) {
  Setup s = base;
  switch (c.what) {
    case Change::What::io:
    case Change::What::python:
    case Change::What::native:
    case Change::What::subprocess:
      for (auto& task : s.scenario.tasks) scale_block(task.body, c);
      for (auto& thread : s.scenario.program) scale_block(thread.body, c);
      // Longer work may need longer to finish; the limit only guards against loops.
      s.scenario.max_virtual_time = scaled(s.scenario.max_virtual_time, std::max(c.num, c.den), 1);
      break;
    case Change::What::cores:
      s.cores =
          static_cast<int>(std::clamp<std::int64_t>(base.cores * c.num / c.den, 1, kMaxCores));
      s.scenario.max_virtual_time = scaled(s.scenario.max_virtual_time, c.den, 1);
      break;
    case Change::What::switch_interval:
      s.scenario.switch_interval =
          std::max<Nanos>(1, scaled(base.scenario.switch_interval, c.num, c.den));
      break;
  }
  return s;
}

std::string describe(const Change& c, const Setup& base) {
  const char* per = base.scenario.program.empty() ? "task" : "thread";
  const char* what = c.what == Change::What::io           ? "I/O"
                     : c.what == Change::What::python     ? "Python"
                     : c.what == Change::What::subprocess ? "subprocess time"
                                                          : "native code";
  switch (c.what) {
    case Change::What::io:
    case Change::What::python:
    case Change::What::native:
    case Change::What::subprocess:
      return c.den == 1 ? fmt::format("{} more {} per {}", factor(c), what, per)
                        : fmt::format("{} the {} per {}", factor(c), what, per);
    case Change::What::cores:
      return fmt::format("{} core{} instead of {}", apply(c, base).cores,
                         apply(c, base).cores == 1 ? "" : "s", base.cores);
    case Change::What::switch_interval:
      return fmt::format("a {} switch interval instead of {}",
                         format_duration(apply(c, base).scenario.switch_interval),
                         format_duration(base.scenario.switch_interval));
  }
  return {};
}

std::vector<std::vector<Change>> ladders(const Setup& base) {
  using W = Change::What;
  std::vector<std::vector<Change>> all;
  for (W what : {W::io, W::python, W::native, W::subprocess}) {
    if (!has_ops(base.scenario, what)) continue;
    all.push_back(ladder(what, true, {2, 3, 5, 10}));
    all.push_back(ladder(what, false, {2, 3, 5, 10}));
  }
  if (base.cores < kMaxCores) all.push_back(ladder(W::cores, true, {2, 4, 8}));
  if (base.cores > 1) {
    std::vector<Change> fewer;
    for (std::int64_t k : {2, 4, 8})
      if (base.cores / k >= 1) fewer.push_back({W::cores, 1, k});
    all.push_back(fewer);
  }
  all.push_back(ladder(W::switch_interval, false, {5, 10}));  // 1 ms and 0.5 ms from 5 ms
  all.push_back(ladder(W::switch_interval, true, {2, 4}));
  return all;
}

}  // namespace gilsim
