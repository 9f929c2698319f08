// Units of the model: virtual time is an integer count of nanoseconds, sizes are bytes.
// No floating point decides the order of events (../shared/DESIGN.md, invariants).
#pragma once

#include <cstdint>
#include <limits>

namespace gilsim {

using Nanos = std::int64_t;
using Bytes = std::int64_t;

inline constexpr Nanos kNever = std::numeric_limits<Nanos>::max();
inline constexpr Nanos kMicro = 1'000;
inline constexpr Nanos kMilli = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;

constexpr double to_seconds(Nanos t) { return static_cast<double>(t) / kSecond; }

}  // namespace gilsim
