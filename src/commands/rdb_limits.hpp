// The settings that choose the encodings of values loaded from RDB data (RESTORE, DEBUG RELOAD).
#pragma once

#include "microredis/engine.hpp"
#include "microredis/store/rdb.hpp"

namespace microredis {
namespace rdb_limits {

inline std::size_t size_of_setting(std::int64_t v) { return v < 0 ? 0 : static_cast<std::size_t>(v); }

inline rdb::LoadLimits load_limits(Engine& engine) {
  const Settings& s = engine.settings();
  rdb::LoadLimits l;
  l.hash.max_listpack_entries = size_of_setting(s.hash_max_listpack_entries);
  l.hash.max_listpack_value = size_of_setting(s.hash_max_listpack_value);
  l.set.max_intset_entries = size_of_setting(s.set_max_intset_entries);
  l.zset.max_listpack_entries = size_of_setting(s.zset_max_listpack_entries);
  l.zset.max_listpack_value = size_of_setting(s.zset_max_listpack_value);
  l.list = QuicklistLimits::of(s.list_max_listpack_size, static_cast<std::size_t>(s.list_packed_threshold));
  l.seed = engine.random().next();
  l.max_string = static_cast<std::size_t>(s.proto_max_bulk_len);
  return l;
}

inline bool lfu_policy(const Settings& s) {
  return s.maxmemory_policy == EvictionPolicy::allkeys_lfu || s.maxmemory_policy == EvictionPolicy::volatile_lfu;
}
inline bool lru_policy(const Settings& s) {
  return s.maxmemory_policy == EvictionPolicy::allkeys_lru || s.maxmemory_policy == EvictionPolicy::volatile_lru;
}

}  // namespace rdb_limits
}  // namespace microredis
