// Helpers shared by the command files of the collection types (hash, list, set, sorted set) and of
// the SCAN family: element replies, taking back a partial reply, output limits, encoding
// conversions of a key's value, and SCAN cursor/option parsing and table walks. Each family file
// pulls them in with `using namespace collection;`.
#pragma once

#include <cstdint>
#include <string_view>

#include "microredis/command.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/listpack.hpp"
#include "microredis/store/table.hpp"
#include "microredis/util/strconv.hpp"

namespace microredis {
namespace collection {

// A size setting read from CONFIG (negative values mean 0, as Redis's size_t casts would not).
inline std::size_t setting_size(std::int64_t v) { return v < 0 ? 0 : static_cast<std::size_t>(v); }

inline void reply_element(Writer& out, const Element& e) {
  if (e.is_int()) return out.bulk_int(e.num);
  out.bulk({e.str, e.len});
}

// A reply written before a failure is taken back, so that the client gets exactly one reply: the
// error (an out-of-memory in the middle of a multi-element reply).
inline void rollback_with_error(Context& c, Writer::Deferred mark, Status st) {
  (void)c.out.buffer().resize(mark.pos);
  c.out.error(st);
}

// Whether a reply loop must stop early: the output could not grow, or passed the hard output
// limit (the engine closes the session after the command). Redis stops on CLIENT_CLOSE_ASAP.
inline bool output_overflow(const Context& c) {
  if (!c.out.ok_state()) return true;
  const std::uint64_t hard = c.engine.settings().output_limit_normal.hard;
  return hard != 0 && c.out.buffer().size() >= hard;
}

// Stores obj's pointer back in e after an operation that may have moved its block.
template <class Object>
inline void store_pointer(Entry* e, const Object& obj) {
  if (e->ptr() != obj.pointer()) e->set_ptr(obj.pointer());
}

template <class Object>
inline Entry::Layout value_layout(ValueType type, const Object& obj) {
  Entry::Layout l;
  l.type = type;
  l.encoding = obj.encoding();
  l.pointer = obj.pointer();
  return l;
}

// Converts e's value to its big encoding: build(from, into) builds the new form beside the old one,
// the entry is swapped over, and only then the old form freed, so that running out of memory
// anywhere leaves the key as it was. Returns the new entry (obj updated), or nullptr.
template <class Object, class Build>
inline Entry* convert_encoding(Context& c, Entry* e, Object& obj, Build&& build) {
  Object big;
  if (!build(obj, big)) return nullptr;
  Entry::Layout layout = e->layout();
  layout.encoding = big.encoding();
  layout.pointer = big.pointer();
  Entry* fresh = c.db.rebuild(e, layout, e->expire_ms(), true);
  if (fresh == nullptr) {
    big.destroy(c.mem());
    return nullptr;
  }
  obj.destroy(c.mem());
  obj = big;
  return fresh;
}

// ---------------------------------------------------------------------------------------------
// SCAN, HSCAN, SSCAN, ZSCAN

// A SCAN cursor with the rules of Redis's strtoul() check: decimal digits with an optional sign (a
// negative value wraps, as strtoul's does), nothing after them (strtoul stops at a NUL byte, and
// so does Redis's check), no leading space, no overflow; the empty string reads as 0.
inline bool parse_scan_cursor(std::string_view s, std::uint64_t& out) {
  const std::size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  out = 0;
  if (s.empty()) return true;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = negative ? 0 - v : v;
  return true;
}

struct ScanOptions {
  std::uint64_t count = 10;
  std::string_view pattern;  // empty: no MATCH, or MATCH *
  bool use_pattern = false;
  std::string_view type;     // SCAN's TYPE filter
  bool use_type = false;
};

// [MATCH pattern] [COUNT count] (and [TYPE type] for SCAN) from argument `first` on. Replies the
// error and returns false on a bad option, as Redis's scanGenericCommand does.
inline bool parse_scan_options(Context& c, std::size_t first, bool allow_type, ScanOptions& o) {
  for (std::size_t i = first; i < c.argc; i += 2) {
    const bool has_value = c.argc - i >= 2;
    if (iequals(c.arg(i), "COUNT") && has_value) {
      std::int64_t count = 0;
      if (!parse_int64(c.arg(i + 1), count)) {
        c.out.error(Status::not_integer);
        return false;
      }
      if (count < 1) {
        c.out.error(Status::syntax);
        return false;
      }
      o.count = static_cast<std::uint64_t>(count);
    } else if (iequals(c.arg(i), "MATCH") && has_value) {
      o.pattern = c.arg(i + 1);
      o.use_pattern = o.pattern != "*";
    } else if (allow_type && iequals(c.arg(i), "TYPE") && has_value) {
      o.type = c.arg(i + 1);
      o.use_type = true;
    } else {
      c.out.error(Status::syntax);
      return false;
    }
  }
  return true;
}

// What a table's scan callback hands over (an item pointer, or the Entry itself for the keyspace),
// as the item pointer scan_table collects.
template <class Item>
inline const Item* item_pointer(void* p) {
  return static_cast<const Item*>(p);
}
template <class Item>
inline const Item* item_pointer(const Item& item) {
  return &item;
}

// Walks a table from cursor in hash-space steps, collecting items until `want` of them or
// `steps_per_item * want` steps, so that a sparse table still answers in bounded time. Returns
// false when the collection could not grow: dropping items would break SCAN's guarantee, so the
// call fails instead (the cursor stays usable). next is the cursor to reply.
template <class Item, class Table>
inline bool scan_table(Table& table, std::uint64_t cursor, std::uint64_t want, std::uint64_t steps_per_item,
                       Vec<const Item*>& found, std::uint64_t& next) {
  bool out_of_memory = false;
  std::uint64_t position = scan_position_of_cursor(cursor);
  std::uint64_t steps_left = want > UINT64_MAX / steps_per_item ? UINT64_MAX : want * steps_per_item;
  do {
    position = table.scan(position, [&](auto&& item) {
      if (!found.push_back(item_pointer<Item>(item))) out_of_memory = true;
    });
  } while (position != 0 && steps_left-- > 0 && found.size() < want);
  next = scan_cursor_of_position(position);
  return !out_of_memory;
}

// The two-element reply of every SCAN: the next cursor, then the items (written by the caller and
// closed with end_array on the returned mark).
inline Writer::Deferred begin_scan_reply(Writer& out, std::uint64_t next) {
  out.array(2);
  char digits[kLongLongChars];
  out.bulk({digits, format_uint64(digits, next)});
  return out.defer();
}

}  // namespace collection
}  // namespace microredis
