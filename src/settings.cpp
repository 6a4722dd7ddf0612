#include "microredis/settings.hpp"

#include <cstdio>
#include <cstring>

#include "microredis/engine.hpp"
#include "microredis/util/strconv.hpp"

namespace microredis {

MICROREDIS_INLINE void ConfigError::set(std::string_view s) {
  len = s.size() < sizeof text ? s.size() : sizeof text;
  std::memcpy(text, s.data(), len);
}

MICROREDIS_INLINE bool parse_memory(std::string_view s, std::uint64_t& out) {
  // Split digits from the unit suffix, as Redis's memtoull.
  std::size_t digits = 0;
  while (digits < s.size() && ((s[digits] >= '0' && s[digits] <= '9') || (digits == 0 && s[0] == '-'))) ++digits;
  std::string_view unit = s.substr(digits);
  std::uint64_t mul;
  if (unit.empty() || iequals(unit, "b")) mul = 1;
  else if (iequals(unit, "k")) mul = 1000;
  else if (iequals(unit, "kb")) mul = 1024;
  else if (iequals(unit, "m")) mul = 1000 * 1000;
  else if (iequals(unit, "mb")) mul = 1024 * 1024;
  else if (iequals(unit, "g")) mul = 1000ull * 1000 * 1000;
  else if (iequals(unit, "gb")) mul = 1024ull * 1024 * 1024;
  else return false;
  std::uint64_t v = 0;
  if (!parse_uint64(s.substr(0, digits), v)) return false;
  if (v != 0 && mul > UINT64_MAX / v) return false;
  out = v * mul;
  return true;
}

namespace detail {

inline void put_text(Buffer& o, std::string_view s) { (void)o.append(s); }
inline void put_int(Buffer& o, std::int64_t v) {
  char buf[kLongLongChars];
  (void)o.append(buf, format_int64(buf, v));
}
inline void put_uint(Buffer& o, std::uint64_t v) {
  char buf[kLongLongChars];
  (void)o.append(buf, format_uint64(buf, v));
}

// Texts with 64-bit numbers are composed here, not with printf: newlib-nano's printf (the firmware's
// C library) has no %lld or %llo.
struct ErrorText {
  char buf[128];
  std::size_t n = 0;
  ErrorText& s(std::string_view t) {
    std::memcpy(buf + n, t.data(), t.size());
    n += t.size();
    return *this;
  }
  ErrorText& i(std::int64_t v) {
    n += format_int64(buf + n, v);
    return *this;
  }
  ErrorText& octal(std::uint64_t v) {
    char digits[24];
    std::size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + (v & 7));
      v >>= 3;
    } while (v != 0);
    while (k > 0) buf[n++] = digits[--k];
    return *this;
  }
  std::string_view view() const { return {buf, n}; }
};

inline bool range_error(ConfigError& err, std::int64_t lo, std::int64_t hi) {
  ErrorText t;
  err.set(t.s("argument must be between ").i(lo).s(" and ").i(hi).s(" inclusive").view());
  return false;
}

inline bool set_int(std::int64_t& field, std::string_view v, std::int64_t lo, std::int64_t hi, ConfigError& err) {
  std::int64_t x = 0;
  if (!parse_int64(v, x)) {
    err.set("argument couldn't be parsed into an integer");
    return false;
  }
  if (x < lo || x > hi) return range_error(err, lo, hi);
  field = x;
  return true;
}

inline bool set_memory(std::uint64_t& field, std::string_view v, std::uint64_t lo, std::uint64_t hi,
                       ConfigError& err) {
  std::uint64_t x = 0;
  if (!parse_memory(v, x)) {
    err.set("argument must be a memory value");
    return false;
  }
  if (x < lo || x > hi) return range_error(err, static_cast<std::int64_t>(lo), static_cast<std::int64_t>(hi));
  field = x;
  return true;
}

inline bool set_bool(bool& field, std::string_view v, ConfigError& err) {
  if (iequals(v, "yes")) {
    field = true;
  } else if (iequals(v, "no")) {
    field = false;
  } else {
    err.set("argument must be 'yes' or 'no'");
    return false;
  }
  return true;
}

inline bool set_string(Buffer& field, std::string_view v, ConfigError& err) {
  field.clear();
  if (!field.append(v)) {
    err.set("out of memory");
    return false;
  }
  return true;
}

constexpr std::string_view kPolicyNames[] = {"noeviction",     "allkeys-lru",     "allkeys-lfu",
                                             "allkeys-random", "volatile-lru",    "volatile-lfu",
                                             "volatile-random", "volatile-ttl"};

inline bool set_policy(EvictionPolicy& field, std::string_view v, ConfigError& err) {
  for (std::size_t i = 0; i < sizeof kPolicyNames / sizeof kPolicyNames[0]; ++i) {
    if (iequals(v, kPolicyNames[i])) {
      field = static_cast<EvictionPolicy>(i);
      return true;
    }
  }
  err.set(
      "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
      "allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
  return false;
}

// client-output-buffer-limit "<class> <hard> <soft> <soft seconds>" repeated; class is normal,
// replica (slave) or pubsub.
inline bool set_output_limits(Settings& st, std::string_view v, ConfigError& err) {
  std::string_view words[24];
  std::size_t n = 0;
  for (std::size_t i = 0; i < v.size();) {
    while (i < v.size() && v[i] == ' ') ++i;
    std::size_t start = i;
    while (i < v.size() && v[i] != ' ') ++i;
    if (i > start) {
      if (n == 24) {
        err.set("Wrong number of arguments in buffer limit configuration.");
        return false;
      }
      words[n++] = v.substr(start, i - start);
    }
  }
  if (n == 0 || n % 4 != 0) {
    err.set("Wrong number of arguments in buffer limit configuration.");
    return false;
  }
  OutputBufferLimit parsed[3] = {st.output_limit_normal, st.output_limit_replica, st.output_limit_pubsub};
  for (std::size_t i = 0; i < n; i += 4) {
    int cls;
    if (iequals(words[i], "normal")) cls = 0;
    else if (iequals(words[i], "replica") || iequals(words[i], "slave")) cls = 1;
    else if (iequals(words[i], "pubsub")) cls = 2;
    else {
      err.set("Invalid client class specified in buffer limit configuration.");
      return false;
    }
    std::uint64_t hard = 0, soft = 0;
    std::int64_t secs = 0;
    if (!parse_memory(words[i + 1], hard) || !parse_memory(words[i + 2], soft) || !parse_int64(words[i + 3], secs) ||
        secs < 0) {
      err.set("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
      return false;
    }
    parsed[cls] = {hard, soft, secs};
  }
  st.output_limit_normal = parsed[0];
  st.output_limit_replica = parsed[1];
  st.output_limit_pubsub = parsed[2];
  return true;
}

inline void get_output_limits(const Settings& st, Buffer& o) {
  const char* names[] = {"normal", "slave", "pubsub"};
  const OutputBufferLimit* lims[] = {&st.output_limit_normal, &st.output_limit_replica, &st.output_limit_pubsub};
  for (int i = 0; i < 3; ++i) {
    if (i) put_text(o, " ");
    put_text(o, names[i]);
    put_text(o, " ");
    put_uint(o, lims[i]->hard);
    put_text(o, " ");
    put_uint(o, lims[i]->soft);
    put_text(o, " ");
    put_int(o, lims[i]->soft_seconds);
  }
}

inline void put_octal(Buffer& o, std::int64_t v) {
  ErrorText t;
  std::string_view text = t.octal(static_cast<std::uint64_t>(v)).view();
  (void)o.append(text.data(), text.size());
}

// An octal number (strtoll base 8 over the whole string), within 0..hi.
inline bool set_octal(std::int64_t& field, std::string_view v, std::int64_t hi, ConfigError& err) {
  std::int64_t x = 0;
  bool ok = !v.empty() && v.size() <= 21;
  std::size_t i = 0;
  bool neg = ok && v[0] == '-';
  if (neg || (ok && v[0] == '+')) i = 1;
  ok = ok && i < v.size();
  for (; ok && i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '7') ok = false;
    else x = x * 8 + (v[i] - '0');
  }
  if (!ok) {
    err.set("argument couldn't be parsed as an octal number");
    return false;
  }
  if (neg) x = -x;
  if (x < 0 || x > hi) {
    ErrorText t;
    err.set(t.s("argument must be between 0 and ").octal(static_cast<std::uint64_t>(hi)).s(" inclusive").view());
    return false;
  }
  field = x;
  return true;
}

constexpr std::string_view kLogLevelNames[] = {"debug", "verbose", "notice", "warning"};

inline bool set_loglevel(LogLevel& field, std::string_view v, ConfigError& err) {
  for (std::size_t i = 0; i < sizeof kLogLevelNames / sizeof kLogLevelNames[0]; ++i) {
    if (iequals(v, kLogLevelNames[i])) {
      field = static_cast<LogLevel>(i);
      return true;
    }
  }
  err.set("argument(s) must be one of the following: debug, verbose, notice, warning");
  return false;
}

// Settings whose only value microredis can honour is "off": persistence does not exist here, so
// accepting anything else would be a lie.
inline bool set_only(std::string_view v, std::string_view allowed, ConfigError& err) {
  if (iequals(v, allowed)) return true;
  err.set("persistence is not supported by microredis");
  return false;
}

// notify-keyspace-events letters, in the order Redis prints them.
struct EventLetter {
  char letter;
  std::uint32_t flag;
};
constexpr EventLetter kEventLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString}, {'l', kNotifyList},    {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},   {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule}, {'n', kNotifyNew},
};
// 'A' is every class but key misses and new keys.
constexpr std::uint32_t kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
                                     kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule;

inline bool set_notify_events(std::uint32_t& field, std::string_view v, ConfigError& err) {
  std::uint32_t flags = 0;
  for (char ch : v) {
    std::uint32_t f = 0;
    if (ch == 'A') f = kNotifyAll;
    else if (ch == 'K') f = kNotifyKeyspace;
    else if (ch == 'E') f = kNotifyKeyevent;
    else if (ch == 'm') f = kNotifyKeyMiss;
    for (const auto& l : kEventLetters) {
      if (l.letter == ch) f = l.flag;
    }
    if (f == 0) {
      err.set("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      return false;
    }
    flags |= f;
  }
  field = flags;
  return true;
}

inline void get_notify_events(std::uint32_t flags, Buffer& o) {
  if ((flags & kNotifyAll) == kNotifyAll) {
    put_text(o, "A");
  } else {
    for (const auto& l : kEventLetters) {
      if (flags & l.flag) (void)o.append(&l.letter, 1);
    }
  }
  if (flags & kNotifyKeyspace) put_text(o, "K");
  if (flags & kNotifyKeyevent) put_text(o, "E");
  if (flags & kNotifyKeyMiss) put_text(o, "m");
}

}  // namespace detail

#define MR_CFG_INT(NAME, ALIAS, FIELD, LO, HI)                                                              \
  ConfigSpec {                                                                                              \
    NAME, ALIAS, ConfigFlag::none, [](const Engine& e, Buffer& o) { detail::put_int(o, e.settings().FIELD); }, \
        [](Engine& e, std::string_view v, ConfigError& err) {                                               \
          return detail::set_int(e.settings().FIELD, v, LO, HI, err);                                       \
        }                                                                                                   \
  }
#define MR_CFG_IMMUTABLE_INT(NAME, FIELD, LO, HI)                                                            \
  ConfigSpec {                                                                                               \
    NAME, {}, ConfigFlag::immutable, [](const Engine& e, Buffer& o) { detail::put_int(o, e.settings().FIELD); }, \
        [](Engine& e, std::string_view v, ConfigError& err) {                                                \
          return detail::set_int(e.settings().FIELD, v, LO, HI, err);                                        \
        }                                                                                                    \
  }
#define MR_CFG_MEMORY(NAME, FIELD, LO, HI)                                                                    \
  ConfigSpec {                                                                                                \
    NAME, {}, ConfigFlag::none, [](const Engine& e, Buffer& o) { detail::put_uint(o, e.settings().FIELD); }, \
        [](Engine& e, std::string_view v, ConfigError& err) {                                                 \
          return detail::set_memory(e.settings().FIELD, v, LO, HI, err);                                      \
        }                                                                                                     \
  }
#define MR_CFG_BOOL(NAME, FIELD)                                                                              \
  ConfigSpec {                                                                                                \
    NAME, {}, ConfigFlag::none,                                                                               \
        [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().FIELD ? "yes" : "no"); },           \
        [](Engine& e, std::string_view v, ConfigError& err) { return detail::set_bool(e.settings().FIELD, v, err); } \
  }
#define MR_CFG_STRING(NAME, FLAG, FIELD)                                                                      \
  ConfigSpec {                                                                                                \
    NAME, {}, FLAG, [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().FIELD.view()); },      \
        [](Engine& e, std::string_view v, ConfigError& err) { return detail::set_string(e.settings().FIELD, v, err); } \
  }

MICROREDIS_INLINE const ConfigSpec* config_specs(std::size_t& count) {
  static const ConfigSpec kConfigs[] = {
      ConfigSpec{"requirepass", {}, ConfigFlag::sensitive,
                 [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().requirepass.view()); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   if (!detail::set_string(e.settings().requirepass, v, err)) return false;
                   e.settings().requirepass_set = !v.empty();
                   return true;
                 }},
      MR_CFG_INT("maxclients", {}, maxclients, 1, 1000000),
      MR_CFG_INT("timeout", {}, timeout, 0, INT32_MAX),
      MR_CFG_MEMORY("maxmemory", maxmemory, 0, UINT64_MAX / 2),
      ConfigSpec{"maxmemory-policy", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) {
                   detail::put_text(o, detail::kPolicyNames[static_cast<int>(e.settings().maxmemory_policy)]);
                 },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_policy(e.settings().maxmemory_policy, v, err);
                 }},
      MR_CFG_INT("maxmemory-samples", {}, maxmemory_samples, 1, 64),
      MR_CFG_INT("lfu-log-factor", {}, lfu_log_factor, 0, INT32_MAX),
      MR_CFG_INT("lfu-decay-time", {}, lfu_decay_time, 0, INT32_MAX),
      MR_CFG_INT("busy-reply-threshold", "lua-time-limit", busy_reply_threshold, 0, INT64_MAX),
      MR_CFG_MEMORY("proto-max-bulk-len", proto_max_bulk_len, 1024 * 1024, INT64_MAX),
      MR_CFG_MEMORY("proto-max-multibulk-len", proto_max_multibulk_len, 1, 2147483647),
      MR_CFG_MEMORY("client-query-buffer-limit", client_query_buffer_limit, 1024 * 1024, INT64_MAX),
      ConfigSpec{"client-output-buffer-limit", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::get_output_limits(e.settings(), o); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_output_limits(e.settings(), v, err);
                 }},
      ConfigSpec{"notify-keyspace-events", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::get_notify_events(e.settings().notify_keyspace_events, o); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_notify_events(e.settings().notify_keyspace_events, v, err);
                 }},
      ConfigSpec{"tracking-table-max-keys", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::put_uint(o, e.settings().tracking_table_max_keys); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   std::int64_t n = 0;
                   if (!detail::set_int(n, v, 0, INT64_MAX, err)) return false;
                   e.settings().tracking_table_max_keys = static_cast<std::uint64_t>(n);
                   return true;
                 }},
      // Redis takes any non-negative hz and clamps it into 1..500.
      ConfigSpec{"hz", {}, ConfigFlag::none, [](const Engine& e, Buffer& o) { detail::put_int(o, e.settings().hz); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   std::int64_t hz = 0;
                   if (!detail::set_int(hz, v, 0, INT32_MAX, err)) return false;
                   e.settings().hz = hz < 1 ? 1 : hz > 500 ? 500 : hz;
                   return true;
                 }},
      MR_CFG_INT("active-expire-effort", {}, active_expire_effort, 1, 10),
      MR_CFG_INT("slowlog-log-slower-than", {}, slowlog_log_slower_than, -1, INT64_MAX),
      MR_CFG_INT("slowlog-max-len", {}, slowlog_max_len, 0, INT64_MAX),
      MR_CFG_INT("latency-monitor-threshold", {}, latency_monitor_threshold, 0, INT64_MAX),
      ConfigSpec{"latency-tracking", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().latency_tracking ? "yes" : "no"); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   bool on = false;
                   if (!detail::set_bool(on, v, err)) return false;
                   e.set_latency_tracking(on);
                   return true;
                 }},
      MR_CFG_INT("hash-max-listpack-entries", "hash-max-ziplist-entries", hash_max_listpack_entries, 0, INT64_MAX),
      MR_CFG_INT("hash-max-listpack-value", "hash-max-ziplist-value", hash_max_listpack_value, 0, INT64_MAX),
      MR_CFG_INT("set-max-intset-entries", {}, set_max_intset_entries, 0, INT64_MAX),
      MR_CFG_INT("zset-max-listpack-entries", "zset-max-ziplist-entries", zset_max_listpack_entries, 0, INT64_MAX),
      MR_CFG_INT("zset-max-listpack-value", "zset-max-ziplist-value", zset_max_listpack_value, 0, INT64_MAX),
      MR_CFG_INT("list-max-listpack-size", "list-max-ziplist-size", list_max_listpack_size, INT32_MIN, INT32_MAX),
      MR_CFG_INT("list-compress-depth", {}, list_compress_depth, 0, INT32_MAX),
      MR_CFG_MEMORY("hll-sparse-max-bytes", hll_sparse_max_bytes, 0, INT64_MAX),
      MR_CFG_MEMORY("stream-node-max-bytes", stream_node_max_bytes, 0, INT64_MAX),
      MR_CFG_INT("stream-node-max-entries", {}, stream_node_max_entries, 0, INT64_MAX),
      ConfigSpec{"port", {}, ConfigFlag::runtime_fixed,
                 [](const Engine& e, Buffer& o) { detail::put_int(o, e.settings().port); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_int(e.settings().port, v, 0, 65535, err);
                 }},
      MR_CFG_STRING("bind", ConfigFlag::runtime_fixed, bind),
      MR_CFG_STRING("unixsocket", ConfigFlag::immutable, unixsocket),
      ConfigSpec{"unixsocketperm", {}, ConfigFlag::immutable,
                 [](const Engine& e, Buffer& o) { detail::put_octal(o, e.settings().unixsocketperm); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_octal(e.settings().unixsocketperm, v, 0777, err);
                 }},
      MR_CFG_IMMUTABLE_INT("tcp-backlog", tcp_backlog, 0, INT32_MAX),
      MR_CFG_INT("tcp-keepalive", {}, tcp_keepalive, 0, INT32_MAX),
      MR_CFG_STRING("dir", ConfigFlag::immutable, dir),
      MR_CFG_STRING("logfile", ConfigFlag::immutable, logfile),
      MR_CFG_IMMUTABLE_INT("databases", databases, 1, INT32_MAX),
      ConfigSpec{"loglevel", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) {
                   detail::put_text(o, detail::kLogLevelNames[static_cast<int>(e.settings().loglevel)]);
                 },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_loglevel(e.settings().loglevel, v, err);
                 }},
      // The engine never forks or detaches; "no" is the only true value (redis.conf files carry it).
      ConfigSpec{"daemonize", {}, ConfigFlag::immutable, [](const Engine&, Buffer& o) { detail::put_text(o, "no"); },
                 [](Engine&, std::string_view v, ConfigError& err) {
                   if (iequals(v, "no")) return true;
                   err.set(iequals(v, "yes") ? "daemonizing is not supported by microredis"
                                             : "argument must be 'yes' or 'no'");
                   return false;
                 }},
      ConfigSpec{"save", {}, ConfigFlag::none, [](const Engine&, Buffer&) {},
                 [](Engine&, std::string_view v, ConfigError& err) { return detail::set_only(v, "", err); }},
      // appendonly yes needs an AOF sink from the host (Engine::set_aof_sink): without one,
      // persistence does not exist and "no" is the only true value.
      ConfigSpec{"appendonly", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::put_text(o, e.aof_enabled() ? "yes" : "no"); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   bool on = false;
                   if (!e.has_aof_sink()) return detail::set_only(v, "no", err);
                   if (!detail::set_bool(on, v, err)) return false;
                   if (!e.set_appendonly(on)) {
                     err.set("the append only file could not be written");
                     return false;
                   }
                   return true;
                 }},
      ConfigSpec{"appendfsync", {}, ConfigFlag::none,
                 [](const Engine& e, Buffer& o) {
                   static constexpr std::string_view kNames[] = {"no", "always", "everysec"};
                   detail::put_text(o, kNames[e.settings().appendfsync]);
                 },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   static constexpr std::string_view kNames[] = {"no", "always", "everysec"};
                   for (int i = 0; i < 3; ++i) {
                     if (iequals(v, kNames[i])) {
                       e.settings().appendfsync = i;
                       return true;
                     }
                   }
                   err.set("argument(s) must be one of the following: always, everysec, no");
                   return false;
                 }},
      MR_CFG_STRING("appendfilename", ConfigFlag::immutable, appendfilename),
      MR_CFG_STRING("appenddirname", ConfigFlag::immutable, appenddirname),
      MR_CFG_BOOL("aof-use-rdb-preamble", aof_use_rdb_preamble),
      MR_CFG_INT("repl-ping-replica-period", "repl-ping-slave-period", repl_ping_replica_period, 1, INT32_MAX),
      MR_CFG_INT("repl-timeout", {}, repl_timeout, 1, INT32_MAX),
      MR_CFG_INT("min-replicas-to-write", "min-slaves-to-write", min_replicas_to_write, 0, INT32_MAX),
      MR_CFG_INT("min-replicas-max-lag", "min-slaves-max-lag", min_replicas_max_lag, 0, INT32_MAX),
      MR_CFG_BOOL("lazyfree-lazy-expire", lazyfree_lazy_expire),
      MR_CFG_BOOL("lazyfree-lazy-eviction", lazyfree_lazy_eviction),
      MR_CFG_BOOL("replica-serve-stale-data", replica_serve_stale_data),
      ConfigSpec{"replica-read-only", "slave-read-only", ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().replica_read_only ? "yes" : "no"); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_bool(e.settings().replica_read_only, v, err);
                 }},
      MR_CFG_INT("replica-priority", "slave-priority", replica_priority, 0, INT32_MAX),
      MR_CFG_BOOL("replica-announced", replica_announced),
      ConfigSpec{"replica-lazy-flush", "slave-lazy-flush", ConfigFlag::none,
                 [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().replica_lazy_flush ? "yes" : "no"); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_bool(e.settings().replica_lazy_flush, v, err);
                 }},
      ConfigSpec{"masterauth", {}, ConfigFlag::sensitive,
                 [](const Engine& e, Buffer& o) { detail::put_text(o, e.settings().masterauth.view()); },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   return detail::set_string(e.settings().masterauth, v, err);
                 }},
      MR_CFG_STRING("masteruser", ConfigFlag::none, masteruser),
      // replicaof <host> <port> | no one: start-up only (REPLICAOF changes it at run time), as Redis.
      ConfigSpec{"replicaof", "slaveof", ConfigFlag::immutable,
                 [](const Engine& e, Buffer& o) {
                   const MasterLink* m = e.master_link();
                   if (m == nullptr) return;
                   char num[kLongLongChars];
                   (void)(o.append(m->master_host.view()) && o.append(" ") &&
                          o.append(num, format_int64(num, m->master_port)));
                 },
                 [](Engine& e, std::string_view v, ConfigError& err) {
                   const std::size_t space = v.find(' ');
                   if (space == std::string_view::npos || v.find(' ', space + 1) != std::string_view::npos) {
                     err.set("wrong number of arguments");
                     return false;
                   }
                   const std::string_view host = v.substr(0, space);
                   const std::string_view port = v.substr(space + 1);
                   if (iequals(host, "no") && iequals(port, "one")) {
                     e.unset_master();
                     return true;
                   }
                   std::int64_t p = 0;
                   if (!parse_int64(port, p) || p < 0 || p > 65535) {
                     err.set("Invalid master port");
                     return false;
                   }
#if MICROREDIS_WITH_MASTER_LINK
                   if (!e.set_master(host, p)) {
                     err.set("out of memory");
                     return false;
                   }
                   return true;
#else
                   (void)host;
                   err.set("REPLICAOF is not supported: this server's transport cannot open connections");
                   return false;
#endif
                 }},
  };
  count = sizeof kConfigs / sizeof kConfigs[0];
  return kConfigs;
}

#undef MR_CFG_INT
#undef MR_CFG_IMMUTABLE_INT
#undef MR_CFG_MEMORY
#undef MR_CFG_BOOL
#undef MR_CFG_STRING

MICROREDIS_INLINE const ConfigSpec* find_config(std::string_view name) {
  std::size_t n = 0;
  const ConfigSpec* specs = config_specs(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (iequals(specs[i].name, name) || (!specs[i].alias.empty() && iequals(specs[i].alias, name))) return &specs[i];
  }
  return nullptr;
}

}  // namespace microredis
