// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, from the engine's own accounting
// (every byte it holds goes through Memory), so the figures are exact rather than estimated.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {
namespace memory_cmds {

// What a key costs: its entry block, what the value holds outside it, and its share of the
// table (one pointer and one tag byte per slot).
inline std::size_t key_usage(const Entry& e) { return e.alloc_size() + value_memory(e) + sizeof(void*) + 1; }

inline void memory_usage(Context& c) {
  // SAMPLES is accepted as Redis does; sizes here are exact, so no sampling happens.
  for (std::size_t i = 3; i < c.argc; ++i) {
    if (iequals(c.arg(i), "SAMPLES") && i + 1 < c.argc) {
      std::int64_t samples = 0;
      if (!parse_int64(c.arg(i + 1), samples)) return c.out.error(Status::not_integer);
      if (samples < 0) return c.out.error(Status::syntax);
      ++i;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  const Entry* e = c.db.find_raw(c.arg(2));
  if (e == nullptr) return c.out.null();
  c.out.integer(static_cast<std::int64_t>(key_usage(*e)));
}

inline std::size_t clients_memory(const Engine& engine) {
  std::size_t total = 0;
  for (const Session* s = engine.first_session(); s != nullptr; s = s->next) {
    total += sizeof(Session) + s->query_buffer_capacity() + s->output_buffer_capacity();
  }
  return total;
}

inline void memory_stats(Context& c) {
  const Engine& e = c.engine;
  const std::size_t used = e.memory().used();
  const std::size_t peak = e.memory().peak();
  const std::size_t startup = e.startup_memory();
  const std::size_t clients = clients_memory(e);
  std::size_t overhead = startup + clients;
  std::size_t keys = 0;
  int dbs_with_keys = 0;
  for (int i = 0; i < e.db_count(); ++i) {
    const Db& db = e.db(i);
    if (db.size() == 0) continue;
    ++dbs_with_keys;
    keys += db.size();
    overhead += db.table_overhead();
  }
  const std::size_t dataset = used > overhead ? used - overhead : 0;
  const std::size_t net = used > startup ? used - startup : 0;
  Writer& w = c.out;
  w.map(16 + static_cast<std::size_t>(dbs_with_keys));
  w.bulk("peak.allocated");
  w.integer(static_cast<std::int64_t>(peak));
  w.bulk("total.allocated");
  w.integer(static_cast<std::int64_t>(used));
  w.bulk("startup.allocated");
  w.integer(static_cast<std::int64_t>(startup));
  w.bulk("replication.backlog");
  w.integer(0);
  w.bulk("clients.slaves");
  w.integer(0);
  w.bulk("clients.normal");
  w.integer(static_cast<std::int64_t>(clients));
  w.bulk("aof.buffer");
  w.integer(0);
  w.bulk("lua.caches");
  w.integer(0);
  w.bulk("functions.caches");
  const FunctionHost* functions = e.function_host();
  w.integer(functions != nullptr ? static_cast<std::int64_t>(functions->stats().overhead) : 0);
  for (int i = 0; i < e.db_count(); ++i) {
    const Db& db = e.db(i);
    if (db.size() == 0) continue;
    char name[24];
    std::size_t n = 3;
    std::memcpy(name, "db.", 3);
    n += format_int64(name + n, i);
    w.bulk({name, n});
    w.map(2);
    w.bulk("overhead.hashtable.main");
    w.integer(static_cast<std::int64_t>(db.table_overhead()));
    // Expire times live in the entries: there is no second table.
    w.bulk("overhead.hashtable.expires");
    w.integer(0);
  }
  w.bulk("overhead.total");
  w.integer(static_cast<std::int64_t>(overhead));
  w.bulk("keys.count");
  w.integer(static_cast<std::int64_t>(keys));
  w.bulk("keys.bytes-per-key");
  w.integer(keys ? static_cast<std::int64_t>(net / keys) : 0);
  w.bulk("dataset.bytes");
  w.integer(static_cast<std::int64_t>(dataset));
  w.bulk("dataset.percentage");
  w.dbl(net ? 100.0 * static_cast<double>(dataset) / static_cast<double>(net) : 0.0);
  w.bulk("peak.percentage");
  w.dbl(peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0.0);
  w.bulk("fragmentation");
  // The engine counts requested bytes; what the allocator keeps beyond them is the host's to tell.
  w.dbl(1.0);
}

inline void memory_doctor(Context& c) {
  c.out.verbatim(
      "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this "
      "base.");
}

inline void memory_malloc_stats(Context& c) { c.out.verbatim("Stats not supported for the current allocator"); }

inline void memory_purge(Context& c) { c.out.ok(); }

inline void memory_help(Context& c) {
  c.reply_help({"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.", "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
                "    Return information about the memory usage of the server.", "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

inline const CommandSpec kMemorySubcommands[] = {
    {"memory|usage", -3, kReadonly, 2, 2, 1, memory_usage, "server", "Estimates the memory usage of a key.", "4.0.0",
     "O(N) where N is the number of samples.", "key [SAMPLES count]", kAclKeyspace},
    {"memory|stats", 2, 0, 0, 0, 0, memory_stats, "server", "Returns details about memory usage.", "4.0.0", "O(1)", ""},
    {"memory|doctor", 2, 0, 0, 0, 0, memory_doctor, "server", "Outputs a memory problems report.", "4.0.0", "O(1)",
     ""},
    {"memory|malloc-stats", 2, 0, 0, 0, 0, memory_malloc_stats, "server", "Returns the allocator statistics.",
     "4.0.0", "Depends on how much memory is allocated, could be slow", ""},
    {"memory|purge", 2, 0, 0, 0, 0, memory_purge, "server", "Asks the allocator to release memory.", "4.0.0",
     "Depends on how much memory is allocated, could be slow", ""},
    {"memory|help", 2, kLoading | kStale, 0, 0, 0, memory_help, "server",
     "Returns helpful text about the different subcommands.", "4.0.0", "O(1)", ""},
};

inline const CommandSpec kCommands[] = {
    {"memory", -2, 0, 0, 0, 0, nullptr, "server", "A container for memory diagnostics commands.", "4.0.0",
     "Depends on subcommand.", "", 0, kMemorySubcommands, sizeof kMemorySubcommands / sizeof kMemorySubcommands[0]},
};

}  // namespace memory_cmds

MICROREDIS_INLINE bool register_memory_commands(CommandTable& table) { return table.add(memory_cmds::kCommands); }

}  // namespace microredis
