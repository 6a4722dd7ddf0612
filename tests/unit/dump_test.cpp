// DUMP / RESTORE / RESTORE-ASKING and the RDB codec behind them (store/rdb.hpp), plus DEBUG
// RELOAD, which saves and loads every database through the same codec.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/rdb.hpp"

using namespace microredis;
using namespace mrtest;

namespace {

std::string unhex(std::string_view h) {
  std::string out;
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(nib(h[i]) * 16 + nib(h[i + 1])));
  return out;
}

// A payload around an RDB body: the type byte, the body, version 10 and the CRC64.
std::string payload(std::uint8_t type, const std::string& body, unsigned version = 10) {
  std::string p(1, static_cast<char>(type));
  p += body;
  p.push_back(static_cast<char>(version & 0xff));
  p.push_back(static_cast<char>(version >> 8));
  std::uint64_t crc = rdb::crc64(0, p.data(), p.size());
  for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>(crc >> (8 * i)));
  return p;
}

// Recomputes the CRC of a (mutated) payload so that the loader, not the checksum, sees it.
std::string reseal(std::string p) {
  if (p.size() < 10) return p;
  std::uint64_t crc = rdb::crc64(0, p.data(), p.size() - 8);
  for (int i = 0; i < 8; ++i) p[p.size() - 8 + i] = static_cast<char>(crc >> (8 * i));
  return p;
}

std::string rdb_len(std::size_t n) {
  std::string s;
  if (n < 64) {
    s.push_back(static_cast<char>(n));
  } else if (n < 16384) {
    s.push_back(static_cast<char>(0x40 | (n >> 8)));
    s.push_back(static_cast<char>(n & 0xff));
  } else {
    s.push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(n >> (8 * i)));
  }
  return s;
}
std::string rdb_str(std::string_view v) { return rdb_len(v.size()) + std::string(v); }

// A ziplist (Redis before 7.0) of short strings and small integers.
struct ZiplistItem {
  bool is_int;
  std::string s;
  std::int64_t v;
};
std::string ziplist(const std::vector<ZiplistItem>& items) {
  std::string entries;
  std::size_t prev = 0, tail = 10;
  for (const ZiplistItem& it : items) {
    std::string e;
    e.push_back(static_cast<char>(prev));  // entries stay < 254 bytes here
    if (it.is_int) {
      e.push_back(static_cast<char>(0xc0));  // int16
      e.push_back(static_cast<char>(it.v & 0xff));
      e.push_back(static_cast<char>((it.v >> 8) & 0xff));
    } else {
      e.push_back(static_cast<char>(it.s.size()));
      e += it.s;
    }
    tail = 10 + entries.size();
    entries += e;
    prev = e.size();
  }
  std::string z(10, '\0');
  const std::size_t total = 10 + entries.size() + 1;
  for (int i = 0; i < 4; ++i) z[static_cast<std::size_t>(i)] = static_cast<char>(total >> (8 * i));
  for (int i = 0; i < 4; ++i) z[static_cast<std::size_t>(4 + i)] = static_cast<char>(tail >> (8 * i));
  z[8] = static_cast<char>(items.size() & 0xff);
  z[9] = static_cast<char>(items.size() >> 8);
  z += entries;
  z.push_back(static_cast<char>(0xff));
  return z;
}
ZiplistItem zs(std::string s) { return {false, std::move(s), 0}; }
ZiplistItem zi(std::int64_t v) { return {true, {}, v}; }

std::string dump_of(Harness& h, std::string_view key) {
  Reply r = h.run({"DUMP", key});
  REQUIRE(r.type == Reply::Type::bulk);
  return r.str;
}

// Redis 7.0.15's DUMP output for values created there (redis-server on loopback, redis-py):
// key, OBJECT ENCODING after Redis restores it, payload.
struct Vector {
  const char* key;
  const char* encoding;
  const char* hex;
};
const Vector kRedisVectors[] = {
    {"h:ht", "hashtable", "0403016ec02a026631027631046c6f6e67c3094050014c4ce04300014c4c0a006b0286a5a3babee7"},
    {"h:lp", "listpack",
     "10252500000006008266310382763103826632030201826633038a787878787878787878780bff0a00d942b347ea7eabc5"},
    {"hll", "embstr", "001b48594c4c01000000000000000000008060f38050b1844bfb80425a0a009f590c06b6497049"},
    {"l:multi", "quicklist",
     "1203021717000000040082653003826531038265320382653303ff021717000000040082653403826535038265360382653703ff020f0f00"
     "000002008265380382653903ff0a00d5221c8045d1d255"},
    {"l:small", "quicklist",
     "120102c32c406c1d6c000000080081610281620201010201df9c02f270110104f400f2052a01201c0309e04663e03c000148ff0a009db1"
     "839de0929fc1"},
    {"s:bigint", "int", "000d313233343536373839303132330a005e0c12ae0429bc1e"},
    {"s:emb", "embstr", "000b68656c6c6f20776f726c640a000bfc49b9a6c7a034"},
    {"s:int", "int", "00c139300a009d94ea2793fc08b9"},
    {"s:lzf", "embstr", "00c30b240361626361e015020162630a008e8791ca11001e28"},
    {"s:neg", "int", "00c0f90a005e26d130d7a242ab"},
    {"s:raw", "raw", "00c3174082017878e01300096162636465666768696ae04f0901696a0a0064130a267a8a6a10"},
    {"set:int", "intset",
     "0bc32c38040800000006200301fbff80000001200b400000024004200000032003400001a086a01902f2052a200900000a00f371b8fb9200"
     "100d"},
    {"set:str", "hashtable", "02040161c001016201630a00eaeb4c2c70aada45"},
    {"z:lp", "listpack",
     "112c2c0000000a00816302dffd02816102010181620283322e35048164028531652b32300681650283696e6604ff0a009824950d0b8525d"
     "4"},
    {"z:sl", "skiplist",
     "0504c3094050014d4de04300014d4d0000000000000a400161000000000000f83f016200000000000000c00163000000000000f0ff0a006a"
     "46338931b77e1d"},
};

// What each vector holds, as the commands read it back.
void check_vector_content(Harness& h) {
  const std::string raw = std::string(30, 'x') + [] {
    std::string s;
    for (int i = 0; i < 10; ++i) s += "abcdefghij";
    return s;
  }();
  CHECK(h.run({"GET", "s:int"}) == bulk("12345"));
  CHECK(h.run({"GET", "s:bigint"}) == bulk("1234567890123"));
  CHECK(h.run({"GET", "s:neg"}) == bulk("-7"));
  CHECK(h.run({"GET", "s:emb"}) == bulk("hello world"));
  CHECK(h.run({"GET", "s:raw"}) == bulk(raw));
  CHECK(h.run({"GET", "s:lzf"}) == bulk("abcabcabcabcabcabcabcabcabcabcabcabc"));
  CHECK(h.run({"LRANGE", "l:small", "0", "-1"}) ==
        bulks({"a", "b", "1", "2", "-100", "70000", "5000000000", std::string(70, 'c')}));
  CHECK(h.run({"LRANGE", "l:multi", "0", "-1"}) == bulks({"e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"}));
  CHECK(h.run({"SORT", "set:int"}) == bulks({"-5", "1", "2", "3", "100000", "5000000000"}));
  CHECK(h.run({"SORT", "set:str", "ALPHA"}) == bulks({"1", "a", "b", "c"}));
  CHECK(h.run({"HGET", "h:lp", "f3"}) == bulk("xxxxxxxxxx"));
  CHECK(h.run({"HGET", "h:lp", "f2"}) == bulk("2"));
  CHECK(h.run({"HLEN", "h:lp"}) == integer(3));
  CHECK(h.run({"HGET", "h:ht", "long"}) == bulk(std::string(80, 'L')));
  CHECK(h.run({"HGET", "h:ht", "n"}) == bulk("42"));
  CHECK(h.run({"ZRANGE", "z:lp", "0", "-1", "WITHSCORES"}) ==
        bulks({"c", "-3", "a", "1", "b", "2.5", "d", "1e+20", "e", "inf"}));
  CHECK(h.run({"ZRANGE", "z:sl", "0", "-1", "WITHSCORES"}) ==
        bulks({"c", "-inf", "b", "-2", "a", "1.5", std::string(80, 'M'), "3.25"}));
  CHECK(h.run({"PFCOUNT", "hll"}) == integer(3));
}


// A stream built on Redis 7.0.15 (redis-server on loopback): XADD s 1-1 a 1 b 2, 1-2 a 3 b 4,
// 2-0 c hello, 3-5 a x b <47-byte value>; XDEL s 1-2; XGROUP CREATE s g1 0 and g2 $;
// XREADGROUP GROUP g1 alice COUNT 2, then bob COUNT 1; XGROUP CREATECONSUMER s g1 carol. Its DUMP
// (STREAM_LISTPACKS_2) and Redis's XINFO STREAM s FULL reply afterwards, byte for byte (times
// are absolute in the payload, so they match too).
const char* const kRedisStreamDump =
    "13011000000000000000010000000000000001407e7e0000001f0003010101020181610281620200010201000100010101020105010301"
    "0001010103010401050100010101dfff0201018163028568656c6c6f060601020102010401817802af61206d756368206c6f6e67657220"
    "76616c7565207468617420676f65732070617374207477656e7479206279746573300501ff030305010101020402026731030504030000"
    "0000000000010000000000000001d85b4202a20100000100000000000000020000000000000000d85b4202a20100000100000000000000"
    "030000000000000005e95b4202a2010000010305616c696365d85b4202a201000002000000000000000100000000000000010000000000"
    "000002000000000000000003626f62e95b4202a20100000100000000000000030000000000000005056361726f6cf15b4202a201000000"
    "026732030581ffffffffffffffff00000a00990e1434dd2df833";
const char* const kRedisStreamFull =
    "*18\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r"
    "\nlast-generated-id\r\n$3\r\n3-5\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n1-2\r\n$13\r\nentries-added"
    "\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*3\r\n*2\r\n$3\r\n1-1\r\n*"
    "4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nc\r\n$5\r\nhello\r\n"
    "*2\r\n$3\r\n3-5\r\n*4\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$47\r\na much longer value that goes past "
    "twenty bytes\r\n$6\r\ngroups\r\n*2\r\n*14\r\n$4\r\nname\r\n$2\r\ng1\r\n$17\r\nlast-delivered-id\r\n$"
    "3\r\n3-5\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:0\r\n$9\r\npel-count\r\n:3\r\n$7\r\npending\r"
    "\n*3\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:1795334233048\r\n:1\r\n*4\r\n$3\r\n2-0\r\n$5\r\nalice\r\n"
    ":1795334233048\r\n:1\r\n*4\r\n$3\r\n3-5\r\n$3\r\nbob\r\n:1795334233065\r\n:1\r\n$9\r\nconsumers\r\n*"
    "3\r\n*8\r\n$4\r\nname\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n:1795334233048\r\n$9\r\npel-count\r\n:2\r"
    "\n$7\r\npending\r\n*2\r\n*3\r\n$3\r\n1-1\r\n:1795334233048\r\n:1\r\n*3\r\n$3\r\n2-0\r\n:179533423304"
    "8\r\n:1\r\n*8\r\n$4\r\nname\r\n$3\r\nbob\r\n$9\r\nseen-time\r\n:1795334233065\r\n$9\r\npel-count\r\n"
    ":1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n3-5\r\n:1795334233065\r\n:1\r\n*8\r\n$4\r\nname\r\n$5\r\nca"
    "rol\r\n$9\r\nseen-time\r\n:1795334233073\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*14\r\n$"
    "4\r\nname\r\n$2\r\ng2\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-5\r\n$12\r\nentries-read\r\n$-1\r\n$3\r"
    "\nlag\r\n:0\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*0\r\n";
// The same stream as RDB_TYPE_STREAM_LISTPACKS (Redis 5/6: no first ID, max deleted ID, entries
// added or group read counters), and what Redis 7.0.15 shows after restoring it.
const char* const kRedisStream15Dump =
    "0f011000000000000000010000000000000001407e7e0000001f0003010101020181610281620200010201000100010101020105010301"
    "0001010103010401050100010101dfff0201018163028568656c6c6f060601020102010401817802af61206d756368206c6f6e67657220"
    "76616c7565207468617420676f65732070617374207477656e7479206279746573300501ff030305020267310305030000000000000001"
    "0000000000000001d85b4202a20100000100000000000000020000000000000000d85b4202a20100000100000000000000030000000000"
    "000005e95b4202a2010000010305616c696365d85b4202a201000002000000000000000100000000000000010000000000000002000000"
    "000000000003626f62e95b4202a20100000100000000000000030000000000000005056361726f6cf15b4202a201000000026732030500"
    "000a0019cf867145b6ba20";
const char* const kRedisStream15Full =
    "*18\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r"
    "\nlast-generated-id\r\n$3\r\n3-5\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added"
    "\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*3\r\n*2\r\n$3\r\n1-1\r\n*"
    "4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nc\r\n$5\r\nhello\r\n"
    "*2\r\n$3\r\n3-5\r\n*4\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$47\r\na much longer value that goes past "
    "twenty bytes\r\n$6\r\ngroups\r\n*2\r\n*14\r\n$4\r\nname\r\n$2\r\ng1\r\n$17\r\nlast-delivered-id\r\n$"
    "3\r\n3-5\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n$9\r\npel-count\r\n:3\r\n$7\r\npending\r"
    "\n*3\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:1795334233048\r\n:1\r\n*4\r\n$3\r\n2-0\r\n$5\r\nalice\r\n"
    ":1795334233048\r\n:1\r\n*4\r\n$3\r\n3-5\r\n$3\r\nbob\r\n:1795334233065\r\n:1\r\n$9\r\nconsumers\r\n*"
    "3\r\n*8\r\n$4\r\nname\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n:1795334233048\r\n$9\r\npel-count\r\n:2\r"
    "\n$7\r\npending\r\n*2\r\n*3\r\n$3\r\n1-1\r\n:1795334233048\r\n:1\r\n*3\r\n$3\r\n2-0\r\n:179533423304"
    "8\r\n:1\r\n*8\r\n$4\r\nname\r\n$3\r\nbob\r\n$9\r\nseen-time\r\n:1795334233065\r\n$9\r\npel-count\r\n"
    ":1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n3-5\r\n:1795334233065\r\n:1\r\n*8\r\n$4\r\nname\r\n$5\r\nca"
    "rol\r\n$9\r\nseen-time\r\n:1795334233073\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*14\r\n$"
    "4\r\nname\r\n$2\r\ng2\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-5\r\n$12\r\nentries-read\r\n:3\r\n$3\r"
    "\nlag\r\n:0\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n$9\r\nconsumers\r\n*0\r\n";

Reply parsed(std::string_view resp) {
  Reply r;
  REQUIRE(microredis::parse_reply(resp, r) == resp.size());
  return r;
}

// A stream with several blocks, tombstones, two groups, pending entries moved between consumers.
void build_stream(Harness& h, std::string_view key) {
  h.run({"CONFIG", "SET", "stream-node-max-entries", "4"});
  for (int i = 1; i <= 15; ++i) {
    const std::string id = std::to_string(i) + "-" + std::to_string(i % 3);
    const std::string v = i % 4 == 0 ? std::string(40, static_cast<char>('a' + i)) : std::to_string(i * 1000);
    if (i % 5 == 0) {
      h.run({"XADD", key, id, "other", v});
    } else {
      h.run({"XADD", key, id, "f", v, "g", "x"});
    }
  }
  h.run({"XDEL", key, "2-2", "9-0"});
  h.run({"XGROUP", "CREATE", key, "grp", "0"});
  h.run({"XGROUP", "CREATE", key, "late", "$"});
  h.run({"XREADGROUP", "GROUP", "grp", "alice", "COUNT", "5", "STREAMS", key, ">"});
  h.clock.advance_ms(1500);
  h.run({"XREADGROUP", "GROUP", "grp", "bob", "COUNT", "3", "STREAMS", key, ">"});
  h.clock.advance_ms(700);
  h.run({"XCLAIM", key, "grp", "carol", "0", "3-0", "4-1"});
  h.run({"XGROUP", "CREATECONSUMER", key, "grp", "dave"});
  h.run({"XADD", key, "20-0", "f", "tail"});
  h.run({"XDEL", key, "20-0"});
}

// Restores `rounds` random mutations (byte changes, cuts, inserts; resealed with a valid
// checksum) of each key's DUMP payload: every reply must be OK or one of RESTORE's two payload
// errors. on_loaded runs after each mutation that did load.
template <class OnLoaded>
void restore_mutations(Harness& h, std::initializer_list<const char*> keys, int rounds, std::uint64_t seed,
                       OnLoaded&& on_loaded) {
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  for (const char* key : keys) {
    const std::string p = dump_of(h, key);
    for (int round = 0; round < rounds; ++round) {
      std::string m = p;
      const int edits = 1 + static_cast<int>(next() % 3);
      for (int e = 0; e < edits; ++e) {
        const std::size_t at = next() % (m.size() - 10);
        switch (next() % 3) {
          case 0: m[at] = static_cast<char>(next()); break;
          case 1: m.erase(at, 1 + next() % 4); break;
          default: m.insert(at, 1, static_cast<char>(next())); break;
        }
        if (m.size() < 11) break;
      }
      Reply r = h.run({"RESTORE", "fuzz", "0", reseal(m), "REPLACE"});
      CAPTURE(r);
      CHECK((r == ok() || r == error("ERR Bad data format") ||
             r == error("ERR DUMP payload version or checksum are wrong")));
      if (r == ok()) on_loaded();
    }
  }
}

}  // namespace

TEST_SUITE("dump") {
  TEST_CASE("crc64 and lzf") {
    CHECK(rdb::crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    Memory mem;
    std::vector<std::uint32_t> table(rdb::kLzfTableSize);
    std::string inputs[] = {std::string(1000, 'a'), "abcabcabcabcabcabcabcabcabcabcabcabc", "no repeats here at all!",
                            std::string()};
    std::string mixed;
    for (int i = 0; i < 5000; ++i) mixed += static_cast<char>((i * 7919) % 251 < 60 ? 'x' : (i * 31) % 256);
    inputs[3] = mixed;
    for (const std::string& in : inputs) {
      std::vector<std::uint8_t> out(in.size() + 64), back(in.size());
      const auto* src = reinterpret_cast<const std::uint8_t*>(in.data());
      std::size_t n = rdb::lzf_compress(src, in.size(), out.data(), out.size(), table.data());
      REQUIRE(n > 0);
      CHECK(rdb::lzf_decompress(out.data(), n, back.data(), back.size()) == in.size());
      CHECK(std::memcmp(back.data(), in.data(), in.size()) == 0);
      // Too small an output: compression gives up, decompression refuses.
      if (n > 2) CHECK(rdb::lzf_decompress(out.data(), n, back.data(), in.size() - 1) == 0);
    }
    std::vector<std::uint8_t> out(8);
    CHECK(rdb::lzf_compress(reinterpret_cast<const std::uint8_t*>("abcdefghijkl"), 12, out.data(), 8, table.data()) == 0);
    // A back reference before the start of the output.
    const std::uint8_t bad[] = {0x20, 0x05};
    std::uint8_t sink[16];
    CHECK(rdb::lzf_decompress(bad, 2, sink, 16) == 0);
  }

  TEST_CASE("Redis 7.0 payloads restore with their content and encodings, and go back out") {
    Harness h;
    h.run({"CONFIG", "SET", "hash-max-listpack-entries", "512"});
    for (const Vector& v : kRedisVectors) {
      CAPTURE(std::string(v.key));
      CHECK(h.run({"RESTORE", v.key, "0", unhex(v.hex)}) == ok());
      CHECK(h.run({"OBJECT", "ENCODING", v.key}) == bulk(v.encoding));
    }
    check_vector_content(h);
    // microredis's own DUMP of each restores to the same content.
    std::vector<std::pair<std::string, std::string>> dumps;
    for (const Vector& v : kRedisVectors) dumps.emplace_back(v.key, dump_of(h, v.key));
    h.run({"FLUSHALL"});
    for (const auto& kp : dumps) {
      CAPTURE(kp.first);
      CHECK(h.run({"RESTORE", kp.first, "0", kp.second}) == ok());
    }
    for (const Vector& v : kRedisVectors) {
      CAPTURE(std::string(v.key));
      CHECK(h.run({"OBJECT", "ENCODING", v.key}) == bulk(v.encoding));
    }
    check_vector_content(h);
    // These come out byte for byte as Redis writes them. (LZF output may differ from Redis's where
    // either compressor finds other matches: h:lp and l:multi compress here and not in Redis, set:int differently.)
    for (const char* key : {"s:int", "s:bigint", "s:neg", "s:emb", "l:small", "z:lp"}) {
      for (const Vector& v : kRedisVectors) {
        CAPTURE(std::string(key));
        if (std::string_view(v.key) == key) CHECK(dump_of(h, key) == unhex(v.hex));
      }
    }
  }

  TEST_CASE("older encodings: ziplists, quicklist v1, zipmap, linked list, text scores") {
    Harness h;
    // HASH_ZIPLIST
    CHECK(h.run({"RESTORE", "h", "0", payload(13, rdb_str(ziplist({zs("a"), zs("1"), zs("b"), zi(300)})))}) == ok());
    CHECK(h.run({"HGETALL", "h"}) == bulks({"a", "1", "b", "300"}));
    CHECK(h.run({"OBJECT", "ENCODING", "h"}) == bulk("listpack"));
    // ZSET_ZIPLIST: scores as strings or integers.
    CHECK(h.run({"RESTORE", "z", "0", payload(12, rdb_str(ziplist({zs("m"), zi(-2), zs("n"), zs("2.5")})))}) == ok());
    CHECK(h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == bulks({"m", "-2", "n", "2.5"}));
    // LIST_ZIPLIST and QUICKLIST (v1: nodes are ziplists)
    CHECK(h.run({"RESTORE", "l1", "0", payload(10, rdb_str(ziplist({zs("x"), zi(7)})))}) == ok());
    CHECK(h.run({"LRANGE", "l1", "0", "-1"}) == bulks({"x", "7"}));
    CHECK(h.run({"RESTORE", "l2", "0",
                 payload(14, rdb_len(2) + rdb_str(ziplist({zs("a"), zs("b")})) + rdb_str(ziplist({zi(3)})))}) == ok());
    CHECK(h.run({"LRANGE", "l2", "0", "-1"}) == bulks({"a", "b", "3"}));
    CHECK(h.run({"OBJECT", "ENCODING", "l2"}) == bulk("quicklist"));
    // LIST (a linked list of strings, Redis 2.x)
    CHECK(h.run({"RESTORE", "l3", "0", payload(1, rdb_len(2) + rdb_str("p") + rdb_str("q"))}) == ok());
    CHECK(h.run({"LRANGE", "l3", "0", "-1"}) == bulks({"p", "q"}));
    // HASH_ZIPMAP: zmlen, then len key len free value..., 0xff
    std::string zm = "\x02";
    zm += std::string("\x01k\x01\x00v", 5) + std::string("\x02k2\x02\x01vv", 7) + "Z" + "\xff";
    // The "Z" above is the free byte of the second value.
    CHECK(h.run({"RESTORE", "zm", "0", payload(9, rdb_str(zm))}) == ok());
    CHECK(h.run({"HGETALL", "zm"}) == bulks({"k", "v", "k2", "vv"}));
    // ZSET with text scores (RDB_TYPE_ZSET): length byte, text; 254 = +inf
    CHECK(h.run({"RESTORE", "zt", "0",
                 payload(3, rdb_len(2) + rdb_str("a") + "\x03" + "1.5" + rdb_str("b") + "\xfe")}) == ok());
    CHECK(h.run({"ZRANGE", "zt", "0", "-1", "WITHSCORES"}) == bulks({"a", "1.5", "b", "inf"}));
    // SET of strings turns into an intset when every member is an integer.
    CHECK(h.run({"RESTORE", "s", "0", payload(2, rdb_len(3) + rdb_str("3") + rdb_str("1") + rdb_str("2"))}) == ok());
    CHECK(h.run({"OBJECT", "ENCODING", "s"}) == bulk("intset"));
    CHECK(h.run({"SMEMBERS", "s"}) == bulks({"1", "2", "3"}));
  }

  TEST_CASE("every encoding microredis has goes through DUMP and RESTORE") {
    Harness h;
    h.run({"CONFIG", "SET", "list-max-listpack-size", "3"});
    h.run({"DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"});
    h.run({"RPUSH", "list", "a", "1", std::string(150, 'P'), "b", "c", "d", "e", "-77777777777"});
    std::vector<std::string> big_hash = {"HSET", "hash"};
    for (int i = 0; i < 300; ++i) {
      big_hash.push_back("field" + std::to_string(i));
      big_hash.push_back(std::to_string(i * 3));
    }
    h.run(big_hash);
    std::vector<std::string> big_zset = {"ZADD", "zset"};
    for (int i = 0; i < 300; ++i) {
      big_zset.push_back(std::to_string(i * 0.25));
      big_zset.push_back("member" + std::to_string(i));
    }
    h.run(big_zset);
    std::vector<std::string> big_set = {"SADD", "set"};
    for (int i = 0; i < 600; ++i) big_set.push_back(std::to_string(i * 1000003));
    h.run(big_set);
    h.run({"SET", "long", std::string(5000, 'z')});
    for (const char* key : {"list", "hash", "zset", "set", "long"}) {
      CAPTURE(key);
      const std::string before_digest = h.run({"DEBUG", "DIGEST-VALUE", key}).elements[0].str;
      const Reply enc = h.run({"OBJECT", "ENCODING", key});
      const std::string p = dump_of(h, key);
      CHECK(h.run({"RESTORE", "copy", "0", p}) == ok());
      CHECK(h.run({"DEBUG", "DIGEST-VALUE", "copy"}).elements[0].str == before_digest);
      CHECK(h.run({"OBJECT", "ENCODING", "copy"}) == enc);
      h.run({"DEL", "copy"});
    }
    // LZF keeps a long repetitive string small.
    CHECK(dump_of(h, "long").size() < 200);
  }

  TEST_CASE("compact blobs over the current limits load in the big encodings") {
    Harness h;
    h.run({"CONFIG", "SET", "hash-max-listpack-entries", "5000"});
    h.run({"CONFIG", "SET", "zset-max-listpack-entries", "5000"});
    h.run({"CONFIG", "SET", "set-max-intset-entries", "5000"});
    std::vector<std::string> hset = {"HSET", "h"}, zadd = {"ZADD", "z"}, sadd = {"SADD", "s"};
    for (int i = 0; i < 3000; ++i) {
      hset.push_back("f" + std::to_string(i));
      hset.push_back(std::to_string(i));
      zadd.push_back(std::to_string(i % 100));
      zadd.push_back("m" + std::to_string(i));
      sadd.push_back(std::to_string(i * 7));
    }
    h.run(hset);
    h.run(zadd);
    h.run(sadd);
    CHECK(h.run({"OBJECT", "ENCODING", "h"}) == bulk("listpack"));
    CHECK(h.run({"OBJECT", "ENCODING", "z"}) == bulk("listpack"));
    CHECK(h.run({"OBJECT", "ENCODING", "s"}) == bulk("intset"));
    const std::string ph = dump_of(h, "h"), pz = dump_of(h, "z"), ps = dump_of(h, "s");
    h.run({"CONFIG", "SET", "hash-max-listpack-entries", "128"});
    h.run({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
    h.run({"CONFIG", "SET", "set-max-intset-entries", "512"});
    CHECK(h.run({"RESTORE", "h2", "0", ph}) == ok());
    CHECK(h.run({"RESTORE", "z2", "0", pz}) == ok());
    CHECK(h.run({"RESTORE", "s2", "0", ps}) == ok());
    CHECK(h.run({"OBJECT", "ENCODING", "h2"}) == bulk("hashtable"));
    CHECK(h.run({"OBJECT", "ENCODING", "z2"}) == bulk("skiplist"));
    CHECK(h.run({"OBJECT", "ENCODING", "s2"}) == bulk("hashtable"));
    CHECK(h.run({"DEBUG", "DIGEST-VALUE", "h", "z", "s"}) == h.run({"DEBUG", "DIGEST-VALUE", "h2", "z2", "s2"}));
    CHECK(h.run({"ZRANGE", "z2", "0", "2"}) == bulks({"m0", "m100", "m1000"}));
  }

  TEST_CASE("RESTORE options and errors") {
    Harness h;
    h.run({"SET", "k", "v"});
    const std::string p = dump_of(h, "k");
    CHECK(h.run({"DUMP", "nokey"}) == nil());
    CHECK(h.run({"RESTORE", "k", "0", p}) == error("BUSYKEY Target key name already exists."));
    CHECK(h.run({"RESTORE", "n", "-1", p}) == error("ERR Invalid TTL value, must be >= 0"));
    CHECK(h.run({"RESTORE", "n", "x", p}) == error(Status::not_integer));
    CHECK(h.run({"RESTORE", "n", "0", p, "IDLETIME", "-1"}) == error("ERR Invalid IDLETIME value, must be >= 0"));
    CHECK(h.run({"RESTORE", "n", "0", p, "FREQ", "256"}) == error("ERR Invalid FREQ value, must be >= 0 and <= 255"));
    CHECK(h.run({"RESTORE", "n", "0", p, "FREQ", "1", "IDLETIME", "1"}) == error(Status::syntax));
    CHECK(h.run({"RESTORE", "n", "0", p, "IDLETIME"}) == error(Status::syntax));
    CHECK(h.run({"RESTORE", "n", "0", p, "BOGUS"}) == error(Status::syntax));
    CHECK(h.run({"RESTORE", "n", "0", "short"}) == error("ERR DUMP payload version or checksum are wrong"));
    std::string flipped = p;
    flipped[0] = 8;  // no such type
    CHECK(h.run({"RESTORE", "n", "0", flipped}) == error("ERR DUMP payload version or checksum are wrong"));
    CHECK(h.run({"RESTORE", "n", "0", payload(0, rdb_str("v"), 11)}) ==
          error("ERR DUMP payload version or checksum are wrong"));
    CHECK(h.run({"RESTORE", "n", "0", payload(0, rdb_str("v"), 9)}) == ok());
    CHECK(h.run({"RESTORE", "n2", "0", reseal(flipped)}) == error("ERR Bad data format"));
    // Empty collections, duplicates, NaN scores, unknown types, truncations.
    CHECK(h.run({"RESTORE", "n", "0", payload(2, rdb_len(0)), "REPLACE"}) == error("ERR Bad data format"));
    CHECK(h.run({"RESTORE", "n", "0", payload(2, rdb_len(2) + rdb_str("a") + rdb_str("a")), "REPLACE"}) ==
          error("ERR Bad data format"));
    CHECK(h.run({"RESTORE", "n", "0", payload(4, rdb_len(2) + rdb_str("f") + rdb_str("1") + rdb_str("f") + rdb_str("2")),
                 "REPLACE"}) == error("ERR Bad data format"));
    CHECK(h.run({"RESTORE", "n", "0", payload(3, rdb_len(1) + rdb_str("a") + "\xfd"), "REPLACE"}) ==
          error("ERR Bad data format"));
    CHECK(h.run({"RESTORE", "n", "0", payload(15, rdb_len(0)), "REPLACE"}) == error("ERR Bad data format"));
    CHECK(h.run({"RESTORE", "n", "0", payload(0, rdb_len(5) + "ab"), "REPLACE"}) == error("ERR Bad data format"));
    CHECK(h.run({"GET", "n"}) == bulk("v"));  // every failure left the key alone
  }

  TEST_CASE("RESTORE TTLs, REPLACE, ABSTTL, IDLETIME, FREQ, keyspace events") {
    Harness h;
    h.run({"SET", "k", "v"});
    const std::string p = dump_of(h, "k");
    CHECK(h.run({"RESTORE", "t", "5000", p}) == ok());
    CHECK(h.run({"PTTL", "t"}) == integer(5000));
    const std::int64_t now = h.clock.now_ms();
    CHECK(h.run({"RESTORE", "a", std::to_string(now + 3000), p, "ABSTTL"}) == ok());
    CHECK(h.run({"PTTL", "a"}) == integer(3000));
    // An already expired absolute time: nothing is created, a replaced key is deleted.
    CHECK(h.run({"RESTORE", "gone", "1", p, "ABSTTL"}) == ok());
    CHECK(h.run({"EXISTS", "gone"}) == integer(0));
    CHECK(h.run({"RESTORE", "k", "1", p, "ABSTTL", "REPLACE"}) == ok());
    CHECK(h.run({"EXISTS", "k"}) == integer(0));
    CHECK(h.run({"RESTORE", "i", "0", p, "IDLETIME", "1000"}) == ok());
    CHECK(h.run({"OBJECT", "IDLETIME", "i"}) == integer(1000));
    h.run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
    CHECK(h.run({"RESTORE", "f", "0", p, "FREQ", "100"}) == ok());
    CHECK(h.run({"OBJECT", "FREQ", "f"}) == integer(100));
    h.run({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
    CHECK(h.run({"RESTORE-ASKING", "ra", "0", p}) == ok());
    CHECK(h.run({"GET", "ra"}) == bulk("v"));
    CHECK(h.run({"RESTORE", "ra", "0", dump_of(h, "t"), "REPLACE"}) == ok());
  }

  TEST_CASE("corrupt payloads never crash") {
    Harness h;
    h.run({"CONFIG", "SET", "list-max-listpack-size", "4"});
    h.run({"RPUSH", "l", "a", "b", "c", "d", "e", "1", "2", "300000"});
    h.run({"HSET", "hl", "f", "v", "g", "1"});
    h.run({"HSET", "ht", "f", std::string(100, 'v'), "g", "1"});
    h.run({"ZADD", "zl", "1", "a", "2.5", "b"});
    h.run({"ZADD", "zs", "1", "a", "2.5", std::string(100, 'b')});
    h.run({"SADD", "si", "1", "2", "70000"});
    h.run({"SADD", "ss", "x", "y"});
    h.run({"SET", "str", std::string(100, 'q') + "abc"});
    restore_mutations(h, {"l", "hl", "ht", "zl", "zs", "si", "ss", "str"}, 300, 88172645463325252ULL, [] {});
  }

  TEST_CASE("DEBUG RELOAD keeps values, TTLs and encodings") {
    Harness h;
    h.run({"SET", "s", "12"});
    h.run({"SET", "e", "text", "PX", "60000"});
    h.run({"RPUSH", "l", "a", "b"});
    h.run({"HSET", "h", "f", std::string(100, 'x'), "g", "1"});
    h.run({"HDEL", "h", "f"});
    h.run({"SADD", "st", "1", "2"});
    h.run({"ZADD", "z", "1", "a"});
    h.run({"SELECT", "3"});
    h.run({"SET", "in3", "x"});
    h.run({"SELECT", "0"});
    const Reply digest = h.run({"DEBUG", "DIGEST"});
    CHECK(h.run({"OBJECT", "ENCODING", "h"}) == bulk("hashtable"));
    CHECK(h.run({"DEBUG", "RELOAD"}) == ok());
    CHECK(h.run({"DEBUG", "DIGEST"}) == digest);
    CHECK(h.run({"PTTL", "e"}) == integer(60000));
    // A hash that shrank comes back compact, as after Redis's reload.
    CHECK(h.run({"OBJECT", "ENCODING", "h"}) == bulk("listpack"));
    CHECK(h.run({"OBJECT", "ENCODING", "s"}) == bulk("int"));
    CHECK(h.run({"DEBUG", "RELOAD", "NOFLUSH", "MERGE"}) == ok());
    CHECK(h.run({"DEBUG", "DIGEST"}) == digest);
    CHECK(h.run({"DEBUG", "RELOAD", "NOFLUSH"}) == error("ERR Error trying to load the RDB dump"));
    CHECK(h.run({"DEBUG", "RELOAD", "NOSAVE"}) == error("ERR Error trying to load the RDB dump"));
    CHECK(h.run({"DEBUG", "DIGEST"}) == digest);
    CHECK(h.run({"DEBUG", "RELOAD", "BAD"}) ==
          error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."));
    // Expired keys are not loaded.
    h.clock.advance_ms(61000);
    CHECK(h.run({"DEBUG", "RELOAD"}) == ok());
    CHECK(h.run({"DBSIZE"}) == integer(5));
  }
  TEST_CASE("streams: a Redis 7.0 payload restores as Redis shows it, both stream types") {
    Harness h;
    CHECK(h.run({"RESTORE", "s", "0", unhex(kRedisStreamDump)}) == ok());
    CHECK(h.run({"XINFO", "STREAM", "s", "FULL"}) == parsed(kRedisStreamFull));
    CHECK(h.run({"TYPE", "s"}) == simple("stream"));
    // Our DUMP of it loads back to the same thing (Redis restores it too: see
    // tests/integration/test_dump_interop.py).
    CHECK(h.run({"RESTORE", "t", "0", dump_of(h, "s")}) == ok());
    CHECK(h.run({"XINFO", "STREAM", "t", "FULL"}) == parsed(kRedisStreamFull));
    // The groups keep working where they were.
    CHECK(h.run({"XACK", "s", "g1", "1-1", "3-5"}) == integer(2));
    CHECK(h.run({"XPENDING", "s", "g1"}) == array({integer(1), bulk("2-0"), bulk("2-0"), array({bulks({"alice", "1"})})}));
    CHECK(h.run({"XADD", "s", "4-0", "k", "v"}) == bulk("4-0"));
    CHECK(h.run({"XREADGROUP", "GROUP", "g2", "zed", "STREAMS", "s", ">"}) ==
          array({array({bulk("s"), array({array({bulk("4-0"), bulks({"k", "v"})})})})}));

    CHECK(h.run({"RESTORE", "s15", "0", unhex(kRedisStream15Dump)}) == ok());
    CHECK(h.run({"XINFO", "STREAM", "s15", "FULL"}) == parsed(kRedisStream15Full));
    // A type-15 stream saves as type 19.
    CHECK(static_cast<std::uint8_t>(dump_of(h, "s15")[0]) == rdb::kTypeStreamListpacks2);
  }

  TEST_CASE("streams: DUMP and RESTORE keep blocks, tombstones, groups, consumers and pending lists") {
    Harness h;
    build_stream(h, "s");
    const Reply full = h.run({"XINFO", "STREAM", "s", "FULL"});
    REQUIRE(full.size() == 18);
    const std::string p = dump_of(h, "s");
    CHECK(static_cast<std::uint8_t>(p[0]) == rdb::kTypeStreamListpacks2);
    CHECK(h.run({"RESTORE", "c", "0", p}) == ok());
    CHECK(h.run({"XINFO", "STREAM", "c", "FULL"}) == full);
    CHECK(h.run({"XRANGE", "c", "-", "+"}) == h.run({"XRANGE", "s", "-", "+"}));
    CHECK(h.run({"XREVRANGE", "c", "+", "-"}) == h.run({"XREVRANGE", "s", "+", "-"}));
    CHECK(h.run({"XPENDING", "c", "grp", "-", "+", "100"}) == h.run({"XPENDING", "s", "grp", "-", "+", "100"}));
    CHECK(h.run({"XINFO", "GROUPS", "c"}) == h.run({"XINFO", "GROUPS", "s"}));
    CHECK(h.run({"MEMORY", "USAGE", "c"}) == h.run({"MEMORY", "USAGE", "s"}));
    CHECK(dump_of(h, "c") == p);
    // Both go on identically.
    for (const char* k : {"s", "c"}) {
      CHECK(h.run({"XADD", k, "30-0", "n", "1"}) == bulk("30-0"));
      CHECK(h.run({"XTRIM", k, "MAXLEN", "5"}) == integer(9));
      CHECK(h.run({"XAUTOCLAIM", k, "grp", "erin", "0", "0"}).size() == 3);
    }
    CHECK(h.run({"XINFO", "STREAM", "c", "FULL"}) == h.run({"XINFO", "STREAM", "s", "FULL"}));

    // An empty stream with a group and no entries.
    h.run({"XADD", "e", "5-5", "a", "b"});
    h.run({"XGROUP", "CREATE", "e", "g", "$"});
    h.run({"XDEL", "e", "5-5"});
    const Reply efull = h.run({"XINFO", "STREAM", "e", "FULL"});
    CHECK(h.run({"RESTORE", "e2", "0", dump_of(h, "e")}) == ok());
    CHECK(h.run({"XINFO", "STREAM", "e2", "FULL"}) == efull);
    CHECK(h.run({"XLEN", "e2"}) == integer(0));
  }

  TEST_CASE("streams: DEBUG RELOAD keeps them") {
    Harness h;
    build_stream(h, "s");
    h.run({"RESTORE", "r", "0", unhex(kRedisStreamDump)});
    const Reply full = h.run({"XINFO", "STREAM", "s", "FULL"});
    const Reply digest = h.run({"DEBUG", "DIGEST"});
    CHECK(h.run({"DEBUG", "RELOAD"}) == ok());
    CHECK(h.run({"XINFO", "STREAM", "s", "FULL"}) == full);
    CHECK(h.run({"XINFO", "STREAM", "r", "FULL"}) == parsed(kRedisStreamFull));
    CHECK(h.run({"DEBUG", "DIGEST"}) == digest);
  }

  TEST_CASE("streams: inconsistent payloads are bad format") {
    Harness h;
    const std::string good = unhex(kRedisStreamDump);
    const Reply bad = error("ERR Bad data format");
    // Edits of the Redis payload at known places (offsets into it), each resealed.
    auto with = [&](std::size_t at, std::string_view bytes) {
      std::string m = good;
      m.replace(at, bytes.size(), bytes);
      return reseal(m);
    };
    const std::size_t meta = good.find(unhex("0303050101010204"));
    REQUIRE(meta != std::string::npos);
    CHECK(h.run({"RESTORE", "x", "0", with(meta, unhex("04"))}) == bad);        // length 4, 3 live entries
    CHECK(h.run({"RESTORE", "x", "0", with(meta + 1, unhex("0304"))}) == bad);  // last ID 3-4 below entry 3-5
    CHECK(h.run({"RESTORE", "y", "0", with(meta + 1, unhex("0306"))}) == ok());  // above: fine
    // g1's PEL holds 1-1, 2-0, 3-5; alice owns 1-1 and 2-0, bob 3-5.
    const std::size_t alice = good.find("alice");
    REQUIRE(alice != std::string::npos);
    const std::size_t alice_pel = alice + 5 + 8;  // name, seen time
    CHECK(static_cast<std::uint8_t>(good[alice_pel]) == 2);
    // alice claims 3-5 too: owned twice.
    CHECK(h.run({"RESTORE", "x", "0", with(alice_pel + 1 + 16, unhex("00000000000000030000000000000005"))}) == bad);
    // alice claims an ID the group does not have pending.
    CHECK(h.run({"RESTORE", "x", "0", with(alice_pel + 1, unhex("00000000000000010000000000000002"))}) == bad);
    // The group's PEL names an ID twice.
    const std::size_t g1 = good.find("g1");
    const std::size_t pel = g1 + 2 + 3;  // name, last ID 3-5, entries read 4
    CHECK(static_cast<std::uint8_t>(good[pel]) == 3);
    CHECK(h.run({"RESTORE", "x", "0", with(pel + 1 + 16 + 9, good.substr(pel + 1, 16))}) == bad);
    // Two groups of one name.
    CHECK(h.run({"RESTORE", "x", "0", with(good.find("g2"), "g1")}) == bad);
    // Two consumers of one name.
    CHECK(h.run({"RESTORE", "x", "0", with(good.find("carol"), "alice")}) == bad);
    // bob's list dropped: 3-5 pending without an owner. (bob's count 1 -> 0 leaves 16 bytes that
    // then read as garbage; so drop the ID as well.)
    {
      const std::size_t bob = good.find("bob");
      std::string m = good;
      m[bob + 3 + 8] = 0;
      m.erase(bob + 3 + 8 + 1, 16);
      CHECK(h.run({"RESTORE", "x", "0", reseal(m)}) == bad);
    }
    // The block key is not 16 bytes, or the block is not after the previous one.
    CHECK(h.run({"RESTORE", "x", "0", with(1, unhex("0201"))}) == bad);
    // The master entry's count (first element, 3 live) says 2, or its deleted count 0.
    const std::size_t lp = good.find(unhex("1f00"));  // 0x7e-byte listpack: count 0x1f elements
    REQUIRE(lp != std::string::npos);
    CHECK(h.run({"RESTORE", "x", "0", with(lp + 2, unhex("02"))}) == bad);
    CHECK(h.run({"RESTORE", "x", "0", with(lp + 4, unhex("00"))}) == bad);
    // An lp-count that does not fit its entry.
    CHECK(h.run({"RESTORE", "x", "0", with(good.find(unhex("0501ff")), unhex("0601"))}) == bad);
    // A stream type with nothing after the type byte.
    CHECK(h.run({"RESTORE", "x", "0", payload(rdb::kTypeStreamListpacks2, "")}) == bad);
    CHECK(h.run({"RESTORE", "x", "0", payload(rdb::kTypeStreamListpacks, rdb_len(0))}) == bad);
    CHECK(h.run({"EXISTS", "x"}) == integer(0));
    CHECK(h.run({"XINFO", "STREAM", "y"}).size() == 20);
  }

  TEST_CASE("streams: corrupt payloads never crash") {
    Harness h;
    build_stream(h, "s");
    h.run({"RESTORE", "r", "0", unhex(kRedisStreamDump)});
    restore_mutations(h, {"s", "r"}, 600, 0x9e3779b97f4a7c15ULL, [&] {
      // Whatever loaded must be walkable every way.
      h.run({"XRANGE", "fuzz", "-", "+"});
      h.run({"XREVRANGE", "fuzz", "+", "-"});
      h.run({"XINFO", "STREAM", "fuzz", "FULL"});
      h.run({"XADD", "fuzz", "*", "a", "b"});
      h.run({"XTRIM", "fuzz", "MAXLEN", "2"});
    });
  }
}
