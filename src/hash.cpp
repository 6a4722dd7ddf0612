#include "microredis/store/hash.hpp"

namespace microredis {

MICROREDIS_INLINE HashField* HashField::create(Memory& mem, std::string_view field, std::string_view value) {
  const std::size_t size = TableString::alloc_size(field.size()) + TableString::alloc_size(value.size());
  auto* p = static_cast<std::uint8_t*>(mem.allocate(size, 1));
  if (p == nullptr) return nullptr;
  TableString::write(TableString::write(p, field), value);
  return reinterpret_cast<HashField*>(p);
}

MICROREDIS_INLINE bool HashObject::create(Memory& mem, HashObject& out) {
  std::uint8_t* lp = Listpack::create(mem);
  if (lp == nullptr) return false;
  out = HashObject(Encoding::listpack, lp);
  return true;
}

MICROREDIS_INLINE void HashObject::destroy(Memory& mem) {
  if (ptr_ == nullptr) return;
  if (is_listpack()) {
    Listpack::destroy(mem, listpack());
  } else {
    HashFieldTable* t = table();
    t->clear([&mem](void* e) { HashField::destroy(mem, static_cast<HashField*>(e)); });
    mem.destroy(t);
  }
  ptr_ = nullptr;
}

MICROREDIS_INLINE bool HashObject::clone(Memory& mem, HashObject& out) const {
  if (is_listpack()) {
    std::uint8_t* copy = Listpack::clone(mem, listpack());
    if (copy == nullptr) return false;
    out = HashObject(Encoding::listpack, copy);
    return true;
  }
  const HashFieldTable* src = table();
  // A seed derived from the source's own: deterministic, and no collisions in common.
  auto* t = mem.create<HashFieldTable>(mem, src->hash("copy"));
  if (t == nullptr) return false;
  HashObject copy(Encoding::hashtable, t);
  t->reserve(src->size());
  bool ok = true;
  src->for_each([&](void* e) {
    if (!ok) return;
    auto* f = static_cast<const HashField*>(e);
    HashField* dup = HashField::create(mem, f->field(), f->value());
    if (dup == nullptr || !t->insert(dup, t->hash(f->field()))) {
      if (dup != nullptr) HashField::destroy(mem, dup);
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

MICROREDIS_INLINE std::size_t HashObject::length() const {
  return is_listpack() ? Listpack::length(listpack()) / 2 : table()->size();
}

MICROREDIS_INLINE bool HashObject::get(std::string_view field, Element& value) const {
  if (is_listpack()) {
    const std::uint8_t* lp = listpack();
    const std::uint8_t* f = Listpack::find(lp, Listpack::first(lp), field, 1);
    if (f == nullptr) return false;
    value = Listpack::get(Listpack::next(lp, f));
    return true;
  }
  auto* f = static_cast<const HashField*>(table()->find(field));
  if (f == nullptr) return false;
  value = Element::of_bytes(f->value());
  return true;
}

MICROREDIS_INLINE bool HashObject::needs_table_for(const HashLimits& limits, const std::string_view* strings,
                                                   std::size_t n) const {
  if (!is_listpack()) return false;
  std::size_t sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (strings[i].size() > limits.max_listpack_value) return true;
    sum += strings[i].size();
  }
  return !Listpack::safe_to_add(listpack(), sum);
}

MICROREDIS_INLINE Status HashObject::set(Memory& mem, std::string_view field, std::string_view value, bool& updated) {
  updated = false;
  if (is_listpack()) {
    std::uint8_t* lp = listpack();
    const std::uint8_t* f = Listpack::find(lp, Listpack::first(lp), field, 1);
    std::uint8_t* result = nullptr;
    if (f != nullptr) {
      updated = true;
      result = Listpack::replace(mem, lp, Listpack::offset(lp, Listpack::next(lp, f)), Element::of(value));
    } else {
      const Element pair[2] = {Element::of(field), Element::of(value)};
      result = Listpack::insert(mem, lp, Listpack::bytes(lp), pair, 2);
    }
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    return Status::ok;
  }
  HashFieldTable* t = table();
  const std::uint64_t h = t->hash(field);
  void** slot = t->find_slot(field, h);
  if (slot != nullptr) {
    updated = true;
    auto* old = static_cast<HashField*>(*slot);
    if (old->value().size() == value.size()) {
      // Same length: overwrite in place, no allocation.
      if (!value.empty()) std::memcpy(old->value_data(), value.data(), value.size());
      return Status::ok;
    }
    HashField* fresh = HashField::create(mem, field, value);
    if (fresh == nullptr) return Status::oom;
    *slot = fresh;
    HashField::destroy(mem, old);
    return Status::ok;
  }
  HashField* fresh = HashField::create(mem, field, value);
  if (fresh == nullptr) return Status::oom;
  if (!t->insert(fresh, h)) {
    HashField::destroy(mem, fresh);
    return Status::oom;
  }
  return Status::ok;
}

MICROREDIS_INLINE Status HashObject::remove(Memory& mem, std::string_view field, bool& removed) {
  removed = false;
  if (is_listpack()) {
    std::uint8_t* lp = listpack();
    const std::uint8_t* f = Listpack::find(lp, Listpack::first(lp), field, 1);
    if (f == nullptr) return Status::ok;
    std::uint8_t* result = Listpack::erase(mem, lp, Listpack::offset(lp, f), 2);
    if (result == nullptr) return Status::oom;
    ptr_ = result;
    removed = true;
    return Status::ok;
  }
  auto* f = static_cast<HashField*>(table()->remove(field));
  if (f == nullptr) return Status::ok;
  HashField::destroy(mem, f);
  removed = true;
  return Status::ok;
}

MICROREDIS_INLINE bool HashObject::to_table(Memory& mem, std::uint64_t seed, HashObject& out) const {
  auto* t = mem.create<HashFieldTable>(mem, seed);
  if (t == nullptr) return false;
  HashObject converted(Encoding::hashtable, t);
  t->reserve(length());
  bool ok = true;
  for_each([&](const Element& field, const Element& value) {
    if (!ok) return;
    ElementText fbuf;
    ElementText vbuf;
    const std::string_view f = field.text(fbuf);
    HashField* e = HashField::create(mem, f, value.text(vbuf));
    if (e == nullptr || !t->insert(e, t->hash(f))) {
      if (e != nullptr) HashField::destroy(mem, e);
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

MICROREDIS_INLINE void HashObject::random_pair(Random& rng, Element& field, Element& value) const {
  if (is_listpack()) {
    const std::uint8_t* lp = listpack();
    const std::uint8_t* f = Listpack::seek(lp, static_cast<std::int64_t>(2 * rng.below(length())));
    field = Listpack::get(f);
    value = Listpack::get(Listpack::next(lp, f));
    return;
  }
  auto* f = static_cast<const HashField*>(fair_random_entry(*table(), rng));
  field = Element::of_bytes(f->field());
  value = Element::of_bytes(f->value());
}

MICROREDIS_INLINE std::size_t HashObject::memory_usage() const {
  if (is_listpack()) return Listpack::bytes(listpack());
  const HashFieldTable* t = table();
  std::size_t total = sizeof(HashFieldTable) + t->overhead_bytes();
  t->for_each([&](void* e) { total += static_cast<const HashField*>(e)->alloc_size(); });
  return total;
}

}  // namespace microredis
