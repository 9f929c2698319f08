// Units of the model: virtual time is an integer count of nanoseconds, sizes are bytes.
// No floating point decides the order of events (../shared/DESIGN.md, invariants).
#pragma once

#include <cstdint>
#include <limits>

namespace gilsim {

using Nanos = std::int64_t;
using Bytes = std::int64_t;
using Ppm = std::int64_t;  // parts per million: 400000 is 40 %

inline constexpr Nanos kNever = std::numeric_limits<Nanos>::max();
inline constexpr Nanos kMicro = 1'000;
inline constexpr Nanos kMilli = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;

__extension__ using Wide = __int128;  // for products of two int64 before a division

inline constexpr Bytes kMiB = 1 << 20;
inline constexpr Ppm kMillion = 1'000'000;

constexpr double to_seconds(Nanos t) { return static_cast<double>(t) / kSecond; }

// `per_mib` for each MiB of `bytes`, rounded down to whole nanoseconds (integer arithmetic).
constexpr Nanos per_bytes(Nanos per_mib, Bytes bytes) {
  return static_cast<Nanos>((static_cast<Wide>(per_mib) * bytes) / kMiB);
}

// `t` made longer by `ppm` parts per million.
constexpr Nanos slower_by(Nanos t, Ppm ppm) {
  return static_cast<Nanos>(static_cast<Wide>(t) * (kMillion + ppm) / kMillion);
}

}  // namespace gilsim
