// One enum of error statuses and the one table of the texts Redis sends for them.
// Clients match on these strings, so each text is word for word what Redis 7 replies.
// A text may contain "{}" placeholders, filled in order by Writer::error(status, args...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace microredis {

#define MICROREDIS_STATUS_LIST(X)                                                                  \
  X(ok, "OK")                                                                                      \
  /* generic */                                                                                    \
  X(syntax, "ERR syntax error")                                                                    \
  X(wrong_type, "WRONGTYPE Operation against a key holding the wrong kind of value")               \
  X(no_such_key, "ERR no such key")                                                                \
  X(not_integer, "ERR value is not an integer or out of range")                                   \
  X(not_float, "ERR value is not a valid float")                                                   \
  X(out_of_range, "ERR value is out of range")                                                     \
  X(out_of_range_positive, "ERR value is out of range, must be positive")                          \
  X(index_out_of_range, "ERR index out of range")                                                  \
  X(offset_out_of_range, "ERR offset is out of range")                                             \
  X(same_object, "ERR source and destination objects are the same")                                \
  X(oom, "OOM command not allowed when used memory > 'maxmemory'.")                                \
  X(invalid_cursor, "ERR invalid cursor")                                                          \
  X(unknown_type, "ERR unknown type name '{}'")                                                    \
  X(overflow, "ERR increment or decrement would overflow")                                         \
  X(incr_nan, "ERR increment would produce NaN or Infinity")                                       \
  X(string_too_long, "ERR string exceeds maximum allowed size (proto-max-bulk-len)")               \
  X(busy_key, "BUSYKEY Target key name already exists.")                                           \
  X(no_keys, "ERR The command has no key arguments")                                               \
  X(invalid_command, "ERR Invalid command specified")                                              \
  X(invalid_arguments, "ERR Invalid arguments specified for command")                              \
  X(invalid_argument_count, "ERR Invalid number of arguments specified for command")               \
  /* dispatch */                                                                                   \
  X(unknown_command, "ERR unknown command '{}', with args beginning with: {}")                     \
  X(unknown_subcommand, "ERR unknown subcommand '{}'. Try {} HELP.")                               \
  X(cluster_disabled, "ERR This instance has cluster support disabled")                               \
  X(unknown_subcommand_or_arity, "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.") \
  X(wrong_arity, "ERR wrong number of arguments for '{}' command")                                 \
  X(no_auth, "NOAUTH Authentication required.")                                                    \
  X(wrong_pass, "WRONGPASS invalid username-password pair or user is disabled.")                  \
  X(auth_not_configured,                                                                           \
    "ERR AUTH <password> called without any password configured for the default user. "            \
    "Are you sure your configuration is correct?")                                                 \
  X(no_proto, "NOPROTO unsupported protocol version")                                              \
  X(hello_syntax, "ERR Syntax error in HELLO option '{}'")                                         \
  X(db_index_out_of_range, "ERR DB index is out of range")                                         \
  X(invalid_db_index, "ERR invalid DB index")                                                      \
  X(max_clients, "ERR max number of clients reached")                                              \
  X(busy_sleeping, "BUSY the server is sleeping (DEBUG SLEEP); try again later")                   \
  /* protocol */                                                                                   \
  X(proto_too_big_inline, "ERR Protocol error: too big inline request")                            \
  X(proto_unbalanced_quotes, "ERR Protocol error: unbalanced quotes in request")                   \
  X(proto_too_big_mbulk_count, "ERR Protocol error: too big mbulk count string")                   \
  X(proto_invalid_mbulk_length, "ERR Protocol error: invalid multibulk length")                    \
  X(proto_unauth_mbulk_length, "ERR Protocol error: unauthenticated multibulk length")             \
  X(proto_too_big_bulk_count, "ERR Protocol error: too big bulk count string")                     \
  X(proto_expected_dollar, "ERR Protocol error: expected '$', got '{}'")                           \
  X(proto_invalid_bulk_length, "ERR Protocol error: invalid bulk length")                          \
  X(proto_unauth_bulk_length, "ERR Protocol error: unauthenticated bulk length")                   \
  /* keys and expiry */                                                                            \
  X(invalid_expire, "ERR invalid expire time in '{}' command")                                     \
  X(expire_nx_xx_gt_lt, "ERR NX and XX, GT or LT options at the same time are not compatible")     \
  X(expire_gt_lt, "ERR GT and LT options at the same time are not compatible")                     \
  X(unknown_object_type, "ERR unknown type object")                                                \
  X(lfu_not_selected,                                                                              \
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "  \
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.")   \
  X(lfu_selected,                                                                                  \
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "        \
    "switching between policies at runtime LRU and LFU data will take some time to adjust.")        \
  X(invalid_first_db_index, "ERR invalid first DB index")                                          \
  X(invalid_second_db_index, "ERR invalid second DB index")                                        \
  X(restore_invalid_ttl, "ERR Invalid TTL value, must be >= 0")                                   \
  X(restore_invalid_idletime, "ERR Invalid IDLETIME value, must be >= 0")                          \
  X(restore_invalid_freq, "ERR Invalid FREQ value, must be >= 0 and <= 255")                       \
  X(dump_payload_wrong, "ERR DUMP payload version or checksum are wrong")                          \
  X(bad_data_format, "ERR Bad data format")                                                        \
  /* strings */                                                                                    \
  X(decrement_overflow, "ERR decrement would overflow")                                            \
  X(lcs_too_long, "ERR String too long for LCS")                                                   \
  X(lcs_oom, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")       \
  X(getex_persist_options, "ERR syntax error")                                                     \
  X(lcs_wrong_type, "ERR The specified keys must contain string values")                          \
  X(lcs_len_and_idx, "ERR If you want both the length and indexes, please just use IDX.")          \
  X(lcs_alloc_failed, "ERR Insufficient memory, failed allocating transient memory for LCS")       \
  /* client and server */                                                                          \
  X(no_such_client, "ERR No such client")                                                          \
  X(unknown_client_type, "ERR Unknown client type '{}'")                                           \
  X(client_name_spaces, "ERR Client names cannot contain spaces, newlines or special characters.") \
  X(config_unknown_parameter,                                                                      \
    "ERR Unknown option or number of arguments for CONFIG SET - '{}'")                              \
  X(config_set_failed, "ERR CONFIG SET failed (possibly related to argument '{}') - {}")           \
  X(config_duplicate_parameter, "ERR CONFIG SET failed (possibly related to argument '{}') - duplicate parameter") \
  X(config_immutable,                                                                              \
    "ERR CONFIG SET failed (possibly related to argument '{}') - can't set immutable config")      \
  X(debug_unknown, "ERR unknown subcommand '{}'. Try DEBUG HELP.")                                 \
  X(unsupported_option, "ERR Unsupported option {}")                                               \
  X(timeout_negative, "ERR timeout is negative")                                                   \
  X(timeout_not_float, "ERR timeout is not a float or out of range")                               \
  X(timeout_out_of_range, "ERR timeout is out of range")                                          \
  X(invalid_client_id, "ERR Invalid client ID")                                                    \
  X(client_id_not_positive, "ERR client-id should be greater than 0")                              \
  X(client_maxage_not_integer, "ERR maxage is not an integer or out of range")                     \
  X(client_maxage_not_positive, "ERR maxage should be greater than 0")                             \
  X(no_such_user, "ERR No such user '{}'")                                                         \
  X(resp2_not_supported, "ERR RESP2 is not supported by this command")                             \
  X(debug_protocol_type,                                                                           \
    "ERR Wrong protocol type name. Please use one of the following: "                              \
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")              \
  X(debug_reload_options, "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.") \
  X(debug_no_persistence, "ERR DEBUG {} is not supported: microredis has no persistence")          \
  X(debug_packed_threshold, "ERR argument must be a memory value bigger than 1 and smaller than 4gb") \
  X(no_config_file, "ERR The server is running without a config file")                             \
  X(hello_proto_not_integer, "ERR Protocol version is not an integer or out of range")              \
  X(hello_noauth,                                                                                  \
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "      \
    "<proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP " \
    "protocol version at the same time")                                                           \
  X(debug_reload_failed, "ERR Error trying to load the RDB dump")                                 \
  X(timeout_not_integer, "ERR timeout is not an integer or out of range")                          \
  X(client_pause_mode, "ERR CLIENT PAUSE mode must be WRITE or ALL")                               \
  X(monitor_deny_blocking, "ERR MONITOR isn't allowed for DENY BLOCKING client")                   \
  X(replica_keyspace, "ERR Replica can't interact with the keyspace")                              \
  X(no_persistence, "ERR {} is not supported: microredis has no persistence")                      \
  X(shutdown_not_in_progress, "ERR No shutdown in progress.")                                      \
  X(shutdown_failed, "ERR Errors trying to SHUTDOWN. Check logs.")                                 \
  X(slowlog_count, "ERR count should be greater than or equal to -1")                              \
  X(wait_timeout_not_integer, "ERR timeout is not an integer or out of range")                     \
  X(lolwut_art, "ERR LOLWUT VERSION {} artwork is not built into microredis")                      \
  X(no_replicas, "NOREPLICAS Not enough good replicas to write.")                                  \
  X(replconf_option, "ERR Unrecognized REPLCONF option: {}")                                       \
  X(replica_sync_failed, "ERR could not send the RDB image to the replica (out of memory)")        \
  X(aof_rewrite_failed, "ERR Background append only file rewriting failed")                        \
  X(debug_loadaof_failed, "ERR Error loading the AOF file")                                       \
  X(sync_pending_output, "ERR SYNC and PSYNC are invalid with pending output")                     \
  X(readonly_replica, "READONLY You can't write against a read only replica.")                    \
  X(master_down, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.") \
  X(invalid_master_port, "ERR Invalid master port")                                                \
  X(replicaof_from_replica, "ERR Command is not valid when client is a replica.")                  \
  X(replicaof_no_transport, "ERR REPLICAOF is not supported: this server's transport cannot open connections") \
  X(wait_on_replica,                                                                               \
    "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "  \
    "replica is configured to be writable (which is not the default) writes to replicas are just " \
    "local and are not propagated.")                                                               \
  X(no_master_link, "NOMASTERLINK Can't SYNC while not connected with my master")                 \
  X(unblocked_role_change,                                                                         \
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)") \
  /* functions (a registry without a script engine) */                                             \
  X(function_flush_option, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option")                   \
  X(function_unknown_argument, "ERR Unknown argument {}")                                          \
  X(function_no_metadata, "ERR Missing library metadata")                                          \
  X(function_no_engine, "ERR Engine '{}' not found")                                               \
  X(function_no_library, "ERR Library not found")                                                  \
  X(function_not_busy, "NOTBUSY No scripts in execution right now.")                               \
  X(busy_script, "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.") \
  X(function_no_library_name, "ERR library name argument was not given")                            \
  X(function_unknown_option, "ERR Unknown option given: {}")                                        \
  X(function_code_missing, "ERR Function code is missing")                                          \
  X(function_error, "ERR {}")                                                                       \
  X(function_restore_policy, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.") \
  X(function_bad_payload, "ERR DUMP payload version or checksum are wrong")                         \
  X(function_not_found, "ERR Function not found")                                                   \
  X(busy_function, "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.") \
  /* transactions */                                                                               \
  X(not_in_multi, "ERR Command not allowed inside a transaction")                                  \
  X(multi_nested, "ERR MULTI calls can not be nested")                                             \
  X(exec_without_multi, "ERR EXEC without MULTI")                                                  \
  X(discard_without_multi, "ERR DISCARD without MULTI")                                            \
  X(watch_inside_multi, "ERR WATCH inside MULTI is not allowed")                                   \
  X(exec_aborted, "EXECABORT Transaction discarded because of previous errors.")                  \
  /* blocking */                                                                                   \
  X(unblocked, "UNBLOCKED client unblocked via CLIENT UNBLOCK")                                     \
  X(client_unblock_reason, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")                  \
  /* client-side caching */                                                                        \
  X(tracking_single_redirect, "ERR A client can only redirect to a single other client")            \
  X(tracking_no_redirect_target, "ERR The client ID you want redirect to does not exist")           \
  X(tracking_prefix_needs_bcast, "ERR PREFIX option requires BCAST mode to be enabled")             \
  X(tracking_bcast_switch,                                                                         \
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "    \
    "re-enabling it with a different mode.")                                                       \
  X(tracking_bcast_opt, "ERR OPTIN and OPTOUT are not compatible with BCAST")                      \
  X(tracking_optin_optout, "ERR You can't specify both OPTIN mode and OPTOUT mode")                \
  X(tracking_opt_switch,                                                                           \
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "   \
    "re-enabling it with a different mode.")                                                       \
  X(tracking_prefix_overlap_existing,                                                              \
    "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not " \
    "overlap.")                                                                                    \
  X(tracking_prefix_overlap_other,                                                                 \
    "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must " \
    "not overlap.")                                                                                \
  X(caching_needs_tracking,                                                                        \
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "      \
    "OPTOUT mode enabled")                                                                         \
  X(caching_yes_needs_optin, "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.") \
  X(caching_no_needs_optout, "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.") \
  /* pubsub */                                                                                     \
  X(subscribed_context,                                                                            \
    "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "     \
    "allowed in this context")                                                                     \
  X(ssubscribe_deny_blocking, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")           \
  /* bitmaps */                                                                                    \
  X(bit_offset, "ERR bit offset is not an integer or out of range")                               \
  X(bit_value, "ERR bit is not an integer or out of range")                                        \
  X(bitpos_bit, "ERR The bit argument must be 1 or 0.")                                            \
  X(bitop_not_single_key, "ERR BITOP NOT must be called with a single source key.")                \
  X(bitfield_type,                                                                                 \
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.") \
  X(bitfield_overflow_type, "ERR Invalid OVERFLOW type specified")                                 \
  X(bitfield_ro_get_only, "ERR BITFIELD_RO only supports the GET subcommand")                      \
  /* hyperloglog */                                                                                \
  X(hll_wrong_type, "WRONGTYPE Key is not a valid HyperLogLog string value.")                      \
  X(hll_corrupted, "INVALIDOBJ Corrupted HLL object detected")                                     \
  X(pfdebug_no_key, "ERR The specified key does not exist")                                        \
  X(pfdebug_not_sparse, "ERR HLL encoding is not sparse")                                          \
  X(pfdebug_unknown, "ERR Unknown PFDEBUG subcommand '{}'")                                        \
  X(pfselftest_sparse_unused, "ERR TESTFAILED sparse encoding not used")                           \
  X(pfselftest_disagree, "ERR TESTFAILED dense/sparse disagree")                                   \
  X(pfselftest_error, "ERR TESTFAILED Too big error. card:{} abserr:{}")                           \
  /* hashes */                                                                                     \
  X(hash_not_integer, "ERR hash value is not an integer")                                          \
  X(hash_not_float, "ERR hash value is not a float")                                               \
  X(hash_incr_nan, "ERR value is NaN or Infinity")                                                 \
  X(out_of_range_between, "ERR value is out of range, value must between {} and {}")               \
  /* sets */                                                                                       \
  X(numkeys_not_positive, "ERR numkeys should be greater than 0")                                  \
  X(numkeys_over_args, "ERR Number of keys can't be greater than number of args")                  \
  X(limit_negative, "ERR LIMIT can't be negative")                                                 \
  /* sorted sets */                                                                                \
  X(zadd_nx_xx, "ERR XX and NX options at the same time are not compatible")                       \
  X(zadd_gt_lt_nx, "ERR GT, LT, and/or NX options at the same time are not compatible")             \
  X(zadd_incr_pairs, "ERR INCR option supports a single increment-element pair")                   \
  X(zset_score_nan, "ERR resulting score is not a number (NaN)")                                   \
  X(zset_min_max_not_float, "ERR min or max is not a float")                                       \
  X(zset_min_max_not_lex, "ERR min or max not valid string range item")                            \
  X(zrange_limit_needs_by,                                                                         \
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")        \
  X(zrange_withscores_bylex, "ERR syntax error, WITHSCORES not supported in combination with BYLEX") \
  X(zset_no_input_keys, "ERR at least 1 input key is needed for '{}' command")                     \
  X(zset_weight_not_float, "ERR weight value is not a float")                                      \
  /* lists */                                                                                     \
  X(lpos_rank_zero,                                                                                \
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "    \
    "negative to start from the end of the list")                                                  \
  X(lpos_count_negative, "ERR COUNT can't be negative")                                            \
  X(lpos_maxlen_negative, "ERR MAXLEN can't be negative")                                          \
  X(count_not_positive, "ERR count should be greater than 0")                                     \
  /* sort */                                                                                      \
  X(sort_score_not_double, "ERR One or more scores can't be converted into double")                \
  /* streams */                                                                                    \
  X(stream_invalid_id, "ERR Invalid stream ID specified as stream command argument")               \
  X(stream_id_too_small, "ERR The ID specified in XADD is equal or smaller than the target stream top item") \
  X(stream_id_zero, "ERR The ID specified in XADD must be greater than 0-0")                       \
  X(stream_exhausted, "ERR The stream has exhausted the last possible ID, unable to add more items") \
  X(stream_elements_too_large, "ERR Elements are too large to be stored")                          \
  X(stream_maxlen_negative, "ERR The MAXLEN argument must be >= 0.")                               \
  X(stream_limit_negative, "ERR The LIMIT argument must be >= 0.")                                 \
  X(stream_maxlen_and_minid,                                                                       \
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible")              \
  X(stream_limit_without_strategy,                                                                 \
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")               \
  X(stream_xtrim_without_strategy, "ERR syntax error, XTRIM must be called with a trimming strategy") \
  X(stream_limit_without_approx, "ERR syntax error, LIMIT cannot be used without the special ~ option") \
  X(stream_invalid_start, "ERR invalid start ID for the interval")                                 \
  X(stream_invalid_end, "ERR invalid end ID for the interval")                                     \
  X(xread_unbalanced,                                                                              \
    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")   \
  X(xread_group_option, "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.") \
  X(xread_noack_option, "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.") \
  X(xreadgroup_missing_group, "ERR Missing GROUP option for XREADGROUP")                           \
  X(xreadgroup_nogroup, "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option") \
  X(xreadgroup_dollar,                                                                             \
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of "    \
    "this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would " \
    "just return an empty result set.")                                                            \
  X(xread_greater_id,                                                                              \
    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.") \
  X(xread_timeout_not_integer, "ERR timeout is not an integer or out of range")                    \
  X(xreadgroup_group_gone, "NOGROUP the consumer group this client was blocked on no longer exists") \
  X(xreadgroup_key_gone, "UNBLOCKED the stream key no longer exists")                              \
  X(xgroup_entries_read, "ERR value for ENTRIESREAD must be positive or -1")                       \
  X(xgroup_no_key,                                                                                 \
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use " \
    "the MKSTREAM option to create an empty stream automatically.")                                \
  X(stream_no_group_for_key, "NOGROUP No such consumer group '{}' for key name '{}'")              \
  X(stream_busy_group, "BUSYGROUP Consumer Group name already exists")                             \
  X(xsetid_entries_added_negative, "ERR entries_added must be positive")                           \
  X(xsetid_below_max_deleted,                                                                      \
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")            \
  X(xsetid_too_small, "ERR The ID specified in XSETID is smaller than the target stream top item") \
  X(xsetid_entries_added_small,                                                                    \
    "ERR The entries_added specified in XSETID is smaller than the target stream length")          \
  X(stream_no_key_or_group, "NOGROUP No such key '{}' or consumer group '{}'")                     \
  X(xclaim_min_idle, "ERR Invalid min-idle-time argument for XCLAIM")                              \
  X(xclaim_idle, "ERR Invalid IDLE option argument for XCLAIM")                                    \
  X(xclaim_time, "ERR Invalid TIME option argument for XCLAIM")                                    \
  X(xclaim_retrycount, "ERR Invalid RETRYCOUNT option argument for XCLAIM")                        \
  X(xclaim_option, "ERR Unrecognized XCLAIM option '{}'")                                          \
  X(xautoclaim_min_idle, "ERR Invalid min-idle-time argument for XAUTOCLAIM")                      \
  X(xautoclaim_count, "ERR COUNT must be > 0")                                                     \
  X(xautoclaim_count_memory,                                                                       \
    "ERR Insufficient memory, failed allocating transient memory, COUNT too high.")                \
  X(xread_block_in_script, "ERR {} command is not allowed with BLOCK option from scripts")         \
  /* geo */                                                                                       \
  X(geo_unit, "ERR unsupported unit provided. please use M, KM, FT, MI")                          \
  X(geo_radius_not_numeric, "ERR need numeric radius")                                            \
  X(geo_radius_negative, "ERR radius cannot be negative")                                         \
  X(geo_width_not_numeric, "ERR need numeric width")                                              \
  X(geo_height_not_numeric, "ERR need numeric height")                                            \
  X(geo_box_negative, "ERR height or width cannot be negative")                                   \
  X(geo_count_not_positive, "ERR COUNT must be > 0")                                              \
  X(geo_member_not_decodable, "ERR could not decode requested zset member")                       \
  X(geo_store_with_options, "ERR {} is not compatible with WITHDIST, WITHHASH and WITHCOORD options") \
  X(geo_need_from, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {}")         \
  X(geo_need_by, "ERR exactly one of BYRADIUS and BYBOX can be specified for {}")                 \
  X(geo_any_needs_count, "ERR the ANY argument requires COUNT argument")

enum class Status : std::uint8_t {
#define MICROREDIS_STATUS_ENUM(name, text) name,
  MICROREDIS_STATUS_LIST(MICROREDIS_STATUS_ENUM)
#undef MICROREDIS_STATUS_ENUM
};

namespace status_detail {
// Every text in one array, each ended by a NUL, found through a 16-bit offset: 2 bytes per status
// where an array of string_views takes 8 (16 on 64-bit hosts), ~1.4 KB of flash on a 32-bit target.
inline constexpr char kTexts[] =
#define MICROREDIS_STATUS_TEXT(name, text) text "\0"
    MICROREDIS_STATUS_LIST(MICROREDIS_STATUS_TEXT)
#undef MICROREDIS_STATUS_TEXT
    ;
inline constexpr std::size_t kCount = 0
#define MICROREDIS_STATUS_ONE(name, text) +1
    MICROREDIS_STATUS_LIST(MICROREDIS_STATUS_ONE)
#undef MICROREDIS_STATUS_ONE
    ;
static_assert(kCount <= 256, "Status is one byte");
static_assert(sizeof(kTexts) <= 0xffff, "status texts must stay addressable by 16-bit offsets");
struct Offsets {
  std::uint16_t at[kCount + 1];  // at[i]: where text i starts; at[kCount]: one past the last NUL
};
constexpr Offsets make_offsets() {
  Offsets o{};
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < sizeof(kTexts); ++i) {
    if (kTexts[i] == '\0' && n < kCount) o.at[++n] = static_cast<std::uint16_t>(i + 1);
  }
  return o;
}
inline constexpr Offsets kOffsets = make_offsets();
static_assert(kOffsets.at[kCount] == sizeof(kTexts) - 1, "a status text must not contain a NUL");
}  // namespace status_detail

// The Redis error text for a status (with "{}" where arguments go).
constexpr std::string_view status_text(Status s) {
  const std::size_t i = static_cast<std::uint8_t>(s);
  const std::size_t begin = status_detail::kOffsets.at[i];
  return {status_detail::kTexts + begin, status_detail::kOffsets.at[i + 1] - begin - 1u};
}

}  // namespace microredis
