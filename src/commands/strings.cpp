// The string family: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX APPEND STRLEN
// INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SUBSTR SETRANGE LCS, as Redis 7.0's t_string.c.
//
// Values are stored the way Redis encodes them, because OBJECT ENCODING shows it and clients (and
// Redis's own tests) look: a canonical integer is "int" (8 bytes inside the entry), up to 44 bytes
// is "embstr" (inside the entry), anything longer or modified in place (APPEND, SETRANGE) is "raw"
// (a RawString with spare capacity). GET, SET, INCR, MGET and MSET allocate nothing but the entry.
//
// Layout: small operations on values first (Ops: touch data, return a result), then the command
// handlers (parse, call, reply, notify), then the command table.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/string.hpp"

namespace microredis {
namespace strings_cmds {

// ---------------------------------------------------------------------------------------------
// Ops

// The bulk reply of a string entry, or the null reply when there is none.
inline void reply_string(Writer& out, const Entry* e) {
  if (e == nullptr) return out.null();
  IntText buf;
  out.bulk(string_of(*e, buf));
}

// Stores s at key as Redis's setKey does: the encoding is chosen like tryObjectEncoding, `old` (the
// live entry being replaced, or nullptr) loses its TTL unless expire_ms carries it over, and under an
// LFU policy the access counter survives the overwrite (dbOverwrite). nullptr when out of memory, with
// nothing changed.
inline Entry* store_string(Context& c, std::string_view key, const Entry* old, std::string_view s,
                           std::int64_t expire_ms) {
  Entry::Layout layout;
  if (!make_string(c.mem(), s, layout)) return nullptr;
  const std::uint32_t lru = old != nullptr ? old->lru() : 0;
  Entry* e = c.db.put(key, layout, expire_ms);
  if (e != nullptr && old != nullptr && c.db.shared().lfu) e->set_lru(lru);
  return e;
}

// Replaces the value of e (keeping its key, TTL and LRU/LFU data) with layout, which the db owns
// from now on: on failure a raw buffer in layout is freed and nullptr returned, e intact.
inline Entry* replace_value(Context& c, Entry* e, const Entry::Layout& layout) {
  Entry* fresh = c.db.rebuild(e, layout, e->expire_ms(), false);
  if (fresh == nullptr && layout.encoding == Encoding::raw) {
    RawString::destroy(c.mem(), static_cast<RawString*>(layout.pointer));
  }
  return fresh;
}

// A reply written before a write that then ran out of memory is taken back, so that the client gets
// exactly one reply: the OOM error.
inline void rollback_with_oom(Context& c, Writer::Deferred mark) {
  (void)c.out.buffer().resize(mark.pos);
  c.out.error(Status::oom);
}

// Redis's checkStringLength: a string may not grow past proto-max-bulk-len (nor overflow).
inline bool check_string_length(Context& c, std::uint64_t size, std::uint64_t append) {
  const std::uint64_t total = size + append;
  if (total < size || total > c.engine.settings().proto_max_bulk_len) {
    c.out.error(Status::string_too_long);
    return false;
  }
  return true;
}

// The integer value of a string entry (0 when there is none), as getLongLongFromObject.
inline bool integer_of(const Entry* e, std::int64_t& v) {
  v = 0;
  if (e == nullptr) return true;
  if (e->encoding() == Encoding::int_) {
    v = e->int_value();
    return true;
  }
  IntText buf;
  return parse_int64(string_of(*e, buf), v);
}


// INCRBY on the value of key. Status::ok with the new value in result.
inline Status op_incr_by(Context& c, std::string_view key, Entry* e, std::int64_t incr, std::int64_t& result) {
  std::int64_t value = 0;
  if (!integer_of(e, value)) return Status::not_integer;
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) || (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    return Status::overflow;
  }
  value += incr;
  if (e != nullptr && e->encoding() == Encoding::int_) {
    e->set_int_in_place(value);  // the common case: no allocation, the entry stays where it is
  } else if (e != nullptr) {
    if (replace_value(c, e, int_string(value)) == nullptr) return Status::oom;
  } else if (c.db.put(key, int_string(value), -1) == nullptr) {
    return Status::oom;
  }
  result = value;
  return Status::ok;
}

// APPEND to an existing string entry; the value becomes raw. Returns the new length, or -1 (OOM).
inline std::int64_t op_append(Context& c, Entry* e, std::string_view tail) {
  if (e->encoding() == Encoding::raw) {
    auto* r = e->object<RawString>();
    const std::size_t old_len = r->len;
    RawString* grown = RawString::grow(c.mem(), r, old_len + tail.size());
    if (grown == nullptr) return -1;
    e->set_ptr(grown);
    if (!tail.empty()) std::memcpy(grown->data() + old_len, tail.data(), tail.size());
    return static_cast<std::int64_t>(grown->len);
  }
  IntText buf;
  std::string_view current = string_of(*e, buf);
  RawString* r = raw_copy_for(c.mem(), current, current.size() + tail.size());
  if (r == nullptr) return -1;
  if (!tail.empty()) std::memcpy(r->data() + current.size(), tail.data(), tail.size());
  const auto len = static_cast<std::int64_t>(r->len);
  if (replace_value(c, e, raw_string(r)) == nullptr) return -1;
  return len;
}

// SETRANGE on an existing string entry with a non-empty value; the value becomes raw. Returns the
// new length, or -1 (OOM).
inline std::int64_t op_setrange(Context& c, Entry* e, std::size_t offset, std::string_view value) {
  const std::size_t end = offset + value.size();
  if (e->encoding() == Encoding::raw) {
    auto* r = e->object<RawString>();
    if (end > r->len) {
      r = RawString::grow(c.mem(), r, end);
      if (r == nullptr) return -1;
      e->set_ptr(r);
    }
    std::memcpy(r->data() + offset, value.data(), value.size());
    return static_cast<std::int64_t>(r->len);
  }
  IntText buf;
  std::string_view current = string_of(*e, buf);
  RawString* r = raw_copy_for(c.mem(), current, end > current.size() ? end : current.size());
  if (r == nullptr) return -1;
  std::memcpy(r->data() + offset, value.data(), value.size());
  const auto len = static_cast<std::int64_t>(r->len);
  if (replace_value(c, e, raw_string(r)) == nullptr) return -1;
  return len;
}

// ---------------------------------------------------------------------------------------------
// SET and GETEX options (Redis's parseExtendedStringArgumentsOrReply)

constexpr unsigned kSetNx = 1u << 0;
constexpr unsigned kSetXx = 1u << 1;
constexpr unsigned kEx = 1u << 2;
constexpr unsigned kPx = 1u << 3;
constexpr unsigned kKeepTtl = 1u << 4;
constexpr unsigned kSetGet = 1u << 5;
constexpr unsigned kExAt = 1u << 6;
constexpr unsigned kPxAt = 1u << 7;
constexpr unsigned kPersist = 1u << 8;
constexpr unsigned kAnyExpire = kEx | kPx | kExAt | kPxAt;

// Parses the options of SET (is_set, from argument 3) or GETEX (from argument 2). Conflicting
// options are syntax errors; repeating one is allowed (the last expire value wins), as in Redis.
inline bool parse_extended(Context& c, bool is_set, unsigned& flags, std::string_view& expire) {
  for (std::size_t j = is_set ? 3 : 2; j < c.argc; ++j) {
    std::string_view opt = c.arg(j);
    const bool has_next = j + 1 < c.argc;
    auto expire_option = [&](unsigned flag, unsigned conflicts) {
      if ((flags & conflicts) != 0 || !has_next) return false;
      flags |= flag;
      expire = c.arg(++j);
      return true;
    };
    bool ok = false;
    if (is_set && iequals(opt, "NX")) {
      ok = (flags & kSetXx) == 0;
      if (ok) flags |= kSetNx;
    } else if (is_set && iequals(opt, "XX")) {
      ok = (flags & kSetNx) == 0;
      if (ok) flags |= kSetXx;
    } else if (is_set && iequals(opt, "GET")) {
      ok = true;
      flags |= kSetGet;
    } else if (is_set && iequals(opt, "KEEPTTL")) {
      ok = (flags & (kPersist | kAnyExpire)) == 0;
      if (ok) flags |= kKeepTtl;
    } else if (!is_set && iequals(opt, "PERSIST")) {
      ok = (flags & (kKeepTtl | kAnyExpire)) == 0;
      if (ok) flags |= kPersist;
    } else if (iequals(opt, "EX")) {
      ok = expire_option(kEx, kKeepTtl | kPersist | kExAt | kPx | kPxAt);
    } else if (iequals(opt, "PX")) {
      ok = expire_option(kPx, kKeepTtl | kPersist | kEx | kExAt | kPxAt);
    } else if (iequals(opt, "EXAT")) {
      ok = expire_option(kExAt, kKeepTtl | kPersist | kEx | kPx | kPxAt);
    } else if (iequals(opt, "PXAT")) {
      ok = expire_option(kPxAt, kKeepTtl | kPersist | kEx | kExAt | kPx);
    }
    if (!ok) {
      c.out.error(Status::syntax);
      return false;
    }
  }
  return true;
}

// The absolute expire time in ms for an EX/PX/EXAT/PXAT argument (Redis's
// getExpireMillisecondsOrReply): positive, and no overflow converting seconds or adding now.
inline bool expire_ms_or_reply(Context& c, std::string_view arg, unsigned flags, std::int64_t& ms) {
  if (!parse_int64(arg, ms)) {
    c.out.error(Status::not_integer);
    return false;
  }
  const bool seconds = (flags & (kEx | kExAt)) != 0;
  bool valid = ms > 0 && !(seconds && ms > INT64_MAX / 1000);
  if (valid) {
    if (seconds) ms *= 1000;
    if ((flags & (kEx | kPx)) != 0) {
      const std::int64_t now = c.now_ms();
      if (now > 0 && ms > INT64_MAX - now) {
        valid = false;
      } else {
        ms += now;
      }
    }
    valid = valid && ms > 0;
  }
  if (!valid) c.out.error(Status::invalid_expire, c.cmd.spec->name());
  return valid;
}

// ---------------------------------------------------------------------------------------------
// Commands

inline void get(Context& c) {
  Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::string)) return;
  reply_string(c.out, e);
}

// SET, SETNX, SETEX, PSETEX (Redis's setGenericCommand). expire is empty when there is none.
// integer_reply: SETNX answers 1/0 instead of OK/null.
inline void set_generic(Context& c, unsigned flags, std::string_view key, std::string_view value,
                        std::string_view expire, bool has_expire, bool integer_reply) {
  std::int64_t when = -1;
  if (has_expire && !expire_ms_or_reply(c, expire, flags, when)) return;

  const Writer::Deferred mark = c.out.defer();
  Entry* e = nullptr;
  if ((flags & kSetGet) != 0) {
    e = c.read_key(key);
    if (!c.check_type(e, ValueType::string)) return;
    reply_string(c.out, e);
  } else {
    e = c.write_key(key);
  }
  const bool found = e != nullptr;
  if (((flags & kSetNx) != 0 && found) || ((flags & kSetXx) != 0 && !found)) {
    if ((flags & kSetGet) == 0) integer_reply ? c.out.integer(0) : c.out.null();
    return;
  }
  if (!has_expire && (flags & kKeepTtl) != 0 && found) when = e->expire_ms();
  if (store_string(c, key, e, value, when) == nullptr) return rollback_with_oom(c, mark);
  c.modified(key);
  c.notify(kNotifyString, "set", key);
  if (has_expire) c.notify(kNotifyGeneric, "expire", key);
  // Any expire propagates as an absolute time: SET key value PXAT <ms> (SETEX/PSETEX too).
  if (has_expire && c.propagating()) {
    char ms[kLongLongChars];
    c.propagate_as({"SET", key, value, "PXAT", {ms, format_int64(ms, when)}});
  }
  if ((flags & kSetGet) == 0) integer_reply ? c.out.integer(1) : c.out.ok();
}

inline void set(Context& c) {
  unsigned flags = 0;
  std::string_view expire;
  if (!parse_extended(c, true, flags, expire)) return;
  set_generic(c, flags, c.arg(1), c.arg(2), expire, (flags & kAnyExpire) != 0, false);
}

inline void setnx(Context& c) { set_generic(c, kSetNx, c.arg(1), c.arg(2), {}, false, true); }
inline void setex(Context& c) { set_generic(c, kEx, c.arg(1), c.arg(3), c.arg(2), true, false); }
inline void psetex(Context& c) { set_generic(c, kPx, c.arg(1), c.arg(3), c.arg(2), true, false); }

inline void getset(Context& c) {
  std::string_view key = c.arg(1);
  const Writer::Deferred mark = c.out.defer();
  Entry* e = c.read_key(key);
  if (!c.check_type(e, ValueType::string)) return;
  reply_string(c.out, e);
  if (store_string(c, key, e, c.arg(2), -1) == nullptr) return rollback_with_oom(c, mark);
  c.modified(key);
  c.notify(kNotifyString, "set", key);
  if (c.propagating()) c.propagate_as({"SET", key, c.arg(2)});
}

inline void getdel(Context& c) {
  std::string_view key = c.arg(1);
  Entry* e = c.read_key(key);
  if (!c.check_type(e, ValueType::string)) return;
  reply_string(c.out, e);
  if (e != nullptr && c.db.remove(key)) {
    c.modified(key);
    c.notify(kNotifyGeneric, "del", key);
    c.propagate_as({"DEL", key});
  }
}

inline void getex(Context& c) {
  unsigned flags = 0;
  std::string_view expire;
  if (!parse_extended(c, false, flags, expire)) return;
  std::string_view key = c.arg(1);
  Entry* e = c.read_key(key);
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::string)) return;
  std::int64_t when = 0;
  if ((flags & kAnyExpire) != 0 && !expire_ms_or_reply(c, expire, flags, when)) return;

  const Writer::Deferred mark = c.out.defer();
  reply_string(c.out, e);
  if ((flags & (kExAt | kPxAt)) != 0 && when <= c.now_ms()) {
    // An absolute time already in the past deletes the key right away.
    c.db.remove(key);
    c.modified(key);
    c.notify(kNotifyGeneric, "del", key);
    c.propagate_as({c.engine.settings().lazyfree_lazy_expire ? "UNLINK" : "DEL", key});
  } else if ((flags & kAnyExpire) != 0) {
    if (c.db.set_expire(e, when) == nullptr) return rollback_with_oom(c, mark);
    c.modified(key);
    c.notify(kNotifyGeneric, "expire", key);
    if (c.propagating()) {
      char ms[kLongLongChars];
      c.propagate_as({"PEXPIREAT", key, {ms, format_int64(ms, when)}});
    }
  } else if ((flags & kPersist) != 0 && e->has_expire()) {
    if (c.db.set_expire(e, -1) == nullptr) return rollback_with_oom(c, mark);
    c.modified(key);
    c.notify(kNotifyGeneric, "persist", key);
    c.propagate_as({"PERSIST", key});
  }
}

// Keys from argv[first] on, every `stride`: the lookups of the next Db::kPrefetchBatch of them
// overlap their cache misses when called before each batch (at j == first, first + batch, ...).
inline void prefetch_keys_from(Context& c, std::size_t j, std::size_t first, std::size_t stride) {
  const std::size_t index = (j - first) / stride;
  if (index % Db::kPrefetchBatch != 0) return;
  const std::size_t left = (c.argc - j + stride - 1) / stride;
  if (left >= 2) c.db.prefetch(c.argv + j, left, stride);
}

inline void mget(Context& c) {
  c.out.array(c.argc - 1);
  for (std::size_t j = 1; j < c.argc; ++j) {
    prefetch_keys_from(c, j, 1, 1);
    const Entry* e = c.read_key(c.arg(j));
    reply_string(c.out, e != nullptr && e->type() == ValueType::string ? e : nullptr);
  }
}

inline void mset_generic(Context& c, bool nx) {
  if (c.argc % 2 == 0) return c.out.error(Status::wrong_arity, c.cmd.spec->name());
  if (nx) {
    for (std::size_t j = 1; j < c.argc; j += 2) {
      if (c.write_key(c.arg(j)) != nullptr) return c.out.integer(0);
    }
  }
  for (std::size_t j = 1; j < c.argc; j += 2) {
    prefetch_keys_from(c, j, 1, 2);
    std::string_view key = c.arg(j);
    if (store_string(c, key, c.write_key(key), c.arg(j + 1), -1) == nullptr) return c.out.error(Status::oom);
    c.modified(key);
    c.notify(kNotifyString, "set", key);
  }
  nx ? c.out.integer(1) : c.out.ok();
}

inline void mset(Context& c) { mset_generic(c, false); }
inline void msetnx(Context& c) { mset_generic(c, true); }

inline void append(Context& c) {
  std::string_view key = c.arg(1);
  std::string_view tail = c.arg(2);
  Entry* e = c.write_key(key);
  std::int64_t len = 0;
  if (e == nullptr) {
    if (store_string(c, key, nullptr, tail, -1) == nullptr) return c.out.error(Status::oom);
    len = static_cast<std::int64_t>(tail.size());
  } else {
    if (!c.check_type(e, ValueType::string)) return;
    if (!check_string_length(c, string_length(*e), tail.size())) return;
    len = op_append(c, e, tail);
    if (len < 0) return c.out.error(Status::oom);
  }
  c.modified(key);
  c.notify(kNotifyString, "append", key);
  c.out.integer(len);
}

inline void strlen_command(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::string)) return;
  c.out.integer(e != nullptr ? static_cast<std::int64_t>(string_length(*e)) : 0);
}

inline void incr_decr(Context& c, std::int64_t incr) {
  std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::string)) return;
  std::int64_t value = 0;
  const Status st = op_incr_by(c, key, e, incr, value);
  if (st != Status::ok) return c.out.error(st);
  c.modified(key);
  c.notify(kNotifyString, "incrby", key);
  c.out.integer(value);
}

inline void incr(Context& c) { incr_decr(c, 1); }
inline void decr(Context& c) { incr_decr(c, -1); }

inline void incrby(Context& c) {
  std::int64_t incr = 0;
  if (!parse_int64(c.arg(2), incr)) return c.out.error(Status::not_integer);
  incr_decr(c, incr);
}

inline void decrby(Context& c) {
  std::int64_t decr = 0;
  if (!parse_int64(c.arg(2), decr)) return c.out.error(Status::not_integer);
  if (decr == INT64_MIN) return c.out.error(Status::decrement_overflow);  // -decr would overflow
  incr_decr(c, -decr);
}

inline void incrbyfloat(Context& c) {
  std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::string)) return;
  long double value = 0;
  if (e != nullptr) {
    if (e->encoding() == Encoding::int_) {
      value = static_cast<long double>(e->int_value());
    } else {
      IntText buf;
      if (!parse_long_double(string_of(*e, buf), value)) return c.out.error(Status::not_float);
    }
  }
  long double incr = 0;
  if (!parse_long_double(c.arg(2), incr)) return c.out.error(Status::not_float);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return c.out.error(Status::incr_nan);

  // Stored as text, never as an int ("3" stays embstr), exactly as Redis's
  // createStringObjectFromLongDouble.
  char buf[kMaxNumberChars];
  const std::size_t n = format_long_double_human(buf, sizeof buf, value);
  std::string_view text(buf, n);
  Entry::Layout layout;
  if (!make_string(c.mem(), text, layout, false)) return c.out.error(Status::oom);
  if (e != nullptr ? replace_value(c, e, layout) == nullptr : c.db.put(key, layout, -1) == nullptr) {
    return c.out.error(Status::oom);
  }
  c.modified(key);
  c.notify(kNotifyString, "incrbyfloat", key);
  c.out.bulk(text);
  // The result, not the increment: float formatting must not differ on replicas (SET ... KEEPTTL).
  c.propagate_as({"SET", key, text, "KEEPTTL"});
}

// GETRANGE and SUBSTR.
inline void getrange(Context& c) {
  std::int64_t start = 0;
  std::int64_t end = 0;
  if (!parse_int64(c.arg(2), start) || !parse_int64(c.arg(3), end)) return c.out.error(Status::not_integer);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.bulk({});
  if (!c.check_type(e, ValueType::string)) return;
  IntText buf;
  std::string_view s = string_of(*e, buf);
  const auto len = static_cast<std::int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return c.out.bulk({});
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return c.out.bulk({});
  c.out.bulk(s.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start + 1)));
}

inline void setrange(Context& c) {
  std::string_view key = c.arg(1);
  std::string_view value = c.arg(3);
  std::int64_t offset = 0;
  if (!parse_int64(c.arg(2), offset)) return c.out.error(Status::not_integer);
  if (offset < 0) return c.out.error(Status::offset_out_of_range);
  const auto off = static_cast<std::uint64_t>(offset);

  Entry* e = c.write_key(key);
  std::int64_t len = 0;
  if (e == nullptr) {
    if (value.empty()) return c.out.integer(0);  // nothing to set: no key is created
    if (!check_string_length(c, off, value.size())) return;
    const std::size_t total = static_cast<std::size_t>(off) + value.size();
    // A fresh zero-filled buffer of exactly the final size, as Redis's sdsnewlen: always raw.
    RawString* r = RawString::create(c.mem(), {}, total);
    if (r != nullptr) {
      std::memset(r->data(), 0, static_cast<std::size_t>(off));
      std::memcpy(r->data() + off, value.data(), value.size());
      r->len = total;
    }
    if (r == nullptr || c.db.put(key, raw_string(r), -1) == nullptr) return c.out.error(Status::oom);
    len = static_cast<std::int64_t>(total);
  } else {
    if (!c.check_type(e, ValueType::string)) return;
    if (value.empty()) return c.out.integer(static_cast<std::int64_t>(string_length(*e)));
    if (!check_string_length(c, off, value.size())) return;
    len = op_setrange(c, e, static_cast<std::size_t>(off), value);
    if (len < 0) return c.out.error(Status::oom);
  }
  c.modified(key);
  c.notify(kNotifyString, "setrange", key);
  c.out.integer(len);
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the classic dynamic-programming table
// of LCS lengths, then a walk back from its corner that yields the string or the matching ranges
// (last ranges first, as Redis emits them).
inline void lcs(Context& c) {
  const Entry* ea = c.read_key(c.arg(1));
  const Entry* eb = c.read_key(c.arg(2));
  if ((ea != nullptr && ea->type() != ValueType::string) || (eb != nullptr && eb->type() != ValueType::string)) {
    return c.out.error(Status::lcs_wrong_type);
  }
  IntText abuf;
  IntText bbuf;
  std::string_view a = ea != nullptr ? string_of(*ea, abuf) : std::string_view{};
  std::string_view b = eb != nullptr ? string_of(*eb, bbuf) : std::string_view{};

  bool getlen = false;
  bool getidx = false;
  bool withmatchlen = false;
  std::int64_t minmatchlen = 0;
  for (std::size_t j = 3; j < c.argc; ++j) {
    std::string_view opt = c.arg(j);
    if (iequals(opt, "IDX")) {
      getidx = true;
    } else if (iequals(opt, "LEN")) {
      getlen = true;
    } else if (iequals(opt, "WITHMATCHLEN")) {
      withmatchlen = true;
    } else if (iequals(opt, "MINMATCHLEN") && j + 1 < c.argc) {
      if (!parse_int64(c.arg(++j), minmatchlen)) return c.out.error(Status::not_integer);
      if (minmatchlen < 0) minmatchlen = 0;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  if (getlen && getidx) return c.out.error(Status::lcs_len_and_idx);
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) return c.out.error(Status::lcs_too_long);

  const auto alen = static_cast<std::uint32_t>(a.size());
  const auto blen = static_cast<std::uint32_t>(b.size());
  const std::uint64_t cells = static_cast<std::uint64_t>(alen + 1) * (blen + 1);
  const std::uint64_t bytes = cells * sizeof(std::uint32_t);
  if (bytes > c.engine.settings().proto_max_bulk_len) return c.out.error(Status::lcs_oom);
  if (bytes != static_cast<std::size_t>(bytes)) return c.out.error(Status::lcs_alloc_failed);  // 32-bit targets
  auto* table = static_cast<std::uint32_t*>(c.mem().allocate(static_cast<std::size_t>(bytes), alignof(std::uint32_t)));
  if (table == nullptr) return c.out.error(Status::lcs_alloc_failed);
  auto at = [&](std::uint32_t i, std::uint32_t j) -> std::uint32_t& {
    return table[j + static_cast<std::size_t>(i) * (blen + 1)];
  };

  for (std::uint32_t i = 0; i <= alen; ++i) {
    for (std::uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        const std::uint32_t up = at(i - 1, j);
        const std::uint32_t left = at(i, j - 1);
        at(i, j) = up > left ? up : left;
      }
    }
  }
  const std::uint32_t total = at(alen, blen);

  if (getlen) {
    c.mem().deallocate(table, static_cast<std::size_t>(bytes), alignof(std::uint32_t));
    return c.out.integer(total);
  }

  // The LCS string itself is only needed for the plain form; IDX reports ranges.
  Buffer result(c.mem());
  if (!getidx && !result.resize(total)) {
    c.mem().deallocate(table, static_cast<std::size_t>(bytes), alignof(std::uint32_t));
    return c.out.error(Status::oom);
  }
  Writer::Deferred matches{};
  std::size_t ranges = 0;
  if (getidx) {
    c.out.map(2);
    c.out.bulk("matches");
    matches = c.out.defer();
  }

  // Ranges are tracked backwards: [astart, aend] in a matches [bstart, bend] in b. astart == alen
  // means "no range open".
  std::uint32_t astart = alen;
  std::uint32_t aend = 0;
  std::uint32_t bstart = 0;
  std::uint32_t bend = 0;
  std::uint32_t idx = total;
  std::uint32_t i = alen;
  std::uint32_t j = blen;
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      if (!getidx) result[idx - 1] = a[i - 1];
      if (astart == alen) {
        astart = aend = i - 1;
        bstart = bend = j - 1;
      } else if (astart == i && bstart == j) {
        --astart;  // contiguous: extend the range backwards
        --bstart;
      } else {
        emit = true;
      }
      if (astart == 0 || bstart == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (astart != alen) emit = true;
    }
    if (emit) {
      const std::uint32_t match_len = aend - astart + 1;
      if (getidx && (minmatchlen == 0 || match_len >= minmatchlen)) {
        c.out.array(withmatchlen ? 3 : 2);
        c.out.array(2);
        c.out.integer(astart);
        c.out.integer(aend);
        c.out.array(2);
        c.out.integer(bstart);
        c.out.integer(bend);
        if (withmatchlen) c.out.integer(match_len);
        ++ranges;
      }
      astart = alen;
    }
  }
  c.mem().deallocate(table, static_cast<std::size_t>(bytes), alignof(std::uint32_t));

  if (getidx) {
    c.out.bulk("len");
    c.out.integer(total);
    c.out.end_array(matches, ranges);
  } else {
    c.out.bulk(result.view());
  }
}

#define MICROREDIS_SET_EXPIRE_SYNTAX \
  "[EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds"

inline const CommandSpec kCommands[] = {
    {"get", 2, kReadonly | kFast, 1, 1, 1, get, "string", "Returns the string value of a key.", "1.0.0", "O(1)", "key",
     kAclString},
    {"set", -3, kWrite | kDenyOom, 1, 1, 1, set, "string",
     "Sets the string value of a key, ignoring its type; the key is created if it does not exist.", "1.0.0", "O(1)",
     "key value [NX | XX] [GET] " MICROREDIS_SET_EXPIRE_SYNTAX " | KEEPTTL]", kAclString},
    {"setnx", 3, kWrite | kDenyOom | kFast, 1, 1, 1, setnx, "string",
     "Sets the string value of a key only when the key does not exist.", "1.0.0", "O(1)", "key value", kAclString},
    {"setex", 4, kWrite | kDenyOom, 1, 1, 1, setex, "string",
     "Sets the string value and expiration time (in seconds) of a key.", "2.0.0", "O(1)", "key seconds value",
     kAclString},
    {"psetex", 4, kWrite | kDenyOom, 1, 1, 1, psetex, "string",
     "Sets the string value and expiration time (in milliseconds) of a key.", "2.6.0", "O(1)",
     "key milliseconds value", kAclString},
    {"getset", 3, kWrite | kDenyOom | kFast, 1, 1, 1, getset, "string",
     "Returns the previous string value of a key after setting it to a new value (deprecated: SET with GET).",
     "1.0.0", "O(1)", "key value", kAclString},
    {"getdel", 2, kWrite | kFast, 1, 1, 1, getdel, "string", "Returns the string value of a key and deletes the key.",
     "6.2.0", "O(1)", "key", kAclString},
    {"getex", -2, kWrite | kFast, 1, 1, 1, getex, "string",
     "Returns the string value of a key and optionally sets or removes its expiration time.", "6.2.0", "O(1)",
     "key " MICROREDIS_SET_EXPIRE_SYNTAX " | PERSIST]", kAclString},
    {"mget", -2, kReadonly | kFast, 1, -1, 1, mget, "string", "Returns the string values of one or more keys.",
     "1.0.0", "O(N) where N is the number of keys", "key [key ...]", kAclString},
    {"mset", -3, kWrite | kDenyOom, 1, -1, 2, mset, "string", "Sets the string values of one or more keys.", "1.0.1",
     "O(N) where N is the number of keys", "key value [key value ...]", kAclString},
    {"msetnx", -3, kWrite | kDenyOom, 1, -1, 2, msetnx, "string",
     "Sets the string values of one or more keys, only when none of the keys exist.", "1.0.1",
     "O(N) where N is the number of keys", "key value [key value ...]", kAclString},
    {"append", 3, kWrite | kDenyOom | kFast, 1, 1, 1, append, "string",
     "Appends a string to the value of a key; creates the key if it does not exist.", "2.0.0",
     "O(1) amortized: the stored value keeps spare room for further appends", "key value", kAclString},
    {"strlen", 2, kReadonly | kFast, 1, 1, 1, strlen_command, "string", "Returns the length of a string value.", "2.2.0",
     "O(1)", "key", kAclString},
    {"incr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, incr, "string",
     "Increments the integer value of a key by one; a missing key counts as 0.", "1.0.0", "O(1)", "key", kAclString},
    {"decr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, decr, "string",
     "Decrements the integer value of a key by one; a missing key counts as 0.", "1.0.0", "O(1)", "key", kAclString},
    {"incrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, incrby, "string",
     "Increments the integer value of a key by a number; a missing key counts as 0.", "1.0.0", "O(1)",
     "key increment", kAclString},
    {"decrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, decrby, "string",
     "Decrements the integer value of a key by a number; a missing key counts as 0.", "1.0.0", "O(1)",
     "key decrement", kAclString},
    {"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1, incrbyfloat, "string",
     "Increments the floating point value of a key by a number; a missing key counts as 0.", "2.6.0", "O(1)",
     "key increment", kAclString},
    {"getrange", 4, kReadonly, 1, 1, 1, getrange, "string", "Returns a substring of the string stored at a key.",
     "2.4.0", "O(N) where N is the length of the returned substring", "key start end", kAclString},
    {"substr", 4, kReadonly, 1, 1, 1, getrange, "string",
     "Returns a substring of the string stored at a key (deprecated: GETRANGE).", "1.0.0",
     "O(N) where N is the length of the returned substring", "key start end", kAclString},
    {"setrange", 4, kWrite | kDenyOom, 1, 1, 1, setrange, "string",
     "Overwrites part of a string value from an offset, zero-padding it if needed; creates the key if needed.",
     "2.2.0", "O(M) where M is the length of the written value, plus any zero padding", "key offset value",
     kAclString},
    {"lcs", -3, kReadonly, 1, 2, 1, lcs, "string", "Finds the longest common subsequence of two string values.",
     "7.0.0", "O(N*M) where N and M are the lengths of the two strings",
     "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", kAclString},
};

#undef MICROREDIS_SET_EXPIRE_SYNTAX

}  // namespace strings_cmds

MICROREDIS_INLINE bool register_string_commands(CommandTable& t) { return t.add(strings_cmds::kCommands); }

}  // namespace microredis
