// The test harness: an engine on a manual clock, and short names for expected replies.
//   Harness h;
//   CHECK(h.run({"INCR", "s"}) == integer(1));
//   h.clock.advance_ms(1500);  // TTLs move, nothing sleeps
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "microredis/microredis.hpp"

namespace doctest {
template <>
struct StringMaker<microredis::Reply> {
  static String convert(const microredis::Reply& r) { return r.to_string().c_str(); }
};
}  // namespace doctest

namespace mrtest {

using microredis::Reply;
using microredis::Status;

struct Harness {
  microredis::ManualClock clock;
  microredis::Engine engine;

  explicit Harness(std::uint64_t seed = 42) : engine(options(clock, seed)) {}

  static microredis::EngineOptions options(const microredis::Clock& c, std::uint64_t seed) {
    microredis::EngineOptions o;
    o.clock = &c;
    o.seed = seed;
    return o;
  }

  Reply run(std::initializer_list<std::string_view> args) { return engine.execute(args); }
  Reply run(const std::vector<std::string>& args) {
    std::vector<std::string_view> v(args.begin(), args.end());
    return engine.execute(v.data(), v.size());
  }
};

inline Reply ok() { return Reply::ok(); }
inline Reply simple(std::string_view s) { return Reply::simple(s); }
inline Reply nil() { return Reply::null(); }
inline Reply integer(std::int64_t v) { return Reply::integer_value(v); }
inline Reply bulk(std::string_view s) { return Reply::bulk(s); }
inline Reply error(Status s) { return Reply::error(s); }
inline Reply error(std::string_view text) { return Reply::error(text); }
inline Reply bulks(std::initializer_list<std::string_view> items) { return Reply::bulks(items); }
inline Reply array(std::vector<Reply> items) { return Reply::array(std::move(items)); }
inline Reply dbl(double v) { return Reply::double_value(v); }

// Sorted bulk strings of an array reply (for commands whose order is unspecified: KEYS, SMEMBERS).
inline std::vector<std::string> sorted_strings(const Reply& r) {
  std::vector<std::string> v;
  for (const auto& e : r.elements) v.push_back(e.str);
  std::sort(v.begin(), v.end());
  return v;
}

// ---------------------------------------------------------------------------------------------
// Sessions on the wire

// A command as a client sends it: a RESP multibulk request.
inline std::string multibulk(std::initializer_list<std::string_view> args) {
  std::string req = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    req += "$" + std::to_string(a.size()) + "\r\n";
    req.append(a.data(), a.size());
    req += "\r\n";
  }
  return req;
}

// Everything waiting in a session's output, consumed.
inline std::string take_output(microredis::Session& s) {
  std::string out(s.pending_output());
  s.consume_output(out.size());
  return out;
}

// Feeds one command to a session and returns the bytes it answered.
inline std::string wire(microredis::Session& s, std::initializer_list<std::string_view> args) {
  s.feed(multibulk(args));
  return take_output(s);
}

// A command's counters (INFO commandstats) are created by its first call or refusal. Tests that
// compare memory or allocation counts around commands create them first, with calls that fail
// (wrong arity, a syntax error) and so change nothing else.
inline void create_counters(microredis::Engine& e,
                            std::initializer_list<std::initializer_list<std::string_view>> calls) {
  for (auto call : calls) REQUIRE(e.execute(call).is_error());
}

// Every reply waiting in a session's output, parsed and consumed.
inline std::vector<Reply> drain(microredis::Session& s) {
  std::vector<Reply> out;
  std::string_view bytes = s.pending_output();
  std::size_t used = 0;
  while (used < bytes.size()) {
    Reply r;
    std::size_t n = microredis::parse_reply(bytes.substr(used), r);
    REQUIRE(n > 0);
    used += n;
    out.push_back(std::move(r));
  }
  s.consume_output(used);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The keyspace underneath

inline bool exists(Harness& h, std::string_view key) { return h.engine.db(0).find_raw(key) != nullptr; }

inline microredis::Encoding encoding_of(Harness& h, std::string_view key) {
  const microredis::Entry* e = h.engine.db(0).find_raw(key);
  REQUIRE(e != nullptr);
  return e->encoding();
}

// ---------------------------------------------------------------------------------------------
// Out of memory on demand

// An allocator whose allocations fail when the test says so (nghttp2's failmalloc idea):
//   fail_all()     every allocation from now on fails
//   fail_from(n)   the nth allocation from now (1 = the next one) and every one after it fail
//   fail_once(n)   only the nth allocation from now fails
//   heal()         allocations succeed again
//   failed()       whether an allocation failed since the last fail_*()
// With spare_shrinks, a realloc that shrinks always succeeds and is not counted, as with every real
// allocator.
struct FailingAllocator {
  bool spare_shrinks = false;
  std::uint64_t calls = 0;
  std::uint64_t first_failure = 0;  // 0: none
  bool only_once = false;
  bool any_failed = false;

  void fail_all() { fail_from(1); }
  void fail_from(std::uint64_t n) { arm(n, false); }
  void fail_once(std::uint64_t n) { arm(n, true); }
  void heal() { first_failure = 0; }
  bool failed() const { return any_failed; }

  microredis::AllocatorHooks hooks() {
    microredis::AllocatorHooks h;
    h.allocate = [](void* ctx, std::size_t size, std::size_t) -> void* {
      return static_cast<FailingAllocator*>(ctx)->should_fail() ? nullptr : std::malloc(size);
    };
    h.deallocate = [](void*, void* p, std::size_t, std::size_t) { std::free(p); };
    h.reallocate = [](void* ctx, void* p, std::size_t old_size, std::size_t n) -> void* {
      auto* self = static_cast<FailingAllocator*>(ctx);
      if (self->spare_shrinks && n <= old_size) return std::realloc(p, n);
      return self->should_fail() ? nullptr : std::realloc(p, n);
    };
    h.ctx = this;
    return h;
  }

 private:
  void arm(std::uint64_t n, bool once) {
    calls = 0;
    first_failure = n;
    only_once = once;
    any_failed = false;
  }
  bool should_fail() {
    if (first_failure == 0) return false;
    ++calls;
    if (calls < first_failure || (only_once && calls > first_failure)) return false;
    any_failed = true;
    return true;
  }
};

// An engine on a failing allocator, its reply buffer grown first so that only the store can fail.
struct FailingEngine {
  FailingAllocator alloc;
  microredis::ManualClock clock;
  microredis::Engine engine;
  FailingEngine() : engine(options(*this)) {
    REQUIRE(engine.execute({"SET", "warm", std::string(40000, 'o')}) == Reply::ok());
    REQUIRE(engine.execute({"GET", "warm"}).str.size() == 40000);
  }
  static microredis::EngineOptions options(FailingEngine& f) {
    microredis::EngineOptions o;
    o.clock = &f.clock;
    o.seed = 1;
    o.allocator = f.alloc.hooks();
    return o;
  }
  Reply run(std::initializer_list<std::string_view> args) { return engine.execute(args); }
};

inline const Reply kOom = Reply::error("OOM command not allowed when used memory > 'maxmemory'.");

}  // namespace mrtest
