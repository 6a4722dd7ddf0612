// CONFIG GET / SET / RESETSTAT / REWRITE / HELP over the settings table (settings.hpp).
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace config_cmds {

inline bool has_glob(std::string_view s) { return s.find_first_of("[*?") != std::string_view::npos; }

// CONFIG GET, as Redis 7.0 matches: a plain name is listed under the name as given (alias or
// not, any case) unless that text is listed already; a pattern runs over names and aliases alike,
// skipping a setting whose own name is listed already. Aliases are visited before names, so that
// "*" lists both (in Redis the order is its dict's; the test suite expects both for "*of").
inline void config_get(Context& c) {
  std::size_t count = 0;
  const ConfigSpec* specs = config_specs(count);
  struct Match {
    const ConfigSpec* spec;
    std::string_view shown;
  };
  Vec<Match> matches(c.mem());
  auto listed = [&](std::string_view shown) {
    for (const Match& m : matches) {
      if (iequals(m.shown, shown)) return true;
    }
    return false;
  };
  for (std::size_t a = 2; a < c.argc; ++a) {
    std::string_view pattern = c.arg(a);
    if (!has_glob(pattern)) {
      const ConfigSpec* spec = find_config(pattern);
      if (spec != nullptr && !listed(pattern) && !matches.push_back({spec, pattern})) return c.out.error(Status::oom);
      continue;
    }
    for (std::size_t i = 0; i < count; ++i) {
      const ConfigSpec& spec = specs[i];
      for (std::string_view key : {spec.alias, spec.name}) {
        if (key.empty() || listed(spec.name) || !glob_match(pattern, key, true)) continue;
        if (!matches.push_back({&spec, key})) return c.out.error(Status::oom);
      }
    }
  }
  // Render every value first, so that running out of memory gives -OOM rather than a cut reply.
  Buffer values(c.mem());
  Vec<std::size_t> ends(c.mem());
  for (const Match& m : matches) {
    m.spec->get(c.engine, values);
    if (values.incomplete() || !ends.push_back(values.size())) return c.out.error(Status::oom);
  }
  c.out.map(matches.size());
  std::size_t from = 0;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    c.out.bulk(matches[i].shown);
    c.out.bulk(values.view().substr(from, ends[i] - from));
    from = ends[i];
  }
}

// The reason a run-time-fixed setting cannot take a new value, in Redis's words where it has them.
inline std::string_view fixed_reason(const ConfigSpec& spec) {
  if (spec.name == "port") return "Unable to listen on this port: the listener cannot move while serving";
  if (spec.name == "bind") return "Failed to bind to specified addresses: the listener cannot move while serving";
  return "can't change this config while serving";
}

inline void config_set(Context& c) {
  // CONFIG SET name value [name value ...]: all or nothing.
  if (c.argc % 2 != 0) return c.out.error(Status::syntax);
  constexpr std::size_t kMaxPairs = 64;
  const std::size_t pairs = (c.argc - 2) / 2;
  if (pairs > kMaxPairs) return c.out.error(Status::syntax);
  const ConfigSpec* found[kMaxPairs];
  // The first problem in argument order is the one reported, as Redis.
  for (std::size_t i = 0; i < pairs; ++i) {
    std::string_view name = c.arg(2 + i * 2);
    found[i] = find_config(name);
    if (found[i] == nullptr) return c.out.error(Status::config_unknown_parameter, name);
    if (found[i]->flag == ConfigFlag::immutable) return c.out.error(Status::config_immutable, name);
    for (std::size_t j = 0; j < i; ++j) {
      if (found[j] == found[i]) return c.out.error(Status::config_duplicate_parameter, name);
    }
  }
  // Keep the old values to roll back if a later value is refused.
  Buffer old_values(c.mem());
  Buffer now(c.mem());
  std::size_t offsets[kMaxPairs + 1];
  for (std::size_t i = 0; i < pairs; ++i) {
    offsets[i] = old_values.size();
    found[i]->get(c.engine, old_values);
  }
  if (old_values.incomplete()) return c.out.error(Status::oom);  // nothing changed yet
  offsets[pairs] = old_values.size();
  auto old_value = [&](std::size_t i) { return old_values.view().substr(offsets[i], offsets[i + 1] - offsets[i]); };
  for (std::size_t i = 0; i < pairs; ++i) {
    ConfigError err;
    bool ok = found[i]->set(c.engine, c.arg(3 + i * 2), err);
    if (ok && found[i]->flag == ConfigFlag::runtime_fixed) {
      now.reset();
      found[i]->get(c.engine, now);
      if (now.incomplete() || now.view() != old_value(i)) {
        err.set(fixed_reason(*found[i]));
        ok = false;
      }
    }
    if (!ok) {
      for (std::size_t j = 0; j <= i; ++j) {
        ConfigError ignored;
        (void)found[j]->set(c.engine, old_value(j), ignored);
      }
      return c.out.error(Status::config_set_failed, found[i]->name, err.view());
    }
  }
  c.engine.apply_settings();
  c.out.ok();
}

inline void config_resetstat(Context& c) {
  c.engine.reset_stats();
  c.out.ok();
}

inline void config_rewrite(Context& c) {
  // The engine has no configuration file; an adapter that loads one owns rewriting it.
  c.out.error(Status::no_config_file);
}

inline void config_help(Context& c) {
  c.reply_help({"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
                "    Reset statistics reported by the INFO command.", "REWRITE",
                "    Rewrite the configuration file."});
}



inline const CommandSpec kConfigSubcommands[] = {
    {"config|get", -3, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, config_get, "server",
     "Returns the effective values of configuration parameters.", "2.0.0",
     "O(N) when N is the number of configuration parameters provided", "parameter [parameter ...]"},
    {"config|set", -4, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, config_set, "server",
     "Sets configuration parameters in-flight.", "2.0.0",
     "O(N) when N is the number of configuration parameters provided", "parameter value [parameter value ...]",
     kAclDangerous},
    {"config|resetstat", 2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, config_resetstat, "server",
     "Resets the server's statistics.", "2.0.0", "O(1)", "", kAclDangerous},
    {"config|rewrite", 2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, config_rewrite, "server",
     "Persists the effective configuration to file.", "2.8.0", "O(1)", "", kAclDangerous},
    {"config|help", 2, kLoading | kStale, 0, 0, 0, config_help, "server", "Returns helpful text about the different subcommands.",
     "5.0.0", "O(1)", ""},
};

inline const CommandSpec kCommands[] = {
    {"config", -2, 0, 0, 0, 0, nullptr, "server", "A container for server configuration commands.", "2.0.0",
     "Depends on subcommand.", "", 0, kConfigSubcommands, sizeof kConfigSubcommands / sizeof kConfigSubcommands[0]},
};

}  // namespace config_cmds

MICROREDIS_INLINE bool register_config_commands(CommandTable& table) { return table.add(config_cmds::kCommands); }

}  // namespace microredis
