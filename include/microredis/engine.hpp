// The engine: databases, command table, settings, sessions. It owns no socket, thread or clock:
// adapters feed sessions, the application injects the clock and the allocator, and tick() does the
// time-driven work (active expiry, timeouts) and says when it wants to run next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "clock.hpp"
#include "pubsub.hpp"
#include "tracking.hpp"
#include "command.hpp"
#include "config.hpp"
#include "functions.hpp"
#include "memory.hpp"
#include "resp/reply.hpp"
#include "session.hpp"
#include "settings.hpp"
#include "store/keyspace.hpp"
#include "monitor.hpp"
#include "replication.hpp"
#include "transaction.hpp"
#include "util/random.hpp"

namespace microredis {

struct EngineOptions {
  // The time source. nullptr: std::chrono's system clock where the toolchain has one.
  const Clock* clock = nullptr;
  AllocatorHooks allocator = malloc_hooks();
  // Seeds hashing and every random choice; 0 derives one from the clock.
  std::uint64_t seed = 0;
  int databases = MICROREDIS_DEFAULT_DATABASES;
};

// Server-wide counters (INFO stats).
struct EngineStats {
  std::uint64_t connections_received = 0;
  std::uint64_t rejected_connections = 0;
  std::uint64_t commands_processed = 0;
  std::uint64_t net_input_bytes = 0;
  std::uint64_t net_output_bytes = 0;
  std::uint64_t error_replies = 0;
  std::uint64_t unexpected_error_replies = 0;
  std::uint64_t client_query_buffer_limit_disconnections = 0;
  std::uint64_t client_output_buffer_limit_disconnections = 0;
  std::uint64_t evicted_clients = 0;  // closed by maxmemory-clients
  std::uint64_t active_expire_cycles = 0;
  // instantaneous_ops_per_sec: commands over the last samples taken by tick().
  std::uint64_t ops_sample_commands = 0;
  std::int64_t ops_sample_time_us = 0;
  std::uint64_t instantaneous_ops = 0;
};

// What happened to a key, for a KeyObserver.
enum class KeyChange : std::uint8_t { write, expire, evict };

struct WriteCapture;  // engine.cpp: old values of the keys a running command may write

// Count per error code ("ERR", "WRONGTYPE", ...) for INFO errorstats.
struct ErrorStat {
  char code[32];
  std::uint8_t len;
  std::uint64_t count;
};

class Engine final : private KeyspaceObserver {
 public:
  explicit Engine(const EngineOptions& options = EngineOptions{});
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // --- sessions ---
  // A new session for a new connection. Past maxclients the session is born closing, with
  // Redis's "-ERR max number of clients reached" as its only output. nullptr only when out of memory.
  Session* open_session();
  void close_session(Session* s);
  std::size_t session_count() const { return session_count_; }
  Session* first_session() const { return sessions_; }
  Session* find_session(std::uint64_t id) const;

  // Called when a session other than the one running a command gets output or must close (CLIENT
  // KILL, an unblocked client, pub/sub). The listener must not feed or close sessions itself; it
  // tells the adapter to look at the session.
  using OutputListener = void (*)(void* ctx, Session& s);
  void set_output_listener(OutputListener fn, void* ctx) {
    listener_ = fn;
    listener_ctx_ = ctx;
  }
  void notify_output(Session& s) {
    if (listener_ != nullptr) listener_(listener_ctx_, s);
  }

  // Facts only the host knows (process id, CPU time, OS name) for INFO: the provider appends
  // "name:value\r\n" lines for section "server" (after the engine's own) and "cpu" (the whole
  // section body; without a provider INFO has no CPU section). Adapters set it.
  using InfoProvider = void (*)(void* ctx, std::string_view section, Buffer& out);
  void set_info_provider(InfoProvider fn, void* ctx) {
    info_provider_ = fn;
    info_ctx_ = ctx;
  }
  bool has_info_provider() const { return info_provider_ != nullptr; }
  bool host_info(std::string_view section, Buffer& out) const {
    if (info_provider_ == nullptr) return false;
    info_provider_(info_ctx_, section, out);
    return true;
  }

  // --- shutdown ---
  // SHUTDOWN records a request; the engine itself never exits. The listener (set by the adapter)
  // is called once, when the request is made: the adapter then stops its loop and closes every
  // connection. Without a listener, the application polls shutdown_requested().
  using ShutdownListener = void (*)(void* ctx);
  void set_shutdown_listener(ShutdownListener fn, void* ctx) {
    shutdown_listener_ = fn;
    shutdown_ctx_ = ctx;
  }
  void request_shutdown() {
    if (shutdown_requested_) return;
    shutdown_requested_ = true;
    if (shutdown_listener_ != nullptr) shutdown_listener_(shutdown_ctx_);
  }
  bool shutdown_requested() const { return shutdown_requested_; }

  // --- in-process use ---
  // Runs a command on the engine's own session (its SELECT/HELLO state persists across calls).
  Reply execute(std::initializer_list<std::string_view> args) { return execute(args.begin(), args.size()); }
  Reply execute(const std::string_view* argv, std::size_t argc);
  // The session execute() runs on, created on first use; nullptr only when out of memory.
  Session* default_session();
  // The session execute() runs on, if created (network clients cannot CLIENT KILL it).
  const Session* internal_session() const { return default_session_; }

  // --- time ---
  // Active expiry, blocked-session timeouts, idle timeouts, statistics. Returns the absolute time
  // (microseconds on the engine clock) by which tick() wants to run again.
  std::int64_t tick();
  // The earliest time tick() wants to run: what the last tick() returned, lowered by deadlines set
  // since (a session blocking with a timeout). Adapters arm their timer with it after every event.
  std::int64_t next_deadline_us() const { return next_deadline_us_; }
  void note_deadline(std::int64_t us) {
    if (us < next_deadline_us_) next_deadline_us_ = us;
  }
  // The time snapshot of the running command (ms and us on the engine clock).
  std::int64_t now_ms() const { return shared_.now_ms; }
  std::int64_t now_us() const { return now_us_; }
  // Commands run from one batch of input (Session's feed) read the clock once each, not twice: the
  // batch starts with a fresh snapshot, and a command's end time becomes the next one's snapshot.
  // begin_input_batch() returns what end_input_batch() restores (batches nest through unblocking).
  bool begin_input_batch() {
    const bool outer = in_input_batch_;
    if (!outer) refresh_time();
    in_input_batch_ = true;
    return outer;
  }
  void end_input_batch(bool outer) { in_input_batch_ = outer; }
  class InputBatch {
   public:
    explicit InputBatch(Engine& e) : engine_(e), outer_(e.begin_input_batch()) {}
    ~InputBatch() { engine_.end_input_batch(outer_); }
    InputBatch(const InputBatch&) = delete;
    InputBatch& operator=(const InputBatch&) = delete;

   private:
    Engine& engine_;
    bool outer_;
  };
  const Clock& clock() const { return *clock_; }
  std::int64_t start_time_us() const { return start_us_; }
  // Memory in use when construction finished (MEMORY STATS startup.allocated).
  std::size_t startup_memory() const { return startup_memory_; }

  // --- components ---
  Memory& memory() { return mem_; }
  const Memory& memory() const { return mem_; }
  Random& random() { return shared_.rng; }
  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }
  CommandTable& commands() { return commands_; }
  const CommandTable& commands() const { return commands_; }
  int db_count() const { return db_count_; }
  Db& db(int i) { return *dbs_[i]; }
  const Db& db(int i) const { return *dbs_[i]; }
  KeyspaceShared& keyspace() { return shared_; }
  const KeyspaceShared& keyspace() const { return shared_; }
  EngineStats& stats() { return stats_; }
  const EngineStats& stats() const { return stats_; }
  const CommandStats& command_stats(CommandId id) const {
    static constexpr CommandStats kNeverCalled{};
    const CommandStats* st = cmd_stats_.find(id);
    return st != nullptr ? *st : kNeverCalled;
  }
  void reset_stats();
  const ErrorStat* error_stats(std::size_t& count) const {
    count = error_stats_.size();
    return error_stats_.data();
  }
  std::uint64_t run_id_seed() const { return seed_; }

  // Applies the settings that other components mirror (eviction policy -> LFU mode).
  void apply_settings();
  // True when maxmemory is set and used memory is over it after trying to evict.
  bool over_memory_limit();

  // --- client eviction (maxmemory-clients) ---
  // The limit in bytes on the memory of normal and pub/sub sessions together (0: none): the
  // setting's bytes, or its percentage of maxmemory, at least 128 KB (Redis's floor, so that a bad
  // setting cannot cut every client off).
  std::size_t client_eviction_limit() const { return client_limit_; }
  // Bytes of the sessions that count towards the limit (only tracked while there is one).
  std::size_t client_memory() const { return client_memory_; }
  // A session's memory may have changed (its buffers, MULTI queue, watched keys, subscriptions):
  // O(1) while eviction is on, one test when off. Over the limit, the sessions using the most
  // memory are closed (marked to close; the adapter closes them) until the rest fit.
  void client_memory_changed(Session& s) {
    if (MICROREDIS_UNLIKELY(client_limit_ != 0)) account_client_memory(s);
  }
  // Counts every session again (the limit or a session's CLIENT NO-EVICT changed), then evicts.
  void recount_client_memory();

  // --- keyspace changes (called by commands through Context) ---
  void key_modified(Db& db, std::string_view key);
  void keyspace_event(Db& db, NotifyClass cls, std::string_view event, std::string_view key);
  // FLUSHDB / FLUSHALL call flushing(db) before emptying db; SWAPDB calls swapping(a, b) before
  // the swap: watched keys that exist count as written.
  void flushing(Db& db);
  void swapping(Db& a, Db& b);
  WatchRegistry& watches() { return *watches_ptr_; }

  // --- blocking commands (blocking.hpp) ---
  // Registers s, running cmd, on keys[0..n) of db; false when out of memory (s is then not blocked).
  [[nodiscard]] bool block_on_keys(Session& s, Db& db, CommandRef cmd, const std::string_view* argv,
                                   std::size_t argc, const std::string_view* keys, std::size_t n,
                                   std::int64_t deadline_us, TimeoutReply reply, ValueType wait_type);
  // Ends a block on keys without serving it: with the timeout reply, or with Redis's UNBLOCKED
  // error (CLIENT UNBLOCK ... ERROR). Input that waited behind the block runs next.
  void unblock_with_timeout(Session& s);
  void unblock_with_error(Session& s);
  std::size_t blocked_on_keys_count() const { return blocked_on_keys_; }

  // --- CLIENT PAUSE ---
  // What a pause holds: every command, or only those that may write or replicate (WRITE mode:
  // commands flagged write or may-replicate, and EXEC of a transaction holding one).
  enum class PauseMode : std::uint8_t { off, write, all };
  // Pauses clients until end_ms (engine clock); an earlier pause is extended and made stricter,
  // never shortened, as Redis's pauseClients. While paused, expiry and eviction delete nothing.
  void pause_clients(std::int64_t end_ms, PauseMode mode);
  // Ends the pause: held commands run again (and may be held again by a new pause).
  void unpause_clients();
  // The current pause, ended first if its time has passed.
  PauseMode pause_mode();
  std::int64_t pause_end_ms() const { return pause_end_ms_; }
  std::size_t paused_count() const { return paused_.size(); }

  // --- MONITOR ---
  // Makes s a monitor: it receives every command run afterwards (false when out of memory).
  [[nodiscard]] bool add_monitor(Session& s);
  void remove_monitor(Session& s);
  std::size_t monitor_count() const { return monitors_.size(); }
  // --- propagation: replication stream and AOF (replication.hpp) ---
  // True while a replica or the AOF listens: only then are writes recorded as commands.
  bool propagating() const { return propagating_; }
  // Records a command to propagate for the running command (in db; -1: no SELECT).
  void also_propagate(int db, const std::string_view* argv, std::size_t argc);
  Replication& replication() { return *repl_; }
  const Replication& replication() const { return *repl_; }
  // SYNC/PSYNC: s becomes a replica; the RDB image of the dataset ("$<len>\r\n<image>") is
  // appended to its output, then the stream. false when out of memory.
  [[nodiscard]] bool add_replica(Session& s);
  void remove_replica(Session& s);
  // REPLCONF ACK: the replica processed the stream up to offset; WAIT waiters may be answered.
  void replica_ack(Session& s, std::int64_t offset);
  // Replicas whose last ACK is at most min-replicas-max-lag seconds old.
  std::size_t good_replicas() const;
  // Replicas that acknowledged offset (WAIT).
  std::size_t replicas_acked(std::int64_t offset) const;
  // --- the replica side: REPLICAOF (docs/adapters.md, "Master link") ---
  // The engine runs the protocol; the adapter only opens the TCP connection the engine asks for
  // and moves its bytes like a client connection's. Without MICROREDIS_WITH_MASTER_LINK the
  // engine is always a master.
#if MICROREDIS_WITH_MASTER_LINK
  bool is_replica() const { return repl_->master_link != nullptr; }
  // The master and the link's state; nullptr on a master.
  const MasterLink* master_link() const { return repl_->master_link; }
#else
  static constexpr bool is_replica() { return false; }
  static constexpr const MasterLink* master_link() { return nullptr; }
#endif
  LinkState master_link_state() const { return is_replica() ? repl_->master_link->link : LinkState::none; }
  bool master_streaming() const { return master_link_state() == LinkState::connected; }
  // REPLICAOF NO ONE: a master again, keeping the data, under a new replication id (the old one
  // becomes replid2); the replicas of this engine are disconnected (they resynchronize).
  void unset_master();
#if MICROREDIS_WITH_MASTER_LINK
  // REPLICAOF host port: drops any link to another master and asks for one to host:port (blocked
  // clients are unblocked with an error, as Redis does). false when out of memory.
  [[nodiscard]] bool set_master(std::string_view host, std::int64_t port);
  // True when the engine wants the adapter to open a connection now (state connect, and the
  // retry delay after a failure has passed). The adapter then calls master_link_connecting(),
  // and attach_master_link() once connected or master_link_failed() if it could not connect.
  bool wanted_master_link(MasterLinkRequest& out) const;
  void master_link_connecting(std::uint64_t generation);
  void master_link_failed(std::uint64_t generation);
  // The connection is up: a new session for it, whose output holds the handshake. The adapter
  // serves it like a client's (feed what it reads, write its output, close_session when the
  // connection ends, which the engine takes as link loss). nullptr when generation is stale
  // (REPLICAOF changed since: close the connection) or memory ran out.
  Session* attach_master_link(std::uint64_t generation);
  // Called when a link is wanted (REPLICAOF, a lost link, the retry delay over): the adapter
  // looks at wanted_master_link(). A transport that sets none cannot open connections: REPLICAOF
  // host port is then refused (Status::replicaof_no_transport).
  using MasterLinkListener = void (*)(void* ctx);
  void set_master_link_listener(MasterLinkListener fn, void* ctx) {
    link_listener_ = fn;
    link_ctx_ = ctx;
  }
  // Session's input on the link before the stream starts: handshake replies, the RDB payload.
  // Returns the bytes consumed; the rest is the command stream once master_streaming().
  std::size_t master_link_input(Session& s, const char* data, std::size_t len);
  // A command of the master's stream was applied: counts the offset, forwards the bytes to this
  // engine's own replicas.
  void master_stream_applied(const char* data, std::size_t len);
  // REPLCONF ACK <offset> to the master (once a second, and for REPLCONF GETACK).
  void send_ack();
  // True when REPLICAOF host port can work: the adapter opens connections the engine asks for.
  bool can_open_master_link() const { return link_listener_ != nullptr; }
#else
  static constexpr bool can_open_master_link() { return false; }
#endif
  // WAIT: blocks s until `replicas` replicas acknowledged offset, or deadline_us (0: none). false
  // when out of memory.
  [[nodiscard]] bool wait_for_replicas(Session& s, std::int64_t offset, std::int64_t replicas,
                                       std::int64_t deadline_us);
  // The append-only file: the adapter's sink (nullptr: none; CONFIG SET appendonly yes is then
  // refused). Turning it on writes a fresh base (the RDB image) through the sink.
  void set_aof_sink(const AofSink* sink);
  bool has_aof_sink() const { return aof_sink_.append != nullptr; }
  bool set_appendonly(bool on);
  bool aof_enabled() const { return repl_->aof_on; }
  // BGREWRITEAOF: a fresh base of the dataset through the sink (done at once: no fork).
  bool rewrite_aof();
  // DEBUG LOADAOF: empties the dataset and replays the AOF the sink holds.
  bool load_aof();

  // --- SLOWLOG and the latency monitor ---
  SlowLog& slowlog() { return *slowlog_; }
  const SlowLog& slowlog() const { return *slowlog_; }
  LatencyMonitor& latency() { return *latency_; }
  const LatencyMonitor& latency() const { return *latency_; }
  const LatencyHistograms& latency_histograms() const { return *histograms_; }
  // latency-tracking: on keeps a histogram per command, created on its first call (see
  // LatencyHistograms); off frees them.
  void set_latency_tracking(bool on);

  // --- client-side caching ---
  Tracking& tracking() { return *tracking_; }
  const Tracking& tracking() const { return *tracking_; }

  // --- pub/sub ---
  PubSub& pubsub() { return *pubsub_; }
  const PubSub& pubsub() const { return *pubsub_; }
  // Delivers message to the subscribers of channel (and, for plain channels, of the patterns that
  // match it). Returns the number of deliveries (Redis's PUBLISH reply).
  std::size_t publish(SubscriptionKind kind, std::string_view channel, std::string_view message);
  // Drops all of s's subscriptions of a kind; with notify, s gets Redis's unsubscribe replies
  // (one per name, or one with a null name when there were none).
  std::size_t unsubscribe_all(Session& s, SubscriptionKind kind, bool notify);
  // The "[p|s]unsubscribe"-style reply for one name (null name when empty and none).
  void reply_subscription(Session& s, std::string_view verb, const std::string_view* name, std::size_t count);
  // Writes since start (Redis's server.dirty; INFO rdb_changes_since_last_save).
  std::uint64_t dirty() const { return dirty_; }
  void add_dirty(std::uint64_t n) { dirty_ += n; }

  // --- embedding hooks (adapters/inproc builds on them; unset, each costs one pointer test) ---
  // Called once per key a command wrote (after the command), and for every key expiry or eviction
  // deletes. `old` is the value before the change, valid only during the call; nullptr when the key
  // did not exist or, for writes, when old values were not asked for (or the key was written in
  // another database than the session's: COPY/MOVE targets). With old_values, every write command
  // deep-copies the current values of its key arguments first: O(size of those values).
  using KeyObserver = void (*)(void* ctx, KeyChange what, Db& db, std::string_view key, const Entry* old);
  void set_key_observer(KeyObserver fn, void* ctx, bool old_values);
  // Runs before every command handler (also inside EXEC and for a served blocked command). false:
  // do not run the handler; the filter has written the reply, or closed the session.
  using CommandFilter = bool (*)(void* ctx, Context& c);
  void set_command_filter(CommandFilter fn, void* ctx) {
    filter_ = fn;
    filter_ctx_ = ctx;
  }
  // Adds commands at run time (the application's own): they dispatch, show in COMMAND, COMMAND
  // INFO/DOCS and work over every adapter. The specs must outlive the engine. false when a name is
  // taken or memory ran out.
  bool add_commands(const CommandSpec* specs, std::size_t count);
  // Replaces this engine's data with a deep copy of other's: every database (values, TTLs),
  // the run-time settings CONFIG SET can change, and the random generator's state. Not copied:
  // sessions, subscriptions, blocked clients, watched keys, statistics, commands added at run
  // time. Watchers of this engine's keys see them as written. false when memory ran out.
  bool copy_data_from(const Engine& other);

  // --- long-running commands (Lua scripts: adapters/lua; docs/adapters.md "Busy scripts") ---
  // A command that runs long calls serve_while_busy(s, refusal) now and then (a script: every
  // 100,000 Lua instructions once busy-reply-threshold has passed). The first call enters busy
  // mode: until end_busy(), every command not flagged allow-busy is refused with refusal's error
  // (SCRIPT KILL, SHUTDOWN, MULTI/EXEC/DISCARD, AUTH, HELLO, QUIT still run). Each call then lets
  // the adapter's busy handler service its connections once without waiting: read and run their
  // commands, write their output, accept, close; but neither read nor write s, whose command is
  // still running, and no tick(). Without a handler, other clients wait until the command ends.
  using BusyHandler = void (*)(void* ctx, Session& busy);
  void set_busy_handler(BusyHandler fn, void* ctx) {
    busy_handler_ = fn;
    busy_ctx_ = ctx;
  }
  void serve_while_busy(Session& s, Status refusal);
  // DEBUG SLEEP inside EXEC or a script, where nothing else runs until the command ends anyway:
  // Redis's stops the whole server there, and so does microredis when the adapter installs a
  // way to wait (the POSIX server sleeps the thread; a test may advance its manual clock).
  // Without one it does not wait. Elsewhere DEBUG SLEEP blocks only its session.
  using SleepHandler = void (*)(void* ctx, std::int64_t us);
  void set_sleep_handler(SleepHandler fn, void* ctx) {
    sleep_handler_ = fn;
    sleep_ctx_ = ctx;
  }
  void sleep_in_command(std::int64_t us) {
    if (sleep_handler_ != nullptr && us > 0) sleep_handler_(sleep_ctx_, us);
  }
  void end_busy() { busy_session_ = nullptr; }
  Session* busy_session() const { return busy_session_; }
  // --- functions (functions.hpp) ---
  // The component that owns the function libraries (adapters/lua); nullptr: none (FUNCTION has
  // an empty registry). The host must outlive every command the engine runs.
  void set_function_host(FunctionHost* host) { function_host_ = host; }
  FunctionHost* function_host() const { return function_host_; }
  // Sends a command to the MONITOR sessions now (a script's EVAL before the commands it runs).
  void feed_monitors(Session& s, const std::string_view* argv, std::size_t argc, std::uint64_t redacted);

  // --- dispatch (called by Session) ---
  // Checks and runs (or queues, inside MULTI) one command.
  void dispatch(Session& s, const std::string_view* argv, std::size_t argc);
  // Runs a command that passed the checks: the handler, statistics, reply mode, output limits.
  // EXEC calls it for every queued command.
  void call(Session& s, CommandRef ref, const std::string_view* argv, std::size_t argc);
  // Counts protocol-level and network statistics.
  void count_error_reply(std::string_view code);
  // A command a component refused before running it (a script's redis.call of a command the
  // script may not run): the command's rejected_calls and the error's errorstats, as dispatch
  // counts its own refusals.
  void count_rejected_call(CommandRef ref, std::string_view error_code) {
    if (ref) {
      if (CommandStats* st = cmd_stats_.get(ref.id)) ++st->rejected_calls;
    }
    count_error_reply(error_code);
  }

 private:
  void on_key_removed(Db& db, const Entry& entry, KeyRemoval why) override;
  std::int64_t latency_start() const;
  void latency_sample(const char* event, std::int64_t start_us);
  // Records an event of the latency monitor when it took at least latency-monitor-threshold.
  void add_latency_sample(const char* event, std::int64_t duration_us);
  void on_key_added(Db& db, std::string_view key) override;
  void remember_keys(Session& s, const CommandSpec& spec, const std::string_view* argv, std::size_t argc);
  void mark_ready(Db& db, std::string_view key);
  void serve_ready_keys();
  void serve_blocked(Session& s);
  void release_block(Session& s);
  void deliver(Session& to, std::string_view kind, const std::string_view* pattern, std::string_view channel,
               std::string_view message);
  void unknown_command(Session& s, const std::string_view* argv, std::size_t argc, bool subcommand);
  // A command refused before running: counts it, fails a MULTI in progress, and for EXEC turns the
  // error into "EXECABORT Transaction discarded because of: ...".
  void reject(Session& s, CommandRef ref, std::size_t out_start);
  void refresh_time();
  // Feeds the slow log and the latency monitor with a command that took duration_us.
  void record_duration(Session& s, CommandRef ref, const std::string_view* argv, std::size_t argc,
                       std::int64_t duration_us);
  std::size_t evict_some();
  void capture_old_values(const CommandSpec& spec, Db& db, const std::string_view* argv, std::size_t argc);
  void report_writes(std::size_t old_mark, std::size_t written_mark);
  void free_capture();
  friend struct WriteCapture;
  void report_key_written_now(Db& db, std::string_view key);
  void check_output_limits(Session& s);
  bool evictable(const Session& s) const;
  void account_client_memory(Session& s);
  void uncount_client_memory(Session& s) {
    client_memory_ -= s.counted_memory;
    s.counted_memory = 0;
  }
  void evict_clients();
  // After a command ran: records its own propagation, and at the top level sends what is pending.
  void finish_propagation(Context& ctx, bool changed);
  void flush_propagation(bool no_wrap = false);
  void emit(int db, std::string_view bytes, bool aof = true);
  void update_propagating();
  void replication_cron();
#if MICROREDIS_WITH_MASTER_LINK
  void replica_cron();
  void lose_master_link();
  bool load_payload();
  void start_stream(std::string_view replid, std::int64_t offset);
  void link_wanted();
#endif
  void disconnect_replicas();
  void end_wait(Session& s);
  void finish_wait(Session& s);
  void send_to_replicas(const std::string_view* argv, std::size_t argc);
  void serve_waiters();
  bool dataset_image(Buffer& image);
  // True when CLIENT PAUSE holds this command of s (which is then blocked until the pause ends).
  bool pause_holds(Session& s, std::uint32_t flags);  // flags: what dispatch judges the command by
  void resume_paused();

  Memory mem_;
#if MICROREDIS_WITH_STD_CLOCK
  SystemClock system_clock_;
#endif
  const Clock* clock_;
  std::uint64_t seed_;
  KeyspaceShared shared_;
  Settings settings_;
  CommandTable commands_;
  Db** dbs_ = nullptr;
  WatchRegistry* watches_ptr_ = nullptr;
  PubSub* pubsub_ = nullptr;
  BlockingKeys* blocking_ = nullptr;
  Tracking* tracking_ = nullptr;
  SlowLog* slowlog_ = nullptr;
  LatencyMonitor* latency_ = nullptr;
  LatencyHistograms* histograms_ = nullptr;
  ShutdownListener shutdown_listener_ = nullptr;
  void* shutdown_ctx_ = nullptr;
  bool shutdown_requested_ = false;
  Session* current_ = nullptr;  // the session whose top-level command is running
  Buffer ready_keys_;        // keys that got data while sessions wait on them: db, length, bytes
  bool serving_ready_ = false;
  std::size_t blocked_on_keys_ = 0;
  int db_count_ = 0;
  IdSlots<CommandStats> cmd_stats_;  // created on a command's first call or refusal
  Vec<ErrorStat> error_stats_;
  EngineStats stats_;
  Session* sessions_ = nullptr;
  std::size_t session_count_ = 0;
  std::uint64_t next_session_id_ = 1;
  Session* default_session_ = nullptr;
  InfoProvider info_provider_ = nullptr;
  void* info_ctx_ = nullptr;
  OutputListener listener_ = nullptr;
  void* listener_ctx_ = nullptr;
  std::int64_t now_us_ = 0;
  bool in_input_batch_ = false;  // see begin_input_batch()
  CommandRef last_found_;        // the top-level command dispatch() found last
  std::int64_t start_us_ = 0;
  std::size_t expire_db_cursor_ = 0;
  std::uint64_t dirty_ = 0;
  std::int64_t next_deadline_us_ = 0;
  PauseMode pause_mode_ = PauseMode::off;
  std::int64_t pause_end_ms_ = 0;
  Vec<Session*> paused_;    // sessions whose command a pause holds, in the order they came
  bool resume_pending_ = false;
  bool resuming_ = false;
  Vec<Session*> monitors_;  // MONITOR sessions, in the order they started
  std::size_t startup_memory_ = 0;
  KeyObserver key_observer_ = nullptr;
  void* key_observer_ctx_ = nullptr;
  WriteCapture* capture_ = nullptr;  // while a key observer wants old values
  bool removing_key_ = false;        // on_key_removed is running: its key_modified is no write
  CommandFilter filter_ = nullptr;
  void* filter_ctx_ = nullptr;
  Session* busy_session_ = nullptr;  // busy mode: a long command of this session is running
  Status busy_status_ = Status::ok;
  BusyHandler busy_handler_ = nullptr;
  SleepHandler sleep_handler_ = nullptr;
  void* sleep_ctx_ = nullptr;
  void* busy_ctx_ = nullptr;
  bool in_busy_handler_ = false;
  FunctionHost* function_host_ = nullptr;
  Replication* repl_ = nullptr;
  AofSink aof_sink_{};
#if MICROREDIS_WITH_MASTER_LINK
  MasterLinkListener link_listener_ = nullptr;
  void* link_ctx_ = nullptr;
#endif
  int call_depth_ = 0;
  bool propagating_ = false;
  std::size_t client_limit_ = 0;   // client_eviction_limit()
  std::size_t client_memory_ = 0;  // sum of the counted_memory of evictable sessions
};

inline bool Context::propagating() const { return engine.propagating(); }

// Registers every built-in command family into a table (the engine does this on construction).
bool register_builtin_commands(CommandTable& table);

}  // namespace microredis
