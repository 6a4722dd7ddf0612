#include "microredis/session.hpp"

#include "microredis/engine.hpp"

namespace microredis {

namespace detail {
// Buffers that grew past this for one big request or reply are freed once empty.
constexpr std::size_t kKeepBufferBytes = 64 * 1024;
// An output buffer up to this size is kept while each flush of it carried more than
// kKeepBufferBytes: a client pipelining big replies (32 LRANGEs of 100 elements: ~80 KB per
// batch) would otherwise free and regrow it every batch, and the allocator hand the pages back to
// the kernel and fault them in again (15% of the server's time in that benchmark).
constexpr std::size_t kReuseOutputBytes = 256 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
}  // namespace detail

MICROREDIS_INLINE SessionExtras::SessionExtras(Memory& mem)
    : tx(mem),
      watched(mem),
      subs{Vec<PubSub::Node*>(mem), Vec<PubSub::Node*>(mem), Vec<PubSub::Node*>(mem)},
      blocked(mem),
      tracking(mem),
      name(mem),
      lib_name(mem),
      lib_ver(mem) {}

MICROREDIS_INLINE bool SessionExtras::unused() const {
  for (const auto& v : subs) {
    if (!v.empty()) return false;
  }
  return !tx.active() && tx.size() == 0 && watched.empty() && blocked.keys.empty() && !blocked.rerun &&
         !tracking.enabled && !tracking.caching && tracking.prefixes.empty() && name.empty() && lib_name.empty() &&
         lib_ver.empty();
}

MICROREDIS_INLINE bool Session::ensure_extras() {
  if (extras_ == nullptr) extras_ = engine_->memory().create<SessionExtras>(engine_->memory());
  return extras_ != nullptr;
}

MICROREDIS_INLINE void Session::free_extras() {
  engine_->memory().destroy(extras_);
  extras_ = nullptr;
}

MICROREDIS_INLINE Session::Session(Engine& engine, std::uint64_t id)
    : engine_(&engine),
      id_(id),
      parser_(engine.memory()),
      in_(engine.memory()),
      out_(engine.memory()),
      writer_(out_, 2),
      peer_(engine.memory()),
      local_addr_(engine.memory()) {
  created_ms_ = last_interaction_ms_ = engine.clock().now_ms();
  authenticated_ = !engine.settings().requirepass_set;
}

MICROREDIS_INLINE Session::~Session() {
  if (extras_ != nullptr) free_extras();
}

MICROREDIS_INLINE void Session::set_peer(std::string_view addr, std::string_view local_addr) {
  peer_.clear();
  local_addr_.clear();
  (void)peer_.append(addr);
  (void)local_addr_.append(local_addr);
}

MICROREDIS_INLINE bool Session::set_name(std::string_view name) {
  if (name.empty() && extras_ == nullptr) return true;
  if (!ensure_extras()) return false;
  extras_->name.clear();
  return extras_->name.append(name);
}

MICROREDIS_INLINE bool Session::set_lib_info(std::string_view name, std::string_view ver) {
  if (name.empty() && ver.empty()) return true;
  if (!ensure_extras()) return false;
  if (!name.empty()) {
    extras_->lib_name.clear();
    if (!extras_->lib_name.append(name)) return false;
  }
  if (!ver.empty()) {
    extras_->lib_ver.clear();
    if (!extras_->lib_ver.append(ver)) return false;
  }
  return true;
}

MICROREDIS_INLINE std::size_t Session::memory_usage() const {
  std::size_t n = sizeof(Session) + in_.capacity() + out_.capacity() + parser_.memory() + peer_.capacity() +
                  local_addr_.capacity();
  if (extras_ == nullptr) return n;
  const SessionExtras& x = *extras_;
  // A watched key or a subscription costs the session its own slot and its slot in the shared
  // node's list (the node and its name belong to every session on it, as Redis leaves key and
  // channel names out of a client's memory).
  n += sizeof(SessionExtras) + x.tx.memory() + x.watched.capacity() * sizeof(WatchRegistry::Node*) +
       x.watched.size() * sizeof(WatchRegistry::Watcher) + x.blocked.memory() + x.name.capacity() +
       x.lib_name.capacity() + x.lib_ver.capacity() + x.tracking.prefixes.capacity() * sizeof(void*) +
       x.tracking.prefixes.size() * sizeof(Session*);
  for (const auto& v : x.subs) n += v.capacity() * sizeof(PubSub::Node*) + v.size() * sizeof(Session*);
  return n;
}

MICROREDIS_INLINE void Session::protocol_error() {
  // Redis replies with the error, then closes the connection once the reply is written.
  Status err = parser_.error();
  if (err == Status::oom) {
    close_now();
    return;
  }
  if (err == Status::proto_expected_dollar) {
    char c[2] = {parser_.error_char(), 0};
    writer_.error(err, std::string_view(c, 1));
  } else {
    writer_.error(err);
  }
  engine_->count_error_reply(writer_.last_error_code());
  close_after_reply();
  parser_.reset();
}

MICROREDIS_INLINE std::size_t Session::run_commands(const char* data, std::size_t len) {
  // The settings are 64-bit; on a 32-bit target a limit past SIZE_MAX means "no limit".
  constexpr std::uint64_t kMaxSize = static_cast<std::size_t>(-1);
  const std::uint64_t bulk = engine_->settings().proto_max_bulk_len;
  const std::uint64_t multibulk = engine_->settings().proto_max_multibulk_len;
  const ParserLimits limits{static_cast<std::size_t>(bulk < kMaxSize ? bulk : kMaxSize),
                            static_cast<std::size_t>(multibulk < kMaxSize ? multibulk : kMaxSize), 64 * 1024, 10, 16384};
  ParsedBatch batch;
  std::size_t pos = 0;
  while (pos < len && !closing() && block_ == BlockReason::none) {
    // Fast path: the next whole commands parsed in one pass, the keys they name prefetched.
    if (authenticated_ && !master_link() && !parser_.in_command() &&
        parse_ahead(data + pos, len - pos, limits, batch) > 0) {
      pos = run_batch(batch, pos);
      continue;
    }
    RequestParser::Result r = parser_.parse(data + pos, len - pos, limits, authenticated_);
    if (r == RequestParser::Result::incomplete) break;
    if (r == RequestParser::Result::error) {
      protocol_error();
      return len;  // the rest of the input is dropped with the connection
    }
    if (parser_.argc() > 0) engine_->dispatch(*this, parser_.args(), parser_.argc());
    // The master's stream counts the replication offset by the bytes applied.
#if MICROREDIS_WITH_MASTER_LINK
    if (MICROREDIS_UNLIKELY(master_link_)) engine_->master_stream_applied(data + pos, parser_.consumed());
#endif
    // A command CLIENT PAUSE holds stays unconsumed: it is parsed and dispatched again once the
    // pause ends, with everything pipelined behind it.
    if (block_ == BlockReason::pause) break;
    pos += parser_.consumed();
  }
  // The argument arrays of a huge command (SADD of 100k members: 3 MB) are not kept for the next
  // one; the parser trims them itself only when its next command starts on the slow path.
  if (!parser_.in_command()) parser_.trim(detail::kKeepBufferBytes);
  return pos;
}

MICROREDIS_INLINE std::size_t Session::run_batch(const ParsedBatch& batch, std::size_t pos) {
  // Over a big keyspace each command waits on two dependent cache misses: its table bucket, then
  // its entry. The buckets of the whole batch are requested first; the entries of command i + kLead
  // (whose bucket has had time to arrive) while command i runs. The misses overlap instead of
  // queueing one after the other.
  //
  // Commands that share their key with the command before them (SADD, HSET, ZADD... on one big
  // collection) miss one level down instead, on the members of that key's table: their member
  // buckets, then members, are requested the same way, all before the first command runs (a
  // command may free the collection: nothing of it is read once commands have started).
  constexpr std::size_t kLead = 8;
  std::uint64_t hashes[ParsedBatch::kMaxCommands];
  Db::MemberHint members[ParsedBatch::kMaxCommands];
  std::size_t hinted[ParsedBatch::kMaxCommands];
  std::size_t hinted_count = 0;
  const Db* db = batch.count >= 2 && !in_multi() ? &engine_->db(db_) : nullptr;
  if (db != nullptr) {
    for (std::size_t i = 0; i < batch.count; ++i) {
      // A command without a second argument prefetches its first (harmless: a hint).
      hashes[i] = db->prefetch_bucket(batch.args[batch.first_arg[i] + (batch.argc[i] >= 2 ? 1 : 0)]);
    }
    const auto key_of = [&](std::size_t i) { return batch.args[batch.first_arg[i] + 1]; };
    const Entry* collection = nullptr;  // of the run of commands on one key that i is in
    for (std::size_t i = 0; i < batch.count; ++i) {
      if (batch.argc[i] < 3) continue;
      const std::string_view* argv = batch.args + batch.first_arg[i];
      const bool after_same = i > 0 && batch.argc[i - 1] >= 3 && key_of(i - 1) == argv[1];
      if (!after_same) {
        if (i + 1 == batch.count || batch.argc[i + 1] < 3 || key_of(i + 1) != argv[1]) continue;
        collection = db->peek(argv[1], hashes[i]);  // a run starts here
      }
      if (collection == nullptr) continue;
      // The member: the argument after the key (SADD, HSET, HGET, SISMEMBER...), the last one for
      // a sorted set (ZADD key score member, ZINCRBY, ZSCORE). Only a hint where it is not.
      const std::string_view member = collection->type() == ValueType::zset ? argv[batch.argc[i] - 1] : argv[2];
      if (Db::prefetch_member_bucket(*collection, member, members[i])) hinted[hinted_count++] = i;
    }
    for (std::size_t i = 0; i < kLead && i < batch.count; ++i) db->prefetch_entries(hashes[i]);
    for (std::size_t k = 0; k < hinted_count; ++k) Db::prefetch_member_entries(members[hinted[k]]);
  }
  const std::size_t base = pos;
  for (std::size_t i = 0; i < batch.count; ++i) {
    if (db != nullptr && i + kLead < batch.count) db->prefetch_entries(hashes[i + kLead]);
    engine_->dispatch(*this, batch.args + batch.first_arg[i], batch.argc[i]);
    if (block_ == BlockReason::pause) break;  // held unconsumed, as in run_commands
    pos = base + batch.end[i];
    // The rest was parsed for an authenticated client under the batch's limits: a session that
    // stops (or is no longer authenticated: RESET) goes back to parsing command by command.
    if (closing() || block_ != BlockReason::none || !authenticated_) break;
  }
  return pos;
}

MICROREDIS_INLINE void Session::compact_input() {
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
    if (!parser_.in_command()) in_.shrink_if_over(detail::kKeepBufferBytes);
  } else if (in_pos_ > 0) {
    in_.erase_front(in_pos_);
    in_pos_ = 0;
  }
}

MICROREDIS_INLINE void Session::feed(std::string_view bytes) {
  if (close_now_) return;
  const Engine::InputBatch batch(*engine_);
  last_interaction_ms_ = engine_->now_ms();
  net_in_ += bytes.size();
  engine_->stats().net_input_bytes += bytes.size();
  // Fast path: nothing buffered, so run commands straight from the caller's bytes and keep only
  // an incomplete tail. (The master link's input always goes through the buffer.)
  if (in_.size() == in_pos_ && !in_feed_ && block_ == BlockReason::none && !master_link_) {
    in_feed_ = true;
    std::size_t used = run_commands(bytes.data(), bytes.size());
    in_feed_ = false;
    if (used < bytes.size() && !closing()) {
      in_.clear();
      in_pos_ = 0;
      if (!in_.append(bytes.data() + used, bytes.size() - used)) close_now();
    }
    if (in_.size() - in_pos_ > engine_->settings().client_query_buffer_limit) {
      ++engine_->stats().client_query_buffer_limit_disconnections;
      close_now();
    }
    engine_->client_memory_changed(*this);
    return;
  }
  if (!in_.append(bytes)) {
    close_now();
    return;
  }
  engine_->client_memory_changed(*this);  // maxmemory-clients may evict it before it runs anything
  process_input();
}

MICROREDIS_INLINE void Session::release_idle_buffers() {
  bool freed = false;
  // Not while an adapter holds input_space() for a read under way (Asio's pending async read).
  if (!input_lent_ && in_pos_ == in_.size() && !parser_.in_command() &&
      (in_.capacity() != 0 || parser_.memory() != 0)) {
    in_.release();
    in_pos_ = 0;
    parser_.trim(0);
    freed = true;
  }
  if (out_pos_ == out_.size() && hold_at_ == kNoHold && out_.capacity() != 0) {
    out_.release();
    out_pos_ = 0;
    freed = true;
  }
  if (freed) engine_->client_memory_changed(*this);
}

MICROREDIS_INLINE char* Session::input_space(std::size_t min_size, std::size_t& available) {
  if (min_size < detail::kReadChunk) min_size = detail::kReadChunk;
  if (in_pos_ > 0 && in_pos_ == in_.size()) compact_input();
  // A big bulk argument in progress: make room for what it still needs, but at most double the
  // buffer per call, so that a declared length alone (never sent) cannot reserve 512 MB.
  std::size_t needed = parser_.bytes_needed();
  std::size_t have = in_.size() - in_pos_;
  bool exact = false;
  if (needed > have) {
    // An argument in progress: room for what it still lacks (a read chunk at least), at most
    // doubling the buffer per call, and no growth factor on top, so that the buffer of a big
    // argument ends at about its size, as Redis sizes its query buffer for one (CLIENT LIST
    // tot-mem and maxmemory-clients count the capacity).
    std::size_t extra = needed - have;
    std::size_t cap = in_.size() + min_size;
    min_size = extra < detail::kReadChunk ? detail::kReadChunk : extra < cap ? extra : cap;
    exact = true;
  }
  if (in_.capacity() - in_.size() < min_size &&
      !(exact ? in_.reserve(in_.size() + min_size) : in_.grow_for(min_size))) {
    available = 0;
    close_now();
    return nullptr;
  }
  available = in_.capacity() - in_.size();
  input_lent_ = true;
  return in_.data() + in_.size();
}

MICROREDIS_INLINE void Session::commit_input(std::size_t n) {
  receive_input(n);
  run_input();
}

MICROREDIS_INLINE void Session::receive_input(std::size_t n) {
  input_lent_ = false;
  (void)in_.resize(in_.size() + n);  // the space was reserved by input_space()
  net_in_ += n;
  engine_->stats().net_input_bytes += n;
  engine_->client_memory_changed(*this);  // maxmemory-clients may evict it before it runs anything
}

MICROREDIS_INLINE void Session::run_input() {
  const Engine::InputBatch batch(*engine_);
  last_interaction_ms_ = engine_->now_ms();  // after the batch's fresh time snapshot
  process_input();
}

namespace detail {
// The key, the argument after it and the last argument of the RESP command at data[0..len)
// ("*<n>\r\n$<len>\r\n<name>\r\n$<len>\r\n<key>\r\n..."), as far as they are in the buffer and the
// command has at most 8 arguments. Nothing is validated beyond the bounds: prefetch hints only.
inline void scan_first_command(const char* data, std::size_t len, Session::InputPrefetch& p) {
  const char* at = data;
  const char* const end = data + len;
  const auto number = [&](char lead, std::size_t& value) {
    if (at == end || *at != lead) return false;
    ++at;
    value = 0;
    // Stop before value * 10 + 9 could wrap (1 << 40 is no bound where size_t has 32 bits).
    constexpr std::size_t kLargestBeforeDigit = (static_cast<std::size_t>(-1) - 9) / 10;
    while (at != end && *at >= '0' && *at <= '9' && value <= kLargestBeforeDigit) {
      value = value * 10 + static_cast<std::size_t>(*at++ - '0');
    }
    if (end - at < 2 || *at != '\r') return false;
    at += 2;
    return true;
  };
  std::size_t argc = 0;
  if (!number('*', argc) || argc < 2 || argc > 8) return;
  for (std::size_t i = 0; i < argc; ++i) {
    std::size_t n = 0;
    if (!number('$', n) || static_cast<std::size_t>(end - at) < n) return;
    const std::string_view arg(at, n);
    if (i == 1) p.key = arg;
    if (i == 2) p.second = arg;
    if (i == argc - 1 && i >= 2) p.last = arg;
    if (static_cast<std::size_t>(end - at) < n + 2) return;
    at += n + 2;
  }
}
}  // namespace detail

MICROREDIS_INLINE void Session::prefetch_input(InputPrefetch& p, int step) const {
  const Db& db = engine_->db(db_);
  switch (step) {
    case 0:
      p = InputPrefetch{};
      if (block_ != BlockReason::none || closing() || master_link_ || parser_.in_command()) return;
      MICROREDIS_PREFETCH(out_.data() + out_.size());  // where the reply goes
      detail::scan_first_command(in_.data() + in_pos_, in_.size() - in_pos_, p);
      if (!p.key.empty()) p.hash = db.prefetch_bucket(p.key);
      return;
    case 1:
      if (p.hash != 0) db.prefetch_entries(p.hash);
      return;
    case 2: {
      if (p.second.empty()) return;
      const Entry* e = db.peek(p.key, p.hash);
      if (e == nullptr) return;
      // As in run_batch: the member is the argument after the key, a sorted set's the last one.
      const std::string_view member = e->type() == ValueType::zset ? p.last : p.second;
      if (!member.empty()) p.member_hinted = Db::prefetch_member_bucket(*e, member, p.member);
      return;
    }
    case 3:
      if (p.member_hinted) Db::prefetch_member_entries(p.member);
      return;
    default:
      return;
  }
}

MICROREDIS_INLINE void Session::process_input() {
  if (in_feed_ || close_now_) return;  // commands already running further up the stack
#if MICROREDIS_WITH_MASTER_LINK
  if (MICROREDIS_UNLIKELY(master_link_) && !engine_->master_streaming()) {
    // Handshake replies and the RDB payload, before the command stream.
    in_pos_ += engine_->master_link_input(*this, in_.data() + in_pos_, in_.size() - in_pos_);
    if (closing()) {
      in_.clear();
      in_pos_ = 0;
      return;
    }
    if (!engine_->master_streaming()) {
      compact_input();
      return;
    }
  }
#endif
  in_feed_ = true;
  std::size_t used = run_commands(in_.data() + in_pos_, in_.size() - in_pos_);
  in_feed_ = false;
  in_pos_ += used;
  if (in_.size() - in_pos_ > engine_->settings().client_query_buffer_limit && !master_link()) {
    ++engine_->stats().client_query_buffer_limit_disconnections;
    close_now();
  }
  if (closing()) {
    in_.clear();
    in_pos_ = 0;
    return;
  }
  compact_input();
  engine_->client_memory_changed(*this);
}

MICROREDIS_INLINE void Session::consume_output(std::size_t n) {
  std::size_t pending = out_.size() - out_pos_;
  if (n > pending) n = pending;
  out_pos_ += n;
  net_out_ += n;
  engine_->stats().net_output_bytes += n;
  if (out_pos_ == out_.size()) {
    const bool big_flush = out_.size() > detail::kKeepBufferBytes;
    out_.clear();
    out_pos_ = 0;
    if (hold_at_ != kNoHold) hold_at_ = 0;
    if (!big_flush || out_.capacity() > detail::kReuseOutputBytes) {
      out_.shrink_if_over(detail::kKeepBufferBytes);
    }
    soft_limit_since_ms = 0;
  } else if (out_pos_ >= detail::kKeepBufferBytes && out_pos_ * 2 >= out_.size()) {
    // Most of a big buffer has gone out: move the rest to the front.
    out_.erase_front(out_pos_);
    if (hold_at_ != kNoHold) hold_at_ -= out_pos_;
    out_pos_ = 0;
  }
  engine_->client_memory_changed(*this);
}

MICROREDIS_INLINE void Session::block_until(BlockReason why, std::int64_t deadline_us) {
  block_ = why;
  block_deadline_us_ = deadline_us;
  if (deadline_us != 0) engine_->note_deadline(deadline_us);
}

MICROREDIS_INLINE void Session::unblock() {
  block_ = BlockReason::none;
  block_deadline_us_ = 0;
}

MICROREDIS_INLINE Reply Session::execute(const std::string_view* argv, std::size_t argc) {
  std::size_t start = out_.size();
  const bool was_direct = direct_;
  direct_ = true;
  if (argc > 0) engine_->dispatch(*this, argv, argc);
  direct_ = was_direct;
  Reply reply;
  std::string_view produced(out_.data() + start, out_.size() - start);
  if (!writer_.ok_state()) {
    reply = Reply::error(Status::oom);  // the reply could not be written whole
  } else if (!produced.empty()) {
    parse_reply(produced, reply);
  }
  // The reply has been handed over: it is not pending output. A big one (COMMAND DOCS) does not
  // keep its buffer, as consume_output() would not either.
  (void)out_.resize(start);
  out_.shrink_if_over(detail::kKeepBufferBytes);
  if (out_pos_ > out_.size()) out_pos_ = out_.size();
  if (hold_at_ != kNoHold && hold_at_ > out_.size()) hold_at_ = out_.size();
  return reply;
}

MICROREDIS_INLINE void Session::hold_output(std::int64_t deadline_us, std::uint32_t ticks) {
  if (hold_at_ == kNoHold) {
    hold_at_ = out_.size();
    hold_deadline_us_ = deadline_us;
    hold_ticks_ = ticks;
  } else {
    if (deadline_us > hold_deadline_us_ || deadline_us == 0) hold_deadline_us_ = deadline_us;
    if (ticks > hold_ticks_ || ticks == 0) hold_ticks_ = ticks;
  }
  if (deadline_us != 0) engine_->note_deadline(deadline_us);
}

MICROREDIS_INLINE bool Session::tick_output_hold(std::int64_t now_us, std::int64_t& next_us) {
  if (hold_at_ == kNoHold) return false;
  if (hold_ticks_ != 0 && --hold_ticks_ == 0) hold_deadline_us_ = now_us;
  if (hold_deadline_us_ != 0 && hold_deadline_us_ <= now_us) {
    release_output();
    return true;
  }
  if (hold_deadline_us_ != 0 && hold_deadline_us_ < next_us) next_us = hold_deadline_us_;
  return false;
}

}  // namespace microredis
