#include "microredis/util/float_text.hpp"

#include <cstdint>
#include <cstring>

namespace microredis {

namespace float_text_detail {

// An unsigned big integer, 32-bit limbs, least significant first. 96 limbs hold every value the
// two conversions need: m * 5^1074 (767 digits) when printing, and when reading, 800 significant
// digits (beyond them only "something non-zero follows" matters) and 5^1125.
struct Big {
  static constexpr int kLimbs = 96;
  int n = 0;
  std::uint32_t w[kLimbs];

  void set(std::uint64_t v) {
    n = 0;
    while (v != 0) {
      w[n++] = static_cast<std::uint32_t>(v);
      v >>= 32;
    }
  }
  bool zero() const { return n == 0; }
  // this = this * m + a
  void mul_add(std::uint32_t m, std::uint32_t a) {
    std::uint64_t carry = a;
    for (int i = 0; i < n; ++i) {
      carry += static_cast<std::uint64_t>(w[i]) * m;
      w[i] = static_cast<std::uint32_t>(carry);
      carry >>= 32;
    }
    if (carry != 0 && n < kLimbs) w[n++] = static_cast<std::uint32_t>(carry);
  }
  void mul_pow5(int k) {
    for (; k >= 13; k -= 13) mul_add(1220703125u, 0);  // 5^13, the largest power of 5 in 32 bits
    std::uint32_t p = 1;
    while (k-- > 0) p *= 5;
    mul_add(p, 0);
  }
  // Divides by d, returns the remainder.
  std::uint32_t divmod(std::uint32_t d) {
    std::uint64_t r = 0;
    for (int i = n - 1; i >= 0; --i) {
      r = (r << 32) | w[i];
      w[i] = static_cast<std::uint32_t>(r / d);
      r %= d;
    }
    while (n > 0 && w[n - 1] == 0) --n;
    return static_cast<std::uint32_t>(r);
  }
  void shift_left(int bits) {
    if (n == 0 || bits <= 0) return;
    const int limbs = bits / 32, b = bits % 32;
    w[n] = 0;
    if (b != 0) {
      for (int i = n; i > 0; --i) w[i] = (w[i] << b) | (w[i - 1] >> (32 - b));
      w[0] <<= b;
    }
    n += (b != 0 && w[n] != 0) ? 1 : 0;
    if (limbs != 0) {
      std::memmove(w + limbs, w, static_cast<std::size_t>(n) * 4);
      std::memset(w, 0, static_cast<std::size_t>(limbs) * 4);
      n += limbs;
    }
  }
  void shift_right1() {
    for (int i = 0; i < n; ++i) w[i] = (w[i] >> 1) | (i + 1 < n ? w[i + 1] << 31 : 0);
    while (n > 0 && w[n - 1] == 0) --n;
  }
  int bits() const {
    if (n == 0) return 0;
    int b = 32 * (n - 1);
    for (std::uint32_t top = w[n - 1]; top != 0; top >>= 1) ++b;
    return b;
  }
  int compare(const Big& o) const {
    if (n != o.n) return n < o.n ? -1 : 1;
    for (int i = n - 1; i >= 0; --i) {
      if (w[i] != o.w[i]) return w[i] < o.w[i] ? -1 : 1;
    }
    return 0;
  }
  void subtract(const Big& o) {  // this >= o
    std::int64_t borrow = 0;
    for (int i = 0; i < n; ++i) {
      std::int64_t d = static_cast<std::int64_t>(w[i]) - (i < o.n ? o.w[i] : 0) - borrow;
      borrow = d < 0 ? 1 : 0;
      w[i] = static_cast<std::uint32_t>(d + (borrow << 32));
    }
    while (n > 0 && w[n - 1] == 0) --n;
  }
};

inline std::uint64_t bits_of(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}

inline double from_bits(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, 8);
  return v;
}

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }

// Matches a lower-case word case-insensitively at s.
inline bool word(const char* s, const char* w) {
  for (; *w != 0; ++s, ++w) {
    if (lower(*s) != *w) return false;
  }
  return true;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

// value = num / den * 2^exp2, rounded to a double, half to even. num != 0.
inline double to_double(Big& num, Big& den, int exp2, bool& range_error) {
  // Align so that the quotient has 63 or 64 bits, then divide bit by bit.
  const int s = den.bits() - num.bits() + 63;
  if (s >= 0) {
    num.shift_left(s);
  } else {
    den.shift_left(-s);
  }
  exp2 -= s;
  den.shift_left(63);
  std::uint64_t q = 0;
  for (int i = 63; i >= 0; --i) {
    if (num.compare(den) >= 0) {
      num.subtract(den);
      q |= std::uint64_t{1} << i;
    }
    den.shift_right1();
  }
  const bool sticky = !num.zero();
  int top = 63;
  while (!(q >> top & 1)) --top;
  // q * 2^exp2 with the leading bit at 2^(top + exp2).
  const int exponent = top + exp2;
  if (exponent > 1023) {
    range_error = true;
    return from_bits(0x7FF0000000000000ull);
  }
  int drop = top - 52;                              // bits below the 53 of a normal double
  if (exponent < -1022) drop += -1022 - exponent;   // a subnormal keeps fewer
  std::uint64_t mant;
  bool half, rest;
  if (drop <= 0) {
    mant = q << -drop;
    half = false;
    rest = sticky;
  } else if (drop <= 64) {
    mant = drop == 64 ? 0 : q >> drop;
    half = (q >> (drop - 1)) & 1;
    rest = sticky || (drop > 1 && (q & ((std::uint64_t{1} << (drop - 1)) - 1)) != 0);
  } else {
    mant = 0;
    half = false;
    rest = true;
  }
  if (half && (rest || (mant & 1))) ++mant;
  std::uint64_t b;
  if (exponent < -1022) {
    b = mant;  // a carry into bit 52 makes it the smallest normal, as it should
    if (half || rest) range_error = true;
  } else {
    b = (static_cast<std::uint64_t>(exponent + 1022) << 52) + mant;  // mant's bit 52 adds the 1
    if ((b >> 52) >= 0x7FF) {
      range_error = true;
      b = 0x7FF0000000000000ull;
    }
  }
  return from_bits(b);
}

}  // namespace float_text_detail

MICROREDIS_INLINE double text_to_double(const char* s, const char** end, bool& range_error) {
  using namespace float_text_detail;
  const char* const start = s;
  if (end != nullptr) *end = start;
  while (*s == ' ' || (*s >= '\t' && *s <= '\r')) ++s;
  const bool negative = *s == '-';
  if (*s == '-' || *s == '+') ++s;
  const std::uint64_t sign = negative ? 0x8000000000000000ull : 0;
  if (word(s, "inf")) {
    s += word(s, "infinity") ? 8 : 3;
    if (end != nullptr) *end = s;
    return from_bits(sign | 0x7FF0000000000000ull);
  }
  if (word(s, "nan")) {
    s += 3;
    if (*s == '(') {
      const char* p = s + 1;
      while ((*p >= '0' && *p <= '9') || (lower(*p) >= 'a' && lower(*p) <= 'z') || *p == '_') ++p;
      if (*p == ')') s = p + 1;
    }
    if (end != nullptr) *end = s;
    return from_bits(sign | 0x7FF8000000000000ull);
  }
  Big num, den;
  num.set(0);
  den.set(1);
  const bool hex = s[0] == '0' && lower(s[1]) == 'x' && (hex_value(s[2]) >= 0 || (s[2] == '.' && hex_value(s[3]) >= 0));
  const int base = hex ? 16 : 10;
  if (hex) s += 2;
  // Significant digits go into num (at most kMaxDigits, then one non-zero digit stands for
  // whatever else is non-zero); exp counts the digits' scale in powers of the base.
  constexpr int kMaxDigits = 800;
  int digits = 0, exp = 0;
  bool any = false, dot = false, dropped = false;
  std::uint32_t chunk = 0, chunk_scale = 1;
  for (;; ++s) {
    int d = hex ? hex_value(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
    if (d < 0) {
      if (*s == '.' && !dot) {
        dot = true;
        continue;
      }
      break;
    }
    any = true;
    if (digits == 0 && d == 0) {  // leading zeros
      if (dot) --exp;
      continue;
    }
    if (digits < kMaxDigits) {
      ++digits;
      chunk = chunk * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(d);
      chunk_scale *= static_cast<std::uint32_t>(base);
      if (chunk_scale >= 100000000u) {
        num.mul_add(chunk_scale, chunk);
        chunk = 0;
        chunk_scale = 1;
      }
      if (dot) --exp;
    } else {
      dropped = dropped || d != 0;
      if (!dot) ++exp;
    }
  }
  if (!any) return 0;  // nothing read: *end stays at the start
  if (dropped) {
    chunk = chunk * static_cast<std::uint32_t>(base) + 1;
    chunk_scale *= static_cast<std::uint32_t>(base);
    --exp;
  }
  num.mul_add(chunk_scale, chunk);
  int exp_text = 0;  // the exponent written after e (a power of 10) or p (a power of 2)
  if (lower(*s) == (hex ? 'p' : 'e')) {
    const char* p = s + 1;
    const bool eneg = *p == '-';
    if (*p == '-' || *p == '+') ++p;
    if (*p >= '0' && *p <= '9') {
      int e = 0;
      for (; *p >= '0' && *p <= '9'; ++p) {
        if (e < 100000) e = e * 10 + (*p - '0');
      }
      exp_text = eneg ? -e : e;
      s = p;
    }
  }
  if (end != nullptr) *end = s;
  if (num.zero()) return from_bits(sign);
  int exp2;
  if (hex) {
    exp2 = exp * 4 + exp_text;
    const int magnitude = exp2 + num.bits();
    if (magnitude > 1100 || magnitude < -1200) {
      range_error = true;
      return from_bits(sign | (magnitude > 0 ? 0x7FF0000000000000ull : 0));
    }
  } else {
    // Decimal: num * 10^exp = num * 5^exp * 2^exp.
    exp += exp_text;
    const int magnitude = exp + digits + (dropped ? 1 : 0);  // the value is below 10^magnitude
    if (magnitude > 311 || magnitude < -326) {
      range_error = true;
      return from_bits(sign | (magnitude > 0 ? 0x7FF0000000000000ull : 0));
    }
    if (exp > 0) {
      num.mul_pow5(exp);
    } else {
      den.mul_pow5(-exp);
    }
    exp2 = exp;
  }
  return from_bits(sign | bits_of(to_double(num, den, exp2, range_error)));
}

MICROREDIS_INLINE std::size_t format_double_printf(char* buf, std::size_t cap, double v, char conversion,
                                                   int precision) {
  using namespace float_text_detail;
  std::size_t len = 0;
  auto put = [&](char c) {
    if (len + 1 < cap) buf[len] = c;
    ++len;
  };
  const std::uint64_t b = bits_of(v);
  if (b >> 63) put('-');
  const int biased = static_cast<int>(b >> 52 & 0x7FF);
  std::uint64_t m = b & 0xFFFFFFFFFFFFFull;
  if (biased == 0x7FF) {
    for (const char* w = m != 0 ? "nan" : "inf"; *w != 0; ++w) put(*w);
  } else {
    // All digits of the exact value: d[0..n) with the decimal point after `point` of them.
    char digits[780];
    int n = 0, point = 1;
    if (biased != 0 || m != 0) {
      if (biased != 0) m |= std::uint64_t{1} << 52;
      const int e = (biased == 0 ? 1 : biased) - 1075;  // v = m * 2^e
      Big big;
      big.set(m);
      if (e > 0) {
        big.shift_left(e);
      } else {
        big.mul_pow5(-e);  // m * 2^e = m * 5^-e / 10^-e
      }
      int pos = sizeof digits;
      while (!big.zero()) {
        std::uint32_t chunk = big.divmod(1000000000u);
        for (int i = 0; i < 9; ++i, chunk /= 10) digits[--pos] = static_cast<char>('0' + chunk % 10);
      }
      while (digits[pos] == '0') ++pos;
      n = static_cast<int>(sizeof digits) - pos;
      std::memmove(digits, digits + pos, static_cast<std::size_t>(n));
      point = n - (e < 0 ? -e : 0);
    } else {
      digits[0] = '0';
      n = 1;
    }
    // Rounds to `keep` digits, half to even.
    auto round_to = [&](int keep) {
      if (keep >= n) return;
      if (keep < 0) {  // below half a unit of the last place kept: zero
        n = 1;
        digits[0] = '0';
        point = 1;
        return;
      }
      bool up = digits[keep] > '5';
      if (digits[keep] == '5') {
        bool sticky = false;
        for (int i = keep + 1; i < n; ++i) sticky = sticky || digits[i] != '0';
        up = sticky || (keep > 0 && ((digits[keep - 1] - '0') & 1));
      }
      n = keep;
      if (up) {
        int i = keep - 1;
        while (i >= 0 && digits[i] == '9') digits[i--] = '0';
        if (i >= 0) {
          ++digits[i];
        } else {
          std::memmove(digits + 1, digits, static_cast<std::size_t>(n));
          digits[0] = '1';
          ++n;
          ++point;
        }
      }
      if (n == 0) {
        digits[0] = '0';
        n = 1;
      }
    };
    auto digit = [&](int i) { return i >= 0 && i < n ? digits[i] : '0'; };
    if (conversion == 'f') {
      round_to(point + precision);
      for (int i = 0; i < (point > 1 ? point : 1); ++i) put(digit(point > 0 ? i : i + point - 1));
      if (precision > 0) put('.');
      for (int i = 0; i < precision; ++i) put(digit(point + i));
    } else {
      if (precision == 0) precision = 1;
      round_to(precision);
      const bool is_zero = n == 1 && digits[0] == '0';
      const int x = is_zero ? 0 : point - 1;  // decimal exponent of the first digit
      while (n > 1 && digits[n - 1] == '0') --n;  // %g drops trailing zeros
      if (x < -4 || x >= precision) {
        put(digits[0]);
        if (n > 1) put('.');
        for (int i = 1; i < n; ++i) put(digits[i]);
        put('e');
        put(x < 0 ? '-' : '+');
        const int ax = x < 0 ? -x : x;
        if (ax >= 100) put(static_cast<char>('0' + ax / 100));
        put(static_cast<char>('0' + ax / 10 % 10));
        put(static_cast<char>('0' + ax % 10));
      } else if (x < 0) {
        put('0');
        put('.');
        for (int i = 0; i < -x - 1; ++i) put('0');
        for (int i = 0; i < n; ++i) put(digits[i]);
      } else {
        for (int i = 0; i <= x; ++i) put(digit(i));
        if (n > x + 1) put('.');
        for (int i = x + 1; i < n; ++i) put(digits[i]);
      }
    }
  }
  if (cap > 0) buf[len < cap - 1 ? len : cap - 1] = '\0';
  return len;
}

}  // namespace microredis
