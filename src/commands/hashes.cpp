// The hash family: HSET HSETNX HGET HMGET HMSET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, as Redis 7.0's t_hash.c.
//
// The data layer is store/hash.hpp (HashObject: a listpack or a table of fields). This file
// parses, calls it, replies and notifies. Encodings follow Redis 7.0 exactly, because OBJECT
// ENCODING shows them: a hash starts as a listpack and becomes a hashtable for good when a field
// or value is longer than hash-max-listpack-value or it holds more than hash-max-listpack-entries
// pairs (both read at the time of the write, so CONFIG SET only affects later conversions).
//
// Layout: helpers over entries (lookup, conversion, storing a moved block back), then the commands,
// then the command table.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/hash.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace hashes_cmds {

using namespace collection;

// ---------------------------------------------------------------------------------------------
// Helpers

inline HashLimits limits_of(const Context& c) {
  const Settings& s = c.engine.settings();
  HashLimits l;
  l.max_listpack_entries = setting_size(s.hash_max_listpack_entries);
  l.max_listpack_value = setting_size(s.hash_max_listpack_value);
  return l;
}

// Converts e's listpack hash into a hashtable: the table is built beside the listpack, the entry
// swapped over, and only then the listpack freed, so that running out of memory anywhere leaves
// the key as it was. Returns the new entry (obj updated), or nullptr.
inline Entry* convert_to_table(Context& c, Entry* e, HashObject& obj) {
  return convert_encoding(c, e, obj, [&c](const HashObject& from, HashObject& to) {
    return from.to_table(c.mem(), c.engine.random().next(), to);
  });
}

// The hash at key for a write, created empty when missing (Redis's hashTypeLookupWriteOrCreate).
// nullptr after replying WRONGTYPE or OOM.
inline Entry* lookup_write_or_create(Context& c, std::string_view key, bool& created) {
  created = false;
  Entry* e = c.write_key(key);
  if (!c.check_type(e, ValueType::hash)) return nullptr;
  if (e != nullptr) return e;
  HashObject obj;
  if (!HashObject::create(c.mem(), obj)) {
    c.out.error(Status::oom);
    return nullptr;
  }
  Entry::Layout layout;
  layout.type = ValueType::hash;
  layout.encoding = obj.encoding();
  layout.pointer = obj.pointer();
  e = c.db.put(key, layout, -1);  // owns the listpack from now on, even on failure
  if (e == nullptr) {
    c.out.error(Status::oom);
    return nullptr;
  }
  created = true;
  return e;
}

// A key created for a write that then failed is removed again: Redis never keeps an empty hash.
inline void drop_if_empty(Context& c, std::string_view key, const HashObject& obj) {
  if (obj.length() == 0) c.db.remove(key);
}

// Redis's hashTypeSet: converts first when the field or value is too long for a listpack, sets,
// then converts when the listpack has too many pairs. e and obj are updated.
inline Status set_field(Context& c, Entry*& e, HashObject& obj, const HashLimits& limits, std::string_view field,
                        std::string_view value, bool& updated) {
  updated = false;
  if (obj.is_listpack() && (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value)) {
    Entry* fresh = convert_to_table(c, e, obj);
    if (fresh == nullptr) return Status::oom;
    e = fresh;
  }
  const Status st = obj.set(c.mem(), field, value, updated);
  store_pointer(e, obj);
  if (st != Status::ok) return st;
  if (obj.over_entries(limits)) {
    Entry* fresh = convert_to_table(c, e, obj);
    // Out of memory here leaves a valid, if long, listpack: the write itself succeeded.
    if (fresh != nullptr) e = fresh;
  }
  return Status::ok;
}


// ---------------------------------------------------------------------------------------------
// Commands

// HSET and HMSET (which replies OK instead of the number of new fields).
inline void hset_generic(Context& c, bool hmset) {
  if (c.argc % 2 == 1) return c.out.error(Status::wrong_arity, c.cmd.spec->name());
  const std::string_view key = c.arg(1);
  bool created = false;
  Entry* e = lookup_write_or_create(c, key, created);
  if (e == nullptr) return;
  HashObject obj = HashObject::of(*e);
  const HashLimits limits = limits_of(c);
  Status st = Status::ok;
  std::size_t added = 0;
  std::size_t changes = 0;
  // Redis's hashTypeTryConversion: every field and value is checked before anything is stored.
  if (obj.needs_table_for(limits, c.argv + 2, c.argc - 2)) {
    Entry* fresh = convert_to_table(c, e, obj);
    if (fresh == nullptr) st = Status::oom;
    e = fresh != nullptr ? fresh : e;
  }
  for (std::size_t i = 2; i < c.argc && st == Status::ok; i += 2) {
    bool updated = false;
    st = set_field(c, e, obj, limits, c.arg(i), c.arg(i + 1), updated);
    if (st == Status::ok) {
      ++changes;
      if (!updated) ++added;
    }
  }
  if (changes > 0) {
    c.modified(key);
    c.notify(kNotifyHash, "hset", key);
  }
  if (st != Status::ok) {
    if (created) drop_if_empty(c, key, obj);
    return c.out.error(st);
  }
  hmset ? c.out.ok() : c.out.integer(static_cast<std::int64_t>(added));
}

inline void hset(Context& c) { hset_generic(c, false); }
inline void hmset(Context& c) { hset_generic(c, true); }

inline void hsetnx(Context& c) {
  const std::string_view key = c.arg(1);
  bool created = false;
  Entry* e = lookup_write_or_create(c, key, created);
  if (e == nullptr) return;
  HashObject obj = HashObject::of(*e);
  if (obj.exists(c.arg(2))) return c.out.integer(0);
  const HashLimits limits = limits_of(c);
  Status st = Status::ok;
  if (obj.needs_table_for(limits, c.argv + 2, 2)) {
    Entry* fresh = convert_to_table(c, e, obj);
    if (fresh == nullptr) st = Status::oom;
    e = fresh != nullptr ? fresh : e;
  }
  bool updated = false;
  if (st == Status::ok) st = set_field(c, e, obj, limits, c.arg(2), c.arg(3), updated);
  if (st != Status::ok) {
    if (created) drop_if_empty(c, key, obj);
    return c.out.error(st);
  }
  c.out.integer(1);
  c.modified(key);
  c.notify(kNotifyHash, "hset", key);
}

inline void hget(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::hash)) return;
  Element v;
  if (!HashObject::of(*e).get(c.arg(2), v)) return c.out.null();
  reply_element(c.out, v);
}

inline void hmget(Context& c) {
  // A missing key is an empty hash: a null for every field.
  const Entry* e = c.read_key(c.arg(1));
  if (!c.check_type(e, ValueType::hash)) return;
  c.out.array(c.argc - 2);
  for (std::size_t i = 2; i < c.argc; ++i) {
    Element v;
    if (e != nullptr && HashObject::of(*e).get(c.arg(i), v)) {
      reply_element(c.out, v);
    } else {
      c.out.null();
    }
  }
}

inline void hdel(Context& c) {
  const std::string_view key = c.arg(1);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::hash)) return;
  HashObject obj = HashObject::of(*e);
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
    c.notify(kNotifyHash, "hdel", key);
    if (key_removed) c.notify(kNotifyGeneric, "del", key);
  }
  if (st != Status::ok) return c.out.error(st);
  c.out.integer(deleted);
}

inline void hlen(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::hash)) return;
  c.out.integer(static_cast<std::int64_t>(HashObject::of(*e).length()));
}

inline void hstrlen(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::hash)) return;
  Element v;
  if (!HashObject::of(*e).get(c.arg(2), v)) return c.out.integer(0);
  c.out.integer(static_cast<std::int64_t>(v.text_size()));
}

inline void hexists(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.integer(0);
  if (!c.check_type(e, ValueType::hash)) return;
  c.out.integer(HashObject::of(*e).exists(c.arg(2)) ? 1 : 0);
}

constexpr unsigned kFields = 1;
constexpr unsigned kValues = 2;

// HKEYS, HVALS (arrays) and HGETALL (a map).
inline void getall_generic(Context& c, unsigned what) {
  const bool both = what == (kFields | kValues);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return both ? c.out.map(0) : c.out.array(0);
  if (!c.check_type(e, ValueType::hash)) return;
  const HashObject obj = HashObject::of(*e);
  both ? c.out.map(obj.length()) : c.out.array(obj.length());
  obj.for_each([&](const Element& field, const Element& value) {
    if ((what & kFields) != 0) reply_element(c.out, field);
    if ((what & kValues) != 0) reply_element(c.out, value);
  });
}

inline void hkeys(Context& c) { getall_generic(c, kFields); }
inline void hvals(Context& c) { getall_generic(c, kValues); }
inline void hgetall(Context& c) { getall_generic(c, kFields | kValues); }

inline void hincrby(Context& c) {
  std::int64_t incr = 0;
  if (!parse_int64(c.arg(3), incr)) return c.out.error(Status::not_integer);
  const std::string_view key = c.arg(1);
  const std::string_view field = c.arg(2);
  bool created = false;
  Entry* e = lookup_write_or_create(c, key, created);
  if (e == nullptr) return;
  HashObject obj = HashObject::of(*e);
  std::int64_t value = 0;
  Element current;
  if (obj.get(field, current)) {
    if (current.is_int()) {
      value = current.num;
    } else if (!parse_int64({current.str, current.len}, value)) {
      return c.out.error(Status::hash_not_integer);
    }
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) || (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    return c.out.error(Status::overflow);
  }
  value += incr;
  char buf[kLongLongChars];
  bool updated = false;
  const Status st = set_field(c, e, obj, limits_of(c), field, {buf, format_int64(buf, value)}, updated);
  if (st != Status::ok) {
    if (created) drop_if_empty(c, key, obj);
    return c.out.error(st);
  }
  c.out.integer(value);
  c.modified(key);
  c.notify(kNotifyHash, "hincrby", key);
}

inline void hincrbyfloat(Context& c) {
  long double incr = 0;
  if (!parse_long_double(c.arg(3), incr)) return c.out.error(Status::not_float);
  if (std::isnan(incr) || std::isinf(incr)) return c.out.error(Status::hash_incr_nan);
  const std::string_view key = c.arg(1);
  const std::string_view field = c.arg(2);
  bool created = false;
  Entry* e = lookup_write_or_create(c, key, created);
  if (e == nullptr) return;
  HashObject obj = HashObject::of(*e);
  long double value = 0;
  Element current;
  if (obj.get(field, current)) {
    if (current.is_int()) {
      value = static_cast<long double>(current.num);
    } else if (!parse_long_double({current.str, current.len}, value)) {
      return c.out.error(Status::hash_not_float);
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    if (created) drop_if_empty(c, key, obj);
    return c.out.error(Status::incr_nan);
  }
  char buf[kMaxNumberChars];
  const std::string_view text(buf, format_long_double_human(buf, sizeof buf, value));
  bool updated = false;
  const Status st = set_field(c, e, obj, limits_of(c), field, text, updated);
  if (st != Status::ok) {
    if (created) drop_if_empty(c, key, obj);
    return c.out.error(st);
  }
  c.out.bulk(text);
  c.modified(key);
  c.notify(kNotifyHash, "hincrbyfloat", key);
  // The result, not the increment, so that float formatting cannot differ on replicas.
  c.propagate_as({"HSET", key, field, text});
}

// One field (and its value) of HRANDFIELD's reply: a pair is a nested array in RESP3, two flat
// elements in RESP2.
inline void reply_pair(Context& c, bool withvalues, const Element& field, const Element& value) {
  if (withvalues && c.out.protocol() >= 3) c.out.array(2);
  reply_element(c.out, field);
  if (withvalues) reply_element(c.out, value);
}

// HRANDFIELD key count [WITHVALUES] (Redis's hrandfieldWithCountCommand and its four cases).
inline void hrandfield_with_count(Context& c, std::int64_t l, bool withvalues) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.array(0);
  if (!c.check_type(e, ValueType::hash)) return;
  const HashObject obj = HashObject::of(*e);
  const std::size_t size = obj.length();
  const bool unique = l >= 0;
  const std::uint64_t count = l >= 0 ? static_cast<std::uint64_t>(l) : static_cast<std::uint64_t>(-l);
  if (count == 0) return c.out.array(0);
  const bool flat_pairs = withvalues && c.out.protocol() < 3;
  Random& rng = c.engine.random();
  const Writer::Deferred mark = c.out.defer();

  // Case 1: a negative count (or 1) draws with replacement, in random order.
  if (!unique || count == 1) {
    c.out.array(flat_pairs ? count * 2 : count);
    // In batches, so that a huge count stops as soon as the output overflows.
    for (std::uint64_t left = count; left > 0;) {
      const std::size_t batch = left > 1000 ? 1000 : static_cast<std::size_t>(left);
      left -= batch;
      if (!obj.sample(c.mem(), rng, batch, [&](const Element& f, const Element& v) { reply_pair(c, withvalues, f, v); })) {
        return rollback_with_error(c, mark, Status::oom);
      }
      if (output_overflow(c)) return;
    }
    return;
  }
  // Case 2: at least the whole hash.
  if (count >= size) {
    c.out.array(flat_pairs ? size * 2 : size);
    obj.for_each([&](const Element& f, const Element& v) { reply_pair(c, withvalues, f, v); });
    return;
  }
  // Cases 3 and 4: count distinct pairs out of more.
  c.out.array(flat_pairs ? count * 2 : count);
  if (!obj.sample_distinct(c.mem(), rng, static_cast<std::size_t>(count),
                           [&](const Element& f, const Element& v) { reply_pair(c, withvalues, f, v); })) {
    rollback_with_error(c, mark, Status::oom);
  }
}

inline void hrandfield(Context& c) {
  if (c.argc >= 3) {
    std::int64_t l = 0;
    if (!parse_int64(c.arg(2), l)) return c.out.error(Status::not_integer);
    if (l < -INT64_MAX) return c.out.error(Status::out_of_range_between, -INT64_MAX, INT64_MAX);
    bool withvalues = false;
    if (c.argc > 4 || (c.argc == 4 && !iequals(c.arg(3), "withvalues"))) return c.out.error(Status::syntax);
    if (c.argc == 4) {
      withvalues = true;
      if (l < -INT64_MAX / 2 || l > INT64_MAX / 2) return c.out.error(Status::out_of_range);
    }
    return hrandfield_with_count(c, l, withvalues);
  }
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  if (!c.check_type(e, ValueType::hash)) return;
  Element field;
  Element value;
  HashObject::of(*e).random_pair(c.engine.random(), field, value);
  reply_element(c.out, field);
}

// HSCAN key cursor [MATCH pattern] [COUNT count] (Redis's scanGenericCommand for a hash). A
// listpack comes back whole with cursor 0; a table is walked in hash-space steps.
inline void hscan(Context& c) {
  std::uint64_t cursor = 0;
  if (!parse_scan_cursor(c.arg(2), cursor)) return c.out.error(Status::invalid_cursor);
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.end_array(begin_scan_reply(c.out, 0), 0);
  if (!c.check_type(e, ValueType::hash)) return;
  ScanOptions opts;
  if (!parse_scan_options(c, 3, false, opts)) return;
  const HashObject obj = HashObject::of(*e);
  Writer::Deferred items{};
  std::size_t n = 0;
  auto emit = [&](const Element& field, const Element& value) {
    if (opts.use_pattern) {
      ElementText buf;
      if (!glob_match(opts.pattern, field.text(buf))) return;
    }
    reply_element(c.out, field);
    reply_element(c.out, value);
    n += 2;
  };
  if (obj.is_listpack()) {
    items = begin_scan_reply(c.out, 0);
    obj.for_each(emit);
    return c.out.end_array(items, n);
  }
  // Table: hash-space steps until COUNT fields, or ten times as many steps as COUNT (Redis counts
  // fields and values, and doubles COUNT for hashes; the same thing).
  Vec<const HashField*> found(c.mem());
  std::uint64_t next = 0;
  if (!scan_table(*obj.table(), cursor, opts.count, 20, found, next)) return c.out.error(Status::oom);
  items = begin_scan_reply(c.out, next);
  for (const HashField* f : found) emit(Element::of_bytes(f->field()), Element::of_bytes(f->value()));
  c.out.end_array(items, n);
}

inline const CommandSpec kCommands[] = {
    {"hset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, hset, "hash",
     "Sets the values of one or more fields in a hash; creates the hash if needed.", "2.0.0",
     "O(1) for each field/value pair added", "key field value [field value ...]", kAclHash},
    {"hsetnx", 4, kWrite | kDenyOom | kFast, 1, 1, 1, hsetnx, "hash",
     "Sets the value of a field in a hash only when the field does not exist.", "2.0.0", "O(1)",
     "key field value", kAclHash},
    {"hmset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, hmset, "hash",
     "Sets the values of one or more fields in a hash and replies OK (deprecated: HSET).", "2.0.0",
     "O(N) where N is the number of fields being set", "key field value [field value ...]", kAclHash},
    {"hget", 3, kReadonly | kFast, 1, 1, 1, hget, "hash", "Returns the value of a field in a hash.", "2.0.0", "O(1)",
     "key field", kAclHash},
    {"hmget", -3, kReadonly | kFast, 1, 1, 1, hmget, "hash", "Returns the values of some fields in a hash.", "2.0.0",
     "O(N) where N is the number of fields requested", "key field [field ...]", kAclHash},
    {"hdel", -3, kWrite | kFast, 1, 1, 1, hdel, "hash",
     "Deletes fields from a hash; the hash is deleted when no field is left.", "2.0.0",
     "O(N) where N is the number of fields removed", "key field [field ...]", kAclHash},
    {"hexists", 3, kReadonly | kFast, 1, 1, 1, hexists, "hash", "Tells whether a field exists in a hash.", "2.0.0",
     "O(1)", "key field", kAclHash},
    {"hlen", 2, kReadonly | kFast, 1, 1, 1, hlen, "hash", "Returns the number of fields in a hash.", "2.0.0", "O(1)",
     "key", kAclHash},
    {"hstrlen", 3, kReadonly | kFast, 1, 1, 1, hstrlen, "hash", "Returns the length of the value of a field in a hash.",
     "3.2.0", "O(1)", "key field", kAclHash},
    {"hkeys", 2, kReadonly, 1, 1, 1, hkeys, "hash", "Returns every field name of a hash.", "2.0.0",
     "O(N) where N is the size of the hash", "key", kAclHash},
    {"hvals", 2, kReadonly, 1, 1, 1, hvals, "hash", "Returns every value of a hash.", "2.0.0",
     "O(N) where N is the size of the hash", "key", kAclHash},
    {"hgetall", 2, kReadonly, 1, 1, 1, hgetall, "hash", "Returns every field and value of a hash.", "2.0.0",
     "O(N) where N is the size of the hash", "key", kAclHash},
    {"hincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, hincrby, "hash",
     "Increments the integer value of a field in a hash; a missing field counts as 0.", "2.0.0", "O(1)",
     "key field increment", kAclHash},
    {"hincrbyfloat", 4, kWrite | kDenyOom | kFast, 1, 1, 1, hincrbyfloat, "hash",
     "Increments the floating point value of a field in a hash; a missing field counts as 0.", "2.6.0", "O(1)",
     "key field increment", kAclHash},
    {"hrandfield", -2, kReadonly, 1, 1, 1, hrandfield, "hash",
     "Returns random fields (and values) of a hash; a negative count allows repeats.", "6.2.0",
     "O(N) where N is the number of fields returned", "key [count [WITHVALUES]]", kAclHash},
    {"hscan", -3, kReadonly, 1, 1, 1, hscan, "hash", "Iterates over the fields and values of a hash.", "2.8.0",
     "O(1) per call, O(N) for a whole iteration", "key cursor [MATCH pattern] [COUNT count]", kAclHash},
};

}  // namespace hashes_cmds

MICROREDIS_INLINE bool register_hash_commands(CommandTable& t) { return t.add(hashes_cmds::kCommands); }

}  // namespace microredis
