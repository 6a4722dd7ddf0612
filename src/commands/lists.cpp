// The list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
// LPOS LMOVE RPOPLPUSH LMPOP, as Redis 7.0's t_list.c (its blocking commands come later).
//
// The data layer is store/quicklist.hpp: the Quicklist itself and the keyspace-level pop, push
// and move steps (list_pop, list_move) that the blocking commands will share. This file parses,
// calls them, replies and fires the keyspace events Redis fires, in Redis's order. Node sizes
// follow list-max-listpack-size at the time of each insert.
//
// Layout: helpers, the commands, then the command table.
#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/quicklist.hpp"

namespace microredis {
namespace lists_cmds {

using namespace collection;

// ---------------------------------------------------------------------------------------------
// Helpers

inline QuicklistLimits limits_of(const Context& c) {
  const Settings& st = c.engine.settings();
  return QuicklistLimits::of(st.list_max_listpack_size, static_cast<std::size_t>(st.list_packed_threshold));
}

inline const char* push_event(ListEnd where) { return where == ListEnd::head ? "lpush" : "rpush"; }
inline const char* pop_event(ListEnd where) { return where == ListEnd::head ? "lpop" : "rpop"; }

// LEFT or RIGHT (Redis's getListPositionFromObjectOrReply).
inline bool parse_end(std::string_view s, ListEnd& out) {
  if (iequals(s, "left")) {
    out = ListEnd::head;
  } else if (iequals(s, "right")) {
    out = ListEnd::tail;
  } else {
    return false;
  }
  return true;
}

// Redis's getPositiveLongFromObjectOrReply: an integer >= 0, else `err` (which covers both a
// non-number and a negative one).
inline bool parse_non_negative(std::string_view s, std::int64_t& out) { return parse_int64(s, out) && out >= 0; }

// The events and bookkeeping after elements were popped from key (Redis's listElementsRemoved).
inline void popped(Context& c, std::string_view key, ListEnd where, bool deleted) {
  c.notify(kNotifyList, pop_event(where), key);
  if (deleted) c.notify(kNotifyGeneric, "del", key);
  c.modified(key);
}

// Pops up to count elements of the list at key (its entry e) and replies with them: a bulk string
// when `single`, else an array (Redis's [LR]POP and listPopRangeAndReplyWithKey, which wraps the
// array with the key name when `with_key`). key must not point into e, which goes away when the
// list empties: it is the command's argument.
inline void pop_and_reply(Context& c, std::string_view key, Entry* e, ListEnd where, std::size_t count, bool single,
                          bool with_key) {
  const Writer::Deferred mark = c.out.defer();
  if (with_key) {
    c.out.array(2);
    c.out.bulk(key);
  }
  const std::size_t len = list_of(*e)->length();
  if (!single) c.out.array(count < len ? count : len);
  bool deleted = false;
  if (!list_pop(c.db, e, where, count, [&](const Element& v) { reply_element(c.out, v); }, deleted)) {
    return rollback_with_error(c, mark, Status::oom);
  }
  popped(c, key, where, deleted);
}

// Replies with elements start..end (inclusive, negative from the tail) of a list, as Redis's
// addListRangeReply: out-of-range indexes are clamped, an empty range is an empty array.
inline void reply_range(Context& c, const Quicklist& ql, std::int64_t start, std::int64_t end) {
  const auto len = static_cast<std::int64_t>(ql.length());
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return c.out.array(0);
  if (end >= len) end = len - 1;
  std::int64_t n = end - start + 1;
  c.out.array(static_cast<std::size_t>(n));
  Quicklist::walk(ql.seek(start), true, [&](const Element& v) {
    reply_element(c.out, v);
    return --n > 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Commands

// LPUSH RPUSH LPUSHX RPUSHX (Redis's pushGenericCommand; `existing_only` is the X).
inline void push_generic(Context& c, ListEnd where, bool existing_only) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::list)) return;
  if (e == nullptr) {
    if (existing_only) return c.out.integer(0);
    e = list_create(c.db, key);
    if (e == nullptr) return c.out.error(Status::oom);
  }
  Quicklist* ql = list_of(*e);
  const QuicklistLimits limits = limits_of(c);
  std::size_t pushed = 0;
  for (std::size_t i = 2; i < c.argc && ql->push(c.mem(), limits, where, c.arg(i)); ++i) ++pushed;
  if (pushed < c.argc - 2) {
    // Out of memory part way: the elements pushed so far come off the same end again (popping
    // only shrinks blocks; should even that fail, they stay, and the write is reported).
    const bool undone = ql->pop(c.mem(), where, pushed);
    if (ql->empty()) c.db.remove(key);
    c.out.error(Status::oom);
    if (!undone) {
      c.modified(key);
      c.notify(kNotifyList, push_event(where), key);
    }
    return;
  }
  c.out.integer(static_cast<std::int64_t>(ql->length()));
  c.modified(key);
  c.notify(kNotifyList, push_event(where), key);
}

inline void lpush(Context& c) { push_generic(c, ListEnd::head, false); }
inline void rpush(Context& c) { push_generic(c, ListEnd::tail, false); }
inline void lpushx(Context& c) { push_generic(c, ListEnd::head, true); }
inline void rpushx(Context& c) { push_generic(c, ListEnd::tail, true); }

// LPOP and RPOP (Redis's popGenericCommand).
inline void pop_generic(Context& c, ListEnd where) {
  if (c.argc > 3) return c.out.error(Status::wrong_arity, c.cmd.spec->name());
  const bool has_count = c.argc == 3;
  std::int64_t count = 1;
  if (has_count && !parse_non_negative(c.arg(2), count)) return c.out.error(Status::out_of_range_positive);
  Entry* e = c.write_key(c.arg(1));
  // Without a count the missing-key reply is a null bulk string, with one a null array: the
  // shapes differ in RESP2 ($-1 and *-1).
  if (e == nullptr) return has_count ? c.out.null_array() : c.out.null();
  if (!c.check_type(e, ValueType::list)) return;
  if (count == 0) return c.out.array(0);
  pop_and_reply(c, c.arg(1), e, where, static_cast<std::size_t>(count), !has_count, false);
}

inline void lpop(Context& c) { pop_generic(c, ListEnd::head); }
inline void rpop(Context& c) { pop_generic(c, ListEnd::tail); }

inline void llen(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::list)) return;
  c.out.integer(static_cast<std::int64_t>(list_of(*e)->length()));
}

inline void lrange(Context& c) {
  std::int64_t start = 0;
  std::int64_t end = 0;
  if (!parse_int64(c.arg(2), start) || !parse_int64(c.arg(3), end)) return c.out.error(Status::not_integer);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.array(0);
  if (!c.check_type(e, ValueType::list)) return;
  reply_range(c, *list_of(*e), start, end);
}

inline void lindex(Context& c) {
  // The key comes before the index: LINDEX on a missing key answers null even for a bad index.
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::list)) return;
  std::int64_t index = 0;
  if (!parse_int64(c.arg(2), index)) return c.out.error(Status::not_integer);
  const Quicklist::Position pos = list_of(*e)->seek(index);
  if (!pos) return c.out.null();
  reply_element(c.out, Quicklist::get(pos));
}

inline void lset(Context& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.error(Status::no_such_key);
  if (!c.check_type(e, ValueType::list)) return;
  std::int64_t index = 0;
  if (!parse_int64(c.arg(2), index)) return c.out.error(Status::not_integer);
  Quicklist* ql = list_of(*e);
  if (!ql->seek(index)) return c.out.error(Status::index_out_of_range);
  if (!ql->replace(c.mem(), limits_of(c), index, c.arg(3))) {
    // The list may hold both values now (see Quicklist::replace): WATCH must see a change.
    c.modified(key);
    return c.out.error(Status::oom);
  }
  c.out.ok();
  c.modified(key);
  c.notify(kNotifyList, "lset", key);
}

inline void linsert(Context& c) {
  bool after = false;
  if (iequals(c.arg(2), "after")) {
    after = true;
  } else if (!iequals(c.arg(2), "before")) {
    return c.out.error(Status::syntax);
  }
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::list)) return;
  Quicklist* ql = list_of(*e);
  // The pivot is the first match from the head.
  const ElementMatcher pivot(c.arg(3));
  Quicklist::Position pos = ql->first();
  while (pos && !pivot.matches(Quicklist::get(pos))) pos = Quicklist::step(pos, true);
  if (!pos) return c.out.integer(-1);
  if (!ql->insert(c.mem(), limits_of(c), pos, after, c.arg(4))) return c.out.error(Status::oom);
  c.modified(key);
  c.notify(kNotifyList, "linsert", key);
  c.out.integer(static_cast<std::int64_t>(ql->length()));
}

inline void lrem(Context& c) {
  std::int64_t count = 0;
  if (!parse_int64(c.arg(2), count)) return c.out.error(Status::not_integer);
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::list)) return;
  Quicklist* ql = list_of(*e);
  // |count| without overflow at INT64_MIN.
  const std::uint64_t limit = count < 0 ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
  std::size_t removed = 0;
  const bool ok = ql->remove_matching(c.mem(), c.arg(3), static_cast<std::size_t>(limit), count < 0, removed);
  if (removed > 0) {
    c.modified(key);
    c.notify(kNotifyList, "lrem", key);
  }
  if (ql->empty()) {
    c.db.remove(key);
    c.notify(kNotifyGeneric, "del", key);
  }
  if (!ok) return c.out.error(Status::oom);
  c.out.integer(static_cast<std::int64_t>(removed));
}

inline void ltrim(Context& c) {
  std::int64_t start = 0;
  std::int64_t end = 0;
  if (!parse_int64(c.arg(2), start) || !parse_int64(c.arg(3), end)) return c.out.error(Status::not_integer);
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.ok();
  if (!c.check_type(e, ValueType::list)) return;
  Quicklist* ql = list_of(*e);
  const auto len = static_cast<std::int64_t>(ql->length());
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  std::int64_t ltrim = len;
  std::int64_t rtrim = 0;
  // An empty range (start > end, or start past the end) empties the list.
  if (start <= end && start < len) {
    if (end >= len) end = len - 1;
    ltrim = start;
    rtrim = len - end - 1;
  }
  const bool ok = ql->pop(c.mem(), ListEnd::head, static_cast<std::size_t>(ltrim)) &&
                  ql->pop(c.mem(), ListEnd::tail, static_cast<std::size_t>(rtrim));
  c.notify(kNotifyList, "ltrim", key);
  if (ql->empty()) {
    c.db.remove(key);
    c.notify(kNotifyGeneric, "del", key);
  }
  c.modified(key);
  if (!ok) return c.out.error(Status::oom);
  c.out.ok();
}

inline void lpos(Context& c) {
  std::int64_t rank = 1;
  std::int64_t count = -1;  // -1: no COUNT option, a single index (or null) is the reply
  std::int64_t maxlen = 0;
  for (std::size_t j = 3; j < c.argc; ++j) {
    const bool more = j + 1 < c.argc;
    const std::string_view opt = c.arg(j);
    if (iequals(opt, "RANK") && more) {
      if (!parse_int64(c.arg(++j), rank)) return c.out.error(Status::not_integer);
      if (rank == 0) return c.out.error(Status::lpos_rank_zero);
    } else if (iequals(opt, "COUNT") && more) {
      if (!parse_non_negative(c.arg(++j), count)) return c.out.error(Status::lpos_count_negative);
    } else if (iequals(opt, "MAXLEN") && more) {
      if (!parse_non_negative(c.arg(++j), maxlen)) return c.out.error(Status::lpos_maxlen_negative);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  // A negative rank searches from the tail. Redis negates a RANK of LONG_MIN into itself, which
  // then admits every match and never reaches COUNT: all matches from the tail. Kept as is.
  const bool from_tail = rank < 0;
  const bool unbounded = rank == INT64_MIN;
  const std::uint64_t wanted_rank = unbounded ? 1 : static_cast<std::uint64_t>(rank < 0 ? -rank : rank);

  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return count != -1 ? c.out.array(0) : c.out.null();
  if (!c.check_type(e, ValueType::list)) return;
  const Quicklist& ql = *list_of(*e);
  const ElementMatcher match(c.arg(2));
  const std::size_t len = ql.length();
  const Writer::Deferred mark = c.out.defer();
  std::uint64_t index = 0;
  std::uint64_t matches = 0;
  std::size_t emitted = 0;
  std::int64_t found = -1;
  Quicklist::walk(from_tail ? ql.last() : ql.first(), !from_tail, [&](const Element& v) {
    if (maxlen != 0 && index >= static_cast<std::uint64_t>(maxlen)) return false;
    if (match.matches(v) && ++matches >= wanted_rank) {
      const std::int64_t at = static_cast<std::int64_t>(from_tail ? len - index - 1 : index);
      if (count == -1) {
        found = at;
        return false;
      }
      c.out.integer(at);
      ++emitted;
      if (!unbounded && count != 0 && matches - wanted_rank + 1 >= static_cast<std::uint64_t>(count)) return false;
    }
    ++index;
    return true;
  });
  if (count != -1) return c.out.end_array(mark, emitted);
  if (found == -1) return c.out.null();
  c.out.integer(found);
}

// LMOVE and RPOPLPUSH (Redis's lmoveGenericCommand).
inline void lmove_generic(Context& c, ListEnd from, ListEnd to) {
  const std::string_view src_key = c.arg(1);
  const std::string_view dst_key = c.arg(2);
  Entry* src = c.write_key(src_key);
  if (src == nullptr) return c.out.null();
  if (!c.check_type(src, ValueType::list)) return;
  Entry* dst = c.write_key(dst_key);
  if (!c.check_type(dst, ValueType::list)) return;
  const Writer::Deferred mark = c.out.defer();
  ListMoveResult res;
  if (!list_move(c.db, src, dst_key, dst, from, to, limits_of(c), [&](const Element& v) { reply_element(c.out, v); },
                 res)) {
    return rollback_with_error(c, mark, Status::oom);
  }
  // Redis's order: the push side first (lmoveHandlePush), then the pop side.
  c.modified(dst_key);
  c.notify(kNotifyList, push_event(to), dst_key);
  popped(c, src_key, from, res.source_deleted);
}

// BLPOP / BRPOP key [key ...] timeout: [key, element] from the first non-empty list.
inline void blocking_pop(Context& c, ListEnd where) {
  std::int64_t deadline = 0;
  if (!c.parse_timeout(c.arg(c.argc - 1), deadline)) return;
  const std::string_view* keys = c.argv + 1;
  const std::size_t nkeys = c.argc - 2;
  for (std::size_t i = 0; i < nkeys; ++i) {
    Entry* e = c.write_key(keys[i]);
    if (e == nullptr) continue;
    if (!c.check_type(e, ValueType::list)) return;
    // Replicas see the pop it came to: LPOP/RPOP key.
    c.propagate_as({where == ListEnd::head ? "LPOP" : "RPOP", keys[i]});
    return pop_and_reply(c, keys[i], e, where, 1, true, true);
  }
  c.block_on_keys(keys, nkeys, deadline, TimeoutReply::null_array, ValueType::list);
}

inline void blpop(Context& c) { blocking_pop(c, ListEnd::head); }
inline void brpop(Context& c) { blocking_pop(c, ListEnd::tail); }

// BLMOVE / BRPOPLPUSH: LMOVE once the source has an element.
inline void blocking_move(Context& c, ListEnd from, ListEnd to, std::string_view timeout) {
  std::int64_t deadline = 0;
  if (!c.parse_timeout(timeout, deadline)) return;
  const KeyReadiness r = first_ready_key(c, c.argv + 1, 1, ValueType::list);
  if (r == KeyReadiness::wrong_type) return;
  if (r == KeyReadiness::none) {
    return c.block_on_keys(c.argv + 1, 1, deadline, TimeoutReply::null_bulk, ValueType::list);
  }
  // BLMOVE as LMOVE, BRPOPLPUSH as RPOPLPUSH (their arguments but the timeout).
  if (c.argc == 6) {
    c.propagate_as({"LMOVE", c.arg(1), c.arg(2), c.arg(3), c.arg(4)});
  } else {
    c.propagate_as({"RPOPLPUSH", c.arg(1), c.arg(2)});
  }
  lmove_generic(c, from, to);
}

inline void blmove(Context& c) {
  ListEnd from = ListEnd::head;
  ListEnd to = ListEnd::head;
  if (!parse_end(c.arg(3), from) || !parse_end(c.arg(4), to)) return c.out.error(Status::syntax);
  blocking_move(c, from, to, c.arg(5));
}

inline void brpoplpush(Context& c) { blocking_move(c, ListEnd::tail, ListEnd::head, c.arg(3)); }

inline void lmove(Context& c) {
  ListEnd from = ListEnd::head;
  ListEnd to = ListEnd::head;
  if (!parse_end(c.arg(3), from) || !parse_end(c.arg(4), to)) return c.out.error(Status::syntax);
  lmove_generic(c, from, to);
}

inline void rpoplpush(Context& c) { lmove_generic(c, ListEnd::tail, ListEnd::head); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], and BLMPOP with a timeout before numkeys
// (Redis's lmpopGenericCommand). `first` is the index of numkeys.
inline void lmpop_generic(Context& c, std::size_t first, bool blocking) {
  std::int64_t deadline = 0;
  if (blocking && !c.parse_timeout(c.arg(1), deadline)) return;
  std::int64_t numkeys = 0;
  if (!parse_int64(c.arg(first), numkeys) || numkeys < 1) return c.out.error(Status::numkeys_not_positive);
  // The direction follows the keys; with too few arguments for them Redis answers a syntax error.
  if (static_cast<std::uint64_t>(numkeys) >= c.argc - first - 1) return c.out.error(Status::syntax);
  const std::size_t where_index = first + 1 + static_cast<std::size_t>(numkeys);
  ListEnd where = ListEnd::head;
  if (!parse_end(c.arg(where_index), where)) return c.out.error(Status::syntax);
  std::int64_t count = -1;
  for (std::size_t j = where_index + 1; j < c.argc; ++j) {
    const bool more = j + 1 < c.argc;
    if (count == -1 && iequals(c.arg(j), "COUNT") && more) {
      if (!parse_int64(c.arg(++j), count) || count < 1) return c.out.error(Status::count_not_positive);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  if (count == -1) count = 1;
  for (std::size_t i = first + 1; i < where_index; ++i) {
    Entry* e = c.write_key(c.arg(i));
    if (e == nullptr) continue;
    if (!c.check_type(e, ValueType::list)) return;
    // LMPOP/BLMPOP as the pop with the count it came to: LPOP/RPOP key n.
    if (c.propagating()) {
      const std::uint64_t len = list_of(*e)->length();
      char n[kLongLongChars];
      const std::int64_t popped_n = static_cast<std::uint64_t>(count) < len ? count : static_cast<std::int64_t>(len);
      c.propagate_as({where == ListEnd::head ? "LPOP" : "RPOP", c.arg(i), {n, format_int64(n, popped_n)}});
    }
    return pop_and_reply(c, c.arg(i), e, where, static_cast<std::size_t>(count), false, true);
  }
  if (blocking) {
    return c.block_on_keys(c.argv + first + 1, where_index - first - 1, deadline, TimeoutReply::null_array,
                           ValueType::list);
  }
  c.out.null_array();
}

inline void lmpop(Context& c) { lmpop_generic(c, 1, false); }
inline void blmpop(Context& c) { lmpop_generic(c, 2, true); }

// Key positions of LMPOP / BLMPOP: numkeys keys after the numkeys argument at `first`.
inline std::size_t numkeys_positions(const std::string_view* argv, std::size_t argc, std::size_t first,
                                     std::size_t* out, std::size_t cap) {
  std::int64_t numkeys = 0;
  if (argc < first + 3 || !parse_int64(argv[first], numkeys) || numkeys < 1 ||
      static_cast<std::uint64_t>(numkeys) > argc - first - 1) {
    return 0;
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(numkeys) && n < cap; ++i) out[n++] = first + 1 + i;
  return n;
}
inline std::size_t lmpop_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return numkeys_positions(argv, argc, 1, out, cap);
}
inline std::size_t blmpop_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return numkeys_positions(argv, argc, 2, out, cap);
}

// ---------------------------------------------------------------------------------------------
// Command table

inline const CommandSpec kCommands[] = {
    {"lpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, lpush, "list",
     "Prepends elements to a list; creates the list if needed.", "1.0.0", "O(1) for each element added",
     "key element [element ...]", kAclList},
    {"rpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, rpush, "list",
     "Appends elements to a list; creates the list if needed.", "1.0.0", "O(1) for each element added",
     "key element [element ...]", kAclList},
    {"lpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, lpushx, "list",
     "Prepends elements to a list only when the list exists.", "2.2.0", "O(1) for each element added",
     "key element [element ...]", kAclList},
    {"rpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, rpushx, "list",
     "Appends elements to a list only when the list exists.", "2.2.0", "O(1) for each element added",
     "key element [element ...]", kAclList},
    {"lpop", -2, kWrite | kFast, 1, 1, 1, lpop, "list",
     "Removes and returns the first elements of a list; the list is deleted when emptied.", "1.0.0",
     "O(N) where N is the number of elements returned", "key [count]", kAclList},
    {"rpop", -2, kWrite | kFast, 1, 1, 1, rpop, "list",
     "Removes and returns the last elements of a list; the list is deleted when emptied.", "1.0.0",
     "O(N) where N is the number of elements returned", "key [count]", kAclList},
    {"llen", 2, kReadonly | kFast, 1, 1, 1, llen, "list", "Returns the length of a list.", "1.0.0", "O(1)", "key",
     kAclList},
    {"lrange", 4, kReadonly, 1, 1, 1, lrange, "list", "Returns a range of elements of a list.", "1.0.0",
     "O(S+N) where S is the distance of start from the nearer end and N the number of elements returned",
     "key start stop", kAclList},
    {"lindex", 3, kReadonly, 1, 1, 1, lindex, "list", "Returns the element at an index of a list.", "1.0.0",
     "O(N) where N is the distance of the index from the nearer end", "key index", kAclList},
    {"lset", 4, kWrite | kDenyOom, 1, 1, 1, lset, "list", "Sets the element at an index of a list.", "1.0.0",
     "O(N) where N is the distance of the index from the nearer end", "key index element", kAclList},
    {"linsert", 5, kWrite | kDenyOom, 1, 1, 1, linsert, "list",
     "Inserts an element before or after the first occurrence of a pivot element.", "2.2.0",
     "O(N) where N is the number of elements before the pivot", "key <BEFORE | AFTER> pivot element", kAclList},
    {"lrem", 4, kWrite, 1, 1, 1, lrem, "list",
     "Removes occurrences of an element, from the head or the tail; the list is deleted when emptied.", "1.0.0",
     "O(N+M) where N is the length of the list and M the number of elements removed", "key count element",
     kAclList},
    {"ltrim", 4, kWrite, 1, 1, 1, ltrim, "list",
     "Keeps only a range of elements of a list; the list is deleted when emptied.", "1.0.0",
     "O(N) where N is the number of elements removed", "key start stop", kAclList},
    {"lpos", -3, kReadonly, 1, 1, 1, lpos, "list", "Returns the indexes of elements equal to a value.", "6.0.6",
     "O(N) where N is the number of elements scanned", "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
     kAclList},
    {"lmove", 5, kWrite | kDenyOom, 1, 2, 1, lmove, "list",
     "Moves an element from an end of one list to an end of another (or the same) list.", "6.2.0", "O(1)",
     "source destination <LEFT | RIGHT> <LEFT | RIGHT>", kAclList},
    {"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, rpoplpush, "list",
     "Moves the last element of a list to the head of another (or the same) list.", "1.2.0", "O(1)",
     "source destination", kAclList},
#if MICROREDIS_WITH_BLOCKING
    {"blpop", -3, kWrite | kNoscript | kBlocking, 1, -2, 1, blpop, "list",
     "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes "
     "the list if the last element was popped.", "2.0.0", "O(N) where N is the number of provided keys.",
     "key [key ...] timeout", kAclList},
    {"brpop", -3, kWrite | kNoscript | kBlocking, 1, -2, 1, brpop, "list",
     "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes "
     "the list if the last element was popped.", "2.0.0", "O(N) where N is the number of provided keys.",
     "key [key ...] timeout", kAclList},
    {"blmove", 6, kWrite | kDenyOom | kNoscript | kBlocking, 1, 2, 1, blmove, "list",
     "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is "
     "available otherwise. Deletes the list if the last element was moved.", "6.2.0", "O(1)",
     "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout", kAclList},
    {"brpoplpush", 4, kWrite | kDenyOom | kNoscript | kBlocking, 1, 2, 1, brpoplpush, "list",
     "Pops an element from a list, pushes it to another list and returns it. Block until an element is "
     "available otherwise. Deletes the list if the last element was popped.", "2.2.0", "O(1)",
     "source destination timeout", kAclList},
    {"blmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, blmpop, "list",
     "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. "
     "Deletes the list if the last element was popped.", "7.0.0",
     "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
     "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", kAclList, nullptr, 0, blmpop_keys},
#endif
    {"lmpop", -4, kWrite | kMovableKeys, 0, 0, 0, lmpop, "list",
     "Pops elements from the first non-empty list of several keys.", "7.0.0",
     "O(N+M) where N is the number of keys given and M the number of elements returned",
     "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", kAclList, nullptr, 0, lmpop_keys},
};

}  // namespace lists_cmds

MICROREDIS_INLINE bool register_list_commands(CommandTable& t) { return t.add(lists_cmds::kCommands); }

}  // namespace microredis
