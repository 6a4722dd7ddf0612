// INFO's host facts (process id, OS, executable, CPU time) for a POSIX process. The engine makes no
// OS calls; this provider is what fills INFO's CPU section and the host fields of "server".
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <cstdio>

#include "microredis/posix/server.hpp"

namespace microredis::posix {

namespace {

void put_line(Buffer& out, const char* name, const char* value) {
  (void)out.append(std::string_view(name));
  (void)out.append(":", 1);
  (void)out.append(std::string_view(value));
  (void)out.append("\r\n", 2);
}

void put_time(Buffer& out, const char* name, const timeval& tv) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
  put_line(out, name, buf);
}

void provide(void*, std::string_view section, Buffer& out) {
  if (section == "server") {
    utsname u{};
    if (uname(&u) == 0) {
      char os[3 * sizeof u.sysname + 4];
      std::snprintf(os, sizeof os, "%s %s %s", u.sysname, u.release, u.machine);
      put_line(out, "os", os);
    }
    char pid[24];
    std::snprintf(pid, sizeof pid, "%ld", static_cast<long>(getpid()));
    put_line(out, "process_id", pid);
    put_line(out, "process_supervised", "no");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
      exe[n] = '\0';
      put_line(out, "executable", exe);
    }
  } else if (section == "cpu") {
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    put_time(out, "used_cpu_sys", self.ru_stime);
    put_time(out, "used_cpu_user", self.ru_utime);
    put_time(out, "used_cpu_sys_children", children.ru_stime);
    put_time(out, "used_cpu_user_children", children.ru_utime);
  }
}

}  // namespace

void install_host_info(Engine& engine) { engine.set_info_provider(&provide, nullptr); }

}  // namespace microredis::posix
