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

MICROREDIS_INLINE bool Replication::add(int db, const std::string_view* argv, std::size_t argc, bool to_aof) {
  const std::size_t pos = bytes_.size();
  if (!encode(bytes_, argv, argc) || !ops_.push_back(Op{db, pos, bytes_.size() - pos, to_aof})) {
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
    if (ctx.propagation_replicas_only) {
      (void)repl_->add(ctx.session.db_index(), ctx.argv, ctx.argc, false);
    } else {
      also_propagate(ctx.session.db_index(), ctx.argv, ctx.argc);
    }
  }
  if (call_depth_ == 0) {
    // SCAN and RANDOMKEY may expire any number of keys on their way: those DELs go out as they
    // are, unwrapped, as after active expiry (Redis's CMD_TOUCHES_ARBITRARY_KEYS).
    const std::string_view name = ctx.cmd.spec->name();
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
  bool any_aof = false;
  for (std::size_t i = 0; i < n; ++i) any_aof = any_aof || r.op(i).aof;
  if (wrap) emit(r.op(0).db, replication_impl::kMulti, any_aof);
  for (std::size_t i = 0; i < n; ++i) emit(r.op(i).db, r.bytes(r.op(i)), r.op(i).aof);
  if (wrap) emit(r.op(n - 1).db, replication_impl::kExec, any_aof);
  r.clear();
}

MICROREDIS_INLINE void Engine::emit(int db, std::string_view bytes, bool aof) {
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
  // A replica's own replicas get its master's stream as it was applied (master_stream_applied),
  // never what the replica's own clients write (Redis's replicationFeedSlaves on a replica).
  if (!r.replicas().empty() && !is_replica()) {
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
  } else if (r.backlog_active && !is_replica()) {
    // No replica now, but the stream goes on (a replica reconnecting would resync anyway).
    if (db >= 0 && db != r.repl_db) r.repl_db = -1;
  }
  if (aof && r.aof_on && aof_sink_.append != nullptr) {
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
  // On a replica, the stream that follows is the master's, in the database the master selected
  // last: the new replica starts there (Redis passes it as the RDB's repl-stream-db).
  const Session* master = is_replica() ? r.master_link->master : nullptr;
  if (master != nullptr && master->db_index() != 0) {
    char num[kLongLongChars];
    const std::string_view db(num, format_int64(num, master->db_index()));
    const std::string_view select[] = {"SELECT", db};
    if (!Replication::encode(out, select, 2)) return false;
  }
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
  if (!repl_->waiters.empty()) serve_waiters();
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
  // A replica's replicas hear its master's PINGs.
  if (r.replicas().empty() || is_replica()) return;
  const std::int64_t period_ms = settings_.repl_ping_replica_period * 1000;
  if (now_ms() - r.last_ping_ms < period_ms) return;
  r.last_ping_ms = now_ms();
  const std::string_view ping[] = {"PING"};
  send_to_replicas(ping, 1);
}

MICROREDIS_INLINE void Engine::send_to_replicas(const std::string_view* argv, std::size_t argc) {
  Replication& r = *repl_;
  Buffer bytes(mem_);
  if (!Replication::encode(bytes, argv, argc)) return;
  const bool aof = r.aof_on;
  r.aof_on = false;  // pings and GETACKs go to replicas only
  emit(-1, bytes.view());
  r.aof_on = aof;
}

// ---------------------------------------------------------------------------------------------
// The replica side (REPLICAOF): the link to the master and the stream it carries
//
// The engine runs the protocol of Redis's syncWithMaster/readSyncBulkPayload on a session the
// adapter connected for it: PING; then AUTH (masterauth), REPLCONF listening-port and REPLCONF
// capa eof capa psync2, pipelined; then PSYNC <replid> <offset + 1>. +CONTINUE keeps the data;
// +FULLRESYNC <replid> <offset> is followed by the RDB payload ("$<len>\r\n" and the bytes, or
// the diskless "$EOF:<40-byte mark>\r\n" ... mark), which replaces the dataset. The session's
// input is then the command stream, run as Redis's master client: no replies (but REPLCONF
// GETACK's ACK), no READONLY refusal, keys never expire by themselves.

MICROREDIS_INLINE void Engine::unset_master() {
#if MICROREDIS_WITH_MASTER_LINK
  Replication& r = *repl_;
  if (r.master_link == nullptr) return;
  lose_master_link();
  mem_.destroy(r.master_link);
  r.master_link = nullptr;
  // A new history starts here; the old id stays valid up to this offset (shiftReplicationId).
  std::memcpy(r.replid2, r.replid, sizeof r.replid);
  r.second_offset = r.offset + 1;
  char id[41];
  (void)hex_id(id, random().next(), 0x7265706c6964ull);
  std::memcpy(r.replid, id, sizeof r.replid);
  disconnect_replicas();
  r.repl_db = -1;
#endif
}

// The engine's replicas must resynchronize (their master changed its data or its history).
MICROREDIS_INLINE void Engine::disconnect_replicas() {
  Vec<ReplicaInfo>& v = repl_->replicas();
  while (!v.empty()) {
    Session& s = *v[v.size() - 1].session;
    remove_replica(s);
    s.close_now();
    notify_output(s);
  }
}

#if MICROREDIS_WITH_MASTER_LINK
namespace replication_impl {
// Handshake replies still awaited, in order.
enum HandshakeStep : std::uint8_t { kAwaitPong = 1, kAwaitAuth, kAwaitPort, kAwaitCapa, kAwaitPsync };
constexpr std::int64_t kRetryMs = 1000;  // a failed attempt is retried a second later (replicationCron)
}  // namespace replication_impl

MICROREDIS_INLINE void Engine::link_wanted() {
  if (link_listener_ != nullptr) link_listener_(link_ctx_);
}

// Drops the link (if any) without changing the master: the adapter closes its connection.
MICROREDIS_INLINE void Engine::lose_master_link() {
  Replication& r = *repl_;
  ++r.generation;
  if (r.master_link == nullptr) return;
  MasterLink& m = *r.master_link;
  if (Session* link = m.master) {
    m.master = nullptr;
    link->close_now();
    notify_output(*link);
  }
  if (m.link == LinkState::connected) m.down_since_ms = now_ms();
  m.stream_pending.clear();
  m.payload.clear();
  m.payload.shrink_if_over(0);
  m.payload_started = false;
  m.link = LinkState::connect;
}

MICROREDIS_INLINE bool Engine::set_master(std::string_view host, std::int64_t port) {
  Replication& r = *repl_;
  Buffer copy(mem_);
  if (!copy.append(host)) return false;
  if (r.master_link == nullptr) {
    r.master_link = mem_.create<MasterLink>(mem_);
    if (r.master_link == nullptr) return false;
  }
  MasterLink& m = *r.master_link;
  lose_master_link();
  // Clients blocked on keys or WAIT were waiting for a master's data: Redis ends their wait
  // (disconnectAllBlockedClients); commands held by CLIENT PAUSE run again later as usual.
  for (Session* s = sessions_; s != nullptr; s = s->next) {
    const BlockReason why = s->block_reason();
    if (why != BlockReason::keys && why != BlockReason::wait) continue;
    if (why == BlockReason::wait) {
      end_wait(*s);
    } else {
      release_block(*s);
      s->unblock();
    }
    s->writer().error(Status::unblocked_role_change);
    count_error_reply(s->writer().last_error_code());
    s->close_after_reply();
    notify_output(*s);
  }
  m.master_host = static_cast<Buffer&&>(copy);
  m.master_port = port;
  m.link = LinkState::connect;
  m.next_connect_ms = 0;
  link_wanted();
  return true;
}

MICROREDIS_INLINE bool Engine::wanted_master_link(MasterLinkRequest& out) const {
  const Replication& r = *repl_;
  if (r.master_link == nullptr) return false;
  const MasterLink& m = *r.master_link;
  if (m.link != LinkState::connect) return false;
  if (m.next_connect_ms != 0 && clock_->now_ms() < m.next_connect_ms) return false;
  out.host = m.master_host.view();
  out.port = static_cast<int>(m.master_port);
  out.generation = r.generation;
  return true;
}

MICROREDIS_INLINE void Engine::master_link_connecting(std::uint64_t generation) {
  Replication& r = *repl_;
  if (r.master_link == nullptr) return;
  MasterLink& m = *r.master_link;
  if (generation != r.generation || m.link != LinkState::connect) return;
  m.link = LinkState::connecting;
  m.last_io_ms = clock_->now_ms();
}

MICROREDIS_INLINE void Engine::master_link_failed(std::uint64_t generation) {
  Replication& r = *repl_;
  if (r.master_link == nullptr) return;
  MasterLink& m = *r.master_link;
  if (generation != r.generation || (m.link != LinkState::connecting && m.link != LinkState::connect)) return;
  ++r.generation;
  m.link = LinkState::connect;
  m.next_connect_ms = clock_->now_ms() + replication_impl::kRetryMs;
  note_deadline(m.next_connect_ms * 1000);
}

MICROREDIS_INLINE Session* Engine::attach_master_link(std::uint64_t generation) {
  Replication& r = *repl_;
  if (r.master_link == nullptr) return nullptr;
  MasterLink& m = *r.master_link;
  if (generation != r.generation || (m.link != LinkState::connecting && m.link != LinkState::connect)) {
    return nullptr;
  }
  Session* s = open_session();
  if (s == nullptr) return nullptr;
  --stats_.connections_received;  // an outgoing connection, as Redis's master client
  if (s->closing()) {             // past maxclients: the master is no client of that budget
    close_session(s);
    return nullptr;
  }
  s->set_master_link(true);
  s->set_authenticated(true);
  m.master = s;
  m.link = LinkState::handshake;
  m.handshake_step = replication_impl::kAwaitPong;
  m.last_io_ms = clock_->now_ms();
  const std::string_view ping[] = {"PING"};
  if (!Replication::encode(s->writer().buffer(), ping, 1)) {
    lose_master_link();
    return nullptr;
  }
  return s;
}

MICROREDIS_INLINE void Engine::send_ack() {
  Replication& r = *repl_;
  if (r.master_link == nullptr) return;
  MasterLink& m = *r.master_link;
  if (m.master == nullptr || m.link != LinkState::connected) return;
  char num[kLongLongChars];
  const std::string_view ack[] = {"REPLCONF", "ACK", {num, format_int64(num, r.offset)}};
  if (!Replication::encode(m.master->writer().buffer(), ack, 3)) return;
  m.last_ack_ms = now_ms();
  notify_output(*m.master);
}

// The dataset becomes the payload's (readSyncBulkPayload with the RDB loaded in memory).
MICROREDIS_INLINE bool Engine::load_payload() {
  Replication& r = *repl_;
  MasterLink& m = *r.master_link;
  for (int i = 0; i < db_count_; ++i) {
    flushing(*dbs_[i]);
    dbs_[i]->clear();
  }
  Vec<Db*> dbs(mem_);
  bool ok = dbs.reserve(static_cast<std::size_t>(db_count_));
  for (int i = 0; ok && i < db_count_; ++i) (void)dbs.push_back(dbs_[i]);
  // A replica keeps keys that have expired: the master's DELs remove them.
  rdb::ImageLoad how;
  how.now_ms = INT64_MIN;
  how.lfu = shared_.lfu;
  KeyspaceObserver* observer = shared_.observer;
  shared_.observer = nullptr;  // loading fires no keyspace events
  ok = ok && rdb::load_image(mem_, rdb_limits::load_limits(*this), m.payload.view(), dbs.data(), db_count_, how) ==
                 rdb::LoadResult::ok;
  shared_.observer = observer;
  m.payload.clear();
  m.payload.shrink_if_over(0);
  return ok;
}

MICROREDIS_INLINE void Engine::start_stream(std::string_view replid, std::int64_t offset) {
  Replication& r = *repl_;
  MasterLink& m = *r.master_link;
  if (replid.size() == 40) {
    std::memcpy(r.replid, replid.data(), 40);
    r.replid[40] = 0;
  }
  r.offset = m.read_offset = offset;
  m.link = LinkState::connected;
  m.stream_pending.clear();
  m.down_since_ms = 0;
  // The master's commands run without replies (REPLCONF GETACK writes its ACK past the mute).
  m.master->writer().set_muted(true);
  send_ack();
}

MICROREDIS_INLINE std::size_t Engine::master_link_input(Session& s, const char* data, std::size_t len) {
  using namespace replication_impl;
  Replication& r = *repl_;
  if (r.master_link == nullptr || &s != r.master_link->master) {
    s.close_now();  // a link REPLICAOF dropped: its bytes mean nothing any more
    return len;
  }
  MasterLink& m = *r.master_link;
  m.last_io_ms = now_ms();
  std::size_t used = 0;
  auto fail = [&]() {
    lose_master_link();
    m.next_connect_ms = now_ms() + kRetryMs;
    note_deadline(m.next_connect_ms * 1000);
    return len;
  };
  while (used < len && m.link != LinkState::connected) {
    if (m.link == LinkState::transfer && m.payload_started) {
      const char* p = data + used;
      const std::size_t n = len - used;
      if (m.payload_size >= 0) {
        const std::size_t want = static_cast<std::size_t>(m.payload_size) - m.payload.size();
        const std::size_t take = n < want ? n : want;
        if (!m.payload.append(p, take)) return fail();
        used += take;
        if (m.payload.size() < static_cast<std::size_t>(m.payload_size)) break;
      } else {
        // Diskless: the payload ends with the 40-byte mark; what follows it is the stream.
        const std::size_t before = m.payload.size();
        if (!m.payload.append(p, n)) return fail();
        const std::string_view all = m.payload.view();
        const std::size_t from = before >= 40 ? before - 39 : 0;
        const std::size_t at = all.find(std::string_view(m.eof_mark, 40), from);
        if (at == std::string_view::npos) {
          used = len;
          break;
        }
        used += at + 40 - before;
        (void)m.payload.resize(at);
      }
      if (!load_payload()) return fail();
      disconnect_replicas();  // they hold the old dataset
      start_stream({}, m.psync_offset);
      break;
    }
    const char* nl = static_cast<const char*>(std::memchr(data + used, '\n', len - used));
    if (nl == nullptr) {
      if (len - used > 64 * 1024) return fail();  // no reply line is that long
      break;
    }
    std::string_view line(data + used, static_cast<std::size_t>(nl - (data + used)));
    used += line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // the master's keep-alive newlines while it prepares the payload
    if (m.link == LinkState::transfer) {
      // "$<len>" or "$EOF:<mark>"
      if (line[0] != '$') return fail();
      line.remove_prefix(1);
      if (line.size() == 44 && line.substr(0, 4) == "EOF:") {
        std::memcpy(m.eof_mark, line.data() + 4, 40);
        m.payload_size = -1;
      } else {
        std::int64_t n = 0;
        if (!parse_int64(line, n) || n < 0) return fail();
        m.payload_size = n;
      }
      m.payload.clear();
      m.payload_started = true;
      if (m.payload_size >= 0 && !m.payload.reserve(static_cast<std::size_t>(m.payload_size))) return fail();
      if (m.payload_size == 0) return fail();  // an empty file is no RDB
      continue;
    }
    // Handshake replies.
    const bool error = line[0] == '-';
    switch (m.handshake_step) {
      case kAwaitPong: {
        // -NOAUTH (the AUTH below follows) is fine; other errors end the attempt.
        if (error && line.substr(0, 7) != "-NOAUTH" && line.substr(0, 7) != "-NOPERM" &&
            line.substr(0, 30) != "-ERR operation not permitted") {
          return fail();
        }
        Buffer& out = s.writer().buffer();
        bool ok = true;
        const Settings& st = settings_;
        if (!st.masterauth.empty()) {
          if (!st.masteruser.empty()) {
            const std::string_view auth[] = {"AUTH", st.masteruser.view(), st.masterauth.view()};
            ok = Replication::encode(out, auth, 3);
          } else {
            const std::string_view auth[] = {"AUTH", st.masterauth.view()};
            ok = Replication::encode(out, auth, 2);
          }
        }
        char num[kLongLongChars];
        const std::string_view port[] = {"REPLCONF", "listening-port", {num, format_int64(num, st.port)}};
        const std::string_view capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
        ok = ok && Replication::encode(out, port, 3) && Replication::encode(out, capa, 5);
        if (!ok) return fail();
        m.handshake_step = st.masterauth.empty() ? kAwaitPort : kAwaitAuth;
        notify_output(s);
        break;
      }
      case kAwaitAuth:
        if (error) return fail();
        m.handshake_step = kAwaitPort;
        break;
      case kAwaitPort:  // errors are ignored, as Redis does
        m.handshake_step = kAwaitCapa;
        break;
      case kAwaitCapa: {
        // PSYNC with the history this engine holds: a master that knows it continues it.
        char num[kLongLongChars];
        const std::string_view psync[] = {"PSYNC", {r.replid, 40}, {num, format_int64(num, r.offset + 1)}};
        if (!Replication::encode(s.writer().buffer(), psync, 3)) return fail();
        m.handshake_step = kAwaitPsync;
        notify_output(s);
        break;
      }
      case kAwaitPsync: {
        if (line.substr(0, 12) == "+FULLRESYNC ") {
          line.remove_prefix(12);
          const std::size_t space = line.find(' ');
          std::int64_t offset = 0;
          if (space != 40 || !parse_int64(line.substr(41), offset)) return fail();
          std::memcpy(r.replid, line.data(), 40);
          r.replid[40] = 0;
          m.psync_offset = offset;
          m.link = LinkState::transfer;
          m.payload_started = false;
          break;
        }
        if (line.substr(0, 9) == "+CONTINUE") {
          // The data stays; a new id (the master was promoted) takes over the old history.
          line.remove_prefix(9);
          if (!line.empty() && line[0] == ' ') line.remove_prefix(1);
          if (line.size() == 40 && std::memcmp(line.data(), r.replid, 40) != 0) {
            std::memcpy(r.replid2, r.replid, sizeof r.replid2);
            r.second_offset = r.offset + 1;
            disconnect_replicas();
          } else {
            line = {};
          }
          start_stream(line, r.offset);
          break;
        }
        return fail();  // -NOMASTERLINK, -LOADING, an old master without PSYNC: later
      }
      default: return fail();
    }
  }
  return used;
}

MICROREDIS_INLINE void Engine::master_stream_applied(const char* data, std::size_t len) {
  Replication& r = *repl_;
  if (r.master_link == nullptr || r.master_link->master == nullptr) return;
  MasterLink& m = *r.master_link;
  m.read_offset += static_cast<std::int64_t>(len);
  // The offset moves by whole transactions (Redis's reploff): a link lost inside one resumes
  // before its MULTI.
  std::string_view bytes(data, len);
  if (!m.stream_pending.empty() || m.master->in_multi()) {
    if (!m.stream_pending.append(bytes)) {
      lose_master_link();
      return;
    }
    if (m.master->in_multi()) return;
    bytes = m.stream_pending.view();
  }
  r.offset += static_cast<std::int64_t>(bytes.size());
  for (const ReplicaInfo& ri : r.replicas()) {
    Session& sub = *ri.session;
    if (sub.closing()) continue;
    if (!sub.writer().buffer().append(bytes)) sub.close_now();
    check_output_limits(sub);
    notify_output(sub);
  }
  m.stream_pending.clear();
}

// Once a second: the ACK, repl-timeout, and the next connection attempt (replicationCron).
MICROREDIS_INLINE void Engine::replica_cron() {
  MasterLink& m = *repl_->master_link;
  const std::int64_t now = now_ms();
  const std::int64_t timeout_ms = settings_.repl_timeout * 1000;
  switch (m.link) {
    case LinkState::connecting:
    case LinkState::handshake:
    case LinkState::transfer:
    case LinkState::connected: {
      std::int64_t last = m.last_io_ms;
      if (m.master != nullptr && m.master->last_interaction_ms() > last) last = m.master->last_interaction_ms();
      if (now - last > timeout_ms) {
        lose_master_link();  // MASTER timeout: no data nor PING received
        link_wanted();
        break;
      }
      if (m.link == LinkState::connected && now - m.last_ack_ms >= 1000) send_ack();
      break;
    }
    case LinkState::connect:
      if (m.next_connect_ms != 0 && now >= m.next_connect_ms) {
        m.next_connect_ms = 0;
        link_wanted();
      }
      break;
    default: break;
  }
}

#endif  // MICROREDIS_WITH_MASTER_LINK

// ---------------------------------------------------------------------------------------------
// WAIT

MICROREDIS_INLINE bool Engine::wait_for_replicas(Session& s, std::int64_t offset, std::int64_t replicas,
                                                 std::int64_t deadline_us) {
  if (!repl_->waiters.push_back(Replication::Waiter{&s, offset, replicas})) return false;
  s.block_until(BlockReason::wait, deadline_us);
  // Replicas are asked for their offset now (Redis asks in beforeSleep).
  const std::string_view getack[] = {"REPLCONF", "GETACK", "*"};
  send_to_replicas(getack, 3);
  return true;
}

// Ends s's WAIT without a reply.
MICROREDIS_INLINE void Engine::end_wait(Session& s) {
  Vec<Replication::Waiter>& v = repl_->waiters;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i].session != &s) continue;
    for (std::size_t j = i + 1; j < v.size(); ++j) v[j - 1] = v[j];
    v.pop_back();
    break;
  }
  s.unblock();
}

MICROREDIS_INLINE void Engine::finish_wait(Session& s) {
  std::int64_t offset = 0;
  for (const Replication::Waiter& w : repl_->waiters) {
    if (w.session == &s) offset = w.offset;
  }
  end_wait(s);
  s.writer().integer(static_cast<std::int64_t>(replicas_acked(offset)));
  s.process_input();
  notify_output(s);
}

MICROREDIS_INLINE void Engine::serve_waiters() {
  Vec<Replication::Waiter>& v = repl_->waiters;
  for (std::size_t i = 0; i < v.size();) {
    const Replication::Waiter w = v[i];
    if (static_cast<std::int64_t>(replicas_acked(w.offset)) < w.replicas) {
      ++i;
      continue;
    }
    finish_wait(*w.session);  // removes entry i
  }
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
