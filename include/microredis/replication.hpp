// Command propagation: what a write did to the dataset, as commands, for the replication stream
// and the append-only file (Redis's call()/alsoPropagate()/propagatePendingCommands()).
//
// While a top-level command runs (EXEC and the commands it runs included), every change is
// recorded as one pending operation: the command's own arguments when it changed the dataset
// (Engine::call), the rewrite a handler asked for (Context::propagate_as), the extra commands it
// added (Context::also_propagate), the DEL of a key expiry or eviction removed. When the
// top-level command ends the operations go out — wrapped in MULTI/EXEC when there are several —
// preceded by SELECT whenever the database differs from the one the stream selected last.
//
// No I/O: replicas are sessions (the stream is appended to their output); the AOF is a sink the
// application (adapter) provides. With neither, the engine records nothing: Engine::call tests one
// flag.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memory.hpp"

namespace microredis {

class Session;

// The replication id (40 hex digits) INFO, PSYNC and ROLE show: the first one derives from the
// engine seed; a replica takes its master's, and REPLICAOF NO ONE starts a new one.
std::string_view master_replid(std::uint64_t seed, char (&buf)[41]);

// The replica side: the state of the link to the master REPLICAOF names (Redis's repl_state).
enum class LinkState : std::uint8_t {
  none,        // a master: no link
  connect,     // a link is wanted: the adapter is asked to open one (Engine::wanted_master_link)
  connecting,  // the adapter is connecting
  handshake,   // connected: PING, [AUTH], REPLCONF, PSYNC sent, their replies being read
  transfer,    // receiving the RDB payload of a full resynchronization
  connected,   // applying the master's command stream
};

// The connection the engine wants the adapter to open (docs/adapters.md, "Master link").
struct MasterLinkRequest {
  std::string_view host;  // as REPLICAOF gave it: a name or an address
  int port = 0;
  std::uint64_t generation = 0;  // names this attempt in attach/failed calls
};

// Where the append-only file lives: the adapter provides it (a file, flash, memory). Every
// callback gets ctx. All are optional except append and load.
struct AofSink {
  void* ctx = nullptr;
  // Appends propagated commands (RESP) to the incremental part. false: the write failed.
  bool (*append)(void* ctx, std::string_view bytes) = nullptr;
  // Starts a new AOF: base (an RDB image, or commands) replaces everything, the incremental
  // part starts empty (BGREWRITEAOF, and turning appendonly on).
  bool (*rewrite)(void* ctx, std::string_view base) = nullptr;
  // Reads the AOF back: base and incremental part (DEBUG LOADAOF, start-up).
  bool (*load)(void* ctx, Buffer& base, Buffer& incremental) = nullptr;
  // Makes appended bytes durable (appendfsync always / everysec).
  void (*sync)(void* ctx) = nullptr;
};

// An AofSink kept in memory (tests, and hosts without storage that still want DEBUG LOADAOF).
class MemoryAof {
 public:
  explicit MemoryAof(Memory& mem) : base_(mem), incr_(mem) {}
  AofSink sink();
  std::string_view base() const { return base_.view(); }
  std::string_view incremental() const { return incr_.view(); }

 private:
  Buffer base_;
  Buffer incr_;
};

// The replica side: this engine's master and the state of the link to it. Allocated by REPLICAOF
// host port (Engine::set_master), freed by REPLICAOF NO ONE: a master spends no memory on it.
// Without MICROREDIS_WITH_MASTER_LINK it is never allocated.
struct MasterLink {
  explicit MasterLink(Memory& mem) : master_host(mem), stream_pending(mem), payload(mem) {}
  Buffer master_host;
  std::int64_t master_port = 0;
  LinkState link = LinkState::none;
  Session* master = nullptr;       // the link's session, from the handshake on
  std::uint8_t handshake_step = 0; // replies still awaited: see Engine::master_link_input
  Buffer stream_pending;           // stream bytes of a transaction not yet complete (EXEC pending)
  Buffer payload;                  // the RDB payload being received
  std::int64_t payload_size = -1;  // "$<len>": its length; -1: "$EOF:<mark>" (diskless)
  char eof_mark[40] = {};
  bool payload_started = false;    // the "$..." line has been read
  std::int64_t psync_offset = 0;   // +FULLRESYNC's offset
  std::int64_t read_offset = 0;    // slave_read_repl_offset: bytes of stream read
  std::int64_t down_since_ms = 0;  // when the link went down (0: never up)
  std::int64_t next_connect_ms = 0;
  std::int64_t last_ack_ms = 0;
  std::int64_t last_io_ms = 0;     // the master last sent something
};

struct ReplicaInfo {
  Session* session;
  std::int64_t ack_offset;   // REPLCONF ACK
  std::int64_t ack_time_ms;  // when the last ACK (or the sync) came
  std::int64_t listening_port;
};

class Replication {
 public:
  explicit Replication(Memory& mem)
      : waiters(mem), ops_(mem), bytes_(mem), rewrite_(mem),
        replicas_(mem) {}

  struct Op {
    int db;  // -1: no database (PING)
    std::size_t pos;
    std::size_t len;
    bool aof;  // false: for replicas only
  };
  // Records one command (RESP-encoded) for the running top-level command.
  bool add(int db, const std::string_view* argv, std::size_t argc, bool to_aof = true);
  std::size_t pending() const { return ops_.size(); }
  const Op& op(std::size_t i) const { return ops_[i]; }
  std::string_view bytes(const Op& o) const { return {bytes_.data() + o.pos, o.len}; }
  void clear() {
    ops_.clear();
    bytes_.clear();
  }
  static bool encode(Buffer& out, const std::string_view* argv, std::size_t argc);
  // The running command's rewrite (Context::propagate_as): recorded as an operation only if the
  // command changed the dataset, after what it propagated itself (Redis's rewritten argv).
  bool set_rewrite(int db, const std::string_view* argv, std::size_t argc) {
    rewrite_.clear();
    rewrite_db_ = db;
    has_rewrite_ = encode(rewrite_, argv, argc);
    return has_rewrite_;
  }
  bool take_rewrite(bool keep) {
    if (!has_rewrite_) return false;
    has_rewrite_ = false;
    if (!keep) return false;
    const std::size_t pos = bytes_.size();
    if (!bytes_.append(rewrite_.view()) || !ops_.push_back(Op{rewrite_db_, pos, rewrite_.size(), true})) {
      (void)bytes_.resize(pos);
      return false;
    }
    return true;
  }

  Vec<ReplicaInfo>& replicas() { return replicas_; }
  const Vec<ReplicaInfo>& replicas() const { return replicas_; }
  ReplicaInfo* find(const Session& s);

  std::int64_t offset = 0;         // master_repl_offset: bytes of stream produced
  int repl_db = -1;                // database the replication stream selected last
  int aof_db = -1;                 // ... and the AOF
  bool backlog_active = false;     // a replica has attached once (repl_backlog_active)
  std::int64_t last_ping_ms = 0;
  std::int64_t last_fsync_ms = 0;
  AofSink aof{};                   // appendonly: the sink (append set) while on
  bool aof_on = false;
  bool loading = false;            // replaying the AOF: nothing propagates
  std::uint64_t aof_rewrites = 0;

  // Replication ids: the current one (set by the engine at start), and the previous one with the
  // offset up to which it is valid (after REPLICAOF NO ONE).
  char replid[41] = {};
  char replid2[41] = "0000000000000000000000000000000000000000";
  std::int64_t second_offset = -1;

  // --- replica side (REPLICAOF) ---
  MasterLink* master_link = nullptr;  // nullptr: a master (allocated by REPLICAOF host port)
  std::uint64_t generation = 0;    // bumped for every new attempt: stale adapter calls are ignored
  bool getack_pending = false;     // a WAIT blocked: replicas are asked for an ACK

  // WAIT: sessions blocked until replicas acknowledge an offset.
  struct Waiter {
    Session* session;
    std::int64_t offset;
    std::int64_t replicas;
  };
  Vec<Waiter> waiters;

 private:
  Vec<Op> ops_;
  Buffer bytes_;
  Buffer rewrite_;
  int rewrite_db_ = 0;
  bool has_rewrite_ = false;
  Vec<ReplicaInfo> replicas_;
};

}  // namespace microredis
