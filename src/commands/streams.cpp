// The stream family: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP XGROUP XACK
// XPENDING XCLAIM XAUTOCLAIM XINFO, as Redis 7.0's t_stream.c.
//
// The data layer is store/stream.hpp (Stream: blocks of entries, consumer groups and their
// pending lists). This file parses, calls it, replies and fires the keyspace events Redis fires.
// Empty streams stay in the keyspace (XDEL, XTRIM and MAXLEN 0 leave them), as in Redis.
//
// Blocking (XREAD / XREADGROUP with BLOCK): a call that finds nothing blocks on its keys with the
// `$` IDs already resolved and the COUNT Redis uses for a served client (1000 unless given)
// written into the saved arguments, so that running the command again after a write means
// "entries after the ID that was last when it blocked". A group reader (`>`) needs no rewriting:
// it asks for entries after the group's last delivered ID, whatever it is by then. Redis 7.0
// serves a woken client from the one key that became ready; running the command again serves
// every key that has new entries by then (the same reply unless two keys got entries at once).
//
// Where Redis 7.0 marks a key modified (WATCH) only for XADD, XDEL, XTRIM and XGROUP CREATE
// MKSTREAM, this family calls Context::modified for every change of a stream, consumer groups
// included, as every other family does.
//
// Layout: helpers (IDs, entry replies, group delivery), the commands, then the command table.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/stream.hpp"

namespace microredis {
namespace streams_cmds {

// ---------------------------------------------------------------------------------------------
// Helpers

// stream-node-max-bytes / stream-node-max-entries: when a block is full.
inline StreamLimits limits_of(const Context& c) {
  const Settings& s = c.engine.settings();
  StreamLimits l;
  l.node_max_bytes = s.stream_node_max_bytes;
  l.node_max_entries = s.stream_node_max_entries;
  return l;
}

inline Stream* stream_of(const Entry* e) { return e->object<Stream>(); }

inline void reply_id(Writer& out, const StreamID& id) {
  char buf[kStreamIDChars];
  out.bulk({buf, id.format(buf)});
}

inline void reply_element(Writer& out, const Element& e) {
  if (e.is_int()) return out.bulk_int(e.num);
  out.bulk({e.str, e.len});
}

inline void rollback_with_error(Context& c, Writer::Deferred mark, Status st) {
  (void)c.out.buffer().resize(mark.pos);
  c.out.error(st);
}

// Redis's streamParseIDOrReply (strict: "-" and "+" refused).
inline bool parse_id(Context& c, std::string_view arg, StreamID& id, std::uint64_t missing_seq, bool strict) {
  if (parse_stream_id(arg, id, missing_seq, strict, nullptr)) return true;
  c.out.error(Status::stream_invalid_id);
  return false;
}

// Redis's streamParseIntervalIDOrReply: "(<id>" is exclusive (and then strict).
inline bool parse_interval_id(Context& c, std::string_view arg, StreamID& id, bool& exclusive,
                              std::uint64_t missing_seq) {
  exclusive = arg.size() > 1 && arg[0] == '(';
  if (exclusive) return parse_id(c, arg.substr(1), id, missing_seq, true);
  return parse_id(c, arg, id, missing_seq, false);
}

// Parses a range start and end (XRANGE, XPENDING), exclusive ends moved inwards.
inline bool parse_range(Context& c, std::string_view start_arg, std::string_view end_arg, StreamID& start,
                        StreamID& end) {
  bool startex = false;
  bool endex = false;
  if (!parse_interval_id(c, start_arg, start, startex, 0)) return false;
  if (startex && !start.increment()) {
    c.out.error(Status::stream_invalid_start);
    return false;
  }
  if (!parse_interval_id(c, end_arg, end, endex, UINT64_MAX)) return false;
  if (endex && !end.decrement()) {
    c.out.error(Status::stream_invalid_end);
    return false;
  }
  return true;
}

// The entry the iterator stands on: [id, [field, value, ...]].
inline void reply_entry(Writer& out, StreamIterator& it, const StreamID& id, std::size_t numfields) {
  out.array(2);
  reply_id(out, id);
  out.array(numfields * 2);
  for (std::size_t i = 0; i < numfields; ++i) {
    Element field;
    Element value;
    it.next_field(field, value);
    reply_element(out, field);
    reply_element(out, value);
  }
}

// The single entry with this ID, as reply_entry; false (nothing written) when there is none.
inline bool reply_one(Writer& out, Stream& s, const StreamID& id) {
  StreamIterator it(s, &id, &id, false);
  StreamID found;
  std::size_t numfields = 0;
  if (!it.next(found, numfields)) return false;
  reply_entry(out, it, found, numfields);
  return true;
}

// Redis's streamReplyWithRange without a group: an array of up to count entries (0: all).
inline std::size_t reply_range(Context& c, Stream& s, const StreamID* start, const StreamID* end, std::size_t count,
                               bool reverse) {
  const Writer::Deferred mark = c.out.defer();
  StreamIterator it(s, start, end, reverse);
  StreamID id;
  std::size_t numfields = 0;
  std::size_t n = 0;
  while (it.next(id, numfields)) {
    reply_entry(c.out, it, id, numfields);
    if (++n == count) break;
  }
  c.out.end_array(mark, n);
  return n;
}

// The consumer of a group, created (with Redis's event) when missing; seen now either way.
inline StreamConsumer* lookup_or_create_consumer(Context& c, std::string_view key, StreamGroup& g,
                                                 std::string_view name) {
  StreamConsumer* consumer = g.find_consumer(name);
  if (consumer == nullptr) {
    consumer = g.add_consumer(c.mem(), name, c.now_ms());
    if (consumer == nullptr) return nullptr;
    c.notify(kNotifyStream, "xgroup-createconsumer", key);
  }
  consumer->seen_time = c.now_ms();
  return consumer;
}

// Redis's streamPropagateXCLAIM: a delivery as replicas and the AOF replay it, idempotently:
//   XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID <group last id>
inline void propagate_xclaim(Context& c, std::string_view key, std::string_view group, const StreamGroup& g,
                             const StreamPending& p, std::string_view id_text = {}) {
  char id[kStreamIDChars];
  if (id_text.empty()) id_text = {id, p.id.format(id)};
  char last[kStreamIDChars];
  char time[kLongLongChars];
  char count[kLongLongChars];
  const std::string_view args[] = {"XCLAIM", key, group, p.consumer->name(), "0", id_text, "TIME",
                                   {time, format_int64(time, p.delivery_time)}, "RETRYCOUNT",
                                   {count, format_int64(count, static_cast<std::int64_t>(p.delivery_count))},
                                   "FORCE", "JUSTID", "LASTID", {last, g.last_id.format(last)}};
  c.also_propagate(args, sizeof args / sizeof args[0]);
}

// Redis's streamPropagateGroupID: XGROUP SETID <key> <group> <last id> ENTRIESREAD <n>.
inline void propagate_group_id(Context& c, std::string_view key, std::string_view group, const StreamGroup& g) {
  char last[kStreamIDChars];
  char read[kLongLongChars];
  const std::string_view args[] = {"XGROUP", "SETID", key, group, {last, g.last_id.format(last)}, "ENTRIESREAD",
                                   {read, format_int64(read, g.entries_read)}};
  c.also_propagate(args, sizeof args / sizeof args[0]);
}

// Records the delivery of an entry to a consumer in the group's pending lists (a new pending
// entry, or one taken over from whichever consumer had it). False when out of memory.
inline bool deliver(Context& c, StreamGroup& g, StreamConsumer& consumer, const StreamID& id) {
  const std::int64_t now = c.now_ms();
  if (StreamPending* p = g.pel.find(id)) {
    if (!g.move_pending(c.mem(), *p, &consumer)) return false;
    p->delivery_time = now;
    p->delivery_count = 1;
    return true;
  }
  if (!g.pel.insert(c.mem(), StreamPending{id, now, 1, &consumer})) return false;
  if (!consumer.pel.insert(c.mem(), StreamPendingRef{id})) {
    g.pel.erase(c.mem(), id);
    return false;
  }
  return true;
}

// Redis's streamReplyWithRange for a group reader: entries from start on, moving the group's
// last delivered ID and read counter, and (without NOACK) adding them to the pending lists.
// Status::oom leaves the entries delivered so far pending; the caller takes the reply back.
inline Status reply_group_range(Context& c, Stream& s, const StreamID& start, std::size_t count, StreamGroup& g,
                                StreamConsumer& consumer, bool noack, std::string_view key = {},
                                std::string_view group_name = {}) {
  bool last_id_moved = false;
  const Writer::Deferred mark = c.out.defer();
  StreamIterator it(s, &start, nullptr, false);
  StreamID id;
  std::size_t numfields = 0;
  std::size_t n = 0;
  while (it.next(id, numfields)) {
    if (!noack && !deliver(c, g, consumer, id)) return Status::oom;
    if (id > g.last_id) {
      if (g.entries_read != StreamGroup::kInvalidEntriesRead && !s.range_has_tombstones(&id, nullptr)) {
        ++g.entries_read;  // a valid counter and no tombstone ahead: count on
      } else if (s.entries_added() != 0) {
        g.entries_read = s.estimate_distance(id);
      }
      g.last_id = id;
      last_id_moved = true;
    }
    if (!noack && c.propagating()) {
      if (const StreamPending* p = g.pel.find(id)) propagate_xclaim(c, key, group_name, g, *p);
    }
    reply_entry(c.out, it, id, numfields);
    if (++n == count) break;
  }
  c.out.end_array(mark, n);
  // With NOACK nothing else tells replicas how far the group read.
  if (noack && last_id_moved && c.propagating()) propagate_group_id(c, key, group_name, g);
  return Status::ok;
}

// Redis's streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from start on.
// An entry deleted since its delivery shows as [id, nil]; the others count one more delivery.
inline void reply_consumer_history(Context& c, Stream& s, StreamGroup& g, StreamConsumer& consumer,
                                   const StreamID& start, std::size_t count) {
  const Writer::Deferred mark = c.out.defer();
  std::size_t n = 0;
  for (auto cur = consumer.pel.lower_bound(start); cur.valid() && (count == 0 || n < count); cur.next()) {
    const StreamID id = cur.item().id;
    if (reply_one(c.out, s, id)) {
      if (StreamPending* p = g.pel.find(id)) {
        p->delivery_time = c.now_ms();
        ++p->delivery_count;
      }
    } else {
      c.out.array(2);
      reply_id(c.out, id);
      c.out.null_array();
    }
    ++n;
  }
  c.out.end_array(mark, n);
}

// ---------------------------------------------------------------------------------------------
// XADD XTRIM

// Redis's streamAddTrimArgs: what XADD and XTRIM parse.
struct AddTrimArgs {
  StreamTrim trim;
  StreamID id;
  bool id_given = false;
  bool seq_given = true;
  bool no_mkstream = false;
  std::size_t id_pos = 0;  // XADD: the ID argument (argc when there is none)
  std::size_t threshold_pos = 0;  // the MAXLEN/MINID threshold argument (0: none)
};

// Redis's streamParseAddOrTrimArgsOrReply. False after replying an error.
inline bool parse_add_trim(Context& c, bool xadd, AddTrimArgs& a) {
  std::size_t i = 2;
  bool limit_given = false;
  for (; i < c.argc; ++i) {
    const std::size_t moreargs = c.argc - 1 - i;
    const std::string_view opt = c.arg(i);
    if (xadd && opt == "*") break;  // the common case: an automatic ID
    if ((iequals(opt, "maxlen") || iequals(opt, "minid")) && moreargs > 0) {
      const bool maxlen = iequals(opt, "maxlen");
      if (a.trim.strategy != StreamTrim::Strategy::none) {
        c.out.error(Status::stream_maxlen_and_minid);
        return false;
      }
      a.trim.approx = false;
      const std::string_view next = c.arg(i + 1);
      if (moreargs >= 2 && next == "~") {
        a.trim.approx = true;
        ++i;
      } else if (moreargs >= 2 && next == "=") {
        ++i;
      }
      a.threshold_pos = i + 1;
      if (maxlen) {
        if (!parse_int64(c.arg(i + 1), a.trim.maxlen)) {
          c.out.error(Status::not_integer);
          return false;
        }
        if (a.trim.maxlen < 0) {
          c.out.error(Status::stream_maxlen_negative);
          return false;
        }
        a.trim.strategy = StreamTrim::Strategy::maxlen;
      } else {
        if (!parse_id(c, c.arg(i + 1), a.trim.minid, 0, true)) return false;
        a.trim.strategy = StreamTrim::Strategy::minid;
      }
      ++i;
    } else if (iequals(opt, "limit") && moreargs > 0) {
      if (!parse_int64(c.arg(i + 1), a.trim.limit)) {
        c.out.error(Status::not_integer);
        return false;
      }
      if (a.trim.limit < 0) {
        c.out.error(Status::stream_limit_negative);
        return false;
      }
      limit_given = true;
      ++i;
    } else if (xadd && iequals(opt, "nomkstream")) {
      a.no_mkstream = true;
    } else if (xadd) {
      // Anything else is the ID (or a syntax error reported as an invalid ID).
      if (!parse_stream_id(opt, a.id, 0, true, &a.seq_given)) {
        c.out.error(Status::stream_invalid_id);
        return false;
      }
      a.id_given = true;
      break;
    } else {
      c.out.error(Status::syntax);
      return false;
    }
  }
  a.id_pos = i;
  if (a.trim.limit != 0 && a.trim.strategy == StreamTrim::Strategy::none) {
    c.out.error(Status::stream_limit_without_strategy);
    return false;
  }
  if (!xadd && a.trim.strategy == StreamTrim::Strategy::none) {
    c.out.error(Status::stream_xtrim_without_strategy);
    return false;
  }
  if (c.engine.replication().loading) {
    // Replaying the AOF (Redis's mustObeyClient): the trim was rewritten exact, LIMIT is moot.
    a.trim.limit = 0;
  } else if (limit_given) {
    if (!a.trim.approx) {
      c.out.error(Status::stream_limit_without_approx);
      return false;
    }
  } else if (a.trim.approx) {
    // At most 100 blocks' worth of work unless LIMIT says otherwise (exact trims are unlimited).
    const std::int64_t per_node = limits_of(c).node_max_entries;
    a.trim.limit = per_node <= 0 ? 10000 : (per_node > 10000 ? 1000000 : 100 * per_node);
  } else {
    a.trim.limit = 0;
  }
  return true;
}

inline Entry::Layout layout_of(Stream* s) {
  Entry::Layout l;
  l.type = ValueType::stream;
  l.encoding = Encoding::stream;
  l.pointer = s;
  return l;
}

// What replicas and the AOF get (Redis's xadd/xtrim rewrites): the ID XADD generated instead of
// "*" or "ms-*", and an approximate trim as the exact one it came to ("= <length>" or
// "= <first id>"), so that replaying it gives the same stream whatever the node sizes.
inline void propagate_add_trim(Context& c, const AddTrimArgs& a, const Stream& s, const StreamID* id) {
  if (!c.propagating()) return;
  const bool rewrite_id = id != nullptr && (!a.id_given || !a.seq_given);
  const bool rewrite_trim = a.trim.strategy != StreamTrim::Strategy::none && a.trim.approx && a.threshold_pos >= 2;
  if (!rewrite_id && !rewrite_trim) return;
  Vec<std::string_view> args(c.mem());
  if (!args.reserve(c.argc)) return;
  for (std::size_t i = 0; i < c.argc; ++i) (void)args.push_back(c.arg(i));
  char idbuf[kStreamIDChars];
  char trimbuf[kStreamIDChars];
  if (rewrite_id) args[a.id_pos] = {idbuf, id->format(idbuf)};
  if (rewrite_trim) {
    args[a.threshold_pos - 1] = "=";
    if (a.trim.strategy == StreamTrim::Strategy::maxlen) {
      args[a.threshold_pos] = {trimbuf, format_int64(trimbuf, static_cast<std::int64_t>(s.length()))};
    } else {
      args[a.threshold_pos] = {trimbuf, s.first_id().format(trimbuf)};
    }
  }
  c.propagate_as(args.data(), args.size());
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
inline void xadd(Context& c) {
  const std::string_view key = c.arg(1);
  AddTrimArgs a;
  if (!parse_add_trim(c, true, a)) return;
  const std::size_t field_pos = a.id_pos + 1;
  if (c.argc < field_pos + 2 || (c.argc - field_pos) % 2 == 1) return c.out.error(Status::wrong_arity, "xadd");
  // 0-0 is refused before the key is looked at, so that no empty stream is left behind.
  if (a.id_given && a.seq_given && a.id.is_zero()) return c.out.error(Status::stream_id_zero);

  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::stream)) return;
  if (e == nullptr && a.no_mkstream) return c.out.null();
  Stream* fresh = nullptr;
  Stream* s = nullptr;
  if (e != nullptr) {
    s = stream_of(e);
  } else {
    fresh = Stream::create(c.mem());
    if (fresh == nullptr) return c.out.error(Status::oom);
    s = fresh;
  }
  if (s->last_id() == StreamID::max()) return c.out.error(Status::stream_exhausted);  // never a new stream

  StreamID id;
  const Status st = s->append(c.mem(), limits_of(c), c.argv + field_pos, (c.argc - field_pos) / 2,
                              a.id_given ? &a.id : nullptr, a.seq_given, static_cast<std::uint64_t>(c.now_ms()), id);
  if (fresh != nullptr) {
    // Redis adds the key before appending: an entry too large leaves an empty stream behind.
    if (st == Status::oom) {
      Stream::destroy(c.mem(), fresh);
      return c.out.error(st);
    }
    if (c.db.put(key, layout_of(fresh), -1) == nullptr) return c.out.error(Status::oom);
    if (st != Status::ok) {
      c.modified(key);
      return c.out.error(st);
    }
  } else if (st != Status::ok) {
    return c.out.error(st);
  }
  reply_id(c.out, id);
  c.modified(key);
  c.notify(kNotifyStream, "xadd", key);
  if (a.trim.strategy != StreamTrim::Strategy::none) {
    std::int64_t deleted = 0;
    // Out of memory here (blocks of more than 127 entries only) just trims less.
    (void)s->trim(c.mem(), a.trim, deleted);
    if (deleted > 0) c.notify(kNotifyStream, "xtrim", key);
  }
  propagate_add_trim(c, a, *s, &id);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
inline void xtrim(Context& c) {
  const std::string_view key = c.arg(1);
  AddTrimArgs a;
  if (!parse_add_trim(c, false, a)) return;
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::stream)) return;
  std::int64_t deleted = 0;
  const Status st = stream_of(e)->trim(c.mem(), a.trim, deleted);
  if (deleted > 0) {
    c.notify(kNotifyStream, "xtrim", key);
    c.modified(key);
    propagate_add_trim(c, a, *stream_of(e), nullptr);
  }
  if (st != Status::ok) return c.out.error(st);
  c.out.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// XLEN XRANGE XREVRANGE XDEL XSETID

inline void xlen(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::stream)) return;
  c.out.integer(static_cast<std::int64_t>(stream_of(e)->length()));
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
inline void xrange_generic(Context& c, bool reverse) {
  StreamID start;
  StreamID end;
  if (!parse_range(c, reverse ? c.arg(3) : c.arg(2), reverse ? c.arg(2) : c.arg(3), start, end)) return;
  std::int64_t count = -1;
  for (std::size_t j = 4; j < c.argc; ++j) {
    if (iequals(c.arg(j), "count") && j + 1 < c.argc) {
      if (!parse_int64(c.arg(j + 1), count)) return c.out.error(Status::not_integer);
      if (count < 0) count = 0;
      ++j;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.array(0);
  if (!c.check_type(e, ValueType::stream)) return;
  if (count == 0) return c.out.null_array();
  reply_range(c, *stream_of(e), &start, &end, count < 0 ? 0 : static_cast<std::size_t>(count), reverse);
}

inline void xrange(Context& c) { xrange_generic(c, false); }
inline void xrevrange(Context& c) { xrange_generic(c, true); }

// Parses the IDs of argv[first..argc) (strict). ids holds a few on the stack, more on the heap.
class IdList {
 public:
  explicit IdList(Memory& mem) : heap_(mem) {}
  bool parse(Context& c, std::size_t first) {
    n_ = c.argc - first;
    if (n_ > kStack) {
      if (!heap_.resize(n_)) {
        c.out.error(Status::oom);
        return false;
      }
      ids_ = heap_.data();
    }
    for (std::size_t i = 0; i < n_; ++i) {
      if (!parse_id(c, c.arg(first + i), ids_[i], 0, true)) return false;
    }
    return true;
  }
  std::size_t size() const { return n_; }
  const StreamID& operator[](std::size_t i) const { return ids_[i]; }

 private:
  static constexpr std::size_t kStack = 8;
  StreamID stack_[kStack];
  Vec<StreamID> heap_;
  StreamID* ids_ = stack_;
  std::size_t n_ = 0;
};

// XDEL key id [id ...]
inline void xdel(Context& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::stream)) return;
  // Every ID is checked before anything is deleted.
  IdList ids(c.mem());
  if (!ids.parse(c, 2)) return;
  Stream* s = stream_of(e);
  std::int64_t deleted = 0;
  Status st = Status::ok;
  for (std::size_t i = 0; i < ids.size() && st == Status::ok; ++i) {
    bool removed = false;
    st = s->remove(c.mem(), ids[i], removed);
    if (removed) ++deleted;
  }
  if (deleted > 0) {
    c.modified(key);
    c.notify(kNotifyStream, "xdel", key);
  }
  if (st != Status::ok) return c.out.error(st);
  c.out.integer(deleted);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
inline void xsetid(Context& c) {
  const std::string_view key = c.arg(1);
  StreamID id;
  if (!parse_id(c, c.arg(2), id, 0, true)) return;
  StreamID max_deleted;
  std::int64_t entries_added = -1;
  for (std::size_t i = 3; i < c.argc; i += 2) {
    const bool more = i + 1 < c.argc;
    if (iequals(c.arg(i), "entriesadded") && more) {
      if (!parse_int64(c.arg(i + 1), entries_added)) return c.out.error(Status::not_integer);
      if (entries_added < 0) return c.out.error(Status::xsetid_entries_added_negative);
    } else if (iequals(c.arg(i), "maxdeletedid") && more) {
      if (!parse_id(c, c.arg(i + 1), max_deleted, 0, true)) return;
      if (id < max_deleted) return c.out.error(Status::xsetid_below_max_deleted);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.error(Status::no_such_key);
  if (!c.check_type(e, ValueType::stream)) return;
  Stream* s = stream_of(e);
  if (s->length() > 0) {
    // IDs only grow: not below the last entry, and not fewer entries added than there are.
    if (id < s->last_valid_id()) return c.out.error(Status::xsetid_too_small);
    if (entries_added != -1 && s->length() > static_cast<std::uint64_t>(entries_added)) {
      return c.out.error(Status::xsetid_entries_added_small);
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<std::uint64_t>(entries_added));
  if (!max_deleted.is_zero()) s->set_max_deleted_id(max_deleted);
  c.out.ok();
  c.modified(key);
  c.notify(kNotifyStream, "xsetid", key);
}

// ---------------------------------------------------------------------------------------------
// XREAD XREADGROUP

// Without COUNT, a reader served after blocking gets at most this many entries per key.
constexpr std::int64_t kBlockedReadCount = 1000;

// Redis's xreadCommand, for both commands. argv[0]'s length tells which.
inline void xread_generic(Context& c, bool group_mode) {
  // XREADGROUP propagates what it did to the group (XCLAIM, XGROUP SETID/CREATECONSUMER), never itself.
  if (group_mode) c.prevent_propagation();
  std::int64_t timeout_ms = -1;  // -1: no BLOCK
  std::int64_t count = 0;
  std::size_t streams_arg = 0;
  std::size_t nstreams = 0;
  bool noack = false;
  std::string_view group_name;
  std::string_view consumer_name;
  bool group_given = false;
  for (std::size_t i = 1; i < c.argc; ++i) {
    const std::size_t moreargs = c.argc - i - 1;
    const std::string_view o = c.arg(i);
    if (iequals(o, "block") && moreargs > 0) {
      // Blocking makes no sense inside a script: refused there, as Redis does (by name, as called).
      if (c.session.script_client()) return c.out.error(Status::xread_block_in_script, c.arg(0));
      ++i;
      if (!parse_int64(c.arg(i), timeout_ms)) return c.out.error(Status::xread_timeout_not_integer);
      if (timeout_ms < 0) return c.out.error(Status::timeout_negative);
    } else if (iequals(o, "count") && moreargs > 0) {
      ++i;
      if (!parse_int64(c.arg(i), count)) return c.out.error(Status::not_integer);
      if (count < 0) count = 0;
    } else if (iequals(o, "streams") && moreargs > 0) {
      streams_arg = i + 1;
      nstreams = c.argc - streams_arg;
      if (nstreams % 2 != 0) return c.out.error(Status::xread_unbalanced);
      nstreams /= 2;
      break;
    } else if (iequals(o, "group") && moreargs >= 2) {
      if (!group_mode) return c.out.error(Status::xread_group_option);
      group_name = c.arg(i + 1);
      consumer_name = c.arg(i + 2);
      group_given = true;
      i += 2;
    } else if (iequals(o, "noack")) {
      if (!group_mode) return c.out.error(Status::xread_noack_option);
      noack = true;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  if (streams_arg == 0) return c.out.error(Status::syntax);
  if (group_mode && !group_given) return c.out.error(Status::xreadgroup_missing_group);
  std::int64_t deadline_us = 0;
  if (timeout_ms > 0) {
    if (timeout_ms > INT64_MAX / 1000 - c.now_ms()) return c.out.error(Status::timeout_out_of_range);
    deadline_us = (c.now_ms() + timeout_ms) * 1000;
  }
  // Running again for a key that got data (see the top of the file).
  const bool rerun = c.session.rerunning_blocked();

  // The IDs; the groups are looked up again when serving (nothing changes in between).
  const std::string_view* keys = c.argv + streams_arg;
  constexpr std::size_t kStack = 8;
  StreamID stack_ids[kStack];
  Vec<StreamID> heap_ids(c.mem());
  StreamID* ids = stack_ids;
  if (nstreams > kStack) {
    if (!heap_ids.resize(nstreams)) return c.out.error(Status::oom);
    ids = heap_ids.data();
  }
  for (std::size_t k = 0; k < nstreams; ++k) {
    const std::string_view idarg = c.arg(streams_arg + nstreams + k);
    const Entry* e = c.read_key(keys[k]);
    if (rerun && e != nullptr && e->type() != ValueType::stream) e = nullptr;  // not a stream any more
    if (rerun && group_mode && e == nullptr) return c.out.error(Status::xreadgroup_key_gone);
    if (!c.check_type(e, ValueType::stream)) return;
    if (group_mode) {
      if (e == nullptr || stream_of(e)->find_group(group_name) == nullptr) {
        if (rerun) return c.out.error(Status::xreadgroup_group_gone);
        return c.out.error(Status::xreadgroup_nogroup, keys[k], group_name);
      }
    }
    if (idarg == "$") {
      if (group_mode) return c.out.error(Status::xreadgroup_dollar);
      ids[k] = e != nullptr ? stream_of(e)->last_id() : StreamID{};
    } else if (idarg == ">") {
      if (!group_mode) return c.out.error(Status::xread_greater_id);
      ids[k] = StreamID::max();  // stands for ">": the group's last delivered ID, looked up when serving
    } else if (!parse_id(c, idarg, ids[k], 0, true)) {
      return;
    }
  }

  // Serve what can be served now.
  const bool resp3 = c.out.protocol() >= 3;
  const Writer::Deferred mark = c.out.defer();
  std::size_t served = 0;
  for (std::size_t k = 0; k < nstreams; ++k) {
    const Entry* e = c.read_key(keys[k]);
    if (e == nullptr || e->type() != ValueType::stream) continue;
    Stream* s = stream_of(e);
    StreamGroup* g = group_mode ? s->find_group(group_name) : nullptr;
    StreamID gt = ids[k];
    bool serve = false;
    bool history = false;
    if (g != nullptr) {
      if (gt != StreamID::max()) {
        serve = history = true;  // a consumer's own history is served at once, even empty
      } else if (s->length() > 0 && s->last_valid_id() > g->last_id) {
        serve = true;
        gt = g->last_id;
      }
    } else if (s->length() > 0 && s->last_valid_id() > gt) {
      serve = true;
    }
    if (!serve) continue;
    ++served;
    StreamID start = gt;  // exclusive
    start.increment();
    if (!resp3) c.out.array(2);
    c.out.bulk(keys[k]);
    if (g == nullptr) {
      reply_range(c, *s, &start, nullptr, static_cast<std::size_t>(count), false);
      continue;
    }
    const bool consumer_existed = g->find_consumer(consumer_name) != nullptr;
    StreamConsumer* consumer = lookup_or_create_consumer(c, keys[k], *g, consumer_name);
    if (consumer == nullptr) return rollback_with_error(c, mark, Status::oom);
    if (!consumer_existed && noack) {
      c.also_propagate({"XGROUP", "CREATECONSUMER", keys[k], group_name, consumer_name});
    }
    if (history) {
      reply_consumer_history(c, *s, *g, *consumer, start, static_cast<std::size_t>(count));
    } else {
      const Status st =
          reply_group_range(c, *s, start, static_cast<std::size_t>(count), *g, *consumer, noack, keys[k], group_name);
      if (st != Status::ok) {
        c.modified(keys[k]);
        return rollback_with_error(c, mark, st);
      }
    }
    c.modified(keys[k]);
  }
  if (served > 0) {
    if (resp3) return c.out.end_map(mark, served);
    return c.out.end_array(mark, served);
  }
  if (timeout_ms == -1) return c.out.null_array();

  // Block, with `$` resolved and a COUNT: argv[0 .. STREAMS) COUNT n STREAMS keys... ids...
  if (rerun) return c.block_on_keys(keys, nstreams, deadline_us, TimeoutReply::null_array, ValueType::stream);
  Buffer text(c.mem());
  Vec<std::string_view> args(c.mem());
  const std::size_t argc = streams_arg + 2 + nstreams * 2;
  char digits[kLongLongChars];
  const std::string_view count_text{digits, format_int64(digits, count != 0 ? count : kBlockedReadCount)};
  // The ID texts first (their views are taken once the buffer stops growing).
  bool ok = args.reserve(argc) && text.grow_for(nstreams * kStreamIDChars);
  for (std::size_t k = 0; ok && k < nstreams; ++k) {
    if (ids[k] == StreamID::max() && group_mode) {
      ok = text.append(">");
    } else {
      char buf[kStreamIDChars];
      ok = text.append(buf, ids[k].format(buf));
    }
  }
  if (!ok) return c.out.error(Status::oom);
  for (std::size_t i = 0; i + 1 < streams_arg; ++i) (void)args.push_back(c.arg(i));
  (void)args.push_back("COUNT");
  (void)args.push_back(count_text);
  (void)args.push_back(c.arg(streams_arg - 1));  // STREAMS
  for (std::size_t k = 0; k < nstreams; ++k) (void)args.push_back(keys[k]);
  std::size_t pos = 0;
  for (std::size_t k = 0; k < nstreams; ++k) {
    std::size_t len = 1;
    if (!(ids[k] == StreamID::max() && group_mode)) {
      char buf[kStreamIDChars];
      len = ids[k].format(buf);
    }
    (void)args.push_back(text.view().substr(pos, len));
    pos += len;
  }
  const Context rewritten{c.engine, c.session, c.db, c.out, args.data(), args.size(), c.cmd};
  rewritten.block_on_keys(keys, nstreams, deadline_us, TimeoutReply::null_array, ValueType::stream);
  if (group_mode && c.session.blocked()) c.session.blocked_command().wake_on_delete = true;
}

inline void xread(Context& c) { xread_generic(c, false); }
inline void xreadgroup(Context& c) { xread_generic(c, true); }

// The keys of XREAD / XREADGROUP: the first half of what follows STREAMS (searched from argument
// `from`, as Redis's key specs do).
inline std::size_t streams_keys(const std::string_view* argv, std::size_t argc, std::size_t from, std::size_t* out,
                                std::size_t cap) {
  for (std::size_t i = from; i < argc; ++i) {
    if (!iequals(argv[i], "streams")) continue;
    const std::size_t rest = argc - i - 1;
    if (rest == 0 || rest % 2 != 0) return 0;
    std::size_t n = 0;
    for (std::size_t k = 0; k < rest / 2 && n < cap; ++k) out[n++] = i + 1 + k;
    return n;
  }
  return 0;
}

inline std::size_t xread_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return streams_keys(argv, argc, 1, out, cap);
}

inline std::size_t xreadgroup_keys(const std::string_view* argv, std::size_t argc, std::size_t* out,
                                   std::size_t cap) {
  return streams_keys(argv, argc, 4, out, cap);
}

// ---------------------------------------------------------------------------------------------
// XGROUP

inline void xgroup_help(Context& c) {
  c.reply_help({"CREATE <key> <groupname> <id|$> [option]",
                "    Create a new consumer group. Options are:",
                "    * MKSTREAM",
                "      Create the empty stream if it does not exist.",
                "    * ENTRIESREAD entries_read",
                "      Set the group's entries_read counter (internal use).",
                "CREATECONSUMER <key> <groupname> <consumer>",
                "    Create a new consumer in the specified group.",
                "DELCONSUMER <key> <groupname> <consumer>",
                "    Remove the specified consumer.",
                "DESTROY <key> <groupname>",
                "    Remove the specified group.",
                "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                "    Set the current group ID and entries_read counter."});
}

inline void subcommand_syntax_error(Context& c) {
  c.out.error(Status::unknown_subcommand_or_arity, c.arg(1).substr(0, 128), "XGROUP");
}

// Redis's xgroupCommand (every subcommand but HELP): options, then the key and group checks in
// Redis's order, then the subcommand.
inline void xgroup_generic(Context& c) {
  const std::string_view opt = c.arg(1);
  const std::string_view key = c.arg(2);
  const std::string_view group_name = c.arg(3);
  const bool create = iequals(opt, "create");
  const bool setid = iequals(opt, "setid");
  bool mkstream = false;
  std::int64_t entries_read = StreamGroup::kInvalidEntriesRead;
  for (std::size_t i = 5; i < c.argc;) {
    if (create && iequals(c.arg(i), "mkstream")) {
      mkstream = true;
      ++i;
    } else if ((create || setid) && iequals(c.arg(i), "entriesread") && i + 1 < c.argc) {
      if (!parse_int64(c.arg(i + 1), entries_read)) return c.out.error(Status::not_integer);
      if (entries_read < 0 && entries_read != StreamGroup::kInvalidEntriesRead) {
        return c.out.error(Status::xgroup_entries_read);
      }
      i += 2;
    } else {
      return subcommand_syntax_error(c);
    }
  }
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::stream)) return;
  Stream* s = e != nullptr ? stream_of(e) : nullptr;
  StreamGroup* g = nullptr;
  if (!mkstream) {
    if (s == nullptr) return c.out.error(Status::xgroup_no_key);
    g = s->find_group(group_name);
    if (g == nullptr && (setid || iequals(opt, "createconsumer") || iequals(opt, "delconsumer"))) {
      return c.out.error(Status::stream_no_group_for_key, group_name, key);
    }
  }

  if (create && c.argc >= 5 && c.argc <= 8) {
    StreamID id;
    if (c.arg(4) == "$") {
      id = s != nullptr ? s->last_id() : StreamID{};
    } else if (!parse_id(c, c.arg(4), id, 0, true)) {
      return;
    }
    if (s == nullptr) {  // MKSTREAM, now that nothing can fail any more
      s = Stream::create(c.mem());
      if (s == nullptr) return c.out.error(Status::oom);
      if (c.db.put(key, layout_of(s), -1) == nullptr) return c.out.error(Status::oom);  // put freed it
      c.modified(key);
    }
    StreamGroup* created = nullptr;
    const Status st = s->create_group(c.mem(), group_name, id, entries_read, created);
    if (st != Status::ok) return c.out.error(st);
    c.out.ok();
    c.modified(key);
    c.notify(kNotifyStream, "xgroup-create", key);
  } else if (setid && (c.argc == 5 || c.argc == 7)) {
    StreamID id;
    if (c.arg(4) == "$") {
      id = s->last_id();
    } else if (!parse_id(c, c.arg(4), id, 0, false)) {
      return;
    }
    g->last_id = id;
    g->entries_read = entries_read;
    c.out.ok();
    c.modified(key);
    c.notify(kNotifyStream, "xgroup-setid", key);
  } else if (iequals(opt, "destroy") && c.argc == 4) {
    if (g == nullptr) return c.out.integer(0);
    s->destroy_group(c.mem(), group_name);
    c.out.integer(1);
    // Also wakes the group's blocked readers, who get -NOGROUP.
    c.modified(key);
    c.notify(kNotifyStream, "xgroup-destroy", key);
  } else if (iequals(opt, "createconsumer") && c.argc == 5) {
    if (g->find_consumer(c.arg(4)) != nullptr) return c.out.integer(0);
    if (g->add_consumer(c.mem(), c.arg(4), c.now_ms()) == nullptr) return c.out.error(Status::oom);
    c.out.integer(1);
    c.modified(key);
    c.notify(kNotifyStream, "xgroup-createconsumer", key);
  } else if (iequals(opt, "delconsumer") && c.argc == 5) {
    StreamConsumer* consumer = g->find_consumer(c.arg(4));
    if (consumer == nullptr) return c.out.integer(0);
    const std::size_t pending = g->delete_consumer(c.mem(), consumer);
    c.out.integer(static_cast<std::int64_t>(pending));
    c.modified(key);
    c.notify(kNotifyStream, "xgroup-delconsumer", key);
  } else {
    subcommand_syntax_error(c);
  }
}

// ---------------------------------------------------------------------------------------------
// XACK XPENDING

// XACK key group id [id ...]
inline void xack(Context& c) {
  const std::string_view key = c.arg(1);
  const Entry* e = c.read_key(key);
  if (!c.check_type(e, ValueType::stream)) return;
  StreamGroup* g = e != nullptr ? stream_of(e)->find_group(c.arg(2)) : nullptr;
  if (g == nullptr) return c.out.integer(0);  // no key or group: nothing to acknowledge
  // All IDs are checked first: the reply is a count or an error, never both.
  IdList ids(c.mem());
  if (!ids.parse(c, 3)) return;
  std::int64_t acknowledged = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (g->acknowledge(c.mem(), ids[i])) ++acknowledged;
  }
  if (acknowledged > 0) c.modified(key);
  c.out.integer(acknowledged);
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
inline void xpending(Context& c) {
  const std::string_view key = c.arg(1);
  const std::string_view group_name = c.arg(2);
  const bool summary = c.argc == 3;
  if (!summary && (c.argc < 6 || c.argc > 9)) return c.out.error(Status::syntax);
  StreamID start;
  StreamID end;
  std::int64_t count = 0;
  std::int64_t minidle = 0;
  std::string_view consumer_name;
  bool consumer_given = false;
  if (!summary) {
    // The range is parsed before the key is looked at: syntax errors come first.
    std::size_t startidx = 3;
    if (iequals(c.arg(3), "idle")) {
      if (!parse_int64(c.arg(4), minidle)) return c.out.error(Status::not_integer);
      if (c.argc < 8) return c.out.error(Status::syntax);
      startidx += 2;
    }
    if (!parse_int64(c.arg(startidx + 2), count)) return c.out.error(Status::not_integer);
    if (count < 0) count = 0;
    if (!parse_range(c, c.arg(startidx), c.arg(startidx + 1), start, end)) return;
    if (startidx + 3 < c.argc) {
      consumer_name = c.arg(startidx + 3);
      consumer_given = true;
    }
  }
  const Entry* e = c.read_key(key);
  if (!c.check_type(e, ValueType::stream)) return;
  StreamGroup* g = e != nullptr ? stream_of(e)->find_group(group_name) : nullptr;
  if (g == nullptr) return c.out.error(Status::stream_no_key_or_group, key, group_name);

  if (summary) {
    c.out.array(4);
    c.out.integer(static_cast<std::int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      c.out.null();
      c.out.null();
      return c.out.null_array();
    }
    reply_id(c.out, g->pel.first().item().id);
    reply_id(c.out, g->pel.last().item().id);
    const Writer::Deferred mark = c.out.defer();
    std::size_t n = 0;
    for (const StreamConsumer* consumer : g->consumers) {
      if (consumer->pel.empty()) continue;
      c.out.array(2);
      c.out.bulk(consumer->name());
      c.out.bulk_int(static_cast<std::int64_t>(consumer->pel.size()));
      ++n;
    }
    return c.out.end_array(mark, n);
  }

  StreamConsumer* consumer = nullptr;
  if (consumer_given) {
    consumer = g->find_consumer(consumer_name);
    if (consumer == nullptr) return c.out.array(0);
  }
  const std::int64_t now = c.now_ms();
  const Writer::Deferred mark = c.out.defer();
  std::size_t n = 0;
  auto emit = [&](const StreamPending& p) {
    if (minidle != 0 && now - p.delivery_time < minidle) return;
    c.out.array(4);
    reply_id(c.out, p.id);
    c.out.bulk(p.consumer->name());
    const std::int64_t elapsed = now - p.delivery_time;
    c.out.integer(elapsed < 0 ? 0 : elapsed);
    c.out.integer(static_cast<std::int64_t>(p.delivery_count));
    ++n;
    --count;
  };
  if (consumer == nullptr) {
    for (auto cur = g->pel.lower_bound(start); count > 0 && cur.valid() && cur.item().id <= end; cur.next()) {
      emit(cur.item());
    }
  } else {
    for (auto cur = consumer->pel.lower_bound(start); count > 0 && cur.valid() && cur.item().id <= end;
         cur.next()) {
      if (const StreamPending* p = g->pel.find(cur.item().id)) emit(*p);
    }
  }
  c.out.end_array(mark, n);
}

// ---------------------------------------------------------------------------------------------
// XCLAIM XAUTOCLAIM

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
//        [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
inline void xclaim(Context& c) {
  const std::string_view key = c.arg(1);
  const Entry* e = c.read_key(key);
  if (!c.check_type(e, ValueType::stream)) return;
  Stream* s = e != nullptr ? stream_of(e) : nullptr;
  StreamGroup* g = s != nullptr ? s->find_group(c.arg(2)) : nullptr;
  if (g == nullptr) return c.out.error(Status::stream_no_key_or_group, key, c.arg(2));
  std::int64_t minidle = 0;
  if (!parse_int64(c.arg(4), minidle)) return c.out.error(Status::xclaim_min_idle);
  if (minidle < 0) minidle = 0;

  // The IDs run until the first argument that is not one; options follow.
  std::size_t j = 5;
  StreamID parsed;
  while (j < c.argc && parse_stream_id(c.arg(j), parsed, 0, true, nullptr)) ++j;
  const std::size_t ids_end = j;
  const std::int64_t now = c.now_ms();
  std::int64_t deliverytime = -1;
  std::int64_t retrycount = -1;
  bool force = false;
  bool justid = false;
  StreamID last_id;
  for (; j < c.argc; ++j) {
    const bool more = j + 1 < c.argc;
    const std::string_view o = c.arg(j);
    if (iequals(o, "force")) {
      force = true;
    } else if (iequals(o, "justid")) {
      justid = true;
    } else if (iequals(o, "idle") && more) {
      if (!parse_int64(c.arg(++j), deliverytime)) return c.out.error(Status::xclaim_idle);
      deliverytime = now - deliverytime;
    } else if (iequals(o, "time") && more) {
      if (!parse_int64(c.arg(++j), deliverytime)) return c.out.error(Status::xclaim_time);
    } else if (iequals(o, "retrycount") && more) {
      if (!parse_int64(c.arg(++j), retrycount)) return c.out.error(Status::xclaim_retrycount);
    } else if (iequals(o, "lastid") && more) {
      if (!parse_id(c, c.arg(++j), last_id, 0, true)) return;
    } else {
      return c.out.error(Status::xclaim_option, o);
    }
  }
  bool changed = false;
  // Replicas get one idempotent XCLAIM per entry claimed (or dropped), or XGROUP SETID when only
  // LASTID moved the group; never the command itself.
  c.prevent_propagation();
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    changed = true;
    propagate_last_id = true;
  }
  // A bogus delivery time (negative, or in the future) is taken as now.
  if (deliverytime < 0 || deliverytime > now) deliverytime = now;

  Vec<StreamID> claimed(c.mem());
  StreamConsumer* consumer = nullptr;
  Status st = Status::ok;
  for (std::size_t i = 5; i < ids_end && st == Status::ok; ++i) {
    StreamID id;
    (void)parse_stream_id(c.arg(i), id, 0, true, nullptr);
    StreamPending* p = g->pel.find(id);
    if (!s->contains(id)) {
      // Gone from the stream: it leaves the pending lists too.
      if (p != nullptr) {
        if (c.propagating()) propagate_xclaim(c, key, c.arg(2), *g, *p, c.arg(i));
        propagate_last_id = false;
        g->acknowledge(c.mem(), id);
        changed = true;
      }
      continue;
    }
    if (p != nullptr && minidle != 0 && now - p->delivery_time < minidle) continue;
    if (p == nullptr && !force) continue;
    if (consumer == nullptr) {
      consumer = lookup_or_create_consumer(c, key, *g, c.arg(3));
      if (consumer == nullptr) {
        st = Status::oom;
        break;
      }
    }
    std::uint64_t previous_count = 1;  // FORCE: a new pending entry starts at one delivery
    if (p == nullptr) {
      if (!deliver(c, *g, *consumer, id)) {
        st = Status::oom;
        break;
      }
      p = g->pel.find(id);
    } else {
      previous_count = p->delivery_count;
      if (!g->move_pending(c.mem(), *p, consumer)) {
        st = Status::oom;
        break;
      }
    }
    p->delivery_time = deliverytime;
    if (retrycount >= 0) {
      p->delivery_count = static_cast<std::uint64_t>(retrycount);
    } else {
      p->delivery_count = justid ? previous_count : previous_count + 1;
    }
    changed = true;
    if (c.propagating()) propagate_xclaim(c, key, c.arg(2), *g, *p, c.arg(i));
    propagate_last_id = false;
    if (!claimed.push_back(id)) st = Status::oom;
  }
  if (propagate_last_id && c.propagating()) propagate_group_id(c, key, c.arg(2), *g);
  if (changed) c.modified(key);
  if (st != Status::ok) return c.out.error(st);
  c.out.array(claimed.size());
  for (const StreamID& id : claimed) {
    if (justid) {
      reply_id(c.out, id);
    } else {
      (void)reply_one(c.out, *s, id);
    }
  }
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
inline void xautoclaim(Context& c) {
  const std::string_view key = c.arg(1);
  std::int64_t minidle = 0;
  if (!parse_int64(c.arg(4), minidle)) return c.out.error(Status::xautoclaim_min_idle);
  if (minidle < 0) minidle = 0;
  StreamID start;
  bool startex = false;
  if (!parse_interval_id(c, c.arg(5), start, startex, 0)) return;
  if (startex && !start.increment()) return c.out.error(Status::stream_invalid_start);
  std::int64_t count = 100;
  bool justid = false;
  // Redis caps COUNT so that count * max(sizeof(streamID), 10 attempts) cannot overflow.
  constexpr std::int64_t kMaxCount = INT64_MAX / 16;
  for (std::size_t j = 6; j < c.argc; ++j) {
    if (iequals(c.arg(j), "count") && j + 1 < c.argc) {
      if (!parse_int64(c.arg(j + 1), count) || count < 1 || count > kMaxCount) {
        return c.out.error(Status::xautoclaim_count);
      }
      ++j;
    } else if (iequals(c.arg(j), "justid")) {
      justid = true;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  const Entry* e = c.read_key(key);
  if (!c.check_type(e, ValueType::stream)) return;
  Stream* s = e != nullptr ? stream_of(e) : nullptr;
  StreamGroup* g = s != nullptr ? s->find_group(c.arg(2)) : nullptr;
  if (g == nullptr) return c.out.error(Status::stream_no_key_or_group, key, c.arg(2));

  // Redis allocates room for COUNT deleted IDs up front and refuses a COUNT it cannot allocate
  // for: on 64-bit Linux anything past the 128 TiB of user address space. Here no more than the
  // pending list can hold are ever needed.
  if (static_cast<std::uint64_t>(count) > (std::uint64_t{1} << 47) / sizeof(StreamID)) {
    return c.out.error(Status::xautoclaim_count_memory);
  }
  Vec<StreamID> deleted(c.mem());
  Vec<StreamID> claimed(c.mem());
  const auto room = static_cast<std::uint64_t>(count) < g->pel.size() ? static_cast<std::size_t>(count) : g->pel.size();
  if (!deleted.reserve(room) || !claimed.reserve(room)) return c.out.error(Status::xautoclaim_count_memory);

  const std::int64_t now = c.now_ms();
  std::int64_t attempts = count * 10;
  StreamConsumer* consumer = nullptr;
  Status st = Status::ok;
  bool changed = false;
  c.prevent_propagation();  // replicas get an XCLAIM per entry claimed or dropped
  auto cur = g->pel.lower_bound(start);
  while (attempts > 0 && count > 0 && cur.valid()) {
    --attempts;
    StreamPending& p = cur.item();
    const StreamID id = p.id;
    if (!s->contains(id)) {
      // Gone from the stream: it leaves the pending lists, and the reply says so.
      if (c.propagating()) propagate_xclaim(c, key, c.arg(2), *g, p);
      g->acknowledge(c.mem(), id);
      (void)deleted.push_back(id);
      changed = true;
      --count;
      cur = g->pel.lower_bound(id);
      continue;
    }
    if (minidle != 0 && now - p.delivery_time < minidle) {
      cur.next();
      continue;
    }
    if (consumer == nullptr) {
      consumer = lookup_or_create_consumer(c, key, *g, c.arg(3));
      if (consumer == nullptr) {
        st = Status::oom;
        break;
      }
    }
    if (!g->move_pending(c.mem(), p, consumer)) {
      st = Status::oom;
      break;
    }
    p.delivery_time = now;
    if (!justid) ++p.delivery_count;
    if (c.propagating()) propagate_xclaim(c, key, c.arg(2), *g, p);
    (void)claimed.push_back(id);
    changed = true;
    --count;
    cur.next();
  }
  if (changed) c.modified(key);
  if (st != Status::ok) return c.out.error(st);
  c.out.array(3);
  reply_id(c.out, cur.valid() ? cur.item().id : StreamID{});  // where the next call starts
  c.out.array(claimed.size());
  for (const StreamID& id : claimed) {
    if (justid) {
      reply_id(c.out, id);
    } else {
      (void)reply_one(c.out, *s, id);
    }
  }
  c.out.array(deleted.size());
  for (const StreamID& id : deleted) reply_id(c.out, id);
}

// ---------------------------------------------------------------------------------------------
// XINFO

inline void xinfo_help(Context& c) {
  c.reply_help({"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
                "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
                "    Show information about the stream."});
}

inline void xinfo_syntax_error(Context& c) {
  c.out.error(Status::unknown_subcommand_or_arity, c.arg(1).substr(0, 128), "XINFO");
}

// The stream of XINFO's key, or nullptr after replying (no such key, wrong type).
inline Stream* xinfo_stream(Context& c) {
  const Entry* e = c.read_key(c.arg(2));
  if (e == nullptr) {
    c.out.error(Status::no_such_key);
    return nullptr;
  }
  if (!c.check_type(e, ValueType::stream)) return nullptr;
  return stream_of(e);
}

inline void reply_lag(Context& c, const Stream& s, const StreamGroup& g) {
  std::int64_t lag = 0;
  if (s.group_lag(g, lag)) return c.out.integer(lag);
  c.out.null();
}

inline void reply_entries_read(Context& c, const StreamGroup& g) {
  if (g.entries_read != StreamGroup::kInvalidEntriesRead) return c.out.integer(g.entries_read);
  c.out.null();
}

// XINFO CONSUMERS key group
inline void xinfo_consumers(Context& c) {
  Stream* s = xinfo_stream(c);
  if (s == nullptr) return;
  const StreamGroup* g = s->find_group(c.arg(3));
  if (g == nullptr) return c.out.error(Status::stream_no_group_for_key, c.arg(3), c.arg(2));
  const std::int64_t now = c.now_ms();
  c.out.array(g->consumers.size());
  for (const StreamConsumer* consumer : g->consumers) {
    const std::int64_t idle = now - consumer->seen_time;
    c.out.map(3);
    c.out.bulk("name");
    c.out.bulk(consumer->name());
    c.out.bulk("pending");
    c.out.integer(static_cast<std::int64_t>(consumer->pel.size()));
    c.out.bulk("idle");
    c.out.integer(idle < 0 ? 0 : idle);
  }
}

// XINFO GROUPS key
inline void xinfo_groups(Context& c) {
  Stream* s = xinfo_stream(c);
  if (s == nullptr) return;
  c.out.array(s->group_count());
  for (std::size_t i = 0; i < s->group_count(); ++i) {
    const StreamGroup* g = s->group_at(i);
    c.out.map(6);
    c.out.bulk("name");
    c.out.bulk(g->name());
    c.out.bulk("consumers");
    c.out.integer(static_cast<std::int64_t>(g->consumers.size()));
    c.out.bulk("pending");
    c.out.integer(static_cast<std::int64_t>(g->pel.size()));
    c.out.bulk("last-delivered-id");
    reply_id(c.out, g->last_id);
    c.out.bulk("entries-read");
    reply_entries_read(c, *g);
    c.out.bulk("lag");
    reply_lag(c, *s, *g);
  }
}

// The group part of XINFO STREAM FULL; count limits each pending list (0: all).
inline void reply_full_group(Context& c, StreamGroup& g, const Stream& s, std::size_t count) {
  c.out.map(7);
  c.out.bulk("name");
  c.out.bulk(g.name());
  c.out.bulk("last-delivered-id");
  reply_id(c.out, g.last_id);
  c.out.bulk("entries-read");
  reply_entries_read(c, g);
  c.out.bulk("lag");
  reply_lag(c, s, g);
  c.out.bulk("pel-count");
  c.out.integer(static_cast<std::int64_t>(g.pel.size()));
  c.out.bulk("pending");
  const std::size_t pel_n = count == 0 || g.pel.size() < count ? g.pel.size() : count;
  c.out.array(pel_n);
  std::size_t n = 0;
  for (auto cur = g.pel.first(); n < pel_n; cur.next(), ++n) {
    const StreamPending& p = cur.item();
    c.out.array(4);
    reply_id(c.out, p.id);
    c.out.bulk(p.consumer->name());
    c.out.integer(p.delivery_time);
    c.out.integer(static_cast<std::int64_t>(p.delivery_count));
  }
  c.out.bulk("consumers");
  c.out.array(g.consumers.size());
  for (StreamConsumer* consumer : g.consumers) {
    c.out.map(4);
    c.out.bulk("name");
    c.out.bulk(consumer->name());
    c.out.bulk("seen-time");
    c.out.integer(consumer->seen_time);
    c.out.bulk("pel-count");
    c.out.integer(static_cast<std::int64_t>(consumer->pel.size()));
    c.out.bulk("pending");
    const std::size_t cn = count == 0 || consumer->pel.size() < count ? consumer->pel.size() : count;
    c.out.array(cn);
    std::size_t k = 0;
    for (auto cur = consumer->pel.first(); k < cn; cur.next(), ++k) {
      const StreamPending* p = g.pel.find(cur.item().id);
      c.out.array(3);
      reply_id(c.out, cur.item().id);
      c.out.integer(p != nullptr ? p->delivery_time : 0);
      c.out.integer(p != nullptr ? static_cast<std::int64_t>(p->delivery_count) : 0);
    }
  }
}

// XINFO STREAM key [FULL [COUNT count]]
inline void xinfo_stream_cmd(Context& c) {
  bool full = false;
  std::int64_t count = 10;  // FULL's default, so that a big stream does not block the server
  const std::size_t optc = c.argc - 3;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !iequals(c.arg(3), "full")) return xinfo_syntax_error(c);
    if (optc == 3) {
      if (!iequals(c.arg(4), "count")) return xinfo_syntax_error(c);
      if (!parse_int64(c.arg(5), count)) return c.out.error(Status::not_integer);
      if (count < 0) count = 10;
    }
    full = true;
  }
  Stream* s = xinfo_stream(c);
  if (s == nullptr) return;
  c.out.map(full ? 9 : 10);
  c.out.bulk("length");
  c.out.integer(static_cast<std::int64_t>(s->length()));
  c.out.bulk("radix-tree-keys");
  c.out.integer(static_cast<std::int64_t>(s->block_count()));
  c.out.bulk("radix-tree-nodes");
  c.out.integer(static_cast<std::int64_t>(s->radix_tree_nodes()));
  c.out.bulk("last-generated-id");
  reply_id(c.out, s->last_id());
  c.out.bulk("max-deleted-entry-id");
  reply_id(c.out, s->max_deleted_id());
  c.out.bulk("entries-added");
  c.out.integer(static_cast<std::int64_t>(s->entries_added()));
  c.out.bulk("recorded-first-entry-id");
  reply_id(c.out, s->first_id());
  if (!full) {
    c.out.bulk("groups");
    c.out.integer(static_cast<std::int64_t>(s->group_count()));
    for (const bool last : {false, true}) {
      c.out.bulk(last ? "last-entry" : "first-entry");
      StreamIterator it(*s, nullptr, nullptr, last);
      StreamID id;
      std::size_t numfields = 0;
      if (it.next(id, numfields)) {
        reply_entry(c.out, it, id, numfields);
      } else {
        c.out.null();
      }
    }
    return;
  }
  c.out.bulk("entries");
  reply_range(c, *s, nullptr, nullptr, static_cast<std::size_t>(count), false);
  c.out.bulk("groups");
  c.out.array(s->group_count());
  for (std::size_t i = 0; i < s->group_count(); ++i) {
    reply_full_group(c, *s->group_at(i), *s, static_cast<std::size_t>(count));
  }
}

// ---------------------------------------------------------------------------------------------
// The command table

inline const CommandSpec kXgroupSubcommands[] = {
    {"xgroup|create", -5, kWrite | kDenyOom, 2, 2, 1, xgroup_generic, "stream", "Creates a consumer group.",
     "5.0.0", "O(1)", "key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]", kAclStream},
    {"xgroup|createconsumer", 5, kWrite | kDenyOom, 2, 2, 1, xgroup_generic, "stream",
     "Creates a consumer in a consumer group.", "6.2.0", "O(1)", "key group consumer", kAclStream},
    {"xgroup|delconsumer", 5, kWrite, 2, 2, 1, xgroup_generic, "stream",
     "Deletes a consumer from a consumer group and returns how many entries it had pending.", "5.0.0", "O(1)",
     "key group consumer", kAclStream},
    {"xgroup|destroy", 4, kWrite, 2, 2, 1, xgroup_generic, "stream", "Destroys a consumer group.", "5.0.0",
     "O(N) where N is the number of entries in the group's pending entries list", "key group", kAclStream},
    {"xgroup|setid", -5, kWrite, 2, 2, 1, xgroup_generic, "stream",
     "Sets the last delivered ID (and read counter) of a consumer group.", "5.0.0", "O(1)",
     "key group <id | $> [ENTRIESREAD entries-read]", kAclStream},
    {"xgroup|help", 2, kLoading | kStale, 0, 0, 0, xgroup_help, "stream",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", "", kAclStream},
};

inline const CommandSpec kXinfoSubcommands[] = {
    {"xinfo|consumers", 4, kReadonly, 2, 2, 1, xinfo_consumers, "stream",
     "Returns the consumers of a consumer group.", "5.0.0", "O(1)", "key group", kAclStream},
    {"xinfo|groups", 3, kReadonly, 2, 2, 1, xinfo_groups, "stream", "Returns the consumer groups of a stream.",
     "5.0.0", "O(1)", "key", kAclStream},
    {"xinfo|stream", -3, kReadonly, 2, 2, 1, xinfo_stream_cmd, "stream", "Returns information about a stream.",
     "5.0.0", "O(1), or O(N) with FULL where N is the number of entries and pending entries returned",
     "key [FULL [COUNT count]]", kAclStream},
    {"xinfo|help", 2, kLoading | kStale, 0, 0, 0, xinfo_help, "stream",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", "", kAclStream},
};

inline const CommandSpec kCommands[] = {
    {"xadd", -5, kWrite | kDenyOom | kFast, 1, 1, 1, xadd, "stream",
     "Appends an entry to a stream, creating the stream if needed, and optionally trims it.", "5.0.0",
     "O(1) to add an entry, O(N) for the N entries trimmed",
     "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
     kAclStream},
    {"xack", -4, kWrite | kFast, 1, 1, 1, xack, "stream",
     "Acknowledges entries of a consumer group, removing them from its pending entries list.", "5.0.0",
     "O(log N) for each ID, N being the size of the pending entries list", "key group id [id ...]", kAclStream},
    {"xautoclaim", -6, kWrite | kFast, 1, 1, 1, xautoclaim, "stream",
     "Transfers pending entries idle for long enough to another consumer, scanning the pending list from an ID.",
     "6.2.0", "O(log N + M) where M is COUNT", "key group consumer min-idle-time start [COUNT count] [JUSTID]",
     kAclStream},
    {"xclaim", -6, kWrite | kFast, 1, 1, 1, xclaim, "stream",
     "Transfers the ownership of pending entries to another consumer.", "5.0.0",
     "O(log N) for each ID, N being the size of the pending entries list",
     "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] "
     "[FORCE] [JUSTID] [LASTID lastid]",
     kAclStream},
    {"xdel", -3, kWrite | kFast, 1, 1, 1, xdel, "stream",
     "Deletes entries from a stream (an empty stream stays).", "5.0.0",
     "O(log N) for each ID, N being the number of entries", "key id [id ...]", kAclStream},
    {"xgroup", -2, 0, 0, 0, 0, nullptr, "stream", "A container for consumer group commands.", "5.0.0",
     "Depends on subcommand.", "", 0, kXgroupSubcommands, sizeof kXgroupSubcommands / sizeof kXgroupSubcommands[0]},
    {"xinfo", -2, 0, 0, 0, 0, nullptr, "stream", "A container for stream introspection commands.", "5.0.0",
     "Depends on subcommand.", "", 0, kXinfoSubcommands, sizeof kXinfoSubcommands / sizeof kXinfoSubcommands[0]},
    {"xlen", 2, kReadonly | kFast, 1, 1, 1, xlen, "stream", "Returns the number of entries of a stream.", "5.0.0",
     "O(1)", "key", kAclStream},
    {"xpending", -3, kReadonly, 1, 1, 1, xpending, "stream",
     "Returns a summary of a consumer group's pending entries, or the pending entries in a range of IDs.",
     "5.0.0", "O(log N + M) where M is the number of entries returned",
     "key group [[IDLE min-idle-time] start end count [consumer]]", kAclStream},
    {"xrange", -4, kReadonly, 1, 1, 1, xrange, "stream", "Returns the entries of a stream within a range of IDs.",
     "5.0.0", "O(log N + M) where M is the number of entries returned", "key start end [COUNT count]",
     kAclStream},
    {"xread", -4, kReadonly | kBlocking | kMovableKeys, 0, 0, 0, xread, "stream",
     "Returns the entries after given IDs of one or more streams; blocks until there are some if asked to.",
     "5.0.0", "O(log N + M) for each stream, M being the number of entries returned",
     "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]", kAclStream, nullptr, 0, xread_keys},
    {"xreadgroup", -7, kWrite | kBlocking | kMovableKeys, 0, 0, 0, xreadgroup, "stream",
     "Returns new or pending entries of streams for a consumer of a group; blocks until there are some if asked "
     "to.",
     "5.0.0", "O(log N + M) for each stream, M being the number of entries returned",
     "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]",
     kAclStream, nullptr, 0, xreadgroup_keys},
    {"xrevrange", -4, kReadonly, 1, 1, 1, xrevrange, "stream",
     "Returns the entries of a stream within a range of IDs, last first.", "5.0.0",
     "O(log N + M) where M is the number of entries returned", "key end start [COUNT count]", kAclStream},
    {"xsetid", -3, kWrite | kDenyOom | kFast, 1, 1, 1, xsetid, "stream",
     "Sets the last ID, entries-added counter and maximal deleted ID of a stream.", "5.0.0", "O(1)",
     "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]", kAclStream},
    {"xtrim", -4, kWrite, 1, 1, 1, xtrim, "stream", "Removes the oldest entries of a stream.", "5.0.0",
     "O(N) where N is the number of entries removed",
     "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]", kAclStream},
};

}  // namespace streams_cmds

MICROREDIS_INLINE bool register_stream_commands(CommandTable& t) { return t.add(streams_cmds::kCommands); }

}  // namespace microredis
