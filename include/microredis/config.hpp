// Compile-time configuration. Every macro has a default here and may be overridden with -D.
#pragma once

// Header-only mode: the definitions from src/ are included by microredis.hpp and marked inline.
#ifndef MICROREDIS_HEADER_ONLY
#define MICROREDIS_HEADER_ONLY 0
#endif

#if MICROREDIS_HEADER_ONLY
#define MICROREDIS_INLINE inline
#else
#define MICROREDIS_INLINE
#endif

// Exceptions are never thrown by the core; this only records whether the toolchain has them.
#ifndef MICROREDIS_HAS_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define MICROREDIS_HAS_EXCEPTIONS 1
#else
#define MICROREDIS_HAS_EXCEPTIONS 0
#endif
#endif

// A hosted toolchain provides std::chrono clocks; bare-metal builds inject their own clock.
#ifndef MICROREDIS_WITH_STD_CLOCK
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ && !defined(__arm__)
#define MICROREDIS_WITH_STD_CLOCK 1
#else
#define MICROREDIS_WITH_STD_CLOCK 0
#endif
#endif

// Longest number text INCRBYFLOAT, HINCRBYFLOAT, ZADD scores and friends accept (Redis's
// MAX_LONG_DOUBLE_CHARS). Parsing one this long takes a stack frame of this size; firmware with small
// stacks may lower it.
// 1: doubles are read and printed by the engine's own exact conversions (util/float_text.hpp)
// instead of the C library's strtod and printf's "%.17g"/"%.*f". Same results, digit for digit
// (tests/unit/float_text_test.cpp); ~12 KB less flash with newlib, where they bring dtoa, gethex
// and printf's float support. The firmware build sets it; the host keeps the faster C library.
#ifndef MICROREDIS_OWN_FLOAT_TEXT
#define MICROREDIS_OWN_FLOAT_TEXT 0
#endif

#ifndef MICROREDIS_MAX_FLOAT_TEXT
#define MICROREDIS_MAX_FLOAT_TEXT (5 * 1024)
#endif

// Keyspace entries (small blocks of up to 128 bytes) are cut from pages of this many bytes in
// 8-byte size classes instead of one allocation each (see Memory::allocate_small). 0: one
// allocation per entry, through the hooks, as every other block.
#ifndef MICROREDIS_SMALL_PAGE_BYTES
#define MICROREDIS_SMALL_PAGE_BYTES 16384
#endif

// Number of logical databases (SELECT 0..N-1). Redis's default is 16.
#ifndef MICROREDIS_DEFAULT_DATABASES
#define MICROREDIS_DEFAULT_DATABASES 16
#endif

// Feature groups. Each can be compiled out (-DMICROREDIS_WITH_<GROUP>=0, or the CMake option of the
// same name) to save flash on firmware: its commands are not registered, the keyspace and DEBUG
// DIGEST stop referring to its value type, and the linker drops the code nothing references any
// more (build with -ffunction-sections -fdata-sections -Wl,--gc-sections). Strings, keys, expiry,
// connection, server, client, config, info and memory commands are always there: with every group
// at 0 the engine is a strings+keys server. A disabled command is unknown, as in a Redis without it.
#ifndef MICROREDIS_WITH_HASHES
#define MICROREDIS_WITH_HASHES 1        // HSET HGET ... (store/hash.hpp)
#endif
#ifndef MICROREDIS_WITH_SETS
#define MICROREDIS_WITH_SETS 1          // SADD SMEMBERS ... (store/set.hpp, store/intset.hpp)
#endif
#ifndef MICROREDIS_WITH_ZSETS
#define MICROREDIS_WITH_ZSETS 1         // ZADD ZRANGE ... (store/zset.hpp)
#endif
#ifndef MICROREDIS_WITH_LISTS
#define MICROREDIS_WITH_LISTS 1         // LPUSH LRANGE ... (store/quicklist.hpp)
#endif
#ifndef MICROREDIS_WITH_BITMAPS
#define MICROREDIS_WITH_BITMAPS 1       // SETBIT BITCOUNT BITFIELD ... (store/bitops.hpp)
#endif
#ifndef MICROREDIS_WITH_HYPERLOGLOG
#define MICROREDIS_WITH_HYPERLOGLOG 1   // PFADD PFCOUNT PFMERGE (store/hll.hpp)
#endif
#ifndef MICROREDIS_WITH_SORT
#define MICROREDIS_WITH_SORT 1          // SORT SORT_RO
#endif
#ifndef MICROREDIS_WITH_STREAMS
#define MICROREDIS_WITH_STREAMS 1       // XADD XRANGE XREAD XGROUP ... (store/stream.hpp)
#endif
#ifndef MICROREDIS_WITH_GEO
#define MICROREDIS_WITH_GEO 1           // GEOADD GEOSEARCH ... (sorted sets underneath: needs ZSETS)
#endif
#ifndef MICROREDIS_WITH_DUMP
#define MICROREDIS_WITH_DUMP 1          // DUMP RESTORE DEBUG RELOAD: the RDB loader (store/rdb.hpp) for the types built
#endif
#ifndef MICROREDIS_WITH_PUBSUB
#define MICROREDIS_WITH_PUBSUB 1        // SUBSCRIBE PUBLISH PUBSUB ... (keyspace events need it to be seen)
#endif
#ifndef MICROREDIS_WITH_TRANSACTIONS
#define MICROREDIS_WITH_TRANSACTIONS 1  // MULTI EXEC DISCARD WATCH UNWATCH
#endif
#ifndef MICROREDIS_WITH_BLOCKING
#define MICROREDIS_WITH_BLOCKING 1      // BLPOP BRPOP BLMOVE BZPOPMIN ... (with their data types)
#endif
#ifndef MICROREDIS_WITH_TRACKING
#define MICROREDIS_WITH_TRACKING 1      // client-side caching: CLIENT TRACKING CACHING GETREDIR TRACKINGINFO
#endif
#ifndef MICROREDIS_WITH_COMMAND_DOCS
#define MICROREDIS_WITH_COMMAND_DOCS 1  // COMMAND DOCS argument trees and complexity texts (without: summary,
#endif                                  // since, group only; the syntax and complexity strings leave flash)
#ifndef MICROREDIS_WITH_DEBUG
#define MICROREDIS_WITH_DEBUG 1         // DEBUG and its subcommands
#endif

// The replica side of replication: REPLICAOF host port makes the engine run a link to a master
// (PSYNC handshake, RDB payload, the command stream, ACKs) on a connection its adapter opens
// (Engine::wanted_master_link). 0: the engine cannot be a replica; REPLICAOF host port answers
// Status::replicaof_no_transport, as it does when the adapter opens no connections, REPLICAOF NO
// ONE and everything on the master side (SYNC, PSYNC, WAIT, ROLE, INFO) stay. The firmware build
// sets 0: none of its transports (serial, lwIP, in-process) opens outgoing connections, and the
// master link's protocol is 5 KB of flash nothing could reach.
#ifndef MICROREDIS_WITH_MASTER_LINK
#define MICROREDIS_WITH_MASTER_LINK 1
#endif

// The cluster group (CLUSTER and its subcommands, ASKING, READONLY, READWRITE), which a standalone
// server declares only to refuse: "This instance has cluster support disabled", as redis-server
// without cluster mode. 0 leaves them out (4.3 KiB of flash on the Cortex-M4, their table rows
// and texts): they are unknown commands then, an error as well. The firmware build sets 0.
#ifndef MICROREDIS_WITH_CLUSTER
#define MICROREDIS_WITH_CLUSTER 1
#endif

// 1: every hash table (keyspace, hash fields, set and zset members, pub/sub channels, waiter
// registries) shares one copy of the table code, which reads keys through a function pointer
// (store/table.hpp). 0: each has its own copy with the key read inlined, the fastest keyspace
// lookups. The firmware build sets 1 (13.6 KiB less flash); hosts keep 0.
#ifndef MICROREDIS_COMPACT_TABLES
#define MICROREDIS_COMPACT_TABLES 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MICROREDIS_LIKELY(x) __builtin_expect(!!(x), 1)
#define MICROREDIS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MICROREDIS_NOINLINE __attribute__((noinline))
// A hint to start loading the cache line at p for reading (no effect on correctness). On x86 an
// asm statement: GCC 12 -O2 dropped __builtin_prefetch from the table's inline prefetch functions.
#if defined(__x86_64__) || defined(__i386__)
#define MICROREDIS_PREFETCH(p) \
  __asm__ volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(static_cast<const void*>(p))))
#else
#define MICROREDIS_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#endif
#else
#define MICROREDIS_LIKELY(x) (x)
#define MICROREDIS_UNLIKELY(x) (x)
#define MICROREDIS_NOINLINE
#define MICROREDIS_PREFETCH(p) ((void)(p))
#endif
