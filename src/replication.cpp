// Command propagation, the master side of replication and the AOF (see replication.hpp).
#include "microredis/engine.hpp"
#include "microredis/commands.hpp"
#include "microredis/store/rdb.hpp"
#include "commands/rdb_limits.hpp"

namespace microredis {

namespace replication_impl {
inline bool append_len_line(Buffer& out, char type, std::size_t n) {
  char buf[kLongLongChars + 3];
  buf[0] = type;
  std::size_t len = 1 + format_int64(buf + 1, static_cast<std::int64_t>(n));
  buf[len++] = '\r';
  buf[len++] = '\n';
  return out.append(buf, len);
}
constexpr std::string_view kMulti = "*1\r\n$5\r\nMULTI\r\n";
constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
}  // namespace replication_impl

MICROREDIS_INLINE std::string_view master_replid(std::uint64_t seed, char (&buf)[41]) {
  return hex_id(buf, seed, 0x7265706c6964ull);
}

// ---------------------------------------------------------------------------------------------
// Pending operations

MICROREDIS_INLINE bool Replication::encode(Buffer& out, const std::string_view* argv, std::size_t argc) {
  using replication_impl::append_len_line;
  bool ok = append_len_line(out, '*', argc);
  for (std::size_t i = 0; i < argc; ++i) {
    ok = ok && append_len_line(out, '$', argv[i].size()) && out.append(argv[i]) && out.append("\r\n", 2);
  }
  return ok;
}

MICROREDIS_INLINE bool Replication::add(int db, const std::string_view* argv, std::size_t argc) {
  const std::size_t pos = bytes_.size();
  if (!encode(bytes_, argv, argc) || !ops_.push_back(Op{db, pos, bytes_.size() - pos})) {
    (void)bytes_.resize(pos);
    return false;
  }
  return true;
}

MICROREDIS_INLINE ReplicaInfo* Replication::find(const Session& s) {
  for (auto& r : replicas_) {
    if (r.session == &s) return &r;
  }
  return nullptr;
}

MICROREDIS_INLINE AofSink MemoryAof::sink() {
  AofSink k;
  k.ctx = this;
  k.append = [](void* ctx, std::string_view bytes) { return static_cast<MemoryAof*>(ctx)->incr_.append(bytes); };
  k.rewrite = [](void* ctx, std::string_view base) {
    auto* m = static_cast<MemoryAof*>(ctx);
    m->base_.clear();
    m->incr_.clear();
    return m->base_.append(base);
  };
  k.load = [](void* ctx, Buffer& base, Buffer& incr) {
    auto* m = static_cast<MemoryAof*>(ctx);
    return base.append(m->base_.view()) && incr.append(m->incr_.view());
  };
  return k;
}

// ---------------------------------------------------------------------------------------------
// Context API

MICROREDIS_INLINE void Context::propagate_as(std::initializer_list<std::string_view> args) {
  propagate_as(args.begin(), args.size());
}

MICROREDIS_INLINE void Context::propagate_as(const std::string_view* args, std::size_t n) {
  propagation_prevented = true;
  if (engine.propagating()) (void)engine.replication().set_rewrite(session.db_index(), args, n);
}

MICROREDIS_INLINE void Context::also_propagate(std::initializer_list<std::string_view> args) const {
  also_propagate(args.begin(), args.size());
}

MICROREDIS_INLINE void Context::also_propagate(const std::string_view* args, std::size_t n) const {
  if (engine.propagating()) engine.also_propagate(session.db_index(), args, n);
}

// ---------------------------------------------------------------------------------------------
// Engine: recording and sending

MICROREDIS_INLINE void Engine::also_propagate(int db, const std::string_view* argv, std::size_t argc) {
  if (!propagating_ || repl_->loading) return;
  (void)repl_->add(db, argv, argc);
  // Outside any command (active expiry, eviction in tick): out at once, unwrapped.
  if (call_depth_ == 0) flush_propagation(true);
}

MICROREDIS_INLINE void Engine::finish_propagation(Context& ctx, bool changed) {
  // EXEC is never propagated itself: its commands are, wrapped when there are several.
  const bool record = (changed || ctx.propagation_forced) && !repl_->loading && ctx.cmd.spec->handler != &exec_command_handler;
  if (!repl_->take_rewrite(record) && record && !ctx.propagation_prevented) {
    also_propagate(ctx.session.db_index(), ctx.argv, ctx.argc);
  }
  if (call_depth_ == 0) {
    // SCAN and RANDOMKEY may expire any number of keys on their way: those DELs go out as they
    // are, unwrapped, as after active expiry (Redis's CMD_TOUCHES_ARBITRARY_KEYS).
    const std::string_view name = ctx.cmd.spec->name;
    flush_propagation(name == "scan" || name == "randomkey");
  }
}

MICROREDIS_INLINE void Engine::flush_propagation(bool no_wrap) {
  Replication& r = *repl_;
  const std::size_t n = r.pending();
  if (n == 0) return;
  // One command is atomic; several (EXEC, a command that propagates more than one) are wrapped,
  // with the SELECT of the first before MULTI (propagatePendingCommands).
  const bool wrap = n > 1 && !no_wrap;
  if (wrap) emit(r.op(0).db, replication_impl::kMulti);
  for (std::size_t i = 0; i < n; ++i) emit(r.op(i).db, r.bytes(r.op(i)));
  if (wrap) emit(r.op(n - 1).db, replication_impl::kExec);
  r.clear();
}

MICROREDIS_INLINE void Engine::emit(int db, std::string_view bytes) {
  Replication& r = *repl_;
  char select_buf[64];
  std::string_view select;
  auto select_for = [&](int d) {
    char num[kLongLongChars];
    const std::size_t len = format_int64(num, d);
    std::size_t p = 0;
    auto put = [&](std::string_view v) {
      std::memcpy(select_buf + p, v.data(), v.size());
      p += v.size();
    };
    put("*2\r\n$6\r\nSELECT\r\n$");
    char l[4];
    const std::size_t ll = format_int64(l, static_cast<std::int64_t>(len));
    put({l, ll});
    put("\r\n");
    put({num, len});
    put("\r\n");
    return std::string_view(select_buf, p);
  };
  if (!r.replicas().empty()) {
    const bool sel = db >= 0 && db != r.repl_db;
    if (sel) {
      select = select_for(db);
      r.repl_db = db;
      r.offset += static_cast<std::int64_t>(select.size());
    }
    r.offset += static_cast<std::int64_t>(bytes.size());
    for (const ReplicaInfo& ri : r.replicas()) {
      Session& s = *ri.session;
      if (s.closing()) continue;
      Buffer& out = s.writer().buffer();
      bool ok = true;
      if (sel) ok = out.append(select);
      ok = ok && out.append(bytes);
      if (!ok) s.close_now();
      check_output_limits(s);
      notify_output(s);
    }
  } else if (r.backlog_active) {
    // No replica now, but the stream goes on (a replica reconnecting would resync anyway).
    if (db >= 0 && db != r.repl_db) r.repl_db = -1;
  }
  if (r.aof_on && aof_sink_.append != nullptr) {
    if (db >= 0 && db != r.aof_db) {
      (void)aof_sink_.append(aof_sink_.ctx, select_for(db));
      r.aof_db = db;
    }
    (void)aof_sink_.append(aof_sink_.ctx, bytes);
    if (settings_.appendfsync == 1 && aof_sink_.sync != nullptr) aof_sink_.sync(aof_sink_.ctx);
  }
}

MICROREDIS_INLINE void Engine::update_propagating() {
  propagating_ = !repl_->replicas().empty() || repl_->aof_on;
  if (!propagating_ && call_depth_ == 0) repl_->clear();
}

// ---------------------------------------------------------------------------------------------
// Replicas

// The whole dataset as an RDB file image (what SYNC sends and the AOF's base holds).
MICROREDIS_INLINE bool Engine::dataset_image(Buffer& image) {
  Vec<Db*> dbs(mem_);
  if (!dbs.reserve(static_cast<std::size_t>(db_count_))) return false;
  for (int i = 0; i < db_count_; ++i) (void)dbs.push_back(dbs_[i]);
  Buffer functions(mem_);
  if (function_host_ != nullptr && !function_host_->save(functions)) return false;
  return rdb::save_image(mem_, dbs.data(), db_count_, rdb::SaveLru::none, image, functions.view());
}

MICROREDIS_INLINE bool Engine::add_replica(Session& s) {
  Replication& r = *repl_;
  if (s.replica()) return true;
  Buffer image(mem_);
  if (!dataset_image(image)) return false;
  Buffer& out = s.writer().buffer();
  if (!replication_impl::append_len_line(out, '$', image.size()) || !out.append(image.view())) return false;
  if (!r.replicas().push_back(ReplicaInfo{&s, 0, now_ms(), 0})) return false;
  s.set_replica(true);
  // The next command the stream carries selects its database again (the replica starts in 0).
  r.repl_db = -1;
  r.backlog_active = true;
  r.last_ping_ms = now_ms();
  update_propagating();
  return true;
}

MICROREDIS_INLINE void Engine::remove_replica(Session& s) {
  Vec<ReplicaInfo>& v = repl_->replicas();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i].session != &s) continue;
    for (std::size_t j = i + 1; j < v.size(); ++j) v[j - 1] = v[j];
    v.pop_back();
    break;
  }
  s.set_replica(false);
  update_propagating();
}

MICROREDIS_INLINE void Engine::replica_ack(Session& s, std::int64_t offset) {
  ReplicaInfo* ri = repl_->find(s);
  if (ri == nullptr) return;
  if (offset > ri->ack_offset) ri->ack_offset = offset;
  ri->ack_time_ms = now_ms();
}

MICROREDIS_INLINE std::size_t Engine::good_replicas() const {
  std::size_t n = 0;
  const std::int64_t max_lag_ms = settings_.min_replicas_max_lag * 1000;
  for (const ReplicaInfo& r : repl_->replicas()) {
    if (now_ms() - r.ack_time_ms <= max_lag_ms) ++n;
  }
  return n;
}

MICROREDIS_INLINE std::size_t Engine::replicas_acked(std::int64_t offset) const {
  std::size_t n = 0;
  for (const ReplicaInfo& r : repl_->replicas()) {
    if (r.ack_offset >= offset) ++n;
  }
  return n;
}

// Pings replicas every repl-ping-replica-period seconds (replicationCron): a replica that hears
// nothing for repl-timeout drops the link.
MICROREDIS_INLINE void Engine::replication_cron() {
  Replication& r = *repl_;
  // appendfsync everysec: the appended commands become durable once a second.
  if (r.aof_on && settings_.appendfsync == 2 && aof_sink_.sync != nullptr && now_ms() - r.last_fsync_ms >= 1000) {
    r.last_fsync_ms = now_ms();
    aof_sink_.sync(aof_sink_.ctx);
  }
  if (r.replicas().empty()) return;
  const std::int64_t period_ms = settings_.repl_ping_replica_period * 1000;
  if (now_ms() - r.last_ping_ms < period_ms) return;
  r.last_ping_ms = now_ms();
  const std::string_view ping[] = {"PING"};
  Buffer bytes(mem_);
  if (!Replication::encode(bytes, ping, 1)) return;
  const bool aof = r.aof_on;
  r.aof_on = false;  // pings go to replicas only
  emit(-1, bytes.view());
  r.aof_on = aof;
}

// ---------------------------------------------------------------------------------------------
// AOF

MICROREDIS_INLINE void Engine::set_aof_sink(const AofSink* sink) {
  aof_sink_ = sink != nullptr ? *sink : AofSink{};
  if (aof_sink_.append == nullptr && repl_->aof_on) {
    repl_->aof_on = false;
    settings_.appendonly = false;
    update_propagating();
  }
}

MICROREDIS_INLINE bool Engine::rewrite_aof() {
  if (aof_sink_.append == nullptr) return false;
  Buffer image(mem_);
  if (!dataset_image(image)) return false;
  if (aof_sink_.rewrite == nullptr || !aof_sink_.rewrite(aof_sink_.ctx, image.view())) return false;
  repl_->aof_db = -1;
  ++repl_->aof_rewrites;
  if (aof_sink_.sync != nullptr) aof_sink_.sync(aof_sink_.ctx);
  return true;
}

MICROREDIS_INLINE bool Engine::set_appendonly(bool on) {
  Replication& r = *repl_;
  if (on == r.aof_on) return true;
  if (!on) {
    r.aof_on = false;
    settings_.appendonly = false;
    update_propagating();
    return true;
  }
  if (aof_sink_.append == nullptr) return false;
  // Turning AOF on writes the whole dataset as the base (Redis's startAppendOnly rewrite).
  if (!rewrite_aof()) return false;
  r.aof_on = true;
  settings_.appendonly = true;
  update_propagating();
  return true;
}

MICROREDIS_INLINE bool Engine::load_aof() {
  if (aof_sink_.load == nullptr || repl_->loading) return false;
  Buffer base(mem_);
  Buffer incr(mem_);
  if (!aof_sink_.load(aof_sink_.ctx, base, incr)) return false;
  for (int i = 0; i < db_count_; ++i) {
    flushing(*dbs_[i]);
    dbs_[i]->clear();
  }
  if (function_host_ != nullptr) function_host_->flush();  // the AOF recreates them
  Replication& r = *repl_;
  const bool was_loading = r.loading;
  r.loading = true;
  bool ok = true;
  // Loading fires no keyspace events, as Redis's loadAppendOnlyFile.
  KeyspaceObserver* observer = shared_.observer;
  std::string_view commands[2] = {incr.view(), {}};
  if (base.size() >= 5 && std::string_view(base.data(), 5) == "REDIS") {
    shared_.observer = nullptr;
    Vec<Db*> dbs(mem_);
    ok = dbs.reserve(static_cast<std::size_t>(db_count_));
    for (int i = 0; ok && i < db_count_; ++i) (void)dbs.push_back(dbs_[i]);
    rdb::ImageLoad how;
    how.now_ms = now_ms();
    if (function_host_ != nullptr) {
      how.function = load_function_into_host;
      how.function_ctx = function_host_;
    }
    ok = ok && rdb::load_image(mem_, rdb_limits::load_limits(*this), base.view(), dbs.data(), db_count_, how) ==
                   rdb::LoadResult::ok;
    shared_.observer = observer;
  } else {
    commands[0] = base.view();
    commands[1] = incr.view();
  }
  // The commands run on a session of their own, as Redis's fake AOF client.
  Session* s = ok ? open_session() : nullptr;
  if (s != nullptr) {
    --stats_.connections_received;
    for (std::string_view part : commands) {
      while (!part.empty() && !s->closing()) {
        const std::size_t chunk = part.size() < 65536 ? part.size() : 65536;
        s->feed(part.substr(0, chunk));
        part.remove_prefix(chunk);
        s->consume_output(s->pending_output().size());
      }
    }
    ok = !s->closing() && s->query_buffer_size() == 0 && !s->in_multi();
    close_session(s);
  } else {
    ok = false;
  }
  r.loading = was_loading;
  return ok;
}

}  // namespace microredis
