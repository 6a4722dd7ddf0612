#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {

MICROREDIS_INLINE bool register_builtin_commands(CommandTable& table) {
  return register_connection_commands(table) && register_server_commands(table) &&
         register_client_commands(table) && register_config_commands(table) && register_info_commands(table) &&
         register_introspection_commands(table) && register_debug_commands(table) &&
         register_keys_commands(table) && register_expire_commands(table) && register_string_commands(table) &&
         register_transaction_commands(table) &&
         register_bitmap_commands(table) && register_hyperloglog_commands(table) &&
         register_hash_commands(table) && register_set_commands(table) && register_memory_commands(table) &&
         register_pubsub_commands(table) && register_zset_commands(table) &&
         register_list_commands(table) && register_sort_commands(table) &&
         register_stream_commands(table) && register_dump_commands(table) && register_geo_commands(table) &&
         register_replication_commands(table);
}

}  // namespace microredis
