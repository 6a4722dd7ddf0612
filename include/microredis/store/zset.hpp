// The sorted set type's data layer (no RESP, no Context), as Redis 7.0's t_zset.c without its
// commands.
//
// A sorted set is either
//   - "listpack": member, score, member, score... in one Listpack block, ordered by (score, member),
//     while it has at most zset-max-listpack-entries members and every member is at most
//     zset-max-listpack-value bytes. Members are stored as Redis stores them (a canonical integer
//     as an integer element). A score that is an integer Redis's double2ll accepts is an integer
//     element too (so -0 reads back as 0 there, as in Redis); any other score is its 8 IEEE-754
//     bytes, where Redis keeps "%.17g" text of up to 24 bytes: exact, smaller, and no strtod on
//     every comparison;
//   - "skiplist" (the name OBJECT ENCODING shows): a member -> node HashTable plus an
//     order-statistic B+tree of the same nodes, ordered by (score, member). A node is one
//     allocation holding the score and the member. The tree gives O(log n) insert, delete, rank,
//     select-by-rank and search by score or lex bound; its leaves hold 61 (score, node pointer)
//     slots and are linked both ways for range walks, its inner nodes keep, per child, the subtree
//     size (for ranks) and the child's first slot (for searches). The scores beside the pointers
//     let a search compare without loading the nodes (one cache miss per probe otherwise); a
//     node is read only on a score tie. That costs about 23 bytes per member where Redis's
//     skiplist spends about 45 (node, levels, backward pointer) before its dict entry.
// Lex ranges (ZRANGEBYLEX & co) assume every member has the same score, as Redis documents. With
// mixed scores a listpack answers exactly as Redis's linear scans do; a skiplist answers with a
// search over the (score, member) order, where Redis's own answer depends on the random levels of
// its skiplist nodes and cannot be reproduced.
//
// The keyspace entry holds the encoding and the pointer; a ZsetObject is a copy of that pair.
// Operations may move a listpack block (the caller stores the new pointer back) but never change
// the encoding: to_big / to_listpack build the other form beside the current one, so that the
// caller can swap the entry over and free the old form only once nothing can fail any more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../memory.hpp"
#include "../status.hpp"
#include "../util/random.hpp"
#include "hash.hpp"
#include "listpack.hpp"
#include "object.hpp"
#include "table.hpp"

namespace microredis {

struct ZsetLimits {
  std::size_t max_listpack_entries = 128;
  std::size_t max_listpack_value = 64;
};

// Byte order of members within one score (Redis's sdscmp): memcmp, then the shorter first.
inline int zset_compare_members(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// A score interval, Redis's zrangespec: "1.5" is inclusive, "(1.5" exclusive.
struct ScoreRange {
  double min = 0;
  double max = 0;
  bool minex = false;
  bool maxex = false;

  bool gte_min(double v) const { return minex ? v > min : v >= min; }
  bool lte_max(double v) const { return maxex ? v < max : v <= max; }
  // No value can be inside (Redis's first test in zslIsInRange).
  bool empty() const { return min > max || (min == max && (minex || maxex)); }

  // Redis's zslParseRange: strtod over the text after an optional '(' (so leading spaces, "inf",
  // hex and even "" are accepted, as there); NaN is not. false when either end is invalid.
  static bool parse(std::string_view min, std::string_view max, ScoreRange& out);
};

// One end of a lex interval (Redis's zlexrangespec item): "[a" inclusive, "(a" exclusive, "-" and
// "+" the smallest and greatest strings. The text is a view into the argument.
struct LexBound {
  enum class Kind : std::uint8_t { value, min, max };
  Kind kind = Kind::value;
  bool exclusive = false;
  std::string_view text;
};

struct LexRange {
  LexBound min;
  LexBound max;

  // Redis's zslParseLexRange. false when either item is invalid.
  static bool parse(std::string_view min, std::string_view max, LexRange& out);
  bool gte_min(std::string_view v) const {
    const int c = compare(v, min);
    return min.exclusive ? c > 0 : c >= 0;
  }
  bool lte_max(std::string_view v) const {
    const int c = compare(v, max);
    return max.exclusive ? c < 0 : c <= 0;
  }
  bool gte_min(const Element& e) const {
    ElementText buf;
    return gte_min(e.text(buf));
  }
  bool lte_max(const Element& e) const {
    ElementText buf;
    return lte_max(e.text(buf));
  }
  // No string can be inside (Redis's first test in zslIsInLexRange).
  bool empty() const;

 private:
  // A member against a bound (Redis's sdscmplex with the member first).
  static int compare(std::string_view v, const LexBound& b) {
    if (b.kind == LexBound::Kind::min) return 1;
    if (b.kind == LexBound::Kind::max) return -1;
    return zset_compare_members(v, b.text);
  }
};

// A score as a listpack element (see the top of this file).
struct ZsetScoreCodec {
  // Redis's double2ll: an integral value in [-LLONG_MAX/2, LLONG_MAX/2] is stored as an integer.
  static bool as_integer(double d, std::int64_t& out) {
    constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
    if (!(d >= -kLimit && d <= kLimit)) return false;
    const auto ll = static_cast<std::int64_t>(d);
    if (static_cast<double>(ll) != d) return false;
    out = ll;
    return true;
  }
  // buf backs the element's bytes when it is not an integer.
  static Element encode(double d, char (&buf)[8]) {
    std::int64_t ll = 0;
    if (as_integer(d, ll)) return Element::of_int(ll);
    std::memcpy(buf, &d, 8);
    return Element::of_bytes({buf, 8});
  }
  static double decode(const Element& e) {
    if (e.is_int()) return static_cast<double>(e.num);
    double d = 0;
    if (e.len == 8) std::memcpy(&d, e.str, 8);
    return d;
  }
};

// A member and its score in the skiplist encoding, one allocation:
//   8 bytes score (unaligned, read with memcpy), varint member length, member bytes
class ZsetNode {
 public:
  static ZsetNode* create(Memory& mem, double score, std::string_view member);
  static void destroy(Memory& mem, ZsetNode* n) { mem.deallocate(n, n->alloc_size(), 1); }
  double score() const {
    double d;
    std::memcpy(&d, bytes(), 8);
    return d;
  }
  // Only when the node keeps its place in the order (or is out of the tree).
  void set_score(double d) { std::memcpy(bytes(), &d, 8); }
  std::string_view member() const { return TableString::read(bytes() + 8); }
  std::size_t alloc_size() const { return 8 + TableString::alloc_size(member().size()); }
  // <0, 0, >0 as (score, member) sorts before, equal to, after this node.
  int compare_key(double score, std::string_view member) const {
    const double s = this->score();
    if (score < s) return -1;
    if (score > s) return 1;
    return zset_compare_members(member, this->member());
  }

 private:
  const std::uint8_t* bytes() const { return reinterpret_cast<const std::uint8_t*>(this); }
  std::uint8_t* bytes() { return reinterpret_cast<std::uint8_t*>(this); }
};

struct ZsetNodeTraits {
  static std::string_view key_of(const void* e) { return static_cast<const ZsetNode*>(e)->member(); }
};
using ZsetDict = HashTable<ZsetNodeTraits>;

// An order-statistic B+tree of ZsetNode pointers ordered by (score, member), each beside a copy of
// its node's score. Nodes are not owned: the tree never frees one (the sorted set does). A node's
// score changes only through update_score, which keeps the copies equal.
class ZsetTree {
  struct Header {
    std::uint16_t count;
    std::uint8_t leaf;
  };

 public:
  static constexpr int kLeafCap = 61;   // 1000-byte leaves
  static constexpr int kInnerCap = 25;  // 704-byte inner nodes

  // A node and its score (equal to node->score(), but for the sign of a zero).
  struct Slot {
    double score;
    ZsetNode* node;
  };
  struct Leaf {
    Header h;
    Leaf* prev;
    Leaf* next;
    Slot items[kLeafCap];
  };
  struct Inner {
    Header h;
    std::uint32_t sizes[kInnerCap];  // members under each child (a sorted set stays far below 2^32)
    Header* children[kInnerCap];
    Slot mins[kInnerCap];  // each child's first slot
  };

  // A position in the order; valid until the tree changes. An invalid cursor is "past the end".
  struct Cursor {
    const Leaf* leaf = nullptr;
    unsigned idx = 0;
    bool valid() const { return leaf != nullptr; }
    ZsetNode* node() const { return leaf->items[idx].node; }
    void next() {
      if (++idx >= leaf->h.count) {
        leaf = leaf->next;
        idx = 0;
      }
    }
    void prev() {
      if (idx > 0) {
        --idx;
        return;
      }
      leaf = leaf->prev;
      idx = leaf != nullptr ? leaf->h.count - 1u : 0u;
    }
  };

  ZsetTree() = default;
  ZsetTree(const ZsetTree&) = delete;
  ZsetTree& operator=(const ZsetTree&) = delete;
  // Its blocks come from a Memory: clear() before the tree goes away.

  std::size_t size() const { return size_; }
  // Adds a node whose (score, member) is not in the tree. false when out of memory (nothing
  // changed): every node a split may need is allocated before anything moves.
  [[nodiscard]] bool insert(Memory& mem, ZsetNode* n);
  // Removes the node with this (score, member) and returns it (nullptr when absent). Never
  // allocates.
  ZsetNode* erase(Memory& mem, double score, std::string_view member);
  // Removes a node that is in the tree. In its leaf the node is found by its address among the
  // slots tied on its score, so no other node is read there.
  void erase(Memory& mem, ZsetNode* node) { (void)erase_node(mem, node->score(), node->member(), node); }
  // 0-based rank of a node that is in the tree.
  std::size_t rank_of(double score, std::string_view member) const;
  // The node at a rank < size().
  Cursor at(std::size_t rank) const;
  // Gives a node that is in the tree the score `to` when that keeps it between its neighbours (the
  // node and every copy of its score change); false, nothing changed, when it would have to move.
  bool update_score(ZsetNode* node, double to);
  Cursor first() const;
  Cursor last() const;
  // The first node for which before(score, node) is false, before being true for a prefix of the
  // order; returns its rank (size() and an invalid cursor when there is none). A predicate on the
  // score alone never loads a node.
  template <class Before>
  std::size_t lower_bound(Before&& before, Cursor& out) const;
  // Frees the tree's own blocks (not the nodes).
  void clear(Memory& mem);
  // Bytes of leaves and inner nodes.
  std::size_t bytes() const { return leaves_ * sizeof(Leaf) + inners_ * sizeof(Inner); }
  // Checks every invariant (order, subtree sizes, first nodes, fill, leaf links): for tests.
  bool verify() const;

 private:
  static constexpr int kLeafMin = kLeafCap / 4;
  static constexpr int kInnerMin = kInnerCap / 4;
  static constexpr int kMaxDepth = 40;

  static Leaf* as_leaf(Header* h) { return reinterpret_cast<Leaf*>(h); }
  static const Leaf* as_leaf(const Header* h) { return reinterpret_cast<const Leaf*>(h); }
  static Inner* as_inner(Header* h) { return reinterpret_cast<Inner*>(h); }
  static const Inner* as_inner(const Header* h) { return reinterpret_cast<const Inner*>(h); }
  static Slot min_of(const Header* h) { return h->leaf ? as_leaf(h)->items[0] : as_inner(h)->mins[0]; }
  // <0, 0, >0 as (score, member) sorts before, equal to, after the slot's node.
  static int compare(const Slot& s, double score, std::string_view member) {
    if (score < s.score) return -1;
    if (score > s.score) return 1;
    return zset_compare_members(member, s.node->member());
  }
  // The child of an inner node whose subtree holds (or would hold) the key: the last one whose
  // first node is not after it.
  static int child_for(const Inner* in, double score, std::string_view member);
  // First index of a leaf whose node is not before the key.
  static int leaf_position(const Leaf* lf, double score, std::string_view member);
  // The index of a node in the leaf that holds it, from its score and address (no member compare).
  static int leaf_index_of(const Leaf* lf, double score, const ZsetNode* node);

  Leaf* new_leaf(Memory& mem);
  Inner* new_inner(Memory& mem);
  void free_leaf(Memory& mem, Leaf* l);
  void free_inner(Memory& mem, Inner* in);
  void free_subtree(Memory& mem, Header* h);
  // known: the node when the caller has it (found by address in the leaf), else nullptr.
  ZsetNode* erase_node(Memory& mem, double score, std::string_view member, const ZsetNode* known);
  ZsetNode* erase_from(Memory& mem, Header* h, double score, std::string_view member, const ZsetNode* known);
  void rebalance(Memory& mem, Inner* parent, int i);
  static void remove_child(Inner* in, int r);
  bool verify_subtree(const Header* h, std::size_t& size, const ZsetNode*& prev,
                      const Leaf*& prev_leaf) const;

  Header* root_ = nullptr;
  std::size_t size_ = 0;
  std::size_t leaves_ = 0;
  std::size_t inners_ = 0;
};

template <class Before>
std::size_t ZsetTree::lower_bound(Before&& before, Cursor& out) const {
  out = Cursor{};
  const Header* h = root_;
  if (h == nullptr) return 0;
  std::size_t rank = 0;
  while (!h->leaf) {
    const Inner* in = as_inner(h);
    // Children whose first node is "before" form a prefix; the answer is in the last of them.
    int lo = 1;
    int hi = in->h.count;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (before(in->mins[mid].score, static_cast<const ZsetNode*>(in->mins[mid].node))) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    const int i = lo - 1;
    for (int j = 0; j < i; ++j) rank += in->sizes[j];
    h = in->children[i];
  }
  const Leaf* lf = as_leaf(h);
  int lo = 0;
  int hi = lf->h.count;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (before(lf->items[mid].score, static_cast<const ZsetNode*>(lf->items[mid].node))) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  rank += static_cast<std::size_t>(lo);
  if (lo < lf->h.count) {
    out = Cursor{lf, static_cast<unsigned>(lo)};
  } else if (lf->next != nullptr) {
    out = Cursor{lf->next, 0};
  }
  return rank;
}

// The skiplist encoding: the member table and the ordered tree share the nodes.
struct ZsetBig {
  ZsetDict dict;
  ZsetTree tree;
  ZsetBig(Memory& mem, std::uint64_t seed) : dict(mem, seed) {}
};

// ZADD's input flags and ZsetObject::add's output flags (Redis's ZADD_IN_* / ZADD_OUT_*).
enum ZaddFlag : unsigned {
  kZaddIncr = 1u << 0,
  kZaddNx = 1u << 1,
  kZaddXx = 1u << 2,
  kZaddGt = 1u << 3,
  kZaddLt = 1u << 4,
};
enum ZaddOutFlag : unsigned {
  kZaddOutNop = 1u << 0,
  kZaddOutAdded = 1u << 1,
  kZaddOutUpdated = 1u << 2,
};

enum class ZaddResult : std::uint8_t {
  ok,         // out flags tell what happened
  nan,        // the (resulting) score is NaN: nothing changed
  needs_big,  // a listpack must become a skiplist before this member goes in: nothing changed
  oom,        // nothing changed
};

class ZsetObject;

// A position in a sorted set's order: a listpack member element or a tree cursor. Valid until the
// set changes; an invalid position is past either end.
class ZsetPos {
 public:
  bool valid() const { return big_ ? cur_.valid() : p_ != nullptr; }
  Element member() const {
    if (big_) return Element::of_bytes(cur_.node()->member());
    return Listpack::get(p_);
  }
  double score() const {
    if (big_) return cur_.node()->score();
    return ZsetScoreCodec::decode(Listpack::get(Listpack::next(lp_, p_)));
  }
  void next() {
    if (big_) return cur_.next();
    p_ = Listpack::next(lp_, Listpack::next(lp_, p_));
  }
  void prev() {
    if (big_) return cur_.prev();
    const std::uint8_t* s = Listpack::prev(lp_, p_);
    p_ = s != nullptr ? Listpack::prev(lp_, s) : nullptr;
  }

 private:
  friend class ZsetObject;
  bool big_ = false;
  const std::uint8_t* lp_ = nullptr;
  const std::uint8_t* p_ = nullptr;
  ZsetTree::Cursor cur_;
};

class ZsetObject {
 public:
  ZsetObject() = default;
  ZsetObject(Encoding encoding, void* pointer) : encoding_(encoding), ptr_(pointer) {}
  static ZsetObject of(const Entry& e) { return {e.encoding(), e.ptr()}; }

  // A new, empty sorted set in either encoding. false when out of memory.
  static bool create_listpack(Memory& mem, ZsetObject& out);
  static bool create_big(Memory& mem, std::uint64_t seed, ZsetObject& out);
  void destroy(Memory& mem);
  // A deep copy in the same encoding (COPY). false when out of memory.
  bool clone(Memory& mem, ZsetObject& out) const;

  Encoding encoding() const { return encoding_; }
  void* pointer() const { return ptr_; }
  bool is_listpack() const { return encoding_ == Encoding::listpack; }
  std::uint8_t* listpack() const { return static_cast<std::uint8_t*>(ptr_); }
  ZsetBig* big() const { return static_cast<ZsetBig*>(ptr_); }

  std::size_t length() const;
  bool score(std::string_view member, double& out) const;
  // 0-based rank from the lowest (or, reverse, the highest) score; -1 when absent.
  std::int64_t rank(std::string_view member, bool reverse) const;

  // Redis's zsetAdd: adds member or updates its score according to the ZaddFlag set, reporting
  // ZaddOutFlag bits in out and the resulting score (with kZaddIncr) in newscore. A listpack that
  // must hold a new member but would pass the limits returns needs_big untouched: convert it
  // (to_big), then call again.
  ZaddResult add(Memory& mem, const ZsetLimits& limits, double score, std::string_view member, unsigned flags,
                 unsigned& out, double& newscore);
  // Removes member; `removed` says whether it was there. Status::oom (a listpack that could not be
  // reallocated) leaves the set as it was.
  Status remove(Memory& mem, std::string_view member, bool& removed);
  // Removes ranks [start, end] (0-based, start <= end < length()).
  Status remove_rank_range(Memory& mem, std::size_t start, std::size_t end, std::size_t& deleted);
  // Redis's zzl/zslDeleteRangeByScore and ByLex: the members from the first in range while in range.
  Status remove_score_range(Memory& mem, const ScoreRange& range, std::size_t& deleted);
  Status remove_lex_range(Memory& mem, const LexRange& range, std::size_t& deleted);

  // Positions (valid until the set changes).
  ZsetPos at_rank(std::size_t rank) const;  // rank < length()
  ZsetPos first_in_range(const ScoreRange& range) const;
  ZsetPos last_in_range(const ScoreRange& range) const;
  ZsetPos first_in_lex(const LexRange& range) const;
  ZsetPos last_in_lex(const LexRange& range) const;
  std::size_t count_in_range(const ScoreRange& range) const;
  std::size_t count_in_lex(const LexRange& range) const;

  // Builds the other encoding of this set into out, leaving this one intact. false when out of
  // memory (nothing allocated).
  bool to_big(Memory& mem, std::uint64_t seed, ZsetObject& out) const;
  bool to_listpack(Memory& mem, ZsetObject& out) const;
  // Redis's zsetConvertToListpackIfNeeded test: a skiplist set that fits the listpack limits.
  bool fits_listpack(const ZsetLimits& limits) const;

  // Calls fn(Element member, double score) for every member, in order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (ZsetPos p = begin(); p.valid(); p.next()) fn(p.member(), p.score());
  }
  ZsetPos begin() const { return length() == 0 ? ZsetPos{} : at_rank(0); }

  // A uniformly random member of a non-empty set.
  void random_pair(Random& rng, Element& member, double& score) const;
  // Calls fn(member, score) count times with members drawn uniformly with replacement. false when
  // out of memory, before any call.
  template <class Fn>
  bool sample(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const;
  // Calls fn(member, score) for count distinct members, count < length(): selection sampling over
  // a listpack (members come in order, as Redis's lpRandomPairsUnique), sample_distinct_entries
  // over the table. false when out of memory; fn may have been called for some members by then.
  template <class Fn>
  bool sample_distinct(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const;

  // Bytes the value occupies (blocks, table, tree, nodes), for MEMORY USAGE and DEBUG.
  std::size_t memory_usage() const;

 private:
  ZsetPos lp_pos(const std::uint8_t* p) const {
    ZsetPos pos;
    pos.lp_ = listpack();
    pos.p_ = p;
    return pos;
  }
  ZsetPos big_pos(ZsetTree::Cursor c) const {
    ZsetPos pos;
    pos.big_ = true;
    pos.cur_ = c;
    return pos;
  }
  // Removes the n members starting at tree rank `start`, from the tree, the table and memory.
  void big_erase_ranks(Memory& mem, std::size_t start, std::size_t n);

  Encoding encoding_ = Encoding::listpack;
  void* ptr_ = nullptr;
};

template <class Fn>
bool ZsetObject::sample(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const {
  if (!is_listpack()) {
    for (std::size_t i = 0; i < count; ++i) {
      auto* n = static_cast<const ZsetNode*>(fair_random_entry(big()->dict, rng));
      fn(Element::of_bytes(n->member()), n->score());
    }
    return true;
  }
  // Offsets of the members, so that each draw is O(1) instead of a walk.
  const std::uint8_t* lp = listpack();
  Vec<std::uint32_t> members(mem);
  if (!members.reserve(length())) return false;
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = Listpack::next(lp, Listpack::next(lp, p))) {
    (void)members.push_back(static_cast<std::uint32_t>(Listpack::offset(lp, p)));
  }
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = lp + members[rng.below(members.size())];
    fn(Listpack::get(p), ZsetScoreCodec::decode(Listpack::get(Listpack::next(lp, p))));
  }
  return true;
}

template <class Fn>
bool ZsetObject::sample_distinct(Memory& mem, Random& rng, std::size_t count, Fn&& fn) const {
  if (!is_listpack()) {
    return sample_distinct_entries(mem, rng, big()->dict, count, [&](void* e) {
      auto* n = static_cast<const ZsetNode*>(e);
      fn(Element::of_bytes(n->member()), n->score());
    });
  }
  const std::uint8_t* lp = listpack();
  std::size_t left = length();
  std::size_t needed = count;
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr && needed > 0; --left) {
    const std::uint8_t* s = Listpack::next(lp, p);
    if (rng.below(left) < needed) {
      fn(Listpack::get(p), ZsetScoreCodec::decode(Listpack::get(s)));
      --needed;
    }
    p = Listpack::next(lp, s);
  }
  return true;
}

}  // namespace microredis
