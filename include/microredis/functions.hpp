// Redis 7.0 functions (FUNCTION ..., FCALL, FCALL_RO): the seam between the core and a function
// engine. The core registers the commands; a component that runs code (adapters/lua) installs a
// FunctionHost with Engine::set_function_host() and then owns the libraries: it compiles them,
// keeps them, runs them, and hands them to the RDB image (RDB_OPCODE_FUNCTION2 records) and back.
//
// Without a host (a build without Lua, e.g. firmware) the registry is empty and stays so: LIST is
// empty, STATS lists no engine, FLUSH succeeds, LOAD and RESTORE answer Redis's "Engine '<name>'
// not found", FCALL "Function not found", and an image holding functions does not load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memory.hpp"

namespace microredis {

struct Context;

class FunctionHost {
 public:
  enum class Op : std::uint8_t { load, delete_library, flush, list, stats, kill, dump, restore, fcall, fcall_ro };
  // Runs one FUNCTION subcommand or FCALL/FCALL_RO (arity already checked), writing its reply.
  virtual void command(Context& c, Op op) = 0;
  // FCALL's flags for function `name` (Redis's fcallGetCommandFlags): spec_flags with write,
  // deny-oom and stale replaced as the function's flags say; spec_flags when there is none.
  virtual std::uint32_t call_flags(std::uint32_t spec_flags, std::string_view name) const = 0;
  // Appends RDB_OPCODE_FUNCTION2 and the code of every library (what FUNCTION DUMP and an image
  // hold). false when out of memory.
  virtual bool save(Buffer& out) const = 0;
  // A library from an image (its whole code, shebang included); replace: one of the same name
  // is replaced (DEBUG RELOAD ... MERGE), else a clash fails. false when it does not load.
  virtual bool load(std::string_view code, bool replace) = 0;
  // Deletes every library (DEBUG RELOAD, DEBUG LOADAOF: Redis's emptyData with functions).
  virtual void flush() = 0;
  struct Stats {
    std::size_t libraries = 0;
    std::size_t functions = 0;
    std::size_t vm_memory = 0;  // the function interpreter's heap (used_memory_vm_functions)
    std::size_t overhead = 0;   // the registry's own structures (used_memory_functions)
    // EVAL's side, which the same component runs (INFO memory shows both).
    std::size_t cached_scripts = 0;  // number_of_cached_scripts
    std::size_t eval_vm_memory = 0;  // EVAL's interpreter heap (used_memory_vm_eval)
    std::size_t eval_overhead = 0;   // the script cache's own structures (used_memory_scripts_eval)
  };
  virtual Stats stats() const = 0;

 protected:
  ~FunctionHost() = default;
};

}  // namespace microredis

namespace microredis {

// rdb::ImageLoad::function for a host (its function_ctx).
inline bool load_function_into_host(void* host, std::string_view code, bool replace) {
  return static_cast<FunctionHost*>(host)->load(code, replace);
}

// A library's shebang line, "#!<engine> name=<library>" (Redis's functionExtractLibMetaData,
// with sdssplitargs's quoting), and the checks FUNCTION LOAD makes before it looks for the
// engine. On success engine and name view `code` or `scratch`, and body_offset is where the code
// after the shebang line starts (at its line feed, so line numbers stay the user's).
struct LibraryMetadata {
  std::string_view engine;
  std::string_view name;
  std::size_t body_offset = 0;
};
// false with the error text (without "ERR ") in error, which is empty or incomplete when memory
// ran out; scratch holds the unquoted tokens.
bool parse_library_metadata(std::string_view code, Buffer& scratch, LibraryMetadata& out, Buffer& error);
// Letters, digits and underscores, at least one (Redis's functionsVerifyName).
bool valid_function_name(std::string_view name);
inline constexpr char kBadFunctionName[] =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

}  // namespace microredis
