#include "microredis/command.hpp"

#include "microredis/engine.hpp"

#include <cstring>

namespace microredis {

MICROREDIS_INLINE std::int64_t Context::now_ms() const { return engine.now_ms(); }
MICROREDIS_INLINE std::int64_t Context::now_us() const { return engine.now_us(); }
MICROREDIS_INLINE Memory& Context::mem() const { return engine.memory(); }

MICROREDIS_INLINE std::size_t command_key_positions(const CommandSpec& spec, const std::string_view* argv,
                                                    std::size_t argc, std::size_t* out, std::size_t cap) {
  if (spec.get_keys != nullptr) return spec.get_keys(argv, argc, out, cap);
  if (spec.first_key <= 0) return 0;
  const auto n = static_cast<std::int64_t>(argc);
  const std::int64_t last = spec.last_key >= 0 ? spec.last_key : n + spec.last_key;
  const std::int64_t step = spec.key_step > 0 ? spec.key_step : 1;
  std::size_t count = 0;
  // Arguments past the end are skipped: the command itself reports the syntax error.
  for (std::int64_t i = spec.first_key; i <= last && i < n && count < cap; i += step) {
    out[count++] = static_cast<std::size_t>(i);
  }
  return count;
}

MICROREDIS_INLINE void Context::reply_help(std::initializer_list<std::string_view> lines) const {
  char header[96];
  std::size_t n = 0;
  std::string_view name = argv[0].substr(0, 32);
  for (char ch : name) header[n++] = ascii_upper(ch);
  constexpr std::string_view tail = " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  std::memcpy(header + n, tail.data(), tail.size());
  n += tail.size();
  out.array(lines.size() + 3);
  out.simple({header, n});
  for (std::string_view line : lines) out.simple(line);
  out.simple("HELP");
  out.simple("    Prints this help.");
}

MICROREDIS_INLINE Entry* Context::read_key(std::string_view key) const {
  Entry* e = db.lookup(key);
  KeyspaceShared& ks = engine.keyspace();
  if (e != nullptr) {
    ++ks.keyspace_hits;
  } else {
    ++ks.keyspace_misses;
    engine.keyspace_event(db, kNotifyKeyMiss, "keymiss", key);
  }
  return e;
}

MICROREDIS_INLINE Entry* Context::write_key(std::string_view key) const { return db.lookup(key); }

MICROREDIS_INLINE bool Context::check_type(const Entry* e, ValueType t) const {
  if (e == nullptr || e->type() == t) return true;
  out.error(Status::wrong_type);
  return false;
}

MICROREDIS_INLINE void Context::modified(std::string_view key) const { engine.key_modified(db, key); }
MICROREDIS_INLINE void Context::modified(Db& in, std::string_view key) const { engine.key_modified(in, key); }
MICROREDIS_INLINE void Context::notify(NotifyClass cls, std::string_view event, std::string_view key) const {
  engine.keyspace_event(db, cls, event, key);
}
MICROREDIS_INLINE void Context::notify(Db& in, NotifyClass cls, std::string_view event, std::string_view key) const {
  engine.keyspace_event(in, cls, event, key);
}

MICROREDIS_INLINE std::uint64_t CommandTable::name_hash(std::string_view s) {
  // FNV-1a over lower-cased bytes: lookups are case-insensitive and allocate nothing.
  std::uint64_t h = 1469598103934665603ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(ascii_lower(c));
    h *= 1099511628211ull;
  }
  return h;
}

MICROREDIS_INLINE bool CommandTable::rebuild_index(std::size_t capacity) {
  if (!index_.resize(capacity)) return false;
  for (auto& slot : index_) slot = 0;
  const std::size_t mask = capacity - 1;
  for (std::size_t i = 0; i < commands_.size(); ++i) {
    std::size_t pos = static_cast<std::size_t>(name_hash(commands_[i].spec->name())) & mask;
    while (index_[pos] != 0) pos = (pos + 1) & mask;
    index_[pos] = static_cast<std::uint32_t>(i + 1);
  }
  return true;
}

MICROREDIS_INLINE bool CommandTable::add(const CommandSpec* specs, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (find(specs[i].name())) return false;
    CommandRef ref{&specs[i], next_id_};
    if (!commands_.push_back(ref)) return false;
    next_id_ += 1 + static_cast<CommandId>(specs[i].subcommand_count);
  }
  // Keep the index at most half full.
  std::size_t capacity = 16;
  while (capacity < commands_.size() * 2) capacity *= 2;
  return rebuild_index(capacity);
}

MICROREDIS_INLINE CommandRef CommandTable::find(std::string_view name) const {
  if (index_.empty()) return {};
  const std::size_t mask = index_.size() - 1;
  std::size_t pos = static_cast<std::size_t>(name_hash(name)) & mask;
  while (std::uint32_t slot = index_[pos]) {
    const CommandRef& ref = commands_[slot - 1];
    if (iequals(ref.spec->name(), name)) return ref;
    pos = (pos + 1) & mask;
  }
  return {};
}

MICROREDIS_INLINE CommandRef CommandTable::find_subcommand(CommandRef container, std::string_view name) const {
  const CommandSpec& c = *container.spec;
  // Subcommand names are "container|sub"; compare the part after the bar.
  for (std::size_t i = 0; i < c.subcommand_count; ++i) {
    std::string_view full = c.subcommands[i].name();
    std::size_t bar = full.find('|');
    if (iequals(full.substr(bar + 1), name)) return {&c.subcommands[i], container.id + 1 + static_cast<CommandId>(i)};
  }
  return {};
}

MICROREDIS_INLINE CommandRef CommandTable::find_full(std::string_view name) const {
  std::size_t bar = name.find('|');
  if (bar == std::string_view::npos) return find(name);
  CommandRef container = find(name.substr(0, bar));
  if (!container || container.spec->subcommand_count == 0) return {};
  return find_subcommand(container, name.substr(bar + 1));
}

}  // namespace microredis
