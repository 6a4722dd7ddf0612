// Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST.
// Keys expire lazily on access (Db::lookup) and actively in Engine::tick (Db::active_expire); both
// fire "expired". A TTL set in the past deletes the key at once, as an explicit "del".
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {
namespace expire_cmds {

// LOOKUP_NOTOUCH, as TTL and its kin read keys: a hit or miss is counted and "keymiss" fired, but
// the key's LRU/LFU data stays as it was.
inline Entry* read_no_touch(Context& c, std::string_view key) {
  Entry* e = c.db.lookup_no_touch(key);
  KeyspaceShared& ks = c.engine.keyspace();
  if (e != nullptr) {
    ++ks.keyspace_hits;
  } else {
    ++ks.keyspace_misses;
    c.notify(kNotifyKeyMiss, "keymiss", key);
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT

enum ExpireCondition : unsigned { kExpireNx = 1, kExpireXx = 2, kExpireGt = 4, kExpireLt = 8 };

// NX | XX | GT | LT, parsed before the time as Redis does (so an unknown option wins over a bad
// number). False after replying the error.
inline bool parse_expire_conditions(Context& c, unsigned& flags) {
  for (std::size_t i = 3; i < c.argc; ++i) {
    std::string_view opt = c.arg(i);
    if (iequals(opt, "NX")) {
      flags |= kExpireNx;
    } else if (iequals(opt, "XX")) {
      flags |= kExpireXx;
    } else if (iequals(opt, "GT")) {
      flags |= kExpireGt;
    } else if (iequals(opt, "LT")) {
      flags |= kExpireLt;
    } else {
      // Redis formats the option with %s: the text stops at a NUL byte.
      c.out.error(Status::unsupported_option, opt.substr(0, opt.find('\0')));
      return false;
    }
  }
  if ((flags & kExpireNx) && (flags & (kExpireXx | kExpireGt | kExpireLt))) {
    c.out.error(Status::expire_nx_xx_gt_lt);
    return false;
  }
  if ((flags & kExpireGt) && (flags & kExpireLt)) {
    c.out.error(Status::expire_gt_lt);
    return false;
  }
  return true;
}

// Whether the conditions allow replacing the key's current expire time (-1: none) with `when`.
// A key without a TTL has an infinite one: GT never beats it, LT always does.
inline bool conditions_allow(unsigned flags, std::int64_t current, std::int64_t when) {
  if ((flags & kExpireNx) && current != -1) return false;
  if ((flags & kExpireXx) && current == -1) return false;
  if ((flags & kExpireGt) && (current == -1 || when <= current)) return false;
  if ((flags & kExpireLt) && current != -1 && when >= current) return false;
  return true;
}

// basetime_ms: 0 for the absolute forms, now for the relative ones. seconds: the argument counts
// seconds rather than milliseconds.
inline void expire_generic(Context& c, std::int64_t basetime_ms, bool seconds) {
  unsigned flags = 0;
  if (!parse_expire_conditions(c, flags)) return;
  std::int64_t when = 0;
  if (!parse_int64(c.arg(2), when)) return c.out.error(Status::not_integer);
  // Negative times are allowed (they delete the key); overflow in the unit conversion or in adding
  // the base time is not.
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      return c.out.error(Status::invalid_expire, c.cmd.spec->name());
    }
    when *= 1000;
  }
  if (when > INT64_MAX - basetime_ms) return c.out.error(Status::invalid_expire, c.cmd.spec->name());
  when += basetime_ms;

  std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (flags != 0 && !conditions_allow(flags, e->expire_ms(), when)) return c.out.integer(0);

  if (when <= c.now_ms()) {
    // Already in the past: the key goes now, as an explicit delete rather than an expiry.
    (void)c.db.remove(key);
    c.modified(key);
    c.notify(kNotifyGeneric, "del", key);
    c.propagate_as({c.engine.settings().lazyfree_lazy_expire ? "UNLINK" : "DEL", key});
    return c.out.integer(1);
  }
  if (c.db.set_expire(e, when) == nullptr) return c.out.error(Status::oom);
  c.modified(key);
  c.notify(kNotifyGeneric, "expire", key);
  c.out.integer(1);
  // Every form propagates as PEXPIREAT with the absolute time (its NX/XX/GT/LT kept).
  if (c.propagating()) {
    Vec<std::string_view> args(c.mem());
    if (!args.reserve(c.argc)) return;
    for (std::size_t i = 0; i < c.argc; ++i) (void)args.push_back(c.arg(i));
    char ms[kLongLongChars];
    args[0] = "PEXPIREAT";
    args[2] = {ms, format_int64(ms, when)};
    c.propagate_as(args.data(), args.size());
  }
}

inline void expire(Context& c) { expire_generic(c, c.now_ms(), true); }
inline void pexpire(Context& c) { expire_generic(c, c.now_ms(), false); }
inline void expireat(Context& c) { expire_generic(c, 0, true); }
inline void pexpireat(Context& c) { expire_generic(c, 0, false); }

// ---------------------------------------------------------------------------------------------
// TTL PTTL EXPIRETIME PEXPIRETIME PERSIST

// -2: no such key; -1: no TTL; else the remaining (or absolute) time, never negative, in ms or in
// seconds rounded to the nearest.
inline void ttl_generic(Context& c, bool milliseconds, bool absolute) {
  Entry* e = read_no_touch(c, c.arg(1));
  if (e == nullptr) return c.out.integer(-2);
  if (!e->has_expire()) return c.out.integer(-1);
  std::int64_t t = absolute ? e->expire_ms() : e->expire_ms() - c.now_ms();
  if (t < 0) t = 0;
  c.out.integer(milliseconds ? t : (t + 500) / 1000);
}

inline void ttl(Context& c) { ttl_generic(c, false, false); }
inline void pttl(Context& c) { ttl_generic(c, true, false); }
inline void expiretime(Context& c) { ttl_generic(c, false, true); }
inline void pexpiretime(Context& c) { ttl_generic(c, true, true); }

inline void persist(Context& c) {
  std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr || !e->has_expire()) return c.out.integer(0);
  if (c.db.set_expire(e, -1) == nullptr) return c.out.error(Status::oom);
  c.modified(key);
  c.notify(kNotifyGeneric, "persist", key);
  c.out.integer(1);
}

constexpr std::string_view kExpireSyntax = "key seconds [NX | XX | GT | LT]";

inline const CommandSpec kCommands[] = {
    {"expire", -3, kWrite | kFast, 1, 1, 1, expire, "generic", "Sets a key's time to live in seconds.", "1.0.0",
     "O(1)", kExpireSyntax, kAclKeyspace},
    {"pexpire", -3, kWrite | kFast, 1, 1, 1, pexpire, "generic", "Sets a key's time to live in milliseconds.",
     "2.6.0", "O(1)", "key milliseconds [NX | XX | GT | LT]", kAclKeyspace},
    {"expireat", -3, kWrite | kFast, 1, 1, 1, expireat, "generic",
     "Sets the expiration time of a key to a Unix timestamp in seconds.", "1.2.0", "O(1)",
     "key unix-time-seconds [NX | XX | GT | LT]", kAclKeyspace},
    {"pexpireat", -3, kWrite | kFast, 1, 1, 1, pexpireat, "generic",
     "Sets the expiration time of a key to a Unix timestamp in milliseconds.", "2.6.0", "O(1)",
     "key unix-time-milliseconds [NX | XX | GT | LT]", kAclKeyspace},
    {"ttl", 2, kReadonly | kFast, 1, 1, 1, ttl, "generic", "Returns a key's time to live in seconds.", "1.0.0",
     "O(1)", "key", kAclKeyspace},
    {"pttl", 2, kReadonly | kFast, 1, 1, 1, pttl, "generic", "Returns a key's time to live in milliseconds.",
     "2.6.0", "O(1)", "key", kAclKeyspace},
    {"expiretime", 2, kReadonly | kFast, 1, 1, 1, expiretime, "generic",
     "Returns a key's expiration time as a Unix timestamp in seconds.", "7.0.0", "O(1)", "key", kAclKeyspace},
    {"pexpiretime", 2, kReadonly | kFast, 1, 1, 1, pexpiretime, "generic",
     "Returns a key's expiration time as a Unix timestamp in milliseconds.", "7.0.0", "O(1)", "key",
     kAclKeyspace},
    {"persist", 2, kWrite | kFast, 1, 1, 1, persist, "generic", "Removes a key's time to live.", "2.2.0", "O(1)",
     "key", kAclKeyspace},
};

}  // namespace expire_cmds

MICROREDIS_INLINE bool register_expire_commands(CommandTable& table) { return table.add(expire_cmds::kCommands); }

}  // namespace microredis
