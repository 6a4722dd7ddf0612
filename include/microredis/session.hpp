// A session is one client connection's state, independent of any transport. The adapter feeds it
// the bytes it reads, writes out the bytes it exposes, and closes the transport when it asks.
//
//   feed(bytes)          consume input; complete commands run at once (any split of the stream gives
//                        the same result, so pipelining needs nothing special)
//   pending_output()     bytes to send; consume_output(n) once n of them went out (any chunk size)
//   want_close()         close the transport once pending output is written (QUIT, protocol error,
//                        CLIENT KILL, idle timeout, client eviction)
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "command.hpp"
#include "memory.hpp"
#include "resp/parser.hpp"
#include "resp/reply.hpp"
#include "resp/writer.hpp"
#include "store/keyspace.hpp"
#include "blocking.hpp"
#include "pubsub.hpp"
#include "tracking.hpp"
#include "transaction.hpp"

namespace microredis {

class Engine;

// What a session is waiting for instead of reading its next command.
enum class BlockReason : std::uint8_t {
  none,
  sleep,  // DEBUG SLEEP: until the deadline
  keys,   // a blocking command: until a key gets data, or the deadline (0: none) passes
  pause,  // CLIENT PAUSE holds its command: until the pause ends (the command stays in the input)
  wait,   // WAIT: until enough replicas acknowledged its writes, or the deadline (0: none) passes
};

// State few connections ever use, in one block a session allocates on first use and frees once it
// is back to its initial state, so that an idle connection stays small (see Session::ensure_extras).
struct SessionExtras {
  explicit SessionExtras(Memory& mem);
  // Nothing in it is in use: the block can go.
  bool unused() const;

  Transaction tx;
  Vec<WatchRegistry::Node*> watched;
  Vec<PubSub::Node*> subs[kSubscriptionKinds];
  BlockedCommand blocked;
  Tracking::State tracking;
  Buffer name;
  Buffer lib_name;
  Buffer lib_ver;
};

class Session {
 public:
  Session(Engine& engine, std::uint64_t id);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // --- input ---
  // Consumes bytes, running every complete command. Bytes that cannot run yet (an incomplete
  // command, or any input while the session is blocked) are kept.
  void feed(std::string_view bytes);
  void feed(const char* data, std::size_t len) { feed(std::string_view(data, len)); }
  // Zero-copy input: a writable region of at least min_size bytes at the end of the input buffer;
  // read into it, then commit_input(n). Empty when memory ran out (the session then wants close).
  char* input_space(std::size_t min_size, std::size_t& available);
  void commit_input(std::size_t n);
  // The space input_space() gave is not being read into any more (the read found nothing): the
  // session may free the buffer again when idle (see release_idle_buffers()).
  void drop_input_space() { input_lent_ = false; }
  // commit_input() in two steps, for adapters that read several connections per wake-up before
  // running any of them: receive_input(n) only takes the bytes; run_input() runs what is buffered.
  // In between, prefetch_input(p, step) for step = 0 .. kInputPrefetchSteps - 1, each step taken
  // for every received session before the next, starts loading what the first buffered command
  // will touch: its key's bucket, then its entry, then (a command on a member of a big hash, set or
  // sorted set) the member's bucket, then the member. Each step reads only what the step before
  // requested, so the misses of all the wake-up's commands overlap instead of stalling each command
  // in turn. Hints only: nothing changes, whatever the input.
  struct InputPrefetch {
    std::string_view key;
    std::string_view second;  // the argument after the key, and the last one (a sorted set's member)
    std::string_view last;
    std::uint64_t hash = 0;
    Db::MemberHint member;
    bool member_hinted = false;
  };
  static constexpr int kInputPrefetchSteps = 4;
  void receive_input(std::size_t n);
  void run_input();
  void prefetch_input(InputPrefetch& p, int step) const;
  // Starts loading the session object itself: an adapter woken for several connections calls it
  // for all of them before serving the first, so that their misses overlap.
  void prefetch() const {
    for (std::size_t at = 0; at < sizeof(Session); at += 64) MICROREDIS_PREFETCH(reinterpret_cast<const char*>(this) + at);
  }
  // Runs buffered commands (after a block ends). The engine calls it; adapters need not.
  void process_input();

  // --- output ---
  std::string_view pending_output() const { return {out_.data() + out_pos_, visible_output_end() - out_pos_}; }
  bool has_output() const { return visible_output_end() > out_pos_; }
  void consume_output(std::size_t n);

  // --- state the adapter acts on ---
  bool want_close() const { return close_now_ || (close_after_reply_ && !has_output() && !output_held()); }
  // False while the session will not process more input (blocked, or closing): the adapter may
  // stop reading to apply backpressure.
  bool want_read() const { return !close_now_ && !close_after_reply_ && block_ == BlockReason::none; }
  bool blocked() const { return block_ != BlockReason::none; }

  // --- identity (CLIENT LIST / INFO) ---
  std::uint64_t id() const { return id_; }
  void set_peer(std::string_view addr, std::string_view local_addr);
  std::string_view peer() const { return peer_.view(); }
  std::string_view local_addr() const { return local_addr_.view(); }
  std::string_view name() const { return extras_ != nullptr ? extras_->name.view() : std::string_view(); }
  [[nodiscard]] bool set_name(std::string_view name);
  int protocol() const { return writer_.protocol(); }
  void set_protocol(int p) { writer_.set_protocol(p); }
  int db_index() const { return db_; }
  void select_db(int db) { db_ = db; }
  bool authenticated() const { return authenticated_; }
  void set_authenticated(bool a) { authenticated_ = a; }
  std::string_view lib_name() const { return extras_ != nullptr ? extras_->lib_name.view() : std::string_view(); }
  std::string_view lib_ver() const { return extras_ != nullptr ? extras_->lib_ver.view() : std::string_view(); }
  [[nodiscard]] bool set_lib_info(std::string_view name, std::string_view ver);
  // Application data for the adapter (its connection object).
  void* user_data() const { return user_data_; }
  void set_user_data(void* p) { user_data_ = p; }
  // The transport's descriptor for CLIENT LIST's fd= field (-1: none, as Redis's fake clients).
  void set_fd(int fd) { fd_ = fd; }
  int fd() const { return fd_; }
  // Unix socket connections show as "unix" in CLIENT LIST and skip some address fields.
  void set_unix_socket(bool v) { unix_socket_ = v; }
  bool unix_socket() const { return unix_socket_; }

  // --- used by commands and the engine ---
  Engine& engine() { return *engine_; }
  Writer& writer() { return writer_; }
  // Ask the adapter to close once the pending output is written (QUIT).
  void close_after_reply() { close_after_reply_ = true; }
  // Ask the adapter to close now, discarding pending output (CLIENT KILL, limits, client eviction).
  void close_now() { close_now_ = true; }
  bool closing() const { return close_now_ || close_after_reply_; }
  // CLIENT REPLY ON / OFF / SKIP: SKIP sets skip_next, which becomes skip for the next command.
  enum class ReplyMode : std::uint8_t { on, off, skip_next, skip };
  void set_reply_mode(ReplyMode m) {
    reply_mode_ = m;
    writer_.set_muted(m == ReplyMode::off || m == ReplyMode::skip);
  }
  ReplyMode reply_mode() const { return reply_mode_; }
  bool no_evict() const { return no_evict_; }
  void set_no_evict(bool v) { no_evict_ = v; }
  // MONITOR mode: the session receives every command the engine runs (Engine::monitor).
  bool monitoring() const { return monitoring_; }
  void set_monitoring(bool v) { monitoring_ = v; }
  // A replica (SYNC/PSYNC): its output is the replication stream (Engine::add_replica).
  bool replica() const { return replica_; }
  void set_replica(bool v) { replica_ = v; }
  // The link to this engine's master (Engine::attach_master_link): its input is the master's
  // handshake replies, the RDB payload, then the command stream, applied without replies.
  bool master_link() const { return MICROREDIS_WITH_MASTER_LINK && master_link_; }
  void set_master_link(bool v) { master_link_ = v; }
  // True while a command runs through execute(): it has no input buffer to wait in, so
  // CLIENT PAUSE never holds it (as Redis never pauses its own fake clients).
  bool executing_directly() const { return direct_; }

  // Blocks the session until deadline_us (0: no deadline); the engine's tick() ends a block whose
  // deadline passed. Blocks on keys go through Context::block_on_keys.
  void block_until(BlockReason why, std::int64_t deadline_us);
  void unblock();
  BlockReason block_reason() const { return block_; }
  std::int64_t block_deadline_us() const { return block_deadline_us_; }

  // --- state in the extras block (SessionExtras) ---
  // The accessors below that return a reference need the block: they are used only once
  // ensure_extras() succeeded (MULTI, WATCH, SUBSCRIBE, a block on keys, CLIENT TRACKING ON,
  // CLIENT SETNAME...) or where that state is known to be in use; the queries work always.
  bool has_extras() const { return extras_ != nullptr; }
  // Allocates the block if there is none: false when out of memory.
  [[nodiscard]] bool ensure_extras();
  // Frees the block when nothing in it is in use (the engine calls it after a command).
  void release_extras_if_unused() {
    if (MICROREDIS_UNLIKELY(extras_ != nullptr) && !in_exec_ && block_ != BlockReason::keys && extras_->unused()) {
      free_extras();
    }
  }

  BlockedCommand& blocked_command() { return extras_->blocked; }
  // The blocked command runs again because a key got data (and, while it runs, whether it
  // blocked again for lack of it).
  bool rerunning_blocked() const { return extras_ != nullptr && extras_->blocked.rerun; }
  bool blocks_again() const { return extras_ != nullptr && extras_->blocked.blocks_again; }

  // --- transactions ---
  Transaction& transaction() { return extras_->tx; }
  bool in_multi() const { return extras_ != nullptr && extras_->tx.active(); }
  // The union of the queued commands' flags (0 outside MULTI).
  std::uint32_t transaction_flags() const { return extras_ != nullptr ? extras_->tx.flags() : 0; }
  // The union of the flags some queued command lacks (0 outside MULTI).
  std::uint32_t transaction_missing_flags() const { return extras_ != nullptr ? extras_->tx.missing_flags() : 0; }
  // Back to no transaction (DISCARD, EXEC, RESET); nothing to do without one.
  void discard_transaction() {
    if (extras_ != nullptr) extras_->tx.clear();
  }
  // True while EXEC runs the queued commands (blocking commands do not block then).
  bool in_exec() const { return in_exec_; }
  void set_in_exec(bool v) { in_exec_ = v; }
  // The session a script engine runs its scripts' commands on (Redis's CLIENT_SCRIPT): commands
  // that behave differently for scripts (XREAD BLOCK, SORT BY <constant>) ask it.
  bool script_client() const { return script_client_; }
  void set_script_client(bool v) { script_client_ = v; }
  Vec<WatchRegistry::Node*>& watched_keys() { return extras_->watched; }
  std::size_t watched_count() const { return extras_ != nullptr ? extras_->watched.size() : 0; }
  // A watched key was written: the next EXEC fails.
  void mark_watch_dirty() { watch_dirty_ = true; }
  void clear_watch_dirty() { watch_dirty_ = false; }
  bool watch_dirty() const { return watch_dirty_; }

  // --- pub/sub ---
  Vec<PubSub::Node*>& subscriptions(SubscriptionKind kind) { return extras_->subs[static_cast<int>(kind)]; }
  std::size_t subscription_count(SubscriptionKind kind) const {
    return extras_ != nullptr ? extras_->subs[static_cast<int>(kind)].size() : 0;
  }
  // Channels plus patterns: the count SUBSCRIBE/PSUBSCRIBE replies carry.
  std::size_t channel_and_pattern_count() const {
    return subscription_count(SubscriptionKind::channel) + subscription_count(SubscriptionKind::pattern);
  }
  // Subscribed to anything: RESP2 sessions are then in the restricted pub/sub context.
  bool in_pubsub() const { return channel_and_pattern_count() + subscription_count(SubscriptionKind::shard) > 0; }

  // --- client-side caching (CLIENT TRACKING) ---
  Tracking::State& tracking() { return extras_->tracking; }
  // nullptr when the session never used client-side caching.
  const Tracking::State* tracking_state() const { return extras_ != nullptr ? &extras_->tracking : nullptr; }
  bool tracking_enabled() const { return extras_ != nullptr && extras_->tracking.enabled; }
  // CLIENT CACHING YES/NO applies to the next command only.
  bool tracking_caching() const { return extras_ != nullptr && extras_->tracking.caching; }
  void end_tracking_caching() {
    if (MICROREDIS_UNLIKELY(extras_ != nullptr)) extras_->tracking.caching = false;
  }

  // --- delayed replies (fault injection for tests) ---
  // Output written from now on stays out of pending_output() until released: by the engine's
  // tick() once the clock reaches deadline_us, or after `ticks` ticks (0: not by that rule), or by
  // release_output(). A second hold while held keeps the first position and the later release.
  void hold_output(std::int64_t deadline_us, std::uint32_t ticks);
  void release_output() { hold_at_ = kNoHold; }
  bool output_held() const { return hold_at_ != kNoHold; }
  // Called by tick(): counts a tick, releases when due (then true). next_us is lowered to the
  // hold's deadline while it holds.
  bool tick_output_hold(std::int64_t now_us, std::int64_t& next_us);

  // Runs one command on this session and returns its reply (for sessions not attached to a
  // transport: Engine::execute, the in-process client, tests).
  Reply execute(const std::string_view* argv, std::size_t argc);
  Reply execute(std::initializer_list<std::string_view> args) { return execute(args.begin(), args.size()); }

  // Timestamps (ms) for CLIENT LIST age/idle and the idle timeout.
  std::int64_t created_ms() const { return created_ms_; }
  std::int64_t last_interaction_ms() const { return last_interaction_ms_; }
  void set_last_interaction_ms(std::int64_t ms) { last_interaction_ms_ = ms; }
  std::string_view last_command() const { return last_cmd_; }
  // name: a command table's name (kept as a view: the table outlives the session).
  void set_last_command(std::string_view name) { last_cmd_ = name; }
  // Bytes buffered on each side (CLIENT LIST qbuf/omem).
  std::size_t query_buffer_size() const { return in_.size() - in_pos_; }
  std::size_t query_buffer_capacity() const { return in_.capacity(); }
  // Frees the input and output buffers when they hold nothing (Redis's clientsCron frees an idle
  // client's query buffer): an idle connection keeps only its Session. The next read or reply
  // allocates them again. The input buffer stays while input_space() is handed out uncommitted.
  void release_idle_buffers();
  std::size_t output_buffer_size() const { return out_.size() - out_pos_; }
  std::size_t output_buffer_capacity() const { return out_.capacity(); }
  std::uint64_t commands_processed() const { return commands_processed_; }
  void count_command() { ++commands_processed_; }
  // Bytes this session holds: the session itself, its buffers, queued MULTI commands, watched keys,
  // subscriptions, tracking prefixes, a blocked command (CLIENT LIST tot-mem, maxmemory-clients).
  // O(1): sizes and capacities only, never a walk over keys or channels.
  std::size_t memory_usage() const;
  // What this session last added to the engine's client memory total (Engine::client_memory()).
  std::size_t counted_memory = 0;
  std::uint64_t net_input_bytes() const { return net_in_; }
  std::uint64_t net_output_bytes() const { return net_out_; }
  // REPLCONF listening-port, kept for INFO replication once the session is a replica.
  std::int64_t replica_listening_port = 0;
  // master_repl_offset after this session's last command (Redis's woff): what WAIT waits for.
  std::int64_t write_offset = 0;
  // Since when the output buffer has been over the soft limit (0: it is not).
  std::int64_t soft_limit_since_ms = 0;

  // Intrusive list links (engine's session list).
  Session* prev = nullptr;
  Session* next = nullptr;

 private:
  // Parses and runs commands from data[0..len); returns the bytes consumed.
  std::size_t run_commands(const char* data, std::size_t len);
  void protocol_error();
  void compact_input();
  // Runs the commands of a batch parsed ahead from input offset pos; returns the offset after the
  // last one consumed.
  std::size_t run_batch(const ParsedBatch& batch, std::size_t pos);
  std::size_t visible_output_end() const { return out_.size() < hold_at_ ? out_.size() : hold_at_; }
  void free_extras();
  static constexpr std::size_t kNoHold = ~std::size_t{0};

  Engine* engine_;
  std::uint64_t id_;
  RequestParser parser_;
  Buffer in_;
  std::size_t in_pos_ = 0;  // bytes of in_ already consumed
  Buffer out_;
  std::size_t out_pos_ = 0;  // bytes of out_ already sent
  std::size_t hold_at_ = kNoHold;  // output from here on is held (hold_output)
  std::int64_t hold_deadline_us_ = 0;
  std::uint32_t hold_ticks_ = 0;
  Writer writer_;
  SessionExtras* extras_ = nullptr;
  Buffer peer_;
  Buffer local_addr_;
  void* user_data_ = nullptr;
  int fd_ = -1;
  int db_ = 0;
  bool authenticated_ = false;
  bool close_after_reply_ = false;
  bool close_now_ = false;
  bool unix_socket_ = false;
  bool no_evict_ = false;
  bool monitoring_ = false;
  bool replica_ = false;
  bool master_link_ = false;
  bool direct_ = false;
  bool in_feed_ = false;
  bool input_lent_ = false;  // input_space() handed out, not yet committed
  bool in_exec_ = false;
  bool script_client_ = false;
  bool watch_dirty_ = false;
  ReplyMode reply_mode_ = ReplyMode::on;
  BlockReason block_ = BlockReason::none;
  std::int64_t block_deadline_us_ = 0;
  std::int64_t created_ms_ = 0;
  std::int64_t last_interaction_ms_ = 0;
  std::uint64_t commands_processed_ = 0;
  std::uint64_t net_in_ = 0;
  std::uint64_t net_out_ = 0;
  std::string_view last_cmd_;
};

}  // namespace microredis
