// Number <-> string conversions with Redis's exact acceptance rules and output formats.
// Clients and Redis's own tests depend on both: "01" and " 1" are not integers, INCRBYFLOAT prints
// "10.5" not "1.05e+01".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../config.hpp"

namespace microredis {

// Longest text any of the formatters below produce, NUL included.
inline constexpr std::size_t kMaxNumberChars = 5 * 1024 + 8;
inline constexpr std::size_t kLongLongChars = 21;  // "-9223372036854775808"

// Redis's string2ll: optional '-', digits, no leading zeros (except "0"), no spaces, no '+',
// fits in int64.
bool parse_int64(std::string_view s, std::int64_t& out);
// Unsigned variant (string2ull of sds inputs): digits only.
bool parse_uint64(std::string_view s, std::uint64_t& out);
// Redis's string2d: strtod syntax over the whole string, no leading space, no NaN, no overflow.
bool parse_double(std::string_view s, double& out);
// Redis's string2ld (INCRBYFLOAT, HINCRBYFLOAT): like parse_double with long double precision.
bool parse_long_double(std::string_view s, long double& out);

// Writes the decimal form of v into buf (at least kLongLongChars bytes); returns the length.
std::size_t format_int64(char* buf, std::int64_t v);
std::size_t format_uint64(char* buf, std::uint64_t v);
// Redis's d2string: "inf", "-inf", "nan", integers without a fraction, otherwise "%.17g".
std::size_t format_double(char* buf, std::size_t cap, double v);
// Redis's ld2string in human-friendly mode: "%.17Lf" with trailing zeros trimmed ("3", "10.5").
std::size_t format_long_double_human(char* buf, std::size_t cap, long double v);

// Number of decimal digits of v (for RESP headers).
inline std::size_t decimal_digits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// ASCII case-insensitive equality, for command names and option keywords.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned x = static_cast<unsigned char>(a[i]);
    unsigned y = static_cast<unsigned char>(b[i]);
    if (x - 'A' < 26u) x |= 0x20u;
    if (y - 'A' < 26u) y |= 0x20u;
    if (x != y) return false;
  }
  return true;
}

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }
inline char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c & ~0x20) : c; }

}  // namespace microredis
