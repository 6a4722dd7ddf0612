#pragma once

#define MICROREDIS_VERSION_MAJOR 0
#define MICROREDIS_VERSION_MINOR 1
#define MICROREDIS_VERSION_PATCH 0
// One integer for comparisons: 0x00MMmmpp.
#define MICROREDIS_VERSION \
  ((MICROREDIS_VERSION_MAJOR << 16) | (MICROREDIS_VERSION_MINOR << 8) | MICROREDIS_VERSION_PATCH)
#define MICROREDIS_VERSION_STRING "0.1.0"

// The Redis version whose behaviour microredis reproduces; INFO reports it as redis_version so that
// clients which switch features on the server version (redis-py, ioredis) pick the Redis 7 code paths.
#define MICROREDIS_REDIS_COMPAT_VERSION "7.0.15"
