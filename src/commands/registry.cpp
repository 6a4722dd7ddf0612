#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {

// The families a build leaves out (config.hpp's MICROREDIS_WITH_* groups) are not registered, so
// nothing refers to their code and the linker can drop it. The order is the table's (COMMAND lists
// commands in it).
MICROREDIS_INLINE bool register_builtin_commands(CommandTable& table) {
  return register_connection_commands(table) && register_server_commands(table) &&
         register_client_commands(table) && register_config_commands(table) && register_info_commands(table) &&
         register_introspection_commands(table) &&
#if MICROREDIS_WITH_DEBUG
         register_debug_commands(table) &&
#endif
         register_keys_commands(table) && register_expire_commands(table) && register_string_commands(table) &&
#if MICROREDIS_WITH_TRANSACTIONS
         register_transaction_commands(table) &&
#endif
#if MICROREDIS_WITH_BITMAPS
         register_bitmap_commands(table) &&
#endif
#if MICROREDIS_WITH_HYPERLOGLOG
         register_hyperloglog_commands(table) &&
#endif
#if MICROREDIS_WITH_HASHES
         register_hash_commands(table) &&
#endif
#if MICROREDIS_WITH_SETS
         register_set_commands(table) &&
#endif
         register_memory_commands(table) &&
#if MICROREDIS_WITH_PUBSUB
         register_pubsub_commands(table) &&
#endif
#if MICROREDIS_WITH_ZSETS
         register_zset_commands(table) &&
#endif
#if MICROREDIS_WITH_LISTS
         register_list_commands(table) &&
#endif
#if MICROREDIS_WITH_SORT
         register_sort_commands(table) &&
#endif
#if MICROREDIS_WITH_STREAMS
         register_stream_commands(table) &&
#endif
#if MICROREDIS_WITH_DUMP
         register_dump_commands(table) &&
#endif
#if MICROREDIS_WITH_GEO && MICROREDIS_WITH_ZSETS
         register_geo_commands(table) &&
#endif
#if MICROREDIS_WITH_CLUSTER
         register_cluster_commands(table) &&
#endif
         register_replication_commands(table);
}

}  // namespace microredis
