#include "microredis/engine.hpp"

#include "microredis/commands.hpp"
#include "microredis/util/glob.hpp"

#include <new>

namespace microredis {

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
      error_stats_(mem_) {
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
  (void)register_builtin_commands(commands_);
  (void)cmd_stats_.resize(commands_.id_count());
  for (auto& st : cmd_stats_) st = CommandStats{};
  apply_settings();
  startup_memory_ = mem_.used();
}

MICROREDIS_INLINE Engine::~Engine() {
  while (sessions_ != nullptr) close_session(sessions_);
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
  if (ref) ++cmd_stats_[ref.id].rejected_calls;
  count_error_reply(w.last_error_code());
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
    s.transaction().clear();
    watches_ptr_->unwatch_all(s);
    s.clear_watch_dirty();
    return;
  }
  s.transaction().flag_error();
}

MICROREDIS_INLINE void Engine::dispatch(Session& s, const std::string_view* argv, std::size_t argc) {
  refresh_time();
  Writer& w = s.writer();
  const std::size_t out_start = s.output_buffer_size();
  CommandRef ref = commands_.find(argv[0]);
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
    w.error(Status::wrong_arity, spec.name);
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
  if (settings_.maxmemory != 0) {
    // Eviction runs before every command, as Redis's processCommand does; only commands that may
    // grow memory are refused when it cannot get under the limit. Inside MULTI every queued command
    // may grow memory; EXEC only matters if it runs denyoom ones.
    const bool out_of_memory = over_memory_limit();
    bool denyoom = (spec.flags & kDenyOom) || (in_multi && !tx_control) ||
                   (spec.handler == &exec_command_handler && (s.transaction().flags() & kDenyOom));
    if (denyoom && out_of_memory) {
      w.error(Status::oom);
      return reject(s, ref, out_start);
    }
  }
  if (s.protocol() < 3 && !(spec.flags & kSubscribedContext) && s.in_pubsub()) {
    w.error(Status::subscribed_context, spec.name);
    return reject(s, ref, out_start);
  }
  if (in_multi && !tx_control) {
    if (!s.transaction().queue(ref, argv, argc)) {
      w.error(Status::oom);
      return reject(s, ref, out_start);
    }
    w.simple("QUEUED");
    return;
  }
  // Client-side caching keeps its table within tracking-table-max-keys.
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->tracking_clients() != 0) &&
      tracking_->total_keys() > settings_.tracking_table_max_keys && settings_.tracking_table_max_keys != 0) {
    tracking_->enforce_limit(*this, static_cast<std::size_t>(settings_.tracking_table_max_keys), random());
  }
  current_ = &s;
  call(s, ref, argv, argc);
  // CLIENT CACHING YES/NO applies to the next command only (CLIENT's own subcommands excepted).
  if (!s.in_multi() && spec.name.substr(0, 7) != "client|") s.tracking().caching = false;
  // Sessions blocked on keys this command gave data to are served once it is complete (for a
  // write inside MULTI, once EXEC is); tracking messages for the running session follow its reply.
  if (!ready_keys_.empty() && !s.in_exec()) serve_ready_keys();
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->active())) tracking_->after_command(*this, &s);
  current_ = nullptr;
}

MICROREDIS_INLINE void Engine::call(Session& s, CommandRef ref, const std::string_view* argv, std::size_t argc) {
  const CommandSpec& spec = *ref.spec;
  Writer& w = s.writer();
  CommandStats& st = cmd_stats_[ref.id];
  if (s.reply_mode() == Session::ReplyMode::skip_next) s.set_reply_mode(Session::ReplyMode::skip);
  std::uint64_t errors_before = w.errors();
  std::int64_t start_us = s.in_exec() ? clock_->now_us() : now_us_;
  s.set_last_command(spec.name);
  s.count_command();

  Context ctx{*this, s, *dbs_[s.db_index()], w, argv, argc, ref};
  spec.handler(ctx);
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(s.tracking().enabled) && (spec.flags & kReadonly) &&
      !(spec.flags & kPubsub) && !s.tracking().options.bcast) {
    remember_keys(s, spec, argv, argc);
  }

  std::int64_t end_us = clock_->now_us();
  ++st.calls;
  st.usec += static_cast<std::uint64_t>(end_us > start_us ? end_us - start_us : 0);
  ++stats_.commands_processed;
  if (w.errors() != errors_before) {
    ++st.failed_calls;
    count_error_reply(w.last_error_code());
  }
  if (MICROREDIS_UNLIKELY(s.reply_mode() == Session::ReplyMode::skip)) s.set_reply_mode(Session::ReplyMode::on);
  if (!w.ok_state()) s.close_now();
  if (!s.in_exec()) check_output_limits(s);
}

MICROREDIS_INLINE void Engine::check_output_limits(Session& s) {
  const OutputBufferLimit& lim = s.in_pubsub() ? settings_.output_limit_pubsub : settings_.output_limit_normal;
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
// Memory limit and eviction

MICROREDIS_INLINE bool Engine::over_memory_limit() {
  if (settings_.maxmemory == 0) return false;
  while (mem_.used() > settings_.maxmemory) {
    if (evict_some() == 0) return true;
  }
  return false;
}

MICROREDIS_INLINE std::size_t Engine::evict_some() {
  EvictionPolicy policy = settings_.maxmemory_policy;
  if (policy == EvictionPolicy::noeviction) return 0;
  bool volatile_only = policy == EvictionPolicy::volatile_lru || policy == EvictionPolicy::volatile_lfu ||
                       policy == EvictionPolicy::volatile_random || policy == EvictionPolicy::volatile_ttl;
  // Sample maxmemory-samples keys and evict the best candidate: approximated LRU/LFU/TTL, as Redis.
  Db* best_db = nullptr;
  Entry* best = nullptr;
  std::uint64_t best_score = 0;
  auto samples = static_cast<int>(settings_.maxmemory_samples > 0 ? settings_.maxmemory_samples : 5);
  for (int attempt = 0, taken = 0; taken < samples && attempt < samples * 20; ++attempt) {
    Db& d = *dbs_[random().below(static_cast<std::uint64_t>(db_count_))];
    if (d.size() == 0 || (volatile_only && d.volatile_count() == 0)) continue;
    Entry* e = d.random_entry();
    if (e == nullptr || (volatile_only && !e->has_expire())) continue;
    ++taken;
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
  if (best == nullptr) return 0;
  std::string_view key = best->key();
  Entry* detached = best_db->detach(key);
  if (detached == nullptr) return 0;
  ++shared_.evicted_keys;
  on_key_removed(*best_db, *detached, KeyRemoval::evicted);
  best_db->free_entry(detached);
  return 1;
}

MICROREDIS_INLINE void Engine::on_key_removed(Db& db, const Entry& entry, KeyRemoval why) {
  // Statistics are kept by the keyspace; here the removal becomes a write and an event.
  key_modified(db, entry.key());
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
  ++dirty_;
  watches_ptr_->touch(db, key);
  if (MICROREDIS_WITH_TRACKING && MICROREDIS_UNLIKELY(tracking_->active() || tracking_->total_prefixes() != 0)) {
    tracking_->invalidate(*this, current_, key);
  }
  if (MICROREDIS_UNLIKELY(!blocking_->empty(db.index())) && blocking_->find(db.index(), key) != nullptr) {
    mark_ready(db, key);
  }
}

MICROREDIS_INLINE void Engine::flushing(Db& db) {
  watches_ptr_->touch_all(db, nullptr);
  if (MICROREDIS_WITH_TRACKING && tracking_->tracking_clients() != 0) tracking_->invalidate_all(*this, current_);
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
  Vec<PubSub::Node*>& subs = s.subscriptions(kind);
  std::size_t removed = 0;
  while (!subs.empty()) {
    PubSub::Node* node = subs[0];
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

MICROREDIS_INLINE std::int64_t Engine::tick() {
  refresh_time();
  const std::int64_t now = now_us_;
  const std::int64_t hz = settings_.hz > 0 ? settings_.hz : 10;
  std::int64_t next = now + 1'000'000 / hz;

  // Active expiry: a bounded number of hash-space steps per database, round robin, more with a
  // higher active-expire-effort. Lazy expiry on access covers whatever this has not reached yet.
  if (settings_.active_expire_enabled) {
    ++stats_.active_expire_cycles;
    const std::size_t steps = 64 * static_cast<std::size_t>(settings_.active_expire_effort);
    for (int i = 0; i < db_count_; ++i) {
      Db& d = *dbs_[(expire_db_cursor_ + static_cast<std::size_t>(i)) % static_cast<std::size_t>(db_count_)];
      // Keep going while expired keys are dense (Redis's adaptive effort), within 16 rounds.
      for (int round = 0; round < 16 && d.volatile_count() > 0; ++round) {
        if (d.active_expire(steps) * 4 < steps) break;
      }
    }
    expire_db_cursor_ = (expire_db_cursor_ + 1) % static_cast<std::size_t>(db_count_);
  }
  for (int i = 0; i < db_count_; ++i) dbs_[i]->rehash(100);

  // Blocked sessions whose time has come, and idle clients.
  const std::int64_t idle_ms = settings_.timeout * 1000;
  for (Session* s = sessions_; s != nullptr;) {
    Session* following = s->next;
    if (s->blocked()) {
      const std::int64_t deadline = s->block_deadline_us();
      if (deadline != 0 && deadline <= now) {
        if (s->block_reason() == BlockReason::keys) {
          unblock_with_timeout(*s);
        } else {
          s->writer().ok();  // DEBUG SLEEP
          s->unblock();
          s->process_input();
          notify_output(*s);
        }
      } else if (deadline != 0 && deadline < next) {
        next = deadline;
      }
    } else if (idle_ms > 0 && s != default_session_ && now / 1000 - s->last_interaction_ms() > idle_ms) {
      s->close_now();
      notify_output(*s);
    }
    s = following;
  }

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
  for (auto& st : cmd_stats_) st = CommandStats{};
  error_stats_.clear();
  stats_ = EngineStats{};
  shared_.keyspace_hits = shared_.keyspace_misses = shared_.expired_keys = shared_.evicted_keys = 0;
}

}  // namespace microredis
