// Seeded draws of op durations. Each task (and each explicit thread) draws from its own stream,
// keyed by the scenario's seed and the task's index, so every strategy runs the same durations
// whatever order it runs the tasks in. SplitMix64 and our own distributions, not <random>'s,
// whose algorithms differ between standard libraries: same seed, same bytes, on any host.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include "gilsim/scenario.hpp"

namespace gilsim {

class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) : state_(mix(seed) ^ mix(~stream)) {}

  std::uint64_t next() { return mix(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [low, high].
  std::int64_t between(std::int64_t low, std::int64_t high) {
    __extension__ using u128 = unsigned __int128;  // multiply-shift: no modulo bias
    const auto span = static_cast<u128>(high - low) + 1;
    return low + static_cast<std::int64_t>((span * next()) >> 64);
  }

 private:
  static std::uint64_t mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t state_;
};

inline Nanos draw(const Duration& d, Rng& rng) {
  switch (d.shape) {
    case Duration::Shape::fixed:
      return d.fixed;
    case Duration::Shape::uniform:
      return rng.between(d.low, d.high);
    case Duration::Shape::lognormal: {
      // mean m, coefficient of variation cv: sigma^2 = ln(1 + cv^2), mu = ln(m) - sigma^2 / 2.
      const double sigma2 = std::log1p(d.cv * d.cv);
      const double mu = std::log(static_cast<double>(d.mean)) - sigma2 / 2;
      const double u1 = 1.0 - rng.unit();  // (0, 1]
      const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * rng.unit());
      return std::llround(std::exp(mu + std::sqrt(sigma2) * z));
    }
  }
  return 0;
}

}  // namespace gilsim
