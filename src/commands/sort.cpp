// SORT and SORT_RO, as Redis 7.0's sort.c: the elements of a list, set or sorted set, sorted
// numerically or (ALPHA) as strings, by themselves or by the values other keys hold (BY), sliced
// (LIMIT), mapped to other keys' values (GET), replied or stored as a list (STORE).
//
// What Redis does and this file repeats, because clients see it:
//   - Options are parsed before the key is looked up: a syntax error wins over WRONGTYPE. LIMIT
//     with fewer than two arguments is a syntax error, with a non-integer one "value is not an
//     integer". SORT_RO does not know STORE (a syntax error).
//   - BY with a pattern without '*' ("nosort") means "do not sort": a list or a sorted set keeps
//     its order (DESC walks it backwards, LIMIT picks the range directly); a set keeps its
//     iteration order (ascending for an intset), except with STORE, where it is sorted ALPHA.
//   - Numeric sorting reads each value with strtod: leading spaces, "inf" and hex are accepted,
//     "" is 0, anything left unparsed, an overflow or underflow (ERANGE) or NaN fails the command
//     with "One or more scores can't be converted into double". Equal scores are ordered by the
//     bytes of the elements. A BY key that is missing (or not a string, or a hash without the
//     field) counts as 0, or as the smallest value with ALPHA.
//   - ALPHA compares with strcoll when replying and with memcmp when storing. Redis's strcoll
//     follows the LC_COLLATE of its environment; under C and C.UTF-8 (Debian's redis-server
//     checked under C.UTF-8) that is byte order up to the first NUL byte, which the reply case
//     uses here: an embedded library has no business with the process locale.
//   - Patterns: "#" is the element itself; otherwise the first '*' takes the element, and a "->"
//     after it followed by something names a hash field. A pattern without '*' names nothing (nil).
//     Patterns are read as C strings where Redis's strchr/strstr read them so (up to a NUL byte).
//   - GET of a missing key, of a key of the wrong type or of a missing field replies nil (an empty
//     string when storing); only the sorted key itself can be WRONGTYPE.
//   - STORE replaces the destination whatever its type (TTL cleared) with a list, fires
//     "sortstore", and deletes the destination instead when the result is empty. The stored list
//     is built with the default node size (list-max-listpack-size -2): Redis 7.0 creates it
//     without applying the setting (fixed in 7.4).
//   - A sorted set in the listpack encoding is converted to a skiplist for good by any SORT
//     (Redis's zsetConvert at the start of sortCommand; OBJECT ENCODING shows it).
//   - LIMIT: a negative offset is 0, a negative count means "all", both are clamped to the size.
// Where Redis's order is not reproducible, neither is ours: the iteration order of a hashtable
// set (BY nosort without STORE) and the order of ties under ALPHA with BY (equal or missing
// values), which Redis leaves to glibc's stable qsort over dict order, or to its own unstable
// partial quicksort (pqsort) when BY comes with a LIMIT. Here ties keep the source order (a
// stable sort): the same as Redis for lists and intsets without LIMIT, not with one (Redis
// answers "t b c d e" for SORT of a..t BY nokey_* ALPHA LIMIT 0 5, we answer "a b c d e").
//
// Nothing here draws from the engine's random generator: SORT is deterministic.
//
// Layout: patterns, values and comparisons, the sort itself, SORT/SORT_RO, key positions, the
// command table.
#include "microredis/commands.hpp"
#include "collection.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/hash.hpp"
#include "microredis/store/quicklist.hpp"
#include "microredis/store/set.hpp"
#include "microredis/store/string.hpp"
#include "microredis/store/zset.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/util/hash.hpp"
#include "microredis/util/stable_sort.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace microredis {
namespace sort_cmds {

using collection::reply_element;

// ---------------------------------------------------------------------------------------------
// Patterns

// s up to its first NUL byte: what C string functions see of an sds.
inline std::string_view c_string(std::string_view s) {
  const std::size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// A BY or GET pattern, split once (Redis's lookupKeyByPattern splits it for every element).
struct Pattern {
  enum class Kind : std::uint8_t { self, constant, key };
  Kind kind = Kind::constant;
  std::string_view prefix;   // before the '*'
  std::string_view postfix;  // after the '*' (without "->field")
  std::string_view field;    // the hash field, when has_field
  bool has_field = false;

  static Pattern parse(std::string_view s) {
    Pattern p;
    if (!s.empty() && s[0] == '#' && (s.size() == 1 || s[1] == '\0')) {
      p.kind = Kind::self;
      return p;
    }
    const std::string_view cs = c_string(s);
    const std::size_t star = cs.find('*');
    if (star == std::string_view::npos) return p;
    p.kind = Kind::key;
    p.prefix = s.substr(0, star);
    // "->" followed by at least one byte (as a C string) names a field, which runs to the end of
    // the whole pattern; "->" at the end is part of the key name.
    const std::size_t arrow = cs.find("->", star + 1);
    if (arrow != std::string_view::npos && arrow + 2 < cs.size()) {
      p.has_field = true;
      p.field = s.substr(arrow + 2);
      p.postfix = s.substr(star + 1, arrow - star - 1);
    } else {
      p.postfix = s.substr(star + 1);
    }
    return p;
  }
};

enum class Lookup : std::uint8_t { found, missing, oom };

// The value a pattern names for an element (Redis's lookupKeyByPattern): the element itself, a
// string key's value or a hash field. The value is a view into the keyspace, valid for the rest
// of the command as long as nothing is written (the time snapshot keeps looked-up keys alive).
inline Lookup lookup(const Context& c, const Pattern& p, const Element& element, Buffer& key, Element& out) {
  if (p.kind == Pattern::Kind::self) {
    out = element;
    return Lookup::found;
  }
  if (p.kind == Pattern::Kind::constant) return Lookup::missing;
  ElementText buf;
  key.reset();
  (void)key.append(p.prefix);
  (void)key.append(element.text(buf));
  (void)key.append(p.postfix);
  if (key.incomplete()) return Lookup::oom;
  const Entry* e = c.read_key(key.view());
  if (e == nullptr) return Lookup::missing;
  if (p.has_field) {
    if (e->type() != ValueType::hash) return Lookup::missing;
    return HashObject::of(*e).get(p.field, out) ? Lookup::found : Lookup::missing;
  }
  if (e->type() != ValueType::string) return Lookup::missing;
  if (e->encoding() == Encoding::int_) {
    out = Element::of_int(e->int_value());
  } else {
    IntText unused;
    out = Element::of_bytes(string_of(*e, unused));
  }
  return Lookup::found;
}

// ---------------------------------------------------------------------------------------------
// Values and comparisons

enum class Score : std::uint8_t { ok, not_double, oom };

// A value as a sort weight: an integer as is, a string with strtod as Redis reads an sds (up to a
// NUL byte; all of it consumed; no ERANGE, no NaN). scratch holds long texts for strtod.
inline Score score_of(const Element& v, Buffer& scratch, double& out) {
  if (v.is_int()) {
    out = static_cast<double>(v.num);
    return Score::ok;
  }
  const std::string_view s = c_string({v.str, v.len});
  char small[128];
  char* text = small;
  if (s.size() >= sizeof small) {
    scratch.reset();
    if (!scratch.resize(s.size() + 1)) return Score::oom;
    text = scratch.data();
  }
  if (!s.empty()) std::memcpy(text, s.data(), s.size());
  text[s.size()] = '\0';
  char* end = nullptr;
  bool range_error = false;
  const double d = read_double(text, &end, range_error);
  if (*end != '\0' || range_error || std::isnan(d)) return Score::not_double;
  out = d;
  return Score::ok;
}

// Redis's compareStringObjects: memcmp, then the shorter first.
inline int compare_bytes(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  const int r = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (r != 0) return r;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// One element to sort: the element and what it sorts by.
struct SortItem {
  Element element;
  Element by;           // ALPHA with BY: the BY value, when has_by
  double score = 0;     // numeric sorting
  bool has_by = false;
};

// Redis's sortCompare.
struct SortOrder {
  bool alpha = false;
  bool by_pattern = false;
  bool store = false;  // memcmp instead of strcoll
  bool desc = false;

  int strings(const Element& a, const Element& b) const {
    ElementText ba;
    ElementText bb;
    const std::string_view x = a.text(ba);
    const std::string_view y = b.text(bb);
    return store ? compare_bytes(x, y) : compare_bytes(c_string(x), c_string(y));
  }

  int operator()(const SortItem& a, const SortItem& b) const {
    int r = 0;
    if (!alpha) {
      if (a.score > b.score) {
        r = 1;
      } else if (a.score < b.score) {
        r = -1;
      } else {
        ElementText ba;
        ElementText bb;
        r = compare_bytes(a.element.text(ba), b.element.text(bb));
      }
    } else if (by_pattern) {
      if (!a.has_by || !b.has_by) {
        r = a.has_by == b.has_by ? 0 : (a.has_by ? 1 : -1);
      } else {
        r = strings(a.by, b.by);
      }
    } else {
      r = strings(a.element, b.element);
    }
    return desc ? -r : r;
  }
};

// The comparison for util/stable_sort.hpp's stable sort, which keeps ties in source order, as
// glibc's merge-sort qsort (Redis's) leaves them.
inline int compare_items(const void* a, const void* b, const void* order) {
  return (*static_cast<const SortOrder*>(order))(*static_cast<const SortItem*>(a), *static_cast<const SortItem*>(b));
}

// ---------------------------------------------------------------------------------------------
// Helpers

// Redis's zsetConvert(sortval, OBJ_ENCODING_SKIPLIST): a listpack sorted set becomes a skiplist.
// The table seed comes from the engine seed and the key's hash (reproducible under a fixed engine
// seed, unknown to clients), not from the engine's generator, which SORT leaves alone. Out of memory leaves the listpack (SORT reads it the same).
// Returns the (possibly rebuilt) entry.
inline Entry* convert_zset(Context& c, Entry* e) {
  ZsetObject obj = ZsetObject::of(*e);
  if (!obj.is_listpack()) return e;
  ZsetObject big;
  const std::uint64_t seed = mix64(c.engine.run_id_seed() ^ 0x9e3779b97f4a7c15ull, c.db.hash(e->key()) | 1);
  if (!obj.to_big(c.mem(), seed, big)) return e;
  Entry::Layout layout = e->layout();
  layout.encoding = big.encoding();
  layout.pointer = big.pointer();
  Entry* fresh = c.db.rebuild(e, layout, e->expire_ms(), true);
  if (fresh == nullptr) {
    big.destroy(c.mem());
    return e;
  }
  obj.destroy(c.mem());
  return fresh;
}

// Stores the result list at dst as Redis's setKey (any old value replaced, TTL cleared, the LFU
// counter of an overwritten key kept), or deletes dst when the result is empty (ql nullptr).
// Owns ql.
inline void store_list(Context& c, std::string_view dst, Quicklist* ql, std::size_t outputlen) {
  if (outputlen == 0) {
    if (c.db.remove(dst)) {
      c.modified(dst);
      c.notify(kNotifyGeneric, "del", dst);
    }
    return c.out.integer(0);
  }
  const Entry* old = c.write_key(dst);
  const std::uint32_t lru = old != nullptr ? old->lru() : 0;
  const bool keep_lfu = old != nullptr && c.db.shared().lfu;
  Entry::Layout layout;
  layout.type = ValueType::list;
  layout.encoding = Encoding::quicklist;
  layout.pointer = ql;
  Entry* e = c.db.put(dst, layout, -1);  // owns the list from now on, even on failure
  if (e == nullptr) return c.out.error(Status::oom);
  if (keep_lfu) e->set_lru(lru);
  c.modified(dst);
  c.notify(kNotifyList, "sortstore", dst);
  // Redis adds the number of stored elements to the dirty counter; modified() counted one.
  c.engine.add_dirty(outputlen - 1);
  c.out.integer(static_cast<std::int64_t>(outputlen));
}

// ---------------------------------------------------------------------------------------------
// SORT and SORT_RO (Redis's sortCommandGeneric)

inline void sort_generic(Context& c, bool readonly) {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  std::int64_t limit_start = 0;
  std::int64_t limit_count = -1;
  std::string_view sortby;
  bool has_sortby = false;
  std::string_view storekey;
  bool has_store = false;
  Vec<Pattern> gets(c.mem());

  for (std::size_t j = 2; j < c.argc; ++j) {
    const std::size_t left = c.argc - j - 1;
    const std::string_view opt = c.arg(j);
    if (iequals(opt, "asc")) {
      desc = false;
    } else if (iequals(opt, "desc")) {
      desc = true;
    } else if (iequals(opt, "alpha")) {
      alpha = true;
    } else if (iequals(opt, "limit") && left >= 2) {
      if (!parse_int64(c.arg(j + 1), limit_start) || !parse_int64(c.arg(j + 2), limit_count)) {
        return c.out.error(Status::not_integer);
      }
      j += 2;
    } else if (!readonly && iequals(opt, "store") && left >= 1) {
      storekey = c.arg(++j);
      has_store = true;
    } else if (iequals(opt, "by") && left >= 1) {
      sortby = c.arg(++j);
      has_sortby = true;
      // A pattern without '*' names no key: nothing to sort by.
      dontsort = c_string(sortby).find('*') == std::string_view::npos;
    } else if (iequals(opt, "get") && left >= 1) {
      if (!gets.push_back(Pattern::parse(c.arg(++j)))) return c.out.error(Status::oom);
    } else {
      return c.out.error(Status::syntax);
    }
  }

  Entry* src = c.read_key(c.arg(1));
  if (src != nullptr && src->type() != ValueType::list && src->type() != ValueType::set &&
      src->type() != ValueType::zset) {
    return c.out.error(Status::wrong_type);
  }
  const ValueType type = src != nullptr ? src->type() : ValueType::list;

  // A set has no order of its own: stored results and a script's are sorted anyway, so that
  // replicas and the AOF get the same (Redis's rule).
  if (dontsort && type == ValueType::set && (has_store || c.session.script_client())) {
    dontsort = false;
    alpha = true;
    has_sortby = false;
  }
  if (type == ValueType::zset) {
    src = convert_zset(c, src);
  }

  std::size_t length = 0;
  if (src != nullptr) {
    if (type == ValueType::list) length = list_of(*src)->length();
    if (type == ValueType::set) length = SetObject::of(*src).length();
    if (type == ValueType::zset) length = ZsetObject::of(*src).length();
  }
  const auto vectorlen = static_cast<std::int64_t>(length);

  // LIMIT, clamped to the size as Redis does (so nothing overflows).
  std::int64_t start = limit_start < 0 ? 0 : (limit_start > vectorlen ? vectorlen : limit_start);
  if (limit_count < -1) limit_count = -1;
  if (limit_count > vectorlen) limit_count = vectorlen;
  std::int64_t end = limit_count < 0 ? vectorlen - 1 : start + limit_count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  // Load the elements. A list or sorted set that is not sorted yields just the range.
  Vec<SortItem> items(c.mem());
  const bool direct_range = dontsort && (type == ValueType::list || type == ValueType::zset);
  const std::size_t load = direct_range ? static_cast<std::size_t>(end >= start ? end - start + 1 : 0) : length;
  if (!items.reserve(load)) return c.out.error(Status::oom);
  auto add = [&](const Element& e) {
    SortItem it;
    it.element = e;
    (void)items.push_back(it);  // reserved
  };
  if (src != nullptr && load > 0) {
    if (type == ValueType::list) {
      const Quicklist& ql = *list_of(*src);
      if (direct_range) {
        std::size_t n = load;
        const std::int64_t first = desc ? vectorlen - start - 1 : start;
        Quicklist::walk(ql.seek(first), !desc, [&](const Element& v) {
          add(v);
          return --n > 0;
        });
      } else {
        Quicklist::walk(ql.first(), true, [&](const Element& v) {
          add(v);
          return true;
        });
      }
    } else if (type == ValueType::set) {
      SetObject::of(*src).for_each([&](const Element& v) { add(v); });
    } else if (direct_range) {
      const ZsetObject z = ZsetObject::of(*src);
      ZsetPos pos = z.at_rank(static_cast<std::size_t>(desc ? vectorlen - start - 1 : start));
      for (std::size_t n = 0; n < load && pos.valid(); ++n) {
        add(pos.member());
        if (desc) {
          pos.prev();
        } else {
          pos.next();
        }
      }
    } else {
      ZsetObject::of(*src).for_each([&](const Element& m, double) { add(m); });
    }
  }
  if (direct_range) {
    end -= start;
    start = 0;
  }

  Buffer key(c.mem());
  Buffer scratch(c.mem());
  if (!dontsort) {
    const Pattern by = has_sortby ? Pattern::parse(sortby) : Pattern{};
    bool not_double = false;
    for (SortItem& it : items) {
      Element v = it.element;
      if (has_sortby) {
        const Lookup l = lookup(c, by, it.element, key, v);
        if (l == Lookup::oom) return c.out.error(Status::oom);
        if (l == Lookup::missing) continue;
      }
      if (alpha) {
        if (has_sortby) {
          it.by = v;
          it.has_by = true;
        }
        continue;
      }
      const Score s = score_of(v, scratch, it.score);
      if (s == Score::oom) return c.out.error(Status::oom);
      if (s == Score::not_double) not_double = true;
    }
    // Redis reads every weight before it reports a bad one (lookups count as hits and misses).
    if (not_double) return c.out.error(Status::sort_score_not_double);
    const SortOrder order{alpha, has_sortby, has_store, desc};
    if (!stable_sort(c.mem(), items.data(), items.size(), compare_items, &order)) return c.out.error(Status::oom);
  }

  // Calls fn(Lookup, Element) for each GET pattern, in order, for one element; stops when fn
  // returns false.
  auto for_each_get = [&](const Element& element, auto&& fn) {
    for (const Pattern& p : gets) {
      Element v;
      if (!fn(lookup(c, p, element, key, v), v)) return false;
    }
    return true;
  };

  const std::size_t getop = gets.size();
  const std::size_t count = end >= start ? static_cast<std::size_t>(end - start + 1) : 0;
  const std::size_t outputlen = getop > 0 ? getop * count : count;
  if (!has_store) {
    const Writer::Deferred mark = c.out.defer();
    c.out.array(outputlen);
    for (std::size_t j = static_cast<std::size_t>(start); j < static_cast<std::size_t>(start) + count; ++j) {
      const Element& element = items[j].element;
      if (getop == 0) {
        reply_element(c.out, element);
        continue;
      }
      const bool ok = for_each_get(element, [&](Lookup l, const Element& v) {
        if (l == Lookup::oom) return false;
        if (l == Lookup::found) {
          reply_element(c.out, v);
        } else {
          c.out.null();
        }
        return true;
      });
      if (!ok) {
        (void)c.out.buffer().resize(mark.pos);
        return c.out.error(Status::oom);
      }
    }
    return;
  }

  // STORE: the whole list is built before the destination changes (it may be the sorted key, or
  // hold values the GETs read).
  Quicklist* ql = nullptr;
  if (outputlen > 0 && (ql = Quicklist::create(c.mem())) == nullptr) return c.out.error(Status::oom);
  const QuicklistLimits limits =
      QuicklistLimits::of(-2, static_cast<std::size_t>(c.engine.settings().list_packed_threshold));
  bool ok = true;
  for (std::size_t j = static_cast<std::size_t>(start); ok && j < static_cast<std::size_t>(start) + count; ++j) {
    const Element& element = items[j].element;
    ElementText buf;
    if (getop == 0) {
      ok = ql->push(c.mem(), limits, ListEnd::tail, element.text(buf));
      continue;
    }
    ok = for_each_get(element, [&](Lookup l, const Element& v) {
      if (l == Lookup::oom) return false;
      ElementText vbuf;
      return ql->push(c.mem(), limits, ListEnd::tail, l == Lookup::found ? v.text(vbuf) : std::string_view());
    });
  }
  if (!ok) {
    Quicklist::destroy(c.mem(), ql);
    return c.out.error(Status::oom);
  }
  store_list(c, storekey, ql, outputlen);
}

inline void sort(Context& c) { sort_generic(c, false); }
inline void sort_ro(Context& c) { sort_generic(c, true); }

// Key positions of SORT (Redis's sortGetKeys): the sorted key, and the destination of the last
// STORE that has an argument. Options with arguments are skipped by their known counts; nothing
// else is validated (the command itself reports syntax errors).
inline std::size_t sort_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  if (argc < 2 || cap == 0) return 0;
  std::size_t n = 0;
  out[n++] = 1;
  std::size_t store = 0;
  for (std::size_t i = 2; i < argc; ++i) {
    if (iequals(argv[i], "limit")) {
      i += 2;
    } else if (iequals(argv[i], "get") || iequals(argv[i], "by")) {
      i += 1;
    } else if (iequals(argv[i], "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store != 0 && n < cap) out[n++] = store;
  return n;
}

// Key positions of SORT_RO: the sorted key (Redis's sortROGetKeys).
inline std::size_t sort_ro_keys(const std::string_view*, std::size_t argc, std::size_t* out, std::size_t cap) {
  if (argc < 2 || cap == 0) return 0;
  out[0] = 1;
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Command table

inline const CommandSpec kCommands[] = {
    {"sort", -2, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, sort, "generic",
     "Sorts the elements of a list, set or sorted set, optionally by other keys' values; replies or stores "
     "the result.",
     "1.0.0", "O(N+M*log(M)) where N is the number of elements to sort and M the number returned",
     "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] "
     "[STORE destination]",
     kAclSet | kAclSortedSet | kAclList | kAclDangerous, nullptr, 0, sort_keys},
    {"sort_ro", -2, kReadonly | kMovableKeys, 1, 1, 1, sort_ro, "generic",
     "Sorts the elements of a list, set or sorted set, optionally by other keys' values (read-only SORT).",
     "7.0.0", "O(N+M*log(M)) where N is the number of elements to sort and M the number returned",
     "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]",
     kAclSet | kAclSortedSet | kAclList | kAclDangerous, nullptr, 0, sort_ro_keys},
};

}  // namespace sort_cmds

MICROREDIS_INLINE bool register_sort_commands(CommandTable& t) { return t.add(sort_cmds::kCommands); }

}  // namespace microredis
