// The sorted set family. Expected replies were checked against redis-server 7.0.15.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "microredis/store/zset.hpp"

using namespace mrtest;
using microredis::Encoding;

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }

// "%.17g", as Redis prints scores.
std::string score_text(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

// A RESP3 (member, score) pair.
Reply pair(std::string_view member, double score) { return array({bulk(member), dbl(score)}); }

const Reply kWrongType = error("WRONGTYPE Operation against a key holding the wrong kind of value");
const Reply kSyntax = error("ERR syntax error");
const Reply kNotInteger = error("ERR value is not an integer or out of range");
const Reply kNotFloat = error("ERR value is not a valid float");
const Reply kMinMaxFloat = error("ERR min or max is not a float");
const Reply kMinMaxLex = error("ERR min or max not valid string range item");

void set_limits(Harness& h, int entries, int value) {
  REQUIRE(h.run({"CONFIG", "SET", "zset-max-listpack-entries", num(entries)}) == ok());
  REQUIRE(h.run({"CONFIG", "SET", "zset-max-listpack-value", num(value)}) == ok());
}

// The two encodings every behaviour is checked in.
struct EncodingCase {
  const char* name;
  int entries;
  int value;
  Encoding expected;
};
const EncodingCase kEncodings[] = {{"listpack", 128, 64, Encoding::listpack}, {"skiplist", 0, 0, Encoding::skiplist}};

// A sorted set as a model: (score, member) ordered, plus member -> score.
struct Model {
  std::map<std::string, double> scores;
  std::set<std::pair<double, std::string>> order;

  void set(const std::string& m, double s) {
    auto it = scores.find(m);
    if (it != scores.end()) order.erase({it->second, m});
    scores[m] = s;
    order.insert({s, m});
  }
  void erase(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return;
    order.erase({it->second, m});
    scores.erase(it);
  }
  std::vector<std::pair<double, std::string>> items() const { return {order.begin(), order.end()}; }
};

}  // namespace

TEST_SUITE("zsets") {
  // -------------------------------------------------------------------------------------------
  // The store layer

  TEST_CASE("tree: random inserts and erases keep every invariant and match a sorted model") {
    microredis::Memory mem;
    microredis::ZsetTree tree;
    std::set<std::pair<double, std::string>> model;
    std::vector<microredis::ZsetNode*> nodes;
    std::mt19937_64 rng(7);
    auto find_node = [&](double s, const std::string& m) {
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i]->score() == s && nodes[i]->member() == m) return i;
      }
      return nodes.size();
    };
    for (int round = 0; round < 3; ++round) {
      // Grow (random, ascending or descending keys), then shrink to nothing.
      for (int i = 0; i < 6000; ++i) {
        double s = 0;
        if (round == 0) s = static_cast<double>(rng() % 500);
        if (round == 1) s = i;
        if (round == 2) s = -i;
        const std::string m = "m" + std::to_string(rng() % 100000);
        if (model.count({s, m}) != 0) continue;
        microredis::ZsetNode* n = microredis::ZsetNode::create(mem, s, m);
        REQUIRE(n != nullptr);
        REQUIRE(tree.insert(mem, n));
        nodes.push_back(n);
        model.insert({s, m});
        if (i % 500 == 0) REQUIRE(tree.verify());
      }
      REQUIRE(tree.verify());
      REQUIRE(tree.size() == model.size());
      // In-place score updates: accepted exactly when the node keeps its place; the tree's copies
      // of the score follow (verify compares them with the nodes).
      for (int q = 0; q < 3000; ++q) {
        microredis::ZsetNode* n = nodes[rng() % nodes.size()];
        const std::pair<double, std::string> from{n->score(), std::string(n->member())};
        const std::pair<double, std::string> to{from.first + static_cast<double>(rng() % 5) - 2, from.second};
        const auto it = model.find(from);
        REQUIRE(it != model.end());
        const bool keeps = (it == model.begin() || *std::prev(it) < to) &&
                           (std::next(it) == model.end() || to < *std::next(it));
        CHECK(tree.update_score(n, to.first) == keeps);
        if (keeps) {
          model.erase(it);
          model.insert(to);
        }
        CHECK(n->score() == (keeps ? to.first : from.first));
        if (q % 300 == 0) REQUIRE(tree.verify());
      }
      REQUIRE(tree.verify());
      // Rank, select and bounds against the model.
      std::vector<std::pair<double, std::string>> sorted(model.begin(), model.end());
      for (int q = 0; q < 300; ++q) {
        const std::size_t r = rng() % sorted.size();
        CHECK(tree.rank_of(sorted[r].first, sorted[r].second) == r);
        const microredis::ZsetNode* at = tree.at(r).node();
        CHECK(at->score() == sorted[r].first);
        CHECK(at->member() == sorted[r].second);
        const double bound = static_cast<double>(static_cast<std::int64_t>(rng() % 1400) - 700);
        microredis::ZsetTree::Cursor c;
        const std::size_t lb = tree.lower_bound([&](double s, const microredis::ZsetNode*) { return s < bound; }, c);
        const auto expected = static_cast<std::size_t>(
            std::lower_bound(sorted.begin(), sorted.end(), std::make_pair(bound, std::string())) - sorted.begin());
        CHECK(lb == expected);
        CHECK(c.valid() == (expected < sorted.size()));
      }
      // The leaf chain walks the whole order both ways.
      std::size_t walked = 0;
      for (auto c = tree.first(); c.valid(); c.next()) ++walked;
      CHECK(walked == sorted.size());
      walked = 0;
      for (auto c = tree.last(); c.valid(); c.prev()) ++walked;
      CHECK(walked == sorted.size());
      // Erase in random order, checking as we go.
      std::shuffle(sorted.begin(), sorted.end(), rng);
      for (std::size_t i = 0; i < sorted.size(); ++i) {
        // By (score, member), or (every other one) by the node's address.
        microredis::ZsetNode* n = nullptr;
        if (i % 2 == 0) {
          n = tree.erase(mem, sorted[i].first, sorted[i].second);
        } else {
          const std::size_t k = find_node(sorted[i].first, sorted[i].second);
          REQUIRE(k < nodes.size());
          n = nodes[k];
          tree.erase(mem, n);
        }
        REQUIRE(n != nullptr);
        CHECK(tree.erase(mem, sorted[i].first, sorted[i].second) == nullptr);
        const std::size_t at = find_node(sorted[i].first, sorted[i].second);
        REQUIRE(at < nodes.size());
        nodes[at] = nodes.back();
        nodes.pop_back();
        microredis::ZsetNode::destroy(mem, n);
        model.erase(sorted[i]);
        if (i % 400 == 0) REQUIRE(tree.verify());
      }
      CHECK(tree.size() == 0);
      CHECK(tree.verify());
      CHECK(tree.bytes() == 0);
    }
    tree.clear(mem);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("tree: ascending inserts pack leaves full") {
    microredis::Memory mem;
    microredis::ZsetTree tree;
    std::vector<microredis::ZsetNode*> nodes;
    for (int i = 0; i < 100000; ++i) {
      nodes.push_back(microredis::ZsetNode::create(mem, i, "m"));
      REQUIRE(tree.insert(mem, nodes.back()));
    }
    CHECK(tree.verify());
    // Under 18 bytes of tree per member (a half-full tree would take 33).
    CHECK(tree.bytes() < 18 * nodes.size());
    tree.clear(mem);
    for (auto* n : nodes) microredis::ZsetNode::destroy(mem, n);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("Listpack::rewrite applies several edits in one new block") {
    using microredis::Element;
    using microredis::Listpack;
    microredis::Memory mem;
    std::uint8_t* lp = Listpack::create(mem);
    const Element init[] = {Element::of("a"), Element::of_int(1), Element::of("b"), Element::of_int(2),
                            Element::of("c"), Element::of_int(3)};
    lp = Listpack::insert(mem, lp, Listpack::kHeaderSize, init, 6);
    REQUIRE(lp != nullptr);
    auto texts = [](const std::uint8_t* block) {
      std::vector<std::string> out;
      for (const std::uint8_t* p = Listpack::first(block); p != nullptr; p = Listpack::next(block, p)) {
        microredis::ElementText buf;
        out.emplace_back(Listpack::get(p).text(buf));
      }
      return out;
    };
    // Move the pair "a" 1 behind "c" 3, the moved member being a view into the old block.
    const std::uint8_t* a = Listpack::first(lp);
    const Element moved[] = {Listpack::get(a), Element::of_int(9)};
    const Listpack::Edit edits[] = {{Listpack::offset(lp, a), 2, nullptr, 0}, {Listpack::bytes(lp), 0, moved, 2}};
    lp = Listpack::rewrite(mem, lp, edits, 2);
    REQUIRE(lp != nullptr);
    CHECK(texts(lp) == std::vector<std::string>{"b", "2", "c", "3", "a", "9"});
    CHECK(Listpack::length(lp) == 6);
    // Replace in the middle and insert at the front.
    const Element front[] = {Element::of("x")};
    const Element mid[] = {Element::of("long value, longer than before")};
    const std::uint8_t* c = Listpack::seek(lp, 2);
    const Listpack::Edit more[] = {{Listpack::kHeaderSize, 0, front, 1}, {Listpack::offset(lp, c), 1, mid, 1}};
    lp = Listpack::rewrite(mem, lp, more, 2);
    REQUIRE(lp != nullptr);
    CHECK(texts(lp) == std::vector<std::string>{"x", "b", "2", "long value, longer than before", "3", "a", "9"});
    CHECK(Listpack::length(lp) == 7);
    CHECK(texts(lp).size() == 7);
    Listpack::destroy(mem, lp);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("score and lex range parsing follows Redis") {
    using microredis::LexRange;
    using microredis::ScoreRange;
    ScoreRange r;
    CHECK(ScoreRange::parse("1.5", "(2", r));
    CHECK((r.min == 1.5 && !r.minex && r.max == 2 && r.maxex));
    CHECK(ScoreRange::parse("-inf", "+inf", r));
    CHECK(ScoreRange::parse("", "(", r));  // strtod reads "" as 0, as Redis does
    CHECK((r.min == 0 && r.maxex));
    CHECK(ScoreRange::parse(" 1", "1e999", r));  // a leading space and an overflow to inf pass
    CHECK(std::isinf(r.max));
    CHECK(ScoreRange::parse("0x10", "1", r));
    CHECK(r.min == 16);
    CHECK_FALSE(ScoreRange::parse("nan", "1", r));
    CHECK_FALSE(ScoreRange::parse("1", "(nan", r));
    CHECK_FALSE(ScoreRange::parse("1a", "2", r));
    CHECK_FALSE(ScoreRange::parse("1", "((2", r));
    CHECK(ScoreRange::parse(std::string_view("1\0x", 3), "2", r));  // strtod stops at the NUL
    LexRange l;
    CHECK(LexRange::parse("-", "+", l));
    CHECK_FALSE(l.empty());
    CHECK(LexRange::parse("[a", "(b", l));
    CHECK(l.gte_min(std::string_view("a")));
    CHECK_FALSE(l.lte_max(std::string_view("b")));
    CHECK(LexRange::parse("+", "-", l));
    CHECK(l.empty());
    CHECK(LexRange::parse("(a", "[a", l));
    CHECK(l.empty());
    CHECK(LexRange::parse("-", "-", l));
    CHECK(l.empty());
    CHECK_FALSE(LexRange::parse("a", "+", l));
    CHECK_FALSE(LexRange::parse("", "+", l));
    CHECK_FALSE(LexRange::parse("-x", "+", l));
    CHECK_FALSE(LexRange::parse("[a", "++", l));
  }

  // -------------------------------------------------------------------------------------------
  // ZADD ZINCRBY ZREM

  TEST_CASE("ZADD adds, updates and reports") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "10", "x", "20", "y", "30", "z"}) == integer(3));
      CHECK(encoding_of(h, "z") == enc.expected);
      CHECK(h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == bulks({"x", "10", "y", "20", "z", "30"}));
      CHECK(h.run({"ZADD", "z", "1", "y"}) == integer(0));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"y", "x", "z"}));
      CHECK(h.run({"ZADD", "z", "5", "x", "1", "y", "7", "w"}) == integer(1));
      CHECK(h.run({"ZADD", "z", "CH", "5", "x", "2", "y", "8", "v"}) == integer(2));
      // Equal scores order members by bytes.
      CHECK(h.run({"ZADD", "z", "7", "a", "7", "ww", "7", ""}) == integer(3));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"y", "x", "", "a", "w", "ww", "v", "z"}));
      CHECK(h.run({"ZCARD", "z"}) == integer(8));
      // Integers and binary members.
      const std::string bin("a\0b", 3);
      CHECK(h.run({"ZADD", "n", "1", "12", "2", "-7", "3", bin, "4", "007"}) == integer(4));
      CHECK(h.run({"ZRANGE", "n", "0", "-1"}) == bulks({"12", "-7", bin, "007"}));
      CHECK(h.run({"ZSCORE", "n", "007"}) == bulk("4"));
      CHECK(h.run({"ZSCORE", "n", "7"}) == nil());
    }
  }

  TEST_CASE("ZADD NX XX GT LT CH INCR") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "XX", "10", "x"}) == integer(0));
      CHECK_FALSE(exists(h, "z"));
      CHECK(h.run({"ZADD", "z", "XX", "INCR", "10", "x"}) == nil());
      CHECK_FALSE(exists(h, "z"));
      CHECK(h.run({"ZADD", "z", "10", "x"}) == integer(1));
      CHECK(h.run({"ZADD", "z", "XX", "20", "x", "5", "y"}) == integer(0));
      CHECK(h.run({"ZSCORE", "z", "x"}) == bulk("20"));
      CHECK(h.run({"ZSCORE", "z", "y"}) == nil());
      CHECK(h.run({"ZADD", "z", "NX", "30", "x", "5", "y"}) == integer(1));
      CHECK(h.run({"ZSCORE", "z", "x"}) == bulk("20"));
      CHECK(h.run({"ZADD", "z", "XX", "CH", "20", "x", "6", "y", "1", "q"}) == integer(1));
      // GT and LT only move existing members one way; new members are added.
      CHECK(h.run({"ZADD", "z", "GT", "CH", "10", "x", "7", "y", "1", "new"}) == integer(2));
      CHECK(h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == bulks({"new", "1", "y", "7", "x", "20"}));
      CHECK(h.run({"ZADD", "z", "LT", "CH", "10", "x", "8", "y"}) == integer(1));
      CHECK(h.run({"ZADD", "z", "XX", "GT", "CH", "11", "x"}) == integer(1));
      // INCR returns the new score, nil when the update is refused.
      CHECK(h.run({"ZADD", "z", "INCR", "1.5", "x"}) == bulk("12.5"));
      CHECK(h.run({"ZADD", "z", "NX", "INCR", "1", "x"}) == nil());
      CHECK(h.run({"ZADD", "z", "XX", "INCR", "1", "nope"}) == nil());
      CHECK(h.run({"ZADD", "z", "GT", "INCR", "-1", "x"}) == nil());
      CHECK(h.run({"ZADD", "z", "LT", "INCR", "-1", "x"}) == bulk("11.5"));
      CHECK(h.run({"ZADD", "z", "INCR", "5", "fresh"}) == bulk("5"));
      CHECK(h.run({"ZADD", "z", "GT", "INCR", "0", "x"}) == nil());  // not greater
      CHECK(h.run({"ZADD", "z", "INCR", "0", "x"}) == bulk("11.5"));
      // Options are case-insensitive and may repeat.
      CHECK(h.run({"ZADD", "z", "nx", "Nx", "ch", "1", "x"}) == integer(0));
    }
  }

  TEST_CASE("ZADD errors") {
    Harness h;
    CHECK(h.run({"ZADD", "z", "1"}) == error("ERR wrong number of arguments for 'zadd' command"));
    CHECK(h.run({"ZADD", "z", "1", "a", "2"}) == kSyntax);
    CHECK(h.run({"ZADD", "z", "NX"}) == error("ERR wrong number of arguments for 'zadd' command"));
    CHECK(h.run({"ZADD", "z", "NX", "1"}) == kSyntax);
    CHECK(h.run({"ZADD", "z", "NX", "XX", "1", "a"}) ==
          error("ERR XX and NX options at the same time are not compatible"));
    const Reply gt_lt_nx = error("ERR GT, LT, and/or NX options at the same time are not compatible");
    CHECK(h.run({"ZADD", "z", "GT", "LT", "1", "a"}) == gt_lt_nx);
    CHECK(h.run({"ZADD", "z", "GT", "NX", "1", "a"}) == gt_lt_nx);
    CHECK(h.run({"ZADD", "z", "LT", "NX", "1", "a"}) == gt_lt_nx);
    CHECK(h.run({"ZADD", "z", "INCR", "1", "a", "2", "b"}) ==
          error("ERR INCR option supports a single increment-element pair"));
    // Every score is checked before anything is added.
    CHECK(h.run({"ZADD", "z", "1", "a", "x", "b", "3", "c"}) == kNotFloat);
    CHECK_FALSE(exists(h, "z"));
    CHECK(h.run({"ZADD", "z", "nan", "a"}) == kNotFloat);
    CHECK(h.run({"ZADD", "z", " 1", "a"}) == kNotFloat);
    CHECK(h.run({"ZADD", "z", "", "a"}) == kNotFloat);
    CHECK(h.run({"ZADD", "z", "1e999", "a"}) == kNotFloat);
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"ZADD", "s", "1", "a"}) == kWrongType);
    CHECK(h.run({"ZADD", "s", "x", "a"}) == kNotFloat);  // scores first, then the type
  }

  TEST_CASE("scores: infinities, NaN, signed zero, %.17g") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "inf", "a", "-inf", "b", "+inf", "c"}) == integer(3));
      CHECK(h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == bulks({"b", "-inf", "a", "inf", "c", "inf"}));
      CHECK(h.run({"ZADD", "z", "INCR", "-inf", "a"}) == error("ERR resulting score is not a number (NaN)"));
      CHECK(h.run({"ZINCRBY", "z", "+inf", "b"}) == error("ERR resulting score is not a number (NaN)"));
      CHECK(h.run({"ZSCORE", "z", "a"}) == bulk("inf"));
      CHECK(h.run({"ZADD", "z", "0.1", "d", "1e300", "e", "-1.5e-300", "f", "123456789012345678", "g"}) == integer(4));
      CHECK(h.run({"ZSCORE", "z", "d"}) == bulk("0.10000000000000001"));
      CHECK(h.run({"ZSCORE", "z", "e"}) == bulk("1.0000000000000001e+300"));
      CHECK(h.run({"ZSCORE", "z", "f"}) == bulk("-1.5000000000000001e-300"));
      CHECK(h.run({"ZSCORE", "z", "g"}) == bulk("1.2345678901234568e+17"));
      CHECK(h.run({"ZINCRBY", "z", "0.2", "d"}) == bulk("0.30000000000000004"));
      // -0: a listpack keeps it as the integer 0 (Redis's double2ll), a skiplist as -0.
      CHECK(h.run({"ZADD", "z", "-0", "zero"}) == integer(1));
      CHECK(h.run({"ZSCORE", "z", "zero"}) == bulk(enc.expected == Encoding::listpack ? "0" : "-0"));
      CHECK(h.run({"ZADD", "z", "CH", "0", "zero"}) == integer(0));  // 0 == -0: no update
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZSCORE", "z", "d"}) == dbl(0.30000000000000004));
      CHECK(h.run({"ZSCORE", "z", "a"}) == dbl(INFINITY));
      CHECK(h.run({"ZSCORE", "z", "nope"}) == nil());
      CHECK(h.run({"ZINCRBY", "z", "1", "d"}) == dbl(1.3));
    }
  }

  TEST_CASE("ZINCRBY") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZINCRBY", "z", "1", "foo"}) == bulk("1"));
      CHECK(encoding_of(h, "z") == enc.expected);
      CHECK(h.run({"ZINCRBY", "z", "-5", "foo"}) == bulk("-4"));
      CHECK(h.run({"ZINCRBY", "z", "2.5", "bar"}) == bulk("2.5"));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"foo", "bar"}));
      CHECK(h.run({"ZINCRBY", "z", "10", "foo"}) == bulk("6"));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"bar", "foo"}));
      CHECK(h.run({"ZINCRBY", "z", "x", "foo"}) == kNotFloat);
      CHECK(h.run({"ZINCRBY", "z", "1", "a", "b"}) == error("ERR wrong number of arguments for 'zincrby' command"));
      // ZINCRBY shares ZADD's option parser: an option word where the increment goes.
      CHECK(h.run({"ZINCRBY", "z", "nx", "foo"}) == kSyntax);
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZINCRBY", "s", "1", "foo"}) == kWrongType);
    }
  }

  TEST_CASE("ZREM removes members and the emptied key") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZREM", "z", "a"}) == integer(0));
      CHECK(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == integer(3));
      CHECK(h.run({"ZREM", "z", "a", "nope", "a"}) == integer(1));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"b", "c"}));
      CHECK(h.run({"ZREM", "z", "b", "c", "d"}) == integer(2));
      CHECK_FALSE(exists(h, "z"));
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZREM", "s", "a"}) == kWrongType);
    }
  }

  TEST_CASE("writes count as modifications; no-ops do not") {
    Harness h;
    auto dirty = [&] { return h.engine.dirty(); };
    std::uint64_t d = dirty();
    CHECK(h.run({"ZADD", "z", "1", "a", "2", "b"}) == integer(2));
    CHECK(dirty() > d);
    d = dirty();
    CHECK(h.run({"ZADD", "z", "1", "a"}) == integer(0));
    CHECK(h.run({"ZADD", "z", "NX", "5", "a"}) == integer(0));
    CHECK(h.run({"ZREM", "z", "nope"}) == integer(0));
    CHECK(h.run({"ZREMRANGEBYSCORE", "z", "10", "20"}) == integer(0));
    CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"a", "b"}));
    CHECK(dirty() == d);
    CHECK(h.run({"ZINCRBY", "z", "1", "a"}) == bulk("2"));
    CHECK(dirty() > d);
    d = dirty();
    CHECK(h.run({"ZPOPMIN", "z"}) == bulks({"a", "2"}));
    CHECK(dirty() > d);
  }

  // -------------------------------------------------------------------------------------------
  // Encodings

  TEST_CASE("encodings follow Redis 7.0: creation, growth, CONFIG SET, no way back") {
    Harness h;
    set_limits(h, 3, 5);
    CHECK(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == integer(3));
    CHECK(encoding_of(h, "z") == Encoding::listpack);
    CHECK(h.run({"ZADD", "z", "4", "d"}) == integer(1));
    CHECK(encoding_of(h, "z") == Encoding::skiplist);
    CHECK(h.run({"ZREM", "z", "a", "b", "c"}) == integer(3));
    CHECK(encoding_of(h, "z") == Encoding::skiplist);  // never back
    CHECK(h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"}) == bulks({"d", "4"}));
    // A long member: converts on insert; an update of a member already there does not count.
    CHECK(h.run({"ZADD", "v", "1", "abcde"}) == integer(1));
    CHECK(encoding_of(h, "v") == Encoding::listpack);
    CHECK(h.run({"ZADD", "v", "2", "abcdef"}) == integer(1));
    CHECK(encoding_of(h, "v") == Encoding::skiplist);
    // The first member of a new key decides; ZINCRBY creates as ZADD does.
    CHECK(h.run({"ZADD", "w", "1", "abcdef"}) == integer(1));
    CHECK(encoding_of(h, "w") == Encoding::skiplist);
    CHECK(h.run({"ZINCRBY", "w2", "1", "abcdef"}) == bulk("1"));
    CHECK(encoding_of(h, "w2") == Encoding::skiplist);
    // XX on an existing listpack member past the limits changes nothing.
    CHECK(h.run({"ZADD", "x", "1", "a", "2", "b", "3", "c"}) == integer(3));
    CHECK(h.run({"ZADD", "x", "XX", "9", "d"}) == integer(0));
    CHECK(encoding_of(h, "x") == Encoding::listpack);
    // Limits are read at the time of each write.
    set_limits(h, 0, 64);
    CHECK(h.run({"ZADD", "y", "1", "a"}) == integer(1));
    CHECK(encoding_of(h, "y") == Encoding::skiplist);
    CHECK(h.run({"ZADD", "x", "5", "a"}) == integer(0));  // an update never converts
    CHECK(encoding_of(h, "x") == Encoding::listpack);
    CHECK(h.run({"ZADD", "x", "5", "e"}) == integer(1));
    CHECK(encoding_of(h, "x") == Encoding::skiplist);
    CHECK(h.run({"ZRANGE", "x", "0", "-1", "WITHSCORES"}) == bulks({"b", "2", "c", "3", "a", "5", "e", "5"}));
  }

  TEST_CASE("a big sorted set converts at 129 members and keeps its order") {
    Harness h;
    for (int i = 0; i < 128; ++i) REQUIRE(h.run({"ZADD", "z", num(i * 7 % 128), "m" + num(i)}) == integer(1));
    CHECK(encoding_of(h, "z") == Encoding::listpack);
    CHECK(h.run({"ZADD", "z", "64.5", "extra"}) == integer(1));
    CHECK(encoding_of(h, "z") == Encoding::skiplist);
    CHECK(h.run({"ZRANK", "z", "extra"}) == integer(65));
    CHECK(h.run({"ZCARD", "z"}) == integer(129));
  }

  TEST_CASE("stored results choose their encoding as Redis does") {
    Harness h;
    set_limits(h, 3, 64);
    CHECK(h.run({"ZADD", "big", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}) == integer(5));
    CHECK(encoding_of(h, "big") == Encoding::skiplist);
    // ZUNIONSTORE & co build a skiplist and turn it into a listpack when it fits.
    CHECK(h.run({"ZUNIONSTORE", "u", "1", "big"}) == integer(5));
    CHECK(encoding_of(h, "u") == Encoding::skiplist);
    CHECK(h.run({"ZREMRANGEBYRANK", "big", "0", "2"}) == integer(3));
    CHECK(h.run({"ZUNIONSTORE", "u", "1", "big"}) == integer(2));
    CHECK(encoding_of(h, "u") == Encoding::listpack);
    CHECK(h.run({"ZINTERSTORE", "i", "1", "big"}) == integer(2));
    CHECK(encoding_of(h, "i") == Encoding::listpack);
    CHECK(h.run({"ZDIFFSTORE", "d", "1", "big"}) == integer(2));
    CHECK(encoding_of(h, "d") == Encoding::listpack);
    // ZRANGESTORE by rank: from the number of members; by score or lex: a listpack that grows.
    CHECK(h.run({"ZADD", "src", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}) == integer(5));
    CHECK(h.run({"ZRANGESTORE", "r", "src", "0", "2"}) == integer(3));
    CHECK(encoding_of(h, "r") == Encoding::listpack);
    CHECK(h.run({"ZRANGESTORE", "r", "src", "0", "3"}) == integer(4));
    CHECK(encoding_of(h, "r") == Encoding::skiplist);
    CHECK(h.run({"ZRANGESTORE", "r", "src", "-inf", "3", "BYSCORE"}) == integer(3));
    CHECK(encoding_of(h, "r") == Encoding::listpack);
    CHECK(h.run({"ZRANGESTORE", "r", "src", "-inf", "+inf", "BYSCORE"}) == integer(5));
    CHECK(encoding_of(h, "r") == Encoding::skiplist);
    set_limits(h, 0, 64);
    CHECK(h.run({"ZRANGESTORE", "r", "src", "0", "0"}) == integer(1));
    CHECK(encoding_of(h, "r") == Encoding::skiplist);
    CHECK(h.run({"ZUNIONSTORE", "u", "1", "src"}) == integer(5));
    CHECK(encoding_of(h, "u") == Encoding::skiplist);
    set_limits(h, 128, 1);
    CHECK(h.run({"ZUNIONSTORE", "u", "1", "src"}) == integer(5));
    CHECK(encoding_of(h, "u") == Encoding::listpack);
    CHECK(h.run({"ZADD", "long", "1", "ab"}) == integer(1));
    CHECK(h.run({"ZUNIONSTORE", "u", "2", "src", "long"}) == integer(6));
    CHECK(encoding_of(h, "u") == Encoding::skiplist);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  TEST_CASE("ZSCORE ZMSCORE ZCARD ZRANK ZREVRANK") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == integer(3));
      CHECK(h.run({"ZSCORE", "z", "b"}) == bulk("2"));
      CHECK(h.run({"ZSCORE", "nokey", "b"}) == nil());
      CHECK(h.run({"ZMSCORE", "z", "a", "nope", "c"}) == array({bulk("1"), nil(), bulk("3")}));
      CHECK(h.run({"ZMSCORE", "nokey", "a", "b"}) == array({nil(), nil()}));
      CHECK(h.run({"ZMSCORE", "z"}) == error("ERR wrong number of arguments for 'zmscore' command"));
      CHECK(h.run({"ZCARD", "z"}) == integer(3));
      CHECK(h.run({"ZCARD", "nokey"}) == integer(0));
      CHECK(h.run({"ZRANK", "z", "a"}) == integer(0));
      CHECK(h.run({"ZRANK", "z", "c"}) == integer(2));
      CHECK(h.run({"ZREVRANK", "z", "a"}) == integer(2));
      CHECK(h.run({"ZREVRANK", "z", "c"}) == integer(0));
      CHECK(h.run({"ZRANK", "z", "nope"}) == nil());
      CHECK(h.run({"ZRANK", "nokey", "a"}) == nil());
      // Redis 7.0's ZRANK has no WITHSCORE (7.2 added it).
      CHECK(h.run({"ZRANK", "z", "a", "WITHSCORE"}) == error("ERR wrong number of arguments for 'zrank' command"));
      CHECK(h.run({"SET", "s", "v"}) == ok());
      for (const char* cmd : {"ZSCORE", "ZRANK", "ZREVRANK", "ZMSCORE"}) {
        CAPTURE(cmd);
        CHECK(h.run({cmd, "s", "a"}) == kWrongType);
      }
      CHECK(h.run({"ZCARD", "s"}) == kWrongType);
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZMSCORE", "z", "a", "nope"}) == array({dbl(1), nil()}));
    }
  }

  TEST_CASE("ZRANGE by rank, ZREVRANGE") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}) == integer(4));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"a", "b", "c", "d"}));
      CHECK(h.run({"ZRANGE", "z", "0", "-3"}) == bulks({"a", "b"}));
      CHECK(h.run({"ZRANGE", "z", "-3", "-2"}) == bulks({"b", "c"}));
      CHECK(h.run({"ZRANGE", "z", "-10", "1"}) == bulks({"a", "b"}));
      CHECK(h.run({"ZRANGE", "z", "2", "100"}) == bulks({"c", "d"}));
      CHECK(h.run({"ZRANGE", "z", "5", "10"}) == bulks({}));
      CHECK(h.run({"ZRANGE", "z", "2", "1"}) == bulks({}));
      CHECK(h.run({"ZRANGE", "z", "0", "-5"}) == bulks({}));
      CHECK(h.run({"ZRANGE", "z", "0", "-1", "REV"}) == bulks({"d", "c", "b", "a"}));
      CHECK(h.run({"ZRANGE", "z", "1", "2", "REV", "WITHSCORES"}) == bulks({"c", "3", "b", "2"}));
      CHECK(h.run({"ZREVRANGE", "z", "0", "-1"}) == bulks({"d", "c", "b", "a"}));
      CHECK(h.run({"ZREVRANGE", "z", "-2", "-1", "WITHSCORES"}) == bulks({"b", "2", "a", "1"}));
      CHECK(h.run({"ZRANGE", "nokey", "0", "-1"}) == bulks({}));
      CHECK(h.run({"ZRANGE", "z", "a", "1"}) == kNotInteger);
      CHECK(h.run({"ZREVRANGE", "z", "0", "1", "REV"}) == kSyntax);
      CHECK(h.run({"ZREVRANGE", "z", "0", "1", "BYSCORE"}) == kSyntax);
      // "LIMIT x -1" is the "no limit" value, so Redis lets it pass with a rank range.
      CHECK(h.run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"}) == bulks({"a", "b"}));
      CHECK(h.run({"ZRANGE", "z", "0", "1", "LIMIT", "0", "1"}) ==
            error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZRANGE", "z", "0", "1", "WITHSCORES"}) == array({pair("a", 1), pair("b", 2)}));
      CHECK(h.run({"ZREVRANGE", "z", "0", "0", "WITHSCORES"}) == array({pair("d", 4)}));
      CHECK(h.run({"ZRANGE", "z", "0", "1"}) == bulks({"a", "b"}));
    }
  }

  TEST_CASE("ZRANGE BYSCORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZCOUNT") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "-inf", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "+inf", "g"}) ==
            integer(7));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "-inf", "2"}) == bulks({"a", "b", "c"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "3", "WITHSCORES"}) == bulks({"b", "1", "c", "2", "d", "3"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "(1", "(3"}) == bulks({"c"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "(-inf", "(+inf"}) == bulks({"b", "c", "d", "e", "f"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "3", "1"}) == bulks({}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "2", "2"}) == bulks({"c"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "(2", "2"}) == bulks({}));
      CHECK(h.run({"ZREVRANGEBYSCORE", "z", "+inf", "(4"}) == bulks({"g", "f"}));
      CHECK(h.run({"ZREVRANGEBYSCORE", "z", "3", "1", "WITHSCORES"}) == bulks({"d", "3", "c", "2", "b", "1"}));
      // LIMIT offset count: a negative count means all, a negative offset nothing.
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "0", "2"}) == bulks({"b", "c"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "2", "3"}) == bulks({"d", "e", "f"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "2", "-1"}) == bulks({"d", "e", "f"}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "2", "0"}) == bulks({}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "-1", "2"}) == bulks({}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "20", "2"}) == bulks({}));
      CHECK(h.run({"ZRANGEBYSCORE", "z", "2", "5", "LIMIT", "2", "3", "WITHSCORES"}) == bulks({"e", "4", "f", "5"}));
      CHECK(h.run({"ZREVRANGEBYSCORE", "z", "10", "0", "LIMIT", "1", "2"}) == bulks({"e", "d"}));
      CHECK(h.run({"ZRANGE", "z", "(1", "3", "BYSCORE"}) == bulks({"c", "d"}));
      CHECK(h.run({"ZRANGE", "z", "3", "(1", "BYSCORE", "REV"}) == bulks({"d", "c"}));
      CHECK(h.run({"ZRANGE", "z", "(1", "3", "BYSCORE", "REV"}) == bulks({}));
      CHECK(h.run({"ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "1", "2", "WITHSCORES"}) ==
            bulks({"f", "5", "e", "4"}));
      CHECK(h.run({"ZCOUNT", "z", "-inf", "+inf"}) == integer(7));
      CHECK(h.run({"ZCOUNT", "z", "(1", "3"}) == integer(2));
      CHECK(h.run({"ZCOUNT", "z", "(2", "(2"}) == integer(0));
      CHECK(h.run({"ZCOUNT", "z", "10", "20"}) == integer(0));
      CHECK(h.run({"ZCOUNT", "nokey", "0", "1"}) == integer(0));
      // Errors.
      CHECK(h.run({"ZRANGEBYSCORE", "z", "a", "1"}) == kMinMaxFloat);
      CHECK(h.run({"ZRANGEBYSCORE", "z", "1", "nan"}) == kMinMaxFloat);
      CHECK(h.run({"ZCOUNT", "z", "1", "(x"}) == kMinMaxFloat);
      CHECK(h.run({"ZCOUNT", "nokey", "1", "(x"}) == kMinMaxFloat);
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "1"}) == kSyntax);
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "a", "1"}) == kNotInteger);
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "1", "REV"}) == kSyntax);
      CHECK(h.run({"ZRANGEBYSCORE", "z", "0", "1", "BYLEX"}) == kSyntax);
      CHECK(h.run({"ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"}) == kSyntax);
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZRANGEBYSCORE", "z", "4", "5", "WITHSCORES"}) == array({pair("e", 4), pair("f", 5)}));
    }
  }

  TEST_CASE("ZRANGE BYLEX, ZRANGEBYLEX, ZREVRANGEBYLEX, ZLEXCOUNT") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "0", "alpha", "0", "bar", "0", "cool", "0", "down", "0", "elephant", "0", "foo", "0",
                   "great", "0", "hill", "0", "omega"}) == integer(9));
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "[cool"}) == bulks({"alpha", "bar", "cool"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "[bar", "[down"}) == bulks({"bar", "cool", "down"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "[g", "+"}) == bulks({"great", "hill", "omega"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "(bar", "(down"}) == bulks({"cool"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "[a", "(b"}) == bulks({"alpha"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "+", "-"}) == bulks({}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "-"}) == bulks({}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "[cool", "[bar"}) == bulks({}));
      CHECK(h.run({"ZREVRANGEBYLEX", "z", "[cool", "-"}) == bulks({"cool", "bar", "alpha"}));
      CHECK(h.run({"ZREVRANGEBYLEX", "z", "+", "(hill"}) == bulks({"omega"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "2", "3"}) == bulks({"cool", "down", "elephant"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "7", "-1"}) == bulks({"hill", "omega"}));
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "+", "LIMIT", "-1", "2"}) == bulks({}));
      CHECK(h.run({"ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2"}) == bulks({"hill", "great"}));
      CHECK(h.run({"ZRANGE", "z", "[d", "[f", "BYLEX"}) == bulks({"down", "elephant"}));
      CHECK(h.run({"ZRANGE", "z", "[f", "[d", "BYLEX", "REV"}) == bulks({"elephant", "down"}));
      CHECK(h.run({"ZLEXCOUNT", "z", "-", "+"}) == integer(9));
      CHECK(h.run({"ZLEXCOUNT", "z", "[bar", "(foo"}) == integer(4));
      CHECK(h.run({"ZLEXCOUNT", "z", "(zz", "+"}) == integer(0));
      CHECK(h.run({"ZLEXCOUNT", "nokey", "-", "+"}) == integer(0));
      // Errors.
      CHECK(h.run({"ZRANGEBYLEX", "z", "a", "+"}) == kMinMaxLex);
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "b"}) == kMinMaxLex);
      CHECK(h.run({"ZRANGEBYLEX", "z", "-x", "+"}) == kMinMaxLex);
      CHECK(h.run({"ZRANGEBYLEX", "z", "", "+"}) == kMinMaxLex);
      CHECK(h.run({"ZLEXCOUNT", "z", "[a", "b"}) == kMinMaxLex);
      CHECK(h.run({"ZLEXCOUNT", "nokey", "[a", "b"}) == kMinMaxLex);
      CHECK(h.run({"ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"}) ==
            error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
      CHECK(h.run({"ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"}) ==
            error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
  }

  TEST_CASE("ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      auto fill = [&] {
        REQUIRE(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}) == integer(5));
      };
      fill();
      CHECK(h.run({"ZREMRANGEBYRANK", "z", "1", "2"}) == integer(2));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"a", "d", "e"}));
      CHECK(h.run({"ZREMRANGEBYRANK", "z", "-1", "-1"}) == integer(1));
      CHECK(h.run({"ZREMRANGEBYRANK", "z", "5", "10"}) == integer(0));
      CHECK(h.run({"ZREMRANGEBYRANK", "z", "1", "0"}) == integer(0));
      CHECK(h.run({"ZREMRANGEBYRANK", "z", "-100", "100"}) == integer(2));
      CHECK_FALSE(exists(h, "z"));
      fill();
      CHECK(h.run({"ZREMRANGEBYSCORE", "z", "(1", "3"}) == integer(2));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"a", "d", "e"}));
      CHECK(h.run({"ZREMRANGEBYSCORE", "z", "10", "-10"}) == integer(0));
      CHECK(h.run({"ZREMRANGEBYSCORE", "z", "-inf", "(5"}) == integer(2));
      CHECK(h.run({"ZREMRANGEBYSCORE", "z", "5", "5"}) == integer(1));
      CHECK_FALSE(exists(h, "z"));
      REQUIRE(h.run({"ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"}) == integer(5));
      CHECK(h.run({"ZREMRANGEBYLEX", "z", "(a", "[c"}) == integer(2));
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"a", "d", "e"}));
      CHECK(h.run({"ZREMRANGEBYLEX", "z", "+", "-"}) == integer(0));
      CHECK(h.run({"ZREMRANGEBYLEX", "z", "-", "+"}) == integer(3));
      CHECK_FALSE(exists(h, "z"));
      CHECK(h.run({"ZREMRANGEBYRANK", "nokey", "0", "-1"}) == integer(0));
      CHECK(h.run({"ZREMRANGEBYRANK", "z", "a", "1"}) == kNotInteger);
      CHECK(h.run({"ZREMRANGEBYSCORE", "z", "a", "1"}) == kMinMaxFloat);
      CHECK(h.run({"ZREMRANGEBYLEX", "z", "a", "+"}) == kMinMaxLex);
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZREMRANGEBYRANK", "s", "0", "1"}) == kWrongType);
      CHECK(h.run({"ZREMRANGEBYSCORE", "s", "a", "1"}) == kMinMaxFloat);  // the range first
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pops

  TEST_CASE("ZPOPMIN ZPOPMAX") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "-1", "a", "1", "b", "2", "c", "3", "d", "4", "e"}) == integer(5));
      CHECK(h.run({"ZPOPMIN", "z"}) == bulks({"a", "-1"}));
      CHECK(h.run({"ZPOPMAX", "z"}) == bulks({"e", "4"}));
      CHECK(h.run({"ZPOPMIN", "z", "2"}) == bulks({"b", "1", "c", "2"}));
      CHECK(h.run({"ZPOPMIN", "z", "0"}) == bulks({}));
      CHECK(h.run({"ZPOPMAX", "z", "10"}) == bulks({"d", "3"}));
      CHECK_FALSE(exists(h, "z"));
      CHECK(h.run({"ZPOPMIN", "z"}) == bulks({}));
      CHECK(h.run({"ZPOPMIN", "z", "3"}) == bulks({}));
      const Reply positive = error("ERR value is out of range, must be positive");
      CHECK(h.run({"ZPOPMIN", "z", "-1"}) == positive);
      CHECK(h.run({"ZPOPMIN", "z", "x"}) == positive);
      CHECK(h.run({"ZPOPMIN", "z", "1", "2"}) == kSyntax);
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZPOPMAX", "s"}) == kWrongType);
      // RESP3: pairs with a count, flat without.
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZADD", "z", "0", "a", "1", "b", "2", "c", "3", "d"}) == integer(4));
      CHECK(h.run({"ZPOPMIN", "z"}) == array({bulk("a"), dbl(0)}));
      CHECK(h.run({"ZPOPMAX", "z", "2"}) == array({pair("d", 3), pair("c", 2)}));
      CHECK(h.run({"ZPOPMIN", "z", "1"}) == array({pair("b", 1)}));
      CHECK(h.run({"ZPOPMIN", "z", "1"}) == array({}));
    }
  }

  TEST_CASE("ZMPOP") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZMPOP", "1", "z", "MIN"}).type == Reply::Type::null);
      CHECK(h.run({"ZADD", "z2", "1", "a", "2", "b", "3", "c"}) == integer(3));
      CHECK(h.run({"ZMPOP", "2", "z1", "z2", "MIN"}) == array({bulk("z2"), array({bulks({"a", "1"})})}));
      CHECK(h.run({"ZMPOP", "2", "z1", "z2", "max", "COUNT", "10"}) ==
            array({bulk("z2"), array({bulks({"c", "3"}), bulks({"b", "2"})})}));
      CHECK_FALSE(exists(h, "z2"));
      CHECK(h.run({"ZMPOP", "2", "z1", "z2", "MIN"}).type == Reply::Type::null);
      const Reply numkeys = error("ERR numkeys should be greater than 0");
      CHECK(h.run({"ZMPOP", "0", "z", "MIN"}) == numkeys);
      CHECK(h.run({"ZMPOP", "-1", "z", "MIN"}) == numkeys);
      CHECK(h.run({"ZMPOP", "a", "z", "MIN"}) == numkeys);
      CHECK(h.run({"ZMPOP", "2", "z", "MIN"}) == kSyntax);
      CHECK(h.run({"ZMPOP", "1", "z", "bad"}) == kSyntax);
      CHECK(h.run({"ZMPOP", "1", "z", "MIN", "COUNT"}) == kSyntax);
      CHECK(h.run({"ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"}) == kSyntax);
      CHECK(h.run({"ZMPOP", "1", "z", "MIN", "bar"}) == kSyntax);
      const Reply count = error("ERR count should be greater than 0");
      CHECK(h.run({"ZMPOP", "1", "z", "MIN", "COUNT", "0"}) == count);
      CHECK(h.run({"ZMPOP", "1", "z", "MIN", "COUNT", "-1"}) == count);
      CHECK(h.run({"ZMPOP", "1", "z", "MIN", "COUNT", "a"}) == count);
      CHECK(h.run({"ZMPOP", "1", "z"}) == error("ERR wrong number of arguments for 'zmpop' command"));
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZADD", "z3", "1", "a"}) == integer(1));
      CHECK(h.run({"ZMPOP", "2", "s", "z3", "MIN"}) == kWrongType);
      CHECK(h.run({"ZMPOP", "2", "z3", "s", "MIN"}) == array({bulk("z3"), array({bulks({"a", "1"})})}));
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZADD", "z", "1", "a", "2", "b"}) == integer(2));
      CHECK(h.run({"ZMPOP", "1", "z", "MAX", "COUNT", "2"}) == array({bulk("z"), array({pair("b", 2), pair("a", 1)})}));
      CHECK(h.run({"ZMPOP", "1", "z", "MAX"}).type == Reply::Type::null);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Set operations

  TEST_CASE("ZUNION ZINTER ZDIFF and their STORE forms") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "a", "1", "a", "2", "b", "3", "c"}) == integer(3));
      CHECK(h.run({"ZADD", "b", "1", "b", "2", "c", "3", "d"}) == integer(3));
      CHECK(h.run({"ZUNION", "2", "a", "b", "WITHSCORES"}) == bulks({"a", "1", "b", "3", "d", "3", "c", "5"}));
      CHECK(h.run({"ZUNION", "2", "a", "b"}) == bulks({"a", "b", "d", "c"}));
      CHECK(h.run({"ZINTER", "2", "a", "b", "WITHSCORES"}) == bulks({"b", "3", "c", "5"}));
      CHECK(h.run({"ZDIFF", "2", "a", "b", "WITHSCORES"}) == bulks({"a", "1"}));
      CHECK(h.run({"ZDIFF", "2", "a", "a"}) == bulks({}));
      CHECK(h.run({"ZDIFF", "1", "a"}) == bulks({"a", "b", "c"}));
      CHECK(h.run({"ZUNION", "2", "a", "b", "WEIGHTS", "2", "3", "WITHSCORES"}) ==
            bulks({"a", "2", "b", "7", "d", "9", "c", "12"}));
      CHECK(h.run({"ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES"}) ==
            bulks({"a", "1", "b", "1", "c", "2", "d", "3"}));
      CHECK(h.run({"ZUNION", "2", "a", "b", "AGGREGATE", "max", "WITHSCORES"}) ==
            bulks({"a", "1", "b", "2", "c", "3", "d", "3"}));
      CHECK(h.run({"ZINTER", "2", "a", "b", "WEIGHTS", "1", "-1", "AGGREGATE", "SUM", "WITHSCORES"}) ==
            bulks({"b", "1", "c", "1"}));
      CHECK(h.run({"ZINTER", "2", "a", "a", "WEIGHTS", "1", "2", "WITHSCORES"}) ==
            bulks({"a", "3", "b", "6", "c", "9"}));
      CHECK(h.run({"ZUNION", "2", "a", "nokey", "WITHSCORES"}) == bulks({"a", "1", "b", "2", "c", "3"}));
      CHECK(h.run({"ZINTER", "2", "a", "nokey"}) == bulks({}));
      CHECK(h.run({"ZDIFF", "2", "nokey", "a"}) == bulks({}));
      // Plain sets take part with score 1.
      CHECK(h.run({"SADD", "s", "a", "d", "x"}) == integer(3));
      CHECK(h.run({"ZUNION", "2", "a", "s", "WITHSCORES"}) == bulks({"d", "1", "x", "1", "a", "2", "b", "2", "c", "3"}));
      CHECK(h.run({"ZINTER", "2", "a", "s", "WEIGHTS", "1", "10", "WITHSCORES"}) == bulks({"a", "11"}));
      CHECK(h.run({"ZDIFF", "2", "s", "a", "WITHSCORES"}) == bulks({"d", "1", "x", "1"}));
      CHECK(h.run({"SADD", "i", "1", "2"}) == integer(2));  // an intset
      CHECK(h.run({"ZUNION", "1", "i", "WITHSCORES"}) == bulks({"1", "1", "2", "1"}));
      // +inf + -inf sums to 0, not NaN.
      CHECK(h.run({"ZADD", "pinf", "inf", "m"}) == integer(1));
      CHECK(h.run({"ZADD", "ninf", "-inf", "m"}) == integer(1));
      CHECK(h.run({"ZUNION", "2", "pinf", "ninf", "WITHSCORES"}) == bulks({"m", "0"}));
      CHECK(h.run({"ZINTER", "2", "pinf", "ninf", "WITHSCORES"}) == bulks({"m", "0"}));
      CHECK(h.run({"ZUNION", "1", "pinf", "WEIGHTS", "0", "WITHSCORES"}) == bulks({"m", "0"}));
      // STORE forms: reply the size, replace the destination, delete it for an empty result.
      CHECK(h.run({"SET", "dst", "string"}) == ok());
      CHECK(h.run({"ZUNIONSTORE", "dst", "2", "a", "b"}) == integer(4));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == bulks({"a", "1", "b", "3", "d", "3", "c", "5"}));
      CHECK(h.run({"ZINTERSTORE", "dst", "2", "a", "b", "WEIGHTS", "2", "3"}) == integer(2));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == bulks({"b", "7", "c", "12"}));
      CHECK(h.run({"ZDIFFSTORE", "dst", "2", "a", "b"}) == integer(1));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == bulks({"a", "1"}));
      CHECK(h.run({"ZINTERSTORE", "dst", "2", "a", "nokey"}) == integer(0));
      CHECK_FALSE(exists(h, "dst"));
      CHECK(h.run({"ZUNIONSTORE", "a", "2", "a", "b", "AGGREGATE", "MAX"}) == integer(4));  // dst is a source
      CHECK(h.run({"ZRANGE", "a", "0", "-1", "WITHSCORES"}) == bulks({"a", "1", "b", "2", "c", "3", "d", "3"}));
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZINTER", "2", "a", "b", "WITHSCORES"}) == array({pair("b", 3), pair("c", 5), pair("d", 6)}));
      CHECK(h.run({"ZDIFF", "2", "a", "b", "WITHSCORES"}) == array({pair("a", 1)}));
      CHECK(h.run({"ZUNION", "1", "b"}) == bulks({"b", "c", "d"}));
    }
  }

  TEST_CASE("set operation errors") {
    Harness h;
    CHECK(h.run({"ZADD", "a", "1", "a"}) == integer(1));
    CHECK(h.run({"SET", "str", "v"}) == ok());
    CHECK(h.run({"ZUNION", "0", "a"}) == error("ERR at least 1 input key is needed for 'zunion' command"));
    CHECK(h.run({"ZINTERSTORE", "d", "-1", "a"}) ==
          error("ERR at least 1 input key is needed for 'zinterstore' command"));
    CHECK(h.run({"ZINTERCARD", "0", "a"}) == error("ERR at least 1 input key is needed for 'zintercard' command"));
    CHECK(h.run({"ZUNION", "x", "a"}) == kNotInteger);
    CHECK(h.run({"ZUNION", "2", "a"}) == kSyntax);
    CHECK(h.run({"ZUNION", "2", "a", "str"}) == kWrongType);
    CHECK(h.run({"ZUNIONSTORE", "d", "2", "a", "str"}) == kWrongType);
    CHECK(h.run({"ZUNION", "1", "a", "WEIGHTS"}) == kSyntax);
    CHECK(h.run({"ZUNION", "1", "a", "WEIGHTS", "x"}) == error("ERR weight value is not a float"));
    CHECK(h.run({"ZUNION", "2", "a", "a", "WEIGHTS", "1"}) == kSyntax);
    CHECK(h.run({"ZUNION", "1", "a", "AGGREGATE", "avg"}) == kSyntax);
    CHECK(h.run({"ZUNION", "1", "a", "AGGREGATE"}) == kSyntax);
    CHECK(h.run({"ZUNIONSTORE", "d", "1", "a", "WITHSCORES"}) == kSyntax);
    CHECK(h.run({"ZDIFF", "1", "a", "WEIGHTS", "1"}) == kSyntax);
    CHECK(h.run({"ZDIFF", "1", "a", "AGGREGATE", "MIN"}) == kSyntax);
    CHECK(h.run({"ZINTERCARD", "1", "a", "WITHSCORES"}) == kSyntax);
    CHECK(h.run({"ZINTERCARD", "1", "a", "LIMIT", "-1"}) == error("ERR LIMIT can't be negative"));
    CHECK(h.run({"ZINTERCARD", "1", "a", "LIMIT", "x"}) == error("ERR LIMIT can't be negative"));
    CHECK(h.run({"ZINTERCARD", "1", "a", "LIMIT"}) == kSyntax);
    CHECK(h.run({"ZINTER", "1", "a", "LIMIT", "1"}) == kSyntax);
  }

  TEST_CASE("ZINTERCARD") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "a", "1", "a", "2", "b", "3", "c"}) == integer(3));
      CHECK(h.run({"ZADD", "b", "1", "b", "2", "c", "3", "d"}) == integer(3));
      CHECK(h.run({"SADD", "s", "c", "d"}) == integer(2));
      CHECK(h.run({"ZINTERCARD", "2", "a", "b"}) == integer(2));
      CHECK(h.run({"ZINTERCARD", "2", "a", "b", "LIMIT", "0"}) == integer(2));
      CHECK(h.run({"ZINTERCARD", "2", "a", "b", "LIMIT", "1"}) == integer(1));
      CHECK(h.run({"ZINTERCARD", "2", "a", "b", "limit", "10"}) == integer(2));
      CHECK(h.run({"ZINTERCARD", "3", "a", "b", "s"}) == integer(1));
      CHECK(h.run({"ZINTERCARD", "2", "a", "nokey"}) == integer(0));
    }
  }

  TEST_CASE("ZRANGESTORE") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"}) == integer(4));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "0", "-1"}) == integer(4));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == bulks({"a", "1", "b", "2", "c", "3", "d", "4"}));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "1", "2", "REV"}) == integer(2));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1"}) == bulks({"b", "c"}));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "(1", "3", "BYSCORE", "LIMIT", "1", "1"}) == integer(1));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == bulks({"c", "3"}));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "5", "1", "BYSCORE", "REV", "LIMIT", "0", "2"}) == integer(2));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1"}) == bulks({"c", "d"}));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "[b", "(d", "BYLEX"}) == integer(2));
      CHECK(h.run({"ZRANGE", "dst", "0", "-1", "WITHSCORES"}) == bulks({"b", "2", "c", "3"}));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "5", "10"}) == integer(0));
      CHECK_FALSE(exists(h, "dst"));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "0", "0"}) == integer(1));
      CHECK(h.run({"ZRANGESTORE", "dst", "nokey", "0", "-1"}) == integer(0));
      CHECK_FALSE(exists(h, "dst"));
      CHECK(h.run({"ZRANGESTORE", "z", "z", "0", "1"}) == integer(2));  // onto its own source
      CHECK(h.run({"ZRANGE", "z", "0", "-1"}) == bulks({"a", "b"}));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"}) == kSyntax);
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "0", "-1", "LIMIT", "1", "1"}) ==
            error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"));
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "0"}) == error("ERR wrong number of arguments for 'zrangestore' command"));
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZRANGESTORE", "dst", "s", "0", "-1"}) == kWrongType);
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      CHECK(h.run({"ZRANGESTORE", "dst", "z", "0", "-1"}) == integer(2));
    }
  }

  // -------------------------------------------------------------------------------------------
  // ZRANDMEMBER ZSCAN

  TEST_CASE("ZRANDMEMBER") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      CHECK(h.run({"ZRANDMEMBER", "nokey"}) == nil());
      CHECK(h.run({"ZRANDMEMBER", "nokey", "5"}) == bulks({}));
      CHECK(h.run({"ZRANDMEMBER", "nokey", "5", "WITHSCORES"}) == bulks({}));
      CHECK(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"}) == integer(5));
      const std::set<std::string> all{"a", "b", "c", "d", "e"};
      CHECK(all.count(h.run({"ZRANDMEMBER", "z"}).str) == 1);
      CHECK(h.run({"ZRANDMEMBER", "z", "0"}) == bulks({}));
      // At least the whole set: all of it, highest score first (Redis walks it backwards).
      CHECK(h.run({"ZRANDMEMBER", "z", "5"}) == bulks({"e", "d", "c", "b", "a"}));
      CHECK(h.run({"ZRANDMEMBER", "z", "50", "WITHSCORES"}) ==
            bulks({"e", "5", "d", "4", "c", "3", "b", "2", "a", "1"}));
      // Distinct members for a positive count, repeats allowed for a negative one.
      for (const char* count : {"1", "2", "3", "4"}) {
        const Reply r = h.run({"ZRANDMEMBER", "z", count});
        std::set<std::string> seen;
        for (const auto& m : r.elements) seen.insert(m.str);
        CHECK(seen.size() == static_cast<std::size_t>(std::atoi(count)));
        for (const auto& m : seen) CHECK(all.count(m) == 1);
      }
      const Reply many = h.run({"ZRANDMEMBER", "z", "-100"});
      CHECK(many.size() == 100);
      std::set<std::string> seen;
      for (const auto& m : many.elements) seen.insert(m.str);
      CHECK(seen == all);  // 100 draws out of 5 see every member
      const Reply scored = h.run({"ZRANDMEMBER", "z", "-3", "WITHSCORES"});
      REQUIRE(scored.size() == 6);
      for (std::size_t i = 0; i < 6; i += 2) {
        CHECK(scored[i + 1].str == num(scored[i].str[0] - 'a' + 1));
      }
      CHECK(h.run({"ZRANDMEMBER", "z", "x"}) == kNotInteger);
      CHECK(h.run({"ZRANDMEMBER", "z", "1", "foo"}) == kSyntax);
      CHECK(h.run({"ZRANDMEMBER", "z", "1", "WITHSCORES", "x"}) == kSyntax);
      CHECK(h.run({"ZRANDMEMBER", "z", "-9223372036854775808"}) ==
            error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"));
      CHECK(h.run({"ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"}) ==
            error("ERR value is out of range"));
      CHECK(h.run({"ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES"}) == error("ERR value is out of range"));
      CHECK(h.run({"SET", "s", "v"}) == ok());
      CHECK(h.run({"ZRANDMEMBER", "s"}) == kWrongType);
      CHECK(h.run({"HELLO", "3"}).type == Reply::Type::map);
      const Reply pairs = h.run({"ZRANDMEMBER", "z", "2", "WITHSCORES"});
      REQUIRE(pairs.size() == 2);
      CHECK(pairs[0].size() == 2);
      CHECK(pairs[0][1].type == Reply::Type::dbl);
      CHECK(h.run({"ZRANDMEMBER", "z", "-1", "WITHSCORES"})[0].size() == 2);
    }
  }

  TEST_CASE("ZRANDMEMBER is fair over a big sorted set") {
    Harness h;
    std::vector<std::string> args{"ZADD", "z"};
    for (int i = 0; i < 300; ++i) {
      args.push_back(num(i));
      args.push_back("m" + num(i));
    }
    REQUIRE(h.run(args) == integer(300));
    REQUIRE(encoding_of(h, "z") == Encoding::skiplist);
    std::map<std::string, int> counts;
    const Reply r = h.run({"ZRANDMEMBER", "z", "-30000"});
    for (const auto& m : r.elements) ++counts[m.str];
    CHECK(counts.size() == 300);
    for (const auto& [m, n] : counts) CHECK((n > 40 && n < 180));  // expected 100
    // Distinct draws, a few or most of the set.
    for (const char* count : {"10", "250"}) {
      const Reply d = h.run({"ZRANDMEMBER", "z", count, "WITHSCORES"});
      std::set<std::string> seen;
      for (std::size_t i = 0; i < d.size(); i += 2) {
        seen.insert(d[i].str);
        CHECK(d[i].str == "m" + d[i + 1].str);
      }
      CHECK(seen.size() == static_cast<std::size_t>(std::atoi(count)));
    }
  }

  TEST_CASE("ZSCAN") {
    Harness h;
    CHECK(h.run({"ZSCAN", "nokey", "0"}) == array({bulk("0"), bulks({})}));
    CHECK(h.run({"ZADD", "z", "1", "a", "2.5", "b", "-0", "c", "inf", "d", "0.1", "e"}) == integer(5));
    CHECK(h.run({"ZSCAN", "z", "0"}) ==
          array({bulk("0"), bulks({"c", "0", "e", "0.10000000000000001", "a", "1", "b", "2.5", "d", "inf"})}));
    CHECK(h.run({"ZSCAN", "z", "0", "MATCH", "[ab]"}) == array({bulk("0"), bulks({"a", "1", "b", "2.5"})}));
    CHECK(h.run({"ZSCAN", "z", "0", "COUNT", "0"}) == kSyntax);
    CHECK(h.run({"ZSCAN", "z", "0", "COUNT", "x"}) == kNotInteger);
    CHECK(h.run({"ZSCAN", "z", "0", "TYPE", "zset"}) == kSyntax);
    CHECK(h.run({"ZSCAN", "z", "0", "MATCH"}) == kSyntax);
    CHECK(h.run({"ZSCAN", "z", "x"}) == error("ERR invalid cursor"));
    CHECK(h.run({"SET", "s", "v"}) == ok());
    CHECK(h.run({"ZSCAN", "s", "0"}) == kWrongType);
    // A skiplist is walked in steps; every member comes back exactly once, with its score.
    std::vector<std::string> args{"ZADD", "big"};
    for (int i = 0; i < 1000; ++i) {
      args.push_back(num(i) + ".5");
      args.push_back("m" + num(i));
    }
    args.push_back("-0");
    args.push_back("negzero");
    REQUIRE(h.run(args) == integer(1001));
    std::map<std::string, std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      const Reply r = h.run({"ZSCAN", "big", cursor, "COUNT", "50"});
      REQUIRE(r.size() == 2);
      cursor = r[0].str;
      for (std::size_t i = 0; i < r[1].size(); i += 2) {
        CHECK(seen.count(r[1][i].str) == 0);
        seen[r[1][i].str] = r[1][i + 1].str;
      }
      ++calls;
    } while (cursor != "0" && calls < 1000);
    CHECK(seen.size() == 1001);
    CHECK(calls > 5);
    CHECK(seen["m17"] == "17.5");
    CHECK(seen["negzero"] == "-0");
  }

  // -------------------------------------------------------------------------------------------
  // Against a model

  TEST_CASE("random commands against a brute-force model, both encodings") {
    for (int limits : {128, 0, 16}) {
      CAPTURE(limits);
      Harness h(limits + 3);
      set_limits(h, limits, 64);
      std::mt19937_64 rng(static_cast<std::uint64_t>(limits) * 7919 + 1);
      Model model;
      auto member = [&] { return "m" + num(static_cast<std::int64_t>(rng() % 300)); };
      auto score = [&] { return static_cast<double>(static_cast<std::int64_t>(rng() % 200) - 100) / 4; };
      auto check_all = [&] {
        const auto items = model.items();
        std::vector<std::string> expected;
        for (const auto& [s, m] : items) {
          expected.push_back(m);
          expected.push_back(score_text(s));
        }
        const Reply r = h.run({"ZRANGE", "z", "0", "-1", "WITHSCORES"});
        std::vector<std::string> got;
        for (const auto& e : r.elements) got.push_back(e.str);
        REQUIRE(got == expected);
      };
      for (int op = 0; op < 4000; ++op) {
        const int kind = static_cast<int>(rng() % 12);
        const auto items = model.items();
        const auto n = static_cast<std::int64_t>(items.size());
        if (kind <= 3) {
          const std::string m = member();
          const double s = score();
          const bool existed = model.scores.count(m) != 0;
          REQUIRE(h.run({"ZADD", "z", score_text(s), m}) == integer(existed ? 0 : 1));
          model.set(m, s);
        } else if (kind == 4) {
          const std::string m = member();
          const double s = score();
          const double now = (model.scores.count(m) != 0 ? model.scores[m] : 0) + s;
          REQUIRE(h.run({"ZINCRBY", "z", score_text(s), m}) == bulk(score_text(now)));
          model.set(m, now);
        } else if (kind == 5) {
          const std::string m = member();
          const bool existed = model.scores.count(m) != 0;
          REQUIRE(h.run({"ZREM", "z", m}) == integer(existed ? 1 : 0));
          model.erase(m);
        } else if (kind == 6) {
          // Rank of a member, or of a missing one.
          const std::string m = member();
          const auto it = model.scores.find(m);
          if (it == model.scores.end()) {
            REQUIRE(h.run({"ZRANK", "z", m}) == nil());
          } else {
            const auto pos = std::find(items.begin(), items.end(), std::make_pair(it->second, m)) - items.begin();
            REQUIRE(h.run({"ZRANK", "z", m}) == integer(pos));
            REQUIRE(h.run({"ZREVRANK", "z", m}) == integer(n - 1 - pos));
          }
        } else if (kind == 7) {
          // A score range with LIMIT, both directions, and its count.
          double lo = score();
          double hi = score();
          if (lo > hi) std::swap(lo, hi);
          const bool lox = rng() % 2 == 0;
          const std::int64_t offset = static_cast<std::int64_t>(rng() % 5);
          const std::int64_t count = static_cast<std::int64_t>(rng() % 7) - 1;
          std::vector<std::string> in_range;
          for (const auto& [s, m] : items) {
            if ((lox ? s > lo : s >= lo) && s <= hi) in_range.push_back(m);
          }
          const std::string min = (lox ? "(" : "") + score_text(lo);
          REQUIRE(h.run({"ZCOUNT", "z", min, score_text(hi)}) == integer(static_cast<std::int64_t>(in_range.size())));
          std::vector<std::string> fwd;
          for (std::size_t i = static_cast<std::size_t>(offset); i < in_range.size(); ++i) {
            if (count >= 0 && fwd.size() == static_cast<std::size_t>(count)) break;
            fwd.push_back(in_range[i]);
          }
          Reply r = h.run({"ZRANGEBYSCORE", "z", min, score_text(hi), "LIMIT", num(offset), num(count)});
          std::vector<std::string> got;
          for (const auto& e : r.elements) got.push_back(e.str);
          REQUIRE(got == fwd);
          std::vector<std::string> rev;
          for (std::size_t i = static_cast<std::size_t>(offset); i < in_range.size(); ++i) {
            if (count >= 0 && rev.size() == static_cast<std::size_t>(count)) break;
            rev.push_back(in_range[in_range.size() - 1 - i]);
          }
          r = h.run({"ZREVRANGEBYSCORE", "z", score_text(hi), min, "LIMIT", num(offset), num(count)});
          got.clear();
          for (const auto& e : r.elements) got.push_back(e.str);
          REQUIRE(got == rev);
        } else if (kind == 8) {
          // A rank range, both directions.
          const std::int64_t a = static_cast<std::int64_t>(rng() % 40) - 20;
          const std::int64_t b = static_cast<std::int64_t>(rng() % 40) - 20;
          std::int64_t start = a < 0 ? a + n : a;
          std::int64_t end = b < 0 ? b + n : b;
          if (start < 0) start = 0;
          if (end >= n) end = n - 1;
          std::vector<std::string> fwd;
          std::vector<std::string> rev;
          for (std::int64_t i = start; i <= end; ++i) {
            fwd.push_back(items[static_cast<std::size_t>(i)].second);
            rev.push_back(items[static_cast<std::size_t>(n - 1 - i)].second);
          }
          Reply r = h.run({"ZRANGE", "z", num(a), num(b)});
          std::vector<std::string> got;
          for (const auto& e : r.elements) got.push_back(e.str);
          REQUIRE(got == fwd);
          r = h.run({"ZREVRANGE", "z", num(a), num(b)});
          got.clear();
          for (const auto& e : r.elements) got.push_back(e.str);
          REQUIRE(got == rev);
        } else if (kind == 9 && rng() % 8 == 0) {
          // A rank range removed.
          const std::int64_t a = static_cast<std::int64_t>(rng() % 30);
          const std::int64_t b = a + static_cast<std::int64_t>(rng() % 10);
          std::int64_t removed = 0;
          for (std::int64_t i = a; i <= b && i < n; ++i) {
            model.erase(items[static_cast<std::size_t>(i)].second);
            ++removed;
          }
          REQUIRE(h.run({"ZREMRANGEBYRANK", "z", num(a), num(b)}) == integer(removed));
        } else if (kind == 10 && rng() % 8 == 0) {
          double lo = score();
          double hi = lo + 3;
          std::int64_t removed = 0;
          for (const auto& [s, m] : items) {
            if (s >= lo && s <= hi) {
              model.erase(m);
              ++removed;
            }
          }
          REQUIRE(h.run({"ZREMRANGEBYSCORE", "z", score_text(lo), score_text(hi)}) == integer(removed));
        } else if (kind == 11) {
          const bool max = rng() % 2 == 0;
          const std::int64_t count = static_cast<std::int64_t>(rng() % 4);
          std::vector<std::string> expected;
          for (std::int64_t i = 0; i < count && i < n; ++i) {
            const auto& it = items[static_cast<std::size_t>(max ? n - 1 - i : i)];
            expected.push_back(it.second);
            expected.push_back(score_text(it.first));
            model.erase(it.second);
          }
          const Reply r = h.run({max ? "ZPOPMAX" : "ZPOPMIN", "z", num(count)});
          std::vector<std::string> got;
          for (const auto& e : r.elements) got.push_back(e.str);
          REQUIRE(got == expected);
        }
        if (op % 200 == 0) {
          check_all();
          const microredis::Entry* e = h.engine.db(0).find_raw("z");
          if (e != nullptr && e->encoding() == Encoding::skiplist) {
            REQUIRE(microredis::ZsetObject::of(*e).big()->tree.verify());
          }
        }
        REQUIRE(exists(h, "z") == !model.scores.empty());
      }
      check_all();
    }
  }

  TEST_CASE("lex commands against a model") {
    for (int limits : {128, 0}) {
      CAPTURE(limits);
      Harness h;
      set_limits(h, limits, 64);
      std::mt19937_64 rng(99);
      std::set<std::string> model;
      auto word = [&] {
        std::string w;
        const int len = static_cast<int>(rng() % 4);
        for (int i = 0; i < len; ++i) w.push_back(static_cast<char>('a' + rng() % 4));
        return w;
      };
      for (int i = 0; i < 60; ++i) {
        const std::string w = word();
        h.run({"ZADD", "z", "0", w});
        model.insert(w);
      }
      for (int q = 0; q < 1500; ++q) {
        const std::string lo = word();
        const std::string hi = word();
        const bool lox = rng() % 2 == 0;
        const bool hix = rng() % 2 == 0;
        const int kind = static_cast<int>(rng() % 3);
        std::string min = (lox ? "(" : "[") + lo;
        std::string max = (hix ? "(" : "[") + hi;
        if (kind == 1) min = "-";
        if (kind == 2) max = "+";
        std::vector<std::string> expected;
        for (const auto& w : model) {
          const bool above = kind == 1 || (lox ? w > lo : w >= lo);
          const bool below = kind == 2 || (hix ? w < hi : w <= hi);
          if (above && below) expected.push_back(w);
        }
        Reply r = h.run({"ZRANGEBYLEX", "z", min, max});
        std::vector<std::string> got;
        for (const auto& e : r.elements) got.push_back(e.str);
        REQUIRE(got == expected);
        REQUIRE(h.run({"ZLEXCOUNT", "z", min, max}) == integer(static_cast<std::int64_t>(expected.size())));
        r = h.run({"ZREVRANGEBYLEX", "z", max, min});
        got.clear();
        for (const auto& e : r.elements) got.push_back(e.str);
        std::reverse(expected.begin(), expected.end());
        REQUIRE(got == expected);
        if (q % 50 == 0) {
          REQUIRE(h.run({"ZREMRANGEBYLEX", "z", min, max}) == integer(static_cast<std::int64_t>(expected.size())));
          for (const auto& w : expected) model.erase(w);
          for (int i = 0; i < 5; ++i) {
            const std::string w = word();
            h.run({"ZADD", "z", "0", w});
            model.insert(w);
          }
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Memory

  TEST_CASE("no memory is left behind") {
    Harness h;
    // Latency histograms come with a command's first call: not what this test measures.
    REQUIRE(h.run({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
    h.engine.db(0).reserve(64);
    auto used = [&] { return h.engine.memory().used() - h.engine.db(0).table_overhead(); };
    // Warm up the session's buffers.
    std::vector<std::string> args{"ZADD", "warm"};
    for (int i = 0; i < 2000; ++i) {
      args.push_back(num(i));
      args.push_back("member:" + num(i));
    }
    REQUIRE(h.run(args) == integer(2000));
    REQUIRE(h.run({"ZRANGE", "warm", "0", "-1", "WITHSCORES"}).size() == 4000);
    REQUIRE(h.run({"ZREMRANGEBYRANK", "warm", "0", "-1"}) == integer(2000));
    create_counters(h.engine, {{"ZINCRBY"}, {"ZUNIONSTORE"}, {"ZINTERSTORE"}, {"ZDIFFSTORE"}, {"ZRANGESTORE"},
                               {"ZUNION"}, {"ZRANDMEMBER"}, {"ZSCAN"}, {"ZREMRANGEBYSCORE"}, {"ZPOPMAX"},
                               {"FLUSHALL", "x"}});
    const std::size_t baseline = used();
    for (int limits : {128, 0}) {
      set_limits(h, limits, 64);
      args[1] = "z";
      REQUIRE(h.run(args) == integer(2000));
      REQUIRE(h.run({"ZADD", "small", "1", "a", "2", "b"}) == integer(2));
      REQUIRE(h.run({"ZINCRBY", "z", "5000", "member:3"}).type == Reply::Type::bulk);
      REQUIRE(h.run({"ZUNIONSTORE", "u", "2", "z", "small", "WEIGHTS", "1", "2"}) == integer(2002));
      REQUIRE(h.run({"ZINTERSTORE", "i", "2", "z", "small"}) == integer(0));
      REQUIRE(h.run({"ZDIFFSTORE", "d", "2", "z", "small"}) == integer(2000));
      REQUIRE(h.run({"ZRANGESTORE", "r", "z", "10", "20"}) == integer(11));
      REQUIRE(h.run({"ZUNION", "2", "z", "small"}).size() == 2002);
      REQUIRE(h.run({"ZRANDMEMBER", "z", "100"}).size() == 100);
      REQUIRE(h.run({"ZRANDMEMBER", "z", "1900"}).size() == 1900);
      REQUIRE(h.run({"ZSCAN", "z", "0"}).size() == 2);
      REQUIRE(h.run({"ZREMRANGEBYSCORE", "z", "100", "200"}) == integer(101));
      REQUIRE(h.run({"ZPOPMAX", "z", "10"}).size() == 20);
      REQUIRE(h.run({"FLUSHALL"}) == ok());
      CHECK(used() == baseline);
    }
  }

  TEST_CASE("a copy is deep, in the same encoding") {
    for (const auto& enc : kEncodings) {
      CAPTURE(enc.name);
      Harness h;
      set_limits(h, enc.entries, enc.value);
      REQUIRE(h.run({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == integer(3));
      microredis::Db& db = h.engine.db(0);
      microredis::Entry::Layout layout;
      REQUIRE(microredis::copy_value(h.engine.memory(), *db.find_raw("z"), layout));
      REQUIRE(db.put("copy", layout, -1) != nullptr);
      CHECK(encoding_of(h, "copy") == enc.expected);
      CHECK(h.run({"ZREM", "z", "a", "b", "c"}) == integer(3));
      CHECK(h.run({"ZRANGE", "copy", "0", "-1", "WITHSCORES"}) == bulks({"a", "1", "b", "2", "c", "3"}));
      CHECK(h.run({"ZADD", "copy", "0", "x"}) == integer(1));
      CHECK(h.run({"ZRANK", "copy", "x"}) == integer(0));
    }
  }

  TEST_CASE("an allocation failing anywhere leaves the dataset consistent and leaks nothing") {
    // Each command runs once per allocation it makes, with that allocation failing (failmalloc):
    // the keys stay whole and ordered, and once the keyspace is flushed every byte is back.
    const std::vector<std::vector<std::string>> commands = {
        {"ZADD", "lp", "9", "new", "0.5", "a"},
        {"ZADD", "lp", "INCR", "100", "a"},
        {"ZADD", "lp", "1", std::string(100, 'L')},
        {"ZADD", "lp", "1", "d", "2", "e", "3", "f", "4", "g", "5", "h", "6", "i"},
        {"ZADD", "big", "1", "n1", "-7", "m3", "50.5", "m4"},
        {"ZINCRBY", "big", "1000", "m5"},
        {"ZADD", "fresh", "1", "a", "2", "b"},
        {"ZREM", "lp", "a"},
        {"ZREM", "big", "m2"},
        {"ZREMRANGEBYRANK", "lp", "0", "1"},
        {"ZREMRANGEBYSCORE", "big", "10", "40"},
        {"ZPOPMIN", "lp", "2"},
        {"ZPOPMAX", "big", "3"},
        {"ZUNIONSTORE", "u", "2", "lp", "big"},
        {"ZINTERSTORE", "u", "2", "lp", "big"},
        {"ZDIFFSTORE", "u", "2", "big", "lp"},
        {"ZRANGESTORE", "u", "big", "0", "-1"},
        {"ZRANGESTORE", "u", "lp", "0", "-1"},
        {"ZUNION", "2", "lp", "big", "WITHSCORES"},
        {"ZRANDMEMBER", "big", "-50"},
        {"ZRANDMEMBER", "big", "30"},
        {"ZRANDMEMBER", "lp", "-5"},
        {"ZSCAN", "big", "0"},
    };
    for (const auto& cmd : commands) {
      CAPTURE(cmd[0]);
      for (long n = 1;; ++n) {
        CAPTURE(n);
        FailingAllocator alloc;
        microredis::ManualClock clock;
        microredis::EngineOptions o;
        o.clock = &clock;
        o.seed = 1;
        o.allocator = alloc.hooks();
        microredis::Engine engine(o);
        auto exec = [&](const std::vector<std::string>& args) {
          std::vector<std::string_view> v(args.begin(), args.end());
          return engine.execute(v.data(), v.size());
        };
        REQUIRE(exec({"CONFIG", "SET", "zset-max-listpack-entries", "8"}) == ok());
        // Latency histograms come with a command's first call: not what this test measures.
        REQUIRE(exec({"CONFIG", "SET", "latency-tracking", "no"}) == ok());
        // Grow the reply buffer past any reply below, so that replies themselves do not allocate.
        std::vector<std::string> warm{"ZADD", "warm"};
        for (int i = 0; i < 400; ++i) {
          warm.push_back(num(i));
          warm.push_back("w" + num(i));
        }
        REQUIRE(exec(warm) == integer(400));
        REQUIRE(exec({"ZRANGE", "warm", "0", "-1", "WITHSCORES"}).size() == 800);
        REQUIRE(exec({"ZADD", "warm", "x", "y"}) == kNotFloat);  // the error statistics table
        REQUIRE(exec({"FLUSHALL"}) == ok());
        create_counters(engine, {{cmd[0]}});
        const std::size_t baseline = engine.memory().used();
        REQUIRE(exec({"ZADD", "lp", "1", "a", "2", "b", "3", "c"}) == integer(3));
        std::vector<std::string> big{"ZADD", "big"};
        for (int i = 0; i < 100; ++i) {
          big.push_back(num(i));
          big.push_back("m" + num(i));
        }
        REQUIRE(exec(big) == integer(100));
        alloc.fail_once(static_cast<std::uint64_t>(n));
        const Reply r = exec(cmd);
        const bool reached = alloc.failed();
        alloc.heal();
        if (reached) CHECK((r == kOom || !r.is_error()));
        // The sets still read back whole and ordered, their table and tree agreeing.
        for (const char* key : {"lp", "big", "fresh", "u"}) {
          const Reply all = engine.execute({"ZRANGE", key, "0", "-1", "WITHSCORES"});
          REQUIRE(all.type == Reply::Type::array);
          for (std::size_t i = 3; i < all.size(); i += 2) {
            REQUIRE(std::atof(all[i - 2].str.c_str()) <= std::atof(all[i].str.c_str()));
          }
          const microredis::Entry* e = engine.db(0).find_raw(key);
          if (e != nullptr && e->encoding() == Encoding::skiplist) {
            const microredis::ZsetObject obj = microredis::ZsetObject::of(*e);
            REQUIRE(obj.big()->tree.verify());
            REQUIRE(obj.big()->tree.size() == obj.big()->dict.size());
          }
          if (e != nullptr) REQUIRE(microredis::ZsetObject::of(*e).length() > 0);
        }
        REQUIRE(exec({"FLUSHALL"}) == ok());
        CHECK(engine.memory().used() == baseline);
        if (!reached) break;  // the command made fewer than n allocations: all paths covered
      }
    }
  }

  // 100k sorted sets of 10 members (memory-per-key.sh's load) take at most 12 bytes per member,
  // counting everything the engine holds for them (redis-server 7.0: 15.5 by its used_memory); a
  // skiplist at most 60 (redis-server: 110). MICROREDIS_MEMBENCH_N sets the number of sets
  // (default small, for the test run).
  TEST_CASE("memory per sorted set member") {
    Harness h;
    const char* env = std::getenv("MICROREDIS_MEMBENCH_N");
    const int n = env != nullptr ? std::atoi(env) : 20000;
    std::size_t before = h.engine.memory().used();
    std::vector<std::string> cmd(22);
    cmd[0] = "ZADD";
    char buf[32];
    for (int i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, "zset:%06d", i);
      cmd[1] = buf;
      for (int j = 0; j < 10; ++j) {
        cmd[2 + 2 * j] = std::to_string(j);
        cmd[3 + 2 * j] = "m:" + std::to_string(j);
      }
      REQUIRE(h.run(cmd) == integer(10));
    }
    double per_member = static_cast<double>(h.engine.memory().used() - before) / (10.0 * n);
    MESSAGE("sorted sets: " << n << " x 10 members, " << per_member << " bytes per member");
    CHECK(per_member <= 12.0);
    CHECK(encoding_of(h, "zset:000000") == Encoding::listpack);
    // One big sorted set, random scores.
    REQUIRE(h.run({"FLUSHALL"}) == ok());
    before = h.engine.memory().used();
    std::mt19937_64 rng(5);
    for (int i = 0; i < 10 * n; ++i) {
      std::snprintf(buf, sizeof buf, "member:%07d", i);
      REQUIRE(h.run({"ZADD", "big", num(static_cast<std::int64_t>(rng() % 1000000)), buf}) == integer(1));
    }
    per_member = static_cast<double>(h.engine.memory().used() - before) / (10.0 * n);
    MESSAGE("one sorted set of " << 10 * n << " members, " << per_member << " bytes per member");
    // About 61 bytes since the tree keeps each member's score beside its pointer (redis-server's
    // used_memory grows by about 110 per member here).
    CHECK(per_member <= 66.0);
    CHECK(encoding_of(h, "big") == Encoding::skiplist);
  }

  // -------------------------------------------------------------------------------------------
  // The command table

  TEST_CASE("commands are registered with Redis's arity, flags and keys") {
    Harness h;
    auto spec = [&](std::string_view name) { return h.engine.commands().find(name).spec; };
    for (const char* name :
         {"zadd", "zincrby", "zrem", "zscore", "zmscore", "zcard", "zcount", "zlexcount", "zrank", "zrevrank", "zrange",
          "zrangestore", "zrevrange", "zrangebyscore", "zrevrangebyscore", "zrangebylex", "zrevrangebylex",
          "zremrangebyrank", "zremrangebyscore", "zremrangebylex", "zpopmin", "zpopmax", "zmpop", "zrandmember",
          "zunion", "zinter", "zdiff", "zunionstore", "zinterstore", "zdiffstore", "zintercard", "zscan"}) {
      CAPTURE(name);
      REQUIRE(spec(name) != nullptr);
      CHECK(spec(name)->group() == "sorted_set");
    }
    CHECK(spec("zadd")->arity == -4);
    CHECK(spec("zrangestore")->arity == -5);
    CHECK(spec("zrangestore")->last_key == 2);
    CHECK(spec("zmpop")->arity == -4);
    CHECK((spec("zmpop")->flags & microredis::kMovableKeys) != 0);
    CHECK((spec("bzpopmin")->flags & microredis::kBlocking) != 0);
    std::size_t keys[8];
    const std::string_view store[] = {"zunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2"};
    REQUIRE(spec("zunionstore")->get_keys(store, 8, keys, 8) == 3);
    CHECK((keys[0] == 1 && keys[1] == 3 && keys[2] == 4));
    const std::string_view mpop[] = {"zmpop", "2", "a", "b", "MIN"};
    REQUIRE(spec("zmpop")->get_keys(mpop, 5, keys, 8) == 2);
    CHECK((keys[0] == 2 && keys[1] == 3));
    const std::string_view bad[] = {"zunion", "5", "a"};
    CHECK(spec("zunion")->get_keys(bad, 3, keys, 8) == 0);
  }
}
