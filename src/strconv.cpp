#include "microredis/util/strconv.hpp"

#include "microredis/util/float_text.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <type_traits>

namespace microredis {

MICROREDIS_INLINE bool parse_uint64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

MICROREDIS_INLINE bool parse_int64(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    out = 0;
    return true;
  }
  bool negative = s[0] == '-';
  std::string_view digits = negative ? s.substr(1) : s;
  // "-0", "01" and "" are rejected: the first digit must be 1-9.
  if (digits.empty() || digits[0] < '1' || digits[0] > '9') return false;
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  constexpr std::uint64_t kMaxPositive = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (v > kMaxPositive + 1) return false;
    out = v == kMaxPositive + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(v);
  } else {
    if (v > kMaxPositive) return false;
    out = static_cast<std::int64_t>(v);
  }
  return true;
}

namespace detail {
// strtod/strtold need a NUL-terminated copy: short texts use a small stack buffer, longer ones up to
// MICROREDIS_MAX_FLOAT_TEXT bytes (Redis's MAX_LONG_DOUBLE_CHARS, 5 KiB) a separate frame.
constexpr std::size_t kShortFloatText = 512;
constexpr std::size_t kMaxFloatText = MICROREDIS_MAX_FLOAT_TEXT;

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
}  // namespace detail

namespace detail {

// strtod/strtold over a NUL-terminated copy of s in buf, with Redis's string2d/string2ld checks:
// the whole text is the number, no leading space, no NaN, no overflow to infinity or underflow to 0.
template <class T>
inline bool parse_floating(std::string_view s, char* buf, T& out) {
  if (s.empty() || is_space(s[0])) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  bool range_error = false;
  T v;
  if constexpr (std::is_same_v<T, double> || (MICROREDIS_OWN_FLOAT_TEXT && sizeof(T) == sizeof(double))) {
    v = static_cast<T>(read_double(buf, &end, range_error));
  } else {
    errno = 0;
    v = std::strtold(buf, &end);
    range_error = errno == ERANGE;
  }
  if (static_cast<std::size_t>(end - buf) != s.size()) return false;
  if (range_error && (std::isinf(v) || v == 0)) return false;
  if (std::isnan(v)) return false;
  out = v;
  return true;
}

// Long texts (up to Redis's MAX_LONG_DOUBLE_CHARS: INCRBYFLOAT writes 1e600 as 601 digits) take a
// separate frame, so the common short case does not put 5 KiB on a small stack.
template <class T>
MICROREDIS_NOINLINE bool parse_floating_long(std::string_view s, T& out) {
  char buf[kMaxFloatText];
  return parse_floating(s, buf, out);
}

template <class T>
inline bool parse_floating_any(std::string_view s, T& out) {
  if (s.size() < kShortFloatText) {
    char buf[kShortFloatText];
    return parse_floating(s, buf, out);
  }
  if (s.size() >= kMaxFloatText) return false;
  return parse_floating_long(s, out);
}

}  // namespace detail

MICROREDIS_INLINE bool parse_double(std::string_view s, double& out) { return detail::parse_floating_any(s, out); }

MICROREDIS_INLINE bool parse_long_double(std::string_view s, long double& out) {
  return detail::parse_floating_any(s, out);
}

MICROREDIS_INLINE std::size_t format_uint64(char* buf, std::uint64_t v) {
  // Every reply's lengths and counts go through here: count the digits, then write two at a time
  // from the end (as Redis's ll2string does).
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  if (v < 10) {
    buf[0] = static_cast<char>('0' + v);
    return 1;
  }
  std::size_t n = 2;
  for (std::uint64_t limit = 100; n < 20 && v >= limit; limit *= 10) ++n;
  char* p = buf + n;
  while (v >= 100) {
    const auto i = static_cast<std::size_t>(v % 100) * 2;
    v /= 100;
    *--p = kPairs[i + 1];
    *--p = kPairs[i];
  }
  if (v >= 10) {
    const auto i = static_cast<std::size_t>(v) * 2;
    *--p = kPairs[i + 1];
    *--p = kPairs[i];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return n;
}

MICROREDIS_INLINE std::size_t format_int64(char* buf, std::int64_t v) {
  if (v < 0) {
    buf[0] = '-';
    // Negate in unsigned arithmetic so INT64_MIN is well-defined.
    return 1 + format_uint64(buf + 1, ~static_cast<std::uint64_t>(v) + 1);
  }
  return format_uint64(buf, static_cast<std::uint64_t>(v));
}

MICROREDIS_INLINE std::size_t format_double(char* buf, std::size_t cap, double v) {
  int n;
  if (std::isnan(v)) {
    n = std::snprintf(buf, cap, "nan");
  } else if (std::isinf(v)) {
    n = std::snprintf(buf, cap, v < 0 ? "-inf" : "inf");
  } else if (v == 0) {
    n = std::snprintf(buf, cap, std::signbit(v) ? "-0" : "0");
  } else {
    // Integral values in the range where double -> int64 is exact print as integers.
    constexpr double kLimit = static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2);
    if (v >= -kLimit && v <= kLimit) {
      auto i = static_cast<std::int64_t>(v);
      if (static_cast<double>(i) == v) return format_int64(buf, i);
    }
    return print_double(buf, cap, v, 'g', 17);
  }
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

MICROREDIS_INLINE std::size_t format_long_double_human(char* buf, std::size_t cap, long double v) {
  if (std::isinf(v)) {
    const char* t = v > 0 ? "inf" : "-inf";
    std::size_t n = std::strlen(t);
    std::memcpy(buf, t, n + 1);
    return n;
  }
  int r;
  if constexpr (MICROREDIS_OWN_FLOAT_TEXT && sizeof(long double) == sizeof(double)) {
    r = static_cast<int>(print_double(buf, cap, static_cast<double>(v), 'f', 17));
  } else {
    r = std::snprintf(buf, cap, "%.17Lf", v);
  }
  if (r < 0 || static_cast<std::size_t>(r) + 1 > cap) return 0;
  auto n = static_cast<std::size_t>(r);
  if (std::memchr(buf, '.', n) != nullptr) {
    while (buf[n - 1] == '0') --n;
    if (buf[n - 1] == '.') --n;
  }
  if (n == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    n = 1;
  }
  buf[n] = '\0';
  return n;
}

}  // namespace microredis
