// Umbrella header: everything an application needs to embed microredis.
//
//   microredis::Engine engine;                       // 16 databases, system clock, malloc
//   engine.execute({"SET", "greeting", "hello"});
//   auto r = engine.execute({"GET", "greeting"});    // r.str == "hello"
//
// With MICROREDIS_HEADER_ONLY=1 (the microredis::header_only target) this header also brings in
// every definition, so no library needs to be linked.
#pragma once

#include "config.hpp"
#include "version.hpp"
#include "status.hpp"
#include "memory.hpp"
#include "clock.hpp"
#include "resp/parser.hpp"
#include "resp/reply.hpp"
#include "resp/writer.hpp"
#include "store/keyspace.hpp"
#include "command.hpp"
#include "settings.hpp"
#include "session.hpp"
#include "engine.hpp"

#if MICROREDIS_HEADER_ONLY
#include "microredis_sources.inc"
#endif
