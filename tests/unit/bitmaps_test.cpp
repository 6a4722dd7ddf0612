// The bitmap family. Expected replies were checked against redis-server 7.0.15 (a randomized
// side-by-side run of BITCOUNT, BITPOS, SETBIT, BITFIELD and BITOP found no difference).
//
// WRONGTYPE against other value types is not tested here yet: no other value type exists.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/bitops.hpp"
#include "microredis/store/string.hpp"

using namespace mrtest;
using microredis::Encoding;

namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

std::string num(std::int64_t v) { return std::to_string(v); }


// Bit-by-bit references for the word-at-a-time code.
int bit_at(const std::string& s, std::uint64_t i) {
  return (static_cast<unsigned char>(s[i >> 3]) >> (7 - (i & 7))) & 1;
}
std::uint64_t slow_count(const std::string& s, std::uint64_t first, std::uint64_t last) {
  std::uint64_t n = 0;
  for (std::uint64_t i = first; i <= last; ++i) n += static_cast<std::uint64_t>(bit_at(s, i));
  return n;
}
std::int64_t slow_find(const std::string& s, std::uint64_t first, std::uint64_t last, int bit) {
  for (std::uint64_t i = first; i <= last; ++i) {
    if (bit_at(s, i) == bit) return static_cast<std::int64_t>(i);
  }
  return -1;
}
const std::uint8_t* u8(const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

}  // namespace

TEST_SUITE("bitmaps") {
  TEST_CASE("bitops primitives agree with bit-by-bit references") {
    namespace bitops = microredis::bitops;
    std::mt19937_64 rng(7);
    for (int round = 0; round < 300; ++round) {
      const std::size_t len = 1 + rng() % 200;
      std::string s(len, '\0');
      const int style = round % 3;  // random bytes, long zero runs, long one runs
      for (char& ch : s) {
        const auto r = static_cast<unsigned>(rng());
        ch = static_cast<char>(style == 0 ? r : style == 1 ? (r % 50 == 0 ? r : 0) : (r % 50 == 0 ? r : 0xff));
      }
      std::uint64_t first = rng() % (len * 8);
      std::uint64_t last = rng() % (len * 8);
      if (first > last) std::swap(first, last);
      CHECK(bitops::popcount_bits(u8(s), first, last) == slow_count(s, first, last));
      CHECK(bitops::popcount(u8(s), len) == slow_count(s, 0, len * 8 - 1));
      for (int bit = 0; bit < 2; ++bit) CHECK(bitops::find_bit(u8(s), first, last, bit) == slow_find(s, first, last, bit));

      // Field reads and writes against a bit loop, including fields running past the end.
      const unsigned bits = 1 + static_cast<unsigned>(rng() % 64);
      const std::uint64_t offset = rng() % (len * 8 + 16);
      std::uint64_t expect = 0;
      for (unsigned k = 0; k < bits; ++k) {
        const std::uint64_t i = offset + k;
        expect = (expect << 1) | (i < len * 8 ? static_cast<std::uint64_t>(bit_at(s, i)) : 0);
      }
      CHECK(bitops::read_bits(u8(s), len, offset, bits) == expect);
      if (offset + bits <= len * 8) {
        const std::uint64_t value = rng();
        std::string w = s;
        bitops::write_bits(reinterpret_cast<std::uint8_t*>(w.data()), len, offset, bits, value);
        for (std::uint64_t i = 0; i < len * 8; ++i) {
          const bool inside = i >= offset && i < offset + bits;
          const int want = inside ? static_cast<int>((value >> (bits - 1 - (i - offset))) & 1) : bit_at(s, i);
          if (bit_at(w, i) != want) {
            FAIL("write_bits changed bit " << i);
            break;
          }
        }
      }
    }
  }

  TEST_CASE("SETBIT and GETBIT") {
    Harness h;
    CHECK(h.run({"SETBIT", "k", "7", "1"}) == integer(0));
    CHECK(h.run({"GET", "k"}) == bulk(bytes({0x01})));
    CHECK(h.run({"SETBIT", "k", "7", "1"}) == integer(1));
    CHECK(h.run({"SETBIT", "k", "7", "0"}) == integer(1));
    CHECK(h.run({"SETBIT", "k", "0", "1"}) == integer(0));
    CHECK(h.run({"GET", "k"}) == bulk(bytes({0x80})));
    // Growing zero-fills.
    CHECK(h.run({"SETBIT", "k", "31", "1"}) == integer(0));
    CHECK(h.run({"GET", "k"}) == bulk(bytes({0x80, 0, 0, 0x01})));
    CHECK(h.run({"STRLEN", "k"}) == integer(4));
    CHECK(h.run({"GETBIT", "k", "0"}) == integer(1));
    CHECK(h.run({"GETBIT", "k", "1"}) == integer(0));
    CHECK(h.run({"GETBIT", "k", "31"}) == integer(1));
    CHECK(h.run({"GETBIT", "k", "32"}) == integer(0));  // past the end
    CHECK(h.run({"GETBIT", "k", "100000"}) == integer(0));
    CHECK(h.run({"GETBIT", "nokey", "0"}) == integer(0));
    CHECK(h.run({"EXISTS", "nokey"}) == integer(0));
    CHECK(encoding_of(h, "k") == Encoding::raw);

    SUBCASE("int and embstr values are read as their bytes and become raw when written") {
      CHECK(h.run({"SET", "n", "1"}) == ok());  // "1" is 0x31 = 00110001
      CHECK(h.run({"GETBIT", "n", "2"}) == integer(1));
      CHECK(h.run({"GETBIT", "n", "7"}) == integer(1));
      CHECK(h.run({"GETBIT", "n", "8"}) == integer(0));
      CHECK(encoding_of(h, "n") == Encoding::int_);
      CHECK(h.run({"SETBIT", "n", "6", "1"}) == integer(0));
      CHECK(h.run({"GET", "n"}) == bulk("3"));
      CHECK(encoding_of(h, "n") == Encoding::raw);
      CHECK(h.run({"SET", "e", "ab"}) == ok());
      CHECK(encoding_of(h, "e") == Encoding::embstr);
      CHECK(h.run({"SETBIT", "e", "0", "0"}) == integer(0));  // no change, still unshared as Redis
      CHECK(encoding_of(h, "e") == Encoding::raw);
      CHECK(h.run({"GET", "e"}) == bulk("ab"));
    }
    SUBCASE("errors") {
      const Reply offset_error = error("ERR bit offset is not an integer or out of range");
      const Reply bit_error = error("ERR bit is not an integer or out of range");
      CHECK(h.run({"SETBIT", "k", "-1", "1"}) == offset_error);
      CHECK(h.run({"SETBIT", "k", "x", "1"}) == offset_error);
      CHECK(h.run({"SETBIT", "k", "1.5", "1"}) == offset_error);
      CHECK(h.run({"SETBIT", "k", "4294967296", "1"}) == offset_error);  // byte 512 MiB
      CHECK(h.run({"GETBIT", "k", "4294967296"}) == offset_error);
      CHECK(h.run({"GETBIT", "k", "-1"}) == offset_error);
      CHECK(h.run({"SETBIT", "k", "0", "2"}) == bit_error);
      CHECK(h.run({"SETBIT", "k", "0", "-1"}) == bit_error);
      CHECK(h.run({"SETBIT", "k", "0", "x"}) == bit_error);
      CHECK(h.run({"SETBIT", "k", "x", "x"}) == offset_error);  // the offset is checked first
      CHECK(h.run({"SETBIT", "k", "1"}) == error("ERR wrong number of arguments for 'setbit' command"));
      CHECK(h.run({"GET", "k"}) == bulk(bytes({0x80, 0, 0, 0x01})));
    }
    SUBCASE("the limit follows proto-max-bulk-len") {
      CHECK(h.run({"CONFIG", "SET", "proto-max-bulk-len", "1048576"}) == ok());
      CHECK(h.run({"SETBIT", "big", num(1048576LL * 8), "1"}) ==
            error("ERR bit offset is not an integer or out of range"));
      CHECK(h.run({"SETBIT", "big", num(1048576LL * 8 - 1), "1"}) == integer(0));
      CHECK(h.run({"STRLEN", "big"}) == integer(1048576));
      CHECK(h.run({"BITCOUNT", "big"}) == integer(1));
      CHECK(h.run({"BITPOS", "big", "1"}) == integer(1048576LL * 8 - 1));
    }
  }

  TEST_CASE("SETBIT keeps the TTL and counts only real changes") {
    Harness h;
    CHECK(h.run({"SET", "k", "a", "EX", "100"}) == ok());
    CHECK(h.run({"SETBIT", "k", "100", "1"}) == integer(0));
    CHECK(h.run({"TTL", "k"}) == integer(100));
    auto dirty_after = [&](std::initializer_list<std::string_view> cmd) {
      const std::uint64_t before = h.engine.dirty();
      (void)h.run(cmd);
      return h.engine.dirty() - before;
    };
    CHECK(dirty_after({"SETBIT", "n", "0", "0"}) == 1);  // created
    CHECK(dirty_after({"SETBIT", "n", "0", "0"}) == 0);
    CHECK(dirty_after({"SETBIT", "n", "0", "1"}) == 1);
    CHECK(dirty_after({"SETBIT", "n", "0", "1"}) == 0);
    CHECK(dirty_after({"SETBIT", "n", "90", "0"}) == 1);  // only the length changed
    CHECK(dirty_after({"BITFIELD", "f", "SET", "i5", "0", "0"}) == 1);
    CHECK(dirty_after({"BITFIELD", "f", "SET", "i5", "0", "0"}) == 0);
    CHECK(dirty_after({"BITFIELD", "f", "SET", "i5", "0", "1", "SET", "i5", "5", "1"}) == 2);
    CHECK(dirty_after({"BITFIELD", "f", "INCRBY", "i5", "0", "0"}) == 0);
    CHECK(dirty_after({"BITFIELD", "f", "INCRBY", "i5", "0", "1"}) == 1);
    CHECK(dirty_after({"BITFIELD", "f", "GET", "i5", "0"}) == 0);
    CHECK(dirty_after({"BITFIELD", "f", "SET", "i5", "90", "0"}) == 1);
    CHECK(dirty_after({"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"}) == 0);
  }

  TEST_CASE("SETBIT invalidates WATCH") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    CHECK(h.run({"SETBIT", "k", "0", "1"}) == integer(0));
    (void)wire(*s, {"WATCH", "k"});
    (void)wire(*s, {"MULTI"});
    (void)wire(*s, {"GET", "k"});
    CHECK(h.run({"SETBIT", "k", "0", "1"}) == integer(1));  // no change: the watch holds
    CHECK(wire(*s, {"EXEC"}) == "*1\r\n$1\r\n\x80\r\n");
    (void)wire(*s, {"WATCH", "k"});
    (void)wire(*s, {"MULTI"});
    (void)wire(*s, {"GET", "k"});
    CHECK(h.run({"SETBIT", "k", "0", "0"}) == integer(1));
    CHECK(wire(*s, {"EXEC"}) == "*-1\r\n");
  }

  TEST_CASE("BITCOUNT") {
    Harness h;
    CHECK(h.run({"BITCOUNT", "nokey"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "nokey", "0", "1000", "bit"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "nokey", "0"}) == integer(0));  // a missing key answers before any check
    CHECK(h.run({"SET", "s", "foobar"}) == ok());
    CHECK(h.run({"BITCOUNT", "s"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "0", "-1"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "1", "-2"}) == integer(18));  // "ooba"
    CHECK(h.run({"BITCOUNT", "s", "-2", "1"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "s", "0", "1000"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "4", "10"}) == integer(7));
    CHECK(h.run({"BITCOUNT", "s", "6", "10"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "s", "-6", "-7"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "s", "-100", "-1"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "0", "4294967296"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "1", "1", "BYTE"}) == integer(6));
    // Bit ranges.
    CHECK(h.run({"BITCOUNT", "s", "0", "-1", "bit"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "5", "30", "BIT"}) == integer(17));
    CHECK(h.run({"BITCOUNT", "s", "10", "14", "bit"}) == integer(4));
    CHECK(h.run({"BITCOUNT", "s", "10", "-34", "bit"}) == integer(4));
    CHECK(h.run({"BITCOUNT", "s", "3", "-19", "bit"}) == integer(16));
    CHECK(h.run({"BITCOUNT", "s", "-2", "1", "bit"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "s", "32", "87", "bit"}) == integer(7));
    CHECK(h.run({"BITCOUNT", "s", "48", "87", "bit"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "s", "0", "1000", "bit"}) == integer(26));
    CHECK(h.run({"BITCOUNT", "s", "-6", "-15", "bit"}) == integer(0));
    // An int-encoded value counts its text.
    CHECK(h.run({"SET", "n", "123"}) == ok());
    CHECK(h.run({"BITCOUNT", "n"}) == integer(10));
    CHECK(h.run({"SET", "e", ""}) == ok());
    CHECK(h.run({"BITCOUNT", "e"}) == integer(0));
    CHECK(h.run({"BITCOUNT", "e", "0", "-1", "bit"}) == integer(0));

    SUBCASE("errors") {
      CHECK(h.run({"BITCOUNT", "s", "0"}) == error(Status::syntax));
      CHECK(h.run({"BITCOUNT", "s", "0", "1", "hello"}) == error(Status::syntax));
      CHECK(h.run({"BITCOUNT", "s", "0", "1", "bit", "x"}) == error(Status::syntax));
      CHECK(h.run({"BITCOUNT", "s", "a", "1"}) == error(Status::not_integer));
      CHECK(h.run({"BITCOUNT", "s", "0", "b"}) == error(Status::not_integer));
      CHECK(h.run({"BITCOUNT", "s", "-1", "-5", "hello"}) == integer(0));  // decided before the unit
      CHECK(h.run({"BITCOUNT"}) == error("ERR wrong number of arguments for 'bitcount' command"));
    }
  }

  TEST_CASE("BITCOUNT of a large bitmap") {
    Harness h;
    // 4 MiB, every byte 0x5a (4 bits set): word-at-a-time counting, misaligned edges.
    std::string big(4u << 20, '\x5a');
    CHECK(h.run({"SET", "big", big}) == ok());
    CHECK(h.run({"BITCOUNT", "big"}) == integer(static_cast<std::int64_t>(big.size()) * 4));
    CHECK(h.run({"BITCOUNT", "big", "3", "-3"}) == integer(static_cast<std::int64_t>(big.size() - 5) * 4));
    CHECK(h.run({"BITCOUNT", "big", "3", "-3", "BIT"}) == integer(static_cast<std::int64_t>(big.size()) * 4 - 2));
    CHECK(h.run({"SETBIT", "big", num(static_cast<std::int64_t>(big.size()) * 8 + 100), "1"}) == integer(0));
    CHECK(h.run({"BITPOS", "big", "1", "4194304"}) == integer(static_cast<std::int64_t>(big.size()) * 8 + 100));
  }

  TEST_CASE("BITPOS") {
    Harness h;
    CHECK(h.run({"BITPOS", "nokey", "0"}) == integer(0));
    CHECK(h.run({"BITPOS", "nokey", "1"}) == integer(-1));
    CHECK(h.run({"BITPOS", "nokey", "0", "0", "-1", "bit"}) == integer(0));
    CHECK(h.run({"BITPOS", "nokey", "1", "x", "y"}) == integer(-1));  // a missing key answers first

    CHECK(h.run({"SET", "s", bytes({0xff, 0xf0, 0x00})}) == ok());
    CHECK(h.run({"BITPOS", "s", "0"}) == integer(12));
    CHECK(h.run({"BITPOS", "s", "0", "1"}) == integer(12));
    CHECK(h.run({"BITPOS", "s", "0", "0", "-1", "bit"}) == integer(12));
    CHECK(h.run({"BITPOS", "s", "0", "1", "-1", "bit"}) == integer(12));
    CHECK(h.run({"BITPOS", "s", "1"}) == integer(0));
    CHECK(h.run({"BITPOS", "s", "1", "2"}) == integer(-1));
    CHECK(h.run({"BITPOS", "s", "1", "5", "11", "bit"}) == integer(5));
    CHECK(h.run({"BITPOS", "s", "1", "12", "23", "bit"}) == integer(-1));

    SUBCASE("intervals") {
      CHECK(h.run({"SET", "s", bytes({0x00, 0xff, 0x00})}) == ok());
      CHECK(h.run({"BITPOS", "s", "0", "0", "-1"}) == integer(0));
      CHECK(h.run({"BITPOS", "s", "0", "1", "-1"}) == integer(16));
      CHECK(h.run({"BITPOS", "s", "0", "2", "200"}) == integer(16));
      CHECK(h.run({"BITPOS", "s", "0", "1", "1"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "0", "8", "8", "bit"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "0", "16", "200", "bit"}) == integer(16));
      CHECK(h.run({"BITPOS", "s", "1", "0", "-1"}) == integer(8));
      CHECK(h.run({"BITPOS", "s", "1", "2", "-1"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "1", "1", "1"}) == integer(8));
      CHECK(h.run({"BITPOS", "s", "1", "8", "-1", "bit"}) == integer(8));
      CHECK(h.run({"BITPOS", "s", "1", "16", "-1", "bit"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "1", "9", "9", "bit"}) == integer(9));
      CHECK(h.run({"BITPOS", "s", "1", "-1", "-1"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "1", "2", "1"}) == integer(-1));  // empty range
      CHECK(h.run({"BITPOS", "s", "0", "2", "1"}) == integer(-1));
    }
    SUBCASE("clear bits past the end count only without an explicit end") {
      CHECK(h.run({"SET", "s", bytes({0xff, 0xff, 0xff})}) == ok());
      CHECK(h.run({"BITPOS", "s", "0"}) == integer(24));
      CHECK(h.run({"BITPOS", "s", "0", "0"}) == integer(24));
      CHECK(h.run({"BITPOS", "s", "0", "2"}) == integer(24));
      CHECK(h.run({"BITPOS", "s", "0", "0", "-1"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "0", "0", "-1", "bit"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "0", "0", "-1", "byte"}) == integer(-1));
      CHECK(h.run({"BITPOS", "s", "0", "3"}) == integer(-1));  // start past the end: empty range
      CHECK(h.run({"SET", "e", ""}) == ok());
      CHECK(h.run({"BITPOS", "e", "0"}) == integer(-1));  // an empty string is an empty range
      CHECK(h.run({"BITPOS", "e", "1"}) == integer(-1));
    }
    SUBCASE("long runs and unaligned starts") {
      std::string ones(27, '\xff');
      ones.push_back('\x0f');
      CHECK(h.run({"SET", "s", ones}) == ok());
      for (int start = 0; start <= 8; ++start) CHECK(h.run({"BITPOS", "s", "0", num(start)}) == integer(216));
      for (int start = 1; start <= 65; start += 8) {
        CHECK(h.run({"BITPOS", "s", "0", num(start), "-1", "bit"}) == integer(216));
      }
      std::string zeros(27, '\0');
      zeros.push_back('\xf0');
      CHECK(h.run({"SET", "z", zeros}) == ok());
      for (int start = 0; start <= 8; ++start) CHECK(h.run({"BITPOS", "z", "1", num(start)}) == integer(216));
      CHECK(h.run({"BITPOS", "z", "1", "217", "-1", "bit"}) == integer(217));
      CHECK(h.run({"BITPOS", "z", "1", "220", "-1", "bit"}) == integer(-1));
    }
    SUBCASE("an int-encoded value is searched as its text") {
      CHECK(h.run({"SET", "n", "1"}) == ok());  // 00110001
      CHECK(h.run({"BITPOS", "n", "1"}) == integer(2));
      CHECK(h.run({"BITPOS", "n", "0", "0", "-1", "bit"}) == integer(0));
    }
    SUBCASE("errors") {
      CHECK(h.run({"BITPOS", "s", "2"}) == error("ERR The bit argument must be 1 or 0."));
      CHECK(h.run({"BITPOS", "nokey", "2"}) == error("ERR The bit argument must be 1 or 0."));
      CHECK(h.run({"BITPOS", "s", "x"}) == error(Status::not_integer));
      CHECK(h.run({"BITPOS", "s", "1", "x"}) == error(Status::not_integer));
      CHECK(h.run({"BITPOS", "s", "1", "0", "x"}) == error(Status::not_integer));
      CHECK(h.run({"BITPOS", "s", "1", "0", "x", "foo"}) == error(Status::syntax));  // unit before end
      CHECK(h.run({"BITPOS", "s", "1", "0", "1", "bit", "x"}) == error(Status::syntax));
      CHECK(h.run({"BITPOS", "s"}) == error("ERR wrong number of arguments for 'bitpos' command"));
    }
  }

  TEST_CASE("BITOP") {
    Harness h;
    CHECK(h.run({"SET", "a", bytes({0x01, 0x02, 0xff, 0xff})}) == ok());
    CHECK(h.run({"SET", "b", bytes({0x01, 0x02, 0xff})}) == ok());
    CHECK(h.run({"BITOP", "AND", "r", "a", "b"}) == integer(4));
    CHECK(h.run({"GET", "r"}) == bulk(bytes({0x01, 0x02, 0xff, 0x00})));
    CHECK(h.run({"BITOP", "or", "r", "a", "b"}) == integer(4));
    CHECK(h.run({"GET", "r"}) == bulk(bytes({0x01, 0x02, 0xff, 0xff})));
    CHECK(h.run({"BITOP", "Xor", "r", "a", "b"}) == integer(4));
    CHECK(h.run({"GET", "r"}) == bulk(bytes({0x00, 0x00, 0x00, 0xff})));
    CHECK(h.run({"BITOP", "NOT", "r", "b"}) == integer(3));
    CHECK(h.run({"GET", "r"}) == bulk(bytes({0xfe, 0xfd, 0x00})));
    CHECK(encoding_of(h, "r") == Encoding::raw);

    SUBCASE("one source copies it; missing keys are zeros") {
      CHECK(h.run({"BITOP", "AND", "r", "b"}) == integer(3));
      CHECK(h.run({"GET", "r"}) == bulk(bytes({0x01, 0x02, 0xff})));
      CHECK(h.run({"BITOP", "AND", "r", "nokey", "b"}) == integer(3));
      CHECK(h.run({"GET", "r"}) == bulk(bytes({0, 0, 0})));
      CHECK(h.run({"BITOP", "OR", "r", "nokey", "b", "nokey2"}) == integer(3));
      CHECK(h.run({"GET", "r"}) == bulk(bytes({0x01, 0x02, 0xff})));
      CHECK(h.run({"BITOP", "XOR", "r", "nokey", "b"}) == integer(3));
      CHECK(h.run({"GET", "r"}) == bulk(bytes({0x01, 0x02, 0xff})));
      CHECK(h.run({"SET", "z", std::string(32, '\0')}) == ok());
      CHECK(h.run({"BITOP", "OR", "x", "z", "nokey"}) == integer(32));
    }
    SUBCASE("an empty result deletes the destination") {
      CHECK(h.run({"SET", "e", ""}) == ok());
      CHECK(h.run({"BITOP", "NOT", "r", "e"}) == integer(0));
      CHECK(h.run({"EXISTS", "r"}) == integer(0));
      CHECK(h.run({"BITOP", "OR", "r", "nokey", "e"}) == integer(0));
      CHECK(h.run({"EXISTS", "r"}) == integer(0));
    }
    SUBCASE("the destination may be a source; its TTL goes") {
      CHECK(h.run({"EXPIRE", "a", "100"}) == integer(1));
      CHECK(h.run({"BITOP", "NOT", "a", "a"}) == integer(4));
      CHECK(h.run({"GET", "a"}) == bulk(bytes({0xfe, 0xfd, 0x00, 0x00})));
      CHECK(h.run({"TTL", "a"}) == integer(-1));
    }
    SUBCASE("int-encoded sources are their text") {
      CHECK(h.run({"SET", "one", "1"}) == ok());
      CHECK(h.run({"SET", "two", "2"}) == ok());
      CHECK(h.run({"BITOP", "XOR", "r", "one", "two", "one"}) == integer(1));
      CHECK(h.run({"GET", "r"}) == bulk("2"));
    }
    SUBCASE("long inputs of different lengths") {
      std::mt19937_64 rng(3);
      std::vector<std::string> in;
      for (std::size_t len : {0u, 1u, 7u, 33u, 100u, 257u}) {
        std::string s(len, '\0');
        for (char& ch : s) ch = static_cast<char>(rng());
        in.push_back(s);
        CHECK(h.run({"SET", "v" + std::to_string(in.size()), s}) == ok());
      }
      const std::vector<std::string> keys = {"v1", "v2", "v3", "v4", "v5", "v6"};
      for (const char* op : {"AND", "OR", "XOR"}) {
        std::string expect(257, '\0');
        for (std::size_t i = 0; i < expect.size(); ++i) {
          unsigned v = i < in[0].size() ? static_cast<unsigned char>(in[0][i]) : 0u;
          for (std::size_t k = 1; k < in.size(); ++k) {
            const unsigned b = i < in[k].size() ? static_cast<unsigned char>(in[k][i]) : 0u;
            v = op[0] == 'A' ? (v & b) : op[0] == 'O' ? (v | b) : (v ^ b);
          }
          expect[i] = static_cast<char>(v);
        }
        std::vector<std::string> cmd = {"BITOP", op, "dest"};
        cmd.insert(cmd.end(), keys.begin(), keys.end());
        CHECK(h.run(cmd) == integer(257));
        CHECK(h.run({"GET", "dest"}) == bulk(expect));
      }
    }
    SUBCASE("errors") {
      CHECK(h.run({"BITOP", "NOT", "r", "a", "b"}) == error("ERR BITOP NOT must be called with a single source key."));
      CHECK(h.run({"BITOP", "NAND", "r", "a"}) == error(Status::syntax));
      CHECK(h.run({"BITOP", "AND", "r"}) == error("ERR wrong number of arguments for 'bitop' command"));
    }
  }

  TEST_CASE("BITFIELD") {
    Harness h;
    CHECK(h.run({"BITFIELD", "bits", "SET", "i8", "0", "-100"}) == array({integer(0)}));
    CHECK(h.run({"BITFIELD", "bits", "SET", "i8", "0", "101"}) == array({integer(-100)}));
    CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "0"}) == array({integer(101)}));
    CHECK(h.run({"BITFIELD", "bits", "SET", "i8", "0", "255", "SET", "i8", "0", "100", "GET", "i8", "0"}) ==
          array({integer(101), integer(-1), integer(100)}));
    CHECK(h.run({"DEL", "bits"}) == integer(1));
    CHECK(h.run({"BITFIELD", "bits", "set", "u8", "0", "255", "incrby", "u8", "0", "100", "get", "u8", "0"}) ==
          array({integer(0), integer(99), integer(99)}));
    CHECK(h.run({"BITFIELD", "bits"}) == array({}));
    CHECK(h.run({"BITFIELD", "nokey"}) == array({}));
    CHECK(h.run({"EXISTS", "nokey"}) == integer(0));
    CHECK(h.run({"BITFIELD", "nokey", "GET", "u8", "100"}) == array({integer(0)}));
    CHECK(h.run({"EXISTS", "nokey"}) == integer(0));

    SUBCASE("#N offsets are multiples of the width") {
      CHECK(h.run({"BITFIELD", "abc", "SET", "u8", "#0", "65", "SET", "u8", "#1", "66", "SET", "u8", "#2", "67"}) ==
            array({integer(0), integer(0), integer(0)}));
      CHECK(h.run({"GET", "abc"}) == bulk("ABC"));
      CHECK(h.run({"BITFIELD", "abc", "GET", "u4", "#1", "GET", "i16", "#1"}) == array({integer(1), integer(0x4300)}));
    }
    SUBCASE("overflow policies") {
      CHECK(h.run({"BITFIELD", "u", "SET", "u8", "#0", "100"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "WRAP", "INCRBY", "u8", "#0", "257"}) == array({integer(101)}));
      CHECK(h.run({"BITFIELD", "u", "overflow", "wrap", "incrby", "u8", "#0", "255"}) == array({integer(100)}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "257"}) == array({integer(255)}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "-256"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "FAIL", "INCRBY", "u8", "#0", "-1"}) == array({nil()}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "FAIL", "INCRBY", "u8", "#0", "255", "INCRBY", "u8", "#0", "1"}) ==
            array({integer(255), nil()}));
      CHECK(h.run({"BITFIELD", "u", "GET", "u8", "#0"}) == array({integer(255)}));
      // SET of a value that does not fit: wrapped, saturated (a negative is a huge unsigned), or refused.
      CHECK(h.run({"BITFIELD", "u", "SET", "u8", "#0", "257"}) == array({integer(255)}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "SAT", "SET", "u8", "#0", "-1", "GET", "u8", "#0"}) ==
            array({integer(1), integer(255)}));
      CHECK(h.run({"BITFIELD", "u", "OVERFLOW", "FAIL", "SET", "u8", "#0", "256", "GET", "u8", "#0"}) ==
            array({nil(), integer(255)}));
      // The policy applies to the operations after it.
      CHECK(h.run({"BITFIELD", "u", "INCRBY", "u8", "#0", "1", "OVERFLOW", "SAT", "INCRBY", "u8", "#0", "-1"}) ==
            array({integer(0), integer(0)}));

      CHECK(h.run({"BITFIELD", "i", "SET", "i8", "#0", "100"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "i", "INCRBY", "i8", "#0", "257"}) == array({integer(101)}));
      CHECK(h.run({"BITFIELD", "i", "INCRBY", "i8", "#0", "255"}) == array({integer(100)}));
      CHECK(h.run({"BITFIELD", "i", "INCRBY", "i8", "#0", "28"}) == array({integer(-128)}));
      CHECK(h.run({"BITFIELD", "i", "OVERFLOW", "SAT", "INCRBY", "i8", "#0", "-1"}) == array({integer(-128)}));
      CHECK(h.run({"BITFIELD", "i", "OVERFLOW", "SAT", "INCRBY", "i8", "#0", "1000"}) == array({integer(127)}));
      CHECK(h.run({"BITFIELD", "i", "OVERFLOW", "FAIL", "INCRBY", "i8", "#0", "1"}) == array({nil()}));
      CHECK(h.run({"BITFIELD", "i", "OVERFLOW", "SAT", "SET", "i8", "#0", "-1000", "GET", "i8", "#0"}) ==
            array({integer(127), integer(-128)}));
    }
    SUBCASE("64-bit signed and 63-bit unsigned limits") {
      CHECK(h.run({"BITFIELD", "w", "SET", "i64", "3", "9223372036854775807"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "w", "INCRBY", "i64", "3", "1"}) == array({integer(INT64_MIN)}));
      CHECK(h.run({"BITFIELD", "w", "OVERFLOW", "SAT", "INCRBY", "i64", "3", "-1"}) == array({integer(INT64_MIN)}));
      CHECK(h.run({"BITFIELD", "w", "OVERFLOW", "FAIL", "INCRBY", "i64", "3", "-9223372036854775808"}) ==
            array({nil()}));
      CHECK(h.run({"BITFIELD", "w", "INCRBY", "i64", "3", "-1"}) == array({integer(INT64_MAX)}));
      CHECK(h.run({"BITFIELD", "w", "GET", "i64", "3", "GET", "u63", "3", "GET", "u1", "3"}) ==
            array({integer(INT64_MAX), integer(INT64_MAX >> 1), integer(0)}));
      CHECK(h.run({"BITFIELD", "v", "SET", "u63", "0", "9223372036854775807"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "v", "GET", "u63", "0"}) == array({integer(INT64_MAX)}));
      CHECK(h.run({"BITFIELD", "v", "OVERFLOW", "SAT", "INCRBY", "u63", "0", "1"}) == array({integer(INT64_MAX)}));
      CHECK(h.run({"BITFIELD", "v", "INCRBY", "u63", "0", "1"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "v", "INCRBY", "u63", "0", "-9223372036854775808"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "one", "INCRBY", "i1", "0", "1", "INCRBY", "u1", "1", "3"}) ==
            array({integer(-1), integer(1)}));
    }
    SUBCASE("regressions from Redis's suite") {
      CHECK(h.run({"SET", "n", "1"}) == ok());
      CHECK(h.run({"BITFIELD", "n", "GET", "u1", "0"}) == array({integer(0)}));
      CHECK(h.run({"BITFIELD", "m", "SET", "i8", "0", "10", "SET", "i8", "64", "10", "INCRBY", "i8", "10", "99900"}) ==
            array({integer(0), integer(0), integer(60)}));
      CHECK(h.run({"STRLEN", "m"}) == integer(9));
    }
    SUBCASE("a write keeps the value's TTL and grows it zero-filled") {
      CHECK(h.run({"SET", "t", "a", "PX", "5000"}) == ok());
      CHECK(h.run({"BITFIELD", "t", "SET", "u8", "24", "1"}) == array({integer(0)}));
      CHECK(h.run({"GET", "t"}) == bulk(std::string("a\0\0\x01", 4)));
      CHECK(h.run({"PTTL", "t"}) == integer(5000));
    }
    SUBCASE("errors leave the value alone") {
      const Reply type_error =
          error("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
      CHECK(h.run({"BITFIELD", "bits", "GET", "u64", "0"}) == type_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i65", "0"}) == type_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i0", "0"}) == type_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "I8", "0"}) == type_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "x8", "0"}) == type_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "", "0"}) == type_error);
      CHECK(h.run({"BITFIELD", "bits", "OVERFLOW", "foo"}) == error("ERR Invalid OVERFLOW type specified"));
      CHECK(h.run({"BITFIELD", "bits", "OVERFLOW"}) == error(Status::syntax));
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8"}) == error(Status::syntax));
      CHECK(h.run({"BITFIELD", "bits", "SET", "i8", "0"}) == error(Status::syntax));
      CHECK(h.run({"BITFIELD", "bits", "foo", "i8", "0"}) == error(Status::syntax));
      const Reply offset_error = error("ERR bit offset is not an integer or out of range");
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "-1"}) == offset_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "#-1"}) == offset_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "#x"}) == offset_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "4294967296"}) == offset_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "#536870912"}) == offset_error);
      CHECK(h.run({"BITFIELD", "bits", "GET", "i8", "#9223372036854775807"}) == offset_error);
      CHECK(h.run({"BITFIELD", "bits", "SET", "i8", "0", "1", "SET", "i8", "8", "x"}) == error(Status::not_integer));
      CHECK(h.run({"BITFIELD", "bits", "SET", "i8", "0", "1", "GET", "u64", "0"}) == type_error);
      CHECK(h.run({"GET", "bits"}) == bulk("c"));  // 99 from above, untouched
    }
    SUBCASE("RESP3 nulls for refused operations") {
      microredis::Session* s = h.engine.open_session();
      CHECK(wire(*s, {"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u2", "0", "7"}) == "*1\r\n$-1\r\n");
      (void)wire(*s, {"HELLO", "3"});
      CHECK(wire(*s, {"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u2", "0", "7"}) == "*1\r\n_\r\n");
    }
  }

  TEST_CASE("BITFIELD overflow detection matches exact arithmetic") {
    // Random widths and values, checked against 128-bit arithmetic (the suite's fuzzers).
    Harness h;
    std::mt19937_64 rng(11);
    __extension__ typedef __int128 Wide;
    __extension__ typedef unsigned __int128 UWide;
    for (int round = 0; round < 400; ++round) {
      const unsigned bits = 1 + static_cast<unsigned>(rng() % 64);
      const bool is_signed = bits == 64 || rng() % 2 == 0;
      const Wide range = static_cast<Wide>(1) << bits;
      const Wide min = is_signed ? -range / 2 : 0;
      const Wide max = min + range - 1;
      auto pick = [&]() {
        Wide v = min * 2 + static_cast<Wide>(static_cast<UWide>(rng()) % static_cast<UWide>(range * 2));
        if (v > INT64_MAX) v = INT64_MAX;
        if (v < INT64_MIN) v = INT64_MIN;
        return static_cast<std::int64_t>(v);
      };
      const std::int64_t value = pick();
      const std::int64_t incr = pick();
      const std::string type = (is_signed ? "i" : "u") + std::to_string(bits);
      CHECK(h.run({"DEL", "f"}).type == Reply::Type::integer);
      // FAIL: refused exactly when the value or the sum leaves the range (an unsigned SET of a
      // negative is a huge value).
      const Wide as_set = !is_signed && value < 0 ? static_cast<Wide>(static_cast<std::uint64_t>(value)) : value;
      const bool set_fits = as_set >= min && as_set <= max;
      Reply set = h.run({"BITFIELD", "f", "OVERFLOW", "FAIL", "SET", type, "0", num(value)});
      CHECK(set[0].is_null() == !set_fits);
      if (!set_fits) continue;
      const Wide sum = static_cast<Wide>(value) + incr;
      Reply inc = h.run({"BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", type, "0", num(incr)});
      CHECK(inc[0].is_null() == (sum < min || sum > max));
      // WRAP: the sum modulo 2^bits in the type's range.
      Reply wrapped = h.run({"BITFIELD", "f", "OVERFLOW", "WRAP", "INCRBY", type, "0", num(incr)});
      Wide base = value;
      if (!inc[0].is_null()) base = sum;
      Wide expect = (base + incr - min) % range;
      if (expect < 0) expect += range;
      expect += min;
      CHECK(wrapped[0] == integer(static_cast<std::int64_t>(expect)));
    }
  }

  TEST_CASE("BITFIELD_RO") {
    Harness h;
    CHECK(h.run({"BITFIELD", "bits", "SET", "u8", "0", "255"}) == array({integer(0)}));
    CHECK(h.run({"BITFIELD_RO", "bits", "GET", "u8", "0", "GET", "i4", "4"}) == array({integer(255), integer(-1)}));
    CHECK(h.run({"BITFIELD_RO", "bits"}) == array({}));
    CHECK(h.run({"BITFIELD_RO", "nokey", "GET", "u8", "0"}) == array({integer(0)}));
    const Reply get_only = error("ERR BITFIELD_RO only supports the GET subcommand");
    CHECK(h.run({"BITFIELD_RO", "bits", "SET", "u8", "0", "100", "GET", "u8", "0"}) == get_only);
    CHECK(h.run({"BITFIELD_RO", "bits", "INCRBY", "u8", "0", "100"}) == get_only);
    CHECK(h.run({"BITFIELD_RO", "bits", "OVERFLOW", "SAT", "GET", "u8", "0"}) == array({integer(255)}));
    // Arguments are parsed before the read-only check.
    CHECK(h.run({"BITFIELD_RO", "bits", "SET", "u8", "0", "x"}) == error(Status::not_integer));
    CHECK(h.run({"GET", "bits"}) == bulk("\xff"));
  }

  TEST_CASE("out of memory leaves values alone and sends one error") {
    FailingEngine f;
    REQUIRE(f.run({"SET", "e", "abc"}) == ok());
    REQUIRE(f.run({"SETBIT", "r", "7", "1"}) == integer(0));
    REQUIRE(f.run({"SET", "a", std::string(100, 'a')}) == ok());
    f.alloc.fail_all();
    CHECK(f.run({"SETBIT", "new", "0", "1"}) == kOom);
    CHECK(f.run({"SETBIT", "e", "0", "1"}) == kOom);      // embstr to raw
    CHECK(f.run({"SETBIT", "r", "100000", "1"}) == kOom);  // growth
    CHECK(f.run({"BITFIELD", "new", "SET", "u8", "0", "1"}) == kOom);
    CHECK(f.run({"BITOP", "OR", "d", "a", "e"}) == kOom);
    CHECK(f.run({"EXISTS", "new", "d"}) == integer(0));
    CHECK(f.run({"GET", "e"}) == bulk("abc"));
    CHECK(f.run({"GET", "r"}) == bulk("\x01"));
    CHECK(f.run({"SETBIT", "r", "6", "1"}) == integer(0));  // in place: no allocation
    CHECK(f.run({"BITCOUNT", "a"}) == integer(300));
    f.alloc.heal();
    CHECK(f.run({"SETBIT", "e", "0", "1"}) == integer(0));
    CHECK(f.run({"GET", "r"}) == bulk("\x03"));
  }

  TEST_CASE("command table entries") {
    Harness h;
    Reply info = h.run({"COMMAND", "INFO", "setbit", "bitfield_ro", "bitop"});
    REQUIRE(info.size() == 3);
    CHECK(info[0][1] == integer(4));
    CHECK(info[1][1] == integer(-2));
    CHECK(info[2][3] == integer(2));
    CHECK(info[2][4] == integer(-1));
  }
}
