// Utilities: number parsing and formatting with Redis's rules (string2ll, string2d, string2ld,
// d2string, ld2string), glob matching with stringmatchlen's semantics, the key hash and the
// engine's random generator.
#include <cmath>
#include <cstring>
#include <set>
#include <string>

#include "harness.hpp"
#include "microredis/util/glob.hpp"
#include "microredis/util/hash.hpp"
#include "microredis/util/random.hpp"
#include "microredis/util/strconv.hpp"

using namespace std::string_literals;
using microredis::glob_match;

namespace {

std::string fmt_double(double v) {
  char buf[microredis::kMaxNumberChars];
  return std::string(buf, microredis::format_double(buf, sizeof buf, v));
}

std::string fmt_human(long double v) {
  char buf[microredis::kMaxNumberChars];
  return std::string(buf, microredis::format_long_double_human(buf, sizeof buf, v));
}

bool int_ok(std::string_view s, std::int64_t expect) {
  std::int64_t v = 12345;
  return microredis::parse_int64(s, v) && v == expect;
}

bool int_bad(std::string_view s) {
  std::int64_t v = 12345;
  return !microredis::parse_int64(s, v) && v == 12345;
}

}  // namespace

TEST_SUITE("util") {
  TEST_CASE("parse_int64 follows string2ll") {
    CHECK(int_ok("0", 0));
    CHECK(int_ok("1", 1));
    CHECK(int_ok("-1", -1));
    CHECK(int_ok("1234567890", 1234567890));
    CHECK(int_ok("9223372036854775807", INT64_MAX));
    CHECK(int_ok("-9223372036854775808", INT64_MIN));
    for (std::string_view bad : {"", "-", "-0", "00", "01", "-01", "+1", " 1", "1 ", "1a", "a", "1.0", "1e3",
                                 "9223372036854775808", "-9223372036854775809", "18446744073709551616",
                                 "99999999999999999999", "123456789012345678901", "0x10"}) {
      CAPTURE(bad);
      CHECK(int_bad(bad));
    }
    CHECK(int_bad("1\0"s));
    CHECK(int_bad("\0" "1"s));
  }

  TEST_CASE("parse_uint64") {
    std::uint64_t v = 0;
    CHECK(microredis::parse_uint64("0", v));
    CHECK(v == 0);
    CHECK(microredis::parse_uint64("18446744073709551615", v));
    CHECK(v == UINT64_MAX);
    for (std::string_view bad : {"", "-1", "01", "+1", "18446744073709551616", "1 ", "x"}) {
      CAPTURE(bad);
      CHECK_FALSE(microredis::parse_uint64(bad, v));
    }
  }

  TEST_CASE("parse_double follows string2d") {
    auto ok = [](std::string_view s, double expect) {
      double v = -1;
      return microredis::parse_double(s, v) && (v == expect) && (std::signbit(v) == std::signbit(expect));
    };
    auto bad = [](std::string_view s) {
      double v = 0;
      return !microredis::parse_double(s, v);
    };
    CHECK(ok("1.5", 1.5));
    CHECK(ok("-2", -2));
    CHECK(ok("+3", 3));
    CHECK(ok(".5", 0.5));
    CHECK(ok("5.", 5));
    CHECK(ok("1e3", 1000));
    CHECK(ok("-0", -0.0));
    CHECK(ok("0x10", 16));
    CHECK(ok("inf", HUGE_VAL));
    CHECK(ok("-inf", -HUGE_VAL));
    CHECK(ok("+inf", HUGE_VAL));
    CHECK(ok("Infinity", HUGE_VAL));
    CHECK(ok("4.9e-324", 4.9e-324));  // a denormal is not an underflow to zero
    CHECK(ok("1e308", 1e308));
    for (std::string_view s : {"", " 1", "\t1", "1 ", "1e", "1.5x", "abc", "nan", "NaN", "-nan", "1e400", "-1e400",
                               "1e-400", "--1", "1,5"}) {
      CAPTURE(s);
      CHECK(bad(s));
    }
    CHECK(bad("1.5\0"s));
    CHECK(bad(std::string(600, '1')));  // longer than any number microredis accepts
  }

  TEST_CASE("parse_long_double follows string2ld") {
    long double v = 0;
    CHECK(microredis::parse_long_double("10.5", v));
    CHECK(v == 10.5L);
    CHECK(microredis::parse_long_double("1e400", v));  // in range for long double
    CHECK(microredis::parse_long_double("-inf", v));
    CHECK(std::isinf(v));
    for (std::string_view s : {"", " 1", "1 ", "nan", "1e5000", "x", "1e-5000"}) {
      CAPTURE(s);
      CHECK_FALSE(microredis::parse_long_double(s, v));
    }
  }

  TEST_CASE("integer formatting") {
    char buf[microredis::kLongLongChars];
    CHECK(std::string_view(buf, microredis::format_int64(buf, 0)) == "0");
    CHECK(std::string_view(buf, microredis::format_int64(buf, -7)) == "-7");
    CHECK(std::string_view(buf, microredis::format_int64(buf, INT64_MAX)) == "9223372036854775807");
    CHECK(std::string_view(buf, microredis::format_int64(buf, INT64_MIN)) == "-9223372036854775808");
    CHECK(std::string_view(buf, microredis::format_uint64(buf, UINT64_MAX)) == "18446744073709551615");
    CHECK(microredis::decimal_digits(0) == 1);
    CHECK(microredis::decimal_digits(9) == 1);
    CHECK(microredis::decimal_digits(10) == 2);
    CHECK(microredis::decimal_digits(UINT64_MAX) == 20);
    // Round trips.
    microredis::Random rng(1);
    for (int i = 0; i < 1000; ++i) {
      auto v = static_cast<std::int64_t>(rng.next());
      std::int64_t back = 0;
      REQUIRE(microredis::parse_int64({buf, microredis::format_int64(buf, v)}, back));
      CHECK(back == v);
    }
  }

  TEST_CASE("format_double follows d2string") {
    CHECK(fmt_double(0) == "0");
    CHECK(fmt_double(-0.0) == "-0");
    CHECK(fmt_double(3) == "3");
    CHECK(fmt_double(-42) == "-42");
    CHECK(fmt_double(1e15) == "1000000000000000");
    CHECK(fmt_double(1e17) == "100000000000000000");  // integral and within LLONG_MAX/2
    CHECK(fmt_double(4611686018427387904.0) == "4611686018427387904");  // 2^62: still an integer
    CHECK(fmt_double(9223372036854775808.0) == "9.2233720368547758e+18");
    CHECK(fmt_double(1e19) == "1e+19");
    CHECK(fmt_double(1.5) == "1.5");
    CHECK(fmt_double(0.1) == "0.10000000000000001");
    CHECK(fmt_double(-2.5e-10) == "-2.5000000000000002e-10");
    CHECK(fmt_double(HUGE_VAL) == "inf");
    CHECK(fmt_double(-HUGE_VAL) == "-inf");
    CHECK(fmt_double(std::nan("")) == "nan");
    // Every formatted value reads back exactly.
    microredis::Random rng(2);
    for (int i = 0; i < 1000; ++i) {
      std::uint64_t bits = rng.next();
      double v;
      std::memcpy(&v, &bits, sizeof v);
      if (std::isnan(v)) continue;
      std::string s = fmt_double(v);
      double back = 0;
      REQUIRE(microredis::parse_double(s, back));
      CHECK(back == v);
    }
  }

  TEST_CASE("format_long_double_human follows ld2string's human mode") {
    CHECK(fmt_human(10.5L) == "10.5");
    CHECK(fmt_human(3.0L) == "3");
    CHECK(fmt_human(-0.0L) == "0");
    CHECK(fmt_human(0.1L) == "0.1");
    CHECK(fmt_human(-1.25L) == "-1.25");
    CHECK(fmt_human(1e20L) == "100000000000000000000");
    CHECK(fmt_human(6.0e-18L) == "0.00000000000000001");
    CHECK(fmt_human(1e-18L) == "0");
    CHECK(fmt_human(HUGE_VALL) == "inf");
    CHECK(fmt_human(-HUGE_VALL) == "-inf");
    char tiny[4];
    CHECK(microredis::format_long_double_human(tiny, sizeof tiny, 12345.5L) == 0);  // no room
  }

  TEST_CASE("case-insensitive helpers") {
    CHECK(microredis::iequals("GET", "get"));
    CHECK(microredis::iequals("", ""));
    CHECK_FALSE(microredis::iequals("get", "gets"));
    CHECK_FALSE(microredis::iequals("[", "{"));  // 0x5b and 0x7b differ only in the case bit
    CHECK_FALSE(microredis::iequals("@", "`"));
    CHECK_FALSE(microredis::iequals("\xc0", "\xe0"));
    CHECK(microredis::ascii_lower('Q') == 'q');
    CHECK(microredis::ascii_lower('[') == '[');
    CHECK(microredis::ascii_upper('q') == 'Q');
    CHECK(microredis::ascii_upper('{') == '{');
  }

  TEST_CASE("glob_match follows stringmatchlen") {
    struct Case {
      const char* pattern;
      const char* str;
      bool expect;
    } cases[] = {
        {"*", "anything", true},
        {"*", "", false},  // stringmatchlen never matches an empty string but with ""
        {"", "", true},
        {"", "a", false},
        {"**", "", false},
        {"a*", "a", true},
        {"*a", "a", true},
        {"a*b*", "ab", true},
        {"h?llo", "hello", true},
        {"h?llo", "hllo", false},
        {"h*llo", "heeeello", true},
        {"h*llo", "hllo", true},
        {"h[ae]llo", "hello", true},
        {"h[ae]llo", "hillo", false},
        {"h[^e]llo", "hallo", true},
        {"h[^e]llo", "hello", false},
        {"h[a-b]llo", "hbllo", true},
        {"h[b-a]llo", "hallo", true},  // bounds in either order
        {"h[a-b]llo", "hcllo", false},
        {"h\\*llo", "h*llo", true},
        {"h\\*llo", "hello", false},
        {"h[\\]]llo", "h]llo", true},
        {"h[\\^]llo", "h^llo", true},
        {"\\", "\\", true},            // a lone trailing backslash is itself
        {"[abc", "a", true},           // an unclosed class runs to the end
        {"[abc", "ab", false},
        {"[a-]", "a", true},           // "a-]" is a range from ']' to 'a', and the class is unclosed
        {"[a-]", "b", false},
        {"[a-]", "^", true},
        {"[a-]", "-", false},
        {"[]", "x", false},
        {"[^]", "x", true},
        {"*[", "x", false},
        {"a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
        {"*a*b*c*", "xxaxxbxxcxx", true},
        {"*.txt", "file.txt.bak", false},
        {"user:*:name", "user:1000:name", true},
        {"?", "\xff", true},
        {"[\x80-\xff]", "\xc3", true},
    };
    for (const auto& c : cases) {
      CAPTURE(std::string(c.pattern));
      CAPTURE(std::string(c.str));
      CHECK(glob_match(c.pattern, c.str) == c.expect);
    }
    // Binary-safe, both sides.
    CHECK(glob_match("a\0*"s, "a\0bc"s));
    CHECK_FALSE(glob_match("a\0*"s, "a"s));
    // Case folding.
    CHECK(glob_match("HELLO", "hello", true));
    CHECK_FALSE(glob_match("HELLO", "hello", false));
    CHECK(glob_match("[A-C]x", "bX", true));
    CHECK(glob_match("[a-c]x", "BX", true));
    CHECK(glob_match("maxmemory*", "MAXMEMORY-policy", true));
    // Redis orders a range's bounds before folding case: with nocase "[Z-a]" matches nothing.
    CHECK_FALSE(glob_match("[Z-a]", "m", true));
    CHECK_FALSE(glob_match("[Z-a]", "Z", true));
    CHECK(glob_match("[Z-a]", "_", false));
  }

  TEST_CASE("glob_match takes polynomial time on hostile patterns") {
    std::string pattern;
    for (int i = 0; i < 200; ++i) pattern += "a*";
    pattern += "b";
    std::string str(5000, 'a');
    CHECK_FALSE(glob_match(pattern, str));
    CHECK(glob_match(pattern, str + "b"));
  }

  TEST_CASE("hash_bytes is seeded and reads only its input") {
    std::set<std::uint64_t> seen;
    std::string data(200, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 37 + 11);
    for (std::size_t len = 0; len <= data.size(); ++len) {
      // An exact-size heap copy lets the address sanitizer catch any read past the end.
      std::string key = data.substr(0, len);
      std::uint64_t h = microredis::hash_bytes(key, 42);
      CHECK(h == microredis::hash_bytes(key, 42));
      seen.insert(h);
    }
    CHECK(seen.size() == data.size() + 1);
    CHECK(microredis::hash_bytes("key", 1) != microredis::hash_bytes("key", 2));
    CHECK(microredis::hash_bytes("key", 1) != microredis::hash_bytes("kez", 1));
    // The top bits pick buckets: they must spread over similar keys.
    std::set<std::uint64_t> top;
    for (int i = 0; i < 1024; ++i) top.insert(microredis::hash_bytes("key:" + std::to_string(i), 7) >> 56);
    CHECK(top.size() > 200);
  }

  TEST_CASE("Random is reproducible and bounded") {
    microredis::Random a(99), b(99), c(100);
    bool differs = false;
    for (int i = 0; i < 100; ++i) {
      std::uint64_t x = a.next();
      CHECK(x == b.next());
      if (x != c.next()) differs = true;
    }
    CHECK(differs);
    int counts[6] = {};
    for (int i = 0; i < 60000; ++i) {
      std::uint64_t r = a.below(6);
      REQUIRE(r < 6);
      ++counts[r];
    }
    for (int n : counts) CHECK((n > 9000 && n < 11000));
    CHECK(a.below(1) == 0);
    for (int i = 0; i < 1000; ++i) {
      double u = a.unit();
      CHECK((u >= 0 && u < 1));
    }
  }
}
