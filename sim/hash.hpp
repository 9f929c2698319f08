// Content hashes that results carry to say what produced them: hex FNV-1a 64. Not for security;
// stable across hosts and builds, unlike std::hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gilsim {

inline std::string fnv1a_hex(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3;
  }
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex(16, '0');
  for (std::size_t i = hex.size(); i-- > 0; hash >>= 4) hex[i] = kDigits[hash & 0xF];
  return hex;
}

}  // namespace gilsim
