#include "microredis/posix/aof.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace microredis::posix {

namespace {

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool write_file(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
  ::close(fd);
  return ok && ::rename(tmp.c_str(), path.c_str()) == 0;
}

bool read_file(const std::string& path, Buffer& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;  // a missing part is an empty one
  char buf[65536];
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    if (!out.append(buf, static_cast<std::size_t>(n))) {
      ok = false;
      break;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

FileAof::~FileAof() { uninstall(); }

void FileAof::install(Engine& engine) {
  engine_ = &engine;
  AofSink sink;
  sink.ctx = this;
  sink.append = [](void* ctx, std::string_view bytes) { return static_cast<FileAof*>(ctx)->append(bytes); };
  sink.rewrite = [](void* ctx, std::string_view base) { return static_cast<FileAof*>(ctx)->rewrite(base); };
  sink.load = [](void* ctx, Buffer& base, Buffer& incr) { return static_cast<FileAof*>(ctx)->load(base, incr); };
  sink.sync = [](void* ctx) { static_cast<FileAof*>(ctx)->sync(); };
  engine.set_aof_sink(&sink);
}

void FileAof::uninstall() {
  if (engine_ != nullptr) engine_->set_aof_sink(nullptr);
  engine_ = nullptr;
  if (incr_fd_ >= 0) ::close(incr_fd_);
  incr_fd_ = -1;
}

std::string FileAof::path(const char* suffix) const { return dir_ + "/" + name_ + suffix; }

bool FileAof::rewrite(std::string_view base) {
  const Settings& st = engine_->settings();
  dir_ = st.dir.empty() ? std::string(".") : std::string(st.dir.view());
  dir_ += "/";
  dir_ += st.appenddirname.view();
  name_ = std::string(st.appendfilename.view());
  if (::mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) return false;
  if (incr_fd_ >= 0) ::close(incr_fd_);
  incr_fd_ = -1;
  if (!write_file(path(".1.base.rdb"), base)) return false;
  incr_fd_ = ::open(path(".1.incr.aof").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (incr_fd_ < 0) return false;
  const std::string manifest = "file " + name_ + ".1.base.rdb seq 1 type b\nfile " + name_ +
                               ".1.incr.aof seq 1 type i\n";
  return write_file(path(".manifest"), manifest);
}

bool FileAof::append(std::string_view bytes) { return incr_fd_ >= 0 && write_all(incr_fd_, bytes); }

bool FileAof::load(Buffer& base, Buffer& incr) {
  if (dir_.empty()) return false;
  return read_file(path(".1.base.rdb"), base) && read_file(path(".1.incr.aof"), incr);
}

void FileAof::sync() {
  if (incr_fd_ >= 0) (void)::fdatasync(incr_fd_);
}

}  // namespace microredis::posix
