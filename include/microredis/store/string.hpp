// String values: how a string is stored (int, embstr, raw) and read back.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#include "../util/strconv.hpp"
#include "keyspace.hpp"
#include "object.hpp"

namespace microredis {

// Scratch space for the decimal form of an int-encoded string.
using IntText = char[kLongLongChars];

// The bytes of a string entry (formatting int-encoded values into buf).
inline std::string_view string_of(const Entry& e, IntText& buf) {
  switch (e.encoding()) {
    case Encoding::int_: return {buf, format_int64(buf, e.int_value())};
    case Encoding::embstr: return e.embstr();
    default: return e.object<RawString>()->view();
  }
}

inline std::size_t string_length(const Entry& e) {
  switch (e.encoding()) {
    case Encoding::int_: {
      IntText buf;
      return format_int64(buf, e.int_value());
    }
    case Encoding::embstr: return e.embstr().size();
    default: return e.object<RawString>()->len;
  }
}

// Chooses the encoding Redis would for a new string value: "int" for canonical integers, "embstr"
// up to 44 bytes, "raw" above (allocating the buffer). false when out of memory.
inline bool make_string(Memory& mem, std::string_view s, Entry::Layout& out, bool allow_int = true) {
  out = Entry::Layout{};
  out.type = ValueType::string;
  std::int64_t v = 0;
  if (allow_int && string_is_int(s, v)) {
    out.encoding = Encoding::int_;
    out.integer = v;
    return true;
  }
  if (s.size() <= kEmbstrMaxLen) {
    out.encoding = Encoding::embstr;
    out.embstr = s;
    return true;
  }
  RawString* r = RawString::create(mem, s, s.size());
  if (r == nullptr) return false;
  out.encoding = Encoding::raw;
  out.pointer = r;
  return true;
}

// A raw copy of s sized for new_len bytes (>= s.size(); the bytes past s are zero), for APPEND and
// SETRANGE turning an int or embstr value into a modifiable one. When the value grows, the spare
// capacity follows RawString::grow's policy (Redis's sdsMakeRoomFor), so that a run of APPENDs
// starting from a small value stays amortized O(1). nullptr when out of memory.
inline RawString* raw_copy_for(Memory& mem, std::string_view s, std::size_t new_len) {
  std::size_t cap = s.size();
  if (new_len > s.size()) cap = new_len < 1024 * 1024 ? new_len * 2 : new_len + 1024 * 1024;
  RawString* r = RawString::create(mem, s, cap);
  if (r == nullptr) return nullptr;
  if (new_len > r->len) std::memset(r->data() + r->len, 0, new_len - r->len);
  r->len = new_len;
  return r;
}

inline Entry::Layout raw_string(RawString* r) {
  Entry::Layout l;
  l.type = ValueType::string;
  l.encoding = Encoding::raw;
  l.pointer = r;
  return l;
}

// Makes the value of string entry e modifiable in place and at least min_len bytes long (new
// bytes zero), as Redis's dbUnshareStringValue followed by sdsgrowzero: an int or embstr value
// becomes a raw copy of exactly its size (or min_len), a raw value grows by RawString::grow's
// policy. The entry may be rebuilt, so e is updated. Returns the value's RawString, or nullptr when
// out of memory (e and its value intact).
inline RawString* unshare_string(Db& db, Entry*& e, std::size_t min_len = 0) {
  if (e->encoding() == Encoding::raw) {
    auto* r = e->object<RawString>();
    if (min_len > r->len) {
      r = RawString::grow(db.mem(), r, min_len);
      if (r == nullptr) return nullptr;
      e->set_ptr(r);
    }
    return r;
  }
  IntText buf;
  std::string_view current = string_of(*e, buf);
  const std::size_t len = min_len > current.size() ? min_len : current.size();
  RawString* r = RawString::create(db.mem(), current, len);
  if (r == nullptr) return nullptr;
  if (len > r->len) std::memset(r->data() + r->len, 0, len - r->len);
  r->len = len;
  Entry::Layout layout;
  layout.type = ValueType::string;
  layout.encoding = Encoding::raw;
  layout.pointer = r;
  Entry* fresh = db.rebuild(e, layout, e->expire_ms(), false);
  if (fresh == nullptr) {
    RawString::destroy(db.mem(), r);
    return nullptr;
  }
  e = fresh;
  return r;
}

inline Entry::Layout int_string(std::int64_t v) {
  Entry::Layout l;
  l.type = ValueType::string;
  l.encoding = Encoding::int_;
  l.integer = v;
  return l;
}

}  // namespace microredis
