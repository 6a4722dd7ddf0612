// A reply as a value: what Engine::execute() returns and what tests compare against. It is the
// application-facing result type and owns its strings with the standard library allocator; the
// engine's own memory (keyspace, buffers) never holds Reply objects.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "../status.hpp"

namespace microredis {

struct Reply {
  enum class Type : std::uint8_t {
    simple,     // +OK
    error,      // -ERR ...
    integer,    // :1
    bulk,       // $3 foo
    null,       // $-1, *-1, _
    array,      // *n
    map,        // %n (elements hold keys and values alternately)
    set,        // ~n
    push,       // >n
    dbl,        // ,1.5
    boolean,    // #t
    verbatim,   // =txt:...
    big_number  // (123
  };

  Type type = Type::null;
  std::string str;            // simple, error, bulk, verbatim (without the "txt:" prefix), big_number
  std::int64_t integer = 0;   // integer, boolean (0/1)
  double dbl = 0;             // dbl
  std::vector<Reply> elements;

  static Reply simple(std::string_view s) { return make(Type::simple, s); }
  static Reply error(std::string_view s) { return make(Type::error, s); }
  static Reply error(Status s) { return make(Type::error, status_text(s)); }
  static Reply bulk(std::string_view s) { return make(Type::bulk, s); }
  static Reply ok() { return simple("OK"); }
  static Reply null() { return Reply{}; }
  static Reply integer_value(std::int64_t v) {
    Reply r;
    r.type = Type::integer;
    r.integer = v;
    return r;
  }
  static Reply double_value(double v) {
    Reply r;
    r.type = Type::dbl;
    r.dbl = v;
    return r;
  }
  static Reply array(std::vector<Reply> items) {
    Reply r;
    r.type = Type::array;
    r.elements = static_cast<std::vector<Reply>&&>(items);
    return r;
  }
  // An array of bulk strings.
  static Reply bulks(std::initializer_list<std::string_view> items) {
    Reply r;
    r.type = Type::array;
    for (auto s : items) r.elements.push_back(bulk(s));
    return r;
  }

  bool is_error() const { return type == Type::error; }
  bool is_null() const { return type == Type::null; }
  std::size_t size() const { return elements.size(); }
  const Reply& operator[](std::size_t i) const { return elements[i]; }

  friend bool operator==(const Reply& a, const Reply& b);
  friend bool operator!=(const Reply& a, const Reply& b) { return !(a == b); }

  // A one-line human-readable rendering (redis-cli style), for test failure messages.
  std::string to_string() const;

 private:
  static Reply make(Type t, std::string_view s) {
    Reply r;
    r.type = t;
    r.str.assign(s.data(), s.size());
    return r;
  }
};

// Parses one complete reply from RESP2/RESP3 bytes. Returns the number of bytes used, or 0 when
// the bytes do not hold a whole, well-formed reply.
std::size_t parse_reply(std::string_view bytes, Reply& out);

}  // namespace microredis
