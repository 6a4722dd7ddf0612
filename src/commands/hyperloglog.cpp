// The HyperLogLog family: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, as Redis 7.0's hyperloglog.c.
// A HyperLogLog is a string value in Redis's exact format (store/hll.hpp), so GET and SET move it
// between servers. Updates happen in place on the raw string; PFCOUNT of one key caches the
// cardinality in the value's header, as Redis does (the value changes, the command stays
// read-only).
//
// Layout: helpers, then the command handlers, then the table.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/hll.hpp"
#include "microredis/store/string.hpp"

namespace microredis {
namespace hyperloglog_cmds {

// ---------------------------------------------------------------------------------------------
// Helpers

// The string of e if it is a HyperLogLog; false after replying WRONGTYPE (either kind).
inline bool hll_value_or_reply(Context& c, const Entry* e, std::string_view& value) {
  if (!c.check_type(e, ValueType::string)) return false;
  // An int-encoded string is never a HyperLogLog (Redis: not sds-encoded).
  if (e->encoding() == Encoding::int_ || !hll::is_hll(e->encoding() == Encoding::embstr ? e->embstr()
                                                                                           : e->object<RawString>()->view())) {
    c.out.error(Status::hll_wrong_type);
    return false;
  }
  value = e->encoding() == Encoding::embstr ? e->embstr() : e->object<RawString>()->view();
  return true;
}

inline std::size_t sparse_max_bytes(const Context& c) {
  const std::uint64_t v = c.engine.settings().hll_sparse_max_bytes;
  return v > SIZE_MAX ? SIZE_MAX : static_cast<std::size_t>(v);
}

// A register array for merges: kRegisters bytes, zeroed. false when out of memory.
inline bool zeroed_registers(Vec<std::uint8_t>& regs) {
  if (!regs.resize(hll::kRegisters)) return false;
  std::memset(regs.data(), 0, hll::kRegisters);
  return true;
}

// The HyperLogLog at key made modifiable in place: created empty when missing (`created`), else
// checked and turned raw. nullptr after replying an error.
inline RawString* hll_for_write(Context& c, std::string_view key, Entry*& e, bool& created) {
  created = false;
  e = c.write_key(key);
  if (e == nullptr) {
    RawString* r = hll::create(c.mem());
    if (r == nullptr || (e = c.db.put(key, raw_string(r), -1)) == nullptr) {
      c.out.error(Status::oom);
      return nullptr;
    }
    created = true;
    return r;
  }
  std::string_view value;
  if (!hll_value_or_reply(c, e, value)) return nullptr;
  RawString* r = unshare_string(c.db, e);
  if (r == nullptr) c.out.error(Status::oom);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Commands

// PFADD key [element [element ...]]: 1 when a register changed (or the key was created).
inline void pfadd(Context& c) {
  std::string_view key = c.arg(1);
  Entry* e = nullptr;
  bool created = false;
  RawString* r = hll_for_write(c, key, e, created);
  if (r == nullptr) return;
  std::uint64_t updated = created ? 1 : 0;
  const std::size_t max_bytes = sparse_max_bytes(c);
  Status failure = Status::ok;
  for (std::size_t j = 2; j < c.argc && failure == Status::ok; ++j) {
    switch (hll::add(c.mem(), r, c.arg(j), max_bytes)) {
      case hll::Result::updated: ++updated; break;
      case hll::Result::unchanged: break;
      case hll::Result::corrupt: failure = Status::hll_corrupted; break;
      case hll::Result::oom: failure = Status::oom; break;
    }
  }
  e->set_ptr(r);  // growth or promotion may have moved the value
  // A corrupt value stops the command where Redis stops it: registers raised so far stay, and
  // nothing is signalled.
  if (failure == Status::hll_corrupted) return c.out.error(failure);
  if (updated != 0) {
    hll::invalidate_count(r);
    c.modified(key);
    c.notify(kNotifyString, "pfadd", key);
    c.engine.add_dirty(updated - 1);  // Redis counts every raised register
  }
  if (failure != Status::ok) return c.out.error(failure);
  c.out.integer(updated != 0 ? 1 : 0);
}

// PFCOUNT key [key ...]: one key uses (and refreshes) the cached cardinality; several keys count
// the union of their registers without touching them.
inline void pfcount(Context& c) {
  if (c.argc > 2) {
    Vec<std::uint8_t> regs(c.mem());
    if (!zeroed_registers(regs)) return c.out.error(Status::oom);
    for (std::size_t j = 1; j < c.argc; ++j) {
      const Entry* e = c.read_key(c.arg(j));
      if (e == nullptr) continue;  // a missing key is an empty HyperLogLog
      std::string_view value;
      if (!hll_value_or_reply(c, e, value)) return;
      if (!hll::merge_into(regs.data(), value)) return c.out.error(Status::hll_corrupted);
    }
    return c.out.integer(static_cast<std::int64_t>(hll::count_registers(regs.data())));
  }

  std::string_view key = c.arg(1);
  Entry* e = c.read_key(key);
  if (e == nullptr) return c.out.integer(0);
  std::string_view value;
  if (!hll_value_or_reply(c, e, value)) return;
  RawString* r = unshare_string(c.db, e);
  if (r == nullptr) return c.out.error(Status::oom);
  std::uint64_t card = 0;
  if (!hll::cached_count(r->view(), card)) {
    bool corrupt = false;
    card = hll::count(r->view(), &corrupt);
    if (corrupt) return c.out.error(Status::hll_corrupted);
    hll::store_count(r, card);
    c.modified(key);  // the cached value changed the string
  }
  c.out.integer(static_cast<std::int64_t>(card));
}

// PFMERGE destkey [sourcekey [sourcekey ...]]: the destination takes the union (its own registers
// included). It turns dense when any input is dense.
inline void pfmerge(Context& c) {
  Vec<std::uint8_t> regs(c.mem());
  if (!zeroed_registers(regs)) return c.out.error(Status::oom);
  bool use_dense = false;
  for (std::size_t j = 1; j < c.argc; ++j) {
    const Entry* e = c.read_key(c.arg(j));
    if (e == nullptr) continue;
    std::string_view value;
    if (!hll_value_or_reply(c, e, value)) return;
    if (hll::encoding_of(value) == hll::kDense) use_dense = true;
    if (!hll::merge_into(regs.data(), value)) return c.out.error(Status::hll_corrupted);
  }

  std::string_view key = c.arg(1);
  Entry* e = nullptr;
  bool created = false;
  RawString* r = hll_for_write(c, key, e, created);
  if (r == nullptr) return;
  Status failure = Status::ok;
  if (use_dense) {
    const hll::Result res = hll::to_dense(c.mem(), r);
    if (res == hll::Result::corrupt) failure = Status::hll_corrupted;
    if (res == hll::Result::oom) failure = Status::oom;
  }
  const std::size_t max_bytes = sparse_max_bytes(c);
  for (std::uint32_t i = 0; i < hll::kRegisters && failure == Status::ok; ++i) {
    if (regs[i] == 0) continue;
    if (hll::raise_register(c.mem(), r, i, regs[i], max_bytes) == hll::Result::oom) failure = Status::oom;
  }
  e->set_ptr(r);
  if (failure == Status::hll_corrupted) return c.out.error(failure);
  hll::invalidate_count(r);
  c.modified(key);
  c.notify(kNotifyString, "pfadd", key);  // a merge is a mass add, as Redis names it
  if (failure != Status::ok) return c.out.error(failure);
  c.out.ok();
}

// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
inline void pfdebug(Context& c) {
  std::string_view sub = c.arg(1);
  std::string_view key = c.arg(2);
  Entry* e = c.write_key(key);
  if (e == nullptr) return c.out.error(Status::pfdebug_no_key);
  std::string_view value;
  if (!hll_value_or_reply(c, e, value)) return;
  RawString* r = unshare_string(c.db, e);
  if (r == nullptr) return c.out.error(Status::oom);

  const bool getreg = iequals(sub, "getreg");
  if (getreg || iequals(sub, "todense")) {
    const hll::Result res = hll::to_dense(c.mem(), r);
    e->set_ptr(r);
    if (res == hll::Result::corrupt) return c.out.error(Status::hll_corrupted);
    if (res == hll::Result::oom) return c.out.error(Status::oom);
    // The encoding changed: Redis counts a write (for propagation) but signals no key change.
    if (res == hll::Result::updated) c.engine.add_dirty(1);
    if (!getreg) return c.out.integer(res == hll::Result::updated ? 1 : 0);
    const auto* registers = reinterpret_cast<const std::uint8_t*>(r->data()) + hll::kHeaderSize;
    c.out.array(hll::kRegisters);
    for (std::uint32_t i = 0; i < hll::kRegisters; ++i) c.out.integer(hll::dense_get(registers, i));
  } else if (iequals(sub, "decode")) {
    if (hll::encoding_of(r->view()) != hll::kSparse) return c.out.error(Status::pfdebug_not_sparse);
    Buffer text(c.mem());
    if (!hll::decode(r->view(), text)) return c.out.error(Status::oom);
    c.out.bulk(text.view());
  } else if (iequals(sub, "encoding")) {
    c.out.simple(hll::encoding_of(r->view()) == hll::kDense ? "dense" : "sparse");
  } else {
    c.out.error(Status::pfdebug_unknown, sub);
  }
}

// PFSELFTEST: checks register access of the dense encoding, and that dense and sparse values
// built from the same elements agree and stay within six standard errors, up to 10^7 elements.
inline void pfselftest(Context& c) {
  Random& rng = c.db.shared().rng;
  Buffer dense(c.mem());
  Vec<std::uint8_t> expected(c.mem());
  if (!dense.resize(hll::kDenseSize) || !expected.resize(hll::kRegisters)) return c.out.error(Status::oom);
  std::memset(dense.data(), 0, hll::kDenseSize);  // encoding byte 0: dense
  auto* registers = reinterpret_cast<std::uint8_t*>(dense.data()) + hll::kHeaderSize;

  // 1: every register keeps its value and leaves its neighbours alone.
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (std::uint32_t i = 0; i < hll::kRegisters; ++i) {
      expected[i] = static_cast<std::uint8_t>(rng.next() & 63);
      hll::dense_set(registers, i, expected[i]);
    }
    for (std::uint32_t i = 0; i < hll::kRegisters; ++i) {
      const std::uint8_t v = hll::dense_get(registers, i);
      if (v != expected[i]) {
        char text[96];
        const int n = std::snprintf(text, sizeof text, "ERR TESTFAILED Register %u should be %u but is %u",
                                    static_cast<unsigned>(i), unsigned{expected[i]}, unsigned{v});
        return c.out.error_text({text, static_cast<std::size_t>(n)});
      }
    }
  }

  // 2: estimates of a dense and a sparse value fed the same elements.
  std::memset(registers, 0, hll::kDenseSize - hll::kHeaderSize);
  RawString* sparse = hll::create(c.mem());
  if (sparse == nullptr) return c.out.error(Status::oom);
  const std::size_t max_bytes = sparse_max_bytes(c);
  const double relative_error = 1.04 / std::sqrt(static_cast<double>(hll::kRegisters));
  const std::uint64_t seed = rng.next();
  std::uint64_t checkpoint = 1;
  Status failure = Status::ok;
  std::uint64_t abs_error = 0;
  for (std::uint64_t j = 1; j <= 10000000 && failure == Status::ok; ++j) {
    const std::uint64_t element = j ^ seed;
    char bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>(element >> (8 * b));
    std::uint32_t index = 0;
    const std::uint8_t rank = hll::element_rank({bytes, 8}, index);
    if (hll::dense_get(registers, index) < rank) hll::dense_set(registers, index, rank);
    if (hll::add(c.mem(), sparse, {bytes, 8}, max_bytes) == hll::Result::oom) failure = Status::oom;
    if (j != checkpoint || failure != Status::ok) continue;

    if (j < max_bytes / 2 && hll::encoding_of(sparse->view()) != hll::kSparse) {
      failure = Status::pfselftest_sparse_unused;
      break;
    }
    const std::uint64_t estimate = hll::count(dense.view(), nullptr);
    if (estimate != hll::count(sparse->view(), nullptr)) {
      failure = Status::pfselftest_disagree;
      break;
    }
    auto max_error = static_cast<std::uint64_t>(std::ceil(relative_error * 6 * static_cast<double>(checkpoint)));
    if (j == 10) max_error = 1;  // collisions make larger errors likely at 10 elements
    abs_error = estimate > checkpoint ? estimate - checkpoint : checkpoint - estimate;
    if (abs_error > max_error) {
      failure = Status::pfselftest_error;
      break;
    }
    checkpoint *= 10;
  }
  RawString::destroy(c.mem(), sparse);
  if (failure == Status::pfselftest_error) {
    return c.out.error(failure, static_cast<std::int64_t>(checkpoint), static_cast<std::int64_t>(abs_error));
  }
  if (failure != Status::ok) return c.out.error(failure);
  c.out.ok();
}

inline const CommandSpec kCommands[] = {
    {"pfadd", -2, kWrite | kDenyOom | kFast, 1, 1, 1, pfadd, "hyperloglog",
     "Adds elements to a HyperLogLog; creates the key if needed.", "2.8.9", "O(1) to add every element",
     "key [element [element ...]]"},
    {"pfcount", -2, kReadonly | kMayReplicate, 1, -1, 1, pfcount, "hyperloglog",
     "Returns the approximated cardinality of the union of one or more HyperLogLogs.", "2.8.9",
     "O(1) with a cached count for one key, O(N) for N keys", "key [key ...]"},
    {"pfmerge", -2, kWrite | kDenyOom, 1, -1, 1, pfmerge, "hyperloglog",
     "Merges HyperLogLogs into one that estimates the cardinality of their union.", "2.8.9",
     "O(N) to merge N HyperLogLogs", "destkey [sourcekey [sourcekey ...]]"},
    {"pfdebug", 3, kWrite | kDenyOom | kAdmin, 2, 2, 1, pfdebug, "hyperloglog",
     "Internal commands for debugging HyperLogLog values.", "2.8.9", "N/A", "subcommand key"},
    {"pfselftest", 1, kAdmin, 0, 0, 0, pfselftest, "hyperloglog",
     "An internal command for testing the HyperLogLog implementation.", "2.8.9", "N/A", ""},
};

}  // namespace hyperloglog_cmds

MICROREDIS_INLINE bool register_hyperloglog_commands(CommandTable& t) { return t.add(hyperloglog_cmds::kCommands); }

}  // namespace microredis
