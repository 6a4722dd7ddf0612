// The built-in command families. Each lives in src/commands/<family>.cpp, which opens with its
// CommandSpec array and ends with its register function. Families are registered explicitly
// (no static-init self-registration, which silently drops out of static libraries).
#pragma once

#include "command.hpp"

namespace microredis {

bool register_connection_commands(CommandTable& table);  // PING ECHO QUIT SELECT HELLO AUTH
bool register_server_commands(CommandTable& table);      // DBSIZE FLUSHDB FLUSHALL TIME SWAPDB ...
bool register_client_commands(CommandTable& table);      // CLIENT *
bool register_config_commands(CommandTable& table);      // CONFIG *
bool register_info_commands(CommandTable& table);        // INFO
bool register_introspection_commands(CommandTable& table);  // COMMAND *
bool register_debug_commands(CommandTable& table);       // DEBUG *
bool register_keys_commands(CommandTable& table);        // DEL EXISTS TYPE KEYS SCAN RENAME COPY MOVE OBJECT ...
bool register_expire_commands(CommandTable& table);      // EXPIRE TTL PERSIST ...
bool register_string_commands(CommandTable& table);      // GET SET INCR APPEND LCS ...
bool register_hash_commands(CommandTable& table);        // HSET HGET HDEL HGETALL HINCRBY HRANDFIELD HSCAN ...
bool register_set_commands(CommandTable& table);         // SADD SREM SMEMBERS SPOP SINTER SUNION SSCAN ...
bool register_list_commands(CommandTable& table);        // LPUSH LPOP LRANGE LINSERT LMOVE LMPOP ...

}  // namespace microredis
