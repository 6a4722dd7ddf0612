#include "microredis/store/zset.hpp"

#include "microredis/util/float_text.hpp"

#include <cmath>
#include <cstdlib>

namespace microredis {
namespace zset_detail {

// The text of a listpack element against a member, in member order.
inline int compare_element(const Element& e, std::string_view s) {
  ElementText buf;
  return zset_compare_members(e.text(buf), s);
}

// Redis's zslParseRange for one end: strtod over the text (which ends at its first NUL byte, as an
// sds does for strtod), all of it consumed, not NaN. Overflow is not an error there ("1e999" is inf).
inline bool parse_score_item(std::string_view s, double& out, bool& exclusive) {
  exclusive = false;
  if (!s.empty() && s[0] == '(') {
    exclusive = true;
    s.remove_prefix(1);
  }
  const std::size_t nul = s.find('\0');
  if (nul != std::string_view::npos) s = s.substr(0, nul);
  char buf[4096];
  if (s.size() >= sizeof buf) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  bool range_error = false;  // not an error here
  const double v = read_double(buf, &end, range_error);
  if (*end != '\0' || std::isnan(v)) return false;
  out = v;
  return true;
}

// Redis's zslParseLexRangeItem.
inline bool parse_lex_item(std::string_view s, LexBound& out) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
      if (s.size() != 1) return false;
      out = LexBound{LexBound::Kind::max, true, {}};
      return true;
    case '-':
      if (s.size() != 1) return false;
      out = LexBound{LexBound::Kind::min, true, {}};
      return true;
    case '(':
      out = LexBound{LexBound::Kind::value, true, s.substr(1)};
      return true;
    case '[':
      out = LexBound{LexBound::Kind::value, false, s.substr(1)};
      return true;
    default:
      return false;
  }
}

// Redis's sdscmplex between two bounds ("-" and "+" are shared objects there: equal to themselves).
inline int compare_bounds(const LexBound& a, const LexBound& b) {
  using K = LexBound::Kind;
  if (a.kind != K::value && a.kind == b.kind) return 0;
  if (a.kind == K::min || b.kind == K::max) return -1;
  if (a.kind == K::max || b.kind == K::min) return 1;
  return zset_compare_members(a.text, b.text);
}

// --- listpack helpers: elements come in member, score pairs; p points at a member.

inline double lp_score_after(const std::uint8_t* lp, const std::uint8_t* member) {
  return ZsetScoreCodec::decode(Listpack::get(Listpack::next(lp, member)));
}

inline const std::uint8_t* lp_next_pair(const std::uint8_t* lp, const std::uint8_t* member) {
  return Listpack::next(lp, Listpack::next(lp, member));
}

inline const std::uint8_t* lp_last_pair(const std::uint8_t* lp) {
  const std::uint8_t* s = Listpack::last(lp);
  return s != nullptr ? Listpack::prev(lp, s) : nullptr;
}

// Byte offset where (score, member) goes: before the first pair that sorts after it, or the end.
// The pair at `skip` (the member's current place, when moving it) is ignored.
inline std::size_t lp_insert_offset(const std::uint8_t* lp, double score, std::string_view member,
                                    const std::uint8_t* skip) {
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr;) {
    const std::uint8_t* s = Listpack::next(lp, p);
    if (p != skip) {
      const double cur = ZsetScoreCodec::decode(Listpack::get(s));
      if (cur > score || (cur == score && compare_element(Listpack::get(p), member) > 0)) {
        return Listpack::offset(lp, p);
      }
    }
    p = Listpack::next(lp, s);
  }
  return Listpack::bytes(lp);
}

// Redis's zzlIsInRange / zzlIsInLexRange: whether any member can be in range (checks the ends only).
inline bool lp_is_in_range(const std::uint8_t* lp, const ScoreRange& range) {
  if (range.empty()) return false;
  const std::uint8_t* last = Listpack::last(lp);
  if (last == nullptr || !range.gte_min(ZsetScoreCodec::decode(Listpack::get(last)))) return false;
  const std::uint8_t* first = Listpack::first(lp);
  return range.lte_max(lp_score_after(lp, first));
}

inline bool lp_is_in_lex_range(const std::uint8_t* lp, const LexRange& range) {
  if (range.empty()) return false;
  const std::uint8_t* last = lp_last_pair(lp);
  if (last == nullptr || !range.gte_min(Listpack::get(last))) return false;
  return range.lte_max(Listpack::get(Listpack::first(lp)));
}

}  // namespace zset_detail

// ---------------------------------------------------------------------------------------------
// Ranges

MICROREDIS_INLINE bool ScoreRange::parse(std::string_view min, std::string_view max, ScoreRange& out) {
  return zset_detail::parse_score_item(min, out.min, out.minex) && zset_detail::parse_score_item(max, out.max, out.maxex);
}

MICROREDIS_INLINE bool LexRange::parse(std::string_view min, std::string_view max, LexRange& out) {
  return zset_detail::parse_lex_item(min, out.min) && zset_detail::parse_lex_item(max, out.max);
}

MICROREDIS_INLINE bool LexRange::empty() const {
  const int c = zset_detail::compare_bounds(min, max);
  return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

// ---------------------------------------------------------------------------------------------
// Nodes and the tree

MICROREDIS_INLINE ZsetNode* ZsetNode::create(Memory& mem, double score, std::string_view member) {
  auto* p = static_cast<std::uint8_t*>(mem.allocate(8 + TableString::alloc_size(member.size()), 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, &score, 8);
  TableString::write(p + 8, member);
  return reinterpret_cast<ZsetNode*>(p);
}

namespace zset_detail {
// Requests every line of a block's slots at once: the search below reads about five of them in a
// dependent chain, and insert moves the tail of a leaf's. The walks that go down a path the sorted
// set has not just walked use it (insert, rank, update_score); erase follows the path that
// update_score (or the caller's own lookup) has just brought into the cache.
inline void prefetch_slots(const ZsetTree::Slot* a, int n) {
  const auto* p = reinterpret_cast<const char*>(a);
  const auto* end = reinterpret_cast<const char*>(a + n);
  for (; p < end; p += 64) MICROREDIS_PREFETCH(p);
}

// The first of a[0..n) whose score is not below `score`. Without branches: a probe's outcome is a
// coin toss, and a mispredicted branch per probe cost more than the search's loads once the
// scores sit in the block (perf had most of child_for's samples on its two branches).
inline int first_score_not_below(const ZsetTree::Slot* a, int n, double score) {
  if (n <= 0) return 0;
  const ZsetTree::Slot* base = a;
  while (n > 1) {
    const int half = n / 2;
    base = base[half].score < score ? base + half : base;
    n -= half;
  }
  return static_cast<int>(base - a) + (base->score < score ? 1 : 0);
}

// Within a[lo..n), starting at the first slot whose score is not below `score`: the first slot
// after the key (strict) or not before it (!strict). Members are read only for the slots that tie
// on the score, by a binary search over that run.
inline int position_in_ties(const ZsetTree::Slot* a, int lo, int n, double score, std::string_view member,
                            bool strict) {
  int hi = lo;
  while (hi < n && a[hi].score == score) ++hi;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    const int c = zset_compare_members(member, a[mid].node->member());
    if (strict ? c >= 0 : c > 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}
}  // namespace zset_detail

MICROREDIS_INLINE int ZsetTree::child_for(const Inner* in, double score, std::string_view member) {
  const int n = in->h.count;
  const int lo = 1 + zset_detail::first_score_not_below(in->mins + 1, n - 1, score);
  return zset_detail::position_in_ties(in->mins, lo, n, score, member, true) - 1;
}

MICROREDIS_INLINE int ZsetTree::leaf_position(const Leaf* lf, double score, std::string_view member) {
  const int n = lf->h.count;
  const int lo = zset_detail::first_score_not_below(lf->items, n, score);
  return zset_detail::position_in_ties(lf->items, lo, n, score, member, false);
}

MICROREDIS_INLINE int ZsetTree::leaf_index_of(const Leaf* lf, double score, const ZsetNode* node) {
  const int n = lf->h.count;
  int i = zset_detail::first_score_not_below(lf->items, n, score);
  while (i < n && lf->items[i].node != node && lf->items[i].score == score) ++i;
  return i;
}

MICROREDIS_INLINE ZsetTree::Leaf* ZsetTree::new_leaf(Memory& mem) {
  auto* l = static_cast<Leaf*>(mem.allocate(sizeof(Leaf), alignof(Leaf)));
  if (l == nullptr) return nullptr;
  l->h.count = 0;
  l->h.leaf = 1;
  l->prev = nullptr;
  l->next = nullptr;
  ++leaves_;
  return l;
}

MICROREDIS_INLINE ZsetTree::Inner* ZsetTree::new_inner(Memory& mem) {
  auto* in = static_cast<Inner*>(mem.allocate(sizeof(Inner), alignof(Inner)));
  if (in == nullptr) return nullptr;
  in->h.count = 0;
  in->h.leaf = 0;
  ++inners_;
  return in;
}

MICROREDIS_INLINE void ZsetTree::free_leaf(Memory& mem, Leaf* l) {
  mem.deallocate(l, sizeof(Leaf), alignof(Leaf));
  --leaves_;
}

MICROREDIS_INLINE void ZsetTree::free_inner(Memory& mem, Inner* in) {
  mem.deallocate(in, sizeof(Inner), alignof(Inner));
  --inners_;
}

MICROREDIS_INLINE void ZsetTree::free_subtree(Memory& mem, Header* h) {
  if (h->leaf) return free_leaf(mem, as_leaf(h));
  Inner* in = as_inner(h);
  for (int i = 0; i < in->h.count; ++i) free_subtree(mem, in->children[i]);
  free_inner(mem, in);
}

MICROREDIS_INLINE void ZsetTree::clear(Memory& mem) {
  if (root_ != nullptr) free_subtree(mem, root_);
  root_ = nullptr;
  size_ = 0;
}

MICROREDIS_INLINE bool ZsetTree::insert(Memory& mem, ZsetNode* x) {
  const double score = x->score();
  const std::string_view member = x->member();
  if (root_ == nullptr) {
    Leaf* l = new_leaf(mem);
    if (l == nullptr) return false;
    l->items[0] = Slot{score, x};
    l->h.count = 1;
    root_ = &l->h;
    size_ = 1;
    return true;
  }
  // The path down, and whether each inner node on it is the leftmost / rightmost of its level
  // (where a split keeps its old node full: ascending or descending inserts pack the tree).
  Inner* path[kMaxDepth];
  int slot[kMaxDepth];
  bool leftmost[kMaxDepth];
  bool rightmost[kMaxDepth];
  int depth = 0;
  bool lm = true;
  bool rm = true;
  Header* h = root_;
  while (!h->leaf) {
    Inner* in = as_inner(h);
    zset_detail::prefetch_slots(in->mins, in->h.count);
    const int i = child_for(in, score, member);
    path[depth] = in;
    slot[depth] = i;
    leftmost[depth] = lm;
    rightmost[depth] = rm;
    lm = lm && i == 0;
    rm = rm && i == in->h.count - 1;
    ++depth;
    h = in->children[i];
  }
  Leaf* lf = as_leaf(h);
  zset_detail::prefetch_slots(lf->items, lf->h.count);
  const int pos = leaf_position(lf, score, member);

  // Every block a split cascade needs, allocated before anything moves.
  Leaf* spare_leaf = nullptr;
  Inner* spare_inner[kMaxDepth + 1];
  int inner_needed = 0;
  if (lf->h.count == kLeafCap) {
    spare_leaf = new_leaf(mem);
    if (spare_leaf == nullptr) return false;
    int level = depth - 1;
    while (level >= 0 && path[level]->h.count == kInnerCap) {
      ++inner_needed;
      --level;
    }
    if (level < 0) ++inner_needed;  // the root splits: a new root above it
    for (int k = 0; k < inner_needed; ++k) {
      spare_inner[k] = new_inner(mem);
      if (spare_inner[k] == nullptr) {
        for (int j = 0; j < k; ++j) free_inner(mem, spare_inner[j]);
        free_leaf(mem, spare_leaf);
        return false;
      }
    }
  }

  // The leaf.
  Header* carry = nullptr;  // a new right sibling for the parent to adopt
  std::size_t left_size = 0;
  std::size_t right_size = 0;
  const int n = lf->h.count;
  if (n < kLeafCap) {
    std::memmove(&lf->items[pos + 1], &lf->items[pos], static_cast<std::size_t>(n - pos) * sizeof(Slot));
    lf->items[pos] = Slot{score, x};
    ++lf->h.count;
  } else {
    Slot all[kLeafCap + 1];
    std::memcpy(all, lf->items, static_cast<std::size_t>(pos) * sizeof(Slot));
    all[pos] = Slot{score, x};
    std::memcpy(all + pos + 1, lf->items + pos, static_cast<std::size_t>(n - pos) * sizeof(Slot));
    int keep = (kLeafCap + 1) / 2;
    if (pos == kLeafCap && lf->next == nullptr) keep = kLeafCap;
    if (pos == 0 && lf->prev == nullptr) keep = 1;
    Leaf* r = spare_leaf;
    std::memcpy(lf->items, all, static_cast<std::size_t>(keep) * sizeof(Slot));
    std::memcpy(r->items, all + keep, static_cast<std::size_t>(kLeafCap + 1 - keep) * sizeof(Slot));
    lf->h.count = static_cast<std::uint16_t>(keep);
    r->h.count = static_cast<std::uint16_t>(kLeafCap + 1 - keep);
    r->prev = lf;
    r->next = lf->next;
    if (lf->next != nullptr) lf->next->prev = r;
    lf->next = r;
    carry = &r->h;
    left_size = static_cast<std::size_t>(keep);
    right_size = r->h.count;
  }
  ++size_;

  // Up the path: sizes and first nodes, and the splits.
  int next_spare = 0;
  for (int level = depth - 1; level >= 0; --level) {
    Inner* in = path[level];
    const int i = slot[level];
    if (carry == nullptr) {
      ++in->sizes[i];
      in->mins[i] = min_of(in->children[i]);
      continue;
    }
    in->sizes[i] = static_cast<std::uint32_t>(left_size);
    in->mins[i] = min_of(in->children[i]);
    const int c = in->h.count;
    if (c < kInnerCap) {
      const auto tail = static_cast<std::size_t>(c - i - 1);
      std::memmove(&in->sizes[i + 2], &in->sizes[i + 1], tail * sizeof(std::uint32_t));
      std::memmove(&in->children[i + 2], &in->children[i + 1], tail * sizeof(Header*));
      std::memmove(&in->mins[i + 2], &in->mins[i + 1], tail * sizeof(Slot));
      in->sizes[i + 1] = static_cast<std::uint32_t>(right_size);
      in->children[i + 1] = carry;
      in->mins[i + 1] = min_of(carry);
      ++in->h.count;
      carry = nullptr;
      continue;
    }
    std::uint32_t sizes[kInnerCap + 1];
    Header* children[kInnerCap + 1];
    Slot mins[kInnerCap + 1];
    for (int j = 0, k = 0; j <= kInnerCap; ++j) {
      if (j == i + 1) {
        sizes[j] = static_cast<std::uint32_t>(right_size);
        children[j] = carry;
        mins[j] = min_of(carry);
      } else {
        sizes[j] = in->sizes[k];
        children[j] = in->children[k];
        mins[j] = in->mins[k];
        ++k;
      }
    }
    // Both halves keep at least two children (an inner node never has fewer at rest).
    int keep = (kInnerCap + 1) / 2;
    if (i + 1 == kInnerCap && rightmost[level]) keep = kInnerCap - 1;
    if (i == 0 && leftmost[level]) keep = 2;
    Inner* r = spare_inner[next_spare++];
    const int rcount = kInnerCap + 1 - keep;
    std::memcpy(in->sizes, sizes, static_cast<std::size_t>(keep) * sizeof(std::uint32_t));
    std::memcpy(in->children, children, static_cast<std::size_t>(keep) * sizeof(Header*));
    std::memcpy(in->mins, mins, static_cast<std::size_t>(keep) * sizeof(Slot));
    std::memcpy(r->sizes, sizes + keep, static_cast<std::size_t>(rcount) * sizeof(std::uint32_t));
    std::memcpy(r->children, children + keep, static_cast<std::size_t>(rcount) * sizeof(Header*));
    std::memcpy(r->mins, mins + keep, static_cast<std::size_t>(rcount) * sizeof(Slot));
    in->h.count = static_cast<std::uint16_t>(keep);
    r->h.count = static_cast<std::uint16_t>(rcount);
    left_size = 0;
    right_size = 0;
    for (int j = 0; j < keep; ++j) left_size += sizes[j];
    for (int j = keep; j <= kInnerCap; ++j) right_size += sizes[j];
    carry = &r->h;
  }
  if (carry != nullptr) {
    Inner* root = spare_inner[next_spare++];
    root->h.count = 2;
    root->sizes[0] = static_cast<std::uint32_t>(left_size);
    root->sizes[1] = static_cast<std::uint32_t>(right_size);
    root->children[0] = root_;
    root->children[1] = carry;
    root->mins[0] = min_of(root_);
    root->mins[1] = min_of(carry);
    root_ = &root->h;
  }
  return true;
}

MICROREDIS_INLINE void ZsetTree::remove_child(Inner* in, int r) {
  const auto tail = static_cast<std::size_t>(in->h.count - r - 1);
  std::memmove(&in->sizes[r], &in->sizes[r + 1], tail * sizeof(std::uint32_t));
  std::memmove(&in->children[r], &in->children[r + 1], tail * sizeof(Header*));
  std::memmove(&in->mins[r], &in->mins[r + 1], tail * sizeof(Slot));
  --in->h.count;
}

// Child i of parent has too few entries: it merges with a neighbour when both fit in one node,
// else the two share their entries evenly. parent has at least two children.
MICROREDIS_INLINE void ZsetTree::rebalance(Memory& mem, Inner* parent, int i) {
  const int l = i > 0 ? i - 1 : i;
  const int r = l + 1;
  Header* lh = parent->children[l];
  Header* rh = parent->children[r];
  if (lh->leaf) {
    Leaf* a = as_leaf(lh);
    Leaf* b = as_leaf(rh);
    const int total = a->h.count + b->h.count;
    if (total <= kLeafCap) {
      std::memcpy(a->items + a->h.count, b->items, static_cast<std::size_t>(b->h.count) * sizeof(Slot));
      a->h.count = static_cast<std::uint16_t>(total);
      a->next = b->next;
      if (b->next != nullptr) b->next->prev = a;
      free_leaf(mem, b);
      parent->sizes[l] += parent->sizes[r];
      remove_child(parent, r);
    } else {
      const int want = total / 2;
      if (a->h.count < want) {
        const int move = want - a->h.count;
        std::memcpy(a->items + a->h.count, b->items, static_cast<std::size_t>(move) * sizeof(Slot));
        std::memmove(b->items, b->items + move, static_cast<std::size_t>(b->h.count - move) * sizeof(Slot));
        a->h.count = static_cast<std::uint16_t>(a->h.count + move);
        b->h.count = static_cast<std::uint16_t>(b->h.count - move);
      } else {
        const int move = a->h.count - want;
        std::memmove(b->items + move, b->items, static_cast<std::size_t>(b->h.count) * sizeof(Slot));
        std::memcpy(b->items, a->items + want, static_cast<std::size_t>(move) * sizeof(Slot));
        a->h.count = static_cast<std::uint16_t>(want);
        b->h.count = static_cast<std::uint16_t>(b->h.count + move);
      }
      parent->sizes[l] = a->h.count;
      parent->sizes[r] = b->h.count;
      parent->mins[r] = b->items[0];
    }
    parent->mins[l] = a->items[0];
    return;
  }
  Inner* a = as_inner(lh);
  Inner* b = as_inner(rh);
  const int total = a->h.count + b->h.count;
  if (total <= kInnerCap) {
    const auto n = static_cast<std::size_t>(b->h.count);
    std::memcpy(a->sizes + a->h.count, b->sizes, n * sizeof(std::uint32_t));
    std::memcpy(a->children + a->h.count, b->children, n * sizeof(Header*));
    std::memcpy(a->mins + a->h.count, b->mins, n * sizeof(Slot));
    a->h.count = static_cast<std::uint16_t>(total);
    free_inner(mem, b);
    parent->sizes[l] += parent->sizes[r];
    remove_child(parent, r);
  } else {
    const int want = total / 2;
    std::uint32_t moved = 0;
    if (a->h.count < want) {
      const int move = want - a->h.count;
      const auto m = static_cast<std::size_t>(move);
      const auto rest = static_cast<std::size_t>(b->h.count - move);
      for (int j = 0; j < move; ++j) moved += b->sizes[j];
      std::memcpy(a->sizes + a->h.count, b->sizes, m * sizeof(std::uint32_t));
      std::memcpy(a->children + a->h.count, b->children, m * sizeof(Header*));
      std::memcpy(a->mins + a->h.count, b->mins, m * sizeof(Slot));
      std::memmove(b->sizes, b->sizes + move, rest * sizeof(std::uint32_t));
      std::memmove(b->children, b->children + move, rest * sizeof(Header*));
      std::memmove(b->mins, b->mins + move, rest * sizeof(Slot));
      a->h.count = static_cast<std::uint16_t>(a->h.count + move);
      b->h.count = static_cast<std::uint16_t>(b->h.count - move);
      parent->sizes[l] += moved;
      parent->sizes[r] -= moved;
    } else {
      const int move = a->h.count - want;
      const auto m = static_cast<std::size_t>(move);
      const auto n = static_cast<std::size_t>(b->h.count);
      for (int j = want; j < a->h.count; ++j) moved += a->sizes[j];
      std::memmove(b->sizes + move, b->sizes, n * sizeof(std::uint32_t));
      std::memmove(b->children + move, b->children, n * sizeof(Header*));
      std::memmove(b->mins + move, b->mins, n * sizeof(Slot));
      std::memcpy(b->sizes, a->sizes + want, m * sizeof(std::uint32_t));
      std::memcpy(b->children, a->children + want, m * sizeof(Header*));
      std::memcpy(b->mins, a->mins + want, m * sizeof(Slot));
      a->h.count = static_cast<std::uint16_t>(want);
      b->h.count = static_cast<std::uint16_t>(b->h.count + move);
      parent->sizes[l] -= moved;
      parent->sizes[r] += moved;
    }
    parent->mins[r] = b->mins[0];
  }
  parent->mins[l] = a->mins[0];
}

MICROREDIS_INLINE ZsetNode* ZsetTree::erase_from(Memory& mem, Header* h, double score, std::string_view member,
                                                  const ZsetNode* known) {
  if (h->leaf) {
    Leaf* lf = as_leaf(h);
    const int pos = known != nullptr ? leaf_index_of(lf, score, known) : leaf_position(lf, score, member);
    if (pos >= lf->h.count || (known != nullptr ? lf->items[pos].node != known
                                                : compare(lf->items[pos], score, member) != 0)) {
      return nullptr;
    }
    ZsetNode* x = lf->items[pos].node;
    std::memmove(&lf->items[pos], &lf->items[pos + 1],
                 static_cast<std::size_t>(lf->h.count - pos - 1) * sizeof(Slot));
    --lf->h.count;
    return x;
  }
  Inner* in = as_inner(h);
  const int i = child_for(in, score, member);
  Header* child = in->children[i];
  ZsetNode* x = erase_from(mem, child, score, member, known);
  if (x == nullptr) return nullptr;
  --in->sizes[i];
  if (child->count > 0) in->mins[i] = min_of(child);
  if (child->count < (child->leaf ? kLeafMin : kInnerMin)) rebalance(mem, in, i);
  return x;
}

MICROREDIS_INLINE ZsetNode* ZsetTree::erase(Memory& mem, double score, std::string_view member) {
  return erase_node(mem, score, member, nullptr);
}

MICROREDIS_INLINE ZsetNode* ZsetTree::erase_node(Memory& mem, double score, std::string_view member,
                                                 const ZsetNode* known) {
  if (root_ == nullptr) return nullptr;
  ZsetNode* x = erase_from(mem, root_, score, member, known);
  if (x == nullptr) return nullptr;
  --size_;
  while (!root_->leaf && root_->count == 1) {
    Inner* old = as_inner(root_);
    root_ = old->children[0];
    free_inner(mem, old);
  }
  if (root_->leaf && root_->count == 0) {
    free_leaf(mem, as_leaf(root_));
    root_ = nullptr;
  }
  return x;
}

MICROREDIS_INLINE std::size_t ZsetTree::rank_of(double score, std::string_view member) const {
  std::size_t rank = 0;
  const Header* h = root_;
  while (!h->leaf) {
    const Inner* in = as_inner(h);
    zset_detail::prefetch_slots(in->mins, in->h.count);
    const int i = child_for(in, score, member);
    for (int j = 0; j < i; ++j) rank += in->sizes[j];
    h = in->children[i];
  }
  zset_detail::prefetch_slots(as_leaf(h)->items, h->count);
  return rank + static_cast<std::size_t>(leaf_position(as_leaf(h), score, member));
}

MICROREDIS_INLINE bool ZsetTree::update_score(ZsetNode* node, double to) {
  const double score = node->score();
  const std::string_view member = node->member();
  // The inner slots that hold this node: those on the path whose child starts with it.
  Slot* copies[kMaxDepth];
  int ncopies = 0;
  Header* h = root_;
  while (!h->leaf) {
    Inner* in = as_inner(h);
    zset_detail::prefetch_slots(in->mins, in->h.count);
    const int i = child_for(in, score, member);
    if (in->mins[i].node == node) copies[ncopies++] = &in->mins[i];
    h = in->children[i];
  }
  Leaf* lf = as_leaf(h);
  zset_detail::prefetch_slots(lf->items, lf->h.count);
  const int pos = leaf_index_of(lf, score, node);
  if (pos >= lf->h.count || lf->items[pos].node != node) return false;  // not in the tree
  // Still after the previous node and before the next one?
  const Slot* before = nullptr;
  if (pos > 0) {
    before = &lf->items[pos - 1];
  } else if (lf->prev != nullptr) {
    before = &lf->prev->items[lf->prev->h.count - 1];
  }
  const Slot* after = nullptr;
  if (pos + 1 < lf->h.count) {
    after = &lf->items[pos + 1];
  } else if (lf->next != nullptr) {
    after = &lf->next->items[0];
  }
  if (before != nullptr && compare(*before, to, member) <= 0) return false;
  if (after != nullptr && compare(*after, to, member) >= 0) return false;
  node->set_score(to);
  lf->items[pos].score = to;
  for (int k = 0; k < ncopies; ++k) copies[k]->score = to;
  return true;
}

MICROREDIS_INLINE ZsetTree::Cursor ZsetTree::at(std::size_t rank) const {
  const Header* h = root_;
  if (h == nullptr) return {};
  while (!h->leaf) {
    const Inner* in = as_inner(h);
    int i = 0;
    while (i < in->h.count - 1 && rank >= in->sizes[i]) rank -= in->sizes[i++];
    h = in->children[i];
  }
  const Leaf* lf = as_leaf(h);
  if (rank >= lf->h.count) return {};
  return Cursor{lf, static_cast<unsigned>(rank)};
}

MICROREDIS_INLINE ZsetTree::Cursor ZsetTree::first() const {
  const Header* h = root_;
  if (h == nullptr) return {};
  while (!h->leaf) h = as_inner(h)->children[0];
  return Cursor{as_leaf(h), 0};
}

MICROREDIS_INLINE ZsetTree::Cursor ZsetTree::last() const {
  const Header* h = root_;
  if (h == nullptr) return {};
  while (!h->leaf) h = as_inner(h)->children[h->count - 1];
  return Cursor{as_leaf(h), h->count - 1u};
}

MICROREDIS_INLINE bool ZsetTree::verify_subtree(const Header* h, std::size_t& size, const ZsetNode*& prev,
                                                const Leaf*& prev_leaf) const {
  if (h->leaf) {
    const Leaf* lf = as_leaf(h);
    if (lf->h.count < 1 || lf->h.count > kLeafCap) return false;
    if (lf->prev != prev_leaf) return false;
    if (prev_leaf != nullptr && prev_leaf->next != lf) return false;
    for (int i = 0; i < lf->h.count; ++i) {
      const ZsetNode* x = lf->items[i].node;
      if (lf->items[i].score != x->score()) return false;
      if (prev != nullptr && prev->compare_key(x->score(), x->member()) <= 0) return false;
      prev = x;
    }
    prev_leaf = lf;
    size = lf->h.count;
    return true;
  }
  const Inner* in = as_inner(h);
  if (in->h.count < 2 || in->h.count > kInnerCap) return false;
  size = 0;
  for (int i = 0; i < in->h.count; ++i) {
    std::size_t child_size = 0;
    const Slot first = min_of(in->children[i]);
    if (in->mins[i].node != first.node || in->mins[i].score != first.score) return false;
    if (!verify_subtree(in->children[i], child_size, prev, prev_leaf)) return false;
    if (child_size != in->sizes[i]) return false;
    size += child_size;
  }
  return true;
}

MICROREDIS_INLINE bool ZsetTree::verify() const {
  if (root_ == nullptr) return size_ == 0;
  std::size_t size = 0;
  const ZsetNode* prev = nullptr;
  const Leaf* prev_leaf = nullptr;
  if (!verify_subtree(root_, size, prev, prev_leaf)) return false;
  return size == size_ && prev_leaf != nullptr && prev_leaf->next == nullptr;
}

// ---------------------------------------------------------------------------------------------
// ZsetObject

MICROREDIS_INLINE bool ZsetObject::create_listpack(Memory& mem, ZsetObject& out) {
  std::uint8_t* lp = Listpack::create(mem);
  if (lp == nullptr) return false;
  out = ZsetObject(Encoding::listpack, lp);
  return true;
}

MICROREDIS_INLINE bool ZsetObject::create_big(Memory& mem, std::uint64_t seed, ZsetObject& out) {
  auto* big = mem.create<ZsetBig>(mem, seed);
  if (big == nullptr) return false;
  out = ZsetObject(Encoding::skiplist, big);
  return true;
}

MICROREDIS_INLINE void ZsetObject::destroy(Memory& mem) {
  if (ptr_ == nullptr) return;
  if (is_listpack()) {
    Listpack::destroy(mem, listpack());
  } else {
    ZsetBig* b = big();
    b->tree.clear(mem);
    b->dict.clear([&mem](void* e) { ZsetNode::destroy(mem, static_cast<ZsetNode*>(e)); });
    mem.destroy(b);
  }
  ptr_ = nullptr;
}

MICROREDIS_INLINE bool ZsetObject::clone(Memory& mem, ZsetObject& out) const {
  if (is_listpack()) {
    std::uint8_t* copy = Listpack::clone(mem, listpack());
    if (copy == nullptr) return false;
    out = ZsetObject(Encoding::listpack, copy);
    return true;
  }
  // A seed derived from the source's own: deterministic, and no collisions in common.
  ZsetObject copy;
  if (!create_big(mem, big()->dict.hash("copy"), copy)) return false;
  ZsetBig* dst = copy.big();
  dst->dict.reserve(length());
  for (ZsetTree::Cursor c = big()->tree.first(); c.valid(); c.next()) {
    const ZsetNode* src = c.node();
    ZsetNode* n = ZsetNode::create(mem, src->score(), src->member());
    if (n == nullptr || !dst->tree.insert(mem, n)) {
      if (n != nullptr) ZsetNode::destroy(mem, n);
      copy.destroy(mem);
      return false;
    }
    if (!dst->dict.insert(n, dst->dict.hash(n->member()))) {
      (void)dst->tree.erase(mem, n->score(), n->member());
      ZsetNode::destroy(mem, n);
      copy.destroy(mem);
      return false;
    }
  }
  out = copy;
  return true;
}

MICROREDIS_INLINE std::size_t ZsetObject::length() const {
  return is_listpack() ? Listpack::length(listpack()) / 2 : big()->tree.size();
}

MICROREDIS_INLINE bool ZsetObject::score(std::string_view member, double& out) const {
  if (is_listpack()) {
    const std::uint8_t* lp = listpack();
    const std::uint8_t* p = Listpack::find(lp, Listpack::first(lp), member, 1);
    if (p == nullptr) return false;
    out = zset_detail::lp_score_after(lp, p);
    return true;
  }
  auto* n = static_cast<const ZsetNode*>(big()->dict.find(member));
  if (n == nullptr) return false;
  out = n->score();
  return true;
}

MICROREDIS_INLINE std::int64_t ZsetObject::rank(std::string_view member, bool reverse) const {
  const auto len = static_cast<std::int64_t>(length());
  std::int64_t r = -1;
  if (is_listpack()) {
    const std::uint8_t* lp = listpack();
    std::int64_t i = 0;
    for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = zset_detail::lp_next_pair(lp, p), ++i) {
      if (Listpack::get(p).equals(member)) {
        r = i;
        break;
      }
    }
  } else {
    auto* n = static_cast<const ZsetNode*>(big()->dict.find(member));
    if (n != nullptr) r = static_cast<std::int64_t>(big()->tree.rank_of(n->score(), member));
  }
  if (r < 0) return -1;
  return reverse ? len - 1 - r : r;
}

MICROREDIS_INLINE ZaddResult ZsetObject::add(Memory& mem, const ZsetLimits& limits, double score,
                                             std::string_view member, unsigned flags, unsigned& out,
                                             double& newscore) {
  const bool incr = (flags & kZaddIncr) != 0;
  const bool nx = (flags & kZaddNx) != 0;
  const bool xx = (flags & kZaddXx) != 0;
  const bool gt = (flags & kZaddGt) != 0;
  const bool lt = (flags & kZaddLt) != 0;
  out = 0;
  newscore = score;
  if (std::isnan(score)) return ZaddResult::nan;

  if (is_listpack()) {
    std::uint8_t* lp = listpack();
    const std::uint8_t* p = Listpack::find(lp, Listpack::first(lp), member, 1);
    if (p != nullptr) {
      if (nx) {
        out |= kZaddOutNop;
        return ZaddResult::ok;
      }
      const double cur = zset_detail::lp_score_after(lp, p);
      if (incr) {
        score += cur;
        if (std::isnan(score)) return ZaddResult::nan;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) {
        out |= kZaddOutNop;
        return ZaddResult::ok;
      }
      newscore = score;
      if (score != cur) {
        // The pair moves to its new place in one rewrite of the block (or just gets its new score
        // when it stays where it is).
        const std::size_t from = Listpack::offset(lp, p);
        const std::uint8_t* s = Listpack::next(lp, p);
        const std::size_t after = Listpack::offset(lp, s) + Listpack::element_size(s);
        const std::size_t to = zset_detail::lp_insert_offset(lp, score, member, p);
        char buf[8];
        const Element pair[2] = {Listpack::get(p), ZsetScoreCodec::encode(score, buf)};
        std::uint8_t* result = nullptr;
        if (to == from || to == after) {
          result = Listpack::replace(mem, lp, Listpack::offset(lp, s), pair[1]);
        } else if (to < from) {
          const Listpack::Edit edits[2] = {{to, 0, pair, 2}, {from, 2, nullptr, 0}};
          result = Listpack::rewrite(mem, lp, edits, 2);
        } else {
          const Listpack::Edit edits[2] = {{from, 2, nullptr, 0}, {to, 0, pair, 2}};
          result = Listpack::rewrite(mem, lp, edits, 2);
        }
        if (result == nullptr) return ZaddResult::oom;
        ptr_ = result;
        out |= kZaddOutUpdated;
      }
      return ZaddResult::ok;
    }
    if (xx) {
      out |= kZaddOutNop;
      return ZaddResult::ok;
    }
    // Redis checks the limits before inserting: a member that would pass them converts first.
    if (length() + 1 > limits.max_listpack_entries || member.size() > limits.max_listpack_value ||
        !Listpack::safe_to_add(lp, member.size())) {
      return ZaddResult::needs_big;
    }
    char buf[8];
    const Element pair[2] = {Element::of(member), ZsetScoreCodec::encode(score, buf)};
    std::uint8_t* result =
        Listpack::insert(mem, lp, zset_detail::lp_insert_offset(lp, score, member, nullptr), pair, 2);
    if (result == nullptr) return ZaddResult::oom;
    ptr_ = result;
    out |= kZaddOutAdded;
    return ZaddResult::ok;
  }

  ZsetBig* b = big();
  const std::uint64_t h = b->dict.hash(member);
  void** slot = b->dict.find_slot(member, h);
  if (slot != nullptr) {
    if (nx) {
      out |= kZaddOutNop;
      return ZaddResult::ok;
    }
    auto* node = static_cast<ZsetNode*>(*slot);
    const double cur = node->score();
    if (incr) {
      score += cur;
      if (std::isnan(score)) return ZaddResult::nan;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) {
      out |= kZaddOutNop;
      return ZaddResult::ok;
    }
    newscore = score;
    if (score == cur) return ZaddResult::ok;
    // Still between its neighbours: the score changes in place, in the node and in the tree.
    if (b->tree.update_score(node, score)) {
      out |= kZaddOutUpdated;
      return ZaddResult::ok;
    }
    // Otherwise a fresh node goes in first, so that running out of memory changes nothing.
    ZsetNode* fresh = ZsetNode::create(mem, score, node->member());
    if (fresh == nullptr) return ZaddResult::oom;
    if (!b->tree.insert(mem, fresh)) {
      ZsetNode::destroy(mem, fresh);
      return ZaddResult::oom;
    }
    b->tree.erase(mem, node);
    *slot = fresh;
    ZsetNode::destroy(mem, node);
    out |= kZaddOutUpdated;
    return ZaddResult::ok;
  }
  if (xx) {
    out |= kZaddOutNop;
    return ZaddResult::ok;
  }
  ZsetNode* node = ZsetNode::create(mem, score, member);
  if (node == nullptr) return ZaddResult::oom;
  if (!b->tree.insert(mem, node)) {
    ZsetNode::destroy(mem, node);
    return ZaddResult::oom;
  }
  if (!b->dict.insert(node, h)) {
    (void)b->tree.erase(mem, score, node->member());
    ZsetNode::destroy(mem, node);
    return ZaddResult::oom;
  }
  out |= kZaddOutAdded;
  return ZaddResult::ok;
}

MICROREDIS_INLINE Status ZsetObject::remove(Memory& mem, std::string_view member, bool& removed) {
  removed = false;
  if (is_listpack()) {
    std::uint8_t* lp = listpack();
    const std::uint8_t* p = Listpack::find(lp, Listpack::first(lp), member, 1);
    if (p == nullptr) return Status::ok;
    std::uint8_t* result = Listpack::erase(mem, lp, Listpack::offset(lp, p), 2);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    removed = true;
    return Status::ok;
  }
  ZsetBig* b = big();
  auto* node = static_cast<ZsetNode*>(b->dict.remove(member));
  if (node == nullptr) return Status::ok;
  b->tree.erase(mem, node);
  ZsetNode::destroy(mem, node);
  removed = true;
  return Status::ok;
}

MICROREDIS_INLINE void ZsetObject::big_erase_ranks(Memory& mem, std::size_t start, std::size_t n) {
  ZsetBig* b = big();
  if (start == 0 && n == b->tree.size()) {
    b->tree.clear(mem);
    b->dict.clear([&mem](void* e) { ZsetNode::destroy(mem, static_cast<ZsetNode*>(e)); });
    return;
  }
  for (std::size_t k = 0; k < n; ++k) {
    ZsetNode* node = b->tree.at(start).node();
    b->tree.erase(mem, node);
    (void)b->dict.remove(node->member());
    ZsetNode::destroy(mem, node);
  }
}

MICROREDIS_INLINE Status ZsetObject::remove_rank_range(Memory& mem, std::size_t start, std::size_t end,
                                                       std::size_t& deleted) {
  deleted = 0;
  const std::size_t n = end - start + 1;
  if (is_listpack()) {
    std::uint8_t* lp = listpack();
    const std::uint8_t* p = Listpack::seek(lp, static_cast<std::int64_t>(2 * start));
    std::uint8_t* result = Listpack::erase(mem, lp, Listpack::offset(lp, p), 2 * n);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
  } else {
    big_erase_ranks(mem, start, n);
  }
  deleted = n;
  return Status::ok;
}

MICROREDIS_INLINE Status ZsetObject::remove_score_range(Memory& mem, const ScoreRange& range, std::size_t& deleted) {
  deleted = 0;
  if (is_listpack()) {
    // Redis's zzlDeleteRangeByScore: from the first member >= min, while <= max.
    std::uint8_t* lp = listpack();
    const std::uint8_t* p = Listpack::first(lp);
    while (p != nullptr && !range.gte_min(zset_detail::lp_score_after(lp, p))) p = zset_detail::lp_next_pair(lp, p);
    if (p == nullptr) return Status::ok;
    std::size_t n = 0;
    for (const std::uint8_t* q = p; q != nullptr && range.lte_max(zset_detail::lp_score_after(lp, q));
         q = zset_detail::lp_next_pair(lp, q)) {
      ++n;
    }
    if (n == 0) return Status::ok;
    std::uint8_t* result = Listpack::erase(mem, lp, Listpack::offset(lp, p), 2 * n);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    deleted = n;
    return Status::ok;
  }
  ZsetTree::Cursor c;
  const std::size_t first =
      big()->tree.lower_bound([&](double s, const ZsetNode*) { return !range.gte_min(s); }, c);
  std::size_t n = 0;
  for (; c.valid() && range.lte_max(c.node()->score()); c.next()) ++n;
  big_erase_ranks(mem, first, n);
  deleted = n;
  return Status::ok;
}

MICROREDIS_INLINE Status ZsetObject::remove_lex_range(Memory& mem, const LexRange& range, std::size_t& deleted) {
  deleted = 0;
  if (is_listpack()) {
    // Redis's zzlDeleteRangeByLex: from the first member in range, while <= max.
    std::uint8_t* lp = listpack();
    const ZsetPos first = first_in_lex(range);
    if (!first.valid()) return Status::ok;
    std::size_t n = 0;
    for (const std::uint8_t* q = first.p_; q != nullptr && range.lte_max(Listpack::get(q));
         q = zset_detail::lp_next_pair(lp, q)) {
      ++n;
    }
    std::uint8_t* result = Listpack::erase(mem, lp, Listpack::offset(lp, first.p_), 2 * n);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    deleted = n;
    return Status::ok;
  }
  ZsetTree::Cursor c;
  const std::size_t first =
      big()->tree.lower_bound([&](double, const ZsetNode* x) { return !range.gte_min(x->member()); }, c);
  std::size_t n = 0;
  for (; c.valid() && range.lte_max(c.node()->member()); c.next()) ++n;
  big_erase_ranks(mem, first, n);
  deleted = n;
  return Status::ok;
}

MICROREDIS_INLINE ZsetPos ZsetObject::at_rank(std::size_t rank) const {
  if (is_listpack()) return lp_pos(Listpack::seek(listpack(), static_cast<std::int64_t>(2 * rank)));
  return big_pos(big()->tree.at(rank));
}

MICROREDIS_INLINE ZsetPos ZsetObject::first_in_range(const ScoreRange& range) const {
  if (is_listpack()) {
    // Redis's zzlFirstInRange.
    const std::uint8_t* lp = listpack();
    if (!zset_detail::lp_is_in_range(lp, range)) return {};
    for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = zset_detail::lp_next_pair(lp, p)) {
      const double s = zset_detail::lp_score_after(lp, p);
      if (range.gte_min(s)) return range.lte_max(s) ? lp_pos(p) : ZsetPos{};
    }
    return {};
  }
  if (range.empty()) return {};
  ZsetTree::Cursor c;
  (void)big()->tree.lower_bound([&](double s, const ZsetNode*) { return !range.gte_min(s); }, c);
  if (!c.valid() || !range.lte_max(c.node()->score())) return {};
  return big_pos(c);
}

MICROREDIS_INLINE ZsetPos ZsetObject::last_in_range(const ScoreRange& range) const {
  if (is_listpack()) {
    // Redis's zzlLastInRange.
    const std::uint8_t* lp = listpack();
    if (!zset_detail::lp_is_in_range(lp, range)) return {};
    for (const std::uint8_t* p = zset_detail::lp_last_pair(lp); p != nullptr;) {
      const double s = zset_detail::lp_score_after(lp, p);
      if (range.lte_max(s)) return range.gte_min(s) ? lp_pos(p) : ZsetPos{};
      const std::uint8_t* prev_score = Listpack::prev(lp, p);
      p = prev_score != nullptr ? Listpack::prev(lp, prev_score) : nullptr;
    }
    return {};
  }
  if (range.empty()) return {};
  ZsetTree::Cursor c;
  const std::size_t after = big()->tree.lower_bound([&](double s, const ZsetNode*) { return range.lte_max(s); }, c);
  if (after == 0) return {};
  c = big()->tree.at(after - 1);
  if (!range.gte_min(c.node()->score())) return {};
  return big_pos(c);
}

MICROREDIS_INLINE ZsetPos ZsetObject::first_in_lex(const LexRange& range) const {
  if (is_listpack()) {
    // Redis's zzlFirstInLexRange.
    const std::uint8_t* lp = listpack();
    if (!zset_detail::lp_is_in_lex_range(lp, range)) return {};
    for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = zset_detail::lp_next_pair(lp, p)) {
      const Element m = Listpack::get(p);
      if (range.gte_min(m)) return range.lte_max(m) ? lp_pos(p) : ZsetPos{};
    }
    return {};
  }
  if (range.empty()) return {};
  ZsetTree::Cursor c;
  (void)big()->tree.lower_bound([&](double, const ZsetNode* x) { return !range.gte_min(x->member()); }, c);
  if (!c.valid() || !range.lte_max(c.node()->member())) return {};
  return big_pos(c);
}

MICROREDIS_INLINE ZsetPos ZsetObject::last_in_lex(const LexRange& range) const {
  if (is_listpack()) {
    // Redis's zzlLastInLexRange.
    const std::uint8_t* lp = listpack();
    if (!zset_detail::lp_is_in_lex_range(lp, range)) return {};
    for (const std::uint8_t* p = zset_detail::lp_last_pair(lp); p != nullptr;) {
      const Element m = Listpack::get(p);
      if (range.lte_max(m)) return range.gte_min(m) ? lp_pos(p) : ZsetPos{};
      const std::uint8_t* prev_score = Listpack::prev(lp, p);
      p = prev_score != nullptr ? Listpack::prev(lp, prev_score) : nullptr;
    }
    return {};
  }
  if (range.empty()) return {};
  ZsetTree::Cursor c;
  const std::size_t after = big()->tree.lower_bound([&](double, const ZsetNode* x) { return range.lte_max(x->member()); }, c);
  if (after == 0) return {};
  c = big()->tree.at(after - 1);
  if (!range.gte_min(c.node()->member())) return {};
  return big_pos(c);
}

MICROREDIS_INLINE std::size_t ZsetObject::count_in_range(const ScoreRange& range) const {
  if (is_listpack()) {
    std::size_t n = 0;
    for (ZsetPos p = first_in_range(range); p.valid() && range.lte_max(p.score()); p.next()) ++n;
    return n;
  }
  // Redis's zcount on a skiplist: from the ranks of the first and last members in range.
  if (!first_in_range(range).valid()) return 0;
  ZsetTree::Cursor c;
  const ZsetTree& t = big()->tree;
  const std::size_t first = t.lower_bound([&](double s, const ZsetNode*) { return !range.gte_min(s); }, c);
  const std::size_t after = t.lower_bound([&](double s, const ZsetNode*) { return range.lte_max(s); }, c);
  return after > first ? after - first : 0;
}

MICROREDIS_INLINE std::size_t ZsetObject::count_in_lex(const LexRange& range) const {
  if (is_listpack()) {
    std::size_t n = 0;
    for (ZsetPos p = first_in_lex(range); p.valid() && range.lte_max(p.member()); p.next()) ++n;
    return n;
  }
  if (!first_in_lex(range).valid()) return 0;
  ZsetTree::Cursor c;
  const ZsetTree& t = big()->tree;
  const std::size_t first = t.lower_bound([&](double, const ZsetNode* x) { return !range.gte_min(x->member()); }, c);
  const std::size_t after = t.lower_bound([&](double, const ZsetNode* x) { return range.lte_max(x->member()); }, c);
  return after > first ? after - first : 0;
}

MICROREDIS_INLINE bool ZsetObject::to_big(Memory& mem, std::uint64_t seed, ZsetObject& out) const {
  ZsetObject converted;
  if (!create_big(mem, seed, converted)) return false;
  ZsetBig* b = converted.big();
  b->dict.reserve(length());
  bool ok = true;
  for_each([&](const Element& member, double score) {
    if (!ok) return;
    ElementText buf;
    const std::string_view m = member.text(buf);
    ZsetNode* n = ZsetNode::create(mem, score, m);
    if (n == nullptr || !b->tree.insert(mem, n)) {
      if (n != nullptr) ZsetNode::destroy(mem, n);
      ok = false;
      return;
    }
    if (!b->dict.insert(n, b->dict.hash(n->member()))) {
      (void)b->tree.erase(mem, score, n->member());
      ZsetNode::destroy(mem, n);
      ok = false;
    }
  });
  if (!ok) {
    converted.destroy(mem);
    return false;
  }
  out = converted;
  return true;
}

MICROREDIS_INLINE bool ZsetObject::to_listpack(Memory& mem, ZsetObject& out) const {
  const std::size_t n = length();
  // The elements are views: members into the nodes, binary scores into `scores`.
  Vec<Element> elements(mem);
  Vec<double> scores(mem);
  if (!elements.reserve(2 * n) || !scores.reserve(n)) return false;
  for_each([&](const Element& member, double score) {
    (void)scores.push_back(score);
    char buf[8];
    Element s = ZsetScoreCodec::encode(score, buf);
    if (!s.is_int()) s.str = reinterpret_cast<const char*>(&scores.back());
    ElementText text;
    (void)elements.push_back(member.is_int() ? member : Element::of(member.text(text)));
    (void)elements.push_back(s);
  });
  std::uint8_t* lp = Listpack::create(mem);
  if (lp == nullptr) return false;
  std::uint8_t* filled = Listpack::insert(mem, lp, Listpack::kHeaderSize, elements.data(), elements.size());
  if (filled == nullptr) {
    Listpack::destroy(mem, lp);
    return false;
  }
  out = ZsetObject(Encoding::listpack, filled);
  return true;
}

MICROREDIS_INLINE bool ZsetObject::fits_listpack(const ZsetLimits& limits) const {
  if (is_listpack()) return true;
  if (length() > limits.max_listpack_entries) return false;
  std::size_t total = 0;
  for (ZsetTree::Cursor c = big()->tree.first(); c.valid(); c.next()) {
    const std::size_t len = c.node()->member().size();
    if (len > limits.max_listpack_value) return false;
    total += len;
  }
  return Listpack::safe_to_add(nullptr, total);
}

MICROREDIS_INLINE void ZsetObject::random_pair(Random& rng, Element& member, double& score) const {
  if (is_listpack()) {
    const std::uint8_t* lp = listpack();
    const std::uint8_t* p = Listpack::seek(lp, static_cast<std::int64_t>(2 * rng.below(length())));
    member = Listpack::get(p);
    score = zset_detail::lp_score_after(lp, p);
    return;
  }
  auto* n = static_cast<const ZsetNode*>(fair_random_entry(big()->dict, rng));
  member = Element::of_bytes(n->member());
  score = n->score();
}

MICROREDIS_INLINE std::size_t ZsetObject::memory_usage() const {
  if (is_listpack()) return Listpack::bytes(listpack());
  const ZsetBig* b = big();
  std::size_t total = sizeof(ZsetBig) + b->dict.overhead_bytes() + b->tree.bytes();
  b->dict.for_each([&](void* e) { total += static_cast<const ZsetNode*>(e)->alloc_size(); });
  return total;
}

}  // namespace microredis
