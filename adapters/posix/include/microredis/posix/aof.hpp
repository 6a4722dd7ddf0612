// The append-only file on a POSIX file system, as Redis 7.0 lays it out: in <dir>/<appenddirname>,
// "<appendfilename>.1.base.rdb" (the RDB image written when AOF is turned on or rewritten),
// "<appendfilename>.1.incr.aof" (the commands propagated since) and "<appendfilename>.manifest".
// install() hands it to the engine as its AofSink (Engine::set_aof_sink); the paths are read from
// the engine's settings when a rewrite starts a new file.
#pragma once

#include <string>

#include "microredis/engine.hpp"

namespace microredis::posix {

class FileAof {
 public:
  FileAof() = default;
  ~FileAof();
  FileAof(const FileAof&) = delete;
  FileAof& operator=(const FileAof&) = delete;

  // Becomes engine's AOF sink (CONFIG SET appendonly yes works from then on).
  void install(Engine& engine);
  void uninstall();

 private:
  bool rewrite(std::string_view base);
  bool append(std::string_view bytes);
  bool load(Buffer& base, Buffer& incr);
  void sync();
  std::string path(const char* suffix) const;

  Engine* engine_ = nullptr;
  int incr_fd_ = -1;
  std::string dir_;   // <dir>/<appenddirname>
  std::string name_;  // <appendfilename>
};

}  // namespace microredis::posix
