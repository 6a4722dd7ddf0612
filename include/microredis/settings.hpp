// Runtime settings (what CONFIG GET/SET and redis.conf see) and the table that names them.
// The engine reads these values; adapters read the transport ones (port, bind, timeout, ...), and
// the example server loads redis.conf lines and command-line flags through the same table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memory.hpp"
#include "spec_text.hpp"

namespace microredis {

class Engine;

enum class EvictionPolicy : std::uint8_t {
  noeviction,
  allkeys_lru,
  allkeys_lfu,
  allkeys_random,
  volatile_lru,
  volatile_lfu,
  volatile_random,
  volatile_ttl,
};

// loglevel: the engine itself does not log; adapters and applications that do read it.
enum class LogLevel : std::uint8_t { debug, verbose, notice, warning };

// client-output-buffer-limit for one client class.
struct OutputBufferLimit {
  std::uint64_t hard = 0;  // bytes; 0 = none
  std::uint64_t soft = 0;  // bytes; 0 = none
  std::int64_t soft_seconds = 0;
};

struct Settings {
  explicit Settings(Memory& mem)
      : requirepass(mem), bind(mem), unixsocket(mem), dir(mem), logfile(mem), appendfilename(mem), appenddirname(mem),
        masterauth(mem), masteruser(mem) {
    (void)appendfilename.append("appendonly.aof");
    (void)appenddirname.append("appendonlydir");
  }

  // Security and clients.
  Buffer requirepass;  // empty: no password
  bool requirepass_set = false;
  std::int64_t maxclients = 10000;
  std::int64_t timeout = 0;  // idle seconds before a client is closed; 0 = never
  // Memory.
  std::uint64_t maxmemory = 0;
  EvictionPolicy maxmemory_policy = EvictionPolicy::noeviction;
  std::int64_t maxmemory_samples = 5;
  // maxmemory-clients: bytes all normal and pub/sub clients may use together before the largest
  // are evicted; negative: that percentage of maxmemory; 0: no limit.
  std::int64_t maxmemory_clients = 0;
  std::int64_t lfu_log_factor = 10;
  std::int64_t lfu_decay_time = 1;
  // Scripts: milliseconds a script runs before other clients get BUSY (lua-time-limit).
  std::int64_t busy_reply_threshold = 5000;
  // DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript (tests only).
  bool scripts_allow_noscript = false;
  // Protocol limits.
  std::uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
  std::uint64_t proto_max_multibulk_len = 2147483647;  // microredis: arguments per command
  std::uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  OutputBufferLimit output_limit_normal{};
  OutputBufferLimit output_limit_replica{256ull * 1024 * 1024, 64ull * 1024 * 1024, 60};
  OutputBufferLimit output_limit_pubsub{32ull * 1024 * 1024, 8ull * 1024 * 1024, 60};
  // Keyspace notifications: NotifyClass bits (notify-keyspace-events "KEA" ...).
  std::uint32_t notify_keyspace_events = 0;
  // Client-side caching: keys remembered for tracking clients (0: no limit).
  std::uint64_t tracking_table_max_keys = 1000000;
  // Background work.
  std::int64_t hz = 10;
  // Replication (master side) and the AOF.
  std::int64_t repl_ping_replica_period = 10;  // seconds between PINGs in the replication stream
  std::int64_t min_replicas_to_write = 0;      // writes need this many good replicas (0: off)
  std::int64_t min_replicas_max_lag = 10;      // a good replica acked within this many seconds
  std::int64_t repl_timeout = 60;
  bool appendonly = false;
  int appendfsync = 2;                         // 0 no, 1 always, 2 everysec
  bool aof_use_rdb_preamble = true;
  bool lazyfree_lazy_expire = false;           // expired keys propagate as UNLINK instead of DEL
  bool lazyfree_lazy_eviction = false;
  bool replica_serve_stale_data = true;
  // Replica side (REPLICAOF).
  bool replica_read_only = true;               // writes from clients are refused (READONLY)
  std::int64_t replica_priority = 100;         // INFO's slave_priority (for Sentinel)
  bool replica_announced = true;
  bool replica_lazy_flush = false;             // accepted; the dataset is always emptied at once
  std::int64_t active_expire_effort = 1;
  bool active_expire_enabled = true;  // DEBUG SET-ACTIVE-EXPIRE
  bool cron_paused = false;           // DEBUG PAUSE-CRON: tick() skips its periodic work
  // Encoding thresholds (used by the aggregate types).
  std::int64_t hash_max_listpack_entries = 128;
  std::int64_t hash_max_listpack_value = 64;
  std::int64_t set_max_intset_entries = 512;
  std::int64_t set_max_listpack_entries = 128;
  std::int64_t set_max_listpack_value = 64;
  std::int64_t zset_max_listpack_entries = 128;
  std::int64_t zset_max_listpack_value = 64;
  std::int64_t list_max_listpack_size = -2;
  std::int64_t list_compress_depth = 0;
  // DEBUG QUICKLIST-PACKED-THRESHOLD (not a CONFIG parameter): list elements this big get a node
  // of their own ("plain" nodes).
  std::uint64_t list_packed_threshold = std::uint64_t{1} << 30;
  std::uint64_t hll_sparse_max_bytes = 3000;  // a sparse HyperLogLog past this turns dense
  std::uint64_t stream_node_max_bytes = 4096;  // a stream block is full at this many bytes (0: no limit)
  std::int64_t stream_node_max_entries = 100;  // ... or this many entries, deleted ones included (0: no limit)
  // Transport settings: the adapter applies them; the engine only reports them.
  std::int64_t port = 6379;
  Buffer bind;
  Buffer unixsocket;
  std::int64_t unixsocketperm = 0;  // octal in CONFIG GET/SET, as Redis
  std::int64_t tcp_backlog = 511;
  std::int64_t tcp_keepalive = 300;
  Buffer dir;
  Buffer logfile;
  Buffer appendfilename;  // the AOF's base name and directory (under dir), as Redis 7.0 names them
  Buffer appenddirname;
  Buffer masterauth;  // replica side: AUTH [masteruser] masterauth in the handshake
  Buffer masteruser;
  LogLevel loglevel = LogLevel::notice;
  std::int64_t databases = 16;  // immutable once the engine exists
  // Slow log (kept here so that CONFIG sees it).
  std::int64_t slowlog_log_slower_than = 10000;
  std::int64_t slowlog_max_len = 128;
  std::int64_t latency_tracking = 1;
  // Latency monitor: events at least this many ms long are sampled (0: disabled).
  std::int64_t latency_monitor_threshold = 0;
};

enum class ConfigFlag : std::uint8_t {
  none = 0,
  immutable = 1,  // only at start-up (config file, command line)
  sensitive = 2,  // value hidden from logs
  // Set at start-up; at run time CONFIG SET accepts the current value only (port, bind: the
  // adapter owns the listener and cannot move it while serving).
  runtime_fixed = 3,
};

// Why a value was refused: the text after "- " in Redis's CONFIG SET error.
struct ConfigError {
  char text[160] = {};
  std::size_t len = 0;
  void set(std::string_view s);
  std::string_view view() const { return {text, len}; }
};

// One named setting. get() writes the value as CONFIG GET shows it; set() parses and applies a
// value, returning false with the reason.
struct ConfigSpec {
  SpecText name;
  SpecText alias;  // an older name Redis still accepts ("hash-max-ziplist-entries")
  ConfigFlag flag;
  void (*get)(const Engine& engine, Buffer& out);
  bool (*set)(Engine& engine, std::string_view value, ConfigError& err);
};

// All settings, in CONFIG GET * order.
const ConfigSpec* config_specs(std::size_t& count);
const ConfigSpec* find_config(std::string_view name);

// Parses Redis memory units: "100", "1k" (1000), "1kb" (1024), "2mb", "1gb" (case-insensitive).
bool parse_memory(std::string_view s, std::uint64_t& out);

// Calls fn(address) for each address of a space-separated list (the `bind` setting), for adapters.
template <class Fn>
void for_each_bind_address(std::string_view list, Fn&& fn) {
  for (std::size_t i = 0; i < list.size();) {
    while (i < list.size() && list[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < list.size() && list[i] != ' ') ++i;
    if (i > start) fn(list.substr(start, i - start));
  }
}

}  // namespace microredis
