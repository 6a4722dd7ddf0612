// INFO [section ...]: Redis 7.0's sections, selection rules ("default", "all", "everything",
// case-insensitive names) and line format, with values the engine actually knows.
//
// What is reported, and what is not:
//   - Facts the engine holds (memory accounting, counters, settings, sessions, keyspace) are
//     reported under Redis's field names.
//   - Facts that are true by construction of microredis (no persistence, no replication, no
//     cluster, no forks, no modules) are reported with their constant values (aof_enabled:0,
//     role:master, connected_slaves:0, cluster_enabled:0, ...): clients and tools read them.
//   - Facts only the host knows (process_id, os, executable, CPU usage) come from the adapter's
//     Engine::set_info_provider hook; without one they are omitted, and so is the CPU section.
//   - avg_ttl is 0: Redis estimates it while sampling during active expiry; microredis does not.
//   - Latencystats is absent: the engine keeps no latency histograms.
#include <cstdio>

#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/util/hash.hpp"
#include "microredis/version.hpp"

namespace microredis {
namespace info_cmds {

// Appends "name:value\r\n" lines to a Buffer.
struct Lines {
  Buffer& b;
  bool ok = true;
  void raw(std::string_view v) { ok = b.append(v) && ok; }
  void str(std::string_view name, std::string_view v) {
    raw(name);
    raw(":");
    raw(v);
    raw("\r\n");
  }
  void i(std::string_view name, std::int64_t v) {
    char buf[kLongLongChars];
    str(name, {buf, format_int64(buf, v)});
  }
  void u(std::string_view name, std::uint64_t v) {
    char buf[kLongLongChars];
    str(name, {buf, format_uint64(buf, v)});
  }
  // A fixed-point field: "%.2f" of v, then suffix ("%" for used_memory_peak_perc).
  void fixed2(std::string_view name, double v, std::string_view suffix = {}) {
    char buf[64];
    std::size_t n = print_double(buf, sizeof buf - 8, v, 'f', 2);
    if (n > sizeof buf - 9) n = 0;
    for (char ch : suffix) buf[n++] = ch;
    str(name, {buf, n});
  }
};

// Redis's bytesToHuman: 1023B, 1.00K, 2.50M, ...
inline std::string_view bytes_to_human(char* buf, std::size_t cap, std::uint64_t n) {
  static constexpr char kUnits[] = "KMGTP";
  int len;
  // 64-bit integers through format_uint64: newlib-nano's printf (firmware) has no %llu.
  if (n < 1024) {
    len = static_cast<int>(format_uint64(buf, n));
    buf[len++] = 'B';
  } else {
    double d = static_cast<double>(n) / 1024;
    int unit = 0;
    while (d >= 1024 && unit < 4) {
      d /= 1024;
      ++unit;
    }
    if (d >= 1024) {
      len = static_cast<int>(format_uint64(buf, n));
      buf[len++] = 'B';
    } else {
      len = static_cast<int>(print_double(buf, cap - 1, d, 'f', 2));
      buf[len++] = kUnits[unit];
    }
  }
  return {buf, len > 0 ? static_cast<std::size_t>(len) : 0};
}

// Names inside INFO lines must not break the "key:value" format (Redis's getSafeInfoString).
inline void safe_name(Lines& out, std::string_view s) {
  for (char ch : s) {
    char c = (ch == '#' || ch == ':' || ch == '\n' || ch == '\r') ? '_' : ch;
    out.raw({&c, 1});
  }
}

// --- sections ------------------------------------------------------------------------------

inline void section_server(Context& c, Lines& o) {
  const Engine& e = c.engine;
  const std::int64_t uptime = (c.now_us() - e.start_time_us()) / 1'000'000;
  char id[41];
  o.raw("# Server\r\n");
  o.str("redis_version", MICROREDIS_REDIS_COMPAT_VERSION);
  o.str("microredis_version", MICROREDIS_VERSION_STRING);
  o.str("redis_mode", "standalone");
  o.i("arch_bits", static_cast<std::int64_t>(sizeof(void*) * 8));
  o.str("run_id", hex_id(id, e.run_id_seed(), 0x72756e5f6964ull));
  o.i("tcp_port", e.settings().port);
  o.i("server_time_usec", c.now_us());
  o.i("uptime_in_seconds", uptime);
  o.i("uptime_in_days", uptime / (3600 * 24));
  o.i("hz", e.settings().hz);
  o.i("configured_hz", e.settings().hz);
  o.u("lru_clock", lru_clock(c.now_ms()));
  (void)e.host_info("server", o.b);
}

inline void section_cpu(Context& c, Lines& o) {
  o.raw("# CPU\r\n");
  (void)c.engine.host_info("cpu", o.b);
}


inline void section_clients(Context& c, Lines& o) {
  std::uint64_t connected = 0, blocked = 0, max_in = 0, max_out = 0, in_timeout_table = 0;
  for (const Session* s = c.engine.first_session(); s != nullptr; s = s->next) {
    if (s->want_close()) continue;  // closed as soon as the adapter looks at it
    ++connected;
    if (s->blocked()) ++blocked;
    // Redis's timeout table: clients blocked on keys or in WAIT with a timeout.
    if ((s->block_reason() == BlockReason::keys || s->block_reason() == BlockReason::wait) &&
        s->block_deadline_us() != 0) {
      ++in_timeout_table;
    }
    if (s->query_buffer_size() > max_in) max_in = s->query_buffer_size();
    if (s->output_buffer_size() > max_out) max_out = s->output_buffer_size();
  }
  o.raw("# Clients\r\n");
  o.u("connected_clients", connected);
  o.i("cluster_connections", 0);
  o.i("maxclients", c.engine.settings().maxclients);
  o.u("client_recent_max_input_buffer", max_in);
  o.u("client_recent_max_output_buffer", max_out);
  o.u("blocked_clients", blocked);
  o.u("tracking_clients", c.engine.tracking().tracking_clients());
  o.u("clients_in_timeout_table", in_timeout_table);
}

inline void section_memory(Context& c, Lines& o) {
  const Memory& m = c.engine.memory();
  const Settings& st = c.engine.settings();
  // Redis's split: replicas on one side, every other client (the master link included) on the other.
  std::uint64_t clients = 0, replicas = 0;
  for (const Session* s = c.engine.first_session(); s != nullptr; s = s->next) {
    (s->replica() ? replicas : clients) += s->memory_usage();
  }
  char h[32];
  o.raw("# Memory\r\n");
  o.u("used_memory", m.used());
  o.str("used_memory_human", bytes_to_human(h, sizeof h, m.used()));
  o.u("used_memory_peak", m.peak());
  o.str("used_memory_peak_human", bytes_to_human(h, sizeof h, m.peak()));
  o.fixed2("used_memory_peak_perc",
           m.peak() ? 100.0 * static_cast<double>(m.used()) / static_cast<double>(m.peak()) : 0.0, "%");
  // Functions (functions.hpp): the host's libraries; none without one.
  FunctionHost::Stats fn;
  if (const FunctionHost* host = c.engine.function_host()) fn = host->stats();
  o.u("used_memory_lua", fn.eval_vm_memory);  // Redis keeps this older name of used_memory_vm_eval
  o.u("used_memory_vm_eval", fn.eval_vm_memory);
  o.str("used_memory_lua_human", bytes_to_human(h, sizeof h, fn.eval_vm_memory));
  o.u("used_memory_scripts_eval", fn.eval_overhead);
  o.u("number_of_cached_scripts", fn.cached_scripts);
  o.u("number_of_functions", fn.functions);
  o.u("number_of_libraries", fn.libraries);
  o.u("used_memory_vm_functions", fn.vm_memory);
  o.u("used_memory_vm_total", fn.eval_vm_memory + fn.vm_memory);
  o.str("used_memory_vm_total_human", bytes_to_human(h, sizeof h, fn.eval_vm_memory + fn.vm_memory));
  o.u("used_memory_functions", fn.overhead);
  o.u("used_memory_scripts", fn.eval_overhead + fn.overhead);
  o.str("used_memory_scripts_human", bytes_to_human(h, sizeof h, fn.eval_overhead + fn.overhead));
  o.u("maxmemory", st.maxmemory);
  o.str("maxmemory_human", bytes_to_human(h, sizeof h, st.maxmemory));
  Buffer policy(c.mem());
  if (const ConfigSpec* spec = find_config("maxmemory-policy")) spec->get(c.engine, policy);
  o.str("maxmemory_policy", policy.view());
  o.u("mem_clients_slaves", replicas);
  o.u("mem_clients_normal", clients);
  // Redis leaves replica output and AOF buffers out of the eviction limit; microredis has neither.
  o.u("mem_not_counted_for_evict", 0);
  // Every free happens at once, in the command or tick that drops the value (UNLINK, FLUSHALL
  // ASYNC and the lazyfree-* settings included): nothing is pending or freed in the background.
  o.i("lazyfree_pending_objects", 0);
  o.i("lazyfreed_objects", 0);
}

inline void section_persistence(Context& c, Lines& o) {
  // Nothing is ever saved or loaded: these are the values of a server that never persisted.
  o.raw("# Persistence\r\n");
  o.i("loading", 0);
  o.i("async_loading", 0);
  o.u("rdb_changes_since_last_save", c.engine.dirty());
  o.i("rdb_bgsave_in_progress", 0);
  o.i("rdb_last_save_time", 0);
  o.str("rdb_last_bgsave_status", "ok");
  o.i("rdb_last_bgsave_time_sec", -1);
  o.i("rdb_current_bgsave_time_sec", -1);
  o.i("rdb_saves", 0);
  o.i("aof_enabled", 0);
  o.i("aof_rewrite_in_progress", 0);
  o.i("aof_rewrite_scheduled", 0);
  o.i("aof_last_rewrite_time_sec", -1);
  o.i("aof_current_rewrite_time_sec", -1);
  o.str("aof_last_bgrewrite_status", "ok");
  o.i("aof_rewrites", 0);
  o.str("aof_last_write_status", "ok");
  o.i("module_fork_in_progress", 0);
}

inline void section_stats(Context& c, Lines& o) {
  const EngineStats& st = c.engine.stats();
  const KeyspaceShared& ks = c.engine.keyspace();
  o.raw("# Stats\r\n");
  o.u("total_connections_received", st.connections_received);
  o.u("total_commands_processed", st.commands_processed);
  o.u("instantaneous_ops_per_sec", st.instantaneous_ops);
  o.u("total_net_input_bytes", st.net_input_bytes);
  o.u("total_net_output_bytes", st.net_output_bytes);
  o.u("rejected_connections", st.rejected_connections);
  o.i("sync_full", 0);
  o.i("sync_partial_ok", 0);
  o.i("sync_partial_err", 0);
  o.u("expired_keys", ks.expired_keys);
  o.u("evicted_keys", ks.evicted_keys);
  o.u("evicted_clients", c.engine.stats().evicted_clients);
  o.u("keyspace_hits", ks.keyspace_hits);
  o.u("keyspace_misses", ks.keyspace_misses);
  o.u("pubsub_channels", c.engine.pubsub().count(SubscriptionKind::channel));
  o.u("pubsub_patterns", c.engine.pubsub().count(SubscriptionKind::pattern));
  o.u("pubsubshard_channels", c.engine.pubsub().count(SubscriptionKind::shard));
  o.u("tracking_total_keys", c.engine.tracking().total_keys());
  o.u("tracking_total_items", c.engine.tracking().total_items());
  o.u("tracking_total_prefixes", c.engine.tracking().total_prefixes());
  o.i("latest_fork_usec", 0);
  o.i("total_forks", 0);
  o.u("unexpected_error_replies", st.unexpected_error_replies);
  o.u("total_error_replies", st.error_replies);
  // Redis 7.4 names for counters the engine keeps.
  o.u("client_query_buffer_limit_disconnections", st.client_query_buffer_limit_disconnections);
  o.u("client_output_buffer_limit_disconnections", st.client_output_buffer_limit_disconnections);
}

inline void section_replication(Context& c, Lines& o) {
  const Replication& r = c.engine.replication();
  o.raw("# Replication\r\n");
  const MasterLink* link = c.engine.master_link();
  o.str("role", link == nullptr ? "master" : "slave");
  if (link != nullptr) {
    const MasterLink& m = *link;
    const Settings& st = c.engine.settings();
    const bool up = m.link == LinkState::connected;
    const std::int64_t now_s = c.now_ms() / 1000;
    o.str("master_host", m.master_host.view());
    o.i("master_port", m.master_port);
    o.str("master_link_status", up ? "up" : "down");
    o.i("master_last_io_seconds_ago", m.master != nullptr ? now_s - m.master->last_interaction_ms() / 1000 : -1);
    o.i("master_sync_in_progress", m.link == LinkState::transfer ? 1 : 0);
    o.i("slave_read_repl_offset", m.master != nullptr ? m.read_offset : 1);
    o.i("slave_repl_offset", m.master != nullptr ? r.offset : 1);
    if (m.link == LinkState::transfer) {
      const std::int64_t total = m.payload_size < 0 ? -1 : m.payload_size;
      const auto read = static_cast<std::int64_t>(m.payload.size());
      o.i("master_sync_total_bytes", total);
      o.i("master_sync_read_bytes", read);
      o.i("master_sync_left_bytes", total - read);
      char perc[32];
      const int n = std::snprintf(perc, sizeof perc, "%.2f",
                                  total > 0 ? static_cast<double>(read) * 100.0 / static_cast<double>(total) : 0.0);
      o.str("master_sync_perc", {perc, n > 0 ? static_cast<std::size_t>(n) : 0});
      o.i("master_sync_last_io_seconds_ago", now_s - m.last_io_ms / 1000);
    }
    if (!up) o.i("master_link_down_since_seconds", m.down_since_ms != 0 ? now_s - m.down_since_ms / 1000 : -1);
    o.i("slave_priority", st.replica_priority);
    o.i("slave_read_only", st.replica_read_only ? 1 : 0);
    o.i("replica_announced", st.replica_announced ? 1 : 0);
  }
  o.i("connected_slaves", static_cast<std::int64_t>(r.replicas().size()));
  if (c.engine.settings().min_replicas_to_write != 0 && c.engine.settings().min_replicas_max_lag != 0) {
    o.i("min_slaves_good_slaves", static_cast<std::int64_t>(c.engine.good_replicas()));
  }
  std::size_t n = 0;
  for (const ReplicaInfo& ri : r.replicas()) {
    // slave<N>:ip=<ip>,port=<listening port>,state=online,offset=<acked>,lag=<seconds since ack>
    std::string_view peer = ri.session->peer();
    const std::size_t colon = peer.rfind(':');
    if (colon != std::string_view::npos) peer = peer.substr(0, colon);
    char buf[160];
    int len = std::snprintf(buf, sizeof buf, "slave%zu:ip=%.*s,port=%lld,state=online,offset=%lld,lag=%lld\r\n", n++,
                            static_cast<int>(peer.size() < 64 ? peer.size() : 64), peer.data(),
                            static_cast<long long>(ri.session->replica_listening_port),
                            static_cast<long long>(ri.ack_offset),
                            static_cast<long long>((c.now_ms() - ri.ack_time_ms) / 1000));
    o.raw({buf, len > 0 ? static_cast<std::size_t>(len) : 0});
  }
  o.str("master_failover_state", "no-failover");
  o.str("master_replid", {r.replid, 40});
  o.str("master_replid2", {r.replid2, 40});
  o.i("master_repl_offset", r.offset);
  o.i("second_repl_offset", r.second_offset);
  o.i("repl_backlog_active", r.backlog_active ? 1 : 0);
}

inline void section_modules(Context&, Lines& o) { o.raw("# Modules\r\n"); }

inline void command_stat_line(Context& c, Lines& o, CommandRef ref) {
  const CommandStats& st = c.engine.command_stats(ref.id);
  if (st.calls == 0 && st.failed_calls == 0 && st.rejected_calls == 0) return;
  char buf[kLongLongChars];
  float per_call = st.calls == 0 ? 0.0f : static_cast<float>(st.usec) / static_cast<float>(st.calls);
  o.raw("cmdstat_");
  safe_name(o, ref.spec->name());
  o.raw(":calls=");
  o.raw({buf, format_uint64(buf, st.calls)});
  o.raw(",usec=");
  o.raw({buf, format_uint64(buf, st.usec)});
  char per_call_text[64];
  const auto n =
      static_cast<int>(print_double(per_call_text, sizeof per_call_text, static_cast<double>(per_call), 'f', 2));
  o.raw(",usec_per_call=");
  o.raw({per_call_text, n > 0 && n < 64 ? static_cast<std::size_t>(n) : 0});
  o.raw(",rejected_calls=");
  o.raw({buf, format_uint64(buf, st.rejected_calls)});
  o.raw(",failed_calls=");
  o.raw({buf, format_uint64(buf, st.failed_calls)});
  o.raw("\r\n");
}

inline void section_commandstats(Context& c, Lines& o) {
  o.raw("# Commandstats\r\n");
  const CommandTable& t = c.engine.commands();
  for (std::size_t i = 0; i < t.size(); ++i) {
    CommandRef ref = t.at(i);
    command_stat_line(c, o, ref);
    for (std::size_t j = 0; j < ref.spec->subcommand_count; ++j) {
      command_stat_line(c, o, CommandRef{&ref.spec->subcommands[j], ref.id + 1 + static_cast<CommandId>(j)});
    }
  }
}

inline void section_errorstats(Context& c, Lines& o) {
  o.raw("# Errorstats\r\n");
  std::size_t n = 0;
  const ErrorStat* stats = c.engine.error_stats(n);
  // Redis lists error codes in byte order (they live in a radix tree).
  const ErrorStat* sorted[128];
  std::size_t count = 0;
  for (std::size_t i = 0; i < n && count < 128; ++i) {
    std::string_view code(stats[i].code, stats[i].len);
    std::size_t pos = count;
    while (pos > 0 && std::string_view(sorted[pos - 1]->code, sorted[pos - 1]->len) > code) {
      sorted[pos] = sorted[pos - 1];
      --pos;
    }
    sorted[pos] = &stats[i];
    ++count;
  }
  for (std::size_t i = 0; i < count; ++i) {
    o.raw("errorstat_");
    safe_name(o, {sorted[i]->code, sorted[i]->len});
    char buf[kLongLongChars];
    o.raw(":count=");
    o.raw({buf, format_uint64(buf, sorted[i]->count)});
    o.raw("\r\n");
  }
}

inline void section_cluster(Context&, Lines& o) {
  o.raw("# Cluster\r\n");
  o.i("cluster_enabled", 0);
}

inline void section_keyspace(Context& c, Lines& o) {
  o.raw("# Keyspace\r\n");
  for (int i = 0; i < c.engine.db_count(); ++i) {
    const Db& db = c.engine.db(i);
    if (db.size() == 0 && db.volatile_count() == 0) continue;
    char buf[kLongLongChars];
    o.raw("db");
    o.raw({buf, format_uint64(buf, static_cast<std::uint64_t>(i))});
    o.raw(":keys=");
    o.raw({buf, format_uint64(buf, db.size())});
    o.raw(",expires=");
    o.raw({buf, format_uint64(buf, db.volatile_count())});
    o.raw(",avg_ttl=0\r\n");
  }
}

struct Section {
  std::string_view name;
  std::string_view alias;  // "modules" also selects module_list
  bool in_default;
  void (*render)(Context&, Lines&);
};

// In Redis's output order.
inline constexpr Section kSections[] = {
    {"server", {}, true, section_server},
    {"clients", {}, true, section_clients},
    {"memory", {}, true, section_memory},
    {"persistence", {}, true, section_persistence},
    {"stats", {}, true, section_stats},
    {"replication", {}, true, section_replication},
    {"cpu", {}, true, section_cpu},
    {"module_list", "modules", true, section_modules},
    {"commandstats", {}, false, section_commandstats},
    {"errorstats", {}, true, section_errorstats},
    {"cluster", {}, true, section_cluster},
    {"keyspace", {}, true, section_keyspace},
};

inline bool requested(const Context& c, const Section& s, bool all, bool defaults) {
  if (all || (defaults && s.in_default)) return true;
  for (std::size_t i = 1; i < c.argc; ++i) {
    if (iequals(c.arg(i), s.name) || (!s.alias.empty() && iequals(c.arg(i), s.alias))) return true;
  }
  return false;
}

inline void info(Context& c) {
  bool all = false, defaults = c.argc == 1;
  for (std::size_t i = 1; i < c.argc; ++i) {
    if (iequals(c.arg(i), "all") || iequals(c.arg(i), "everything")) all = true;
    if (iequals(c.arg(i), "default")) defaults = true;
  }
  Buffer text(c.mem());
  Lines out{text};
  bool first = true;
  for (const Section& s : kSections) {
    if (!requested(c, s, all, defaults)) continue;
    if (s.render == section_cpu && !c.engine.has_info_provider()) continue;
    if (!first) out.raw("\r\n");
    first = false;
    s.render(c, out);
  }
  if (!out.ok) return c.out.error(Status::oom);
  c.out.verbatim(text.view());
}

inline const CommandSpec kCommands[] = {
    {"info", -1, kLoading | kStale, 0, 0, 0, info, "server", "Returns information and statistics about the server.",
     "1.0.0", "O(1)", "[section [section ...]]", kAclDangerous},
};

}  // namespace info_cmds

MICROREDIS_INLINE bool register_info_commands(CommandTable& table) { return table.add(info_cmds::kCommands); }

}  // namespace microredis
