#include "microredis/store/stream.hpp"

#include <new>

namespace microredis {
namespace stream_detail {

// An integer element of a block (Redis's lpGetInteger: integers are always stored as such, but a
// string that holds one is read too).
inline std::int64_t lp_int(const std::uint8_t* p) {
  const Element e = Listpack::get(p);
  if (e.is_int()) return e.num;
  std::int64_t v = 0;
  (void)parse_int64({e.str, e.len}, v);
  return v;
}

inline const std::uint8_t* skip(const std::uint8_t* lp, const std::uint8_t* p, std::size_t n) {
  while (n-- > 0 && p != nullptr) p = Listpack::next(lp, p);
  return p;
}

// Redis's string2ull: string2ll for the common case, else strtoull's rules (leading blanks, an
// optional sign, at least one digit, no overflow, nothing after the digits; a '-' negates modulo
// 2^64). s ends at its first NUL byte, as the C string Redis parses does.
inline bool string_to_u64(std::string_view s, std::uint64_t& out) {
  std::int64_t ll = 0;
  if (parse_int64(s, ll)) {
    if (ll < 0) return false;
    out = static_cast<std::uint64_t>(ll);
    return true;
  }
  if (s.empty()) return false;
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  if (i == s.size()) return false;
  std::uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;  // ERANGE
    v = v * 10 + digit;
  }
  out = negative ? 0 - v : v;
  return true;
}

// Shared bookkeeping of a block's master entry: live and deleted counts, and where its entries
// start.
struct BlockHeader {
  std::int64_t count = 0;
  std::int64_t deleted = 0;
  std::size_t master_fields = 0;
  const std::uint8_t* first_field = nullptr;  // the first master field
  const std::uint8_t* terminator = nullptr;   // the master entry's final 0

  explicit BlockHeader(const std::uint8_t* lp) {
    const std::uint8_t* p = Listpack::first(lp);
    count = lp_int(p);
    p = Listpack::next(lp, p);
    deleted = lp_int(p);
    p = Listpack::next(lp, p);
    master_fields = static_cast<std::size_t>(lp_int(p));
    first_field = Listpack::next(lp, p);
    terminator = skip(lp, first_field, master_fields);
  }
};

// Sets the count and deleted elements of a block. In place when their sizes stay (always with
// blocks of at most 127 entries); otherwise the block is rewritten, which may fail (nullptr, the
// block untouched).
inline std::uint8_t* set_counters(Memory& mem, std::uint8_t* lp, std::int64_t count, std::int64_t deleted) {
  const std::uint8_t* pc = Listpack::first(lp);
  const std::uint8_t* pd = Listpack::next(lp, pc);
  const Element ec = Element::of_int(count);
  const Element ed = Element::of_int(deleted);
  if (Listpack::element_size(pc) == Listpack::encoded_size(ec) &&
      Listpack::element_size(pd) == Listpack::encoded_size(ed)) {
    lp = Listpack::replace(mem, lp, Listpack::offset(lp, pc), ec);  // same size: in place
    pd = Listpack::next(lp, Listpack::first(lp));
    return Listpack::replace(mem, lp, Listpack::offset(lp, pd), ed);
  }
  const Listpack::Edit edits[] = {{Listpack::offset(lp, pc), 1, &ec, 1}, {Listpack::offset(lp, pd), 1, &ed, 1}};
  return Listpack::rewrite(mem, lp, edits, 2);
}

// Marks the entry whose flags element is at offset as deleted (same size: in place).
inline void mark_deleted(Memory& mem, std::uint8_t* lp, std::size_t offset) {
  const std::int64_t flags = lp_int(lp + offset);
  (void)Listpack::replace(mem, lp, offset, Element::of_int(flags | kStreamItemDeleted));
}

// One entry of a block, read at its flags element.
struct EntryView {
  std::int64_t flags = 0;
  StreamID id;
  std::size_t numfields = 0;
  const std::uint8_t* fields = nullptr;    // first field (or value, for SAMEFIELDS)
  const std::uint8_t* lp_count = nullptr;  // the entry's last element
};

inline EntryView read_entry(const std::uint8_t* lp, const std::uint8_t* p, const StreamID& master,
                            std::size_t master_fields) {
  EntryView e;
  e.flags = lp_int(p);
  p = Listpack::next(lp, p);
  e.id.ms = master.ms + static_cast<std::uint64_t>(lp_int(p));
  p = Listpack::next(lp, p);
  e.id.seq = master.seq + static_cast<std::uint64_t>(lp_int(p));
  p = Listpack::next(lp, p);
  if ((e.flags & kStreamItemSameFields) != 0) {
    e.numfields = master_fields;
    e.fields = p;
    e.lp_count = skip(lp, p, master_fields);
  } else {
    e.numfields = static_cast<std::size_t>(lp_int(p));
    e.fields = Listpack::next(lp, p);
    e.lp_count = skip(lp, e.fields, e.numfields * 2);
  }
  return e;
}

// Calls fn(flags_position, EntryView) for each entry of a block, in order, until fn returns false.
template <class Fn>
void for_each_entry(const std::uint8_t* lp, const StreamID& master, Fn&& fn) {
  const BlockHeader h(lp);
  for (const std::uint8_t* p = Listpack::next(lp, h.terminator); p != nullptr;) {
    const EntryView e = read_entry(lp, p, master, h.master_fields);
    if (!fn(p, e)) return;
    p = Listpack::next(lp, e.lp_count);
  }
}

// The ID of a block's last entry, tombstone or not (Redis's lpGetEdgeStreamID, last).
inline StreamID last_entry_id(const std::uint8_t* lp, const StreamID& master) {
  const std::uint8_t* p = Listpack::last(lp);
  std::int64_t n = lp_int(p);
  while (n-- > 0) p = Listpack::prev(lp, p);
  const BlockHeader h(lp);
  return read_entry(lp, p, master, h.master_fields).id;
}

}  // namespace stream_detail

using stream_detail::lp_int;

// ---------------------------------------------------------------------------------------------
// IDs

MICROREDIS_INLINE std::size_t StreamID::format(char* out) const {
  std::size_t n = format_uint64(out, ms);
  out[n++] = '-';
  return n + format_uint64(out + n, seq);
}

MICROREDIS_INLINE bool parse_stream_id(std::string_view text, StreamID& out, std::uint64_t missing_seq, bool strict,
                                       bool* seq_given) {
  // Redis copies the argument into a 128-byte C string: longer ones are invalid, and the text
  // ends at its first NUL byte.
  if (text.size() > 127) return false;
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) text = text.substr(0, nul);
  if (strict && text.size() == 1 && (text[0] == '-' || text[0] == '+')) return false;
  if (seq_given != nullptr) *seq_given = true;
  if (text == "-") {
    out = StreamID::min();
    return true;
  }
  if (text == "+") {
    out = StreamID::max();
    return true;
  }
  std::uint64_t ms = 0;
  std::uint64_t seq = missing_seq;
  const std::size_t dash = text.find('-');
  if (!stream_detail::string_to_u64(text.substr(0, dash), ms)) return false;
  if (dash != std::string_view::npos) {
    const std::string_view rest = text.substr(dash + 1);
    if (seq_given != nullptr && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!stream_detail::string_to_u64(rest, seq)) {
      return false;
    }
  }
  out = StreamID{ms, seq};
  return true;
}

// ---------------------------------------------------------------------------------------------
// Consumers and groups

MICROREDIS_INLINE StreamConsumer* StreamConsumer::create(Memory& mem, std::string_view name, std::int64_t now_ms) {
  void* p = mem.allocate(sizeof(StreamConsumer) + name.size(), alignof(StreamConsumer));
  if (p == nullptr) return nullptr;
  auto* c = new (p) StreamConsumer{now_ms, {}, name.size()};
  if (!name.empty()) std::memcpy(reinterpret_cast<char*>(c) + sizeof(StreamConsumer), name.data(), name.size());
  return c;
}

MICROREDIS_INLINE void StreamConsumer::destroy(Memory& mem, StreamConsumer* c) {
  c->pel.clear(mem);
  const std::size_t size = sizeof(StreamConsumer) + c->name_len;
  c->~StreamConsumer();
  mem.deallocate(c, size, alignof(StreamConsumer));
}

MICROREDIS_INLINE StreamGroup* StreamGroup::create(Memory& mem, std::string_view name, const StreamID& last_id,
                                                   std::int64_t entries_read) {
  void* p = mem.allocate(sizeof(StreamGroup) + name.size(), alignof(StreamGroup));
  if (p == nullptr) return nullptr;
  auto* g = new (p) StreamGroup(mem);
  g->last_id = last_id;
  g->entries_read = entries_read;
  g->name_len = name.size();
  if (!name.empty()) std::memcpy(reinterpret_cast<char*>(g) + sizeof(StreamGroup), name.data(), name.size());
  return g;
}

MICROREDIS_INLINE void StreamGroup::destroy(Memory& mem, StreamGroup* g) {
  g->pel.clear(mem);
  for (StreamConsumer* c : g->consumers) StreamConsumer::destroy(mem, c);
  const std::size_t size = sizeof(StreamGroup) + g->name_len;
  g->~StreamGroup();
  mem.deallocate(g, size, alignof(StreamGroup));
}

MICROREDIS_INLINE std::size_t StreamGroup::consumer_index(std::string_view name, bool& found) const {
  std::size_t lo = 0;
  std::size_t hi = consumers.size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const int c = stream_compare_names(consumers[mid]->name(), name);
    if (c == 0) {
      found = true;
      return mid;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  found = false;
  return lo;
}

MICROREDIS_INLINE StreamConsumer* StreamGroup::find_consumer(std::string_view name) const {
  bool found = false;
  const std::size_t i = consumer_index(name, found);
  return found ? consumers[i] : nullptr;
}

MICROREDIS_INLINE StreamConsumer* StreamGroup::add_consumer(Memory& mem, std::string_view name, std::int64_t now_ms) {
  bool found = false;
  const std::size_t i = consumer_index(name, found);
  if (found) return consumers[i];
  if (!consumers.grow_for(1)) return nullptr;
  StreamConsumer* c = StreamConsumer::create(mem, name, now_ms);
  if (c == nullptr) return nullptr;
  (void)consumers.resize(consumers.size() + 1);
  std::memmove(consumers.data() + i + 1, consumers.data() + i, (consumers.size() - 1 - i) * sizeof(StreamConsumer*));
  consumers[i] = c;
  return c;
}

MICROREDIS_INLINE std::size_t StreamGroup::delete_consumer(Memory& mem, StreamConsumer* c) {
  const std::size_t pending = c->pel.size();
  for (auto it = c->pel.first(); it.valid(); it.next()) pel.erase(mem, it.item().id);
  bool found = false;
  const std::size_t i = consumer_index(c->name(), found);
  if (found) {
    std::memmove(consumers.data() + i, consumers.data() + i + 1, (consumers.size() - 1 - i) * sizeof(StreamConsumer*));
    consumers.pop_back();
  }
  StreamConsumer::destroy(mem, c);
  return pending;
}

MICROREDIS_INLINE bool StreamGroup::acknowledge(Memory& mem, const StreamID& id) {
  StreamPending* p = pel.find(id);
  if (p == nullptr) return false;
  p->consumer->pel.erase(mem, id);
  pel.erase(mem, id);
  return true;
}

MICROREDIS_INLINE bool StreamGroup::move_pending(Memory& mem, StreamPending& p, StreamConsumer* to) {
  if (p.consumer == to) return true;
  if (!to->pel.insert(mem, StreamPendingRef{p.id})) return false;
  p.consumer->pel.erase(mem, p.id);
  p.consumer = to;
  return true;
}

MICROREDIS_INLINE std::size_t StreamGroup::memory_usage() const {
  std::size_t n = sizeof(StreamGroup) + name_len + pel.bytes() + consumers.capacity() * sizeof(StreamConsumer*);
  for (const StreamConsumer* c : consumers) n += c->memory_usage();
  return n;
}

// ---------------------------------------------------------------------------------------------
// Iterator

MICROREDIS_INLINE StreamIterator::StreamIterator(Stream& s, const StreamID* start, const StreamID* end, bool reverse)
    : start_(start != nullptr ? *start : StreamID::min()), end_(end != nullptr ? *end : StreamID::max()),
      rev_(reverse) {
  // Redis seeks the block that may hold the first ID of the walk.
  if (!rev_) {
    if (start != nullptr && !start->is_zero()) {
      block_ = s.blocks_.floor(*start);
      if (!block_.valid()) block_ = s.blocks_.first();
    } else {
      block_ = s.blocks_.first();
    }
  } else if (end != nullptr && *end != StreamID::max()) {
    block_ = s.blocks_.floor(*end);  // none: every entry is after the end
  } else {
    block_ = s.blocks_.last();
  }
}

MICROREDIS_INLINE bool StreamIterator::enter_block() {
  if (!block_.valid()) return false;
  lp_ = block_.item().lp;
  master_ = block_.item().id;
  const stream_detail::BlockHeader h(lp_);
  master_fields_ = h.master_fields;
  master_fields_start_ = h.first_field;
  p_ = rev_ ? Listpack::last(lp_) : h.terminator;
  return true;
}

MICROREDIS_INLINE bool StreamIterator::next(StreamID& id, std::size_t& numfields) {
  for (;;) {
    if (p_ == nullptr) {
      if (started_) {
        rev_ ? block_.prev() : block_.next();
      }
      started_ = true;
      if (!enter_block()) return false;
    } else if (rev_) {
      // p_ is the flags element of the entry emitted last: step onto the previous lp-count.
      p_ = Listpack::prev(lp_, p_);
    } else {
      // p_ is the flags element of the entry emitted last: step onto its lp-count.
      p_ = stream_detail::read_entry(lp_, p_, master_, master_fields_).lp_count;
    }
    for (;;) {
      if (!rev_) {
        p_ = Listpack::next(lp_, p_);  // past the previous lp-count (or the master's 0)
        if (p_ == nullptr) break;
      } else {
        std::int64_t n = lp_int(p_);
        if (n == 0) {  // the master entry's 0: the block is done
          p_ = nullptr;
          break;
        }
        while (n-- > 0) p_ = Listpack::prev(lp_, p_);
      }
      const stream_detail::EntryView e = stream_detail::read_entry(lp_, p_, master_, master_fields_);
      const bool visible = !skip_tombstones_ || (e.flags & kStreamItemDeleted) == 0;
      if (!rev_) {
        if (e.id >= start_ && visible) {
          if (e.id > end_) return false;
          flags_ = e.flags;
          master_field_ = master_fields_start_;
          field_ = e.fields;
          id = e.id;
          numfields = e.numfields;
          return true;
        }
        p_ = e.lp_count;
      } else {
        if (e.id <= end_ && visible) {
          if (e.id < start_) return false;
          flags_ = e.flags;
          master_field_ = master_fields_start_;
          field_ = e.fields;
          id = e.id;
          numfields = e.numfields;
          return true;
        }
        p_ = Listpack::prev(lp_, p_);
      }
    }
  }
}

MICROREDIS_INLINE void StreamIterator::next_field(Element& field, Element& value) {
  if ((flags_ & kStreamItemSameFields) != 0) {
    field = Listpack::get(master_field_);
    master_field_ = Listpack::next(lp_, master_field_);
  } else {
    field = Listpack::get(field_);
    field_ = Listpack::next(lp_, field_);
  }
  value = Listpack::get(field_);
  field_ = Listpack::next(lp_, field_);
}

// ---------------------------------------------------------------------------------------------
// Stream

MICROREDIS_INLINE Stream* Stream::create(Memory& mem) { return mem.create<Stream>(mem); }

MICROREDIS_INLINE void Stream::destroy(Memory& mem, Stream* s) {
  for (auto c = s->blocks_.first(); c.valid(); c.next()) Listpack::destroy(mem, c.item().lp);
  s->blocks_.clear(mem);
  for (StreamGroup* g : s->groups_) StreamGroup::destroy(mem, g);
  mem.destroy(s);
}

MICROREDIS_INLINE Stream* Stream::clone(Memory& mem) const {
  Stream* out = create(mem);
  if (out == nullptr) return nullptr;
  auto& self = const_cast<Stream&>(*this);  // the trees' walks are not const; nothing changes
  for (auto c = self.blocks_.first(); c.valid(); c.next()) {
    std::uint8_t* lp = Listpack::clone(mem, c.item().lp);
    if (lp == nullptr || !out->blocks_.insert(mem, StreamBlock{c.item().id, lp})) {
      if (lp != nullptr) Listpack::destroy(mem, lp);
      destroy(mem, out);
      return nullptr;
    }
  }
  out->length_ = length_;
  out->last_id_ = last_id_;
  out->first_id_ = first_id_;
  out->max_deleted_ = max_deleted_;
  out->entries_added_ = entries_added_;
  if (!out->groups_.reserve(groups_.size())) {
    destroy(mem, out);
    return nullptr;
  }
  for (StreamGroup* g : groups_) {
    StreamGroup* ng = StreamGroup::create(mem, g->name(), g->last_id, g->entries_read);
    if (ng == nullptr) {
      destroy(mem, out);
      return nullptr;
    }
    (void)out->groups_.push_back(ng);
    bool ok = ng->consumers.reserve(g->consumers.size());
    for (std::size_t i = 0; ok && i < g->consumers.size(); ++i) {
      const StreamConsumer* oc = g->consumers[i];
      StreamConsumer* nc = StreamConsumer::create(mem, oc->name(), oc->seen_time);
      ok = nc != nullptr;
      if (ok) (void)ng->consumers.push_back(nc);
    }
    // The group's list names the consumers of the copy: same position in the sorted vector.
    for (auto p = g->pel.first(); ok && p.valid(); p.next()) {
      bool found = false;
      const std::size_t i = g->consumer_index(p.item().consumer->name(), found);
      StreamConsumer* nc = ng->consumers[i];
      StreamPending np = p.item();
      np.consumer = nc;
      ok = ng->pel.insert(mem, np) && nc->pel.insert(mem, StreamPendingRef{np.id});
    }
    if (!ok) {
      destroy(mem, out);
      return nullptr;
    }
  }
  return out;
}

MICROREDIS_INLINE Status Stream::append(Memory& mem, const StreamLimits& limits, const std::string_view* fv,
                                        std::size_t numfields, const StreamID* use_id, bool seq_given,
                                        std::uint64_t now_ms, StreamID& added) {
  StreamID id;
  if (use_id != nullptr) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id_.ms == use_id->ms) {
      // "<ms>-*" in the millisecond of the last ID: the next sequence, if there is one.
      if (last_id_.seq == UINT64_MAX) return Status::stream_id_too_small;
      id = last_id_;
      ++id.seq;
    } else {
      id = *use_id;
    }
  } else if (now_ms > last_id_.ms) {
    id = StreamID{now_ms, 0};
  } else {
    id = last_id_;
    id.increment();
  }
  if (id <= last_id_) return Status::stream_id_too_small;

  std::size_t totelelen = 0;
  for (std::size_t i = 0; i < numfields * 2; ++i) totelelen += fv[i].size();
  if (totelelen > Listpack::kMaxSafeBytes) return Status::stream_elements_too_large;

  // The tail block takes the entry unless it is full (Redis's rules, its end byte included).
  StreamBlockTree::Cursor tail = blocks_.last();
  bool new_block = !tail.valid();
  if (!new_block) {
    const std::uint8_t* lp = tail.item().lp;
    std::uint64_t max_bytes = limits.node_max_bytes;
    if (max_bytes == 0 || max_bytes > Listpack::kMaxSafeBytes) max_bytes = Listpack::kMaxSafeBytes;
    if (Listpack::bytes(lp) + 1 + totelelen >= max_bytes) {
      new_block = true;
    } else if (limits.node_max_entries != 0) {
      const stream_detail::BlockHeader h(lp);
      if (h.count + h.deleted >= limits.node_max_entries) new_block = true;
    }
  }

  // The elements to append: [master entry] + the entry.
  constexpr std::size_t kStackElements = 40;
  Element stack_elements[kStackElements];
  Vec<Element> heap_elements(mem);
  const std::size_t most = numfields * 2 + 8;
  Element* el = stack_elements;
  if (most > kStackElements) {
    if (!heap_elements.resize(most)) return Status::oom;
    el = heap_elements.data();
  }
  std::size_t n = 0;
  std::int64_t flags = 0;
  StreamID master = id;
  if (new_block) {
    el[n++] = Element::of_int(1);  // one live entry, the one being added
    el[n++] = Element::of_int(0);  // none deleted
    el[n++] = Element::of_int(static_cast<std::int64_t>(numfields));
    for (std::size_t i = 0; i < numfields; ++i) el[n++] = Element::of(fv[i * 2]);
    el[n++] = Element::of_int(0);  // the master entry's terminator
    flags = kStreamItemSameFields;
  } else {
    master = tail.item().id;
    const std::uint8_t* lp = tail.item().lp;
    const stream_detail::BlockHeader h(lp);
    if (h.master_fields == numfields) {
      const std::uint8_t* p = h.first_field;
      std::size_t i = 0;
      for (; i < numfields && Listpack::get(p).equals(fv[i * 2]); ++i) p = Listpack::next(lp, p);
      if (i == numfields) flags = kStreamItemSameFields;
    }
  }
  const bool same = (flags & kStreamItemSameFields) != 0;
  el[n++] = Element::of_int(flags);
  el[n++] = Element::of_int(static_cast<std::int64_t>(id.ms - master.ms));
  el[n++] = Element::of_int(static_cast<std::int64_t>(id.seq - master.seq));
  if (!same) el[n++] = Element::of_int(static_cast<std::int64_t>(numfields));
  for (std::size_t i = 0; i < numfields; ++i) {
    if (!same) el[n++] = Element::of(fv[i * 2]);
    el[n++] = Element::of(fv[i * 2 + 1]);
  }
  el[n++] = Element::of_int(static_cast<std::int64_t>(numfields + 3 + (same ? 0 : numfields + 1)));

  if (new_block) {
    std::uint8_t* lp = Listpack::create(mem);
    if (lp == nullptr) return Status::oom;
    std::uint8_t* grown = Listpack::insert(mem, lp, Listpack::bytes(lp), el, n);
    if (grown == nullptr || !blocks_.insert(mem, StreamBlock{id, grown})) {
      Listpack::destroy(mem, grown != nullptr ? grown : lp);
      return Status::oom;
    }
  } else {
    std::uint8_t* lp = tail.item().lp;
    const std::uint8_t* pc = Listpack::first(lp);
    const Element count = Element::of_int(lp_int(pc) + 1);
    std::uint8_t* out = nullptr;
    if (Listpack::encoded_size(count) == Listpack::element_size(pc)) {
      out = Listpack::insert(mem, lp, Listpack::bytes(lp), el, n);
      if (out != nullptr) out = Listpack::replace(mem, out, Listpack::kHeaderSize, count);  // in place
    } else {
      const Listpack::Edit edits[] = {{Listpack::kHeaderSize, 1, &count, 1}, {Listpack::bytes(lp), 0, el, n}};
      out = Listpack::rewrite(mem, lp, edits, 2);
    }
    if (out == nullptr) return Status::oom;
    tail.item().lp = out;
  }
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
  added = id;
  return Status::ok;
}

MICROREDIS_INLINE Status Stream::trim(Memory& mem, const StreamTrim& args, std::int64_t& deleted) {
  deleted = 0;
  if (args.strategy == StreamTrim::Strategy::none) return Status::ok;
  const bool by_len = args.strategy == StreamTrim::Strategy::maxlen;
  const auto maxlen = static_cast<std::uint64_t>(args.maxlen);
  Status st = Status::ok;
  for (;;) {
    StreamBlockTree::Cursor c = blocks_.first();
    if (!c.valid()) break;
    if (by_len && length_ <= maxlen) break;
    std::uint8_t* lp = c.item().lp;
    const StreamID master = c.item().id;
    const stream_detail::BlockHeader h(lp);
    const std::int64_t entries = h.count;
    if (args.limit != 0 && deleted + entries > args.limit) break;

    // The whole block goes when what is left satisfies the strategy.
    const bool remove_block = by_len ? length_ - static_cast<std::uint64_t>(entries) >= maxlen
                                     : stream_detail::last_entry_id(lp, master) < args.minid;
    if (remove_block) {
      Listpack::destroy(mem, lp);
      blocks_.erase(mem, master);
      length_ -= static_cast<std::uint64_t>(entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    // Entries of this block become tombstones, from its first, until the strategy is satisfied:
    // counted first, so that the counters (the only part that may need memory) change before any
    // flag does.
    std::int64_t n = 0;
    stream_detail::for_each_entry(lp, master, [&](const std::uint8_t*, const stream_detail::EntryView& e) {
      if (by_len ? length_ - static_cast<std::uint64_t>(n) <= maxlen : e.id >= args.minid) return false;
      if ((e.flags & kStreamItemDeleted) == 0) ++n;
      return true;
    });
    if (n > 0) {
      std::uint8_t* out = stream_detail::set_counters(mem, lp, entries - n, h.deleted + n);
      if (out == nullptr) {
        st = Status::oom;
        break;
      }
      lp = out;
      c.item().lp = lp;
      std::int64_t left = n;
      stream_detail::for_each_entry(lp, master, [&](const std::uint8_t* p, const stream_detail::EntryView& e) {
        if (left == 0) return false;
        if ((e.flags & kStreamItemDeleted) == 0) {
          stream_detail::mark_deleted(mem, lp, Listpack::offset(lp, p));
          --left;
        }
        return true;
      });
      length_ -= static_cast<std::uint64_t>(n);
      deleted += n;
    }
    break;  // a block only partly removed: nothing after it can go
  }
  if (length_ == 0) {
    first_id_ = StreamID{};
  } else if (deleted > 0) {
    first_id_ = edge_id(true, true);
  }
  return st;
}

MICROREDIS_INLINE Status Stream::delete_at(Memory& mem, StreamBlockTree::Cursor c, std::size_t flags_offset) {
  std::uint8_t* lp = c.item().lp;
  const stream_detail::BlockHeader h(lp);
  if (h.count == 1) {
    // Its last live entry: the block goes, tombstones and all.
    const StreamID master = c.item().id;
    Listpack::destroy(mem, lp);
    blocks_.erase(mem, master);
  } else {
    std::uint8_t* out = stream_detail::set_counters(mem, lp, h.count - 1, h.deleted + 1);
    if (out == nullptr) return Status::oom;
    stream_detail::mark_deleted(mem, out, flags_offset);
    c.item().lp = out;
  }
  --length_;
  return Status::ok;
}

MICROREDIS_INLINE Status Stream::remove(Memory& mem, const StreamID& id, bool& removed) {
  removed = false;
  StreamBlockTree::Cursor c = blocks_.floor(id);
  if (!c.valid()) return Status::ok;
  const std::uint8_t* lp = c.item().lp;
  std::size_t offset = 0;
  stream_detail::for_each_entry(lp, c.item().id, [&](const std::uint8_t* p, const stream_detail::EntryView& e) {
    if (e.id < id) return true;
    if (e.id == id && (e.flags & kStreamItemDeleted) == 0) {
      offset = Listpack::offset(lp, p);
      removed = true;
    }
    return false;
  });
  if (!removed) return Status::ok;
  const Status st = delete_at(mem, c, offset);
  if (st != Status::ok) {
    removed = false;
    return st;
  }
  if (id > max_deleted_) max_deleted_ = id;
  if (length_ == 0) {
    first_id_ = StreamID{};
  } else if (id == first_id_) {
    first_id_ = edge_id(true, true);
  }
  return Status::ok;
}

MICROREDIS_INLINE bool Stream::contains(const StreamID& id) {
  StreamIterator it(*this, &id, &id, false);
  StreamID found;
  std::size_t numfields = 0;
  return it.next(found, numfields);
}

MICROREDIS_INLINE StreamID Stream::edge_id(bool first, bool skip_tombstones) {
  StreamIterator it(*this, nullptr, nullptr, !first);
  it.set_skip_tombstones(skip_tombstones);
  StreamID id;
  std::size_t numfields = 0;
  if (it.next(id, numfields)) return id;
  return first ? StreamID::max() : StreamID::min();
}

MICROREDIS_INLINE bool Stream::range_has_tombstones(const StreamID* start, const StreamID* end) const {
  if (length_ == 0 || max_deleted_.is_zero()) return false;   // empty, or never an XDEL
  if (first_id_ > max_deleted_) return false;                 // the last tombstone is before the first entry
  const StreamID s = start != nullptr ? *start : StreamID::min();
  const StreamID e = end != nullptr ? *end : StreamID::max();
  return s <= max_deleted_ && max_deleted_ <= e;
}

MICROREDIS_INLINE std::int64_t Stream::estimate_distance(const StreamID& id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<std::int64_t>(entries_added_);
  if (id == last_id_) return static_cast<std::int64_t>(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_.is_zero() || max_deleted_ < first_id_) {
    // No fragmentation ahead.
    if (id < first_id_) return static_cast<std::int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<std::int64_t>(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

MICROREDIS_INLINE bool Stream::group_lag(const StreamGroup& g, std::int64_t& lag) const {
  if (entries_added_ == 0) {
    lag = 0;
    return true;
  }
  if (g.entries_read != StreamGroup::kInvalidEntriesRead && !range_has_tombstones(&g.last_id, nullptr)) {
    lag = static_cast<std::int64_t>(entries_added_) - g.entries_read;
    return true;
  }
  const std::int64_t read = estimate_distance(g.last_id);
  if (read == StreamGroup::kInvalidEntriesRead) return false;
  lag = static_cast<std::int64_t>(entries_added_) - read;
  return true;
}

MICROREDIS_INLINE std::size_t Stream::group_index(std::string_view name, bool& found) const {
  std::size_t lo = 0;
  std::size_t hi = groups_.size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    const int c = stream_compare_names(groups_[mid]->name(), name);
    if (c == 0) {
      found = true;
      return mid;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  found = false;
  return lo;
}

MICROREDIS_INLINE StreamGroup* Stream::find_group(std::string_view name) const {
  bool found = false;
  const std::size_t i = group_index(name, found);
  return found ? groups_[i] : nullptr;
}

MICROREDIS_INLINE Status Stream::create_group(Memory& mem, std::string_view name, const StreamID& last_id,
                                              std::int64_t entries_read, StreamGroup*& out) {
  bool found = false;
  const std::size_t i = group_index(name, found);
  if (found) return Status::stream_busy_group;
  if (!groups_.grow_for(1)) return Status::oom;
  StreamGroup* g = StreamGroup::create(mem, name, last_id, entries_read);
  if (g == nullptr) return Status::oom;
  (void)groups_.resize(groups_.size() + 1);
  std::memmove(groups_.data() + i + 1, groups_.data() + i, (groups_.size() - 1 - i) * sizeof(StreamGroup*));
  groups_[i] = g;
  out = g;
  return Status::ok;
}

MICROREDIS_INLINE bool Stream::destroy_group(Memory& mem, std::string_view name) {
  bool found = false;
  const std::size_t i = group_index(name, found);
  if (!found) return false;
  StreamGroup* g = groups_[i];
  std::memmove(groups_.data() + i, groups_.data() + i + 1, (groups_.size() - 1 - i) * sizeof(StreamGroup*));
  groups_.pop_back();
  StreamGroup::destroy(mem, g);
  return true;
}

MICROREDIS_INLINE std::size_t Stream::radix_tree_nodes() {
  // Redis's radix tree over the blocks' 16-byte big-endian keys has, besides its root and one node
  // per key, a node for every trie node at depth 1..15 that branches or whose parent branches
  // (chains of single children are compressed into their first node). Computed depth by depth
  // from the common prefixes of neighbouring keys.
  const std::size_t n = blocks_.size();
  if (n == 0) return 1;
  auto key_byte = [](const StreamID& id, int i) {
    const std::uint64_t half = i < 8 ? id.ms : id.seq;
    return static_cast<std::uint8_t>(half >> (8 * (7 - (i % 8))));
  };
  auto common_prefix = [&](const StreamID& a, const StreamID& b) {
    int i = 0;
    while (i < 16 && key_byte(a, i) == key_byte(b, i)) ++i;
    return i;
  };
  std::size_t nodes = 1 + n;
  for (int d = 1; d <= 15; ++d) {
    std::size_t children = 0;         // child runs (depth d) in the current parent run
    std::size_t branching = 0;        // ... that branch themselves
    bool child_branches = false;
    auto close_child = [&] {
      ++children;
      if (child_branches) ++branching;
      child_branches = false;
    };
    auto close_parent = [&] {
      close_child();
      nodes += children >= 2 ? children : branching;
      children = branching = 0;
    };
    auto c = blocks_.first();
    StreamID prev = c.item().id;
    for (c.next(); c.valid(); c.next()) {
      const int l = common_prefix(prev, c.item().id);
      if (l < d - 1) {
        close_parent();
      } else if (l == d - 1) {
        close_child();
      } else if (l == d) {
        child_branches = true;
      }
      prev = c.item().id;
    }
    close_parent();
  }
  return nodes;
}

MICROREDIS_INLINE std::size_t Stream::memory_usage() {
  std::size_t n = sizeof(Stream) + blocks_.bytes() + groups_.capacity() * sizeof(StreamGroup*);
  for (auto c = blocks_.first(); c.valid(); c.next()) n += Listpack::bytes(c.item().lp);
  for (const StreamGroup* g : groups_) n += g->memory_usage();
  return n;
}

}  // namespace microredis
