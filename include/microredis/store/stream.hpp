// The stream type's data layer (no RESP, no Context), as Redis 7.0's t_stream.c without its
// commands.
//
// Entries live in blocks: listpacks holding up to stream-node-max-entries entries (and about
// stream-node-max-bytes bytes), each keyed by the ID of the block's first entry (its "master"
// ID). The block layout is Redis's, element for element:
//
//   master entry:  count | deleted | num-fields | field_1 ... field_N | 0
//   each entry:    flags | ms-delta | seq-delta | [num-fields | field_1 ...] value_1 ... | lp-count
//
// IDs are deltas against the master ID, an entry whose field names are those of the master entry
// stores only its values (flag SAMEFIELDS), and lp-count lets an iterator walk a block backwards.
// A deleted entry stays as a tombstone (flag DELETED) until its whole block goes. Keeping the
// layout byte for byte means the blocks split where Redis's split, so that approximate trimming
// (MAXLEN ~, MINID ~, LIMIT) removes exactly what Redis removes. An entry of two small fields
// costs about 8-12 bytes (see the memory test in tests/unit/streams_test.cpp).
//
// Where Redis indexes the blocks with a radix tree, they sit here in an IdTree: a B+tree of
// (master ID, block) pairs in 512-byte nodes, 24 bytes per block at full leaves (about 0.25 bytes
// per entry with 100-entry blocks), O(log n) seeks, appends at the right edge that keep leaves
// full, and removal anywhere without allocating. The same tree, with other items, holds each
// consumer group's pending entries list (ID -> delivery time, delivery count, consumer; 40 bytes
// per entry) and each consumer's own list (IDs only, 16 bytes per entry).
//
// Consumer groups and the consumers of a group are few in practice; they are kept in vectors
// sorted by name (Redis's radix trees give the same byte order for XINFO and XPENDING).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../memory.hpp"
#include "../status.hpp"
#include "listpack.hpp"

namespace microredis {

// An entry ID: milliseconds and a sequence number, ordered as the 128-bit number they form.
struct StreamID {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  static constexpr StreamID min() { return {0, 0}; }
  static constexpr StreamID max() { return {UINT64_MAX, UINT64_MAX}; }
  bool is_zero() const { return ms == 0 && seq == 0; }
  friend bool operator==(const StreamID&, const StreamID&) = default;
  friend std::strong_ordering operator<=>(const StreamID&, const StreamID&) = default;

  // Redis's streamIncrID / streamDecrID: false, with the ID wrapped around, at the last (first)
  // possible ID.
  bool increment() {
    if (seq != UINT64_MAX) {
      ++seq;
      return true;
    }
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ++ms;
    seq = 0;
    return true;
  }
  bool decrement() {
    if (seq != 0) {
      --seq;
      return true;
    }
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    --ms;
    seq = UINT64_MAX;
    return true;
  }
  // "<ms>-<seq>" into out (at least kStreamIDChars bytes); returns the length.
  std::size_t format(char* out) const;
};

// Room for "18446744073709551615-18446744073709551615".
inline constexpr std::size_t kStreamIDChars = 42;

// Redis's streamGenericParseIDOrReply: "<ms>-<seq>", "<ms>" (the sequence is then missing_seq),
// "-" and "+" (the smallest and greatest IDs, refused when strict) and, only when seq_given is
// not null, "<ms>-*" (*seq_given is set to false). Numbers follow Redis's string2ull (strtoull as a
// fallback: leading blanks and a sign are accepted there). False when the ID is invalid.
bool parse_stream_id(std::string_view text, StreamID& out, std::uint64_t missing_seq, bool strict,
                     bool* seq_given);

// A B+tree of items ordered by their `id` member (a StreamID), each ID at most once. Items are
// trivially copyable and stored in the leaves, which are linked both ways. Its nodes come from a
// Memory: clear() before the tree goes away.
template <class Item, int LeafCap, int InnerCap>
class IdTree {
  struct Header {
    std::uint16_t count;
    std::uint8_t leaf;
  };

 public:
  struct Leaf {
    Header h;
    Leaf* prev;
    Leaf* next;
    Item items[LeafCap];
  };
  struct Inner {
    Header h;
    Header* children[InnerCap];
    StreamID mins[InnerCap];  // each child's first ID
  };

  // A position; valid until the tree changes (items may be modified in place, IDs must not).
  struct Cursor {
    Leaf* leaf = nullptr;
    unsigned idx = 0;
    bool valid() const { return leaf != nullptr; }
    Item& item() const { return leaf->items[idx]; }
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

  IdTree() = default;
  IdTree(const IdTree&) = delete;
  IdTree& operator=(const IdTree&) = delete;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t bytes() const { return leaves_ * sizeof(Leaf) + inners_ * sizeof(Inner); }

  Item* find(const StreamID& id) {
    Cursor c = lower_bound(id);
    return c.valid() && c.item().id == id ? &c.item() : nullptr;
  }
  // The first item whose ID is >= id.
  Cursor lower_bound(const StreamID& id) {
    Leaf* lf = leaf_for(id);
    if (lf == nullptr) return {};
    const int pos = first_not_before(lf, id);
    if (pos < lf->h.count) return {lf, static_cast<unsigned>(pos)};
    return {lf->next, 0};
  }
  // The last item whose ID is <= id.
  Cursor floor(const StreamID& id) {
    Leaf* lf = leaf_for(id);
    if (lf == nullptr) return {};
    int pos = first_not_before(lf, id);
    if (pos < lf->h.count && lf->items[pos].id == id) return {lf, static_cast<unsigned>(pos)};
    Cursor c{lf, static_cast<unsigned>(pos)};
    if (pos == 0) {
      c.prev();
    } else {
      c.idx = static_cast<unsigned>(pos - 1);
    }
    return c;
  }
  Cursor first() {
    Header* h = root_;
    if (h == nullptr) return {};
    while (!h->leaf) h = as_inner(h)->children[0];
    return {as_leaf(h), 0};
  }
  Cursor last() {
    Header* h = root_;
    if (h == nullptr) return {};
    while (!h->leaf) h = as_inner(h)->children[h->count - 1];
    return {as_leaf(h), h->count - 1u};
  }

  // Adds an item whose ID is not in the tree. False when out of memory (nothing changed): every
  // node a split needs is allocated before anything moves.
  [[nodiscard]] bool insert(Memory& mem, const Item& x);
  // Removes the item with this ID (false when absent). Never allocates.
  bool erase(Memory& mem, const StreamID& id);
  void clear(Memory& mem) {
    if (root_ != nullptr) free_subtree(mem, root_);
    root_ = nullptr;
    size_ = 0;
  }
  // Checks order, fill, first IDs and leaf links: for tests.
  bool verify() const;

 private:
  static constexpr int kLeafMin = LeafCap / 4;
  static constexpr int kInnerMin = InnerCap / 4;
  static_assert(kLeafMin >= 1 && kInnerMin >= 2, "nodes too small to rebalance");
  static constexpr int kMaxDepth = 40;

  static Leaf* as_leaf(Header* h) { return reinterpret_cast<Leaf*>(h); }
  static const Leaf* as_leaf(const Header* h) { return reinterpret_cast<const Leaf*>(h); }
  static Inner* as_inner(Header* h) { return reinterpret_cast<Inner*>(h); }
  static const Inner* as_inner(const Header* h) { return reinterpret_cast<const Inner*>(h); }
  static StreamID min_of(const Header* h) { return h->leaf ? as_leaf(h)->items[0].id : as_inner(h)->mins[0]; }
  // The last child whose first ID is <= id (the first child when none is).
  static int child_for(const Inner* in, const StreamID& id) {
    int lo = 1;
    int hi = in->h.count;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (in->mins[mid] <= id) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo - 1;
  }
  static int first_not_before(const Leaf* lf, const StreamID& id) {
    int lo = 0;
    int hi = lf->h.count;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (lf->items[mid].id < id) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
  Leaf* leaf_for(const StreamID& id) const {
    Header* h = root_;
    if (h == nullptr) return nullptr;
    while (!h->leaf) h = as_inner(h)->children[child_for(as_inner(h), id)];
    return as_leaf(h);
  }

  Leaf* new_leaf(Memory& mem) {
    auto* l = static_cast<Leaf*>(mem.allocate(sizeof(Leaf), alignof(Leaf)));
    if (l == nullptr) return nullptr;
    l->h.count = 0;
    l->h.leaf = 1;
    l->prev = nullptr;
    l->next = nullptr;
    ++leaves_;
    return l;
  }
  Inner* new_inner(Memory& mem) {
    auto* in = static_cast<Inner*>(mem.allocate(sizeof(Inner), alignof(Inner)));
    if (in == nullptr) return nullptr;
    in->h.count = 0;
    in->h.leaf = 0;
    ++inners_;
    return in;
  }
  void free_leaf(Memory& mem, Leaf* l) {
    mem.deallocate(l, sizeof(Leaf), alignof(Leaf));
    --leaves_;
  }
  void free_inner(Memory& mem, Inner* in) {
    mem.deallocate(in, sizeof(Inner), alignof(Inner));
    --inners_;
  }
  void free_subtree(Memory& mem, Header* h) {
    if (h->leaf) return free_leaf(mem, as_leaf(h));
    Inner* in = as_inner(h);
    for (int i = 0; i < in->h.count; ++i) free_subtree(mem, in->children[i]);
    free_inner(mem, in);
  }
  static void remove_child(Inner* in, int r) {
    const auto tail = static_cast<std::size_t>(in->h.count - r - 1);
    std::memmove(&in->children[r], &in->children[r + 1], tail * sizeof(Header*));
    std::memmove(&in->mins[r], &in->mins[r + 1], tail * sizeof(StreamID));
    --in->h.count;
  }
  void rebalance(Memory& mem, Inner* parent, int i);
  bool erase_from(Memory& mem, Header* h, const StreamID& id);
  bool verify_subtree(const Header* h, std::size_t& size, const Item*& prev, const Leaf*& prev_leaf) const;

  Header* root_ = nullptr;
  std::size_t size_ = 0;
  std::size_t leaves_ = 0;
  std::size_t inners_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Items of the trees

// A block of entries and the ID of its master entry.
struct StreamBlock {
  StreamID id;
  std::uint8_t* lp;
};

struct StreamConsumer;

// A delivered, not yet acknowledged entry of a consumer group (Redis's streamNACK).
struct StreamPending {
  StreamID id;
  std::int64_t delivery_time;  // ms, engine clock
  std::uint64_t delivery_count;
  StreamConsumer* consumer;  // never null at rest
};

// An entry in one consumer's pending list; the details are in the group's list.
struct StreamPendingRef {
  StreamID id;
};

using StreamBlockTree = IdTree<StreamBlock, 20, 20>;     // 504-byte leaves
using StreamPelTree = IdTree<StreamPending, 12, 20>;     // 504-byte leaves
using StreamConsumerPel = IdTree<StreamPendingRef, 30, 20>;  // 504-byte leaves

// Byte order of names (consumers, groups), as Redis's radix trees keep them.
inline int stream_compare_names(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  const int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// A consumer of a group: one allocation with its name at the end.
struct StreamConsumer {
  std::int64_t seen_time;  // ms, engine clock
  StreamConsumerPel pel;
  std::size_t name_len;

  std::string_view name() const { return {reinterpret_cast<const char*>(this + 1), name_len}; }
  static StreamConsumer* create(Memory& mem, std::string_view name, std::int64_t now_ms);
  static void destroy(Memory& mem, StreamConsumer* c);
  std::size_t memory_usage() const { return sizeof(StreamConsumer) + name_len + pel.bytes(); }
};

// A consumer group (Redis's streamCG): one allocation with its name at the end.
struct StreamGroup {
  static constexpr std::int64_t kInvalidEntriesRead = -1;

  StreamID last_id;
  std::int64_t entries_read;  // kInvalidEntriesRead when unknown
  StreamPelTree pel;
  Vec<StreamConsumer*> consumers;  // sorted by name
  std::size_t name_len;

  explicit StreamGroup(Memory& mem) : consumers(mem) {}
  std::string_view name() const { return {reinterpret_cast<const char*>(this + 1), name_len}; }
  static StreamGroup* create(Memory& mem, std::string_view name, const StreamID& last_id,
                             std::int64_t entries_read);
  static void destroy(Memory& mem, StreamGroup* g);

  StreamConsumer* find_consumer(std::string_view name) const;
  // Adds a consumer that is not there yet; nullptr when out of memory.
  StreamConsumer* add_consumer(Memory& mem, std::string_view name, std::int64_t now_ms);
  // Removes a consumer and its pending entries from the group; returns how many it had.
  std::size_t delete_consumer(Memory& mem, StreamConsumer* c);
  // Removes a pending entry from the group and from its consumer. False when it is not pending.
  bool acknowledge(Memory& mem, const StreamID& id);
  // Gives a pending entry to another consumer (the caller updates time and count).
  [[nodiscard]] bool move_pending(Memory& mem, StreamPending& p, StreamConsumer* to);
  std::size_t memory_usage() const;
  // Where a consumer of this name is or would go in `consumers`.
  std::size_t consumer_index(std::string_view name, bool& found) const;
};

// ---------------------------------------------------------------------------------------------
// The stream

// stream-node-max-bytes and stream-node-max-entries (0: no limit of that kind).
struct StreamLimits {
  std::uint64_t node_max_bytes = 4096;
  std::int64_t node_max_entries = 100;
};

// XADD/XTRIM's trimming arguments (Redis's streamAddTrimArgs without the parsing state).
struct StreamTrim {
  enum class Strategy : std::uint8_t { none, maxlen, minid };
  Strategy strategy = Strategy::none;
  bool approx = false;
  std::int64_t limit = 0;  // entries at most; 0: none
  std::int64_t maxlen = 0;
  StreamID minid;
};

// Item flags of an entry in a block.
enum StreamItemFlag : std::int64_t {
  kStreamItemDeleted = 1 << 0,
  kStreamItemSameFields = 1 << 1,
};

class Stream;

// Walks the entries of a stream between two IDs (inclusive), forwards or backwards (Redis's
// streamIterator). The stream must not change while it walks.
class StreamIterator {
 public:
  // start/end nullptr: from the first / to the last entry.
  StreamIterator(Stream& s, const StreamID* start, const StreamID* end, bool reverse);
  // Tombstones are skipped unless asked for (streamGetEdgeID).
  void set_skip_tombstones(bool skip) { skip_tombstones_ = skip; }
  // The next entry in range: its ID and number of fields. False at the end.
  bool next(StreamID& id, std::size_t& numfields);
  // The fields of the entry next() returned, in order: call numfields times.
  void next_field(Element& field, Element& value);
  std::int64_t flags() const { return flags_; }

 private:
  bool enter_block();

  StreamID start_;
  StreamID end_;
  bool rev_;
  bool skip_tombstones_ = true;
  StreamBlockTree::Cursor block_;
  bool started_ = false;
  const std::uint8_t* lp_ = nullptr;
  const std::uint8_t* p_ = nullptr;  // current element (nullptr: block done)
  StreamID master_;
  std::size_t master_fields_ = 0;
  const std::uint8_t* master_fields_start_ = nullptr;
  const std::uint8_t* master_field_ = nullptr;  // next master field, for SAMEFIELDS entries
  const std::uint8_t* field_ = nullptr;         // next element of the entry's fields and values
  std::int64_t flags_ = 0;
};

class Stream {
 public:
  explicit Stream(Memory& mem) : groups_(mem) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  static Stream* create(Memory& mem);
  static void destroy(Memory& mem, Stream* s);
  // A deep copy with its groups, consumers and pending lists (COPY); nullptr when out of memory.
  Stream* clone(Memory& mem) const;

  std::uint64_t length() const { return length_; }
  const StreamID& last_id() const { return last_id_; }
  const StreamID& first_id() const { return first_id_; }
  const StreamID& max_deleted_id() const { return max_deleted_; }
  std::uint64_t entries_added() const { return entries_added_; }
  // XSETID (the caller checks what Redis checks).
  void set_last_id(const StreamID& id) { last_id_ = id; }
  void set_entries_added(std::uint64_t n) { entries_added_ = n; }
  void set_max_deleted_id(const StreamID& id) { max_deleted_ = id; }
  // Loading (RDB): the metadata as saved, and a block the loader has validated (its entries
  // above every entry of the blocks before it). add_block takes the block; false when out of
  // memory (the caller still owns it).
  void set_length(std::uint64_t n) { length_ = n; }
  void set_first_id(const StreamID& id) { first_id_ = id; }
  [[nodiscard]] bool add_block(Memory& mem, const StreamID& master, std::uint8_t* lp) {
    return blocks_.insert(mem, StreamBlock{master, lp});
  }

  // Redis's streamAppendItem: adds an entry of numfields field/value pairs (fv holds 2*numfields
  // strings). use_id: an explicit ID (with seq_given false, "<ms>-*": the sequence is chosen);
  // nullptr: the next ID after last_id() at now_ms. Errors: stream_id_too_small (the ID is not
  // above the last one), stream_elements_too_large, oom (nothing changed).
  Status append(Memory& mem, const StreamLimits& limits, const std::string_view* fv, std::size_t numfields,
                const StreamID* use_id, bool seq_given, std::uint64_t now_ms, StreamID& added);
  // Redis's streamTrim; deleted counts the entries removed. Status::oom (only with blocks of
  // more than 127 entries) stops the trim at a block boundary.
  Status trim(Memory& mem, const StreamTrim& args, std::int64_t& deleted);
  // XDEL of one ID: removes the entry (a tombstone, or its whole block when it was the last live
  // one) and maintains first_id and max_deleted_id. removed is false when there is no such entry.
  Status remove(Memory& mem, const StreamID& id, bool& removed);
  bool contains(const StreamID& id);
  // Redis's streamGetEdgeID: the first or last entry (tombstones too unless skipped); with no
  // entry, the greatest ID for first and 0-0 for last.
  StreamID edge_id(bool first, bool skip_tombstones);
  // The ID of the last live entry (0-0 when there is none).
  StreamID last_valid_id() { return edge_id(false, true); }

  // Lag support (Redis 7.0): whether an ID range holds a deleted entry, the logical read counter
  // of an ID (-1 when it cannot be known), and a group's lag (false: unknown, a null reply).
  bool range_has_tombstones(const StreamID* start, const StreamID* end) const;
  std::int64_t estimate_distance(const StreamID& id) const;
  bool group_lag(const StreamGroup& g, std::int64_t& lag) const;

  // Consumer groups in name order.
  std::size_t group_count() const { return groups_.size(); }
  StreamGroup* group_at(std::size_t i) const { return groups_[i]; }
  StreamGroup* find_group(std::string_view name) const;
  // Status::stream_busy_group when the name is taken, Status::oom.
  Status create_group(Memory& mem, std::string_view name, const StreamID& last_id, std::int64_t entries_read,
                      StreamGroup*& out);
  bool destroy_group(Memory& mem, std::string_view name);

  // Blocks (XINFO's radix-tree-keys) and the number of nodes Redis's radix tree would have for
  // their keys (radix-tree-nodes).
  std::size_t block_count() const { return blocks_.size(); }
  std::size_t radix_tree_nodes();
  StreamBlockTree& blocks() { return blocks_; }
  // Bytes of the whole value: blocks, index, groups, pending lists.
  std::size_t memory_usage();

 private:
  friend class StreamIterator;

  // Removes the entry at flags position p of block b (live), updating the block's counters or
  // freeing it. c is b's cursor.
  Status delete_at(Memory& mem, StreamBlockTree::Cursor c, std::size_t flags_offset);
  std::size_t group_index(std::string_view name, bool& found) const;

  StreamBlockTree blocks_;
  std::uint64_t length_ = 0;
  StreamID last_id_;
  StreamID first_id_;
  StreamID max_deleted_;
  std::uint64_t entries_added_ = 0;
  Vec<StreamGroup*> groups_;  // sorted by name
};

// ---------------------------------------------------------------------------------------------
// IdTree definitions (a template: they live here)

template <class Item, int LeafCap, int InnerCap>
bool IdTree<Item, LeafCap, InnerCap>::insert(Memory& mem, const Item& x) {
  const StreamID id = x.id;
  if (root_ == nullptr) {
    Leaf* l = new_leaf(mem);
    if (l == nullptr) return false;
    l->items[0] = x;
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
    const int i = child_for(in, id);
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
  const int pos = first_not_before(lf, id);

  Leaf* spare_leaf = nullptr;
  Inner* spare_inner[kMaxDepth + 1];
  int inner_needed = 0;
  if (lf->h.count == LeafCap) {
    spare_leaf = new_leaf(mem);
    if (spare_leaf == nullptr) return false;
    int level = depth - 1;
    while (level >= 0 && path[level]->h.count == InnerCap) {
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

  Header* carry = nullptr;  // a new right sibling for the parent to adopt
  const int n = lf->h.count;
  if (n < LeafCap) {
    std::memmove(&lf->items[pos + 1], &lf->items[pos], static_cast<std::size_t>(n - pos) * sizeof(Item));
    lf->items[pos] = x;
    ++lf->h.count;
  } else {
    Item all[LeafCap + 1];
    std::memcpy(all, lf->items, static_cast<std::size_t>(pos) * sizeof(Item));
    all[pos] = x;
    std::memcpy(all + pos + 1, lf->items + pos, static_cast<std::size_t>(n - pos) * sizeof(Item));
    int keep = (LeafCap + 1) / 2;
    if (pos == LeafCap && lf->next == nullptr) keep = LeafCap;
    if (pos == 0 && lf->prev == nullptr) keep = 1;
    Leaf* r = spare_leaf;
    std::memcpy(lf->items, all, static_cast<std::size_t>(keep) * sizeof(Item));
    std::memcpy(r->items, all + keep, static_cast<std::size_t>(LeafCap + 1 - keep) * sizeof(Item));
    lf->h.count = static_cast<std::uint16_t>(keep);
    r->h.count = static_cast<std::uint16_t>(LeafCap + 1 - keep);
    r->prev = lf;
    r->next = lf->next;
    if (lf->next != nullptr) lf->next->prev = r;
    lf->next = r;
    carry = &r->h;
  }
  ++size_;

  int next_spare = 0;
  for (int level = depth - 1; level >= 0; --level) {
    Inner* in = path[level];
    const int i = slot[level];
    in->mins[i] = min_of(in->children[i]);
    if (carry == nullptr) continue;
    const int c = in->h.count;
    if (c < InnerCap) {
      const auto tail = static_cast<std::size_t>(c - i - 1);
      std::memmove(&in->children[i + 2], &in->children[i + 1], tail * sizeof(Header*));
      std::memmove(&in->mins[i + 2], &in->mins[i + 1], tail * sizeof(StreamID));
      in->children[i + 1] = carry;
      in->mins[i + 1] = min_of(carry);
      ++in->h.count;
      carry = nullptr;
      continue;
    }
    Header* children[InnerCap + 1];
    StreamID mins[InnerCap + 1];
    for (int j = 0, k = 0; j <= InnerCap; ++j) {
      if (j == i + 1) {
        children[j] = carry;
        mins[j] = min_of(carry);
      } else {
        children[j] = in->children[k];
        mins[j] = in->mins[k];
        ++k;
      }
    }
    // Both halves keep at least two children (an inner node never has fewer at rest).
    int keep = (InnerCap + 1) / 2;
    if (i + 1 == InnerCap && rightmost[level]) keep = InnerCap - 1;
    if (i == 0 && leftmost[level]) keep = 2;
    Inner* r = spare_inner[next_spare++];
    const int rcount = InnerCap + 1 - keep;
    std::memcpy(in->children, children, static_cast<std::size_t>(keep) * sizeof(Header*));
    std::memcpy(in->mins, mins, static_cast<std::size_t>(keep) * sizeof(StreamID));
    std::memcpy(r->children, children + keep, static_cast<std::size_t>(rcount) * sizeof(Header*));
    std::memcpy(r->mins, mins + keep, static_cast<std::size_t>(rcount) * sizeof(StreamID));
    in->h.count = static_cast<std::uint16_t>(keep);
    r->h.count = static_cast<std::uint16_t>(rcount);
    carry = &r->h;
  }
  if (carry != nullptr) {
    Inner* root = spare_inner[next_spare++];
    root->h.count = 2;
    root->children[0] = root_;
    root->children[1] = carry;
    root->mins[0] = min_of(root_);
    root->mins[1] = min_of(carry);
    root_ = &root->h;
  }
  return true;
}

// Child i of parent has too few entries: it merges with a neighbour when both fit in one node,
// else the two share their entries evenly. parent has at least two children.
template <class Item, int LeafCap, int InnerCap>
void IdTree<Item, LeafCap, InnerCap>::rebalance(Memory& mem, Inner* parent, int i) {
  const int l = i > 0 ? i - 1 : i;
  const int r = l + 1;
  Header* lh = parent->children[l];
  Header* rh = parent->children[r];
  if (lh->leaf) {
    Leaf* a = as_leaf(lh);
    Leaf* b = as_leaf(rh);
    const int total = a->h.count + b->h.count;
    if (total <= LeafCap) {
      std::memcpy(a->items + a->h.count, b->items, static_cast<std::size_t>(b->h.count) * sizeof(Item));
      a->h.count = static_cast<std::uint16_t>(total);
      a->next = b->next;
      if (b->next != nullptr) b->next->prev = a;
      free_leaf(mem, b);
      remove_child(parent, r);
    } else {
      const int want = total / 2;
      if (a->h.count < want) {
        const int move = want - a->h.count;
        std::memcpy(a->items + a->h.count, b->items, static_cast<std::size_t>(move) * sizeof(Item));
        std::memmove(b->items, b->items + move, static_cast<std::size_t>(b->h.count - move) * sizeof(Item));
        a->h.count = static_cast<std::uint16_t>(a->h.count + move);
        b->h.count = static_cast<std::uint16_t>(b->h.count - move);
      } else {
        const int move = a->h.count - want;
        std::memmove(b->items + move, b->items, static_cast<std::size_t>(b->h.count) * sizeof(Item));
        std::memcpy(b->items, a->items + want, static_cast<std::size_t>(move) * sizeof(Item));
        a->h.count = static_cast<std::uint16_t>(want);
        b->h.count = static_cast<std::uint16_t>(b->h.count + move);
      }
      parent->mins[r] = b->items[0].id;
    }
    parent->mins[l] = a->items[0].id;
    return;
  }
  Inner* a = as_inner(lh);
  Inner* b = as_inner(rh);
  const int total = a->h.count + b->h.count;
  if (total <= InnerCap) {
    const auto n = static_cast<std::size_t>(b->h.count);
    std::memcpy(a->children + a->h.count, b->children, n * sizeof(Header*));
    std::memcpy(a->mins + a->h.count, b->mins, n * sizeof(StreamID));
    a->h.count = static_cast<std::uint16_t>(total);
    free_inner(mem, b);
    remove_child(parent, r);
  } else {
    const int want = total / 2;
    if (a->h.count < want) {
      const int move = want - a->h.count;
      const auto m = static_cast<std::size_t>(move);
      const auto rest = static_cast<std::size_t>(b->h.count - move);
      std::memcpy(a->children + a->h.count, b->children, m * sizeof(Header*));
      std::memcpy(a->mins + a->h.count, b->mins, m * sizeof(StreamID));
      std::memmove(b->children, b->children + move, rest * sizeof(Header*));
      std::memmove(b->mins, b->mins + move, rest * sizeof(StreamID));
      a->h.count = static_cast<std::uint16_t>(a->h.count + move);
      b->h.count = static_cast<std::uint16_t>(b->h.count - move);
    } else {
      const int move = a->h.count - want;
      const auto m = static_cast<std::size_t>(move);
      const auto n = static_cast<std::size_t>(b->h.count);
      std::memmove(b->children + move, b->children, n * sizeof(Header*));
      std::memmove(b->mins + move, b->mins, n * sizeof(StreamID));
      std::memcpy(b->children, a->children + want, m * sizeof(Header*));
      std::memcpy(b->mins, a->mins + want, m * sizeof(StreamID));
      a->h.count = static_cast<std::uint16_t>(want);
      b->h.count = static_cast<std::uint16_t>(b->h.count + move);
    }
    parent->mins[r] = b->mins[0];
  }
  parent->mins[l] = a->mins[0];
}

template <class Item, int LeafCap, int InnerCap>
bool IdTree<Item, LeafCap, InnerCap>::erase_from(Memory& mem, Header* h, const StreamID& id) {
  if (h->leaf) {
    Leaf* lf = as_leaf(h);
    const int pos = first_not_before(lf, id);
    if (pos >= lf->h.count || lf->items[pos].id != id) return false;
    std::memmove(&lf->items[pos], &lf->items[pos + 1], static_cast<std::size_t>(lf->h.count - pos - 1) * sizeof(Item));
    --lf->h.count;
    return true;
  }
  Inner* in = as_inner(h);
  const int i = child_for(in, id);
  Header* child = in->children[i];
  if (!erase_from(mem, child, id)) return false;
  if (child->count > 0) in->mins[i] = min_of(child);
  if (child->count < (child->leaf ? kLeafMin : kInnerMin)) rebalance(mem, in, i);
  return true;
}

template <class Item, int LeafCap, int InnerCap>
bool IdTree<Item, LeafCap, InnerCap>::erase(Memory& mem, const StreamID& id) {
  if (root_ == nullptr) return false;
  if (!erase_from(mem, root_, id)) return false;
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
  return true;
}

template <class Item, int LeafCap, int InnerCap>
bool IdTree<Item, LeafCap, InnerCap>::verify_subtree(const Header* h, std::size_t& size, const Item*& prev,
                                                     const Leaf*& prev_leaf) const {
  if (h->leaf) {
    const Leaf* lf = as_leaf(h);
    if (lf->h.count < 1 || lf->h.count > LeafCap) return false;
    if (lf->prev != prev_leaf) return false;
    if (prev_leaf != nullptr && prev_leaf->next != lf) return false;
    for (int i = 0; i < lf->h.count; ++i) {
      const Item* x = &lf->items[i];
      if (prev != nullptr && !(prev->id < x->id)) return false;
      prev = x;
    }
    prev_leaf = lf;
    size = lf->h.count;
    return true;
  }
  const Inner* in = as_inner(h);
  if (in->h.count < 2 || in->h.count > InnerCap) return false;
  size = 0;
  for (int i = 0; i < in->h.count; ++i) {
    std::size_t child_size = 0;
    if (in->mins[i] != min_of(in->children[i])) return false;
    if (!verify_subtree(in->children[i], child_size, prev, prev_leaf)) return false;
    size += child_size;
  }
  return true;
}

template <class Item, int LeafCap, int InnerCap>
bool IdTree<Item, LeafCap, InnerCap>::verify() const {
  if (root_ == nullptr) return size_ == 0;
  std::size_t size = 0;
  const Item* prev = nullptr;
  const Leaf* prev_leaf = nullptr;
  if (!verify_subtree(root_, size, prev, prev_leaf)) return false;
  return size == size_ && prev_leaf != nullptr && prev_leaf->next == nullptr;
}

}  // namespace microredis
