// The set family: SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN, as Redis 7.0's t_set.c.
//
// The data layer is store/set.hpp (SetObject: an intset or a table of members). Encodings follow
// Redis 7.0 exactly, because OBJECT ENCODING shows them: a set whose first member is an integer
// starts as an intset and becomes a hashtable for good when a non-integer arrives or it passes
// set-max-intset-entries; the result sets of SINTERSTORE, SUNIONSTORE, SDIFFSTORE (and the
// temporary ones SUNION and SDIFF reply from) start as an intset and convert the same way, so
// their encoding and, for SUNION/SDIFF, their reply order (ascending for integers) are Redis's.
//
// Layout: helpers (conversion, building sets outside the keyspace), then the commands, then the
// command table.
#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/set.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace sets_cmds {

using namespace collection;

// ---------------------------------------------------------------------------------------------
// Helpers

inline SetLimits limits_of(const Context& c) {
  const std::int64_t v = c.engine.settings().set_max_intset_entries;
  SetLimits l;
  l.max_intset_entries = v < 0 ? 0 : static_cast<std::size_t>(v);
  return l;
}

// Converts e's intset into a hashtable: the table is built beside the intset, the entry swapped
// over, and only then the intset freed, so that running out of memory anywhere leaves the key as
// it was. Returns the new entry (obj updated), or nullptr.
inline Entry* convert_to_table(Context& c, Entry* e, SetObject& obj) {
  return convert_encoding(c, e, obj, [&c](const SetObject& from, SetObject& to) {
    return from.to_table(c.mem(), c.engine.random().next(), to);
  });
}

// Redis's setTypeAdd on a set in the keyspace: a non-integer turns an intset into a table first;
// an intset that grows past set-max-intset-entries turns into one after. e and obj are updated.
inline Status add_member(Context& c, Entry*& e, SetObject& obj, const SetLimits& limits, std::string_view member,
                         bool& added) {
  added = false;
  if (obj.needs_table_for(member)) {
    Entry* fresh = convert_to_table(c, e, obj);
    if (fresh == nullptr) return Status::oom;
    e = fresh;
  }
  const Status st = obj.add(c.mem(), member, added);
  store_pointer(e, obj);
  if (st != Status::ok) return st;
  if (added && obj.over_entries(limits)) {
    // Out of memory here leaves a valid, if long, intset: the write itself succeeded.
    if (Entry* fresh = convert_to_table(c, e, obj)) e = fresh;
  }
  return Status::ok;
}

// Creates key as an empty set in the encoding its first member calls for (Redis's
// setTypeCreate). nullptr when out of memory.
inline Entry* create_set(Context& c, std::string_view key, std::string_view first) {
  SetObject obj;
  if (!SetObject::create_for(c.mem(), c.engine.random().next(), first, obj)) return nullptr;
  return c.db.put(key, value_layout(ValueType::set, obj), -1);  // owns the set from now on, even on failure
}

// A set built outside the keyspace (the results of SINTERSTORE, SUNION, SDIFF and SPOP's
// survivors), converting itself as Redis's setTypeAdd does. Frees what it holds unless released.
class SetBuilder {
 public:
  explicit SetBuilder(Context& c) : c_(c) {}
  SetBuilder(const SetBuilder&) = delete;
  SetBuilder& operator=(const SetBuilder&) = delete;
  ~SetBuilder() { obj_.destroy(c_.mem()); }

  // Starts as an intset (Redis's createIntsetObject) or in the encoding `first` calls for.
  bool start_intset() { return SetObject::create_intset(c_.mem(), obj_); }
  bool start_for(std::string_view first) {
    return SetObject::create_for(c_.mem(), c_.engine.random().next(), first, obj_);
  }

  Status add(std::string_view member, bool& added) {
    added = false;
    if (obj_.needs_table_for(member) && !convert()) return Status::oom;
    const Status st = obj_.add(c_.mem(), member, added);
    if (st != Status::ok) return st;
    if (added && obj_.over_entries(limits_of(c_)) && !convert()) return Status::oom;
    return Status::ok;
  }
  Status add(const Element& e, bool& added) {
    ElementText buf;
    return add(e.text(buf), added);
  }
  Status remove(const Element& e, bool& removed) {
    ElementText buf;
    return obj_.remove(c_.mem(), e.text(buf), removed);
  }

  const SetObject& object() const { return obj_; }
  std::size_t length() const { return obj_.length(); }
  // Hands the set over (to the keyspace); the builder holds nothing afterwards.
  SetObject release() {
    SetObject out = obj_;
    obj_ = SetObject();
    return out;
  }

 private:
  bool convert() {
    SetObject table;
    if (!obj_.to_table(c_.mem(), c_.engine.random().next(), table)) return false;
    obj_.destroy(c_.mem());
    obj_ = table;
    return true;
  }

  Context& c_;
  SetObject obj_;
};

inline bool contains(const SetObject& set, const Element& e) {
  if (e.is_int() && set.is_intset()) return set.intset()->contains(e.num);
  ElementText buf;
  return set.contains(e.text(buf));
}

// Stores a result set at dst as Redis's setKey does (replacing any value, clearing the TTL, keeping
// the LFU counter of an overwritten key), or deletes dst when the result is empty. Replies with the
// result's size; `event` is the keyspace event of a stored result.
inline void store_result(Context& c, std::string_view dst, SetBuilder& result, std::string_view event) {
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
  Entry* e = c.db.put(dst, value_layout(ValueType::set, result.release()), -1);
  if (e == nullptr) return c.out.error(Status::oom);
  if (keep_lfu) e->set_lru(lru);
  c.out.integer(static_cast<std::int64_t>(n));
  c.modified(dst);
  c.notify(kNotifySet, event, dst);
}

// ---------------------------------------------------------------------------------------------
// Commands

inline void sadd(Context& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::set)) return;
  bool created = false;
  if (e == nullptr) {
    e = create_set(c, key, c.arg(2));
    if (e == nullptr) return c.out.error(Status::oom);
    created = true;
  }
  SetObject obj = SetObject::of(*e);
  const SetLimits limits = limits_of(c);
  std::int64_t added = 0;
  Status st = Status::ok;
  for (std::size_t i = 2; i < c.argc && st == Status::ok; ++i) {
    bool was_added = false;
    st = add_member(c, e, obj, limits, c.arg(i), was_added);
    if (was_added) ++added;
  }
  if (added > 0) {
    c.modified(key);
    c.notify(kNotifySet, "sadd", key);
  }
  if (st != Status::ok) {
    if (created && obj.length() == 0) c.db.remove(key);
    return c.out.error(st);
  }
  c.out.integer(added);
}

inline void srem(Context& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::set)) return;
  SetObject obj = SetObject::of(*e);
  std::int64_t deleted = 0;
  bool key_removed = false;
  Status st = Status::ok;
  for (std::size_t i = 2; i < c.argc; ++i) {
    bool removed = false;
    st = obj.remove(c.mem(), c.arg(i), removed);
    if (st != Status::ok) break;
    store_pointer(e, obj);
    if (!removed) continue;
    ++deleted;
    if (obj.length() == 0) {
      c.db.remove(key);
      key_removed = true;
      break;
    }
  }
  if (deleted > 0) {
    c.modified(key);
    c.notify(kNotifySet, "srem", key);
    if (key_removed) c.notify(kNotifyGeneric, "del", key);
  }
  if (st != Status::ok) return c.out.error(st);
  c.out.integer(deleted);
}

inline void smove(Context& c) {
  const std::string_view src_key = c.arg(1);
  const std::string_view dst_key = c.arg(2);
  const std::string_view member = c.arg(3);
  Entry* src = c.write_key(src_key);
  Entry* dst = c.write_key(dst_key);
  if (src == nullptr) return c.out.integer(0);
  if (!c.check_type(src, ValueType::set) || !c.check_type(dst, ValueType::set)) return;
  SetObject from = SetObject::of(*src);
  if (src == dst) return c.out.integer(from.contains(member) ? 1 : 0);
  if (!from.contains(member)) return c.out.integer(0);

  // The destination takes the member first, so that running out of memory changes nothing.
  bool created = false;
  if (dst == nullptr) {
    dst = create_set(c, dst_key, member);
    if (dst == nullptr) return c.out.error(Status::oom);
    created = true;
  }
  SetObject to = SetObject::of(*dst);
  bool added = false;
  Status st = add_member(c, dst, to, limits_of(c), member, added);
  bool removed = false;
  if (st == Status::ok) {
    st = from.remove(c.mem(), member, removed);
    store_pointer(src, from);
    if (st != Status::ok && added) {
      bool undone = false;
      (void)to.remove(c.mem(), member, undone);
      store_pointer(dst, to);
      added = false;
    }
  }
  if (st != Status::ok) {
    if (created && to.length() == 0) c.db.remove(dst_key);
    return c.out.error(st);
  }
  c.notify(kNotifySet, "srem", src_key);
  if (from.length() == 0) {
    c.db.remove(src_key);
    c.notify(kNotifyGeneric, "del", src_key);
  }
  c.modified(src_key);
  // The destination changed only if it did not hold the member already.
  if (added) {
    c.modified(dst_key);
    c.notify(kNotifySet, "sadd", dst_key);
  }
  c.out.integer(1);
}

inline void sismember(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::set)) return;
  c.out.integer(SetObject::of(*e).contains(c.arg(2)) ? 1 : 0);
}

inline void smismember(Context& c) {
  // A missing key is an empty set: a zero for every member.
  const Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::set)) return;
  c.out.array(c.argc - 2);
  for (std::size_t i = 2; i < c.argc; ++i) {
    c.out.integer(e != nullptr && SetObject::of(*e).contains(c.arg(i)) ? 1 : 0);
  }
}

inline void scard(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::set)) return;
  c.out.integer(static_cast<std::int64_t>(SetObject::of(*e).length()));
}

// Looks up the sets at keys for SINTER/SUNION/SDIFF: a missing key is an absent set (pointer
// nullptr). false after replying WRONGTYPE (or OOM).
inline bool lookup_sets(Context& c, const std::string_view* keys, std::size_t n, Vec<SetObject>& sets) {
  if (!sets.reserve(n)) {
    c.out.error(Status::oom);
    return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Entry* e = c.read_key(keys[i]);
    if (!c.check_type(e, ValueType::set)) return false;
    (void)sets.push_back(e != nullptr ? SetObject::of(*e) : SetObject(Encoding::intset, nullptr));
  }
  return true;
}

// SMEMBERS, SINTER, SINTERCARD and SINTERSTORE (Redis's sinterGenericCommand). dst is empty when
// not storing; cardinality_only (with limit, 0 = none) for SINTERCARD.
inline void sinter_generic(Context& c, const std::string_view* keys, std::size_t n, std::string_view dst,
                           bool store, bool cardinality_only, std::uint64_t limit) {
  Vec<SetObject> sets(c.mem());
  if (!lookup_sets(c, keys, n, sets)) return;
  bool any_missing = false;
  for (const SetObject& s : sets) any_missing = any_missing || s.pointer() == nullptr;
  if (any_missing) {
    // The intersection with an empty set is empty.
    if (store) {
      if (c.db.remove(dst)) {
        c.modified(dst);
        c.notify(kNotifyGeneric, "del", dst);
      }
      return c.out.integer(0);
    }
    if (cardinality_only) return c.out.integer(0);
    return c.out.set(0);
  }
  // Smallest set first: its members are the candidates. (Insertion sort: few keys, stable.)
  for (std::size_t i = 1; i < sets.size(); ++i) {
    for (std::size_t j = i; j > 0 && sets[j - 1].length() > sets[j].length(); --j) {
      const SetObject t = sets[j];
      sets[j] = sets[j - 1];
      sets[j - 1] = t;
    }
  }
  const SetObject first = sets[0];
  auto in_all = [&](const Element& e) {
    for (std::size_t j = 1; j < sets.size(); ++j) {
      if (sets[j].pointer() == first.pointer()) continue;
      if (!contains(sets[j], e)) return false;
    }
    return true;
  };

  if (cardinality_only) {
    std::uint64_t cardinality = 0;
    bool done = false;
    first.for_each([&](const Element& e) {
      if (done || !in_all(e)) return;
      ++cardinality;
      if (limit != 0 && cardinality >= limit) done = true;
    });
    return c.out.integer(static_cast<std::int64_t>(cardinality));
  }
  if (!store && sets.size() == 1) {
    // SMEMBERS (or SINTER of one key): the size is known, no deferred header to insert.
    c.out.set(first.length());
    return first.for_each([&](const Element& e) { reply_element(c.out, e); });
  }
  if (!store) {
    const Writer::Deferred d = c.out.defer();
    std::size_t cardinality = 0;
    first.for_each([&](const Element& e) {
      if (!in_all(e)) return;
      reply_element(c.out, e);
      ++cardinality;
    });
    return c.out.end_set(d, cardinality);
  }
  SetBuilder result(c);
  if (!result.start_intset()) return c.out.error(Status::oom);
  Status st = Status::ok;
  first.for_each([&](const Element& e) {
    if (st != Status::ok || !in_all(e)) return;
    bool added = false;
    st = result.add(e, added);
  });
  if (st != Status::ok) return c.out.error(st);
  store_result(c, dst, result, "sinterstore");
}

inline void sinter(Context& c) { sinter_generic(c, c.argv + 1, c.argc - 1, {}, false, false, 0); }
inline void smembers(Context& c) { sinter_generic(c, c.argv + 1, 1, {}, false, false, 0); }
inline void sinterstore(Context& c) { sinter_generic(c, c.argv + 2, c.argc - 2, c.arg(1), true, false, 0); }

inline void sintercard(Context& c) {
  std::int64_t numkeys = 0;
  if (!parse_int64(c.arg(1), numkeys) || numkeys < 1) return c.out.error(Status::numkeys_not_positive);
  if (static_cast<std::uint64_t>(numkeys) > c.argc - 2) return c.out.error(Status::numkeys_over_args);
  const auto nkeys = static_cast<std::size_t>(numkeys);
  std::int64_t limit = 0;
  for (std::size_t i = 2 + nkeys; i < c.argc; ++i) {
    const bool has_value = c.argc - 1 - i > 0;
    if (iequals(c.arg(i), "LIMIT") && has_value) {
      if (!parse_int64(c.arg(++i), limit) || limit < 0) return c.out.error(Status::limit_negative);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  sinter_generic(c, c.argv + 2, nkeys, {}, false, true, static_cast<std::uint64_t>(limit));
}

inline std::size_t sintercard_keys(const std::string_view* argv, std::size_t argc, std::size_t* out,
                                   std::size_t cap) {
  std::int64_t numkeys = 0;
  if (argc < 3 || !parse_int64(argv[1], numkeys) || numkeys < 1 ||
      static_cast<std::uint64_t>(numkeys) > argc - 2) {
    return 0;
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(numkeys) && n < cap; ++i) out[n++] = 2 + i;
  return n;
}

enum class SetOp { union_, diff };

// SUNION, SDIFF and their STORE forms (Redis's sunionDiffGenericCommand), with its choice of diff
// algorithm: (1) test each member of the first set against the others, O(N*M), or (2) add the
// first set and remove the others, O(total), whichever looks cheaper.
inline void sunion_diff_generic(Context& c, const std::string_view* keys, std::size_t n, std::string_view dst,
                                bool store, SetOp op) {
  Vec<SetObject> sets(c.mem());
  if (!lookup_sets(c, keys, n, sets)) return;
  const void* first_ptr = sets[0].pointer();
  bool sameset = false;
  for (std::size_t j = 1; j < sets.size(); ++j) sameset = sameset || (first_ptr != nullptr && sets[j].pointer() == first_ptr);

  int diff_algo = 1;
  if (op == SetOp::diff && first_ptr != nullptr && !sameset) {
    std::uint64_t algo_one_work = 0;
    std::uint64_t algo_two_work = 0;
    for (const SetObject& s : sets) {
      if (s.pointer() == nullptr) continue;
      algo_one_work += sets[0].length();
      algo_two_work += s.length();
    }
    // Algorithm 1 has better constant times and stops early on common members: an advantage.
    algo_one_work /= 2;
    diff_algo = algo_one_work <= algo_two_work ? 1 : 2;
    if (diff_algo == 1 && sets.size() > 1) {
      // Biggest sets to subtract first: members are more likely to be found early.
      auto size_of = [](const SetObject& s) { return s.pointer() != nullptr ? s.length() : 0; };
      for (std::size_t i = 2; i < sets.size(); ++i) {
        for (std::size_t j = i; j > 1 && size_of(sets[j - 1]) < size_of(sets[j]); --j) {
          const SetObject t = sets[j];
          sets[j] = sets[j - 1];
          sets[j - 1] = t;
        }
      }
    }
  }

  SetBuilder result(c);
  if (!result.start_intset()) return c.out.error(Status::oom);
  Status st = Status::ok;
  if (op == SetOp::union_) {
    for (const SetObject& s : sets) {
      if (s.pointer() == nullptr) continue;
      s.for_each([&](const Element& e) {
        bool added = false;
        if (st == Status::ok) st = result.add(e, added);
      });
    }
  } else if (sameset || first_ptr == nullptr) {
    // The first set minus itself (or an empty first set): empty.
  } else if (diff_algo == 1) {
    sets[0].for_each([&](const Element& e) {
      if (st != Status::ok) return;
      for (std::size_t j = 1; j < sets.size(); ++j) {
        if (sets[j].pointer() == nullptr) continue;
        if (sets[j].pointer() == first_ptr || contains(sets[j], e)) return;
      }
      bool added = false;
      st = result.add(e, added);
    });
  } else {
    for (std::size_t j = 0; j < sets.size() && st == Status::ok; ++j) {
      if (sets[j].pointer() == nullptr) continue;
      sets[j].for_each([&](const Element& e) {
        bool changed = false;
        if (st != Status::ok) return;
        st = j == 0 ? result.add(e, changed) : result.remove(e, changed);
      });
      // Nothing left to remove from.
      if (result.length() == 0) break;
    }
  }
  if (st != Status::ok) return c.out.error(st);
  if (store) return store_result(c, dst, result, op == SetOp::union_ ? "sunionstore" : "sdiffstore");
  c.out.set(result.length());
  result.object().for_each([&](const Element& e) { reply_element(c.out, e); });
}

inline void sunion(Context& c) { sunion_diff_generic(c, c.argv + 1, c.argc - 1, {}, false, SetOp::union_); }
inline void sdiff(Context& c) { sunion_diff_generic(c, c.argv + 1, c.argc - 1, {}, false, SetOp::diff); }
inline void sunionstore(Context& c) { sunion_diff_generic(c, c.argv + 2, c.argc - 2, c.arg(1), true, SetOp::union_); }
inline void sdiffstore(Context& c) { sunion_diff_generic(c, c.argv + 2, c.argc - 2, c.arg(1), true, SetOp::diff); }

// How much bigger than what stays the popped part must be for SPOP to rebuild the set from the
// survivors instead of removing members one by one (Redis's SPOP_MOVE_STRATEGY_MUL).
constexpr std::uint64_t kSpopMoveStrategyMul = 5;

inline void spop_with_count(Context& c) {
  std::int64_t l = 0;
  if (!parse_int64(c.arg(2), l) || l < 0) return c.out.error(Status::out_of_range_positive);
  const auto count = static_cast<std::uint64_t>(l);
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.set(0);
  if (!c.check_type(e, ValueType::set)) return;
  if (count == 0) return c.out.set(0);
  SetObject obj = SetObject::of(*e);
  const std::size_t size = obj.length();
  c.notify(kNotifySet, "spop", key);

  // Case 1: the whole set goes.
  if (count >= size) {
    c.out.set(size);
    obj.for_each([&](const Element& m) { reply_element(c.out, m); });
    c.db.remove(key);
    c.notify(kNotifyGeneric, "del", key);
    c.modified(key);
    c.propagate_as({"DEL", key});
    return;
  }
  // Replicas get one SREM per popped member (Redis 7.0's spopWithCountCommand), never SPOP.
  c.prevent_propagation();
  const Writer::Deferred mark = c.out.defer();
  c.out.set(count);
  const std::uint64_t remaining = size - count;
  Random& rng = c.engine.random();
  // Case 2: few members go: pick and remove them one at a time.
  if (remaining * kSpopMoveStrategyMul > count) {
    for (std::uint64_t i = 0; i < count; ++i) {
      const Element m = obj.random(rng);
      ElementText buf;
      const std::string_view text = m.text(buf);
      reply_element(c.out, m);  // before the removal frees a table member's bytes
      c.also_propagate({"SREM", key, text});
      bool removed = false;
      const Status st = obj.remove(c.mem(), text, removed);
      store_pointer(e, obj);
      if (st != Status::ok) {
        // What was removed so far stays removed: the key changed.
        c.modified(key);
        return rollback_with_error(c, mark, st);
      }
    }
    c.modified(key);
    return;
  }
  // Case 3: most members go: the survivors move to a new set, the old one is the reply.
  SetBuilder survivors(c);
  Status st = Status::ok;
  for (std::uint64_t i = 0; i < remaining && st == Status::ok; ++i) {
    const Element m = obj.random(rng);
    ElementText buf;
    const std::string_view text = m.text(buf);
    if (i == 0 && !survivors.start_for(text)) {
      st = Status::oom;
      break;
    }
    bool changed = false;
    st = survivors.add(m, changed);
    if (st == Status::ok) st = obj.remove(c.mem(), text, changed);
    store_pointer(e, obj);
  }
  if (st != Status::ok) {
    // Put the survivors taken out so far back, so that nothing is lost.
    survivors.object().for_each([&](const Element& m) {
      bool added = false;
      ElementText buf;
      (void)obj.add(c.mem(), m.text(buf), added);
    });
    store_pointer(e, obj);
    return rollback_with_error(c, mark, st);
  }
  // The survivors take the key's place (TTL kept, as Redis's dbOverwrite); the old set, now
  // holding exactly the popped members, is the reply and is freed afterwards.
  Entry::Layout layout = e->layout();
  const SetObject kept = survivors.object();
  layout.encoding = kept.encoding();
  layout.pointer = kept.pointer();
  if (c.db.rebuild(e, layout, e->expire_ms(), true) == nullptr) return rollback_with_error(c, mark, Status::oom);
  (void)survivors.release();
  obj.for_each([&](const Element& m) {
    reply_element(c.out, m);
    if (c.propagating()) {
      ElementText buf;
      c.also_propagate({"SREM", key, m.text(buf)});
    }
  });
  obj.destroy(c.mem());
  c.modified(key);
}

inline void spop(Context& c) {
  if (c.argc == 3) return spop_with_count(c);
  if (c.argc > 3) return c.out.error(Status::syntax);
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::set)) return;
  SetObject obj = SetObject::of(*e);
  const Element m = obj.random(c.engine.random());
  ElementText buf;
  const std::string_view text = m.text(buf);
  const Writer::Deferred mark = c.out.defer();
  reply_element(c.out, m);  // before the removal frees a table member's bytes
  c.propagate_as({"SREM", key, text});
  bool removed = false;
  const Status st = obj.remove(c.mem(), text, removed);
  store_pointer(e, obj);
  if (st != Status::ok) return rollback_with_error(c, mark, st);
  c.notify(kNotifySet, "spop", key);
  if (obj.length() == 0) {
    c.db.remove(key);
    c.notify(kNotifyGeneric, "del", key);
  }
  c.modified(key);
}

inline void srandmember_with_count(Context& c) {
  std::int64_t l = 0;
  if (!parse_int64(c.arg(2), l)) return c.out.error(Status::not_integer);
  if (l < -INT64_MAX) return c.out.error(Status::out_of_range_between, -INT64_MAX, INT64_MAX);
  const bool unique = l >= 0;
  const std::uint64_t count = unique ? static_cast<std::uint64_t>(l) : static_cast<std::uint64_t>(-l);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.array(0);
  if (!c.check_type(e, ValueType::set)) return;
  if (count == 0) return c.out.array(0);
  const SetObject obj = SetObject::of(*e);
  const std::size_t size = obj.length();
  Random& rng = c.engine.random();

  // Case 1: a negative count (or 1) draws with replacement, in random order.
  if (!unique || count == 1) {
    c.out.array(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      reply_element(c.out, obj.random(rng));
      if ((i & 1023) == 1023 && output_overflow(c)) return;
    }
    return;
  }
  // Case 2: at least the whole set.
  if (count >= size) {
    c.out.array(size);
    obj.for_each([&](const Element& m) { reply_element(c.out, m); });
    return;
  }
  // Cases 3 and 4: count distinct members out of more.
  const Writer::Deferred mark = c.out.defer();
  c.out.array(count);
  if (!obj.sample_distinct(c.mem(), rng, static_cast<std::size_t>(count),
                           [&](const Element& m) { reply_element(c.out, m); })) {
    rollback_with_error(c, mark, Status::oom);
  }
}

inline void srandmember(Context& c) {
  if (c.argc == 3) return srandmember_with_count(c);
  if (c.argc > 3) return c.out.error(Status::syntax);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::set)) return;
  reply_element(c.out, SetObject::of(*e).random(c.engine.random()));
}

// SSCAN key cursor [MATCH pattern] [COUNT count] (Redis's scanGenericCommand for a set). An
// intset comes back whole with cursor 0; a table is walked in hash-space steps.
inline void sscan(Context& c) {
  std::uint64_t cursor = 0;
  if (!parse_scan_cursor(c.arg(2), cursor)) return c.out.error(Status::invalid_cursor);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.end_array(begin_scan_reply(c.out, 0), 0);
  if (!c.check_type(e, ValueType::set)) return;
  ScanOptions opts;
  if (!parse_scan_options(c, 3, false, opts)) return;
  const SetObject obj = SetObject::of(*e);
  Writer::Deferred items{};
  std::size_t n = 0;
  auto emit = [&](const Element& m) {
    if (opts.use_pattern) {
      ElementText buf;
      if (!glob_match(opts.pattern, m.text(buf))) return;
    }
    reply_element(c.out, m);
    ++n;
  };
  if (obj.is_intset()) {
    items = begin_scan_reply(c.out, 0);
    obj.for_each(emit);
    return c.out.end_array(items, n);
  }
  // Table: hash-space steps until COUNT members, or ten times as many steps as COUNT.
  Vec<const SetMember*> found(c.mem());
  std::uint64_t next = 0;
  if (!scan_table(*obj.table(), cursor, opts.count, 10, found, next)) return c.out.error(Status::oom);
  items = begin_scan_reply(c.out, next);
  for (const SetMember* m : found) emit(Element::of_bytes(m->view()));
  c.out.end_array(items, n);
}

inline const CommandSpec kCommands[] = {
    {"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, sadd, "set",
     "Adds members to a set; creates the set if needed.", "1.0.0", "O(1) for each member added",
     "key member [member ...]", kAclSet},
    {"srem", -3, kWrite | kFast, 1, 1, 1, srem, "set",
     "Removes members from a set; the set is deleted when no member is left.", "1.0.0",
     "O(N) where N is the number of members removed", "key member [member ...]", kAclSet},
    {"sismember", 3, kReadonly | kFast, 1, 1, 1, sismember, "set", "Tells whether a member belongs to a set.",
     "1.0.0", "O(1)", "key member", kAclSet},
    {"smismember", -3, kReadonly | kFast, 1, 1, 1, smismember, "set",
     "Tells, for each of several members, whether it belongs to a set.", "6.2.0",
     "O(N) where N is the number of members checked", "key member [member ...]", kAclSet},
    {"smembers", 2, kReadonly, 1, 1, 1, smembers, "set", "Returns every member of a set.", "1.0.0",
     "O(N) where N is the size of the set", "key", kAclSet},
    {"scard", 2, kReadonly | kFast, 1, 1, 1, scard, "set", "Returns the number of members of a set.", "1.0.0", "O(1)",
     "key", kAclSet},
    {"spop", -2, kWrite | kFast, 1, 1, 1, spop, "set", "Removes and returns random members of a set.", "1.0.0",
     "O(1) without count, else O(N) where N is count", "key [count]", kAclSet},
    {"srandmember", -2, kReadonly, 1, 1, 1, srandmember, "set",
     "Returns random members of a set; a negative count allows repeats.", "1.0.0",
     "O(1) without count, else O(N) where N is the absolute value of count", "key [count]", kAclSet},
    {"smove", 4, kWrite | kFast, 1, 2, 1, smove, "set", "Moves a member from one set to another.", "1.0.0", "O(1)",
     "source destination member", kAclSet},
    {"sinter", -2, kReadonly, 1, -1, 1, sinter, "set", "Returns the intersection of sets.", "1.0.0",
     "O(N*M) where N is the size of the smallest set and M the number of sets", "key [key ...]", kAclSet},
    {"sintercard", -3, kReadonly | kMovableKeys, 0, 0, 0, sintercard, "set",
     "Returns the number of members in the intersection of sets, optionally stopping at a limit.", "7.0.0",
     "O(N*M) where N is the size of the smallest set and M the number of sets",
     "numkeys key [key ...] [LIMIT limit]", kAclSet, nullptr, 0, sintercard_keys},
    {"sinterstore", -3, kWrite | kDenyOom, 1, -1, 1, sinterstore, "set",
     "Stores the intersection of sets in a key.", "1.0.0",
     "O(N*M) where N is the size of the smallest set and M the number of sets", "destination key [key ...]",
     kAclSet},
    {"sunion", -2, kReadonly, 1, -1, 1, sunion, "set", "Returns the union of sets.", "1.0.0",
     "O(N) where N is the total number of members of all sets", "key [key ...]", kAclSet},
    {"sunionstore", -3, kWrite | kDenyOom, 1, -1, 1, sunionstore, "set", "Stores the union of sets in a key.",
     "1.0.0", "O(N) where N is the total number of members of all sets", "destination key [key ...]", kAclSet},
    {"sdiff", -2, kReadonly, 1, -1, 1, sdiff, "set",
     "Returns the members of the first set that are in none of the others.", "1.0.0",
     "O(N) where N is the total number of members of all sets", "key [key ...]", kAclSet},
    {"sdiffstore", -3, kWrite | kDenyOom, 1, -1, 1, sdiffstore, "set",
     "Stores the members of the first set that are in none of the others in a key.", "1.0.0",
     "O(N) where N is the total number of members of all sets", "destination key [key ...]", kAclSet},
    {"sscan", -3, kReadonly, 1, 1, 1, sscan, "set", "Iterates over the members of a set.", "2.8.0",
     "O(1) per call, O(N) for a whole iteration", "key cursor [MATCH pattern] [COUNT count]", kAclSet},
};

}  // namespace sets_cmds

MICROREDIS_INLINE bool register_set_commands(CommandTable& t) { return t.add(sets_cmds::kCommands); }

}  // namespace microredis
