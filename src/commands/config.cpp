#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {

MICROREDIS_INLINE bool register_config_commands(CommandTable&) { return true; }

}  // namespace microredis
