// The engine's own double <-> text conversions (util/float_text.hpp, what the firmware uses instead
// of newlib's) against the host's C library: strtod's value, end and ERANGE, and snprintf's
// "%.17g", "%.17f", "%.2f" and "%.<n>g" text, over edge cases and random doubles (200,000 rounds;
// MICROREDIS_FLOAT_TEXT_ROUNDS=<n> runs more).
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "harness.hpp"
#include "microredis/util/float_text.hpp"

namespace {

using microredis::format_double_printf;
using microredis::text_to_double;

std::string libc_format(double v, char conversion, int precision) {
  char buf[1100];
  int n = conversion == 'f' ? std::snprintf(buf, sizeof buf, "%.*f", precision, v)
                            : std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string own_format(double v, char conversion, int precision) {
  char buf[1100];
  std::size_t n = format_double_printf(buf, sizeof buf, v, conversion, precision);
  return std::string(buf, n);
}

// An empty string when both agree, else what differs.
std::string format_mismatch(double v, char conversion, int precision) {
  std::string a = libc_format(v, conversion, precision), b = own_format(v, conversion, precision);
  if (a == b) return {};
  char hex[64];
  std::snprintf(hex, sizeof hex, "%a", v);
  return std::string("%.") + std::to_string(precision) + conversion + " of " + hex + ": libc '" + a + "', own '" +
         b + "'";
}

std::string parse_mismatch(const std::string& text) {
  const char* s = text.c_str();
  char* libc_end = nullptr;
  errno = 0;
  const double a = std::strtod(s, &libc_end);
  const bool libc_range = errno == ERANGE;
  const char* own_end = nullptr;
  bool own_range = false;
  const double b = text_to_double(s, &own_end, own_range);
  std::uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  const bool same_value = (std::isnan(a) && std::isnan(b) && std::signbit(a) == std::signbit(b)) || x == y;
  if (same_value && libc_end == own_end && libc_range == own_range) return {};
  char line[256];
  std::snprintf(line, sizeof line, "'%.80s': libc %a end %td range %d, own %a end %td range %d", s, a,
                libc_end - s, libc_range, b, own_end - s, own_range);
  return line;
}

}  // namespace

TEST_SUITE("float_text") {
  TEST_CASE("text_to_double reads what strtod reads") {
    const char* texts[] = {
        "0", "-0", "1", "0.1", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "1e-324", "1e-400", "0e-400", "0e999999", "0x1p-1074", "0x1p-1075",
        "0x1.8p3", "0X1.8P-3", "0x.8", "0x", "0x.", "0xg", "0x1p", "0x1p+", ".5", "5.", ".", "-.", "+", "-",
        " 1.5", "\t\n\v\f\r 2", "+.5e+3", "1e", "1e+", "1e-", "1E5", "inf", "INF", "-Infinity", "infinit",
        "infx", "nan", "-nan", "nan(abc_12)", "nan(", "nan(a-b)", "NaN()", "3.14abc", "1..2", "1.2.3",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126", "9007199254740993",
        "9007199254740993.0000000000000000000000000000000000000001", "123456789012345678901234567890e-20",
        "0.000000000000000000000000000000000000000000001e+40", "1e2147483647", "1e-2147483648",
        "1e99999999999999999999", "00000000000000000000001.5", "0.0000000000000000000000000000000000000000001",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587"
        "207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711"
        "531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093"
        "0420402306e-0",
    };
    for (const char* t : texts) CHECK_MESSAGE(parse_mismatch(t).empty(), parse_mismatch(t));
    // Long texts: only the first 800 significant digits are kept, the rest must still round right.
    std::mt19937_64 rng(7);
    for (int round = 0; round < 50; ++round) {
      std::string s = round % 2 ? "0." : "";
      const int n = 700 + static_cast<int>(rng() % 400);
      for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng() % 10);
      s += "e" + std::to_string(static_cast<int>(rng() % 700) - 350 - (round % 2 ? 0 : n));
      CHECK_MESSAGE(parse_mismatch(s).empty(), parse_mismatch(s));
    }
    // Neighbouring doubles' exact expansions, the exact halfway point between them (ties go to the
    // even one) and texts just above and below it. The halfway point is exact in x87's long double.
    for (int round = 0; round < 2000; ++round) {
      std::uint64_t bits = rng() & 0x7FEFFFFFFFFFFFFEull;
      if (round % 4 == 0) bits &= 0x800FFFFFFFFFFFFFull;  // subnormals
      double lo, hi;
      std::memcpy(&lo, &bits, 8);
      ++bits;
      std::memcpy(&hi, &bits, 8);
      char a[1100];
      std::snprintf(a, sizeof a, "%.800e", lo);
      CHECK_MESSAGE(parse_mismatch(a).empty(), parse_mismatch(a));
      if constexpr (std::numeric_limits<long double>::digits >= 64) {
        const long double mid = (static_cast<long double>(lo) + static_cast<long double>(hi)) / 2;
        std::snprintf(a, sizeof a, "%.800Le", mid);
        std::string text = a;
        CHECK_MESSAGE(parse_mismatch(text).empty(), parse_mismatch(text));
        const std::size_t e = text.find('e');
        std::string above = text.substr(0, e) + "1" + text.substr(e);
        CHECK_MESSAGE(parse_mismatch(above).empty(), parse_mismatch(above));
        std::string below = text;
        std::size_t last = e - 1;
        while (below[last] == '0') below[last--] = '9';
        if (below[last] != '.') --below[last];
        CHECK_MESSAGE(parse_mismatch(below).empty(), parse_mismatch(below));
      }
    }
  }

  TEST_CASE("format_double_printf prints what snprintf prints") {
    const double values[] = {0.125, 0.375, 2.5, 0.5, 1.5, -0.5, -2.5, 0.0, -0.0, 1e300, 1e-300, 5e-324,
                             std::numeric_limits<double>::max(), std::numeric_limits<double>::min(), 0.05,
                             0.005, 9.5, 99.5, 999.5, 0.95, 0.995, 123456789012345678.0, 1e22, 1e23, 1e-5,
                             1e-4, 1e16, 1e17, 0.1, 0.2, 0.3, 3.0, 10.5, -7.25e-11,
                             std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN()};
    for (double v : values) {
      for (int p = 0; p <= 20; ++p) {
        CHECK_MESSAGE(format_mismatch(v, 'g', p).empty(), format_mismatch(v, 'g', p));
        CHECK_MESSAGE(format_mismatch(v, 'f', p).empty(), format_mismatch(v, 'f', p));
      }
    }
    // Truncation follows snprintf: the length of the whole text, at most cap - 1 bytes written.
    char small[6];
    CHECK(format_double_printf(small, sizeof small, 3.14159, 'g', 17) == libc_format(3.14159, 'g', 17).size());
    CHECK(std::string(small) == "3.141");
  }

  TEST_CASE("random doubles: both directions agree with the C library") {
    long rounds = 200000;
    if (const char* env = std::getenv("MICROREDIS_FLOAT_TEXT_ROUNDS")) rounds = std::atol(env);
    std::mt19937_64 rng(42);
    long failures = 0;
    for (long i = 0; i < rounds && failures < 20; ++i) {
      std::uint64_t bits = rng();
      double v;
      std::memcpy(&v, &bits, 8);
      if (i % 3 == 1) v = std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 200) - 100);
      if (i % 3 == 2) v = static_cast<double>(rng() % 1000000) / static_cast<double>(1 + rng() % 1000);
      std::string m = format_mismatch(v, 'g', 17);
      if (m.empty() && i % 4 == 0) m = format_mismatch(v, 'f', 17);
      if (m.empty() && i % 8 == 0) m = format_mismatch(v, 'f', 2);
      if (m.empty() && i % 8 == 1) m = format_mismatch(v, 'g', 1 + static_cast<int>(rng() % 20));
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", v);
      if (m.empty()) m = parse_mismatch(text);
      if (m.empty() && i % 2 == 0) {
        std::snprintf(text, sizeof text, "%.*g", 1 + static_cast<int>(rng() % 25), v);
        m = parse_mismatch(text);
      }
      if (m.empty() && i % 5 == 0) {
        std::snprintf(text, sizeof text, "%a", v);
        m = parse_mismatch(text);
      }
      if (!m.empty()) {
        ++failures;
        FAIL_CHECK(m);
      }
    }
    CHECK(failures == 0);
  }
}
