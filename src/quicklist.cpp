#include "microredis/store/quicklist.hpp"

#include <algorithm>
#include <cstring>

namespace microredis {
namespace quicklist_detail {

// Byte limits of fill -1..-5 (Redis's optimization_level).
constexpr std::size_t kSizeLevels[] = {4096, 8192, 16384, 32768, 65536};
// Redis's SIZE_SAFETY_LIMIT: a node limited by count never grows past this many bytes.
constexpr std::size_t kSizeSafetyLimit = 8192;

// The element at `offset` of a node, walking from the nearer end of its block.
inline const std::uint8_t* element_at(const QuicklistNode* n, std::size_t offset) {
  if (offset <= n->count / 2) {
    const std::uint8_t* p = Listpack::first(n->lp);
    for (std::size_t i = 0; i < offset; ++i) p = Listpack::next(n->lp, p);
    return p;
  }
  const std::uint8_t* p = Listpack::last(n->lp);
  for (std::size_t i = n->count - 1; i > offset; --i) p = Listpack::prev(n->lp, p);
  return p;
}

inline std::size_t byte_offset(const QuicklistNode* n, std::size_t offset) {
  return offset >= n->count ? Listpack::bytes(n->lp) : Listpack::offset(n->lp, element_at(n, offset));
}

}  // namespace quicklist_detail

MICROREDIS_INLINE bool QuicklistLimits::node_fits(std::size_t bytes, std::size_t count) const {
  if (fill < 0) return bytes <= quicklist_detail::kSizeLevels[-fill - 1];
  return bytes <= quicklist_detail::kSizeSafetyLimit && count <= static_cast<std::size_t>(fill);
}

MICROREDIS_INLINE ElementMatcher::ElementMatcher(std::string_view s) : s_(s) { is_int_ = string_is_int(s, as_int_); }

MICROREDIS_INLINE bool ElementMatcher::matches(const Element& e) const {
  if (e.is_int()) return is_int_ && e.num == as_int_;
  return e.len == s_.size() && (e.len == 0 || std::memcmp(e.str, s_.data(), e.len) == 0);
}

// --- nodes -------------------------------------------------------------------------------------

MICROREDIS_INLINE Quicklist* Quicklist::create(Memory& mem) { return mem.create<Quicklist>(); }

MICROREDIS_INLINE void Quicklist::destroy(Memory& mem, Quicklist* ql) {
  if (ql == nullptr) return;
  for (QuicklistNode* n = ql->head_; n != nullptr;) {
    QuicklistNode* next = n->next;
    ql->free_node(mem, n);
    n = next;
  }
  mem.destroy(ql);
}

MICROREDIS_INLINE QuicklistNode* Quicklist::new_node(Memory& mem) {
  QuicklistNode* n = mem.create<QuicklistNode>();
  if (n == nullptr) return nullptr;
  n->lp = Listpack::create(mem);
  if (n->lp == nullptr) {
    mem.destroy(n);
    return nullptr;
  }
  return n;
}

MICROREDIS_INLINE void Quicklist::free_node(Memory& mem, QuicklistNode* n) {
  Listpack::destroy(mem, n->lp);
  mem.destroy(n);
}

MICROREDIS_INLINE void Quicklist::link(QuicklistNode* at, QuicklistNode* n, bool after) {
  if (at == nullptr) at = after ? tail_ : head_;
  if (at == nullptr) {
    head_ = tail_ = n;
    n->prev = n->next = nullptr;
  } else if (after) {
    n->prev = at;
    n->next = at->next;
    if (at->next != nullptr) at->next->prev = n;
    at->next = n;
    if (tail_ == at) tail_ = n;
  } else {
    n->next = at;
    n->prev = at->prev;
    if (at->prev != nullptr) at->prev->next = n;
    at->prev = n;
    if (head_ == at) head_ = n;
  }
  ++nodes_;
  count_ += n->count;
}

MICROREDIS_INLINE void Quicklist::drop(Memory& mem, QuicklistNode* n) {
  if (n->prev != nullptr) n->prev->next = n->next;
  if (n->next != nullptr) n->next->prev = n->prev;
  if (head_ == n) head_ = n->next;
  if (tail_ == n) tail_ = n->prev;
  --nodes_;
  count_ -= n->count;
  free_node(mem, n);
}

MICROREDIS_INLINE QuicklistNode* Quicklist::node_with(Memory& mem, const Element& v, bool plain) {
  QuicklistNode* n = new_node(mem);
  if (n == nullptr) return nullptr;
  std::uint8_t* lp = Listpack::append(mem, n->lp, v);
  if (lp == nullptr) {
    free_node(mem, n);
    return nullptr;
  }
  n->lp = lp;
  n->count = 1;
  n->plain = plain;
  return n;
}

MICROREDIS_INLINE bool Quicklist::allow_insert(const QuicklistNode* n, const QuicklistLimits& limits,
                                               const Element& v, std::size_t len) const {
  if (n == nullptr || n->plain || limits.is_large(len)) return false;
  return limits.node_fits(n->bytes() + Listpack::encoded_size(v), n->count + 1);
}

MICROREDIS_INLINE bool Quicklist::allow_merge(const QuicklistNode* a, const QuicklistNode* b,
                                              const QuicklistLimits& limits) const {
  if (a == nullptr || b == nullptr || a->plain || b->plain) return false;
  return limits.node_fits(a->bytes() + b->bytes() - Listpack::kHeaderSize, a->count + b->count);
}

MICROREDIS_INLINE bool Quicklist::merge(Memory& mem, QuicklistNode* a, QuicklistNode* b) {
  // One insert of every element of b, so that a failure leaves both nodes whole.
  Vec<Element> moved(mem);
  if (!moved.reserve(b->count)) return false;
  for (const std::uint8_t* p = Listpack::first(b->lp); p != nullptr; p = Listpack::next(b->lp, p)) {
    (void)moved.push_back(Listpack::get(p));
  }
  std::uint8_t* lp = Listpack::insert(mem, a->lp, Listpack::bytes(a->lp), moved.data(), moved.size());
  if (lp == nullptr) return false;
  a->lp = lp;
  a->count += b->count;
  count_ += b->count;  // drop() takes b's elements off again
  drop(mem, b);
  return true;
}

MICROREDIS_INLINE void Quicklist::merge_around(Memory& mem, const QuicklistLimits& limits, QuicklistNode* center) {
  QuicklistNode* prev = center->prev;
  QuicklistNode* prev_prev = prev != nullptr ? prev->prev : nullptr;
  QuicklistNode* next = center->next;
  QuicklistNode* next_next = next != nullptr ? next->next : nullptr;
  // The order of Redis's _quicklistMergeNodes. A merge that runs out of memory is skipped: merging
  // only saves space.
  if (allow_merge(prev_prev, prev, limits)) (void)merge(mem, prev_prev, prev);
  if (allow_merge(next, next_next, limits)) (void)merge(mem, next, next_next);
  QuicklistNode* target = center;
  if (allow_merge(center->prev, center, limits)) {
    QuicklistNode* left = center->prev;
    if (merge(mem, left, center)) target = left;
  }
  if (allow_merge(target, target->next, limits)) (void)merge(mem, target, target->next);
}

MICROREDIS_INLINE QuicklistNode* Quicklist::split(Memory& mem, QuicklistNode* node, std::size_t offset, bool after,
                                                  const Element* add) {
  using quicklist_detail::byte_offset;
  // The new node takes [offset+1, count) when after, else [0, offset). It is built whole (with
  // `add` at its inner end) before the original block is cut, so that a failure changes nothing.
  const std::size_t cut = after ? offset + 1 : offset;
  const std::size_t cut_bytes = byte_offset(node, cut);
  const std::size_t moved = after ? node->count - cut : cut;
  QuicklistNode* fresh = mem.create<QuicklistNode>();
  if (fresh == nullptr) return nullptr;
  std::uint8_t* lp = Listpack::clone(mem, node->lp);
  if (lp != nullptr) {
    std::uint8_t* part = after ? Listpack::erase(mem, lp, Listpack::kHeaderSize, cut)
                               : Listpack::erase(mem, lp, cut_bytes, node->count - cut);
    if (part == nullptr) Listpack::destroy(mem, lp);
    lp = part;
  }
  if (lp != nullptr && add != nullptr) {
    std::uint8_t* grown = after ? Listpack::prepend(mem, lp, *add) : Listpack::append(mem, lp, *add);
    if (grown == nullptr) Listpack::destroy(mem, lp);
    lp = grown;
  }
  std::uint8_t* kept = nullptr;
  if (lp != nullptr) {
    kept = after ? Listpack::erase(mem, node->lp, cut_bytes, node->count - cut)
                 : Listpack::erase(mem, node->lp, Listpack::kHeaderSize, cut);
    if (kept == nullptr) Listpack::destroy(mem, lp);
  }
  if (kept == nullptr) {
    mem.destroy(fresh);
    return nullptr;
  }
  node->lp = kept;
  node->count -= static_cast<std::uint32_t>(moved);
  count_ -= moved;  // link() counts them again
  fresh->lp = lp;
  fresh->count = static_cast<std::uint32_t>(moved + (add != nullptr ? 1 : 0));
  return fresh;
}

MICROREDIS_INLINE bool Quicklist::erase_in_node(Memory& mem, QuicklistNode* node, std::size_t offset, std::size_t n) {
  std::uint8_t* lp = offset == 0 ? Listpack::erase_in_place(mem, node->lp, Listpack::kHeaderSize, n)
                                 : Listpack::erase(mem, node->lp, quicklist_detail::byte_offset(node, offset), n);
  if (lp == nullptr) return false;
  node->lp = lp;
  node->count -= static_cast<std::uint32_t>(n);
  count_ -= n;
  return true;
}

MICROREDIS_INLINE Quicklist* Quicklist::clone(Memory& mem) const {
  Quicklist* copy = create(mem);
  if (copy == nullptr) return nullptr;
  for (const QuicklistNode* n = head_; n != nullptr; n = n->next) {
    QuicklistNode* c = mem.create<QuicklistNode>();
    std::uint8_t* lp = c != nullptr ? Listpack::clone(mem, n->lp) : nullptr;
    if (lp == nullptr) {
      if (c != nullptr) mem.destroy(c);
      destroy(mem, copy);
      return nullptr;
    }
    c->lp = lp;
    c->count = n->count;
    c->plain = n->plain;
    copy->link(nullptr, c, true);
  }
  return copy;
}

// --- reading -----------------------------------------------------------------------------------

MICROREDIS_INLINE Element Quicklist::peek(ListEnd where) const {
  return where == ListEnd::head ? Listpack::get(Listpack::first(head_->lp)) : Listpack::get(Listpack::last(tail_->lp));
}

MICROREDIS_INLINE Quicklist::Position Quicklist::first() const {
  if (head_ == nullptr) return {};
  return {head_, Listpack::first(head_->lp), 0};
}

MICROREDIS_INLINE Quicklist::Position Quicklist::last() const {
  if (tail_ == nullptr) return {};
  return {tail_, Listpack::last(tail_->lp), tail_->count - std::size_t{1}};
}

MICROREDIS_INLINE Quicklist::Position Quicklist::step(Position pos, bool forward) {
  QuicklistNode* n = pos.node;
  if (forward) {
    if (const std::uint8_t* q = Listpack::next(n->lp, pos.p)) return {n, q, pos.offset + 1};
    n = n->next;
    if (n == nullptr) return {};
    return {n, Listpack::first(n->lp), 0};
  }
  if (const std::uint8_t* q = Listpack::prev(n->lp, pos.p)) return {n, q, pos.offset - 1};
  n = n->prev;
  if (n == nullptr) return {};
  return {n, Listpack::last(n->lp), n->count - std::size_t{1}};
}

MICROREDIS_INLINE Quicklist::Position Quicklist::seek(std::int64_t index) const {
  const auto len = static_cast<std::int64_t>(count_);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return {};
  auto i = static_cast<std::size_t>(index);
  QuicklistNode* n = nullptr;
  if (i < count_ / 2) {
    n = head_;
    while (i >= n->count) {
      i -= n->count;
      n = n->next;
    }
  } else {
    std::size_t from_tail = count_ - 1 - i;
    n = tail_;
    while (from_tail >= n->count) {
      from_tail -= n->count;
      n = n->prev;
    }
    i = n->count - 1 - from_tail;
  }
  return {n, quicklist_detail::element_at(n, i), i};
}

// --- writing -----------------------------------------------------------------------------------

MICROREDIS_INLINE bool Quicklist::push(Memory& mem, const QuicklistLimits& limits, ListEnd where,
                                       std::string_view value) {
  const Element v = Element::of(value);
  QuicklistNode* end = where == ListEnd::head ? head_ : tail_;
  if (allow_insert(end, limits, v, value.size())) {
    std::uint8_t* lp = where == ListEnd::head ? Listpack::prepend(mem, end->lp, v) : Listpack::append(mem, end->lp, v);
    if (lp == nullptr) return false;
    end->lp = lp;
    ++end->count;
    ++count_;
    return true;
  }
  QuicklistNode* n = node_with(mem, v, limits.is_large(value.size()));
  if (n == nullptr) return false;
  link(end, n, where == ListEnd::tail);
  return true;
}

MICROREDIS_INLINE bool Quicklist::pop(Memory& mem, ListEnd where, std::size_t n) {
  if (n > count_) n = count_;
  if (n == 0) return true;
  const bool head = where == ListEnd::head;
  // Whole nodes go without touching their blocks; at most one node loses part of its elements,
  // and that (the only step that can fail) is done first.
  QuicklistNode* boundary = head ? head_ : tail_;
  std::size_t rest = n;
  while (boundary != nullptr && rest >= boundary->count) {
    rest -= boundary->count;
    boundary = head ? boundary->next : boundary->prev;
  }
  if (rest > 0 && !erase_in_node(mem, boundary, head ? 0 : boundary->count - rest, rest)) return false;
  for (QuicklistNode* end = head ? head_ : tail_; end != boundary; end = head ? head_ : tail_) drop(mem, end);
  return true;
}

MICROREDIS_INLINE bool Quicklist::insert(Memory& mem, const QuicklistLimits& limits, const Position& pos, bool after,
                                         std::string_view value) {
  // Redis's _quicklistInsert, case by case.
  const Element v = Element::of(value);
  QuicklistNode* node = pos.node;
  const bool full = !allow_insert(node, limits, v, value.size());
  const bool at_tail = after && pos.offset + 1 == node->count;
  const bool at_head = !after && pos.offset == 0;
  const bool avail_next = at_tail && allow_insert(node->next, limits, v, value.size());
  const bool avail_prev = at_head && allow_insert(node->prev, limits, v, value.size());

  if (limits.is_large(value.size())) {
    QuicklistNode* plain = node_with(mem, v, true);
    if (plain == nullptr) return false;
    if (node->plain || at_tail || at_head) {
      link(node, plain, after);
      return true;
    }
    QuicklistNode* rest = split(mem, node, pos.offset, after, nullptr);
    if (rest == nullptr) {
      free_node(mem, plain);
      return false;
    }
    link(node, plain, after);
    link(plain, rest, after);
    return true;
  }

  if (!full) {
    const std::size_t at = Listpack::offset(node->lp, pos.p) + (after ? Listpack::element_size(pos.p) : 0);
    std::uint8_t* lp = Listpack::insert(mem, node->lp, at, v);
    if (lp == nullptr) return false;
    node->lp = lp;
    ++node->count;
    ++count_;
    return true;
  }
  if (avail_next || avail_prev) {
    QuicklistNode* target = avail_next ? node->next : node->prev;
    std::uint8_t* lp = avail_next ? Listpack::prepend(mem, target->lp, v) : Listpack::append(mem, target->lp, v);
    if (lp == nullptr) return false;
    target->lp = lp;
    ++target->count;
    ++count_;
    return true;
  }
  if (at_tail || at_head) {
    QuicklistNode* n = node_with(mem, v, false);
    if (n == nullptr) return false;
    link(node, n, after);
    return true;
  }
  // A full node, inserting inside it: split it, the value going to the new part's inner end.
  QuicklistNode* rest = split(mem, node, pos.offset, after, &v);
  if (rest == nullptr) return false;
  link(node, rest, after);
  merge_around(mem, limits, node);
  return true;
}

MICROREDIS_INLINE bool Quicklist::isolate(Memory& mem, const Position& pos, QuicklistNode* n) {
  QuicklistNode* node = pos.node;
  const std::size_t k = pos.offset;
  if (k == 0 || k + 1 == node->count) {
    if (!erase_in_node(mem, node, k, 1)) return false;
    link(node, n, k != 0);
    return true;
  }
  // In the middle: the elements before it go to a new node, then the original node loses them
  // and the element in one erase, the last step that can fail.
  QuicklistNode* left = mem.create<QuicklistNode>();
  if (left == nullptr) return false;
  std::uint8_t* lp = Listpack::clone(mem, node->lp);
  if (lp != nullptr) {
    std::uint8_t* cut = Listpack::erase(mem, lp, quicklist_detail::byte_offset(node, k), node->count - k);
    if (cut == nullptr) Listpack::destroy(mem, lp);
    lp = cut;
  }
  std::uint8_t* rest = lp != nullptr ? Listpack::erase(mem, node->lp, Listpack::kHeaderSize, k + 1) : nullptr;
  if (rest == nullptr) {
    Listpack::destroy(mem, lp);
    mem.destroy(left);
    return false;
  }
  node->lp = rest;
  node->count -= static_cast<std::uint32_t>(k + 1);
  count_ -= k + 1;
  left->lp = lp;
  left->count = static_cast<std::uint32_t>(k);
  link(node, left, false);
  link(node, n, false);
  return true;
}

MICROREDIS_INLINE bool Quicklist::replace(Memory& mem, const QuicklistLimits& limits, std::int64_t index,
                                          std::string_view value) {
  const Position pos = seek(index);
  if (!pos) return false;
  QuicklistNode* node = pos.node;
  const Element v = Element::of(value);
  const bool large = limits.is_large(value.size());
  const std::size_t new_bytes = node->bytes() - Listpack::element_size(pos.p) + Listpack::encoded_size(v);
  // In place when the node stays a valid node: a node of one element (which becomes plain or
  // packed as the value says), or a packed node staying within the limits. Redis 7.0 replaces in
  // place whatever the size; 7.2 checks the limits as we do, so that one LSET cannot make a node
  // of any size.
  if (node->count == 1 || (!large && limits.node_fits(new_bytes, node->count))) {
    std::uint8_t* lp = Listpack::replace(mem, node->lp, Listpack::offset(node->lp, pos.p), v);
    if (lp == nullptr) return false;
    node->lp = lp;
    if (node->count == 1 && node->plain != large) {
      node->plain = large;
      if (!large) merge_around(mem, limits, node);
    }
    return true;
  }
  // Otherwise the value takes the element's place in a node of its own, which may then merge
  // with a neighbour that has room.
  QuicklistNode* n = node_with(mem, v, large);
  if (n == nullptr) return false;
  if (!isolate(mem, pos, n)) {
    free_node(mem, n);
    return false;
  }
  if (!large) merge_around(mem, limits, n);
  return true;
}

MICROREDIS_INLINE bool Quicklist::erase_range(Memory& mem, std::size_t start, std::size_t count) {
  if (start >= count_ || count == 0) return true;
  std::size_t extent = count < count_ - start ? count : count_ - start;
  const Position pos = seek(static_cast<std::int64_t>(start));
  QuicklistNode* node = pos.node;
  std::size_t offset = pos.offset;
  while (extent > 0) {
    QuicklistNode* next = node->next;
    if (offset == 0 && extent >= node->count) {
      extent -= node->count;
      drop(mem, node);
    } else {
      const std::size_t del = node->count - offset < extent ? node->count - offset : extent;
      if (!erase_in_node(mem, node, offset, del)) return false;
      extent -= del;
    }
    node = next;
    offset = 0;
  }
  return true;
}

MICROREDIS_INLINE bool Quicklist::remove_matching(Memory& mem, std::string_view value, std::size_t limit,
                                                  bool from_tail, std::size_t& removed) {
  removed = 0;
  const ElementMatcher match(value);
  QuicklistNode* node = from_tail ? tail_ : head_;
  while (node != nullptr && (limit == 0 || removed < limit)) {
    QuicklistNode* next = from_tail ? node->prev : node->next;
    // The matches this node gives up, walking in the removal direction; `bound` is the last of
    // them, so that exactly the matches between the walk's start and bound go.
    const std::size_t want = limit == 0 ? SIZE_MAX : limit - removed;
    std::size_t found = 0;
    const std::uint8_t* bound = nullptr;
    std::size_t bound_offset = 0;
    std::size_t i = from_tail ? node->count - 1 : 0;
    for (const std::uint8_t* p = from_tail ? Listpack::last(node->lp) : Listpack::first(node->lp);
         p != nullptr && found < want;
         p = from_tail ? Listpack::prev(node->lp, p) : Listpack::next(node->lp, p)) {
      if (match.matches(Listpack::get(p))) {
        ++found;
        bound = p;
        bound_offset = i;
      }
      from_tail ? --i : ++i;
    }
    if (found == 0) {
      node = next;
      continue;
    }
    if (found == node->count) {
      drop(mem, node);
    } else if (found == 1) {
      if (!erase_in_node(mem, node, bound_offset, 1)) return false;
    } else {
      // Many matches: the survivors go to a new block in one insert.
      Vec<Element> keep(mem);
      if (!keep.reserve(node->count - found)) return false;
      for (const std::uint8_t* p = Listpack::first(node->lp); p != nullptr; p = Listpack::next(node->lp, p)) {
        const Element e = Listpack::get(p);
        const bool in_range = from_tail ? p >= bound : p <= bound;
        if (!in_range || !match.matches(e)) (void)keep.push_back(e);
      }
      std::uint8_t* lp = Listpack::create(mem);
      std::uint8_t* filled = lp != nullptr ? Listpack::insert(mem, lp, Listpack::kHeaderSize, keep.data(), keep.size())
                                           : nullptr;
      if (filled == nullptr) {
        Listpack::destroy(mem, lp);
        return false;
      }
      Listpack::destroy(mem, node->lp);
      node->lp = filled;
      node->count -= static_cast<std::uint32_t>(found);
      count_ -= found;
    }
    removed += found;
    node = next;
  }
  return true;
}

MICROREDIS_INLINE bool Quicklist::rotate(Memory& mem, const QuicklistLimits& limits, ListEnd from) {
  if (count_ <= 1) return true;
  if (head_ == tail_) {
    // One block: its element bytes turn around in place (elements do not depend on where they
    // sit), so the header stays right and nothing is allocated.
    std::uint8_t* begin = head_->lp + Listpack::kHeaderSize;
    std::uint8_t* end = head_->lp + head_->bytes();
    std::uint8_t* middle = from == ListEnd::tail ? const_cast<std::uint8_t*>(Listpack::last(head_->lp))
                                                 : begin + Listpack::element_size(begin);
    std::rotate(begin, middle, end);
    return true;
  }
  // Different nodes: the element is pushed at the other end while it is still readable, then
  // popped.
  const Element v = peek(from);
  ElementText buf;
  if (!push(mem, limits, other_end(from), v.text(buf))) return false;
  if (!pop(mem, from, 1)) {
    (void)pop(mem, other_end(from), 1);
    return false;
  }
  return true;
}

// --- accounting --------------------------------------------------------------------------------

MICROREDIS_INLINE std::size_t Quicklist::memory_usage() const {
  std::size_t total = sizeof(Quicklist);
  for (const QuicklistNode* n = head_; n != nullptr; n = n->next) total += sizeof(QuicklistNode) + n->bytes();
  return total;
}

MICROREDIS_INLINE bool Quicklist::check() const {
  std::size_t elements = 0;
  std::size_t nodes = 0;
  const QuicklistNode* prev = nullptr;
  for (const QuicklistNode* n = head_; n != nullptr; prev = n, n = n->next) {
    if (n->prev != prev || n->count == 0 || (n->plain && n->count != 1)) return false;
    if (Listpack::length(n->lp) != n->count) return false;
    std::size_t walked = 0;
    for (const std::uint8_t* p = Listpack::last(n->lp); p != nullptr; p = Listpack::prev(n->lp, p)) ++walked;
    if (walked != n->count) return false;
    elements += n->count;
    ++nodes;
  }
  return prev == tail_ && elements == count_ && nodes == nodes_ && (head_ == nullptr) == (count_ == 0);
}

// --- lists in a keyspace -----------------------------------------------------------------------

MICROREDIS_INLINE Entry* list_create(Db& db, std::string_view key) {
  Quicklist* ql = Quicklist::create(db.mem());
  if (ql == nullptr) return nullptr;
  Entry::Layout layout;
  layout.type = ValueType::list;
  layout.encoding = Encoding::quicklist;
  layout.pointer = ql;
  return db.put(key, layout, -1);  // owns the list from now on, even on failure
}

}  // namespace microredis
