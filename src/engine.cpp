#include "microredis/engine.hpp"

#include "microredis/commands.hpp"
#include "microredis/util/glob.hpp"

#include <new>

namespace microredis {

// What a key observer needs while commands run: the values the keys had before (deep copies,
// when old values are wanted) and the keys written, reported once each after the command.
struct WriteCapture {
  explicit WriteCapture(Memory& m) : olds(m), written(m), keys(m) {}
  struct Old {
    Db* db;
    Entry* value;  // a detached copy (its key is the key), or nullptr: the key did not exist
    std::size_t key_pos;
    std::size_t key_len;
  };
  struct Written {
    Db* db;
    std::size_t key_pos;
    std::size_t key_len;
  };
  Vec<Old> olds;
  Vec<Written> written;
  Buffer keys;  // the bytes of every key above, while a command runs
  int depth = 0;  // nested calls (EXEC runs its queue through call())
  bool old_values = false;

  std::string_view key(std::size_t pos, std::size_t len) const { return {keys.data() + pos, len}; }
  void note_written(Engine& engine, Db& db, std::string_view k);
};

MICROREDIS_INLINE Engine::Engine(const EngineOptions& options)
    : mem_(options.allocator),
#if MICROREDIS_WITH_STD_CLOCK
      clock_(options.clock ? options.clock : &system_clock_),
#else
      clock_(options.clock),
#endif
      seed_(options.seed),
      shared_(mem_),
      settings_(mem_),
      commands_(mem_),
      ready_keys_(mem_),
      cmd_stats_(mem_),
      error_stats_(mem_),
      paused_(mem_),
      monitors_(mem_) {
  start_us_ = now_us_ = clock_->now_us();
  shared_.now_ms = now_us_ / 1000;
  if (seed_ == 0) seed_ = static_cast<std::uint64_t>(now_us_) ^ reinterpret_cast<std::uintptr_t>(this) ^ 0x5eedull;
  shared_.rng.reseed(seed_);
  shared_.observer = this;
  db_count_ = options.databases > 0 ? options.databases : 1;
  settings_.databases = db_count_;
  dbs_ = static_cast<Db**>(mem_.allocate(sizeof(Db*) * static_cast<std::size_t>(db_count_), alignof(Db*)));
  for (int i = 0; i < db_count_; ++i) {
    // Every table gets its own seed so that one crafted key set cannot degrade all of them.
    dbs_[i] = mem_.create<Db>(shared_, i, mix64(seed_ + static_cast<std::uint64_t>(i), 0x9e3779b97f4a7c15ull));
  }
  watches_ptr_ = mem_.create<WatchRegistry>(mem_, mix64(seed_, 0x77617463ull), db_count_);
  pubsub_ = mem_.create<PubSub>(mem_, mix64(seed_, 0x70756273ull));
  blocking_ = mem_.create<BlockingKeys>(mem_, mix64(seed_, 0x626c6f63ull), db_count_);
  tracking_ = mem_.create<Tracking>(mem_, mix64(seed_, 0x74726163ull));
  slowlog_ = mem_.create<SlowLog>(mem_);
  latency_ = mem_.create<LatencyMonitor>(mem_);
  histograms_ = mem_.create<LatencyHistograms>(mem_);
  repl_ = mem_.create<Replication>(mem_);
  (void)master_replid(seed_, repl_->replid);
  (void)register_builtin_commands(commands_);
  cmd_stats_.set_id_count(commands_.id_count());
  histograms_->set_id_count(commands_.id_count());
  apply_settings();
  startup_memory_ = mem_.used();
}

MICROREDIS_INLINE Engine::~Engine() {
  while (sessions_ != nullptr) close_session(sessions_);
  free_capture();
  mem_.destroy(repl_->master_link);
  mem_.destroy(repl_);
  mem_.destroy(histograms_);
  mem_.destroy(latency_);
  mem_.destroy(slowlog_);
  mem_.destroy(tracking_);
  mem_.destroy(blocking_);
  mem_.destroy(pubsub_);
  mem_.destroy(watches_ptr_);
  for (int i = 0; i < db_count_; ++i) mem_.destroy(dbs_[i]);
  mem_.deallocate(dbs_, sizeof(Db*) * static_cast<std::size_t>(db_count_), alignof(Db*));
}

MICROREDIS_INLINE void Engine::apply_settings() {
  EvictionPolicy p = settings_.maxmemory_policy;
  shared_.lfu = p == EvictionPolicy::allkeys_lfu || p == EvictionPolicy::volatile_lfu;
  shared_.lfu_log_factor = static_cast<int>(settings_.lfu_log_factor);
  shared_.lfu_decay_time = static_cast<int>(settings_.lfu_decay_time);
  // A lower maxmemory takes effect at once, as Redis's CONFIG SET maxmemory does.
  if (settings_.maxmemory != 0) (void)over_memory_limit();
  // So does a lower maxmemory-clients (or a lower maxmemory it is a percentage of).
  recount_client_memory();
}

MICROREDIS_INLINE void Engine::refresh_time() {
  now_us_ = clock_->now_us();
  shared_.now_ms = now_us_ / 1000;
}

// ---------------------------------------------------------------------------------------------
// Sessions

MICROREDIS_INLINE Session* Engine::open_session() {
  Session* s = mem_.create<Session>(*this, next_session_id_++);
  if (s == nullptr) return nullptr;
  s->next = sessions_;
  if (sessions_) sessions_->prev = s;
  sessions_ = s;
  ++session_count_;
  ++stats_.connections_received;
  // The engine's own session does not count against maxclients.
  std::size_t clients = session_count_ - (default_session_ ? 1 : 0);
  if (clients > static_cast<std::size_t>(settings_.maxclients)) {
    ++stats_.rejected_connections;
    s->writer().error(Status::max_clients);
    s->close_after_reply();
  }
  return s;
}

MICROREDIS_INLINE void Engine::close_session(Session* s) {
  if (s == nullptr) return;
  if (s->prev) s->prev->next = s->next;
  if (s->next) s->next->prev = s->prev;
  if (sessions_ == s) sessions_ = s->next;
  --session_count_;
  if (s == default_session_) default_session_ = nullptr;
  watches_ptr_->unwatch_all(*s);
  if (s->block_reason() == BlockReason::keys) release_block(*s);
  if (s->block_reason() == BlockReason::pause) {
    for (std::size_t i = 0; i < paused_.size(); ++i) {
      if (paused_[i] != s) continue;
      for (std::size_t j = i + 1; j < paused_.size(); ++j) paused_[j - 1] = paused_[j];
      paused_.pop_back();
      break;
    }
  }
  if (s->monitoring()) remove_monitor(*s);
  if (s->replica()) remove_replica(*s);
#if MICROREDIS_WITH_MASTER_LINK
  if (MICROREDIS_UNLIKELY(s->master_link()) && is_replica() && s == repl_->master_link->master) {
    // The connection to the master ended: the engine asks for a new one (the data stays).
    repl_->master_link->master = nullptr;
    lose_master_link();
    link_wanted();
  }
#endif
  if (s->block_reason() == BlockReason::wait) end_wait(*s);
  uncount_client_memory(*s);
  if (MICROREDIS_WITH_TRACKING) tracking_->disable(*s);
  for (int k = 0; k < kSubscriptionKinds; ++k) (void)unsubscribe_all(*s, static_cast<SubscriptionKind>(k), false);
  mem_.destroy(s);
}

MICROREDIS_INLINE Session* Engine::find_session(std::uint64_t id) const {
  for (Session* s = sessions_; s != nullptr; s = s->next) {
    if (s->id() == id) return s;
  }
  return nullptr;
}

MICROREDIS_INLINE Session* Engine::default_session() {
  if (default_session_ == nullptr && (default_session_ = open_session()) != nullptr) {
    --stats_.connections_received;  // the engine's own session is not a connection
  }
  return default_session_;
}

MICROREDIS_INLINE Reply Engine::execute(const std::string_view* argv, std::size_t argc) {
  Session* s = default_session();
  if (s == nullptr) return Reply::error(Status::oom);
  return s->execute(argv, argc);
}

// ---------------------------------------------------------------------------------------------
// Dispatch: lookup, arity, authentication and memory checks happen here, once, for every command.

MICROREDIS_INLINE void Engine::count_error_reply(std::string_view code) {
  ++stats_.error_replies;
  for (auto& e : error_stats_) {
    if (std::string_view(e.code, e.len) == code) {
      ++e.count;
      return;
    }
  }
  // Redis caps the number of distinct error codes it tracks at 128.
  if (error_stats_.size() >= 128) return;
  ErrorStat e{};
  e.len = static_cast<std::uint8_t>(code.size() < sizeof e.code ? code.size() : sizeof e.code);
  std::memcpy(e.code, code.data(), e.len);
  e.count = 1;
  (void)error_stats_.push_back(e);
}

MICROREDIS_INLINE void Engine::unknown_command(Session& s, const std::string_view* argv, std::size_t argc,
                                               bool subcommand) {
  Writer& w = s.writer();
  char buf[300];
  if (subcommand) {
    // "unknown subcommand 'x'. Try CLIENT HELP."
    std::size_t n = argv[0].size() < 64 ? argv[0].size() : 64;
    for (std::size_t i = 0; i < n; ++i) buf[i] = ascii_upper(argv[0][i]);
    std::string_view sub = argv[1].substr(0, 128);
    w.error(Status::unknown_subcommand, sub, std::string_view(buf, n));
  } else {
    // "unknown command 'foo', with args beginning with: 'a' 'b' " (at most ~128 bytes of args).
    std::size_t len = 0;
    for (std::size_t i = 1; i < argc && len < 128; ++i) {
      // Redis prints each argument with %.*s: it stops at a NUL byte.
      std::string_view a = argv[i].substr(0, argv[i].find('\0')).substr(0, 128 - len);
      buf[len++] = '\'';
      std::memcpy(buf + len, a.data(), a.size());
      len += a.size();
      buf[len++] = '\'';
      buf[len++] = ' ';
    }
    w.error(Status::unknown_command, argv[0].substr(0, argv[0].find('\0')).substr(0, 128), std::string_view(buf, len));
  }
}

MICROREDIS_INLINE void Engine::reject(Session& s, CommandRef ref, std::size_t out_start) {
  Writer& w = s.writer();
  count_rejected_call(ref, w.last_error_code());
  if (ref && ref.spec->handler == &exec_command_handler && s.output_buffer_size() > out_start) {
    // Redis aborts the transaction and wraps the reason: "-EXECABORT ... because of: <error>".
    Buffer& out = w.buffer();
    std::size_t start = out.size() - (s.output_buffer_size() - out_start);
    std::string_view line(out.data() + start + 1, out.size() - start - 3);  // without '-' and CRLF
    if (line.substr(0, 4) == "ERR ") line.remove_prefix(4);
    char text[512];
    constexpr std::string_view prefix = "EXECABORT Transaction discarded because of: ";
    std::size_t n = line.size() < sizeof text - prefix.size() ? line.size() : sizeof text - prefix.size();
    std::memcpy(text, prefix.data(), prefix.size());
    std::memcpy(text + prefix.size(), line.data(), n);
    (void)out.resize(start);
    w.error_text({text, prefix.size() + n});
    s.discard_transaction();
    watches_ptr_->unwatch_all(s);
    s.clear_watch_dirty();
    return;
  }
  if (s.in_multi()) s.transaction().flag_error();
}

MICROREDIS_INLINE void Engine::dispatch(Session& s, const std::string_view* argv, std::size_t argc) {
  if (!in_input_batch_) refresh_time();
  Writer& w = s.writer();
  const std::size_t out_start = s.output_buffer_size();
  // Pipelines mostly repeat one command: the last one found is checked before the table.
  CommandRef ref = last_found_ && iequals(last_found_.spec->name(), argv[0]) ? last_found_ : commands_.find(argv[0]);
  if (ref) last_found_ = ref;
  if (MICROREDIS_UNLIKELY(!ref)) {
    // Redis drops connections that look like HTTP requests (cross-protocol scripting).
    if (iequals(argv[0], "host:") || iequals(argv[0], "post")) {
      s.close_now();
      return;
    }
    unknown_command(s, argv, argc, false);
    return reject(s, {}, out_start);
  }
  if (ref.spec->subcommand_count > 0 && argc >= 2) {
    CommandRef sub = commands_.find_subcommand(ref, argv[1]);
    if (!sub) {
      unknown_command(s, argv, argc, true);
      return reject(s, ref, out_start);
    }
    ref = sub;
  }
  const CommandSpec& spec = *ref.spec;
  auto n = static_cast<int>(argc);
  if ((spec.arity > 0 && spec.arity != n) || n < -spec.arity) {
    w.error(Status::wrong_arity, spec.name());
    return reject(s, ref, out_start);
  }
  if (!s.authenticated() && !(spec.flags & kNoAuth)) {
    w.error(Status::no_auth);
    return reject(s, ref, out_start);
  }
  const bool in_multi = s.in_multi();
  if (in_multi && (spec.flags & kNoMulti)) {
    w.error(Status::not_in_multi);
    return reject(s, ref, out_start);
  }
  const bool tx_control = spec.flags & kTransactionControl;
  // What the checks below judge by, as Redis's processCommand: the command's flags (FCALL, EVAL:
  // its function's or script's, Redis's getCommandFlags), for EXEC with its queued commands'.
  const std::uint32_t own_flags = command_flags(*this, spec, argv, argc);
  const bool is_exec = spec.handler == &exec_command_handler;
  const std::uint32_t flags = is_exec ? own_flags | s.transaction_flags() : own_flags;
  // The master's stream is applied whatever this engine's limits are (Redis obeys its master).
  const bool from_master = MICROREDIS_UNLIKELY(s.master_link());
  if (settings_.maxmemory != 0 && !from_master) {
    // Eviction runs before every command, as Redis's processCommand does; only commands that may
    // grow memory are refused when it cannot get under the limit. Inside MULTI every queued command
    // may grow memory; EXEC only matters if it runs denyoom ones.
    const bool out_of_memory = over_memory_limit();
    bool denyoom = (flags & kDenyOom) || (in_multi && !tx_control);
    if (denyoom && out_of_memory) {
      w.error(Status::oom);
      return reject(s, ref, out_start);
    }
  }
  // A read-only replica refuses writes but its master's (EXEC: by the queued commands' flags).
  if (MICROREDIS_UNLIKELY(is_replica()) && !from_master && settings_.replica_read_only &&
      (flags & kWrite)) {
    w.error(Status::readonly_replica);
    return reject(s, ref, out_start);
  }
  if (s.protocol() < 3 && !(spec.flags & kSubscribedContext) && s.in_pubsub()) {
    w.error(Status::subscribed_context, spec.name());
    return reject(s, ref, out_start);
  }
  // A replica without its master serves only stale-flagged commands when replica-serve-stale-data
  // is no (EXEC: only if every queued command is flagged stale).
  if (MICROREDIS_UNLIKELY(is_replica()) && !master_streaming() &&
      !settings_.replica_serve_stale_data &&
      (!(own_flags & kStale) || (is_exec && (s.transaction_missing_flags() & kStale)))) {
    w.error(Status::master_down);
    return reject(s, ref, out_start);
  }
  // Writes need min-replicas-to-write good replicas (Redis's checkGoodReplicasStatus).
  if (MICROREDIS_UNLIKELY(settings_.min_replicas_to_write != 0) && settings_.min_replicas_max_lag != 0 && !from_master &&
      (flags & kWrite) && good_replicas() < static_cast<std::size_t>(settings_.min_replicas_to_write)) {
    w.error(Status::no_replicas);
    return reject(s, ref, out_start);
  }
  // A MONITOR session is a replica to Redis: it may not touch the keyspace.
  if (MICROREDIS_UNLIKELY(s.monitoring() || s.replica()) && (flags & (kWrite | kReadonly | kMayReplicate))) {
    w.error(Status::replica_keyspace);
    return reject(s, ref, out_start);
  }
  // A long script runs (serve_while_busy): only allow-busy commands get through.
  if (MICROREDIS_UNLIKELY(busy_session_ != nullptr) && !(spec.flags & kAllowBusy)) {
    w.error(busy_status_);
    return reject(s, ref, out_start);
  }
  // Client-side caching keeps its table within tracking-table-max-keys, before any command runs,
  // is queued or held (Redis's processCommand), so its invalidations precede the reply.
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->tracking_clients() != 0) &&
      tracking_->total_keys() > settings_.tracking_table_max_keys && settings_.tracking_table_max_keys != 0) {
    tracking_->enforce_limit(*this, static_cast<std::size_t>(settings_.tracking_table_max_keys), random());
  }
  // CLIENT PAUSE: the command waits, unexecuted, in the session's input until the pause ends.
  if (MICROREDIS_UNLIKELY(pause_mode_ != PauseMode::off) && !from_master && pause_holds(s, flags)) return;
  if (in_multi && !tx_control) {
    if (!s.transaction().queue(ref, argv, argc, own_flags)) {
      w.error(Status::oom);
      return reject(s, ref, out_start);
    }
    w.simple("QUEUED");
    client_memory_changed(s);  // the queue grew
    return;
  }
  current_ = &s;
  call(s, ref, argv, argc);
  if (MICROREDIS_UNLIKELY(propagating_)) s.write_offset = repl_->offset;  // Redis's woff, for WAIT
  // CLIENT CACHING YES/NO applies to the next command only (CLIENT's own subcommands excepted).
  if (MICROREDIS_UNLIKELY(s.tracking_caching()) && !s.in_multi() && spec.name().substr(0, 7) != "client|") {
    s.end_tracking_caching();
  }
  // Sessions blocked on keys this command gave data to are served once it is complete (for a
  // write inside MULTI, once EXEC is); tracking messages for the running session follow its reply.
  if (!ready_keys_.empty() && !s.in_exec()) serve_ready_keys();
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->active())) tracking_->after_command(*this, &s);
  current_ = nullptr;
  s.release_extras_if_unused();
  // A pause that this command ended (CLIENT UNPAUSE) lets the held commands run, after it.
  if (MICROREDIS_UNLIKELY(resume_pending_)) resume_paused();
}

// ---------------------------------------------------------------------------------------------
// CLIENT PAUSE: held commands stay in their session's input, the session blocked; when the pause
// ends they are parsed and dispatched again, in the order the sessions were held (Redis's
// BLOCKED_POSTPONE clients and unblockPostponedClients).

MICROREDIS_INLINE void Engine::pause_clients(std::int64_t end_ms, PauseMode mode) {
  if (pause_mode() == PauseMode::off) {
    pause_mode_ = mode;
    pause_end_ms_ = end_ms;
  } else {
    if (mode > pause_mode_) pause_mode_ = mode;
    if (end_ms > pause_end_ms_) pause_end_ms_ = end_ms;
  }
  (void)pause_mode();  // a pause that ends before now is no pause
  if (pause_mode_ != PauseMode::off) note_deadline((pause_end_ms_ + 1) * 1000);
}

MICROREDIS_INLINE void Engine::unpause_clients() {
  if (pause_mode_ == PauseMode::off) return;
  pause_mode_ = PauseMode::off;
  pause_end_ms_ = 0;
  resume_pending_ = true;
}

MICROREDIS_INLINE Engine::PauseMode Engine::pause_mode() {
  // Redis ends a pause once the time is past its end (end < mstime).
  if (pause_mode_ != PauseMode::off && pause_end_ms_ < clock_->now_ms()) unpause_clients();
  return pause_mode_;
}

MICROREDIS_INLINE bool Engine::pause_holds(Session& s, std::uint32_t flags) {
  const PauseMode mode = pause_mode();
  if (mode == PauseMode::off) return false;
  // The engine's own session and direct calls have no input to wait in; monitors are replicas
  // to Redis, and replicas are never paused.
  if (&s == default_session_ || s.executing_directly() || s.monitoring()) return false;
  if (mode == PauseMode::write) {
    if (!(flags & (kWrite | kMayReplicate))) return false;
  }
  if (!paused_.push_back(&s)) return false;  // out of memory: the command runs
  s.block_until(BlockReason::pause, 0);
  return true;
}

MICROREDIS_INLINE void Engine::resume_paused() {
  if (resuming_) return;  // a resumed command ended a pause again: the loop below takes it
  resuming_ = true;
  while (resume_pending_) {
    resume_pending_ = false;
    Vec<Session*> batch(std::move(paused_));
    for (Session* p : batch) {
      if (p->block_reason() != BlockReason::pause) continue;
      p->unblock();
      p->process_input();  // may be held again by a pause that a command before it started
      notify_output(*p);
    }
  }
  resuming_ = false;
}

// ---------------------------------------------------------------------------------------------
// MONITOR

MICROREDIS_INLINE bool Engine::add_monitor(Session& s) {
  if (s.monitoring()) return true;
  if (!monitors_.push_back(&s)) return false;
  s.set_monitoring(true);
  return true;
}

MICROREDIS_INLINE void Engine::remove_monitor(Session& s) {
  for (std::size_t i = 0; i < monitors_.size(); ++i) {
    if (monitors_[i] != &s) continue;
    for (std::size_t j = i + 1; j < monitors_.size(); ++j) monitors_[j - 1] = monitors_[j];
    monitors_.pop_back();
    break;
  }
  s.set_monitoring(false);
}

namespace detail {
// Redis's sdscatrepr: a quoted string with \\ \" \n \r \t \a \b escapes and \xNN for other
// bytes outside the printable ASCII range.
inline bool append_repr(Buffer& b, std::string_view v) {
  bool ok = b.append("\"");
  for (char ch : v) {
    const auto u = static_cast<unsigned char>(ch);
    char esc[4] = {'\\', 0, 0, 0};
    std::size_t n = 2;
    switch (ch) {
      case '\\': esc[1] = '\\'; break;
      case '"': esc[1] = '"'; break;
      case '\n': esc[1] = 'n'; break;
      case '\r': esc[1] = 'r'; break;
      case '\t': esc[1] = 't'; break;
      case '\a': esc[1] = 'a'; break;
      case '\b': esc[1] = 'b'; break;
      default:
        if (u >= 0x20 && u < 0x7f) {
          esc[0] = ch;
          n = 1;
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          esc[1] = 'x';
          esc[2] = kHex[u >> 4];
          esc[3] = kHex[u & 15];
          n = 4;
        }
    }
    ok = b.append(esc, n) && ok;
  }
  return b.append("\"") && ok;
}
}  // namespace detail

MICROREDIS_INLINE void Engine::feed_monitors(Session& s, const std::string_view* argv, std::size_t argc,
                                             std::uint64_t redacted) {
  // "<seconds>.<microseconds> [<db> <client address>] "arg" "arg" ..."
  Buffer line(mem_);
  const std::int64_t us = clock_->now_us();
  char num[kLongLongChars];
  bool ok = line.append(num, format_int64(num, us / 1'000'000)) && line.append(".");
  char frac[6];
  std::int64_t rest = us % 1'000'000;
  for (int i = 5; i >= 0; --i, rest /= 10) frac[i] = static_cast<char>('0' + rest % 10);
  ok = ok && line.append(frac, 6) && line.append(" [") && line.append(num, format_int64(num, s.db_index())) &&
       line.append(" ");
  if (s.unix_socket()) {
    std::string_view path = s.local_addr();
    if (path.size() >= 2 && path.substr(path.size() - 2) == ":0") path.remove_suffix(2);
    ok = ok && line.append("unix:") && line.append(path);
  } else {
    ok = ok && line.append(s.peer());
  }
  ok = ok && line.append("]");
  for (std::size_t i = 0; i < argc; ++i) {
    ok = ok && line.append(" ");
    const bool hidden = i < 64 && ((redacted >> i) & 1) != 0;
    ok = ok && detail::append_repr(line, hidden ? std::string_view("(redacted)") : argv[i]);
  }
  if (!ok) return;  // out of memory: the monitors miss this line
  for (Session* m : monitors_) {
    if (m->closing()) continue;
    m->writer().simple(line.view());
    if (!m->writer().ok_state()) m->close_now();
    check_output_limits(*m);
    client_memory_changed(*m);
    if (m != &s) notify_output(*m);
  }
}

MICROREDIS_INLINE void Engine::call(Session& s, CommandRef ref, const std::string_view* argv, std::size_t argc) {
  const CommandSpec& spec = *ref.spec;
  Writer& w = s.writer();
  if (s.reply_mode() == Session::ReplyMode::skip_next) s.set_reply_mode(Session::ReplyMode::skip);
  std::uint64_t errors_before = w.errors();
  const std::uint64_t no_stats_before = w.no_stats_errors();
  std::int64_t start_us = s.in_exec() ? clock_->now_us() : now_us_;
  s.set_last_command(spec.name());
  s.count_command();

  // While clients are paused the dataset stays as it is: reads see expired keys as gone but do
  // not delete them (a write still does, as it replaces the key anyway).
  shared_.keep_expired = MICROREDIS_UNLIKELY(pause_mode_ != PauseMode::off) && !(spec.flags & kWrite) &&
                         pause_mode() != PauseMode::off;
  // On a replica keys expire only through the master's DELs: its clients' reads see an expired key
  // as gone but leave it in place, and the master's commands see it as it is (expireIfNeeded).
  if (MICROREDIS_UNLIKELY(is_replica())) {
    shared_.keep_expired = shared_.keep_expired || !(spec.flags & kWrite);
    shared_.no_expiry = s.master_link();
  }
  Context ctx{*this, s, *dbs_[s.db_index()], w, argv, argc, ref, 0};
  const std::uint64_t dirty_before = dirty_;
  ++call_depth_;
  if (MICROREDIS_LIKELY(capture_ == nullptr)) {
    if (MICROREDIS_LIKELY(filter_ == nullptr) || filter_(filter_ctx_, ctx)) spec.handler(ctx);
  } else {
    const std::size_t old_mark = capture_->olds.size();
    const std::size_t written_mark = capture_->written.size();
    ++capture_->depth;
    if (capture_->old_values && (spec.flags & kWrite)) capture_old_values(spec, ctx.db, argv, argc);
    if (filter_ == nullptr || filter_(filter_ctx_, ctx)) spec.handler(ctx);
    --capture_->depth;
    report_writes(old_mark, written_mark);
  }
  shared_.keep_expired = false;
  shared_.no_expiry = false;
  --call_depth_;
  if (MICROREDIS_UNLIKELY(propagating_)) finish_propagation(ctx, dirty_ != dirty_before);
  // Administrative commands are too dangerous to show, as in Redis; MONITOR sees the command
  // after it ran (the db it ended in, EXEC after the commands it ran).
  if (MICROREDIS_UNLIKELY(!monitors_.empty()) && !(spec.flags & (kSkipMonitor | kAdmin))) {
    feed_monitors(s, argv, argc, ctx.redacted);
  }
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(s.tracking_enabled()) && (spec.flags & kReadonly) &&
      !(spec.flags & (kPubsub | kScriptKeys)) && !s.tracking().options.bcast) {
    remember_keys(s, spec, argv, argc);
  }

  std::int64_t end_us = clock_->now_us();
  // Looked up after the handler: a handler may add commands, and the first call of a command
  // creates its counters (out of memory: counted nowhere).
  CommandStats uncounted;
  CommandStats* const counters = cmd_stats_.get(ref.id);
  CommandStats& st = counters != nullptr ? *counters : uncounted;
  // A blocked command served after a write was counted when it blocked (as Redis counts it once);
  // its time and a failure still count.
  if (!s.rerunning_blocked()) {
    ++st.calls;
    ++stats_.commands_processed;
  }
  // A command that blocks is measured when it is finally served (Redis's rule); DEBUG SLEEP holds
  // its session until the deadline, which is how long it takes.
  if (!s.blocked() || (s.block_reason() == BlockReason::keys && s.rerunning_blocked() && !s.blocks_again())) {
    record_duration(s, ref, argv, argc, end_us > start_us ? end_us - start_us : 0);
  } else if (s.block_reason() == BlockReason::sleep) {
    record_duration(s, ref, argv, argc, s.block_deadline_us() - start_us);
  }
  st.usec += static_cast<std::uint64_t>(end_us > start_us ? end_us - start_us : 0);
  if (w.errors() != errors_before) {
    ++st.failed_calls;
    if (w.errors() - errors_before > w.no_stats_errors() - no_stats_before) count_error_reply(w.last_error_code());
  }
  if (MICROREDIS_UNLIKELY(s.reply_mode() == Session::ReplyMode::skip)) s.set_reply_mode(Session::ReplyMode::on);
  if (!w.ok_state()) s.close_now();
  if (!s.in_exec()) {
    check_output_limits(s);
    client_memory_changed(s);
    // The next command of the batch starts now: its snapshot needs no clock read of its own.
    if (in_input_batch_) {
      now_us_ = end_us;
      shared_.now_ms = end_us / 1000;
    }
  }
}

MICROREDIS_INLINE void Engine::serve_while_busy(Session& s, Status refusal) {
  busy_session_ = &s;
  busy_status_ = refusal;
  if (busy_handler_ == nullptr || in_busy_handler_) return;
  // The commands the handler runs must leave the long command's state as it was: its session,
  // its time snapshot, and the blocked clients its writes made ready (served after it, atomically).
  Session* const current = current_;
  const std::int64_t now_us = now_us_;
  const std::int64_t now_ms = shared_.now_ms;
  const bool serving = serving_ready_;
  serving_ready_ = true;
  in_busy_handler_ = true;
  busy_handler_(busy_ctx_, s);
  in_busy_handler_ = false;
  serving_ready_ = serving;
  current_ = current;
  now_us_ = now_us;
  shared_.now_ms = now_ms;
}

// Redis's slowlogPushCurrentCommand and latencyAddSampleIfNeeded. Arguments that carry secrets
// are logged as "(redacted)", as Redis's commands redact them: AUTH's, HELLO's AUTH pair, and the
// value of a sensitive CONFIG SET parameter.
MICROREDIS_INLINE void Engine::record_duration(Session& s, CommandRef ref, const std::string_view* argv,
                                               std::size_t argc, std::int64_t duration_us) {
  const CommandSpec& spec = *ref.spec;
  if (settings_.latency_tracking != 0) histograms_->record(ref.id, duration_us);
  add_latency_sample((spec.flags & kFast) ? "fast-command" : "command", duration_us);
  if (spec.flags & kSkipSlowlog) return;
  const std::int64_t slower_than = settings_.slowlog_log_slower_than;
  if (slower_than < 0 || duration_us < slower_than) return;
  std::uint32_t redact = 0;
  const std::string_view name = spec.name();
  if (name == "auth") {
    redact = ~1u;
  } else if (name == "hello") {
    for (std::size_t i = 2; i + 2 < argc && i + 2 < 32; ++i) {
      if (iequals(argv[i], "auth")) {
        redact |= (1u << (i + 1)) | (1u << (i + 2));
        break;
      }
    }
  } else if (name == "config|set") {
    for (std::size_t i = 2; i + 1 < argc && i + 1 < 32; i += 2) {
      if (iequals(argv[i], "requirepass") || iequals(argv[i], "masterauth")) redact |= 1u << (i + 1);
    }
  }
  const std::size_t max_len = settings_.slowlog_max_len < 0 ? 0 : static_cast<std::size_t>(settings_.slowlog_max_len);
  (void)slowlog_->push(argv, argc, redact, clock_->now_us() / 1'000'000, duration_us, s.peer(), s.name(), max_len);
}

MICROREDIS_INLINE void Engine::check_output_limits(Session& s) {
  const OutputBufferLimit& lim = s.replica()     ? settings_.output_limit_replica
                                 : s.in_pubsub() ? settings_.output_limit_pubsub
                                                 : settings_.output_limit_normal;
  if (lim.hard == 0 && lim.soft == 0) return;
  std::size_t size = s.output_buffer_size();
  bool over_hard = lim.hard != 0 && size >= lim.hard;
  bool over_soft = lim.soft != 0 && size >= lim.soft;
  if (over_soft && !over_hard) {
    if (s.soft_limit_since_ms == 0) {
      s.soft_limit_since_ms = now_ms();
    } else if (now_ms() - s.soft_limit_since_ms >= lim.soft_seconds * 1000) {
      over_hard = true;
    }
  } else if (!over_soft) {
    s.soft_limit_since_ms = 0;
  }
  if (over_hard) {
    ++stats_.client_output_buffer_limit_disconnections;
    s.close_now();
  }
}

// ---------------------------------------------------------------------------------------------
// Client eviction (maxmemory-clients), as Redis 7.0's evictClients: normal and pub/sub sessions
// count (replicas, the master link and the engine's own session do not, nor sessions with
// CLIENT NO-EVICT on); while their total is at or over the limit, the largest one is closed.

MICROREDIS_INLINE bool Engine::evictable(const Session& s) const {
  return !s.no_evict() && !s.closing() && !s.replica() && !s.master_link() && &s != default_session_;
}

MICROREDIS_INLINE void Engine::account_client_memory(Session& s) {
  if (!evictable(s)) return uncount_client_memory(s);
  const std::size_t mem = s.memory_usage();
  client_memory_ = client_memory_ - s.counted_memory + mem;
  s.counted_memory = mem;
  if (client_memory_ >= client_limit_) evict_clients();
}

MICROREDIS_INLINE void Engine::recount_client_memory() {
  std::size_t limit = 0;
  const std::int64_t setting = settings_.maxmemory_clients;  // negative: a percentage of maxmemory
  if (setting < 0 && settings_.maxmemory > 0) {
    const double bytes = static_cast<double>(settings_.maxmemory) * static_cast<double>(-setting) / 100;
    limit = bytes < static_cast<double>(SIZE_MAX) ? static_cast<std::size_t>(bytes) : SIZE_MAX;
    if (limit < 128 * 1024) limit = 128 * 1024;
  } else if (setting > 0) {
    limit = static_cast<std::uint64_t>(setting) < SIZE_MAX ? static_cast<std::size_t>(setting) : SIZE_MAX;
    if (limit < 128 * 1024) limit = 128 * 1024;
  }
  client_limit_ = limit;
  client_memory_ = 0;
  for (Session* p = sessions_; p != nullptr; p = p->next) {
    p->counted_memory = limit != 0 && evictable(*p) ? p->memory_usage() : 0;
    client_memory_ += p->counted_memory;
  }
  if (limit != 0 && client_memory_ >= limit) evict_clients();
}

MICROREDIS_INLINE void Engine::evict_clients() {
  // Sessions that stopped counting since they were counted (closing, CLIENT NO-EVICT on) first.
  for (Session* p = sessions_; p != nullptr; p = p->next) {
    if (p->counted_memory != 0 && !evictable(*p)) uncount_client_memory(*p);
  }
  while (client_memory_ >= client_limit_) {
    Session* victim = nullptr;
    for (Session* p = sessions_; p != nullptr; p = p->next) {
      if (p->counted_memory != 0 && (victim == nullptr || p->counted_memory > victim->counted_memory)) victim = p;
    }
    if (victim == nullptr) break;  // nothing left to evict (Redis logs a warning)
    victim->close_now();
    uncount_client_memory(*victim);
    ++stats_.evicted_clients;
    notify_output(*victim);
  }
}

// ---------------------------------------------------------------------------------------------
// Memory limit and eviction

MICROREDIS_INLINE bool Engine::over_memory_limit() {
  if (settings_.maxmemory == 0) return false;
  // A replica holds what its master has: it evicts nothing (replica-ignore-maxmemory yes).
  if (is_replica()) return false;
  // CLIENT PAUSE keeps the dataset constant: no eviction, and so no OOM refusal either (Redis's
  // isSafeToPerformEvictions).
  if (MICROREDIS_UNLIKELY(pause_mode_ != PauseMode::off) && pause_mode() != PauseMode::off) return false;
  if (mem_.used() <= settings_.maxmemory) return false;
  const std::int64_t cycle_start = latency_start();
  bool still_over = false;
  while (mem_.used() > settings_.maxmemory) {
    if (evict_some() == 0) {
      still_over = true;
      break;
    }
  }
  latency_sample("eviction-cycle", cycle_start);
  return still_over;
}

// Redis's latencyAddSampleIfNeeded around work other than a command: no clock reads unless the
// latency monitor is on (-1: not timed).
MICROREDIS_INLINE std::int64_t Engine::latency_start() const {
  return settings_.latency_monitor_threshold > 0 ? clock_->now_us() : -1;
}

MICROREDIS_INLINE void Engine::latency_sample(const char* event, std::int64_t start_us) {
  if (start_us >= 0) add_latency_sample(event, clock_->now_us() - start_us);
}

// The clock is read again only for a sample that is recorded: not on a command's hot path.
MICROREDIS_INLINE void Engine::add_latency_sample(const char* event, std::int64_t duration_us) {
  const std::int64_t threshold_ms = settings_.latency_monitor_threshold;
  if (threshold_ms > 0 && duration_us / 1000 >= threshold_ms) {
    (void)latency_->add(event, clock_->now_us() / 1'000'000, static_cast<std::uint32_t>(duration_us / 1000));
  }
}

MICROREDIS_INLINE std::size_t Engine::evict_some() {
  EvictionPolicy policy = settings_.maxmemory_policy;
  if (policy == EvictionPolicy::noeviction) return 0;
  bool volatile_only = policy == EvictionPolicy::volatile_lru || policy == EvictionPolicy::volatile_lfu ||
                       policy == EvictionPolicy::volatile_random || policy == EvictionPolicy::volatile_ttl;
  // Sample maxmemory-samples keys of every database that has candidates and evict the best one:
  // approximated LRU/LFU/TTL, as Redis. Volatile policies draw from keys with a TTL only.
  Db* best_db = nullptr;
  Entry* best = nullptr;
  std::uint64_t best_score = 0;
  constexpr std::size_t kMaxSamples = 64;  // maxmemory-samples' upper bound
  const auto samples = static_cast<std::size_t>(
      settings_.maxmemory_samples < 1 ? 5 : settings_.maxmemory_samples > 64 ? 64 : settings_.maxmemory_samples);
  Entry* drawn[kMaxSamples];
  for (int i = 0; i < db_count_; ++i) {
    Db& d = *dbs_[i];
    std::size_t n = 0;
    if (volatile_only) {
      n = d.sample_volatile(drawn, samples);
    } else if (d.size() != 0) {
      while (n < samples) {
        Entry* e = d.random_entry();
        if (e == nullptr) break;
        drawn[n++] = e;
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      Entry* e = drawn[k];
      std::uint64_t score;  // higher = better to evict
      switch (policy) {
        case EvictionPolicy::allkeys_lru:
        case EvictionPolicy::volatile_lru: {
          std::uint32_t now = lru_clock(now_ms());
          score = now >= e->lru() ? now - e->lru() : now + (kLruClockMax - e->lru());
          break;
        }
        case EvictionPolicy::allkeys_lfu:
        case EvictionPolicy::volatile_lfu: score = 255 - (e->lru() & 0xff); break;
        case EvictionPolicy::volatile_ttl: score = ~static_cast<std::uint64_t>(e->expire_ms()); break;
        default: score = random().next(); break;
      }
      if (best == nullptr || score > best_score) {
        best = e;
        best_db = &d;
        best_score = score;
      }
    }
  }
  if (best == nullptr) return 0;
  std::string_view key = best->key();
  Entry* detached = best_db->detach(key);
  if (detached == nullptr) return 0;
  ++shared_.evicted_keys;
  on_key_removed(*best_db, *detached, KeyRemoval::evicted);
  const std::int64_t del_start = latency_start();
  best_db->free_entry(detached);
  latency_sample("eviction-del", del_start);
  return 1;
}

MICROREDIS_INLINE void Engine::on_key_removed(Db& db, const Entry& entry, KeyRemoval why) {
  // Statistics are kept by the keyspace; here the removal becomes a write and an event.
  removing_key_ = true;
  key_modified(db, entry.key());
  removing_key_ = false;
  // Replicas and the AOF delete the key too (propagateDeletion).
  if (MICROREDIS_UNLIKELY(propagating_)) {
    const bool lazy = why == KeyRemoval::expired ? settings_.lazyfree_lazy_expire : settings_.lazyfree_lazy_eviction;
    const std::string_view del[] = {lazy ? "UNLINK" : "DEL", entry.key()};
    also_propagate(db.index(), del, 2);
  }
  if (MICROREDIS_UNLIKELY(key_observer_ != nullptr)) {
    key_observer_(key_observer_ctx_, why == KeyRemoval::expired ? KeyChange::expire : KeyChange::evict, db,
                  entry.key(), &entry);
  }
  if (why == KeyRemoval::expired) {
    keyspace_event(db, kNotifyExpired, "expired", entry.key());
  } else {
    keyspace_event(db, kNotifyEvicted, "evicted", entry.key());
  }
}

MICROREDIS_INLINE void Engine::remember_keys(Session& s, const CommandSpec& spec, const std::string_view* argv,
                                             std::size_t argc) {
  std::size_t positions[64];
  const std::size_t n = command_key_positions(spec, argv, argc, positions, 64);
  std::string_view keys[64];
  for (std::size_t i = 0; i < n; ++i) keys[i] = argv[positions[i]];
  tracking_->remember(s, keys, n);
}

MICROREDIS_INLINE void Engine::key_modified(Db& db, std::string_view key) {
  // Expiry and eviction are no writes of a command (Redis counts them in no dirty counter).
  if (!removing_key_) ++dirty_;
  if (MICROREDIS_UNLIKELY(capture_ != nullptr) && !removing_key_) capture_->note_written(*this, db, key);
  watches_ptr_->touch(db, key);
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->active() || tracking_->total_prefixes() != 0)) {
    tracking_->invalidate(*this, current_, key);
  }
  if (MICROREDIS_UNLIKELY(!blocking_->empty(db.index())) && blocking_->find(db.index(), key) != nullptr) {
    mark_ready(db, key);
  }
}

// ---------------------------------------------------------------------------------------------
// Embedding hooks: key observers, command filter, run-time commands, data copies

MICROREDIS_INLINE void WriteCapture::note_written(Engine& engine, Db& db, std::string_view k) {
  if (depth == 0) {
    // A write outside any command (none today): report it at once, without an old value.
    engine.report_key_written_now(db, k);
    return;
  }
  for (const Written& w : written) {
    if (w.db == &db && key(w.key_pos, w.key_len) == k) return;
  }
  const std::size_t pos = keys.size();
  if (keys.append(k)) (void)written.push_back(Written{&db, pos, k.size()});
}

MICROREDIS_INLINE void Engine::report_key_written_now(Db& db, std::string_view key) {
  key_observer_(key_observer_ctx_, KeyChange::write, db, key, nullptr);
}

MICROREDIS_INLINE void Engine::set_key_observer(KeyObserver fn, void* ctx, bool old_values) {
  key_observer_ = fn;
  key_observer_ctx_ = ctx;
  if (fn == nullptr) {
    // A command running now (the observer removed by a handler or filter) keeps the capture.
    if (capture_ != nullptr && capture_->depth == 0) free_capture();
    if (capture_ != nullptr) capture_->old_values = false;
    return;
  }
  if (capture_ == nullptr) capture_ = mem_.create<WriteCapture>(mem_);
  if (capture_ != nullptr) capture_->old_values = old_values;
}

MICROREDIS_INLINE void Engine::free_capture() {
  if (capture_ == nullptr) return;
  for (auto& o : capture_->olds) {
    if (o.value != nullptr) o.db->free_entry(o.value);
  }
  mem_.destroy(capture_);
  capture_ = nullptr;
}

MICROREDIS_INLINE void Engine::capture_old_values(const CommandSpec& spec, Db& db, const std::string_view* argv,
                                                 std::size_t argc) {
  std::size_t positions[64];
  const std::size_t n = command_key_positions(spec, argv, argc, positions, 64);
  const std::size_t frame = capture_->olds.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view key = argv[positions[i]];
    bool seen = false;
    for (std::size_t j = frame; j < capture_->olds.size() && !seen; ++j) {
      const WriteCapture::Old& o = capture_->olds[j];
      seen = capture_->key(o.key_pos, o.key_len) == key;
    }
    if (seen) continue;
    // find_raw, not lookup: capturing must not expire keys or touch their LRU data.
    const Entry* e = db.find_raw(key);
    if (e != nullptr && db.is_expired(e)) e = nullptr;
    Entry* copy = nullptr;
    Entry::Layout value;
    if (e != nullptr && copy_value(mem_, *e, value)) {
      copy = Entry::create(mem_, key, e->has_expire() ? e->expire_ms() : -1, value, e->lru());
      if (copy == nullptr && value.encoding != Encoding::int_ && value.encoding != Encoding::embstr) {
        free_value(mem_, value.type, value.encoding, value.pointer);
      }
    }
    const std::size_t pos = capture_->keys.size();
    if (!capture_->keys.append(key) || !capture_->olds.push_back(WriteCapture::Old{&db, copy, pos, key.size()})) {
      if (copy != nullptr) db.free_entry(copy);
    }
  }
}

MICROREDIS_INLINE void Engine::report_writes(std::size_t old_mark, std::size_t written_mark) {
  WriteCapture& cap = *capture_;
  for (std::size_t i = written_mark; i < cap.written.size(); ++i) {
    const WriteCapture::Written w = cap.written[i];
    const std::string_view key = cap.key(w.key_pos, w.key_len);
    const Entry* old = nullptr;
    for (std::size_t j = old_mark; j < cap.olds.size(); ++j) {
      const WriteCapture::Old& o = cap.olds[j];
      if (o.db == w.db && cap.key(o.key_pos, o.key_len) == key) {
        old = o.value;
        break;
      }
    }
    if (key_observer_ != nullptr) key_observer_(key_observer_ctx_, KeyChange::write, *w.db, key, old);
  }
  for (std::size_t j = old_mark; j < cap.olds.size(); ++j) {
    if (cap.olds[j].value != nullptr) cap.olds[j].db->free_entry(cap.olds[j].value);
  }
  (void)cap.olds.resize(old_mark);
  (void)cap.written.resize(written_mark);
  if (cap.depth == 0) {
    cap.keys.clear();
    if (key_observer_ == nullptr) free_capture();  // removed while the command ran
  }
}

MICROREDIS_INLINE bool Engine::add_commands(const CommandSpec* specs, std::size_t count) {
  if (!commands_.add(specs, count)) return false;
  cmd_stats_.set_id_count(commands_.id_count());
  histograms_->set_id_count(commands_.id_count());
  return true;
}

MICROREDIS_INLINE void Engine::set_latency_tracking(bool on) {
  // Off frees the histograms; on allocates nothing until a command is recorded.
  if (!on) histograms_->reset();
  settings_.latency_tracking = on ? 1 : 0;
}

MICROREDIS_INLINE bool Engine::copy_data_from(const Engine& other) {
  if (&other == this) return true;
  // The run-time settings, through the CONFIG table: what CONFIG SET can change is what a fixture
  // may have changed. Start-up-only ones (databases, port, bind) stay this engine's.
  std::size_t count = 0;
  const ConfigSpec* specs = config_specs(count);
  Buffer value(mem_);
  ConfigError err;
  for (std::size_t i = 0; i < count; ++i) {
    const ConfigSpec& spec = specs[i];
    if (spec.flag == ConfigFlag::immutable || spec.flag == ConfigFlag::runtime_fixed) continue;
    if (spec.name == "maxmemory") continue;  // last: a lower limit must not evict the copy as it arrives
    value.clear();
    spec.get(other, value);
    (void)spec.set(*this, value.view(), err);
  }
  // CONFIG GET shows "A" without "n" even when both are set (as Redis does): copy the bits.
  settings_.notify_keyspace_events = other.settings_.notify_keyspace_events;
  settings_.active_expire_enabled = other.settings_.active_expire_enabled;
  settings_.list_packed_threshold = other.settings_.list_packed_threshold;
  shared_.rng = other.shared_.rng;
  shared_.lazy_expire_enabled = other.shared_.lazy_expire_enabled;

  // The data: the copy makes no keyspace events ("new") and no observer calls.
  bool ok = true;
  KeyspaceObserver* observer = shared_.observer;
  shared_.observer = nullptr;
  const int n = db_count_ < other.db_count_ ? db_count_ : other.db_count_;
  for (int i = 0; i < db_count_; ++i) {
    Db& dst = *dbs_[i];
    flushing(dst);
    dst.clear();
    if (i >= n) continue;
    const Db& src = *other.dbs_[i];
    dst.reserve(src.size());
    src.for_each([&](const Entry& e) {
      if (!ok) return;
      Entry::Layout layout;
      if (!copy_value(mem_, e, layout)) {
        ok = false;
        return;
      }
      Entry* copy = dst.put(e.key(), layout, e.has_expire() ? e.expire_ms() : -1);
      if (copy == nullptr) {
        ok = false;
        return;
      }
      copy->set_lru(e.lru());
    });
  }
  shared_.observer = observer;
  if (const ConfigSpec* maxmemory = find_config("maxmemory")) {
    value.clear();
    maxmemory->get(other, value);
    (void)maxmemory->set(*this, value.view(), err);
  }
  return ok;
}

MICROREDIS_INLINE void Engine::flushing(Db& db) {
  watches_ptr_->touch_all(db, nullptr);
  if (MICROREDIS_WITH_TRACKING) {
    if (tracking_->tracking_clients() != 0) {
      tracking_->invalidate_all(*this, current_);
    } else if (tracking_->total_keys() != 0) {
      tracking_->forget_all(random());  // keys remembered for clients that turned tracking off
    }
  }
  // Waiters that want to hear of their key going away (XREADGROUP) learn it after the command.
  blocking_->for_each(db.index(), [&](BlockingKeys::Node& n) { mark_ready(db, n.key()); });
}

MICROREDIS_INLINE void Engine::swapping(Db& a, Db& b) {
  watches_ptr_->touch_all(a, &b);
  watches_ptr_->touch_all(b, &a);
  // Sessions blocked in either database may find data in what arrives.
  blocking_->for_each(a.index(), [&](BlockingKeys::Node& n) { mark_ready(a, n.key()); });
  blocking_->for_each(b.index(), [&](BlockingKeys::Node& n) { mark_ready(b, n.key()); });
}

MICROREDIS_INLINE void Engine::on_key_added(Db& db, std::string_view key) { keyspace_event(db, kNotifyNew, "new", key); }

MICROREDIS_INLINE void Engine::keyspace_event(Db& db, NotifyClass cls, std::string_view event, std::string_view key) {
  const std::uint32_t flags = settings_.notify_keyspace_events;
  if (MICROREDIS_LIKELY((flags & cls) == 0)) return;
  // "__keyspace@<db>__:<key>" carries the event; "__keyevent@<db>__:<event>" carries the key.
  Buffer channel(mem_);
  char dbbuf[kLongLongChars];
  std::string_view dbid(dbbuf, format_int64(dbbuf, db.index()));
  if (flags & kNotifyKeyspace) {
    if (channel.append("__keyspace@") && channel.append(dbid) && channel.append("__:") && channel.append(key)) {
      (void)publish(SubscriptionKind::channel, channel.view(), event);
    }
  }
  if (flags & kNotifyKeyevent) {
    channel.clear();
    if (channel.append("__keyevent@") && channel.append(dbid) && channel.append("__:") && channel.append(event)) {
      (void)publish(SubscriptionKind::channel, channel.view(), key);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pub/sub delivery

MICROREDIS_INLINE void Engine::deliver(Session& to, std::string_view kind, const std::string_view* pattern,
                                      std::string_view channel, std::string_view message) {
  if (to.closing()) return;
  Writer& w = to.writer();
  const Writer::Unmuted pushes_go_through(w);  // delivered even under CLIENT REPLY OFF, as Redis
  w.push(pattern ? 4 : 3);
  w.bulk(kind);
  if (pattern) w.bulk(*pattern);
  w.bulk(channel);
  w.bulk(message);
  if (!w.ok_state()) to.close_now();
  // A subscriber that does not read is bounded by client-output-buffer-limit pubsub.
  check_output_limits(to);
  client_memory_changed(to);
  notify_output(to);
}

MICROREDIS_INLINE std::size_t Engine::publish(SubscriptionKind kind, std::string_view channel,
                                             std::string_view message) {
  std::size_t receivers = 0;
  const bool shard = kind == SubscriptionKind::shard;
  if (const PubSub::Node* node = pubsub_->channel(kind, channel)) {
    // Copy the list: a delivery may close a subscriber, but never unsubscribes it here.
    for (Session* s : node->subscribers) {
      deliver(*s, shard ? "smessage" : "message", nullptr, channel, message);
      ++receivers;
    }
  }
  if (shard || pubsub_->count(SubscriptionKind::pattern) == 0) return receivers;
  pubsub_->for_each(SubscriptionKind::pattern, [&](std::string_view pattern, const Vec<Session*>& subscribers) {
    if (!glob_match(pattern, channel)) return;
    for (Session* s : subscribers) {
      deliver(*s, "pmessage", &pattern, channel, message);
      ++receivers;
    }
  });
  return receivers;
}

MICROREDIS_INLINE void Engine::reply_subscription(Session& s, std::string_view verb, const std::string_view* name,
                                                 std::size_t count) {
  Writer& w = s.writer();
  const Writer::Unmuted pushes_go_through(w);
  w.push(3);
  w.bulk(verb);
  if (name) {
    w.bulk(*name);
  } else {
    w.null();
  }
  w.integer(static_cast<std::int64_t>(count));
}

MICROREDIS_INLINE std::size_t Engine::unsubscribe_all(Session& s, SubscriptionKind kind, bool notify) {
  static constexpr std::string_view kVerbs[] = {"unsubscribe", "punsubscribe", "sunsubscribe"};
  const std::string_view verb = kVerbs[static_cast<int>(kind)];
  std::size_t removed = 0;
  while (s.subscription_count(kind) != 0) {
    PubSub::Node* node = s.subscriptions(kind)[0];
    // The name outlives the node only as a copy: unsubscribing may free it.
    char small[256];
    Buffer big(mem_);
    std::string_view name = node->name();
    if (name.size() <= sizeof small) {
      std::memcpy(small, name.data(), name.size());
      name = {small, name.size()};
    } else if (big.append(name)) {
      name = big.view();
    }
    (void)pubsub_->unsubscribe(s, kind, node->name());
    ++removed;
    if (notify) {
      std::size_t left = kind == SubscriptionKind::shard ? s.subscription_count(kind) : s.channel_and_pattern_count();
      reply_subscription(s, verb, &name, left);
    }
  }
  if (notify && removed == 0) {
    std::size_t left = kind == SubscriptionKind::shard ? s.subscription_count(kind) : s.channel_and_pattern_count();
    reply_subscription(s, verb, nullptr, left);
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Time-driven work

namespace detail {
// A connection idle this long gives back its empty buffers (Redis's clientsCron: 2 seconds).
constexpr std::int64_t kIdleBuffersMs = 2000;
}  // namespace detail

MICROREDIS_INLINE std::int64_t Engine::tick() {
  refresh_time();
  const std::int64_t now = now_us_;
  const std::int64_t hz = settings_.hz > 0 ? settings_.hz : 10;
  std::int64_t next = now + 1'000'000 / hz;

  // A pause whose time is over ends here; its held commands run below, after the timeouts.
  const bool paused = pause_mode() != PauseMode::off;
  if (paused && (pause_end_ms_ + 1) * 1000 < next) next = (pause_end_ms_ + 1) * 1000;

  // Active expiry: a bounded number of hash-space steps per database, round robin, more with a
  // higher active-expire-effort. Lazy expiry on access covers whatever this has not reached yet.
  // None while clients are paused, which keeps the dataset constant.
  const bool cron = !settings_.cron_paused;
  if (cron && settings_.active_expire_enabled && !paused && !is_replica()) {
    ++stats_.active_expire_cycles;
    const std::int64_t cycle_start = latency_start();
    const std::size_t steps = 64 * static_cast<std::size_t>(settings_.active_expire_effort);
    for (int i = 0; i < db_count_; ++i) {
      Db& d = *dbs_[(expire_db_cursor_ + static_cast<std::size_t>(i)) % static_cast<std::size_t>(db_count_)];
      // Keep going while expired keys are dense (Redis's adaptive effort), within 16 rounds.
      for (int round = 0; round < 16 && d.volatile_count() > 0; ++round) {
        if (d.active_expire(steps) * 4 < steps) break;
      }
    }
    expire_db_cursor_ = (expire_db_cursor_ + 1) % static_cast<std::size_t>(db_count_);
    latency_sample("expire-cycle", cycle_start);
  }
  if (cron) {
    for (int i = 0; i < db_count_; ++i) dbs_[i]->rehash(100);
  }

  // Blocked sessions whose time has come, and idle clients.
  const std::int64_t idle_ms = settings_.timeout * 1000;
  for (Session* s = sessions_; s != nullptr;) {
    Session* following = s->next;
    if (MICROREDIS_UNLIKELY(s->output_held()) && s->tick_output_hold(now, next)) notify_output(*s);
    if (s->blocked()) {
      const std::int64_t deadline = s->block_deadline_us();
      if (deadline != 0 && deadline <= now) {
        if (s->block_reason() == BlockReason::keys) {
          unblock_with_timeout(*s);
        } else if (s->block_reason() == BlockReason::wait) {
          finish_wait(*s);
        } else {
          s->writer().ok();  // DEBUG SLEEP
          s->unblock();
          s->process_input();
          notify_output(*s);
        }
      } else if (deadline != 0 && deadline < next) {
        next = deadline;
      }
    } else if (cron && idle_ms > 0 && s != default_session_ && !s->replica() && !s->master_link() &&
               now / 1000 - s->last_interaction_ms() > idle_ms) {
      s->close_now();
      notify_output(*s);
    } else if (cron && now / 1000 - s->last_interaction_ms() > detail::kIdleBuffersMs) {
      s->release_idle_buffers();
    }
    s = following;
  }
  // The tracking table shrinks to a lowered tracking-table-max-keys without waiting for a command
  // (Redis's serverCron); invalidations of keys expired or evicted here, BCAST batches included,
  // go out now rather than with the next command (Redis sends them from beforeSleep).
  if (MICROREDIS_WITH_TRACKING && cron && MICROREDIS_UNLIKELY(tracking_->tracking_clients() != 0) &&
      settings_.tracking_table_max_keys != 0 && tracking_->total_keys() > settings_.tracking_table_max_keys) {
    tracking_->enforce_limit(*this, static_cast<std::size_t>(settings_.tracking_table_max_keys), random());
  }
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->active())) tracking_->after_command(*this, nullptr);
  if (resume_pending_) resume_paused();
  if (MICROREDIS_UNLIKELY(propagating_)) replication_cron();
#if MICROREDIS_WITH_MASTER_LINK
  if (MICROREDIS_UNLIKELY(is_replica())) replica_cron();
#endif

  // instantaneous_ops_per_sec over the last interval of at least 100 ms.
  std::int64_t dt = now - stats_.ops_sample_time_us;
  if (dt >= 100'000) {
    std::uint64_t ops = stats_.commands_processed - stats_.ops_sample_commands;
    stats_.instantaneous_ops = static_cast<std::uint64_t>(static_cast<double>(ops) * 1e6 / static_cast<double>(dt));
    stats_.ops_sample_commands = stats_.commands_processed;
    stats_.ops_sample_time_us = now;
  }
  next_deadline_us_ = next;
  return next;
}

MICROREDIS_INLINE void Engine::reset_stats() {
  cmd_stats_.reset();
  histograms_->reset();
  error_stats_.clear();
  stats_ = EngineStats{};
  shared_.keyspace_hits = shared_.keyspace_misses = shared_.expired_keys = shared_.evicted_keys = 0;
}

}  // namespace microredis
