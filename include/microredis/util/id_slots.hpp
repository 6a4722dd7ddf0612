// Values kept per command id and created on a command's first use: a 16-bit slot per id, and the
// values in order of first use, grown a few at a time. An application runs a handful of the ~360
// commands and subcommands; a value for every one of them would cost the idle engine its size
// ~360 times (the counters alone: 11 KB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../config.hpp"
#include "../memory.hpp"

namespace microredis {

template <class T>
class IdSlots {
 public:
  explicit IdSlots(Memory& mem) : slot_of_(mem), values_(mem) {}

  // Ids [0, count) may get a value.
  void set_id_count(std::size_t count) { id_count_ = count; }
  // The value of id if it has one, else nullptr.
  const T* find(std::uint32_t id) const {
    if (id >= slot_of_.size() || slot_of_[id] == 0) return nullptr;
    return &values_[slot_of_[id] - 1u];
  }
  // The value of id, value-initialised on first use; nullptr when out of memory. Valid until the
  // next get() or reset().
  T* get(std::uint32_t id) {
    if (MICROREDIS_LIKELY(id < slot_of_.size() && slot_of_[id] != 0)) return &values_[slot_of_[id] - 1u];
    return create(id);
  }
  // Frees every value.
  void reset() {
    slot_of_.release();
    values_.release();
  }
  // How many ids have a value.
  std::size_t count() const { return values_.size(); }

 private:
  T* create(std::uint32_t id) {
    if (id >= id_count_ || values_.size() >= 0xffffu) return nullptr;
    if (slot_of_.size() < id_count_) {
      const std::size_t had = slot_of_.size();
      if (!slot_of_.resize(id_count_)) return nullptr;
      std::memset(slot_of_.data() + had, 0, (id_count_ - had) * sizeof(std::uint16_t));
    }
    if (values_.size() == values_.capacity() && !values_.reserve(values_.size() + 4)) return nullptr;
    if (!values_.push_back(T{})) return nullptr;
    slot_of_[id] = static_cast<std::uint16_t>(values_.size());
    return &values_[values_.size() - 1];
  }

  Vec<std::uint16_t> slot_of_;  // per command id: 1 + index in values_, 0 = none yet
  Vec<T> values_;
  std::size_t id_count_ = 0;
};

}  // namespace microredis
