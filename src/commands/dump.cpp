// DUMP and RESTORE: values in Redis's RDB serialization (store/rdb.hpp), with the version and
// CRC64 footer of Redis's DUMP payloads, so that values move between microredis and Redis 7.0 in
// either direction. RESTORE-ASKING is RESTORE for clients in ASKING state during a cluster slot
// migration; without cluster mode it is RESTORE under another name, as in Redis.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/store/rdb.hpp"
#include "rdb_limits.hpp"

namespace microredis {
namespace dump_cmds {

inline void dump(Context& c) {
  const Entry* e = c.read_key(c.arg(1));
  if (e == nullptr) return c.out.null();
  Buffer payload(c.mem());
  if (!rdb::create_dump_payload(c.mem(), *e, payload)) return c.out.error(Status::oom);
  c.out.bulk(payload.view());
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
inline void restore(Context& c) {
  std::int64_t ttl = 0, freq = -1, idle = -1;
  bool replace = false, absttl = false;
  for (std::size_t j = 4; j < c.argc; ++j) {
    const std::string_view opt = c.arg(j);
    const bool more = j + 1 < c.argc;
    if (iequals(opt, "REPLACE")) {
      replace = true;
    } else if (iequals(opt, "ABSTTL")) {
      absttl = true;
    } else if (iequals(opt, "IDLETIME") && more && freq == -1) {
      if (!parse_int64(c.arg(++j), idle)) return c.out.error(Status::not_integer);
      if (idle < 0) return c.out.error(Status::restore_invalid_idletime);
    } else if (iequals(opt, "FREQ") && more && idle == -1) {
      if (!parse_int64(c.arg(++j), freq)) return c.out.error(Status::not_integer);
      if (freq < 0 || freq > 255) return c.out.error(Status::restore_invalid_freq);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  const std::string_view key = c.arg(1);
  if (!replace && c.write_key(key) != nullptr) return c.out.error(Status::busy_key);
  if (!parse_int64(c.arg(2), ttl)) return c.out.error(Status::not_integer);
  if (ttl < 0) return c.out.error(Status::restore_invalid_ttl);
  const std::string_view payload = c.arg(3);
  if (!rdb::verify_dump_payload(payload)) return c.out.error(Status::dump_payload_wrong);

  rdb::LoadedValue value(c.mem());
  switch (rdb::load_dump_payload(c.mem(), rdb_limits::load_limits(c.engine), payload, value)) {
    case rdb::LoadResult::ok: break;
    case rdb::LoadResult::oom: return c.out.error(Status::oom);
    case rdb::LoadResult::bad_format: return c.out.error(Status::bad_data_format);
  }

  bool deleted = false;
  if (replace && c.write_key(key) != nullptr) deleted = c.db.remove(key);
  if (ttl != 0 && !absttl) ttl += c.now_ms();
  if (ttl != 0 && ttl <= c.now_ms()) {
    // Already expired: the value is dropped; a replaced key counts as deleted.
    const Entry::Layout& l = value.layout;
    if (l.encoding != Encoding::int_ && l.encoding != Encoding::embstr) free_value(c.mem(), l.type, l.encoding, l.pointer);
    if (deleted) {
      c.modified(key);
      c.notify(kNotifyGeneric, "del", key);
      c.propagate_as({"DEL", key});
    }
    return c.out.ok();
  }
  Entry* e = c.db.put(key, value.layout, ttl != 0 ? ttl : -1);
  if (e == nullptr) return c.out.error(Status::oom);
  std::uint32_t field = 0;
  const Settings& s = c.engine.settings();
  if (rdb::lru_field_for(rdb_limits::lfu_policy(s), freq, idle, c.now_ms(), field)) e->set_lru(field);
  c.modified(key);
  c.notify(kNotifyGeneric, "restore", key);
  c.out.ok();
  // A relative TTL propagates as the absolute one: argument 2 replaced, ABSTTL appended.
  if (ttl != 0 && !absttl && c.propagating()) {
    Vec<std::string_view> args(c.mem());
    if (!args.reserve(c.argc + 1)) return;
    for (std::size_t i = 0; i < c.argc; ++i) (void)args.push_back(c.arg(i));
    char ms[kLongLongChars];
    args[2] = {ms, format_int64(ms, ttl)};
    (void)args.push_back("ABSTTL");
    c.propagate_as(args.data(), args.size());
  }
}

inline const CommandSpec kCommands[] = {
    {"dump", 2, kReadonly, 1, 1, 1, dump, "generic",
     "Returns a serialized representation of the value stored at a key.", "2.6.0",
     "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects "
     "composing the value and M their average size.",
     "key", kAclKeyspace},
    {"restore", -4, kWrite | kDenyOom, 1, 1, 1, restore, "generic",
     "Creates a key from the serialized representation of a value.", "2.6.0",
     "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the "
     "number of Redis objects composing the value and M their average size.",
     "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
     kAclKeyspace | kAclDangerous},
    {"restore-asking", -4, kWrite | kDenyOom | kAsking, 1, 1, 1, restore, "server",
     "RESTORE for a client in ASKING state during a cluster slot migration.", "3.0.0",
     "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the "
     "number of Redis objects composing the value and M their average size.",
     "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
     kAclKeyspace | kAclDangerous},
};

}  // namespace dump_cmds

MICROREDIS_INLINE bool register_dump_commands(CommandTable& table) { return table.add(dump_cmds::kCommands); }

}  // namespace microredis
