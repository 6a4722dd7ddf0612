// The set family. Expected replies were checked against redis-server 7.0.15.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/set.hpp"

using namespace mrtest;
using microredis::Encoding;

namespace {

std::vector<std::string> sorted(std::initializer_list<std::string> items) {
  std::vector<std::string> v(items);
  std::sort(v.begin(), v.end());
  return v;
}

Reply set_of(std::initializer_list<std::string_view> items) {
  Reply r = Reply::bulks(items);
  r.type = Reply::Type::set;
  return r;
}

void create_set(Harness& h, const std::string& key, const std::vector<std::string>& members) {
  std::vector<std::string> cmd = {"SADD", key};
  cmd.insert(cmd.end(), members.begin(), members.end());
  h.run(cmd);
}

const Reply kWrongType = error(Status::wrong_type);

}  // namespace

TEST_SUITE("sets") {
  TEST_CASE("SADD, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS in both encodings") {
    Harness h;
    CHECK(h.run({"SADD", "s", "foo"}) == integer(1));
    CHECK(encoding_of(h, "s") == Encoding::hashtable);
    CHECK(h.run({"SADD", "s", "bar", "bar"}) == integer(1));
    CHECK(h.run({"SCARD", "s"}) == integer(2));
    CHECK(h.run({"SISMEMBER", "s", "foo"}) == integer(1));
    CHECK(h.run({"SISMEMBER", "s", "bla"}) == integer(0));
    CHECK(h.run({"SMISMEMBER", "s", "foo", "bla", "bar"}) == array({integer(1), integer(0), integer(1)}));
    CHECK(sorted_strings(h.run({"SMEMBERS", "s"})) == sorted({"foo", "bar"}));

    CHECK(h.run({"SADD", "i", "17"}) == integer(1));
    CHECK(encoding_of(h, "i") == Encoding::intset);
    CHECK(h.run({"SADD", "i", "16", "16", "-5"}) == integer(2));
    CHECK(h.run({"SMEMBERS", "i"}) == bulks({"-5", "16", "17"}));  // an intset is sorted
    CHECK(h.run({"SISMEMBER", "i", "16"}) == integer(1));
    CHECK(h.run({"SISMEMBER", "i", "016"}) == integer(0));
    CHECK(h.run({"SISMEMBER", "i", "x"}) == integer(0));
    CHECK(h.run({"SMISMEMBER", "i", "16", "18"}) == array({integer(1), integer(0)}));

    CHECK(h.run({"SCARD", "nokey"}) == integer(0));
    CHECK(h.run({"SISMEMBER", "nokey", "a"}) == integer(0));
    CHECK(h.run({"SMISMEMBER", "nokey", "a", "b"}) == array({integer(0), integer(0)}));
    CHECK(h.run({"SMEMBERS", "nokey"}) == array({}));
    CHECK(h.run({"SMISMEMBER", "s"}) == error("ERR wrong number of arguments for 'smismember' command"));
    CHECK(h.run({"SADD", "s"}) == error("ERR wrong number of arguments for 'sadd' command"));
  }

  TEST_CASE("intset: only canonical integers, up to set-max-intset-entries, then a table for good") {
    Harness h;
    create_set(h, "s", {"1", "2", "3"});
    CHECK(encoding_of(h, "s") == Encoding::intset);
    CHECK(h.run({"SADD", "s", "a"}) == integer(1));
    CHECK(encoding_of(h, "s") == Encoding::hashtable);
    CHECK(h.run({"SREM", "s", "a"}) == integer(1));
    CHECK(encoding_of(h, "s") == Encoding::hashtable);
    CHECK(h.run({"SISMEMBER", "s", "2"}) == integer(1));

    for (const char* v : {"007", "+1", "-0", " 1", "1 ", "9223372036854775808", "1.0", ""}) {
      CAPTURE(v);
      h.run({"SADD", "x", v});
      CHECK(encoding_of(h, "x") == Encoding::hashtable);
      h.run({"SREM", "x", v});
      CHECK_FALSE(exists(h, "x"));
    }
    create_set(h, "w", {"-9223372036854775808", "9223372036854775807", "0"});
    CHECK(encoding_of(h, "w") == Encoding::intset);
    CHECK(h.run({"SMEMBERS", "w"}) == bulks({"-9223372036854775808", "0", "9223372036854775807"}));

    std::vector<std::string> cmd = {"SADD", "big"};
    for (int i = 0; i < 512; ++i) cmd.push_back(std::to_string(i));
    CHECK(h.run(cmd) == integer(512));
    CHECK(encoding_of(h, "big") == Encoding::intset);
    CHECK(h.run({"SADD", "big", "512"}) == integer(1));
    CHECK(encoding_of(h, "big") == Encoding::hashtable);
    CHECK(h.run({"SCARD", "big"}) == integer(513));

    CHECK(h.run({"CONFIG", "SET", "set-max-intset-entries", "2"}) == ok());
    create_set(h, "c", {"1", "2"});
    CHECK(encoding_of(h, "c") == Encoding::intset);
    h.run({"SADD", "c", "2"});  // not added: no conversion
    CHECK(encoding_of(h, "c") == Encoding::intset);
    h.run({"SADD", "c", "3"});
    CHECK(encoding_of(h, "c") == Encoding::hashtable);
    CHECK(h.run({"CONFIG", "SET", "set-max-intset-entries", "0"}) == ok());
    h.run({"SADD", "z", "1"});
    CHECK(encoding_of(h, "z") == Encoding::hashtable);
  }

  TEST_CASE("SREM removes members and the key with the last one") {
    Harness h;
    CHECK(h.run({"SREM", "nokey", "a"}) == integer(0));
    create_set(h, "s", {"a", "b", "c", "d"});
    CHECK(h.run({"SREM", "s", "k", "k"}) == integer(0));
    CHECK(h.run({"SREM", "s", "b", "d", "x", "y"}) == integer(2));
    CHECK(sorted_strings(h.run({"SMEMBERS", "s"})) == sorted({"a", "c"}));
    create_set(h, "i", {"1", "2", "3"});
    CHECK(h.run({"SREM", "i", "1", "2", "3", "4", "5"}) == integer(3));
    CHECK_FALSE(exists(h, "i"));
    CHECK(h.run({"SREM", "s", "a", "c", "a"}) == integer(2));
    CHECK_FALSE(exists(h, "s"));
  }

  TEST_CASE("WRONGTYPE against strings and hashes") {
    Harness h;
    h.run({"SET", "str", "v"});
    h.run({"HSET", "hash", "a", "1"});
    for (std::string key : {"str", "hash"}) {
      for (auto cmd : std::vector<std::vector<std::string>>{
               {"SADD", key, "a"}, {"SREM", key, "a"}, {"SISMEMBER", key, "a"}, {"SMISMEMBER", key, "a"},
               {"SMEMBERS", key}, {"SCARD", key}, {"SPOP", key}, {"SPOP", key, "2"}, {"SRANDMEMBER", key},
               {"SRANDMEMBER", key, "-2"}, {"SINTER", key}, {"SINTER", "nokey", key}, {"SUNION", "nokey", key},
               {"SDIFF", "nokey", key}, {"SINTERCARD", "2", "nokey", key}, {"SINTERSTORE", "d", "nokey", key},
               {"SUNIONSTORE", "d", key}, {"SDIFFSTORE", "d", "nokey", key}, {"SSCAN", key, "0"},
               {"SMOVE", key, "d", "a"}}) {
        CAPTURE(cmd[0]);
        CHECK(h.run(cmd) == kWrongType);
      }
    }
    h.run({"SADD", "s", "a"});
    CHECK(h.run({"SMOVE", "s", "str", "a"}) == kWrongType);
    CHECK(h.run({"SMOVE", "nokey", "str", "a"}) == integer(0));  // no source: 0 before any type check
    CHECK(h.run({"HGET", "s", "a"}) == kWrongType);
    CHECK_FALSE(exists(h, "d"));
    CHECK(h.run({"SPOP", "str", "x"}) == error(Status::out_of_range_positive));
  }

  TEST_CASE("SMOVE") {
    Harness h;
    auto setup = [&] {
      h.run({"FLUSHALL"});
      create_set(h, "a", {"1", "x", "y"});
      create_set(h, "b", {"2", "3", "4"});
      REQUIRE(encoding_of(h, "a") == Encoding::hashtable);
      REQUIRE(encoding_of(h, "b") == Encoding::intset);
    };
    setup();
    CHECK(h.run({"SMOVE", "a", "b", "x"}) == integer(1));
    CHECK(sorted_strings(h.run({"SMEMBERS", "a"})) == sorted({"1", "y"}));
    CHECK(sorted_strings(h.run({"SMEMBERS", "b"})) == sorted({"2", "3", "4", "x"}));
    CHECK(encoding_of(h, "b") == Encoding::hashtable);
    setup();
    CHECK(h.run({"SMOVE", "a", "b", "1"}) == integer(1));
    CHECK(encoding_of(h, "b") == Encoding::intset);
    CHECK(h.run({"SMEMBERS", "b"}) == bulks({"1", "2", "3", "4"}));
    setup();
    CHECK(h.run({"SMOVE", "b", "a", "2"}) == integer(1));
    CHECK(sorted_strings(h.run({"SMEMBERS", "a"})) == sorted({"1", "2", "x", "y"}));
    setup();
    CHECK(h.run({"SMOVE", "a", "b", "foo"}) == integer(0));
    CHECK(h.run({"SMOVE", "a", "a", "foo"}) == integer(0));
    CHECK(h.run({"SMOVE", "a", "a", "x"}) == integer(1));
    CHECK(h.run({"SMOVE", "nokey", "b", "foo"}) == integer(0));
    CHECK(h.run({"SCARD", "a"}) == integer(3));
    CHECK(h.run({"SMOVE", "a", "c", "x"}) == integer(1));
    CHECK(encoding_of(h, "c") == Encoding::hashtable);
    CHECK(h.run({"SMOVE", "b", "d", "2"}) == integer(1));
    CHECK(encoding_of(h, "d") == Encoding::intset);
    // The member was in both: the source loses it, the destination is unchanged.
    create_set(h, "src", {"a", "b"});
    create_set(h, "dst", {"a"});
    const std::uint64_t dirty = h.engine.dirty();
    CHECK(h.run({"SMOVE", "src", "dst", "a"}) == integer(1));
    CHECK(h.engine.dirty() == dirty + 1);
    CHECK(h.run({"SCARD", "dst"}) == integer(1));
    // The last member leaves: the source key goes.
    CHECK(h.run({"SMOVE", "src", "dst", "b"}) == integer(1));
    CHECK_FALSE(exists(h, "src"));
    CHECK(h.run({"SCARD", "dst"}) == integer(2));
  }

  TEST_CASE("SINTER, SINTERSTORE, SINTERCARD") {
    for (const char* type : {"hashtable", "intset"}) {
      CAPTURE(type);
      Harness h;
      const std::string large = std::string(type) == "intset" ? "200" : "foo";
      for (int i = 0; i < 200; ++i) {
        h.run({"SADD", "set1", std::to_string(i)});
        h.run({"SADD", "set2", std::to_string(i + 195)});
      }
      create_set(h, "set3", {"199", "195", "1000", "2000"});
      for (const char* k : {"set1", "set2", "set3"}) h.run({"SADD", k, large});
      const Encoding enc = std::string(type) == "intset" ? Encoding::intset : Encoding::hashtable;
      CHECK(sorted_strings(h.run({"SINTER", "set1", "set2"})) == sorted({"195", "196", "197", "198", "199", large}));
      CHECK(h.run({"SINTERCARD", "2", "set1", "set2"}) == integer(6));
      CHECK(h.run({"SINTERCARD", "2", "set1", "set2", "LIMIT", "0"}) == integer(6));
      CHECK(h.run({"SINTERCARD", "2", "set1", "set2", "limit", "3"}) == integer(3));
      CHECK(h.run({"SINTERCARD", "2", "set1", "set2", "LIMIT", "10"}) == integer(6));
      CHECK(h.run({"SINTERSTORE", "res", "set1", "set2"}) == integer(6));
      CHECK(encoding_of(h, "res") == enc);
      CHECK(sorted_strings(h.run({"SMEMBERS", "res"})) == sorted({"195", "196", "197", "198", "199", large}));
      CHECK(sorted_strings(h.run({"SINTER", "set1", "set2", "set3"})) == sorted({"195", "199", large}));
      CHECK(h.run({"SINTERCARD", "3", "set1", "set2", "set3", "LIMIT", "2"}) == integer(2));
      CHECK(sorted_strings(h.run({"SINTER", "set1", "set1", "set1"})).size() == 201);
      CHECK(h.run({"SINTER", "set1", "nokey"}) == array({}));
      CHECK(h.run({"SINTERCARD", "1", "nokey"}) == integer(0));
      CHECK(h.run({"SINTERCARD", "1", "nokey", "LIMIT", "10"}) == integer(0));
    }
    Harness h;
    // The same integers in differently encoded sets.
    create_set(h, "a", {"1", "2", "3"});
    create_set(h, "b", {"1", "2", "3", "a"});
    h.run({"SREM", "b", "a"});
    CHECK(sorted_strings(h.run({"SINTER", "a", "b"})) == sorted({"1", "2", "3"}));
    // An empty intersection deletes the destination, whatever it held.
    h.run({"SET", "res", "xxx"});
    CHECK(h.run({"SINTERSTORE", "res", "nokey1", "nokey2"}) == integer(0));
    CHECK_FALSE(exists(h, "res"));
    create_set(h, "res", {"x"});
    create_set(h, "c", {"7"});
    CHECK(h.run({"SINTERSTORE", "res", "a", "c"}) == integer(0));
    CHECK_FALSE(exists(h, "res"));
    // A stored result replaces any value and any TTL.
    h.run({"SET", "res", "v", "EX", "100"});
    CHECK(h.run({"SINTERSTORE", "res", "a", "b"}) == integer(3));
    CHECK_FALSE(h.engine.db(0).find_raw("res")->has_expire());
  }

  TEST_CASE("SINTERCARD argument errors") {
    Harness h;
    h.run({"SADD", "s", "a"});
    CHECK(h.run({"SINTERCARD"}) == error("ERR wrong number of arguments for 'sintercard' command"));
    CHECK(h.run({"SINTERCARD", "1"}) == error("ERR wrong number of arguments for 'sintercard' command"));
    CHECK(h.run({"SINTERCARD", "0", "s"}) == error("ERR numkeys should be greater than 0"));
    CHECK(h.run({"SINTERCARD", "a", "s"}) == error("ERR numkeys should be greater than 0"));
    CHECK(h.run({"SINTERCARD", "-1", "s"}) == error("ERR numkeys should be greater than 0"));
    CHECK(h.run({"SINTERCARD", "2", "s"}) == error("ERR Number of keys can't be greater than number of args"));
    CHECK(h.run({"SINTERCARD", "1", "s", "s2"}) == error(Status::syntax));
    CHECK(h.run({"SINTERCARD", "1", "s", "LIMIT"}) == error(Status::syntax));
    CHECK(h.run({"SINTERCARD", "1", "s", "LIMIT", "-1"}) == error("ERR LIMIT can't be negative"));
    CHECK(h.run({"SINTERCARD", "1", "s", "LIMIT", "a"}) == error("ERR LIMIT can't be negative"));
    CHECK(h.run({"SINTERCARD", "1", "s", "LIMIT", "1", "LIMIT", "5"}) == integer(1));
    std::size_t keys[4];
    const std::string_view argv[] = {"sintercard", "2", "a", "b", "LIMIT", "1"};
    const auto* spec = h.engine.commands().find("sintercard").spec;
    REQUIRE(static_cast<bool>(spec->get_keys));
    REQUIRE(spec->get_keys(argv, 6, keys, 4) == 2);
    CHECK(keys[0] == 2);
    CHECK(keys[1] == 3);
  }

  TEST_CASE("SUNION, SDIFF and their STORE forms") {
    Harness h;
    create_set(h, "a", {"1", "2", "3"});
    create_set(h, "b", {"3", "4", "5"});
    create_set(h, "c", {"b", "a"});
    // Built as an intset, the result comes back sorted, as Redis's does.
    CHECK(h.run({"SUNION", "a", "b", "nokey"}) == bulks({"1", "2", "3", "4", "5"}));
    CHECK(sorted_strings(h.run({"SUNION", "a", "c"})) == sorted({"1", "2", "3", "a", "b"}));
    CHECK(h.run({"SUNION", "nokey"}) == array({}));
    CHECK(h.run({"SDIFF", "a", "b"}) == bulks({"1", "2"}));
    CHECK(h.run({"SDIFF", "a", "b", "c", "nokey"}) == bulks({"1", "2"}));
    CHECK(h.run({"SDIFF", "a", "a"}) == array({}));
    CHECK(h.run({"SDIFF", "nokey", "a"}) == array({}));
    CHECK(h.run({"SUNIONSTORE", "u", "a", "b"}) == integer(5));
    CHECK(encoding_of(h, "u") == Encoding::intset);
    CHECK(h.run({"SUNIONSTORE", "u", "a", "c"}) == integer(5));
    CHECK(encoding_of(h, "u") == Encoding::hashtable);
    CHECK(h.run({"SDIFFSTORE", "d", "a", "b"}) == integer(2));
    CHECK(encoding_of(h, "d") == Encoding::intset);
    CHECK(h.run({"SMEMBERS", "d"}) == bulks({"1", "2"}));
    // Empty results delete the destination.
    h.run({"SET", "res", "x"});
    CHECK(h.run({"SUNIONSTORE", "res", "nokey1", "nokey2"}) == integer(0));
    CHECK_FALSE(exists(h, "res"));
    CHECK(h.run({"SDIFFSTORE", "d", "a", "a"}) == integer(0));
    CHECK_FALSE(exists(h, "d"));
    CHECK(h.run({"SDIFFSTORE", "d", "nokey", "a"}) == integer(0));
    // A destination among the sources.
    CHECK(h.run({"SUNIONSTORE", "a", "a", "b"}) == integer(5));
    CHECK(h.run({"SMEMBERS", "a"}) == bulks({"1", "2", "3", "4", "5"}));
    CHECK(h.run({"SDIFFSTORE", "a", "a", "b"}) == integer(2));
    CHECK(h.run({"SMEMBERS", "a"}) == bulks({"1", "2"}));
  }

  TEST_CASE("SDIFF agrees with a model under both algorithms") {
    Harness h;
    microredis::Random rng(11);
    for (int round = 0; round < 60; ++round) {
      const int nsets = 1 + static_cast<int>(rng.below(6));
      std::set<std::string> expected;
      std::vector<std::string> cmd = {"SDIFF"};
      for (int i = 0; i < nsets; ++i) cmd.push_back("set_" + std::to_string(i));
      h.run({"FLUSHALL"});
      for (int i = 0; i < nsets; ++i) {
        const int n = static_cast<int>(rng.below(i == 0 ? 50 : 200));
        for (int j = 0; j < n; ++j) {
          std::string v = rng.below(2) ? std::to_string(rng.below(100)) : "m" + std::to_string(rng.below(100));
          h.run({"SADD", cmd[1 + i], v});
          if (i == 0) {
            expected.insert(v);
          }
        }
      }
      for (int i = 1; i < nsets; ++i) {
        Reply m = h.run({"SMEMBERS", cmd[1 + i]});
        for (const auto& e : m.elements) expected.erase(e.str);
      }
      Reply r = h.run(cmd);
      std::set<std::string> got;
      for (const auto& e : r.elements) got.insert(e.str);
      CHECK(got == expected);
    }
  }

  TEST_CASE("SPOP") {
    for (const char* type : {"hashtable", "intset"}) {
      CAPTURE(type);
      Harness h;
      const bool ints = std::string(type) == "intset";
      std::vector<std::string> contents;
      for (int i = 0; i < 26; ++i) contents.push_back(ints ? std::to_string(i + 1) : std::string(1, char('a' + i)));
      create_set(h, "s", contents);
      REQUIRE(encoding_of(h, "s") == (ints ? Encoding::intset : Encoding::hashtable));
      std::set<std::string> popped;
      for (const char* n : {"11", "9", "0", "4", "1", "0", "1", "0"}) {
        Reply r = h.run({"SPOP", "s", n});
        CHECK(r.size() == static_cast<std::size_t>(std::atoi(n)));
        for (const auto& e : r.elements) CHECK(popped.insert(e.str).second);
      }
      CHECK(popped.size() == 26);
      CHECK_FALSE(exists(h, "s"));
      create_set(h, "s", {contents[0], contents[1], contents[2]});
      std::set<std::string> single;
      for (int i = 0; i < 3; ++i) single.insert(h.run({"SPOP", "s"}).str);
      CHECK(single.size() == 3);
      CHECK_FALSE(exists(h, "s"));
      CHECK(h.run({"SPOP", "s"}) == nil());
    }
    Harness h;
    std::vector<std::string> content;
    for (int i = 1; i <= 20; ++i) content.push_back(std::to_string(i));
    for (const char* n : {"30", "2", "18", "19", "5"}) {
      CAPTURE(n);
      h.run({"FLUSHALL"});
      create_set(h, "s", content);
      Reply r = h.run({"SPOP", "s", n});
      const std::size_t popped = std::min<std::size_t>(20, std::atoi(n));
      CHECK(r.size() == popped);
      std::set<std::string> all;
      for (const auto& e : r.elements) all.insert(e.str);
      if (exists(h, "s")) {
        for (const auto& e : h.run({"SMEMBERS", "s"}).elements) CHECK(all.insert(e.str).second);
        CHECK(encoding_of(h, "s") == Encoding::intset);
      }
      CHECK(all.size() == 20);
    }
    CHECK(h.run({"SPOP", "nokey", "5"}) == array({}));
    CHECK(h.run({"SPOP", "nokey", "-1"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"SPOP", "s", "-1"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"SPOP", "s", "x"}) == error("ERR value is out of range, must be positive"));
    CHECK(h.run({"SPOP", "s", "1", "2"}) == error(Status::syntax));
    // Case 3 keeps the key's TTL (the survivors replace the value in place).
    h.run({"FLUSHALL"});
    create_set(h, "t", content);
    microredis::Entry* e = h.engine.db(0).find_raw("t");
    REQUIRE(h.engine.db(0).set_expire(e, h.clock.now_ms() + 100000) != nullptr);
    CHECK(h.run({"SPOP", "t", "19"}).size() == 19);
    CHECK(h.engine.db(0).find_raw("t")->has_expire());
    CHECK(h.run({"SCARD", "t"}) == integer(1));
  }

  TEST_CASE("SRANDMEMBER") {
    Harness h;
    CHECK(h.run({"SRANDMEMBER", "nokey"}) == nil());
    CHECK(h.run({"SRANDMEMBER", "nokey", "5"}) == array({}));
    CHECK(h.run({"SRANDMEMBER", "nokey", "x"}) == error(Status::not_integer));
    h.run({"SADD", "s", "a"});
    CHECK(h.run({"SRANDMEMBER", "s", "0"}) == array({}));
    CHECK(h.run({"SRANDMEMBER", "s", "1", "2"}) == error(Status::syntax));
    CHECK(h.run({"SRANDMEMBER", "s", "-9223372036854775808"}) ==
          error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
    CHECK(h.run({"SRANDMEMBER", "s", "-3"}) == bulks({"a", "a", "a"}));
    for (const char* type : {"hashtable", "intset"}) {
      CAPTURE(type);
      h.run({"FLUSHALL"});
      std::vector<std::string> contents;
      for (int i = 0; i < 50; ++i) contents.push_back(std::string(type) == "intset" ? std::to_string(i) : "m" + std::to_string(i));
      create_set(h, "s", contents);
      const std::set<std::string> all(contents.begin(), contents.end());
      Reply r = h.run({"SRANDMEMBER", "s", "-100"});
      CHECK(r.size() == 100);
      for (const auto& e : r.elements) CHECK(all.count(e.str) == 1);
      for (const char* n : {"50", "100"}) {
        r = h.run({"SRANDMEMBER", "s", n});
        std::set<std::string> got;
        for (const auto& e : r.elements) got.insert(e.str);
        CHECK(got == all);
        CHECK(r.size() == 50);
      }
      for (const char* n : {"45", "5"}) {
        std::set<std::string> seen;
        for (int round = 0; round < 200; ++round) {
          r = h.run({"SRANDMEMBER", "s", n});
          std::set<std::string> distinct;
          for (const auto& e : r.elements) distinct.insert(e.str);
          CHECK(distinct.size() == static_cast<std::size_t>(std::atoi(n)));
          seen.insert(distinct.begin(), distinct.end());
        }
        CHECK(seen == all);
      }
    }
  }

  TEST_CASE("SRANDMEMBER and SPOP are uniform over table chains (chi-square)") {
    // 10 members in a table: Redis's suite asserts chi-square < 40 (df = 9) for -1000 draws.
    Harness h;
    create_set(h, "s", {"1", "5", "10", "50", "125", "MARY", "PATRICIA", "LINDA", "BARBARA", "ELIZABETH"});
    REQUIRE(encoding_of(h, "s") == Encoding::hashtable);
    auto chi_square = [](const std::vector<std::string>& draws) {
      std::map<std::string, int> hist;
      for (const auto& d : draws) ++hist[d];
      const double p = static_cast<double>(draws.size()) / static_cast<double>(hist.size());
      double x2 = 0;
      for (const auto& [k, n] : hist) x2 += (n - p) * (n - p) / p;
      return x2;
    };
    std::vector<std::string> draws;
    for (const auto& e : h.run({"SRANDMEMBER", "s", "-1000"}).elements) draws.push_back(e.str);
    CHECK(chi_square(draws) < 40);
    for (const char* n : {"8", "2"}) {
      draws.clear();
      for (int i = 0; i < 1000 / std::atoi(n); ++i) {
        for (const auto& e : h.run({"SRANDMEMBER", "s", n}).elements) draws.push_back(e.str);
      }
      CHECK(chi_square(draws) < 40);
    }
    // A big table (rejection sampling over buckets): 3000 members, 300k draws, df = 2999.
    std::vector<std::string> cmd = {"SADD", "big"};
    for (int i = 0; i < 3000; ++i) cmd.push_back("m" + std::to_string(i));
    h.run(cmd);
    draws.clear();
    for (int i = 0; i < 30; ++i) {
      for (const auto& e : h.run({"SRANDMEMBER", "big", "-10000"}).elements) draws.push_back(e.str);
    }
    // Mean 2999, standard deviation about 77: 3400 is more than 5 sigma away.
    CHECK(chi_square(draws) < 3400);
  }

  TEST_CASE("SSCAN: an intset in one call, a table by hash-space cursor") {
    Harness h;
    CHECK(h.run({"SSCAN", "nokey", "0"}) == array({bulk("0"), array({})}));
    CHECK(h.run({"SSCAN", "nokey", "x"}) == error(Status::invalid_cursor));
    create_set(h, "i", {"3", "1", "22", "12"});
    CHECK(h.run({"SSCAN", "i", "0"}) == array({bulk("0"), bulks({"1", "3", "12", "22"})}));
    CHECK(h.run({"SSCAN", "i", "7", "COUNT", "1"}) == array({bulk("0"), bulks({"1", "3", "12", "22"})}));
    CHECK(h.run({"SSCAN", "i", "0", "MATCH", "*2"}) == array({bulk("0"), bulks({"12", "22"})}));
    CHECK(h.run({"SSCAN", "i", "0", "COUNT", "0"}) == error(Status::syntax));
    CHECK(h.run({"SSCAN", "i", "0", "NOVALUES"}) == error(Status::syntax));
    for (int i = 0; i < 1000; ++i) h.run({"SADD", "t", "m" + std::to_string(i)});
    for (const char* count : {"1", "10", "1000"}) {
      std::map<std::string, int> seen;
      std::string cursor = "0";
      int calls = 0;
      do {
        Reply r = h.run({"SSCAN", "t", cursor, "COUNT", count});
        cursor = r[0].str;
        for (const auto& e : r[1].elements) ++seen[e.str];
        ++calls;
      } while (cursor != "0" && calls < 5000);
      CHECK(seen.size() == 1000);
      for (const auto& [k, n] : seen) CHECK(n == 1);
    }
    std::set<std::string> matched;
    std::string cursor = "0";
    do {
      Reply r = h.run({"SSCAN", "t", cursor, "MATCH", "m9?"});
      cursor = r[0].str;
      for (const auto& e : r[1].elements) matched.insert(e.str);
    } while (cursor != "0");
    CHECK(matched.size() == 10);
  }

  TEST_CASE("reply shapes: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with count are sets in RESP3") {
    Harness h;
    create_set(h, "s", {"1"});
    microredis::Session* s = h.engine.open_session();
    REQUIRE(s != nullptr);
    CHECK(wire(*s, {"SMEMBERS", "s"}) == "*1\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"SPOP", "nokey", "3"}) == "*0\r\n");
    CHECK(wire(*s, {"SPOP", "nokey"}) == "$-1\r\n");
    (void)wire(*s, {"HELLO", "3"});
    CHECK(wire(*s, {"SMEMBERS", "s"}) == "~1\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"SMEMBERS", "nokey"}) == "~0\r\n");
    CHECK(wire(*s, {"SINTER", "s", "s"}) == "~1\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"SINTER", "s", "nokey"}) == "~0\r\n");
    CHECK(wire(*s, {"SUNION", "s", "nokey"}) == "~1\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"SDIFF", "s", "nokey"}) == "~1\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"SRANDMEMBER", "s", "2"}) == "*1\r\n$1\r\n1\r\n");  // an array, not a set
    CHECK(wire(*s, {"SRANDMEMBER", "nokey", "2"}) == "*0\r\n");
    CHECK(wire(*s, {"SRANDMEMBER", "nokey"}) == "_\r\n");
    CHECK(wire(*s, {"SMISMEMBER", "s", "1", "2"}) == "*2\r\n:1\r\n:0\r\n");
    CHECK(wire(*s, {"SISMEMBER", "s", "1"}) == ":1\r\n");
    CHECK(wire(*s, {"SPOP", "nokey", "3"}) == "~0\r\n");
    CHECK(wire(*s, {"SPOP", "s", "0"}) == "~0\r\n");
    CHECK(wire(*s, {"SPOP", "s", "3"}) == "~1\r\n$1\r\n1\r\n");
    CHECK(wire(*s, {"SPOP", "s"}) == "_\r\n");
    h.engine.close_session(s);
    h.run({"HELLO", "3"});
    h.run({"SADD", "x", "a"});
    CHECK(h.run({"SMEMBERS", "x"}) == set_of({"a"}));
  }

  TEST_CASE("a set key holds no memory once deleted") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    // The keyspace table keeps its smallest bucket array and the reply buffer its capacity (grown
    // here first); everything else must go.
    h.run({"SET", "warm", std::string(16000, 'w')});
    h.run({"GETDEL", "warm"});
    create_counters(h.engine, {{"SADD"}, {"SUNIONSTORE"}, {"SPOP"}, {"DBSIZE", "x"}, {"FLUSHALL", "x"}});
    auto used = [&] { return h.engine.memory().used() - h.engine.db(0).table_overhead(); };
    const std::size_t base = used();
    create_set(h, "i", {"1", "2", "70000", "-5000000000"});
    std::vector<std::string> cmd = {"SADD", "t"};
    for (int i = 0; i < 600; ++i) cmd.push_back("m" + std::to_string(i));
    h.run(cmd);
    h.run({"SUNIONSTORE", "u", "i", "t"});
    h.run({"SPOP", "u", "550"});
    CHECK(used() > base);
    h.run({"SPOP", "i", "10"});
    h.run({"SPOP", "t", "1000"});
    h.run({"SPOP", "u", "1000"});
    CHECK(h.run({"DBSIZE"}) == integer(0));
    CHECK(used() == base);
    create_set(h, "i", {"1"});
    create_set(h, "t", {"x"});
    CHECK(h.run({"FLUSHALL"}) == ok());
    CHECK(used() == base);
  }

  TEST_CASE("copy_value deep-copies both encodings") {
    Harness h;
    create_set(h, "is", {"1", "2"});
    create_set(h, "ht", {"a", "b"});
    microredis::Db& db = h.engine.db(0);
    for (const char* key : {"is", "ht"}) {
      CAPTURE(key);
      microredis::Entry::Layout layout;
      REQUIRE(microredis::copy_value(h.engine.memory(), *db.find_raw(key), layout));
      REQUIRE(db.put(std::string(key) + "2", layout, -1) != nullptr);
      h.run({"SADD", key, "3"});
      CHECK(h.run({"SCARD", std::string(key) + "2"}) == integer(2));
      CHECK(encoding_of(h, std::string(key) + "2") == encoding_of(h, key));
    }
  }

  TEST_CASE("out of memory: one error reply, sets as they were, no empty key left") {
    FailingAllocator alloc;
    microredis::ManualClock clock;
    microredis::EngineOptions o;
    o.clock = &clock;
    o.seed = 5;
    o.allocator = alloc.hooks();
    microredis::Engine engine(o);
    const Reply oom = error(Status::oom);
    REQUIRE(engine.execute({"SET", "pad", std::string(4000, 'p')}) == ok());
    REQUIRE(engine.execute({"GET", "pad"}).str.size() == 4000);
    REQUIRE(engine.execute({"SADD", "i", "1", "2", "3"}) == integer(3));
    REQUIRE(engine.execute({"SADD", "t", "a", "b", "c"}) == integer(3));
    for (std::uint64_t n = 1; n <= 12; ++n) {
      CAPTURE(n);
      alloc.fail_from(n);
      Reply r = engine.execute({"SADD", "i", "x"});  // converts
      CHECK((r == integer(1) || r == oom));
      r = engine.execute({"SMOVE", "t", "new", "a"});
      CHECK((r == integer(1) || r == oom));
      r = engine.execute({"SUNIONSTORE", "u", "i", "t"});
      CHECK((r.type == Reply::Type::integer || r == oom));
      alloc.heal();
      CHECK(engine.execute({"SISMEMBER", "i", "2"}) == integer(1));
      // The moved member is in exactly one of the two sets.
      const std::int64_t in_t = engine.execute({"SISMEMBER", "t", "a"}).integer;
      const std::int64_t in_new = engine.execute({"SISMEMBER", "new", "a"}).integer;
      CHECK(in_t + in_new == 1);
      engine.execute({"SREM", "i", "x"});
      engine.execute({"SMOVE", "new", "t", "a"});
    }
    CHECK(engine.db(0).find_raw("new") == nullptr);
  }

  TEST_CASE("commands are registered with Redis's arity and key positions") {
    Harness h;
    auto spec = [&](std::string_view name) { return h.engine.commands().find(name).spec; };
    for (const char* name : {"sadd", "srem", "sismember", "smismember", "smembers", "scard", "spop", "srandmember",
                             "smove", "sinter", "sintercard", "sunion", "sdiff", "sinterstore", "sunionstore",
                             "sdiffstore", "sscan"}) {
      CAPTURE(name);
      CHECK(spec(name) != nullptr);
    }
    CHECK(spec("smove")->last_key == 2);
    CHECK(spec("sinter")->last_key == -1);
    CHECK(spec("sintercard")->first_key == 0);
    CHECK(spec("sunionstore")->arity == -3);
  }

  // 100k sets of 10 small integers at most 12 bytes per member, counting everything the engine
  // holds for them. MICROREDIS_MEMBENCH_N sets the number of sets (default small, for the test run).
  TEST_CASE("memory per set member") {
    Harness h;
    const char* env = std::getenv("MICROREDIS_MEMBENCH_N");
    const int n = env != nullptr ? std::atoi(env) : 20000;
    const std::size_t before = h.engine.memory().used();
    std::vector<std::string> cmd(12);
    cmd[0] = "SADD";
    char buf[32];
    for (int i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "set:%06d", i);
      cmd[1] = buf;
      for (int j = 0; j < 10; ++j) cmd[2 + j] = std::to_string(j + (i % 1000) * 10);
      REQUIRE(h.run(cmd) == integer(10));
    }
    const double per_member = static_cast<double>(h.engine.memory().used() - before) / (10.0 * n);
    MESSAGE("sets: " << n << " x 10 members, " << per_member << " bytes per member");
    CHECK(per_member <= 12.0);
    CHECK(encoding_of(h, "set:000000") == Encoding::intset);
  }
}
