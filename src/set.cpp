#include "microredis/store/set.hpp"

namespace microredis {

MICROREDIS_INLINE SetMember* SetMember::create(Memory& mem, std::string_view s) {
  auto* p = static_cast<std::uint8_t*>(mem.allocate(TableString::alloc_size(s.size()), 1));
  if (p == nullptr) return nullptr;
  TableString::write(p, s);
  return reinterpret_cast<SetMember*>(p);
}

MICROREDIS_INLINE bool SetObject::create_intset(Memory& mem, SetObject& out) {
  Intset* is = Intset::create(mem);
  if (is == nullptr) return false;
  out = SetObject(Encoding::intset, is);
  return true;
}

MICROREDIS_INLINE bool SetObject::create_table(Memory& mem, std::uint64_t seed, SetObject& out) {
  auto* t = mem.create<SetMemberTable>(mem, seed);
  if (t == nullptr) return false;
  out = SetObject(Encoding::hashtable, t);
  return true;
}

MICROREDIS_INLINE bool SetObject::create_for(Memory& mem, std::uint64_t seed, std::string_view first, SetObject& out) {
  std::int64_t v = 0;
  return string_is_int(first, v) ? create_intset(mem, out) : create_table(mem, seed, out);
}

MICROREDIS_INLINE void SetObject::destroy(Memory& mem) {
  if (ptr_ == nullptr) return;
  if (is_intset()) {
    Intset::destroy(mem, intset());
  } else {
    SetMemberTable* t = table();
    t->clear([&mem](void* e) { SetMember::destroy(mem, static_cast<SetMember*>(e)); });
    mem.destroy(t);
  }
  ptr_ = nullptr;
}

MICROREDIS_INLINE bool SetObject::clone(Memory& mem, SetObject& out) const {
  if (is_intset()) {
    Intset* copy = Intset::clone(mem, intset());
    if (copy == nullptr) return false;
    out = SetObject(Encoding::intset, copy);
    return true;
  }
  const SetMemberTable* src = table();
  SetObject copy;
  if (!create_table(mem, src->hash("copy"), copy)) return false;
  SetMemberTable* t = copy.table();
  t->reserve(src->size());
  bool ok = true;
  src->for_each([&](void* e) {
    if (!ok) return;
    const std::string_view s = static_cast<const SetMember*>(e)->view();
    SetMember* dup = SetMember::create(mem, s);
    if (dup == nullptr || !t->insert(dup, t->hash(s))) {
      if (dup != nullptr) SetMember::destroy(mem, dup);
      ok = false;
    }
  });
  if (!ok) {
    copy.destroy(mem);
    return false;
  }
  out = copy;
  return true;
}

MICROREDIS_INLINE bool SetObject::contains(std::string_view member) const {
  if (is_intset()) {
    std::int64_t v = 0;
    return string_is_int(member, v) && intset()->contains(v);
  }
  return table()->find(member) != nullptr;
}

MICROREDIS_INLINE bool SetObject::needs_table_for(std::string_view member) const {
  std::int64_t v = 0;
  return is_intset() && !string_is_int(member, v);
}

MICROREDIS_INLINE bool SetObject::over_entries(const SetLimits& limits) const {
  if (!is_intset()) return false;
  std::size_t max = limits.max_intset_entries;
  if (max > Intset::kMaxEntries) max = Intset::kMaxEntries;
  return intset()->length() > max;
}

MICROREDIS_INLINE Status SetObject::add(Memory& mem, std::string_view member, bool& added) {
  added = false;
  if (is_intset()) {
    std::int64_t v = 0;
    if (!string_is_int(member, v)) return Status::wrong_type;  // a caller bug: convert first
    Intset* result = Intset::add(mem, intset(), v, added);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    return Status::ok;
  }
  SetMemberTable* t = table();
  const std::uint64_t h = t->hash(member);
  if (t->find(member, h) != nullptr) return Status::ok;
  SetMember* m = SetMember::create(mem, member);
  if (m == nullptr) return Status::oom;
  if (!t->insert(m, h)) {
    SetMember::destroy(mem, m);
    return Status::oom;
  }
  added = true;
  return Status::ok;
}

MICROREDIS_INLINE Status SetObject::remove(Memory& mem, std::string_view member, bool& removed) {
  removed = false;
  if (is_intset()) {
    std::int64_t v = 0;
    if (!string_is_int(member, v)) return Status::ok;
    Intset* result = Intset::remove(mem, intset(), v, removed);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    return Status::ok;
  }
  auto* m = static_cast<SetMember*>(table()->remove(member));
  if (m == nullptr) return Status::ok;
  SetMember::destroy(mem, m);
  removed = true;
  return Status::ok;
}

MICROREDIS_INLINE bool SetObject::to_table(Memory& mem, std::uint64_t seed, SetObject& out) const {
  SetObject converted;
  if (!create_table(mem, seed, converted)) return false;
  SetMemberTable* t = converted.table();
  const Intset* is = intset();
  const std::size_t n = is->length();
  t->reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    ElementText buf;
    const std::string_view s{buf, format_int64(buf, is->at(i))};
    SetMember* m = SetMember::create(mem, s);
    if (m == nullptr || !t->insert(m, t->hash(s))) {
      if (m != nullptr) SetMember::destroy(mem, m);
      converted.destroy(mem);
      return false;
    }
  }
  out = converted;
  return true;
}

MICROREDIS_INLINE Element SetObject::random(Random& rng) const {
  if (is_intset()) return Element::of_int(intset()->random(rng));
  return Element::of_bytes(static_cast<const SetMember*>(fair_random_entry(*table(), rng))->view());
}

MICROREDIS_INLINE std::size_t SetObject::memory_usage() const {
  if (is_intset()) return intset()->bytes();
  const SetMemberTable* t = table();
  std::size_t total = sizeof(SetMemberTable) + t->overhead_bytes();
  t->for_each([&](void* e) { total += static_cast<const SetMember*>(e)->alloc_size(); });
  return total;
}

}  // namespace microredis
