// DEBUG: the subcommands Redis's test suite and client test suites lean on that make sense for an
// engine without persistence:
//   SLEEP, SET-ACTIVE-EXPIRE, OBJECT, DIGEST, DIGEST-VALUE, PROTOCOL, ERROR, POPULATE, HELP,
//   RELOAD (an in-memory RDB image saved and loaded back, see store/rdb.hpp), and LOADAOF, which
//   replies that there is no append-only file to load.
// DEBUG SLEEP blocks only the calling session (the engine never sleeps): tick() replies +OK once
// the time has passed. Redis stops the whole server instead; inside EXEC or a script, where
// nothing else runs anyway, microredis does too through the adapter's Engine::set_sleep_handler.
//
// DIGEST and OBJECT know each value type's layout (Redis's xorObjectDigest, rdbSavedObjectLen):
// a family that adds a value type extends value_digest() here and the RDB codec (store/rdb.hpp).
#include <cstdio>
#include <cstdlib>

#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#if MICROREDIS_WITH_HASHES
#include "microredis/store/hash.hpp"
#endif
#if MICROREDIS_WITH_LISTS
#include "microredis/store/quicklist.hpp"
#endif
#if MICROREDIS_WITH_SETS
#include "microredis/store/set.hpp"
#endif
#if MICROREDIS_WITH_STREAMS
#include "microredis/store/stream.hpp"
#endif
#if MICROREDIS_WITH_ZSETS
#include "microredis/store/zset.hpp"
#endif
#include "microredis/store/string.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/util/sha1.hpp"
#include "microredis/util/strconv.hpp"
// DEBUG OBJECT's serializedlength uses the RDB saver; RELOAD the loader too (the DUMP group).
#include "microredis/store/rdb.hpp"
#if MICROREDIS_WITH_DUMP
#include "rdb_limits.hpp"
#endif

namespace microredis {
namespace debug_cmds {

using Digest = std::uint8_t[20];

// Redis's xorDigest: digest ^= SHA1(data). Order-independent (sets, hashes, the keyspace).
inline void xor_digest(Digest& d, const void* data, std::size_t len) {
  Sha1 s;
  s.update(data, len);
  std::uint8_t h[20];
  s.finish(h);
  for (int i = 0; i < 20; ++i) d[i] ^= h[i];
}

// Redis's mixDigest: digest = SHA1(digest ^ SHA1(data)). Order-dependent (lists, key then value).
inline void mix_digest(Digest& d, const void* data, std::size_t len) {
  xor_digest(d, data, len);
  Sha1 s;
  s.update(d, 20);
  s.finish(d);
}

// The digest of one value, mixed into d (Redis's xorObjectDigest).
inline void value_digest(Digest& d, const Entry& e) {
  const std::uint32_t type = static_cast<std::uint32_t>(e.type());
  const std::uint8_t be[4] = {static_cast<std::uint8_t>(type >> 24), static_cast<std::uint8_t>(type >> 16),
                              static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type)};
  mix_digest(d, be, 4);
  if (e.type() == ValueType::string) {
    IntText buf;
    std::string_view s = string_of(e, buf);
    mix_digest(d, s.data(), s.size());
#if MICROREDIS_WITH_SETS
  } else if (e.type() == ValueType::set) {
    // Unordered: members are XORed in.
    SetObject::of(e).for_each([&](const Element& m) {
      ElementText buf;
      std::string_view s = m.text(buf);
      xor_digest(d, s.data(), s.size());
    });
#endif
#if MICROREDIS_WITH_LISTS
  } else if (e.type() == ValueType::list) {
    // Ordered: each element is mixed in turn.
    Quicklist::walk(list_of(e)->first(), true, [&](const Element& el) {
      ElementText text;
      std::string_view v = el.text(text);
      mix_digest(d, v.data(), v.size());
      return true;
    });
#endif
#if MICROREDIS_WITH_ZSETS
  } else if (e.type() == ValueType::zset) {
    // Unordered too: each (member, "%.17g" score) pair is digested, then XORed in.
    ZsetObject::of(e).for_each([&](const Element& m, double score) {
      ElementText text;
      std::string_view member = m.text(text);
      Digest pair{};
      char buf[64];
      const std::size_t n = print_double(buf, sizeof buf, score, 'g', 17);
      mix_digest(pair, member.data(), member.size());
      mix_digest(pair, buf, n);
      xor_digest(d, pair, 20);
    });
#endif
#if MICROREDIS_WITH_STREAMS
  } else if (e.type() == ValueType::stream) {
    // Ordered: each entry's "<ms>.<seq>", then its fields and values (groups are not digested).
    StreamIterator it(*e.object<Stream>(), nullptr, nullptr, false);
    StreamID id;
    std::size_t numfields = 0;
    while (it.next(id, numfields)) {
      char buf[kStreamIDChars];
      std::size_t n = id.format(buf);
      buf[format_uint64(buf, id.ms)] = '.';
      mix_digest(d, buf, n);
      for (std::size_t i = 0; i < numfields; ++i) {
        Element field;
        Element value;
        it.next_field(field, value);
        ElementText fb, vb;
        std::string_view fs = field.text(fb), vs = value.text(vb);
        mix_digest(d, fs.data(), fs.size());
        mix_digest(d, vs.data(), vs.size());
      }
    }
#endif
#if MICROREDIS_WITH_HASHES
  } else if (e.type() == ValueType::hash) {
    HashObject::of(e).for_each([&](const Element& f, const Element& v) {
      Digest pair{};
      ElementText fb, vb;
      std::string_view fs = f.text(fb), vs = v.text(vb);
      mix_digest(pair, fs.data(), fs.size());
      mix_digest(pair, vs.data(), vs.size());
      xor_digest(d, pair, 20);
    });
#endif
  }
  if (e.has_expire()) xor_digest(d, "!!expire!!", 10);
}

inline void hex(const Digest& d, char (&out)[40]) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 20; ++i) {
    out[i * 2] = kHex[d[i] >> 4];
    out[i * 2 + 1] = kHex[d[i] & 0xf];
  }
}

inline void debug_digest(Context& c) {
  Digest final{};
  for (int j = 0; j < c.engine.db_count(); ++j) {
    const Db& db = c.engine.db(j);
    if (db.size() == 0) continue;
    const std::uint8_t be[4] = {static_cast<std::uint8_t>(j >> 24), static_cast<std::uint8_t>(j >> 16),
                                static_cast<std::uint8_t>(j >> 8), static_cast<std::uint8_t>(j)};
    mix_digest(final, be, 4);
    db.for_each([&](const Entry& e) {
      Digest kv{};
      std::string_view key = e.key();
      mix_digest(kv, key.data(), key.size());
      value_digest(kv, e);
      xor_digest(final, kv, 20);
    });
  }
  char text[40];
  hex(final, text);
  c.out.simple({text, 40});
}

inline void debug_digest_value(Context& c) {
  c.out.array(c.argc - 2);
  for (std::size_t i = 2; i < c.argc; ++i) {
    Digest d{};
    // Logically expired keys still count, as in Redis (no lookup, no expiry).
    if (const Entry* e = c.db.find_raw(c.arg(i))) value_digest(d, *e);
    char text[40];
    hex(d, text);
    c.out.simple({text, 40});
  }
}

// --- DEBUG OBJECT ----------------------------------------------------------------------------

// What the value takes in an RDB file (rdbSavedObjectLen): its serialization without the type
// byte, compressed as Redis's default rdbcompression does. 0 when out of memory.
inline std::size_t serialized_length(Memory& mem, const Entry& e) {
  Buffer out(mem);
  rdb::Saver saver(mem, out);
  return saver.body(e) ? out.size() : 0;
}

// What OBJECT REFCOUNT reports: Redis shares the integers 0..9999 (refcount INT_MAX) unless an
// LRU/LFU policy with a memory limit needs a private LRU field per value.
inline long refcount(const Engine& engine, const Entry& e) {
  const Settings& s = engine.settings();
  const EvictionPolicy p = s.maxmemory_policy;
  const bool per_key_lru = p == EvictionPolicy::allkeys_lru || p == EvictionPolicy::volatile_lru ||
                           p == EvictionPolicy::allkeys_lfu || p == EvictionPolicy::volatile_lfu;
  const bool shared = s.maxmemory == 0 || !per_key_lru;
  if (shared && e.type() == ValueType::string && e.encoding() == Encoding::int_ && e.int_value() >= 0 &&
      e.int_value() < 10000) {
    return 2147483647;
  }
  return 1;
}

inline void debug_object(Context& c) {
  const Entry* e = c.db.find_raw(c.arg(2));
  if (e == nullptr) return c.out.error(Status::no_such_key);
  const std::uint32_t now = lru_clock(c.now_ms());
  const std::uint32_t lru = e->lru();
  const std::uint64_t idle = now >= lru ? now - lru : now + (kLruClockMax - lru);
  char line[256];
  std::string_view enc = encoding_name(e->encoding());
  // No %zu or %llu: newlib-nano's printf (firmware) has neither.
  int n = std::snprintf(line, sizeof line,
                        "Value at:%p refcount:%ld encoding:%.*s serializedlength:%lu lru:%u lru_seconds_idle:",
                        static_cast<const void*>(e), refcount(c.engine, *e), static_cast<int>(enc.size()), enc.data(),
                        static_cast<unsigned long>(serialized_length(c.mem(), *e)), static_cast<unsigned>(lru));
  std::size_t len = n > 0 ? static_cast<std::size_t>(n) : 0;
  if (len + kLongLongChars <= sizeof line) len += format_uint64(line + len, idle);
  c.out.simple({line, len});
}

// --- DEBUG SLEEP / SET-ACTIVE-EXPIRE -----------------------------------------------------------

// Redis reads these numbers with strtod/atoi: no validation, garbage reads as 0.
inline double loose_double(std::string_view s) {
  char buf[64];
  std::size_t n = s.size() < sizeof buf - 1 ? s.size() : sizeof buf - 1;
  std::memcpy(buf, s.data(), n);
  buf[n] = 0;
  bool range_error = false;
  return read_double(buf, nullptr, range_error);
}

inline void debug_sleep(Context& c) {
  const double seconds = loose_double(c.arg(2));
  const auto us = static_cast<std::int64_t>(seconds * 1'000'000);
  if (us <= 0) return c.out.ok();
  // Inside EXEC or a script the session cannot wait for tick(): the engine waits, if the
  // adapter lets it (a script's time stays frozen meanwhile).
  if (c.session.in_exec()) {
    c.engine.sleep_in_command(us);
    return c.out.ok();
  }
  // The reply comes from tick() when the deadline passes; the session reads nothing meanwhile.
  c.session.block_until(BlockReason::sleep, c.now_us() + us);
}

// DEBUG SET-DISABLE-DENY-SCRIPTS <0|1>: lets scripts (adapters/lua) call noscript commands.
inline void debug_set_disable_deny_scripts(Context& c) {
  c.engine.settings().scripts_allow_noscript = static_cast<std::int64_t>(loose_double(c.arg(2))) != 0;
  c.out.ok();
}

// DEBUG PAUSE-CRON <0|1>: tests stop the periodic work (active expiry, idle timeouts, the tracking
// table limit) to observe what commands alone do.
inline void debug_pause_cron(Context& c) {
  c.engine.settings().cron_paused = static_cast<std::int64_t>(loose_double(c.arg(2))) != 0;
  c.out.ok();
}

inline void debug_set_active_expire(Context& c) {
  c.engine.settings().active_expire_enabled = static_cast<std::int64_t>(loose_double(c.arg(2))) != 0;
  c.out.ok();
}

// DEBUG QUICKLIST-PACKED-THRESHOLD <bytes>: list elements of at least this size go to nodes of
// their own. 0 restores the default of 1 GB.
inline void debug_quicklist_packed_threshold(Context& c) {
  std::uint64_t bytes = 0;
  if (!parse_memory(c.arg(2), bytes) || bytes > (std::uint64_t{1} << 32) - (std::uint64_t{1} << 20)) {
    return c.out.error(Status::debug_packed_threshold);
  }
  c.engine.settings().list_packed_threshold = bytes == 0 ? (std::uint64_t{1} << 30) : bytes;
  c.out.ok();
}

// --- DEBUG PROTOCOL / ERROR ------------------------------------------------------------------

inline void debug_protocol(Context& c) {
  Writer& w = c.out;
  std::string_view name = c.arg(2);
  if (iequals(name, "string")) {
    w.bulk("Hello World");
  } else if (iequals(name, "integer")) {
    w.integer(12345);
  } else if (iequals(name, "double")) {
    w.dbl(3.141);
  } else if (iequals(name, "bignum")) {
    w.big_number("1234567999999999999999999999999999999");
  } else if (iequals(name, "null")) {
    w.null();
  } else if (iequals(name, "array")) {
    w.array(3);
    for (int j = 0; j < 3; ++j) w.integer(j);
  } else if (iequals(name, "set")) {
    w.set(3);
    for (int j = 0; j < 3; ++j) w.integer(j);
  } else if (iequals(name, "map")) {
    w.map(3);
    for (int j = 0; j < 3; ++j) {
      w.integer(j);
      w.boolean(j == 1);
    }
  } else if (iequals(name, "attrib")) {
    if (w.protocol() >= 3) {
      w.attribute(1);
      w.bulk("key-popularity");
      w.array(2);
      w.bulk("key:123");
      w.integer(90);
    }
    // An attribute is not a reply: a real one follows.
    w.bulk("Some real reply following the attribute");
  } else if (iequals(name, "push")) {
    if (w.protocol() < 3) return w.error(Status::resp2_not_supported);
    w.push(2);
    w.bulk("server-cpu-usage");
    w.integer(42);
    w.bulk("Some real reply following the push reply");
  } else if (iequals(name, "true")) {
    w.boolean(true);
  } else if (iequals(name, "false")) {
    w.boolean(false);
  } else if (iequals(name, "verbatim")) {
    w.verbatim("This is a verbatim\nstring");
  } else {
    w.error(Status::debug_protocol_type);
  }
}

inline void debug_error(Context& c) { c.out.error_text(c.arg(2)); }

// --- DEBUG POPULATE count [prefix] [size] -----------------------------------------------------

inline void debug_populate(Context& c) {
  std::int64_t count = 0, size = 0;
  if (!parse_int64(c.arg(2), count) || count < 0) return c.out.error(Status::out_of_range_positive);
  if (c.argc == 5 && (!parse_int64(c.arg(4), size) || size < 0)) return c.out.error(Status::out_of_range_positive);
  std::string_view prefix = c.argc >= 4 ? c.arg(3) : std::string_view("key");
  Buffer key(c.mem()), value(c.mem());
  for (std::int64_t j = 0; j < count; ++j) {
    char num[kLongLongChars];
    std::string_view digits(num, format_int64(num, j));
    key.clear();
    if (!key.append(prefix.substr(0, 100)) || !key.append(":") || !key.append(digits)) return c.out.error(Status::oom);
    if (c.db.lookup(key.view()) != nullptr) continue;
    value.clear();
    if (!value.append("value:") || !value.append(digits)) return c.out.error(Status::oom);
    if (size != 0) {
      // A value of exactly `size` bytes: "value:<j>" cut or padded with zero bytes.
      std::size_t old = value.size();
      if (!value.resize(static_cast<std::size_t>(size))) return c.out.error(Status::oom);
      for (std::size_t k = old; k < value.size(); ++k) value[k] = 0;
    }
    Entry::Layout layout;
    // Redis creates these values as plain strings, never shared integers.
    if (!make_string(c.mem(), value.view(), layout, false) || c.db.put(key.view(), layout, -1) == nullptr) {
      return c.out.error(Status::oom);
    }
    c.modified(key.view());
  }
  c.out.ok();
}

// --- DEBUG RELOAD / LOADAOF --------------------------------------------------------------------

#if MICROREDIS_WITH_DUMP

// Redis saves the dataset to its RDB file, empties memory and loads the file back. microredis has
// no disk: the image is built in one Buffer (the dataset's RDB size, freed at the end), so the
// reload exercises the same serialization as DUMP/RESTORE and gives every value the encoding a
// fresh load chooses. NOSAVE would load the file saved last, and there is none: the dataset is
// left alone and the load error is replied.
inline void debug_reload(Context& c) {
  bool flush = true, save = true, merge = false;
  for (std::size_t i = 2; i < c.argc; ++i) {
    std::string_view opt = c.arg(i);
    if (iequals(opt, "MERGE")) {
      merge = true;
    } else if (iequals(opt, "NOFLUSH")) {
      flush = false;
    } else if (iequals(opt, "NOSAVE")) {
      save = false;
    } else {
      return c.out.error(Status::debug_reload_options);
    }
  }
  if (!save) return c.out.error(Status::debug_reload_failed);
  const int n = c.engine.db_count();
  Vec<Db*> dbs(c.mem());
  if (!dbs.reserve(static_cast<std::size_t>(n))) return c.out.error(Status::oom);
  for (int i = 0; i < n; ++i) (void)dbs.push_back(&c.engine.db(i));
  const Settings& st = c.engine.settings();
  const bool lfu = rdb_limits::lfu_policy(st);
  const rdb::SaveLru lru = lfu ? rdb::SaveLru::freq : rdb_limits::lru_policy(st) ? rdb::SaveLru::idle : rdb::SaveLru::none;
  Buffer image(c.mem());
  FunctionHost* functions = c.engine.function_host();
  Buffer records(c.mem());
  if (functions != nullptr && !functions->save(records)) return c.out.error(Status::oom);
  if (!rdb::save_image(c.mem(), dbs.data(), n, lru, image, records.view())) return c.out.error(Status::oom);
  if (flush) {
    for (int i = 0; i < n; ++i) {
      c.engine.flushing(c.engine.db(i));
      c.engine.db(i).clear();
    }
    if (functions != nullptr) functions->flush();  // Redis's emptyData empties the libraries too
  }
  // Loading fires no keyspace events, as Redis's rdbLoad.
  KeyspaceShared& shared = c.db.shared();
  KeyspaceObserver* observer = shared.observer;
  shared.observer = nullptr;
  rdb::ImageLoad how;
  how.merge = merge;
  how.now_ms = c.now_ms();
  how.lfu = lfu;
  if (functions != nullptr) {
    how.function = load_function_into_host;
    how.function_ctx = functions;
  }
  const rdb::LoadResult r =
      rdb::load_image(c.mem(), rdb_limits::load_limits(c.engine), image.view(), dbs.data(), n, how);
  shared.observer = observer;
  if (r != rdb::LoadResult::ok) return c.out.error(Status::debug_reload_failed);
  c.out.ok();
}
#endif

// DEBUG LOADAOF: the dataset is emptied and rebuilt by replaying the AOF (its base and the
// commands appended since), as Redis's loadAppendOnlyFiles. Like Redis, also while appendonly is off:
// what the sink holds then is the base the last BGREWRITEAOF wrote. Without a sink there is no AOF.
inline void debug_loadaof(Context& c) {
  if (!c.engine.has_aof_sink()) return c.out.error(Status::debug_no_persistence, "LOADAOF");
  if (!c.engine.load_aof()) return c.out.error(Status::debug_loadaof_failed);
  c.out.ok();
}

inline void debug_help(Context& c) {
  c.reply_help({
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "ERROR <string>",
      "    Return a Redis protocol error with <string> as message. Useful for clients",
      "    unit tests to simulate Redis errors.",
      "LOADAOF",
      "    Not supported: microredis has no persistence.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys named key:<num>. If <prefix> is specified then",
      "    it is used instead of the 'key' prefix.",
      "PAUSE-CRON <0|1>",
      "    Stop periodic cron job processing.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "QUICKLIST-PACKED-THRESHOLD <size>",
      "    Sets the threshold for elements to be inserted as plain vs packed nodes",
      "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
#if MICROREDIS_WITH_DUMP
      "RELOAD [option ...]",
      "    Save the RDB on disk and reload it back to memory. By default it will save",
      "    the RDB file and load it back.",
      "    (microredis: the RDB image is kept in memory only while reloading.)",
      "    Options:",
      "    * MERGE: Merge the content of the RDB instead of flushing the dataset first.",
      "      (needs NOFLUSH to make a difference)",
      "    * NOFLUSH: Do not empty the dataset before loading the RDB.",
      "    * NOSAVE: the data is loaded from the RDB file saved last; microredis keeps",
      "      none, so the load fails.",
#endif
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "    (microredis: only the calling connection waits.)",
  });
}

// Subcommands with Redis's argument counts: exact, or "at least" when min_only.
struct Subcommand {
  std::string_view name;
  std::size_t argc;
  bool min_only;
  void (*run)(Context&);
};

inline constexpr Subcommand kSubcommands[] = {
    {"help", 2, false, debug_help},
    {"sleep", 3, false, debug_sleep},
    {"set-active-expire", 3, false, debug_set_active_expire},
    {"set-disable-deny-scripts", 3, false, debug_set_disable_deny_scripts},
    {"pause-cron", 3, false, debug_pause_cron},
    {"quicklist-packed-threshold", 3, false, debug_quicklist_packed_threshold},
    {"object", 3, false, debug_object},
    {"digest", 2, false, debug_digest},
    {"digest-value", 2, true, debug_digest_value},
    {"protocol", 3, false, debug_protocol},
    {"error", 3, false, debug_error},
#if MICROREDIS_WITH_DUMP
    {"reload", 2, true, debug_reload},
#endif
    {"loadaof", 2, true, debug_loadaof},
};

inline void debug(Context& c) {
  // Nothing DEBUG does reaches replicas or the AOF (Redis resets server.dirty after RELOAD and
  // LOADAOF); replaying a LOADAOF from the AOF would recurse.
  c.prevent_propagation();
  std::string_view sub = c.arg(1);
  if (iequals(sub, "populate") && c.argc >= 3 && c.argc <= 5) return debug_populate(c);
  for (const Subcommand& s : kSubcommands) {
    if (!iequals(s.name, sub)) continue;
    if (s.min_only ? c.argc >= s.argc : c.argc == s.argc) return s.run(c);
    break;
  }
  c.out.error(Status::unknown_subcommand_or_arity, sub.substr(0, 128), "DEBUG");
}

inline const CommandSpec kCommands[] = {
    {"debug", -2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, debug, "server",
     "A container for debugging commands.", "1.0.0", "Depends on subcommand.", "subcommand [arg [arg ...]]", 0},
};

}  // namespace debug_cmds

MICROREDIS_INLINE bool register_debug_commands(CommandTable& table) { return table.add(debug_cmds::kCommands); }

}  // namespace microredis
