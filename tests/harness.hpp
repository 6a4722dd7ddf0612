// The test harness: an engine on a manual clock, and short names for expected replies.
//   Harness h;
//   CHECK(h.run({"INCR", "s"}) == integer(1));
//   h.clock.advance_ms(1500);  // TTLs move, nothing sleeps
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
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

}  // namespace mrtest
