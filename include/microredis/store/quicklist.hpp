// The list type's data layer (no RESP, no Context), as Redis 7.0's quicklist.c and the listType*
// half of t_list.c.
//
// A list is a quicklist: a doubly linked list of nodes, each holding a Listpack block of
// elements. Redis 7.0 uses this one encoding for every list (OBJECT ENCODING says "quicklist"; the
// listpack encoding for small lists came with 7.2), and so do we.
//
// Node size follows list-max-listpack-size ("fill"), read at every insert (QuicklistLimits), so a
// CONFIG SET applies to later inserts of existing lists too (Redis fixes it when the list is
// created):
//   fill -1..-5   a node grows up to 4, 8, 16, 32 or 64 KiB;
//   fill >= 0     a node holds up to fill elements, and never more than 8 KiB unless it is a single
//                 element (Redis's SIZE_SAFETY_LIMIT).
// An element that does not fit the limit starts a node of its own; the next push starts another,
// so a big element sits alone. Elements of packed_threshold bytes or more (1 GiB, as Redis) go to
// "plain" nodes that never take a second element or merge. A plain node is a listpack of one
// element here (Redis stores the raw bytes), which keeps every node walkable the same way; the
// listpack's 32-bit sizes cap an element at 4 GiB, Redis's own plain-node limit.
//
// Costs: pushes and pops at either end touch one node: O(1) plus the node's memmove (a node is a
// few KiB), and a pop at a node's head shrinks the block in place (Listpack::erase_in_place)
// rather than allocating. Index operations find the node from the nearer end by node counts and
// then walk inside it from its nearer end.
//
// list-compress-depth (LZF compression of inner nodes) is accepted as a setting but not applied:
// nodes are never compressed.
//
// Out of memory: every operation that can fail returns false and leaves the list valid, and as
// it was except where said (operations changing two nodes' blocks, whose second step can fail
// after the first). Removing elements only shrinks blocks, which fails only with allocators whose
// shrinking reallocation can fail (never with malloc's realloc); the exceptions need that.
//
// The last part of this file works on lists stored in a keyspace (pop, push, move with the
// deletion of an emptied key): the list commands and, later, the blocking pops share it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../memory.hpp"
#include "keyspace.hpp"
#include "listpack.hpp"
#include "object.hpp"

namespace microredis {

enum class ListEnd : std::uint8_t { head, tail };

inline ListEnd other_end(ListEnd e) { return e == ListEnd::head ? ListEnd::tail : ListEnd::head; }

// The node size rules at the time of an insert.
struct QuicklistLimits {
  static constexpr int kFillMin = -5;
  static constexpr int kFillMax = (1 << 15) - 1;  // Redis's FILL_MAX (16 fill bits)
  static constexpr std::size_t kDefaultPackedThreshold = std::size_t{1} << 30;

  int fill = -2;
  std::size_t packed_threshold = kDefaultPackedThreshold;

  // list-max-listpack-size as Redis's quicklistSetFill clamps it.
  static QuicklistLimits of(std::int64_t list_max_listpack_size,
                            std::size_t packed_threshold = kDefaultPackedThreshold) {
    QuicklistLimits l;
    if (list_max_listpack_size < kFillMin) list_max_listpack_size = kFillMin;
    if (list_max_listpack_size > kFillMax) list_max_listpack_size = kFillMax;
    l.fill = static_cast<int>(list_max_listpack_size);
    l.packed_threshold = packed_threshold == 0 ? kDefaultPackedThreshold : packed_threshold;
    return l;
  }
  bool is_large(std::size_t len) const { return len >= packed_threshold; }
  // Whether a node of `bytes` bytes and `count` elements is within the limits (Redis's
  // _quicklistNodeSizeMeetsOptimizationRequirement, then SIZE_SAFETY_LIMIT and the count).
  bool node_fits(std::size_t bytes, std::size_t count) const;
};

struct QuicklistNode {
  QuicklistNode* prev = nullptr;
  QuicklistNode* next = nullptr;
  std::uint8_t* lp = nullptr;
  std::uint32_t count = 0;  // the listpack's own count saturates at 65535
  bool plain = false;       // one large element; takes no other element, never merges

  std::size_t bytes() const { return Listpack::bytes(lp); }
};

// Compares elements with one argument, converted once (Listpack::find's rule: integer elements
// match canonical integer text, strings match bytes).
class ElementMatcher {
 public:
  explicit ElementMatcher(std::string_view s);
  bool matches(const Element& e) const;

 private:
  std::string_view s_;
  std::int64_t as_int_ = 0;
  bool is_int_ = false;
};

class Quicklist {
 public:
  // An element's place: its node, its first byte in the node's listpack, and its index in the node.
  // Valid until the list changes.
  struct Position {
    QuicklistNode* node = nullptr;
    const std::uint8_t* p = nullptr;
    std::size_t offset = 0;
    explicit operator bool() const { return node != nullptr; }
  };

  // An empty list; nullptr when out of memory.
  static Quicklist* create(Memory& mem);
  static void destroy(Memory& mem, Quicklist* ql);
  // A deep copy (COPY); nullptr when out of memory.
  Quicklist* clone(Memory& mem) const;

  std::size_t length() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::size_t node_count() const { return nodes_; }
  const QuicklistNode* head() const { return head_; }
  const QuicklistNode* tail() const { return tail_; }

  // Adds value at an end. false when out of memory (list unchanged).
  bool push(Memory& mem, const QuicklistLimits& limits, ListEnd where, std::string_view value);
  // The element at an end of a non-empty list.
  Element peek(ListEnd where) const;
  // Removes min(n, length()) elements from an end. false when out of memory (list unchanged):
  // only a block that must shrink and cannot may fail.
  bool pop(Memory& mem, ListEnd where, std::size_t n = 1);

  // The element at index (negative: from the tail), walking from the nearer end; empty when out
  // of range.
  Position seek(std::int64_t index) const;
  static Element get(const Position& pos) { return Listpack::get(pos.p); }
  // The position after (forward) or before pos, or an empty position at the end.
  static Position step(Position pos, bool forward);
  // The first or last element (an empty position when the list is empty).
  Position first() const;
  Position last() const;

  // Inserts value right after or before the element at pos (LINSERT). false when out of memory
  // (list unchanged).
  bool insert(Memory& mem, const QuicklistLimits& limits, const Position& pos, bool after, std::string_view value);
  // Replaces the element at index (LSET); false when there is none or when out of memory (list
  // unchanged). A value that would push its node past the limits, or that changes between
  // plain and packed, gets a node of its own in the element's place.
  bool replace(Memory& mem, const QuicklistLimits& limits, std::int64_t index, std::string_view value);
  // Removes count elements from index start (>= 0), as Redis's quicklistDelRange. false when out
  // of memory: the list is valid, but when the range spans nodes it may be partly removed.
  bool erase_range(Memory& mem, std::size_t start, std::size_t count);
  // LREM: removes elements equal to value, at most `limit` of them (0: all), from the head
  // (from_tail false) or from the tail. Sets removed. false when out of memory: the nodes
  // already filtered stay so (removed counts them).
  bool remove_matching(Memory& mem, std::string_view value, std::size_t limit, bool from_tail, std::size_t& removed);
  // Moves the element at `from` to the other end (LMOVE/RPOPLPUSH with the same source and
  // destination). false when out of memory: list unchanged (across nodes the element is pushed,
  // then popped, and the push undone when the pop fails; should the undo fail too, it is in the
  // list twice).
  bool rotate(Memory& mem, const QuicklistLimits& limits, ListEnd from);

  // Calls fn(Element) for the elements from position pos on, forward or backward, while fn
  // returns true.
  template <class Fn>
  static void walk(Position pos, bool forward, Fn&& fn) {
    if (!forward) {
      while (pos && fn(get(pos))) pos = step(pos, false);
      return;
    }
    // Forward, one node's block at a time: the elements of a block lie end to end.
    const std::uint8_t* p = pos.p;
    for (const QuicklistNode* n = pos.node; n != nullptr; n = n->next) {
      if (n != pos.node) p = Listpack::first(n->lp);
      const std::uint8_t* const end = n->lp + Listpack::bytes(n->lp);
      for (; p != nullptr && p < end; p += Listpack::element_size(p)) {
        if (!fn(Listpack::get(p))) return;
      }
    }
  }

  // Bytes the value occupies (header, nodes, blocks), for MEMORY USAGE.
  std::size_t memory_usage() const;
  // Structural invariants (counts, links, limits of listpack blocks); for tests.
  bool check() const;

 private:
  QuicklistNode* new_node(Memory& mem);
  void free_node(Memory& mem, QuicklistNode* n);
  // Links n before or after `at` (nullptr: as the only node, or at the end given by `after`).
  void link(QuicklistNode* at, QuicklistNode* n, bool after);
  // Unlinks and frees a node, keeping the counts.
  void drop(Memory& mem, QuicklistNode* n);
  // A node holding one value (plain when large); nullptr when out of memory.
  QuicklistNode* node_with(Memory& mem, const Element& v, bool plain);
  bool allow_insert(const QuicklistNode* n, const QuicklistLimits& limits, const Element& v, std::size_t len) const;
  bool allow_merge(const QuicklistNode* a, const QuicklistNode* b, const QuicklistLimits& limits) const;
  // Appends b's elements to a and drops b. false when out of memory (nothing changed).
  bool merge(Memory& mem, QuicklistNode* a, QuicklistNode* b);
  // Redis's _quicklistMergeNodes: merges around center where the limits allow.
  void merge_around(Memory& mem, const QuicklistLimits& limits, QuicklistNode* center);
  // Splits node after (after) or before element `offset`: returns a new, unlinked node with the
  // elements after offset (or before it), which node no longer holds, plus `add` (when given) at
  // its end next to node. nullptr when out of memory (node unchanged).
  QuicklistNode* split(Memory& mem, QuicklistNode* node, std::size_t offset, bool after, const Element* add);
  // Puts the unlinked node n in place of the element at pos, which must not be its node's only
  // element. false when out of memory (nothing changed; n is the caller's).
  bool isolate(Memory& mem, const Position& pos, QuicklistNode* n);
  // Removes n elements of node from its element `offset` (the node stays even if emptied).
  bool erase_in_node(Memory& mem, QuicklistNode* node, std::size_t offset, std::size_t n);

  QuicklistNode* head_ = nullptr;
  QuicklistNode* tail_ = nullptr;
  std::size_t count_ = 0;  // elements
  std::size_t nodes_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Lists in a keyspace: what the list commands and the blocking pops share. None of these fire
// keyspace events or touch WATCH: they say what happened and the caller does that.

inline Quicklist* list_of(const Entry& e) { return e.object<Quicklist>(); }

// Creates an empty list at key (which must be absent). nullptr when out of memory.
Entry* list_create(Db& db, std::string_view key);

// Pops min(count, length) elements from the `where` end of the list at e (a list entry of db),
// calling fn(Element) for each, in pop order, while it is still in the list; then removes them,
// deleting the key when the list is left empty (deleted says so). false when out of memory:
// nothing removed (fn may have been called; a reply it wrote must be taken back).
template <class Fn>
bool list_pop(Db& db, Entry* e, ListEnd where, std::size_t count, Fn&& fn, bool& deleted) {
  Quicklist* ql = list_of(*e);
  const std::size_t n = count < ql->length() ? count : ql->length();
  std::size_t left = n;
  Quicklist::walk(where == ListEnd::head ? ql->first() : ql->last(), where == ListEnd::head,
                  [&](const Element& v) {
                    if (left == 0) return false;
                    --left;
                    fn(v);
                    return true;
                  });
  deleted = false;
  if (!ql->pop(db.mem(), where, n)) return false;
  if (ql->empty()) {
    deleted = true;
    db.remove(e->key());
  }
  return true;
}

// What list_move did.
struct ListMoveResult {
  bool created_destination = false;  // dst_key did not exist
  bool source_deleted = false;       // the source list was left empty and deleted
};

// LMOVE's data step: takes the element at the `from` end of the list at src (a list entry of db)
// and pushes it at the `to` end of the list at dst_key (dst: its entry, a list, or nullptr when
// absent; it may be src itself). fn(Element) sees the element before it leaves the source.
// false when out of memory: nothing changed (a destination created for it is removed again; as
// in Quicklist::rotate, only a failing undo could leave the element in both lists), but fn may
// have been called.
template <class Fn>
bool list_move(Db& db, Entry* src, std::string_view dst_key, Entry* dst, ListEnd from, ListEnd to,
               const QuicklistLimits& limits, Fn&& fn, ListMoveResult& out) {
  out = ListMoveResult{};
  Quicklist* s = list_of(*src);
  if (dst == src) {
    fn(s->peek(from));
    return from == to || s->rotate(db.mem(), limits, from);
  }
  if (dst == nullptr) {
    dst = list_create(db, dst_key);
    if (dst == nullptr) return false;
    out.created_destination = true;  // src stays valid: entries never move when others are added
  }
  Quicklist* d = list_of(*dst);
  const Element v = s->peek(from);
  ElementText buf;
  if (!d->push(db.mem(), limits, to, v.text(buf))) {
    if (out.created_destination) db.remove(dst_key);
    return false;
  }
  fn(v);
  if (!s->pop(db.mem(), from, 1)) {
    // Take the pushed copy back; the destination is the one list that grew.
    (void)d->pop(db.mem(), to, 1);
    if (out.created_destination) db.remove(dst_key);
    return false;
  }
  if (s->empty()) {
    out.source_deleted = true;
    db.remove(src->key());
  }
  return true;
}

}  // namespace microredis
