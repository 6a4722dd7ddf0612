// A seeded 64-bit hash for keys (a wyhash-style multiply-mix). The seed comes from the engine, so
// bucket positions differ between engines and a client cannot aim collisions at one table.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace microredis {

// High and low halves of a 64x64 -> 128-bit product, portable to 32-bit targets.
inline void mul128(std::uint64_t a, std::uint64_t b, std::uint64_t& lo, std::uint64_t& hi) {
#if defined(__SIZEOF_INT128__)
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  lo = static_cast<std::uint64_t>(r);
  hi = static_cast<std::uint64_t>(r >> 64);
#else
  std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  std::uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  lo = (mid << 32) | (ll & 0xffffffffu);
  hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

inline std::uint64_t mix64(std::uint64_t a, std::uint64_t b) {
  std::uint64_t lo, hi;
  mul128(a, b, lo, hi);
  return lo ^ hi;
}

// 40 hex digits derived from the engine seed: stable for one engine, distinct between engines
// (Redis draws its run_id and replication id at random at start-up).
inline std::string_view hex_id(char (&buf)[41], std::uint64_t seed, std::uint64_t salt) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int w = 0; w < 3; ++w) {
    std::uint64_t v = mix64(seed ^ salt, 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(w + 1));
    for (int d = 0; d < 16 && w * 16 + d < 40; ++d) buf[w * 16 + d] = kHex[(v >> (60 - 4 * d)) & 0xf];
  }
  buf[40] = 0;
  return {buf, 40};
}

namespace detail {
inline std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t load32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline constexpr std::uint64_t kHashP0 = 0xa0761d6478bd642full;
inline constexpr std::uint64_t kHashP1 = 0xe7037ed1a0b428dbull;
inline constexpr std::uint64_t kHashP2 = 0x8ebc6af09c88c6e3ull;
inline constexpr std::uint64_t kHashP3 = 0x589965cc75374cc3ull;
}  // namespace detail

inline std::uint64_t hash_bytes(std::string_view key, std::uint64_t seed) {
  using namespace detail;
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  std::size_t len = key.size();
  seed ^= mix64(seed ^ kHashP0, kHashP1);
  std::uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      a = (load32(p) << 32) | load32(p + ((len >> 3) << 2));
      b = (load32(p + len - 4) << 32) | load32(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (static_cast<std::uint64_t>(p[0]) << 16) | (static_cast<std::uint64_t>(p[len >> 1]) << 8) | p[len - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    std::size_t i = len;
    if (i > 48) {
      std::uint64_t s1 = seed, s2 = seed;
      do {
        seed = mix64(load64(p) ^ kHashP1, load64(p + 8) ^ seed);
        s1 = mix64(load64(p + 16) ^ kHashP2, load64(p + 24) ^ s1);
        s2 = mix64(load64(p + 32) ^ kHashP3, load64(p + 40) ^ s2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= s1 ^ s2;
    }
    while (i > 16) {
      seed = mix64(load64(p) ^ kHashP1, load64(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = load64(p + i - 16);
    b = load64(p + i - 8);
  }
  a ^= kHashP1;
  b ^= seed;
  mul128(a, b, a, b);
  return mix64(a ^ kHashP0 ^ len, b ^ kHashP1);
}

}  // namespace microredis
