// Exact conversions between doubles and decimal text, in a few hundred bytes of code: what the
// firmware build uses instead of the C library's strtod and printf("%.17g"/"%.*f") (newlib's
// dtoa, strtod, gethex and printf-float machinery is ~14 KB of flash on a Cortex-M4). The host
// build keeps the C library's (faster); tests/unit/float_text_test.cpp checks that both agree,
// digit for digit, over millions of random and edge-case values.
//
// Both directions are exact: the value is held as a big integer (a double is m * 2^e, a decimal
// d * 10^k) and rounded once, half to even, as glibc and newlib do under the default rounding mode.
#pragma once

#include <cstddef>

#include "../config.hpp"

#if !MICROREDIS_OWN_FLOAT_TEXT
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#endif

namespace microredis {

// strtod over NUL-terminated text: optional white space and sign, then a decimal number
// ("1.5e-3"), a hexadecimal one ("0x1.8p3"), "inf"/"infinity" or "nan"/"nan(chars)", case
// insensitive. *end (if not null) points after what was read (at s when nothing was). range_error
// is set as strtod sets ERANGE: on overflow to infinity, and on a tiny inexact result (subnormal
// or zero).
double text_to_double(const char* s, const char** end, bool& range_error);

// printf's "%.<precision>g" (conversion 'g') or "%.<precision>f" (conversion 'f') of v, with C
// locale; precision 0..40 ('g' with 0 means 1). Writes at most cap - 1 characters and a NUL (when
// cap > 0); returns the length of the whole text, as snprintf does.
std::size_t format_double_printf(char* buf, std::size_t cap, double v, char conversion, int precision);

// What the engine calls: the conversions above with MICROREDIS_OWN_FLOAT_TEXT, else the C
// library's strtod (range_error: errno == ERANGE) and snprintf("%.*g" / "%.*f").
inline double read_double(const char* s, char** end, bool& range_error) {
#if MICROREDIS_OWN_FLOAT_TEXT
  const char* e = nullptr;
  range_error = false;
  const double v = text_to_double(s, &e, range_error);
  if (end != nullptr) *end = const_cast<char*>(e);
  return v;
#else
  errno = 0;
  const double v = std::strtod(s, end);
  range_error = errno == ERANGE;
  return v;
#endif
}

inline std::size_t print_double(char* buf, std::size_t cap, double v, char conversion, int precision) {
#if MICROREDIS_OWN_FLOAT_TEXT
  return format_double_printf(buf, cap, v, conversion, precision);
#else
  const int r = conversion == 'f' ? std::snprintf(buf, cap, "%.*f", precision, v)
                                  : std::snprintf(buf, cap, "%.*g", precision, v);
  return r < 0 ? 0 : static_cast<std::size_t>(r);
#endif
}

}  // namespace microredis
