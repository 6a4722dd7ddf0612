// Server commands that act on whole databases or the server: DBSIZE FLUSHDB FLUSHALL TIME LASTSAVE,
// and FUNCTION (a function registry without a script engine).
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {
namespace server_cmds {

inline void dbsize(Context& c) { c.out.integer(static_cast<std::int64_t>(c.db.size())); }

// FLUSHDB/FLUSHALL take [ASYNC | SYNC]; both free memory at once here, so the two are alike.
inline bool parse_flush_mode(Context& c) {
  if (c.argc == 1) return true;
  if (c.argc == 2 && (iequals(c.arg(1), "ASYNC") || iequals(c.arg(1), "SYNC"))) return true;
  c.out.error(Status::syntax);
  return false;
}

inline void flushdb(Context& c) {
  if (!parse_flush_mode(c)) return;
  std::uint64_t keys = c.db.size();
  c.engine.flushing(c.db);
  c.db.clear();
  c.engine.add_dirty(keys);
  c.out.ok();
}

inline void flushall(Context& c) {
  if (!parse_flush_mode(c)) return;
  std::uint64_t keys = 0;
  for (int i = 0; i < c.engine.db_count(); ++i) {
    keys += c.engine.db(i).size();
    c.engine.flushing(c.engine.db(i));
    c.engine.db(i).clear();
  }
  c.engine.add_dirty(keys);
  c.out.ok();
}

// TIME reads the engine's clock (the one TTLs use), as of the running command.
inline void time_now(Context& c) {
  const std::int64_t us = c.now_us();
  c.out.array(2);
  c.out.bulk_int(us / 1'000'000);
  c.out.bulk_int(us % 1'000'000);
}

// LASTSAVE: microredis never persists the dataset, so no save ever succeeded: 0, the Unix time of
// "never" (Redis reports its start time, as if the dataset had been saved at start-up).
inline void lastsave(Context& c) { c.out.integer(0); }

// FUNCTION: microredis has no script engine, so the library registry is always empty. The
// subcommands that inspect or clear it answer truthfully; LOAD reports the missing engine.
inline void function_flush(Context& c) {
  if (c.argc == 3 && !iequals(c.arg(2), "ASYNC") && !iequals(c.arg(2), "SYNC")) {
    return c.out.error(Status::function_flush_option);
  }
  c.out.ok();
}

inline void function_list(Context& c) {
  for (std::size_t i = 2; i < c.argc; ++i) {
    if (iequals(c.arg(i), "WITHCODE")) continue;
    if (iequals(c.arg(i), "LIBRARYNAME") && i + 1 < c.argc) {
      ++i;
      continue;
    }
    return c.out.error(Status::function_unknown_argument, c.arg(i).substr(0, 128));
  }
  c.out.array(0);
}

inline void function_load(Context& c) {
  std::string_view code = c.arg(c.argc - 1);
  if (code.substr(0, 2) != "#!") return c.out.error(Status::function_no_metadata);
  std::size_t end = code.find_first_of(" \n", 2);
  std::string_view engine = code.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
  c.out.error(Status::function_no_engine, engine.substr(0, 64));
}

inline void function_delete(Context& c) { c.out.error(Status::function_no_library); }

inline void function_stats(Context& c) {
  c.out.map(2);
  c.out.bulk("running_script");
  c.out.null();
  c.out.bulk("engines");
  c.out.map(0);
}

inline void function_kill(Context& c) { c.out.error(Status::function_not_busy); }

inline void function_help(Context& c) {
  c.reply_help({"LIST [LIBRARYNAME <library_name_pattern>] [WITHCODE]",
                "    Return general information on all the libraries.", "FLUSH [ASYNC|SYNC]",
                "    Delete all the libraries.", "STATS", "    Return information about the current function running.",
                "LOAD [REPLACE] <FUNCTION CODE>", "    Create a new library (no script engine is built into microredis).",
                "DELETE <LIBRARY NAME>", "    Delete the given library."});
}

inline const CommandSpec kFunctionSubcommands[] = {
    {"function|flush", -2, kWrite | kNoscript, 0, 0, 0, function_flush, "scripting", "Deletes all libraries and functions.",
     "7.0.0", "O(N) where N is the number of functions deleted", "[ASYNC | SYNC]", kAclScripting},
    {"function|list", -2, kNoscript, 0, 0, 0, function_list, "scripting", "Returns information about all libraries.",
     "7.0.0", "O(N) where N is the number of functions", "[LIBRARYNAME library-name-pattern] [WITHCODE]", kAclScripting},
    {"function|load", -3, kWrite | kDenyOom | kNoscript, 0, 0, 0, function_load, "scripting",
     "Creates a library.", "7.0.0", "O(1) (considering compilation time is redundant)", "[REPLACE] function-code",
     kAclScripting},
    {"function|delete", 3, kWrite | kNoscript, 0, 0, 0, function_delete, "scripting", "Deletes a library and its functions.",
     "7.0.0", "O(1)", "library-name", kAclScripting},
    {"function|stats", 2, kNoscript | kAllowBusy, 0, 0, 0, function_stats, "scripting",
     "Returns information about a function during execution.", "7.0.0", "O(1)", "", kAclScripting},
    {"function|kill", 2, kNoscript | kAllowBusy, 0, 0, 0, function_kill, "scripting", "Terminates a function during execution.",
     "7.0.0", "O(1)", "", kAclScripting},
    {"function|help", 2, kLoading | kStale, 0, 0, 0, function_help, "scripting",
     "Returns helpful text about the different subcommands.", "7.0.0", "O(1)", "", kAclScripting},
};

inline const CommandSpec kCommands[] = {
    {"dbsize", 1, kReadonly | kFast, 0, 0, 0, dbsize, "server", "Returns the number of keys in the database.", "1.0.0",
     "O(1)", "", kAclKeyspace},
    {"flushdb", -1, kWrite, 0, 0, 0, flushdb, "server", "Removes all keys from the current database.", "1.0.0",
     "O(N) where N is the number of keys in the selected database", "[ASYNC | SYNC]", kAclKeyspace | kAclDangerous},
    {"flushall", -1, kWrite, 0, 0, 0, flushall, "server", "Removes all keys from all databases.", "1.0.0",
     "O(N) where N is the total number of keys in all databases", "[ASYNC | SYNC]", kAclKeyspace | kAclDangerous},
    {"time", 1, kLoading | kStale | kFast, 0, 0, 0, time_now, "server", "Returns the server time.", "2.6.0", "O(1)", "", 0},
    {"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, lastsave, "server",
     "Returns the Unix timestamp of the last successful save to disk (0: never).", "1.0.0", "O(1)", "",
     kAclAdmin | kAclDangerous},
    {"function", -2, 0, 0, 0, 0, nullptr, "scripting", "A container for function commands.", "7.0.0",
     "Depends on subcommand.", "", 0, kFunctionSubcommands, sizeof kFunctionSubcommands / sizeof kFunctionSubcommands[0]},
};

}  // namespace server_cmds

MICROREDIS_INLINE bool register_server_commands(CommandTable& table) { return table.add(server_cmds::kCommands); }

}  // namespace microredis
