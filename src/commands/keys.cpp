#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {

MICROREDIS_INLINE bool register_keys_commands(CommandTable&) { return true; }

}  // namespace microredis
