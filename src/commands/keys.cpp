// Generic key commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX COPY MOVE SWAPDB
// TOUCH OBJECT. They work on any value type through the keyspace (store/keyspace.hpp); the only
// type-specific step is COPY's deep copy (copy_value).
#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace keys_cmds {

using namespace collection;

// ---------------------------------------------------------------------------------------------
// Lookups as Redis's lookupKey flags combine them.

// LOOKUP_NOTOUCH: counts a keyspace hit or miss and fires "keymiss" (unless notify_miss is false,
// LOOKUP_NONOTIFY), but leaves the key's LRU/LFU data alone.
inline Entry* read_no_touch(Context& c, std::string_view key, bool notify_miss = true) {
  Entry* e = c.db.lookup_no_touch(key);
  KeyspaceShared& ks = c.engine.keyspace();
  if (e != nullptr) {
    ++ks.keyspace_hits;
  } else {
    ++ks.keyspace_misses;
    if (notify_miss) c.notify(kNotifyKeyMiss, "keymiss", key);
  }
  return e;
}

// A database index argument as MOVE and COPY take it (Redis's getIntFromObjectOrReply, then
// selectDb). False after replying the error.
inline bool parse_db_index(Context& c, std::string_view arg, int& out) {
  std::int64_t v = 0;
  if (!parse_int64(arg, v) || v < INT32_MIN || v > INT32_MAX) {
    c.out.error(Status::not_integer);
    return false;
  }
  if (v < 0 || v >= c.engine.db_count()) {
    c.out.error(Status::db_index_out_of_range);
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

inline bool lfu_policy(const Engine& e) {
  EvictionPolicy p = e.settings().maxmemory_policy;
  return p == EvictionPolicy::allkeys_lfu || p == EvictionPolicy::volatile_lfu;
}

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TYPE TOUCH

// DEL and UNLINK: memory is freed at once either way (values are small or freed incrementally by
// their type), so UNLINK is DEL.
inline void del(Context& c) {
  std::int64_t deleted = 0;
  for (std::size_t i = 1; i < c.argc; ++i) {
    std::string_view key = c.arg(i);
    // An expired key is deleted as expired ("expired" event) and does not count.
    if (c.db.lookup_no_touch(key) == nullptr) continue;
    (void)c.db.remove(key);
    c.modified(key);
    c.notify(kNotifyGeneric, "del", key);
    ++deleted;
  }
  c.out.integer(deleted);
}

inline void exists(Context& c) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < c.argc; ++i) {
    if (read_no_touch(c, c.arg(i)) != nullptr) ++n;
  }
  c.out.integer(n);
}

inline void type(Context& c) {
  Entry* e = read_no_touch(c, c.arg(1));
  c.out.simple(e != nullptr ? type_name(e->type()) : "none");
}

inline void touch(Context& c) {
  std::int64_t n = 0;
  for (std::size_t i = 1; i < c.argc; ++i) {
    if (c.read_key(c.arg(i)) != nullptr) ++n;
  }
  c.out.integer(n);
}

// ---------------------------------------------------------------------------------------------
// KEYS SCAN RANDOMKEY

inline void keys(Context& c) {
  std::string_view pattern = c.arg(1);
  const bool all = pattern == "*";
  Writer::Deferred d = c.out.defer();
  std::size_t n = 0;
  // Expired keys not yet deleted are skipped, not deleted: the table must not change mid-walk.
  c.db.for_each([&](const Entry& e) {
    if (c.db.is_expired(&e)) return;
    std::string_view key = e.key();
    if (all || glob_match(pattern, key)) {
      c.out.bulk(key);
      ++n;
    }
  });
  c.out.end_array(d, n);
}

inline void scan(Context& c) {
  std::uint64_t cursor = 0;
  if (!parse_scan_cursor(c.arg(1), cursor)) return c.out.error(Status::invalid_cursor);
  ScanOptions opts;
  if (!parse_scan_options(c, 2, true, opts)) return;
  // Hash-space steps until COUNT entries (before filtering, as Redis counts) or ten times as many
  // steps as COUNT.
  Vec<const Entry*> found(c.mem());
  std::uint64_t next = 0;
  if (!scan_table(c.db, cursor, opts.count, 10, found, next)) return c.out.error(Status::oom);
  Writer::Deferred d = begin_scan_reply(c.out, next);
  std::size_t n = 0;
  for (const Entry* e : found) {
    std::string_view key = e->key();
    if (opts.use_pattern && !glob_match(opts.pattern, key)) continue;
    if (opts.use_type) {
      // Redis looks the key up to learn its type (a keyspace hit or miss); an expired key is
      // deleted by that lookup. e is not used once it may have been freed.
      const Entry* live = read_no_touch(c, key);
      if (live == nullptr || !iequals(opts.type, type_name(live->type()))) continue;
    } else if (c.db.is_expired(e)) {
      (void)c.db.lookup_no_touch(key);  // deletes it, as Redis's expireIfNeeded
      continue;
    }
    c.out.bulk(key);
    ++n;
  }
  c.out.end_array(d, n);
}

inline void randomkey(Context& c) {
  Entry* e = c.db.random_entry();
  if (e == nullptr) return c.out.null();
  c.out.bulk(e->key());
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX MOVE COPY SWAPDB

inline void rename_generic(Context& c, bool nx) {
  std::string_view from = c.arg(1), to = c.arg(2);
  Entry* e = c.write_key(from);
  if (e == nullptr) return c.out.error(Status::no_such_key);
  if (from == to) return nx ? c.out.integer(0) : c.out.ok();
  // The old value of `to` is set aside, not freed, until the rename has its memory.
  Entry* replaced = nullptr;
  if (c.write_key(to) != nullptr) {
    if (nx) return c.out.integer(0);
    replaced = c.db.detach(to);
  }
  if (c.db.rename(e, to) == nullptr) {
    if (replaced != nullptr && !c.db.attach(replaced)) c.db.free_entry(replaced);
    return c.out.error(Status::oom);
  }
  if (replaced != nullptr) c.db.free_entry(replaced);
  c.modified(from);
  c.modified(to);
  c.notify(kNotifyGeneric, "rename_from", from);
  c.notify(kNotifyGeneric, "rename_to", to);
  nx ? c.out.integer(1) : c.out.ok();
}

inline void rename(Context& c) { rename_generic(c, false); }
inline void renamenx(Context& c) { rename_generic(c, true); }

inline void move(Context& c) {
  int target = 0;
  if (!parse_db_index(c, c.arg(2), target)) return;
  if (target == c.db.index()) return c.out.error(Status::same_object);
  std::string_view key = c.arg(1);
  if (c.write_key(key) == nullptr) return c.out.integer(0);
  Db& dst = c.engine.db(target);
  if (dst.lookup(key) != nullptr) return c.out.integer(0);
  // The entry moves whole (value, TTL, LRU data): no copy, no allocation but the table's.
  Entry* e = c.db.detach(key);
  if (!dst.attach(e)) {
    if (!c.db.attach(e)) c.db.free_entry(e);
    return c.out.error(Status::oom);
  }
  c.modified(key);
  c.modified(dst, key);
  c.notify(kNotifyGeneric, "move_from", key);
  c.notify(dst, kNotifyGeneric, "move_to", key);
  c.out.integer(1);
}

inline void copy(Context& c) {
  int target = c.db.index();
  bool replace = false;
  for (std::size_t i = 3; i < c.argc; ++i) {
    if (iequals(c.arg(i), "REPLACE")) {
      replace = true;
    } else if (iequals(c.arg(i), "DB") && i + 1 < c.argc) {
      if (!parse_db_index(c, c.arg(++i), target)) return;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  std::string_view key = c.arg(1), new_key = c.arg(2);
  Db& dst = c.engine.db(target);
  if (&dst == &c.db && key == new_key) return c.out.error(Status::same_object);
  Entry* e = c.read_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (dst.lookup(new_key) != nullptr && !replace) return c.out.integer(0);
  Entry::Layout value;
  // Only strings exist so far, and copying a string fails only for want of memory.
  if (!copy_value(c.mem(), *e, value)) return c.out.error(Status::oom);
  if (dst.put(new_key, value, e->expire_ms()) == nullptr) return c.out.error(Status::oom);
  c.modified(dst, new_key);
  c.notify(dst, kNotifyGeneric, "copy_to", new_key);
  c.out.integer(1);
}

inline void swapdb(Context& c) {
  std::int64_t first = 0, second = 0;
  if (!parse_int64(c.arg(1), first) || first < INT32_MIN || first > INT32_MAX) {
    return c.out.error(Status::invalid_first_db_index);
  }
  if (!parse_int64(c.arg(2), second) || second < INT32_MIN || second > INT32_MAX) {
    return c.out.error(Status::invalid_second_db_index);
  }
  const int dbs = c.engine.db_count();
  if (first < 0 || first >= dbs || second < 0 || second >= dbs) return c.out.error(Status::db_index_out_of_range);
  if (first != second) {
    Db& a = c.engine.db(static_cast<int>(first));
    Db& b = c.engine.db(static_cast<int>(second));
    // Watched keys that exist on either side change; the swap itself counts as one write.
    c.engine.swapping(a, b);
    a.swap_contents(b);
  }
  c.engine.add_dirty(1);
  c.out.ok();
}

// ---------------------------------------------------------------------------------------------
// OBJECT

// OBJECT looks keys up without touching them and without "keymiss" events (LOOKUP_NONOTIFY).
inline Entry* object_lookup(Context& c) { return read_no_touch(c, c.arg(2), false); }

inline void object_encoding(Context& c) {
  Entry* e = object_lookup(c);
  if (e == nullptr) return c.out.null();
  c.out.bulk(encoding_name(e->encoding()));
}

// Redis stores the integers 0..9999 as shared objects whose refcount reads INT_MAX, unless an
// LRU/LFU eviction policy with a maxmemory limit needs a private LRU field per value, or the value
// is a COPY's duplicate. Every other value has one owner.
inline void object_refcount(Context& c) {
  Entry* e = object_lookup(c);
  if (e == nullptr) return c.out.null();
  const Settings& s = c.engine.settings();
  EvictionPolicy p = s.maxmemory_policy;
  const bool per_key_lru = p == EvictionPolicy::allkeys_lru || p == EvictionPolicy::volatile_lru ||
                           p == EvictionPolicy::allkeys_lfu || p == EvictionPolicy::volatile_lfu;
  const bool shared_ints = s.maxmemory == 0 || !per_key_lru;
  if (shared_ints && e->type() == ValueType::string && e->encoding() == Encoding::int_ && !e->private_int() &&
      e->int_value() >= 0 && e->int_value() < 10000) {
    return c.out.integer(2147483647);
  }
  c.out.integer(1);
}

inline void object_idletime(Context& c) {
  Entry* e = object_lookup(c);
  if (e == nullptr) return c.out.null();
  if (lfu_policy(c.engine)) return c.out.error(Status::lfu_selected);
  c.out.integer(c.db.idle_ms(*e) / 1000);
}

inline void object_freq(Context& c) {
  Entry* e = object_lookup(c);
  if (e == nullptr) return c.out.null();
  if (!lfu_policy(c.engine)) return c.out.error(Status::lfu_not_selected);
  c.out.integer(c.db.lfu_frequency(*e));
}

inline void object_help(Context& c) {
  c.reply_help({"ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>."});
}

inline const CommandSpec kObjectSubcommands[] = {
    {"object|encoding", 3, kReadonly, 2, 2, 1, object_encoding, "generic",
     "Returns the internal encoding of a key's value.", "2.2.3", "O(1)", "key", kAclKeyspace},
    {"object|freq", 3, kReadonly, 2, 2, 1, object_freq, "generic",
     "Returns the logarithmic access frequency counter of a key's value.", "4.0.0", "O(1)", "key", kAclKeyspace},
    {"object|idletime", 3, kReadonly, 2, 2, 1, object_idletime, "generic",
     "Returns the seconds since the last access to a key's value.", "2.2.3", "O(1)", "key", kAclKeyspace},
    {"object|refcount", 3, kReadonly, 2, 2, 1, object_refcount, "generic",
     "Returns the reference count of a key's value.", "2.2.3", "O(1)", "key", kAclKeyspace},
    {"object|help", 2, kLoading | kStale, 0, 0, 0, object_help, "generic",
     "Returns helpful text about the different subcommands.", "6.2.0", "O(1)", "", kAclKeyspace},
};

inline const CommandSpec kCommands[] = {
    {"del", -2, kWrite, 1, -1, 1, del, "generic", "Deletes one or more keys.", "1.0.0",
     "O(N) where N is the number of keys that will be removed", "key [key ...]", kAclKeyspace},
    {"unlink", -2, kWrite | kFast, 1, -1, 1, del, "generic",
     "Deletes one or more keys; memory is reclaimed without delaying the reply.", "4.0.0",
     "O(1) for each key removed regardless of its size", "key [key ...]", kAclKeyspace},
    {"exists", -2, kReadonly | kFast, 1, -1, 1, exists, "generic", "Counts how many of the given keys exist.",
     "1.0.0", "O(N) where N is the number of keys to check", "key [key ...]", kAclKeyspace},
    {"type", 2, kReadonly | kFast, 1, 1, 1, type, "generic", "Returns the type of the value stored at a key.",
     "1.0.0", "O(1)", "key", kAclKeyspace},
    {"touch", -2, kReadonly | kFast, 1, -1, 1, touch, "generic",
     "Updates the last access time of keys and returns how many exist.", "3.2.1",
     "O(N) where N is the number of keys that will be touched", "key [key ...]", kAclKeyspace},
    {"keys", 2, kReadonly, 0, 0, 0, keys, "generic", "Returns every key name that matches a glob pattern.",
     "1.0.0", "O(N) with N being the number of keys in the database", "pattern", kAclKeyspace | kAclDangerous},
    {"scan", -2, kReadonly, 0, 0, 0, scan, "generic", "Iterates over the key names in the database.", "2.8.0",
     "O(1) for every call. O(N) for a complete iteration, N being the number of keys",
     "cursor [MATCH pattern] [COUNT count] [TYPE type]", kAclKeyspace},
    {"randomkey", 1, kReadonly, 0, 0, 0, randomkey, "generic", "Returns a random key name from the database.",
     "1.0.0", "O(1)", "", kAclKeyspace},
    {"rename", 3, kWrite, 1, 2, 1, rename, "generic", "Renames a key, overwriting the destination.", "1.0.0",
     "O(1)", "key newkey", kAclKeyspace},
    {"renamenx", 3, kWrite | kFast, 1, 2, 1, renamenx, "generic",
     "Renames a key only when the new name does not exist.", "1.0.0", "O(1)", "key newkey", kAclKeyspace},
    {"copy", -3, kWrite | kDenyOom, 1, 2, 1, copy, "generic", "Copies the value of a key to a new key.", "6.2.0",
     "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
     "source destination [DB destination-db] [REPLACE]", kAclKeyspace},
    {"move", 3, kWrite | kFast, 1, 1, 1, move, "generic", "Moves a key to another database.", "1.0.0", "O(1)",
     "key db", kAclKeyspace},
    {"swapdb", 3, kWrite | kFast, 0, 0, 0, swapdb, "server", "Swaps the contents of two databases.", "4.0.0",
     "O(N) where N is the count of clients watching or blocking on keys from both databases.", "index1 index2",
     kAclKeyspace | kAclDangerous},
    {"object", -2, 0, 0, 0, 0, nullptr, "generic", "A container for object introspection commands.", "2.2.3",
     "Depends on subcommand.", "", 0, kObjectSubcommands, sizeof kObjectSubcommands / sizeof kObjectSubcommands[0]},
};

}  // namespace keys_cmds

MICROREDIS_INLINE bool register_keys_commands(CommandTable& table) { return table.add(keys_cmds::kCommands); }

}  // namespace microredis
