// Replication commands: the master side (SYNC PSYNC REPLCONF), the replica side (REPLICAOF
// SLAVEOF) and the AOF's (BGREWRITEAOF).
// The stream itself is the engine's (replication.hpp): these commands attach sessions to it.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {
namespace replication_cmds {

// SYNC / PSYNC <replid> <offset>: always a full resynchronization (there is no backlog to
// continue from): PSYNC answers "+FULLRESYNC <replid> <offset>", then both send "$<len>\r\n" and
// the RDB image, then the command stream.
inline void sync(Context& c) {
  Session& s = c.session;
  if (s.replica()) return;  // already attached: ignored, as Redis does
  // The stream must start right after the payload: replies still to be sent for earlier
  // pipelined commands would sit in between (Redis refuses the same way).
  if (s.output_buffer_size() != 0) return c.out.error(Status::sync_pending_output);
  // A replica hands out its master's data: only while it has it.
  if (c.engine.is_replica() && !c.engine.master_streaming()) return c.out.error(Status::no_master_link);
  const bool psync = c.argc >= 3;
  const std::size_t mark = c.out.buffer().size();
  if (psync) {
    char num[kLongLongChars];
    const std::int64_t offset = c.engine.replication().offset;
    c.out.raw("+FULLRESYNC ");
    c.out.raw({c.engine.replication().replid, 40});
    c.out.raw(" ");
    c.out.raw({num, format_int64(num, offset)});
    c.out.raw("\r\n");
  }
  if (!c.engine.add_replica(s)) {
    (void)c.out.buffer().resize(mark);
    c.out.error(Status::replica_sync_failed);
  }
}

// REPLCONF <option> <value> ...: what a replica tells its master. ACK carries no reply.
inline void replconf(Context& c) {
  if (c.argc % 2 == 0) return c.out.error(Status::syntax);
  for (std::size_t i = 1; i < c.argc; i += 2) {
    const std::string_view opt = c.arg(i);
    std::int64_t v = 0;
    if (iequals(opt, "listening-port")) {
      if (!parse_int64(c.arg(i + 1), v)) return c.out.error(Status::not_integer);
      c.session.replica_listening_port = v;
    } else if (iequals(opt, "ack")) {
      if (!c.session.replica()) return;
      if (parse_int64(c.arg(i + 1), v)) c.engine.replica_ack(c.session, v);
      return;
    } else if (iequals(opt, "getack")) {
      // Only a replica answers, to its master, past the master link's muted replies.
#if MICROREDIS_WITH_MASTER_LINK
      if (c.session.master_link()) c.engine.send_ack();
#endif
      return;
    } else if (iequals(opt, "capa") || iequals(opt, "ip-address") || iequals(opt, "rdb-only") ||
               iequals(opt, "rdb-filter-only")) {
      // Capabilities are hints: the stream is the same for every replica.
    } else {
      return c.out.error(Status::replconf_option, opt);
    }
  }
  c.out.ok();
}

// REPLICAOF host port | NO ONE (and its old name SLAVEOF): the replica side. The engine asks the
// adapter for the connection (Engine::set_master); a transport that cannot open one refuses.
inline void replicaof(Context& c) {
  if (iequals(c.arg(1), "no") && iequals(c.arg(2), "one")) {
    c.engine.unset_master();
    return c.out.ok();
  }
  // Becoming a replica would drop the replicas, this client among them.
  if (c.session.replica()) return c.out.error(Status::replicaof_from_replica);
  std::int64_t port = 0;
  if (!parse_int64(c.arg(2), port) || port < 0 || port > 65535) return c.out.error(Status::invalid_master_port);
  const MasterLink* m = c.engine.master_link();
  if (m != nullptr && iequals(m->master_host.view(), c.arg(1)) && m->master_port == port) {
    return c.out.simple("OK Already connected to specified master");
  }
  if (!c.engine.can_open_master_link()) return c.out.error(Status::replicaof_no_transport);
#if MICROREDIS_WITH_MASTER_LINK
  if (!c.engine.set_master(c.arg(1), port)) return c.out.error(Status::oom);
  c.out.ok();
#endif
}

// BGREWRITEAOF: the base is written at once, through the host's AOF sink.
inline void bgrewriteaof(Context& c) {
  if (!c.engine.has_aof_sink()) return c.out.error(Status::no_persistence, "BGREWRITEAOF");
  if (!c.engine.rewrite_aof()) return c.out.error(Status::aof_rewrite_failed);
  c.out.simple("Background append only file rewriting started");
}

constexpr std::uint32_t kSyncFlags = kAdmin | kNoscript | kNoAsyncLoading | kNoMulti;

const CommandSpec kCommands[] = {
    {"sync", 1, kSyncFlags, 0, 0, 0, sync, "server", "An internal command used in replication.", "1.0.0", "",
     "", kAclAdmin | kAclSlow | kAclDangerous},
    {"psync", -3, kSyncFlags, 0, 0, 0, sync, "server", "An internal command used in replication.", "2.8.0", "",
     "replicationid offset", kAclAdmin | kAclSlow | kAclDangerous},
    {"replconf", -1, kAdmin | kNoscript | kLoading | kStale | kAllowBusy, 0, 0, 0, replconf, "server",
     "An internal command for configuring the replication stream.", "3.0.0", "O(1)", "",
     kAclAdmin | kAclSlow | kAclDangerous},
    {"replicaof", 3, kAdmin | kNoscript | kStale | kNoAsyncLoading, 0, 0, 0, replicaof, "server",
     "Configures a server as replica of another, or promotes it to a master.", "5.0.0", "O(1)", "host port",
     kAclAdmin | kAclSlow | kAclDangerous},
    {"slaveof", 3, kAdmin | kNoscript | kStale | kNoAsyncLoading, 0, 0, 0, replicaof, "server",
     "Makes the server a replica of another, or a master again (deprecated: REPLICAOF).", "1.0.0", "O(1)",
     "host port", kAclAdmin | kAclSlow | kAclDangerous},
    {"bgrewriteaof", 1, kAdmin | kNoscript | kNoAsyncLoading, 0, 0, 0, bgrewriteaof, "server",
     "Asynchronously rewrites the append-only file to disk.", "1.0.0", "O(1)", "",
     kAclAdmin | kAclSlow | kAclDangerous},
};

}  // namespace replication_cmds

MICROREDIS_INLINE bool register_replication_commands(CommandTable& t) { return t.add(replication_cmds::kCommands); }

}  // namespace microredis
