#include <map>
#include <string>

#include "harness.hpp"

using namespace mrtest;

namespace {

// "field:value" lines of an INFO reply.
std::map<std::string, std::string> info_fields(const Reply& r) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  const std::string& s = r.str;
  while (start < s.size()) {
    std::size_t end = s.find("\r\n", start);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(start, end - start);
    std::size_t colon = line.find(':');
    if (!line.empty() && line[0] != '#' && colon != std::string::npos) out[line.substr(0, colon)] = line.substr(colon + 1);
    start = end + 2;
  }
  return out;
}

std::vector<std::string> headers(const Reply& r) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = r.str.find("# ", pos)) != std::string::npos) {
    std::size_t end = r.str.find("\r\n", pos);
    out.push_back(r.str.substr(pos + 2, end - pos - 2));
    pos = end;
  }
  return out;
}

std::string field(Harness& h, std::initializer_list<std::string_view> cmd, const std::string& name) {
  auto f = info_fields(h.run(cmd));
  auto it = f.find(name);
  return it == f.end() ? "<missing>" : it->second;
}

}  // namespace

TEST_SUITE("info") {
  TEST_CASE("default, all and everything select sections as Redis 7.0") {
    Harness h;
    std::vector<std::string> defaults = {"Server",      "Clients", "Memory",     "Persistence", "Stats",
                                         "Replication", "Modules", "Errorstats", "Cluster",     "Keyspace"};
    CHECK(headers(h.run({"INFO"})) == defaults);
    CHECK(headers(h.run({"INFO", "default"})) == defaults);
    std::vector<std::string> all = {"Server",      "Clients", "Memory",       "Persistence", "Stats",  "Replication",
                                    "Modules",     "Commandstats", "Errorstats", "Cluster", "Keyspace"};
    CHECK(headers(h.run({"INFO", "all"})) == all);
    CHECK(headers(h.run({"INFO", "everything"})) == all);
    CHECK(headers(h.run({"INFO", "default", "commandstats"})) == all);
    CHECK(headers(h.run({"INFO", "commandSTATS"})) == std::vector<std::string>{"Commandstats"});
    CHECK(headers(h.run({"INFO", "keyspace", "SERVER"})) == std::vector<std::string>{"Server", "Keyspace"});
    CHECK(headers(h.run({"INFO", "modules"})) == std::vector<std::string>{"Modules"});
    CHECK(headers(h.run({"INFO", "server", "server"})) == std::vector<std::string>{"Server"});
    // Sections are separated by an empty line; the text ends with the last line's CRLF.
    Reply two = h.run({"INFO", "cluster", "keyspace"});
    CHECK(two == bulk("# Cluster\r\ncluster_enabled:0\r\n\r\n# Keyspace\r\n"));
    // Unknown sections, and the CPU section the core cannot measure, are empty.
    CHECK(h.run({"INFO", "nosuchsection"}) == bulk(""));
    CHECK(h.run({"INFO", "cpu"}) == bulk(""));
    CHECK(h.run({"INFO", "latencystats"}) == bulk(""));
  }

  TEST_CASE("INFO is a verbatim string in RESP3") {
    Harness h;
    (void)h.run({"HELLO", "3"});
    Reply r = h.run({"INFO", "cluster"});
    CHECK(r.type == Reply::Type::verbatim);
    CHECK(r.str == "# Cluster\r\ncluster_enabled:0\r\n");
  }

  TEST_CASE("server section") {
    Harness h;
    auto f = info_fields(h.run({"INFO", "server"}));
    CHECK(f["redis_version"] == MICROREDIS_REDIS_COMPAT_VERSION);
    CHECK(f["microredis_version"] == MICROREDIS_VERSION_STRING);
    CHECK(f["redis_mode"] == "standalone");
    CHECK(f["run_id"].size() == 40);
    CHECK(f["run_id"].find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(f["tcp_port"] == "6379");
    CHECK(f["hz"] == "10");
    CHECK(f["uptime_in_seconds"] == "0");
    CHECK(f["server_time_usec"] == std::to_string(h.clock.now_us()));
    CHECK(f.count("process_id") == 0);  // the core cannot know it
    h.clock.advance_ms(2 * 86400 * 1000 + 1500);
    f = info_fields(h.run({"INFO", "server"}));
    CHECK(f["uptime_in_seconds"] == std::to_string(2 * 86400 + 1));
    CHECK(f["uptime_in_days"] == "2");
    CHECK(f["lru_clock"] == std::to_string((h.clock.now_ms() / 1000) & ((1 << 24) - 1)));
    // Another engine, another id.
    Harness other(7);
    CHECK(info_fields(other.run({"INFO", "server"}))["run_id"] != info_fields(h.run({"INFO", "server"}))["run_id"]);
  }

  TEST_CASE("clients section") {
    Harness h;
    CHECK(field(h, {"INFO", "clients"}, "connected_clients") == "1");
    microredis::Session* a = h.engine.open_session();
    microredis::Session* b = h.engine.open_session();
    CHECK(field(h, {"INFO", "clients"}, "connected_clients") == "3");
    CHECK(field(h, {"INFO", "clients"}, "maxclients") == "10000");
    CHECK(field(h, {"INFO", "clients"}, "blocked_clients") == "0");
    a->feed("*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n5\r\n");
    CHECK(field(h, {"INFO", "clients"}, "blocked_clients") == "1");
    b->close_now();  // killed: no longer a client
    CHECK(field(h, {"INFO", "clients"}, "connected_clients") == "2");
    h.engine.close_session(a);
    h.engine.close_session(b);
  }

  TEST_CASE("memory section") {
    Harness h;
    auto f = info_fields(h.run({"INFO", "memory"}));
    CHECK(std::stoull(f["used_memory"]) > 0);
    CHECK(std::stoull(f["used_memory_peak"]) >= std::stoull(f["used_memory"]));
    CHECK(f["maxmemory"] == "0");
    CHECK(f["maxmemory_human"] == "0B");
    CHECK(f["maxmemory_policy"] == "noeviction");
    CHECK(f["used_memory_peak_perc"].back() == '%');
    // Frees are never deferred: nothing pending, nothing freed in the background (Redis 7.0 fields).
    CHECK(f["lazyfree_pending_objects"] == "0");
    CHECK(f["lazyfreed_objects"] == "0");
    struct Case {
      const char* set;
      const char* human;
    } cases[] = {{"1023", "1023B"}, {"1024", "1.00K"}, {"1536", "1.50K"}, {"1mb", "1.00M"}, {"3gb", "3.00G"},
                 {"1099511627776", "1.00T"}};
    for (const Case& c : cases) {
      CHECK(h.run({"CONFIG", "SET", "maxmemory", c.set}) == ok());
      CHECK(field(h, {"INFO", "memory"}, "maxmemory_human") == c.human);
    }
    CHECK(h.run({"CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "allkeys-lru"}) == ok());
    CHECK(field(h, {"INFO", "memory"}, "maxmemory_policy") == "allkeys-lru");
  }

  TEST_CASE("persistence and replication sections tell that nothing is saved or replicated") {
    Harness h;
    auto f = info_fields(h.run({"INFO", "persistence"}));
    CHECK(f["loading"] == "0");
    CHECK(f["aof_enabled"] == "0");
    CHECK(f["rdb_bgsave_in_progress"] == "0");
    CHECK(f["rdb_last_save_time"] == "0");
    CHECK(f["rdb_changes_since_last_save"] == "0");
    CHECK(h.run({"DEBUG", "POPULATE", "3"}) == ok());
    CHECK(field(h, {"INFO", "persistence"}, "rdb_changes_since_last_save") == "3");
    f = info_fields(h.run({"INFO", "replication"}));
    CHECK(f["role"] == "master");
    CHECK(f["connected_slaves"] == "0");
    CHECK(f["master_replid"].size() == 40);
    CHECK(f["master_repl_offset"] == "0");
  }

  TEST_CASE("stats section") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    h.engine.close_session(s);
    auto f = info_fields(h.run({"INFO", "stats"}));
    CHECK(f["total_connections_received"] == "1");  // the engine's own session does not count
    CHECK(f["total_commands_processed"] == "0");    // counted after the command
    CHECK(f["total_error_replies"] == "0");
    (void)h.run({"CLIENT", "SETNAME", "a b"});
    (void)h.run({"NOSUCHCOMMAND"});
    f = info_fields(h.run({"INFO", "stats"}));
    CHECK(f["total_commands_processed"] == "2");  // INFO and CLIENT SETNAME; unknown commands do not count
    CHECK(f["total_error_replies"] == "2");
    CHECK(f["expired_keys"] == "0");
    CHECK(f["evicted_keys"] == "0");
    CHECK(f["keyspace_hits"] == "0");
    CHECK(f["keyspace_misses"] == "0");
    CHECK(f["sync_full"] == "0");
  }

  TEST_CASE("commandstats and errorstats") {
    Harness h;
    (void)h.run({"CLIENT", "ID"});
    (void)h.run({"CLIENT", "ID"});
    (void)h.run({"CLIENT", "SETNAME"});          // rejected: arity
    (void)h.run({"CLIENT", "NOSUCH"});           // rejected: the container counts it
    (void)h.run({"CLIENT", "SETNAME", "a b"});   // failed
    (void)h.run({"DEBUG", "ERROR", "MYERR boom"});
    (void)h.run({"DEBUG", "ERROR", "ABC x"});
    auto f = info_fields(h.run({"INFO", "commandstats"}));
    CHECK(f["cmdstat_client|id"] == "calls=2,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0");
    CHECK(f["cmdstat_client|setname"] == "calls=1,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=1");
    CHECK(f["cmdstat_client"] == "calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0");
    CHECK(f["cmdstat_debug"] == "calls=2,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=2");
    CHECK(f.count("cmdstat_ping") == 0);  // commands never called are not listed

    Reply errors = h.run({"INFO", "errorstats"});
    // Codes in byte order.
    CHECK(errors == bulk("# Errorstats\r\nerrorstat_ABC:count=1\r\nerrorstat_ERR:count=3\r\n"
                         "errorstat_MYERR:count=1\r\n"));
    CHECK(field(h, {"INFO", "stats"}, "total_error_replies") == "5");

    CHECK(h.run({"CONFIG", "RESETSTAT"}) == ok());
    CHECK(h.run({"INFO", "errorstats"}) == bulk("# Errorstats\r\n"));
    f = info_fields(h.run({"INFO", "commandstats"}));
    CHECK(f.count("cmdstat_client|id") == 0);
    // RESETSTAT itself is counted once it has run, as in Redis.
    CHECK(f["cmdstat_config|resetstat"] == "calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0");
    CHECK(f["cmdstat_info"] == "calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0");
  }

  TEST_CASE("command time is measured on the engine clock") {
    Harness h;
    microredis::Session* s = h.engine.open_session();
    (void)s->execute({"CLIENT", "ID"});
    // usec_per_call keeps two decimals.
    auto f = info_fields(h.run({"INFO", "commandstats"}));
    CHECK(f["cmdstat_client|id"].rfind("calls=1,usec=0,usec_per_call=0.00", 0) == 0);
    h.engine.close_session(s);
  }

  TEST_CASE("keyspace section") {
    Harness h;
    CHECK(h.run({"INFO", "keyspace"}) == bulk("# Keyspace\r\n"));
    CHECK(h.run({"DEBUG", "POPULATE", "3"}) == ok());
    CHECK(h.run({"SELECT", "12"}) == ok());
    CHECK(h.run({"DEBUG", "POPULATE", "2", "x"}) == ok());
    CHECK(h.run({"INFO", "keyspace"}) ==
          bulk("# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb12:keys=2,expires=0,avg_ttl=0\r\n"));
  }
}
