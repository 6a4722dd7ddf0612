// The sorted set family: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK
// ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER
// ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN, as Redis 7.0's t_zset.c.
//
// The data layer is store/zset.hpp (ZsetObject: a listpack or a table + tree of nodes). Encodings
// follow Redis 7.0 exactly, because OBJECT ENCODING shows them: ZADD creates a listpack unless
// zset-max-listpack-entries is 0 or the first member is longer than zset-max-listpack-value; a
// listpack becomes a skiplist for good when a new member would pass either limit. Results stored
// by ZUNIONSTORE, ZINTERSTORE and ZDIFFSTORE are built as a skiplist and turned into a listpack
// when they fit (Redis's zsetConvertToListpackIfNeeded); ZRANGESTORE picks its encoding from the
// number of members it will store, as Redis's zrangeResultBeginStore.
//
// The pop and range machinery (generic_zpop, RangeSink) takes keys and reply shapes as
// parameters, so that the blocking BZPOPMIN, BZPOPMAX and BZMPOP can serve a woken client with the
// same code.
//
// Layout: helpers (entries, conversions, result sets), then the commands, then the command table.
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/set.hpp"
#include "microredis/store/zset.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace zsets_cmds {

using namespace collection;

// ---------------------------------------------------------------------------------------------
// Helpers

inline ZsetLimits limits_of(const Context& c) {
  const Settings& s = c.engine.settings();
  ZsetLimits l;
  l.max_listpack_entries = setting_size(s.zset_max_listpack_entries);
  l.max_listpack_value = setting_size(s.zset_max_listpack_value);
  return l;
}

// Converts e's listpack into a skiplist: the new form is built beside the listpack, the entry
// swapped over, and only then the listpack freed, so that running out of memory anywhere leaves
// the key as it was. Returns the new entry (obj updated), or nullptr.
inline Entry* convert_to_big(Context& c, Entry* e, ZsetObject& obj) {
  return convert_encoding(c, e, obj, [&c](const ZsetObject& from, ZsetObject& to) {
    return from.to_big(c.mem(), c.engine.random().next(), to);
  });
}

// Redis's zsetAdd on a sorted set in the keyspace, converting the listpack first when the new
// member needs it. e and obj are updated.
inline ZaddResult add_to_key(Context& c, Entry*& e, ZsetObject& obj, const ZsetLimits& limits, double score,
                             std::string_view member, unsigned flags, unsigned& out, double& newscore) {
  ZaddResult r = obj.add(c.mem(), limits, score, member, flags, out, newscore);
  store_pointer(e, obj);
  if (r != ZaddResult::needs_big) return r;
  Entry* fresh = convert_to_big(c, e, obj);
  if (fresh == nullptr) return ZaddResult::oom;
  e = fresh;
  return obj.add(c.mem(), limits, score, member, flags, out, newscore);
}

// Redis's zsetAdd on a sorted set outside the keyspace, converting the listpack first when the new
// member needs it (the old form is freed once the new one holds everything).
inline ZaddResult add_standalone(Context& c, ZsetObject& obj, const ZsetLimits& limits, double score,
                                 std::string_view member, unsigned flags, unsigned& out, double& newscore) {
  const ZaddResult r = obj.add(c.mem(), limits, score, member, flags, out, newscore);
  if (r != ZaddResult::needs_big) return r;
  ZsetObject big;
  if (!obj.to_big(c.mem(), c.engine.random().next(), big)) return ZaddResult::oom;
  obj.destroy(c.mem());
  obj = big;
  return obj.add(c.mem(), limits, score, member, flags, out, newscore);
}

// A sorted set built outside the keyspace (stored results of ZUNIONSTORE, ZRANGESTORE..., and the
// temporary results ZUNION, ZINTER and ZDIFF reply from). Frees what it holds unless released.
class ZsetBuilder {
 public:
  explicit ZsetBuilder(Context& c) : c_(c), limits_(limits_of(c)) {}
  ZsetBuilder(const ZsetBuilder&) = delete;
  ZsetBuilder& operator=(const ZsetBuilder&) = delete;
  ~ZsetBuilder() { obj_.destroy(c_.mem()); }

  bool start_listpack() { return ZsetObject::create_listpack(c_.mem(), obj_); }
  bool start_big() { return ZsetObject::create_big(c_.mem(), c_.engine.random().next(), obj_); }

  // Sets member's score (adding it), as zsetAdd without flags.
  Status set(double score, std::string_view member) {
    unsigned out = 0;
    double newscore = 0;
    // No flags and a score that is a number: the only failure is running out of memory.
    return add_standalone(c_, obj_, limits_, score, member, 0, out, newscore) == ZaddResult::ok ? Status::ok
                                                                                                : Status::oom;
  }
  Status set(double score, const Element& member) {
    ElementText buf;
    return set(score, member.text(buf));
  }
  // Sets member's score to exactly this value, even when it differs from the current one only in
  // the sign of a zero, which ZADD leaves alone (a union aggregates into plain doubles in Redis).
  Status assign(double score, std::string_view member) {
    if (!obj_.is_listpack()) {
      auto* n = static_cast<ZsetNode*>(obj_.big()->dict.find(member));
      if (n != nullptr && n->score() == score) {
        n->set_score(score);
        return Status::ok;
      }
    }
    return set(score, member);
  }
  Status remove(const Element& member, bool& removed) {
    ElementText buf;
    return obj_.remove(c_.mem(), member.text(buf), removed);
  }
  // Redis's zsetConvertToListpackIfNeeded. false when out of memory (the set stays as it is).
  bool shrink_if_fits() {
    if (obj_.is_listpack() || !obj_.fits_listpack(limits_)) return true;
    ZsetObject lp;
    if (!obj_.to_listpack(c_.mem(), lp)) return false;
    obj_.destroy(c_.mem());
    obj_ = lp;
    return true;
  }

  const ZsetObject& object() const { return obj_; }
  std::size_t length() const { return obj_.pointer() != nullptr ? obj_.length() : 0; }
  ZsetObject release() {
    ZsetObject out = obj_;
    obj_ = ZsetObject();
    return out;
  }

 private:
  Context& c_;
  ZsetLimits limits_;
  ZsetObject obj_;
};

// Stores a result at dst as Redis's setKey does (replacing any value, clearing the TTL, keeping
// the LFU counter of an overwritten key), or deletes dst when the result is empty. Replies with the
// result's size; `event` is the keyspace event of a stored result.
inline void store_result(Context& c, std::string_view dst, ZsetBuilder& result, std::string_view event) {
  const std::size_t n = result.length();
  if (n == 0) {
    c.out.integer(0);
    if (c.db.remove(dst)) {
      c.modified(dst);
      c.notify(kNotifyGeneric, "del", dst);
    }
    return;
  }
  const Entry* old = c.db.lookup_no_touch(dst);
  const std::uint32_t lru = old != nullptr ? old->lru() : 0;
  const bool keep_lfu = old != nullptr && c.db.shared().lfu;
  Entry* e = c.db.put(dst, value_layout(ValueType::zset, result.release()), -1);
  if (e == nullptr) return c.out.error(Status::oom);
  if (keep_lfu) e->set_lru(lru);
  c.out.integer(static_cast<std::int64_t>(n));
  c.modified(dst);
  c.notify(kNotifyZset, event, dst);
}

// Deletes a sorted set that has become empty (Redis never keeps one).
inline bool delete_if_empty(Context& c, std::string_view key, const ZsetObject& obj) {
  if (obj.length() != 0) return false;
  c.db.remove(key);
  return true;
}

// One member of a reply, with its score when asked: a (member, score) pair is a nested array in
// RESP3 and two flat elements in RESP2.
inline void reply_member(Context& c, bool withscores, const Element& member, double score) {
  if (withscores && c.out.protocol() >= 3) c.out.array(2);
  reply_element(c.out, member);
  if (withscores) c.out.dbl(score);
}

// The length of the array holding n members.
inline std::size_t reply_length(const Context& c, bool withscores, std::size_t n) {
  return withscores && c.out.protocol() < 3 ? n * 2 : n;
}

// ---------------------------------------------------------------------------------------------
// ZADD ZINCRBY ZREM

inline void zadd_generic(Context& c, unsigned flags) {
  const std::string_view key = c.arg(1);
  bool ch = false;
  std::size_t scoreidx = 2;
  for (; scoreidx < c.argc; ++scoreidx) {
    const std::string_view opt = c.arg(scoreidx);
    if (iequals(opt, "nx")) {
      flags |= kZaddNx;
    } else if (iequals(opt, "xx")) {
      flags |= kZaddXx;
    } else if (iequals(opt, "ch")) {
      ch = true;
    } else if (iequals(opt, "incr")) {
      flags |= kZaddIncr;
    } else if (iequals(opt, "gt")) {
      flags |= kZaddGt;
    } else if (iequals(opt, "lt")) {
      flags |= kZaddLt;
    } else {
      break;
    }
  }
  const bool incr = (flags & kZaddIncr) != 0;
  const bool nx = (flags & kZaddNx) != 0;
  const bool xx = (flags & kZaddXx) != 0;
  const bool gt = (flags & kZaddGt) != 0;
  const bool lt = (flags & kZaddLt) != 0;
  const std::size_t args = c.argc - scoreidx;
  if (args % 2 != 0 || args == 0) return c.out.error(Status::syntax);
  const std::size_t elements = args / 2;
  if (nx && xx) return c.out.error(Status::zadd_nx_xx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return c.out.error(Status::zadd_gt_lt_nx);
  if (incr && elements > 1) return c.out.error(Status::zadd_incr_pairs);

  // Every score is parsed before anything changes: the command runs whole or not at all. (On the
  // stack for the common few pairs: no allocation.)
  constexpr std::size_t kStackScores = 32;
  double stack_scores[kStackScores];
  Vec<double> heap_scores(c.mem());
  double* scores = stack_scores;
  if (elements > kStackScores) {
    if (!heap_scores.resize(elements)) return c.out.error(Status::oom);
    scores = heap_scores.data();
  }
  for (std::size_t j = 0; j < elements; ++j) {
    if (!parse_double(c.arg(scoreidx + j * 2), scores[j])) return c.out.error(Status::not_float);
  }

  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::zset)) return;
  if (e == nullptr && xx) return incr ? c.out.null() : c.out.integer(0);
  const ZsetLimits limits = limits_of(c);
  // A new key is built whole before it enters the keyspace: its listpack then grows at the top of
  // the heap instead of hopping over the entry allocated after it (less fragmentation), and
  // nothing half-made is ever visible.
  ZsetObject fresh;
  if (e == nullptr) {
    const bool big = limits.max_listpack_entries == 0 || limits.max_listpack_value < c.arg(scoreidx + 1).size();
    if (!(big ? ZsetObject::create_big(c.mem(), c.engine.random().next(), fresh)
              : ZsetObject::create_listpack(c.mem(), fresh))) {
      return c.out.error(Status::oom);
    }
  }
  ZsetObject obj = e != nullptr ? ZsetObject::of(*e) : fresh;
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t processed = 0;
  double score = 0;
  Status st = Status::ok;
  for (std::size_t j = 0; j < elements; ++j) {
    unsigned out = 0;
    double newscore = 0;
    const std::string_view member = c.arg(scoreidx + 1 + j * 2);
    const ZaddResult r = e != nullptr ? add_to_key(c, e, obj, limits, scores[j], member, flags, out, newscore)
                                      : add_standalone(c, obj, limits, scores[j], member, flags, out, newscore);
    if (r == ZaddResult::nan) {
      st = Status::zset_score_nan;
      break;
    }
    if (r != ZaddResult::ok) {
      st = Status::oom;
      break;
    }
    if ((out & kZaddOutAdded) != 0) ++added;
    if ((out & kZaddOutUpdated) != 0) ++updated;
    if ((out & kZaddOutNop) == 0) ++processed;
    score = newscore;
  }
  if (e == nullptr) {
    if (obj.length() == 0) {
      obj.destroy(c.mem());
    } else if (c.db.put(key, value_layout(ValueType::zset, obj), -1) == nullptr) {  // frees the set on failure
      return c.out.error(Status::oom);
    }
  }
  if (added + updated > 0) {
    c.modified(key);
    c.notify(kNotifyZset, incr ? "zincr" : "zadd", key);
  }
  if (st != Status::ok) return c.out.error(st);
  if (incr) return processed > 0 ? c.out.dbl(score) : c.out.null();
  c.out.integer(static_cast<std::int64_t>(ch ? added + updated : added));
}

inline void zadd(Context& c) { zadd_generic(c, 0); }
inline void zincrby(Context& c) { zadd_generic(c, kZaddIncr); }

inline void zrem(Context& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::zset)) return;
  ZsetObject obj = ZsetObject::of(*e);
  std::int64_t deleted = 0;
  bool key_removed = false;
  Status st = Status::ok;
  for (std::size_t i = 2; i < c.argc; ++i) {
    bool removed = false;
    st = obj.remove(c.mem(), c.arg(i), removed);
    if (st != Status::ok) break;
    store_pointer(e, obj);
    if (removed) ++deleted;
    if (delete_if_empty(c, key, obj)) {
      key_removed = true;
      break;
    }
  }
  if (deleted > 0) {
    c.notify(kNotifyZset, "zrem", key);
    if (key_removed) c.notify(kNotifyGeneric, "del", key);
    c.modified(key);
  }
  if (st != Status::ok) return c.out.error(st);
  c.out.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX

enum class RangeType : std::uint8_t { automatic, rank, score, lex };

inline void zremrange_generic(Context& c, RangeType type) {
  const std::string_view key = c.arg(1);
  std::int64_t start = 0;
  std::int64_t end = 0;
  ScoreRange range;
  LexRange lex;
  std::string_view event;
  if (type == RangeType::rank) {
    event = "zremrangebyrank";
    if (!parse_int64(c.arg(2), start) || !parse_int64(c.arg(3), end)) return c.out.error(Status::not_integer);
  } else if (type == RangeType::score) {
    event = "zremrangebyscore";
    if (!ScoreRange::parse(c.arg(2), c.arg(3), range)) return c.out.error(Status::zset_min_max_not_float);
  } else {
    event = "zremrangebylex";
    if (!LexRange::parse(c.arg(2), c.arg(3), lex)) return c.out.error(Status::zset_min_max_not_lex);
  }
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::zset)) return;
  ZsetObject obj = ZsetObject::of(*e);
  std::size_t deleted = 0;
  Status st = Status::ok;
  if (type == RangeType::rank) {
    const auto llen = static_cast<std::int64_t>(obj.length());
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) return c.out.integer(0);
    if (end >= llen) end = llen - 1;
    st = obj.remove_rank_range(c.mem(), static_cast<std::size_t>(start), static_cast<std::size_t>(end), deleted);
  } else if (type == RangeType::score) {
    st = obj.remove_score_range(c.mem(), range, deleted);
  } else {
    st = obj.remove_lex_range(c.mem(), lex, deleted);
  }
  if (st != Status::ok) return c.out.error(st);
  store_pointer(e, obj);
  if (deleted > 0) {
    const bool key_removed = delete_if_empty(c, key, obj);
    c.modified(key);
    c.notify(kNotifyZset, event, key);
    if (key_removed) c.notify(kNotifyGeneric, "del", key);
  }
  c.out.integer(static_cast<std::int64_t>(deleted));
}

inline void zremrangebyrank(Context& c) { zremrange_generic(c, RangeType::rank); }
inline void zremrangebyscore(Context& c) { zremrange_generic(c, RangeType::score); }
inline void zremrangebylex(Context& c) { zremrange_generic(c, RangeType::lex); }

// ---------------------------------------------------------------------------------------------
// ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD

// One input of a set operation: a sorted set, a plain set (every member scores 1), or a missing
// key (empty).
struct Source {
  const Entry* entry;  // nullptr: missing
  ZsetObject zset;
  SetObject set;
  double weight;

  bool is_zset() const { return entry != nullptr && entry->type() == ValueType::zset; }
  std::size_t length() const {
    if (entry == nullptr) return 0;
    return is_zset() ? zset.length() : set.length();
  }
  template <class Fn>
  void for_each(Fn&& fn) const {
    if (entry == nullptr) return;
    if (is_zset()) return zset.for_each(fn);
    set.for_each([&](const Element& m) { fn(m, 1.0); });
  }
  bool find(const Element& member, double& score) const {
    if (entry == nullptr) return false;
    ElementText buf;
    const std::string_view m = member.text(buf);
    if (is_zset()) return zset.score(m, score);
    if (!set.contains(m)) return false;
    score = 1.0;
    return true;
  }
};

enum class SetOp : std::uint8_t { union_, inter, diff };
enum class Aggregate : std::uint8_t { sum, min, max };

// Redis's zunionInterAggregate: +inf + -inf sums to 0, not NaN.
inline void aggregate_into(double& target, double v, Aggregate a) {
  if (a == Aggregate::sum) {
    target += v;
    if (std::isnan(target)) target = 0.0;
  } else if (a == Aggregate::min) {
    target = v < target ? v : target;
  } else {
    target = v > target ? v : target;
  }
}

// Stable insertion sorts (few keys): ascending, or descending from index `from`, by cardinality.
inline void sort_by_length(Vec<Source>& src, std::size_t from, bool descending) {
  for (std::size_t i = from + 1; i < src.size(); ++i) {
    for (std::size_t j = i; j > from; --j) {
      const std::size_t a = src[j - 1].length();
      const std::size_t b = src[j].length();
      if (descending ? a >= b : a <= b) break;
      const Source t = src[j];
      src[j] = src[j - 1];
      src[j - 1] = t;
    }
  }
}

inline Status zdiff_into(Vec<Source>& src, ZsetBuilder& result) {
  if (src[0].length() == 0) return Status::ok;
  // Redis's zsetChooseDiffAlgorithm: (1) test each member of the first set against the others,
  // O(N*M), or (2) add the first set and remove the others, O(total); nothing when a later key is
  // the first one again.
  std::uint64_t algo_one = 0;
  std::uint64_t algo_two = 0;
  for (std::size_t j = 0; j < src.size(); ++j) {
    if (j > 0 && src[0].entry == src[j].entry) return Status::ok;
    algo_one += src[0].length();
    algo_two += src[j].length();
  }
  algo_one /= 2;
  Status st = Status::ok;
  if (algo_one <= algo_two) {
    // Biggest sets first: a member is more likely to be found early.
    sort_by_length(src, 1, true);
    src[0].for_each([&](const Element& m, double score) {
      if (st != Status::ok) return;
      double ignored = 0;
      for (std::size_t j = 1; j < src.size(); ++j) {
        if (src[j].find(m, ignored)) return;
      }
      st = result.set(score, m);
    });
    return st;
  }
  for (std::size_t j = 0; j < src.size() && st == Status::ok; ++j) {
    if (src[j].length() == 0) continue;
    src[j].for_each([&](const Element& m, double score) {
      if (st != Status::ok) return;
      if (j == 0) {
        st = result.set(score, m);
      } else if (result.length() > 0) {
        bool removed = false;
        st = result.remove(m, removed);
      }
    });
    if (result.length() == 0) break;
  }
  return st;
}

// Redis's zunionInterDiffGenericCommand. dst is empty when not storing.
inline void zsetop_generic(Context& c, std::string_view dst, bool store, std::size_t numkeys_index, SetOp op,
                           bool cardinality_only) {
  std::int64_t setnum = 0;
  if (!parse_int64(c.arg(numkeys_index), setnum)) return c.out.error(Status::not_integer);
  if (setnum < 1) return c.out.error(Status::zset_no_input_keys, c.cmd.spec->name());
  if (static_cast<std::uint64_t>(setnum) > c.argc - (numkeys_index + 1)) return c.out.error(Status::syntax);
  const auto n = static_cast<std::size_t>(setnum);

  Vec<Source> src(c.mem());
  if (!src.reserve(n)) return c.out.error(Status::oom);
  std::size_t j = numkeys_index + 1;
  for (std::size_t i = 0; i < n; ++i, ++j) {
    const Entry* e = c.read_key(c.arg(j));
    Source s{e, ZsetObject(), SetObject(), 1.0};
    if (e != nullptr) {
      if (e->type() == ValueType::zset) {
        s.zset = ZsetObject::of(*e);
      } else if (e->type() == ValueType::set) {
        s.set = SetObject::of(*e);
      } else {
        return c.out.error(Status::wrong_type);
      }
    }
    (void)src.push_back(s);
  }

  Aggregate aggregate = Aggregate::sum;
  bool withscores = false;
  std::int64_t limit = 0;
  while (j < c.argc) {
    const std::size_t remaining = c.argc - j;
    const std::string_view opt = c.arg(j);
    if (op != SetOp::diff && !cardinality_only && remaining >= n + 1 && iequals(opt, "weights")) {
      ++j;
      for (std::size_t i = 0; i < n; ++i, ++j) {
        if (!parse_double(c.arg(j), src[i].weight)) return c.out.error(Status::zset_weight_not_float);
      }
    } else if (op != SetOp::diff && !cardinality_only && remaining >= 2 && iequals(opt, "aggregate")) {
      const std::string_view a = c.arg(j + 1);
      if (iequals(a, "sum")) {
        aggregate = Aggregate::sum;
      } else if (iequals(a, "min")) {
        aggregate = Aggregate::min;
      } else if (iequals(a, "max")) {
        aggregate = Aggregate::max;
      } else {
        return c.out.error(Status::syntax);
      }
      j += 2;
    } else if (!store && !cardinality_only && iequals(opt, "withscores")) {
      withscores = true;
      ++j;
    } else if (cardinality_only && remaining >= 2 && iequals(opt, "limit")) {
      if (!parse_int64(c.arg(j + 1), limit) || limit < 0) return c.out.error(Status::limit_negative);
      j += 2;
    } else {
      return c.out.error(Status::syntax);
    }
  }

  // Smallest first: an intersection tests fewer members, a union's aggregation order is Redis's.
  if (op != SetOp::diff) sort_by_length(src, 0, false);

  ZsetBuilder result(c);
  if (!result.start_big()) return c.out.error(Status::oom);
  std::uint64_t cardinality = 0;
  Status st = Status::ok;
  if (op == SetOp::inter) {
    if (src[0].length() > 0) {
      bool done = false;
      src[0].for_each([&](const Element& m, double s) {
        if (done || st != Status::ok) return;
        double score = src[0].weight * s;
        if (std::isnan(score)) score = 0;
        for (std::size_t k = 1; k < n; ++k) {
          double value = 0;
          if (src[k].entry == src[0].entry) {
            value = s * src[k].weight;
          } else if (src[k].find(m, value)) {
            value *= src[k].weight;
          } else {
            return;
          }
          aggregate_into(score, value, aggregate);
        }
        if (cardinality_only) {
          ++cardinality;
          if (limit != 0 && cardinality >= static_cast<std::uint64_t>(limit)) done = true;
          return;
        }
        st = result.set(score, m);
      });
    }
  } else if (op == SetOp::union_) {
    for (std::size_t i = 0; i < n && st == Status::ok; ++i) {
      src[i].for_each([&](const Element& m, double s) {
        if (st != Status::ok) return;
        double score = src[i].weight * s;
        if (std::isnan(score)) score = 0;
        ElementText buf;
        const std::string_view text = m.text(buf);
        double existing = 0;
        if (result.object().score(text, existing)) {
          aggregate_into(existing, score, aggregate);
          score = existing;
        }
        st = result.assign(score, text);
      });
    }
  } else {
    st = zdiff_into(src, result);
  }
  if (st != Status::ok) return c.out.error(st);

  if (cardinality_only) return c.out.integer(static_cast<std::int64_t>(cardinality));
  if (store) {
    if (result.length() > 0 && !result.shrink_if_fits()) return c.out.error(Status::oom);
    return store_result(c, dst, result,
                        op == SetOp::union_ ? "zunionstore" : (op == SetOp::inter ? "zinterstore" : "zdiffstore"));
  }
  c.out.array(reply_length(c, withscores, result.length()));
  result.object().for_each([&](const Element& m, double score) { reply_member(c, withscores, m, score); });
}

inline void zunionstore(Context& c) { zsetop_generic(c, c.arg(1), true, 2, SetOp::union_, false); }
inline void zinterstore(Context& c) { zsetop_generic(c, c.arg(1), true, 2, SetOp::inter, false); }
inline void zdiffstore(Context& c) { zsetop_generic(c, c.arg(1), true, 2, SetOp::diff, false); }
inline void zunion(Context& c) { zsetop_generic(c, {}, false, 1, SetOp::union_, false); }
inline void zinter(Context& c) { zsetop_generic(c, {}, false, 1, SetOp::inter, false); }
inline void zdiff(Context& c) { zsetop_generic(c, {}, false, 1, SetOp::diff, false); }
inline void zintercard(Context& c) { zsetop_generic(c, {}, false, 1, SetOp::inter, true); }

// Keys of "[destination] numkeys key [key ...] ..." commands (COMMAND GETKEYS, ACL key checks).
inline std::size_t numkeys_keys(const std::string_view* argv, std::size_t argc, std::size_t numkeys_index,
                                bool with_destination, std::size_t* out, std::size_t cap) {
  std::int64_t numkeys = 0;
  if (argc <= numkeys_index || !parse_int64(argv[numkeys_index], numkeys) || numkeys < 1 ||
      static_cast<std::uint64_t>(numkeys) > argc - numkeys_index - 1) {
    return 0;
  }
  std::size_t n = 0;
  if (with_destination && n < cap) out[n++] = 1;
  for (std::size_t i = 0; i < static_cast<std::size_t>(numkeys) && n < cap; ++i) out[n++] = numkeys_index + 1 + i;
  return n;
}

inline std::size_t store_op_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return numkeys_keys(argv, argc, 2, true, out, cap);
}
inline std::size_t op_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return numkeys_keys(argv, argc, 1, false, out, cap);
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and friends

// Where the members of a range go (Redis's zrange_result_handler): to the client, or into a new
// sorted set stored at a key (ZRANGESTORE).
class RangeSink {
 public:
  RangeSink(Context& c, bool store, std::string_view dst) : c_(c), store_(store), dst_(dst), result_(c) {}

  void enable_scores() { withscores_ = true; }
  bool withscores() const { return withscores_; }

  // length: the number of members when known in advance, else -1.
  void begin(std::int64_t length) {
    if (store_) {
      const ZsetLimits limits = limits_of(c_);
      const bool ok = length > static_cast<std::int64_t>(limits.max_listpack_entries) ? result_.start_big()
                                                                                        : result_.start_listpack();
      if (!ok) status_ = Status::oom;
      return;
    }
    mark_ = c_.out.defer();
    if (length > 0) {
      c_.out.array(reply_length(c_, withscores_, static_cast<std::size_t>(length)));
      known_ = true;
    }
  }
  void emit(const Element& member, double score) {
    if (store_) {
      if (status_ == Status::ok) status_ = result_.set(score, member);
      return;
    }
    reply_member(c_, withscores_, member, score);
  }
  void finalize(std::size_t count) {
    if (store_) {
      if (status_ != Status::ok) return c_.out.error(status_);
      return store_result(c_, dst_, result_, "zrangestore");
    }
    if (!known_) c_.out.end_array(mark_, reply_length(c_, withscores_, count));
  }

 private:
  Context& c_;
  bool store_;
  std::string_view dst_;
  ZsetBuilder result_;
  bool withscores_ = false;
  bool known_ = false;
  Writer::Deferred mark_{};
  Status status_ = Status::ok;
};

// Redis's genericZrangebyrankCommand.
inline void range_by_rank(RangeSink& sink, const ZsetObject& obj, std::int64_t start, std::int64_t end, bool reverse) {
  const auto llen = static_cast<std::int64_t>(obj.length());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    sink.begin(0);
    return sink.finalize(0);
  }
  if (end >= llen) end = llen - 1;
  const std::int64_t n = end - start + 1;
  sink.begin(n);
  ZsetPos p = obj.at_rank(static_cast<std::size_t>(reverse ? llen - 1 - start : start));
  for (std::int64_t i = 0; i < n && p.valid(); ++i) {
    sink.emit(p.member(), sink.withscores() ? p.score() : 0.0);
    reverse ? p.prev() : p.next();
  }
  sink.finalize(static_cast<std::size_t>(n));
}

// Redis's genericZrangebyscoreCommand and genericZrangebylexCommand: from the first member in
// range (the last one in reverse), skip offset members (a negative offset skips them all), then
// up to limit members (negative: no limit) while in range.
template <class Range>
inline void range_by_bound(RangeSink& sink, const ZsetObject& obj, const Range& range, std::int64_t offset,
                           std::int64_t limit, bool reverse, bool by_score) {
  sink.begin(-1);
  if (by_score && offset > 0 && static_cast<std::uint64_t>(offset) >= obj.length()) return sink.finalize(0);
  ZsetPos p;
  if constexpr (std::is_same_v<Range, ScoreRange>) {
    p = reverse ? obj.last_in_range(range) : obj.first_in_range(range);
  } else {
    p = reverse ? obj.last_in_lex(range) : obj.first_in_lex(range);
  }
  if (offset < 0) return sink.finalize(0);
  for (; p.valid() && offset > 0; --offset) reverse ? p.prev() : p.next();
  std::size_t count = 0;
  for (; p.valid() && limit != 0; limit = limit > 0 ? limit - 1 : limit) {
    const Element m = p.member();
    double score = 0;
    if constexpr (std::is_same_v<Range, ScoreRange>) {
      score = p.score();
      if (reverse ? !range.gte_min(score) : !range.lte_max(score)) break;
    } else {
      if (reverse ? !range.gte_min(m) : !range.lte_max(m)) break;
      if (sink.withscores()) score = p.score();
    }
    sink.emit(m, score);
    ++count;
    reverse ? p.prev() : p.next();
  }
  sink.finalize(count);
}

// Redis's zrangeGenericCommand: "<src> <min> <max> [BYSCORE | BYLEX] [REV] [WITHSCORES] [LIMIT
// offset count]" from argument key_index on; ZRANGE and ZRANGESTORE take every option, the older
// commands fix the type and direction.
inline void zrange_generic(Context& c, std::size_t key_index, bool store, RangeType type, int direction) {
  const std::string_view key = c.arg(key_index);
  std::size_t minidx = key_index + 1;
  std::size_t maxidx = key_index + 2;
  bool withscores = false;
  std::int64_t offset = 0;
  std::int64_t limit = -1;
  for (std::size_t j = key_index + 3; j < c.argc; ++j) {
    const std::size_t leftargs = c.argc - j - 1;
    const std::string_view opt = c.arg(j);
    if (!store && iequals(opt, "withscores")) {
      withscores = true;
    } else if (iequals(opt, "limit") && leftargs >= 2) {
      if (!parse_int64(c.arg(j + 1), offset) || !parse_int64(c.arg(j + 2), limit)) {
        return c.out.error(Status::not_integer);
      }
      j += 2;
    } else if (direction == 0 && iequals(opt, "rev")) {
      direction = -1;
    } else if (type == RangeType::automatic && iequals(opt, "bylex")) {
      type = RangeType::lex;
    } else if (type == RangeType::automatic && iequals(opt, "byscore")) {
      type = RangeType::score;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  const bool reverse = direction < 0;
  if (type == RangeType::automatic) type = RangeType::rank;
  // Redis tests "LIMIT given" as limit != -1: "LIMIT 0 -1" passes with a rank range.
  if (limit != -1 && type == RangeType::rank) return c.out.error(Status::zrange_limit_needs_by);
  if (withscores && type == RangeType::lex) return c.out.error(Status::zrange_withscores_bylex);
  if (reverse && type != RangeType::rank) {
    const std::size_t t = maxidx;
    maxidx = minidx;
    minidx = t;
  }
  std::int64_t start = 0;
  std::int64_t end = 0;
  ScoreRange range;
  LexRange lex;
  if (type == RangeType::rank) {
    if (!parse_int64(c.arg(minidx), start) || !parse_int64(c.arg(maxidx), end)) {
      return c.out.error(Status::not_integer);
    }
  } else if (type == RangeType::score) {
    if (!ScoreRange::parse(c.arg(minidx), c.arg(maxidx), range)) return c.out.error(Status::zset_min_max_not_float);
  } else {
    if (!LexRange::parse(c.arg(minidx), c.arg(maxidx), lex)) return c.out.error(Status::zset_min_max_not_lex);
  }

  RangeSink sink(c, store, store ? c.arg(1) : std::string_view());
  if (withscores || store) sink.enable_scores();
  const Entry* e = c.read_key(key);
  if (e == nullptr) {
    if (!store) return c.out.array(0);
    sink.begin(-1);
    return sink.finalize(0);
  }
  if (!c.check_type(e, ValueType::zset)) return;
  const ZsetObject obj = ZsetObject::of(*e);
  if (type == RangeType::rank) return range_by_rank(sink, obj, start, end, reverse);
  if (type == RangeType::score) return range_by_bound(sink, obj, range, offset, limit, reverse, true);
  range_by_bound(sink, obj, lex, offset, limit, reverse, false);
}

inline void zrange(Context& c) { zrange_generic(c, 1, false, RangeType::automatic, 0); }
inline void zrangestore(Context& c) { zrange_generic(c, 2, true, RangeType::automatic, 0); }
inline void zrevrange(Context& c) { zrange_generic(c, 1, false, RangeType::rank, -1); }
inline void zrangebyscore(Context& c) { zrange_generic(c, 1, false, RangeType::score, 1); }
inline void zrevrangebyscore(Context& c) { zrange_generic(c, 1, false, RangeType::score, -1); }
inline void zrangebylex(Context& c) { zrange_generic(c, 1, false, RangeType::lex, 1); }
inline void zrevrangebylex(Context& c) { zrange_generic(c, 1, false, RangeType::lex, -1); }

// ---------------------------------------------------------------------------------------------
// ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT

inline void zcard(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::zset)) return;
  c.out.integer(static_cast<std::int64_t>(ZsetObject::of(*e).length()));
}

inline void zscore(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::zset)) return;
  double score = 0;
  if (!ZsetObject::of(*e).score(c.arg(2), score)) return c.out.null();
  c.out.dbl(score);
}

inline void zmscore(Context& c) {
  // A missing key is an empty sorted set: a null for every member.
  const Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::zset)) return;
  c.out.array(c.argc - 2);
  for (std::size_t i = 2; i < c.argc; ++i) {
    double score = 0;
    if (e != nullptr && ZsetObject::of(*e).score(c.arg(i), score)) {
      c.out.dbl(score);
    } else {
      c.out.null();
    }
  }
}

inline void zrank_generic(Context& c, bool reverse) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::zset)) return;
  const std::int64_t r = ZsetObject::of(*e).rank(c.arg(2), reverse);
  if (r < 0) return c.out.null();
  c.out.integer(r);
}

inline void zrank(Context& c) { zrank_generic(c, false); }
inline void zrevrank(Context& c) { zrank_generic(c, true); }

inline void zcount(Context& c) {
  ScoreRange range;
  if (!ScoreRange::parse(c.arg(2), c.arg(3), range)) return c.out.error(Status::zset_min_max_not_float);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::zset)) return;
  c.out.integer(static_cast<std::int64_t>(ZsetObject::of(*e).count_in_range(range)));
}

inline void zlexcount(Context& c) {
  LexRange range;
  if (!LexRange::parse(c.arg(2), c.arg(3), range)) return c.out.error(Status::zset_min_max_not_lex);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::zset)) return;
  c.out.integer(static_cast<std::int64_t>(ZsetObject::of(*e).count_in_lex(range)));
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN ZPOPMAX ZMPOP

// Redis's genericZpopCommand: pops up to count members (-1: one, the plain form) from the lowest or
// highest end of the first non-empty sorted set among keys. The reply shape is a parameter:
//   emit_key false, nested false: flat member, score, ...           (ZPOPMIN/ZPOPMAX, RESP2 or no count)
//   emit_key false, nested true:  [[member, score], ...]            (ZPOPMIN/ZPOPMAX with count, RESP3)
//   emit_key true,  nested false: key, member, score, ...           (BZPOPMIN/BZPOPMAX)
//   emit_key true,  nested true:  [key, [[member, score], ...]]     (ZMPOP/BZMPOP)
// With nothing to pop it replies a null array (nil_when_empty) or an empty array.
inline void generic_zpop(Context& c, const std::string_view* keys, std::size_t nkeys, bool max, bool emit_key,
                         std::int64_t count, bool nested, bool nil_when_empty) {
  Entry* e = nullptr;
  std::string_view key;
  for (std::size_t i = 0; i < nkeys; ++i) {
    key = keys[i];
    e = c.write_key(key);
    if (e == nullptr) continue;
    if (!c.check_type(e, ValueType::zset)) return;
    break;
  }
  if (e == nullptr) return nil_when_empty ? c.out.null_array() : c.out.array(0);
  if (count == 0) return c.out.array(0);
  const bool no_count = count == -1;
  if (count == -1) count = 1;
  ZsetObject obj = ZsetObject::of(*e);
  const std::size_t llen = obj.length();
  const std::size_t n = static_cast<std::uint64_t>(count) > llen ? llen : static_cast<std::size_t>(count);
  // ZMPOP, BZMPOP and BZPOPMIN/MAX (the callers that name the key) propagate as the ZPOPMIN/MAX
  // they came to, with the count popped when they had one.
  if (emit_key && c.propagating()) {
    char num[kLongLongChars];
    const std::string_view name = max ? "ZPOPMAX" : "ZPOPMIN";
    if (no_count) {
      c.propagate_as({name, key});
    } else {
      c.propagate_as({name, key, {num, format_int64(num, static_cast<std::int64_t>(n))}});
    }
  }

  const Writer::Deferred mark = c.out.defer();
  if (!nested && !emit_key) {
    c.out.array(n * 2);
  } else if (nested && !emit_key) {
    c.out.array(n);
  } else if (!nested) {
    c.out.array(n * 2 + 1);
    c.out.bulk(key);
  } else {
    c.out.array(2);
    c.out.bulk(key);
    c.out.array(n);
  }
  ZsetPos p = obj.at_rank(max ? llen - 1 : 0);
  for (std::size_t i = 0; i < n; ++i, max ? p.prev() : p.next()) {
    if (nested) c.out.array(2);
    reply_element(c.out, p.member());
    c.out.dbl(p.score());
  }
  std::size_t deleted = 0;
  const Status st = max ? obj.remove_rank_range(c.mem(), llen - n, llen - 1, deleted)
                        : obj.remove_rank_range(c.mem(), 0, n - 1, deleted);
  if (st != Status::ok) return rollback_with_error(c, mark, st);
  store_pointer(e, obj);
  c.notify(kNotifyZset, max ? "zpopmax" : "zpopmin", key);
  c.modified(key);
  if (delete_if_empty(c, key, obj)) c.notify(kNotifyGeneric, "del", key);
}

inline void zpop_min_max(Context& c, bool max) {
  if (c.argc > 3) return c.out.error(Status::syntax);
  std::int64_t count = -1;
  if (c.argc == 3) {
    // Redis's getPositiveLongFromObjectOrReply: one text for "not a number" and "negative".
    if (!parse_int64(c.arg(2), count) || count < 0) return c.out.error(Status::out_of_range_positive);
  }
  // A flat array in RESP2 or without a count (one member); pairs in RESP3 with a count.
  const bool nested = c.out.protocol() >= 3 && count != -1;
  generic_zpop(c, c.argv + 1, 1, max, false, count, nested, false);
}

inline void zpopmin(Context& c) { zpop_min_max(c, false); }
inline void zpopmax(Context& c) { zpop_min_max(c, true); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count], and BZMPOP with a timeout before numkeys
// (Redis's zmpopGenericCommand). `first` is the index of numkeys.
inline void zmpop_generic(Context& c, std::size_t first, bool blocking) {
  std::int64_t deadline = 0;
  if (blocking && !c.parse_timeout(c.arg(1), deadline)) return;
  std::int64_t numkeys = 0;
  if (!parse_int64(c.arg(first), numkeys) || numkeys < 1) return c.out.error(Status::numkeys_not_positive);
  if (static_cast<std::uint64_t>(numkeys) >= c.argc - first - 1) return c.out.error(Status::syntax);
  const std::size_t where_idx = first + 1 + static_cast<std::size_t>(numkeys);
  bool max = false;
  if (iequals(c.arg(where_idx), "min")) {
    max = false;
  } else if (iequals(c.arg(where_idx), "max")) {
    max = true;
  } else {
    return c.out.error(Status::syntax);
  }
  std::int64_t count = -1;
  for (std::size_t j = where_idx + 1; j < c.argc; ++j) {
    const bool more = c.argc - 1 - j > 0;
    if (count == -1 && iequals(c.arg(j), "count") && more) {
      ++j;
      if (!parse_int64(c.arg(j), count) || count < 1) return c.out.error(Status::count_not_positive);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  if (count == -1) count = 1;
  const std::string_view* keys = c.argv + first + 1;
  const auto nkeys = static_cast<std::size_t>(numkeys);
  if (blocking) {
    const KeyReadiness r = first_ready_key(c, keys, nkeys, ValueType::zset);
    if (r == KeyReadiness::wrong_type) return;
    if (r == KeyReadiness::none) {
      return c.block_on_keys(keys, nkeys, deadline, TimeoutReply::null_array, ValueType::zset);
    }
  }
  generic_zpop(c, keys, nkeys, max, true, count, true, true);
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score] from the first non-empty key.
inline void bzpop_min_max(Context& c, bool max) {
  std::int64_t deadline = 0;
  if (!c.parse_timeout(c.arg(c.argc - 1), deadline)) return;
  const std::string_view* keys = c.argv + 1;
  const std::size_t nkeys = c.argc - 2;
  const KeyReadiness r = first_ready_key(c, keys, nkeys, ValueType::zset);
  if (r == KeyReadiness::wrong_type) return;
  if (r == KeyReadiness::none) {
    return c.block_on_keys(keys, nkeys, deadline, TimeoutReply::null_array, ValueType::zset);
  }
  generic_zpop(c, keys, nkeys, max, true, -1, false, false);
}

inline void bzpopmin(Context& c) { bzpop_min_max(c, false); }
inline void bzpopmax(Context& c) { bzpop_min_max(c, true); }

inline void zmpop(Context& c) { zmpop_generic(c, 1, false); }
inline void bzmpop(Context& c) { zmpop_generic(c, 2, true); }

inline std::size_t zmpop_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return numkeys_keys(argv, argc, 1, false, out, cap);
}

inline std::size_t bzmpop_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  return numkeys_keys(argv, argc, 2, false, out, cap);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER ZSCAN

// ZRANDMEMBER key count [WITHSCORES] (Redis's zrandmemberWithCountCommand and its four cases).
inline void zrandmember_with_count(Context& c, std::int64_t l, bool withscores) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.array(0);
  if (!c.check_type(e, ValueType::zset)) return;
  const ZsetObject obj = ZsetObject::of(*e);
  const std::size_t size = obj.length();
  const bool unique = l >= 0;
  const std::uint64_t count = unique ? static_cast<std::uint64_t>(l) : static_cast<std::uint64_t>(-l);
  if (count == 0) return c.out.array(0);
  Random& rng = c.engine.random();
  const Writer::Deferred mark = c.out.defer();
  auto emit = [&](const Element& m, double score) { reply_member(c, withscores, m, score); };

  // Case 1: a negative count (or 1) draws with replacement, in random order.
  if (!unique || count == 1) {
    c.out.array(withscores && c.out.protocol() < 3 ? count * 2 : count);
    // In batches, so that a huge count stops as soon as the output overflows.
    for (std::uint64_t left = count; left > 0;) {
      const std::size_t batch = left > 1000 ? 1000 : static_cast<std::size_t>(left);
      left -= batch;
      if (!obj.sample(c.mem(), rng, batch, emit)) return rollback_with_error(c, mark, Status::oom);
      if (output_overflow(c)) return;
    }
    return;
  }
  // Case 2: at least the whole set, from the highest score down (Redis walks sorted sets
  // backwards here, as in every set operation).
  if (count >= size) {
    c.out.array(reply_length(c, withscores, size));
    for (ZsetPos p = obj.at_rank(size - 1); p.valid(); p.prev()) emit(p.member(), p.score());
    return;
  }
  // Cases 3 and 4: count distinct members out of more.
  c.out.array(reply_length(c, withscores, static_cast<std::size_t>(count)));
  if (!obj.sample_distinct(c.mem(), rng, static_cast<std::size_t>(count), emit)) {
    rollback_with_error(c, mark, Status::oom);
  }
}

inline void zrandmember(Context& c) {
  if (c.argc >= 3) {
    std::int64_t l = 0;
    if (!parse_int64(c.arg(2), l)) return c.out.error(Status::not_integer);
    if (l < -INT64_MAX) return c.out.error(Status::out_of_range_between, -INT64_MAX, INT64_MAX);
    if (c.argc > 4 || (c.argc == 4 && !iequals(c.arg(3), "withscores"))) return c.out.error(Status::syntax);
    const bool withscores = c.argc == 4;
    if (withscores && (l < -INT64_MAX / 2 || l > INT64_MAX / 2)) return c.out.error(Status::out_of_range);
    return zrandmember_with_count(c, l, withscores);
  }
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::zset)) return;
  Element member;
  double score = 0;
  ZsetObject::of(*e).random_pair(c.engine.random(), member, score);
  reply_element(c.out, member);
}

// A score as ZSCAN shows it: the text a listpack holds in Redis (an integer, or "%.17g"), or the
// "%.17Lg" of a skiplist score, which prints the same digits for a double.
inline std::string_view scan_score_text(char (&buf)[64], double score, bool from_listpack) {
  std::int64_t ll = 0;
  if (from_listpack && ZsetScoreCodec::as_integer(score, ll)) return {buf, format_int64(buf, ll)};
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  return {buf, print_double(buf, sizeof buf, score, 'g', 17)};
}

// ZSCAN key cursor [MATCH pattern] [COUNT count] (Redis's scanGenericCommand for a sorted set). A
// listpack comes back whole with cursor 0; a skiplist's table is walked in hash-space steps.
inline void zscan(Context& c) {
  std::uint64_t cursor = 0;
  if (!parse_scan_cursor(c.arg(2), cursor)) return c.out.error(Status::invalid_cursor);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.end_array(begin_scan_reply(c.out, 0), 0);
  if (!c.check_type(e, ValueType::zset)) return;
  ScanOptions opts;
  if (!parse_scan_options(c, 3, false, opts)) return;
  const ZsetObject obj = ZsetObject::of(*e);
  Writer::Deferred items{};
  std::size_t n = 0;
  auto emit = [&](const Element& member, double score) {
    if (opts.use_pattern) {
      ElementText buf;
      if (!glob_match(opts.pattern, member.text(buf))) return;
    }
    reply_element(c.out, member);
    char buf[64];
    c.out.bulk(scan_score_text(buf, score, obj.is_listpack()));
    n += 2;
  };
  if (obj.is_listpack()) {
    items = begin_scan_reply(c.out, 0);
    obj.for_each(emit);
    return c.out.end_array(items, n);
  }
  // Table: hash-space steps until COUNT members, or ten times as many steps as COUNT (Redis counts
  // members and scores, and doubles COUNT for sorted sets: the same thing).
  Vec<const ZsetNode*> found(c.mem());
  std::uint64_t next = 0;
  if (!scan_table(obj.big()->dict, cursor, opts.count, 20, found, next)) return c.out.error(Status::oom);
  items = begin_scan_reply(c.out, next);
  for (const ZsetNode* node : found) emit(Element::of_bytes(node->member()), node->score());
  c.out.end_array(items, n);
}

// ---------------------------------------------------------------------------------------------
// The command table

inline const CommandSpec kCommands[] = {
    {"zadd", -4, kWrite | kDenyOom | kFast, 1, 1, 1, zadd, "sorted_set",
     "Adds members to a sorted set or updates their scores; creates the sorted set if needed.", "1.2.0",
     "O(log(N)) for each member added, N being the size of the sorted set",
     "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]", kAclSortedSet},
    {"zincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, zincrby, "sorted_set",
     "Increments the score of a member of a sorted set; a missing member counts as 0.", "1.2.0",
     "O(log(N)) where N is the size of the sorted set", "key increment member", kAclSortedSet},
    {"zrem", -3, kWrite | kFast, 1, 1, 1, zrem, "sorted_set",
     "Removes members from a sorted set; the sorted set is deleted when no member is left.", "1.2.0",
     "O(M*log(N)) for M members removed from a sorted set of N", "key member [member ...]", kAclSortedSet},
    {"zscore", 3, kReadonly | kFast, 1, 1, 1, zscore, "sorted_set", "Returns the score of a member of a sorted set.",
     "1.2.0", "O(1)", "key member", kAclSortedSet},
    {"zmscore", -3, kReadonly | kFast, 1, 1, 1, zmscore, "sorted_set",
     "Returns the scores of several members of a sorted set.", "6.2.0",
     "O(N) where N is the number of members asked for", "key member [member ...]", kAclSortedSet},
    {"zcard", 2, kReadonly | kFast, 1, 1, 1, zcard, "sorted_set", "Returns the number of members of a sorted set.",
     "1.2.0", "O(1)", "key", kAclSortedSet},
    {"zcount", 4, kReadonly | kFast, 1, 1, 1, zcount, "sorted_set",
     "Returns the number of members of a sorted set whose score is within a range.", "2.0.0",
     "O(log(N)) where N is the size of the sorted set", "key min max", kAclSortedSet},
    {"zlexcount", 4, kReadonly | kFast, 1, 1, 1, zlexcount, "sorted_set",
     "Returns the number of members of a sorted set within a lexicographical range.", "2.8.9",
     "O(log(N)) where N is the size of the sorted set", "key min max", kAclSortedSet},
    {"zrank", 3, kReadonly | kFast, 1, 1, 1, zrank, "sorted_set",
     "Returns the rank of a member of a sorted set, lowest score first.", "2.0.0", "O(log(N))", "key member",
     kAclSortedSet},
    {"zrevrank", 3, kReadonly | kFast, 1, 1, 1, zrevrank, "sorted_set",
     "Returns the rank of a member of a sorted set, highest score first.", "2.0.0", "O(log(N))", "key member",
     kAclSortedSet},
    {"zrange", -4, kReadonly, 1, 1, 1, zrange, "sorted_set",
     "Returns the members of a sorted set within a range of ranks, scores or lexicographical values.", "1.2.0",
     "O(log(N)+M) where M is the number of members returned",
     "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", kAclSortedSet},
    {"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, zrangestore, "sorted_set",
     "Stores a range of members of a sorted set in another key.", "6.2.0",
     "O(log(N)+M) where M is the number of members stored",
     "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]", kAclSortedSet},
    {"zrevrange", -4, kReadonly, 1, 1, 1, zrevrange, "sorted_set",
     "Returns the members of a sorted set within a range of ranks, highest score first.", "1.2.0",
     "O(log(N)+M) where M is the number of members returned", "key start stop [WITHSCORES]", kAclSortedSet},
    {"zrangebyscore", -4, kReadonly, 1, 1, 1, zrangebyscore, "sorted_set",
     "Returns the members of a sorted set within a range of scores.", "1.0.5",
     "O(log(N)+M) where M is the number of members returned", "key min max [WITHSCORES] [LIMIT offset count]",
     kAclSortedSet},
    {"zrevrangebyscore", -4, kReadonly, 1, 1, 1, zrevrangebyscore, "sorted_set",
     "Returns the members of a sorted set within a range of scores, highest first.", "2.2.0",
     "O(log(N)+M) where M is the number of members returned", "key max min [WITHSCORES] [LIMIT offset count]",
     kAclSortedSet},
    {"zrangebylex", -4, kReadonly, 1, 1, 1, zrangebylex, "sorted_set",
     "Returns the members of a sorted set within a lexicographical range.", "2.8.9",
     "O(log(N)+M) where M is the number of members returned", "key min max [LIMIT offset count]", kAclSortedSet},
    {"zrevrangebylex", -4, kReadonly, 1, 1, 1, zrevrangebylex, "sorted_set",
     "Returns the members of a sorted set within a lexicographical range, in reverse order.", "2.8.9",
     "O(log(N)+M) where M is the number of members returned", "key max min [LIMIT offset count]", kAclSortedSet},
    {"zremrangebyrank", 4, kWrite, 1, 1, 1, zremrangebyrank, "sorted_set",
     "Removes the members of a sorted set within a range of ranks.", "2.0.0",
     "O(log(N)+M) where M is the number of members removed", "key start stop", kAclSortedSet},
    {"zremrangebyscore", 4, kWrite, 1, 1, 1, zremrangebyscore, "sorted_set",
     "Removes the members of a sorted set within a range of scores.", "1.2.0",
     "O(log(N)+M) where M is the number of members removed", "key min max", kAclSortedSet},
    {"zremrangebylex", 4, kWrite, 1, 1, 1, zremrangebylex, "sorted_set",
     "Removes the members of a sorted set within a lexicographical range.", "2.8.9",
     "O(log(N)+M) where M is the number of members removed", "key min max", kAclSortedSet},
    {"zpopmin", -2, kWrite | kFast, 1, 1, 1, zpopmin, "sorted_set",
     "Removes and returns the members with the lowest scores of a sorted set.", "5.0.0",
     "O(log(N)*M) where M is the number of members popped", "key [count]", kAclSortedSet},
    {"zpopmax", -2, kWrite | kFast, 1, 1, 1, zpopmax, "sorted_set",
     "Removes and returns the members with the highest scores of a sorted set.", "5.0.0",
     "O(log(N)*M) where M is the number of members popped", "key [count]", kAclSortedSet},
#if MICROREDIS_WITH_BLOCKING
    {"bzpopmin", -3, kWrite | kNoscript | kFast | kBlocking, 1, -2, 1, bzpopmin, "sorted_set",
     "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member "
     "is available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0",
     "O(log(N)) with N being the number of elements in the sorted set.", "key [key ...] timeout",
     kAclSortedSet},
    {"bzpopmax", -3, kWrite | kNoscript | kFast | kBlocking, 1, -2, 1, bzpopmax, "sorted_set",
     "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a "
     "member available otherwise. Deletes the sorted set if the last element was popped.", "5.0.0",
     "O(log(N)) with N being the number of elements in the sorted set.", "key [key ...] timeout",
     kAclSortedSet},
    {"bzmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, bzmpop, "sorted_set",
     "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available "
     "otherwise. Deletes the sorted set if the last element was popped.", "7.0.0",
     "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted "
     "set, and M being the number of elements popped.", "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]",
     kAclSortedSet, nullptr, 0, bzmpop_keys},
#endif
    {"zmpop", -4, kWrite | kMovableKeys, 0, 0, 0, zmpop, "sorted_set",
     "Removes and returns members with the lowest or highest scores of the first non-empty sorted set.",
     "7.0.0", "O(K)+O(M*log(N)) where K is the number of keys and M the number of members popped",
     "numkeys key [key ...] <MIN | MAX> [COUNT count]", kAclSortedSet, nullptr, 0, zmpop_keys},
    {"zrandmember", -2, kReadonly, 1, 1, 1, zrandmember, "sorted_set",
     "Returns random members (and scores) of a sorted set; a negative count allows repeats.", "6.2.0",
     "O(N) where N is the number of members returned", "key [count [WITHSCORES]]", kAclSortedSet},
    {"zunion", -3, kReadonly | kMovableKeys, 0, 0, 0, zunion, "sorted_set", "Returns the union of sorted sets.",
     "6.2.0", "O(N)+O(M*log(M)) where N is the total size of the inputs and M the size of the result",
     "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
     kAclSortedSet, nullptr, 0, op_keys},
    {"zinter", -3, kReadonly | kMovableKeys, 0, 0, 0, zinter, "sorted_set",
     "Returns the intersection of sorted sets.", "6.2.0",
     "O(N*K)+O(M*log(M)) where N is the smallest input, K the number of inputs and M the size of the result",
     "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
     kAclSortedSet, nullptr, 0, op_keys},
    {"zdiff", -3, kReadonly | kMovableKeys, 0, 0, 0, zdiff, "sorted_set",
     "Returns the members of the first sorted set that are in none of the others.", "6.2.0",
     "O(L + (N-K)log(N)) worst case where L is the total number of members of all inputs",
     "numkeys key [key ...] [WITHSCORES]", kAclSortedSet, nullptr, 0, op_keys},
    {"zunionstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, zunionstore, "sorted_set",
     "Stores the union of sorted sets in a key.", "2.0.0",
     "O(N)+O(M*log(M)) where N is the total size of the inputs and M the size of the result",
     "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
     kAclSortedSet, nullptr, 0, store_op_keys},
    {"zinterstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, zinterstore, "sorted_set",
     "Stores the intersection of sorted sets in a key.", "2.0.0",
     "O(N*K)+O(M*log(M)) where N is the smallest input, K the number of inputs and M the size of the result",
     "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]",
     kAclSortedSet, nullptr, 0, store_op_keys},
    {"zdiffstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, zdiffstore, "sorted_set",
     "Stores the members of the first sorted set that are in none of the others in a key.", "6.2.0",
     "O(L + (N-K)log(N)) worst case where L is the total number of members of all inputs",
     "destination numkeys key [key ...]", kAclSortedSet, nullptr, 0, store_op_keys},
    {"zintercard", -3, kReadonly | kMovableKeys, 0, 0, 0, zintercard, "sorted_set",
     "Returns the number of members in the intersection of sorted sets, optionally stopping at a limit.",
     "7.0.0", "O(N*K) worst case where N is the smallest input and K the number of inputs",
     "numkeys key [key ...] [LIMIT limit]", kAclSortedSet, nullptr, 0, op_keys},
    {"zscan", -3, kReadonly, 1, 1, 1, zscan, "sorted_set", "Iterates over the members and scores of a sorted set.",
     "2.8.0", "O(1) per call, O(N) for a whole iteration", "key cursor [MATCH pattern] [COUNT count]",
     kAclSortedSet},
};

}  // namespace zsets_cmds

MICROREDIS_INLINE bool register_zset_commands(CommandTable& t) { return t.add(zsets_cmds::kCommands); }

}  // namespace microredis
