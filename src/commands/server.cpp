// Server commands that act on whole databases or the server: DBSIZE FLUSHDB FLUSHALL TIME LASTSAVE
// SAVE BGSAVE SHUTDOWN SLOWLOG LATENCY ROLE WAIT LOLWUT, and FUNCTION (a function registry without
// a script engine).
//
// microredis keeps no data on disk (docs/persistence.md): SAVE and BGSAVE reply an error rather
// than pretend, SHUTDOWN has nothing to save, and WAIT has no replica to wait for.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/session.hpp"
#include "microredis/store/rdb.hpp"
#include "microredis/util/float_text.hpp"
#include "microredis/version.hpp"

#include <cstdio>

namespace microredis {
namespace server_cmds {

inline void dbsize(Context& c) { c.out.integer(static_cast<std::int64_t>(c.db.size())); }

// FLUSHDB/FLUSHALL take [ASYNC | SYNC]; both free memory at once here, so the two are alike.
inline bool parse_flush_mode(Context& c) {
  if (c.argc == 1) return true;
  if (c.argc == 2 && (iequals(c.arg(1), "ASYNC") || iequals(c.arg(1), "SYNC"))) return true;
  c.out.error(Status::syntax);
  return false;
}

inline void flushdb(Context& c) {
  if (!parse_flush_mode(c)) return;
  std::uint64_t keys = c.db.size();
  c.engine.flushing(c.db);
  c.db.clear();
  c.engine.add_dirty(keys);
  c.force_propagation();  // replicas flush too, even when nothing was there (as Redis)
  c.out.ok();
}

inline void flushall(Context& c) {
  if (!parse_flush_mode(c)) return;
  std::uint64_t keys = 0;
  for (int i = 0; i < c.engine.db_count(); ++i) {
    keys += c.engine.db(i).size();
    c.engine.flushing(c.engine.db(i));
    c.engine.db(i).clear();
  }
  c.engine.add_dirty(keys);
  c.force_propagation();
  c.out.ok();
}

// TIME reads the engine's clock (the one TTLs use), as of the running command.
inline void time_now(Context& c) {
  const std::int64_t us = c.now_us();
  c.out.array(2);
  c.out.bulk_int(us / 1'000'000);
  c.out.bulk_int(us % 1'000'000);
}

// LASTSAVE: microredis never persists the dataset, so no save ever succeeded: 0, the Unix time of
// "never" (Redis reports its start time, as if the dataset had been saved at start-up).
inline void lastsave(Context& c) { c.out.integer(0); }

// SAVE / BGSAVE [SCHEDULE]: nothing can be saved, and a client that believed its data safe on disk
// would be misled by +OK, so both say so.
inline void save(Context& c) { c.out.error(Status::no_persistence, "SAVE"); }

inline void bgsave(Context& c) {
  if (c.argc > 2 || (c.argc == 2 && !iequals(c.arg(1), "SCHEDULE"))) return c.out.error(Status::syntax);
  c.out.error(Status::no_persistence, "BGSAVE");
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0 parses it. Without persistence
// there is nothing to save unless SAVE insists: that save fails, so SHUTDOWN SAVE fails as Redis's
// does when its save fails, unless FORCE. On success nothing is replied: the engine records the
// request and the adapter stops serving (the client sees the connection close, as with Redis).
inline void shutdown(Context& c) {
  bool nosave = false;
  bool save_requested = false;
  bool now = false;
  bool force = false;
  bool abort = false;
  for (std::size_t i = 1; i < c.argc; ++i) {
    const std::string_view a = c.arg(i);
    if (iequals(a, "nosave")) {
      nosave = true;
    } else if (iequals(a, "save")) {
      save_requested = true;
    } else if (iequals(a, "now")) {
      now = true;
    } else if (iequals(a, "force")) {
      force = true;
    } else if (iequals(a, "abort")) {
      abort = true;
    } else {
      return c.out.error(Status::syntax);
    }
  }
  if ((abort && (nosave || save_requested || now || force)) || (nosave && save_requested)) {
    return c.out.error(Status::syntax);
  }
  // A shutdown is never in progress: it happens at once.
  if (abort) return c.out.error(Status::shutdown_not_in_progress);
  if (save_requested && !force) return c.out.error(Status::shutdown_failed);
  c.engine.request_shutdown();
}

// SLOWLOG GET [count] | LEN | RESET | HELP.
inline void slowlog_get(Context& c) {
  const SlowLog& log = c.engine.slowlog();
  std::int64_t count = 10;
  if (c.argc > 3) return c.out.error(Status::unknown_subcommand_or_arity, c.arg(1), "SLOWLOG");
  if (c.argc == 3) {
    if (!parse_int64(c.arg(2), count) || count < -1) return c.out.error(Status::slowlog_count);
    if (count == -1) count = static_cast<std::int64_t>(log.size());
  }
  const std::size_t n = static_cast<std::uint64_t>(count) < log.size() ? static_cast<std::size_t>(count) : log.size();
  c.out.array(n);
  for (std::size_t i = 0; i < n; ++i) {
    const SlowLog::Entry& e = log.newest(i);
    c.out.array(6);
    c.out.integer(static_cast<std::int64_t>(e.id));
    c.out.integer(e.time_s);
    c.out.integer(e.duration_us);
    c.out.array(e.argc);
    for (std::size_t j = 0; j < e.argc; ++j) c.out.bulk(e.arg(j));
    c.out.bulk(e.peer());
    c.out.bulk(e.name());
  }
}

inline void slowlog_len(Context& c) { c.out.integer(static_cast<std::int64_t>(c.engine.slowlog().size())); }

inline void slowlog_reset(Context& c) {
  c.engine.slowlog().reset();
  c.out.ok();
}

inline void slowlog_help(Context& c) {
  c.reply_help({"GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:", "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name", "LEN", "    Return the length of the slowlog.", "RESET", "    Reset the slowlog."});
}

// LATENCY LATEST | HISTORY event | RESET [event ...] | DOCTOR | HELP. Samples are taken for the
// "command" and "fast-command" events when latency-monitor-threshold is set.
inline void latency_latest(Context& c) {
  const LatencyMonitor& lm = c.engine.latency();
  c.out.array(lm.size());
  for (std::size_t i = 0; i < lm.size(); ++i) {
    const LatencyMonitor::Series& ts = lm.at(i);
    c.out.array(4);
    c.out.bulk(ts.event());
    c.out.integer(ts.last().time_s);
    c.out.integer(ts.last().latency_ms);
    c.out.integer(ts.max);
  }
}

inline void latency_history(Context& c) {
  const LatencyMonitor::Series* ts = c.engine.latency().find(c.arg(2));
  if (ts == nullptr) return c.out.array(0);
  std::size_t n = 0;
  for (const auto& sample : ts->samples) n += sample.time_s != 0 ? 1 : 0;
  c.out.array(n);
  for (std::size_t j = 0; j < LatencyMonitor::kSamples; ++j) {
    const LatencyMonitor::Sample& sample = ts->samples[(ts->idx + j) % LatencyMonitor::kSamples];
    if (sample.time_s == 0) continue;
    c.out.array(2);
    c.out.integer(sample.time_s);
    c.out.integer(sample.latency_ms);
  }
}

inline void latency_reset(Context& c) {
  LatencyMonitor& lm = c.engine.latency();
  if (c.argc == 2) return c.out.integer(static_cast<std::int64_t>(lm.reset_all()));
  std::size_t resets = 0;
  for (std::size_t j = 2; j < c.argc; ++j) resets += lm.reset(c.arg(j));
  c.out.integer(static_cast<std::int64_t>(resets));
}

inline void append_text(Buffer& b, std::string_view s) { (void)b.append(s); }

// Redis's createLatencyReport for the events microredis samples (command, fast-command).
inline void latency_doctor(Context& c) {
  const LatencyMonitor& lm = c.engine.latency();
  const Settings& st = c.engine.settings();
  Buffer report(c.mem());
  if (lm.size() == 0 && st.latency_monitor_threshold == 0) {
    append_text(report,
                "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
                "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a "
                "deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
    return c.out.verbatim(report.view());
  }
  bool slowlog_enabled = false;
  bool slowlog_tuning = false;
  bool slowlog_inspect = false;
  bool scheduler = false;
  bool large_objects = false;
  int advices = 0;
  const std::int64_t now_s = c.now_ms() / 1000;
  for (std::size_t i = 0; i < lm.size(); ++i) {
    const LatencyMonitor::Series& ts = lm.at(i);
    if (i == 0) {
      append_text(report,
                  "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do "
                  "you Dave?\n\n");
    }
    // Redis's analyzeLatencyForEvent: sample count, average, mean absolute deviation, period.
    std::uint64_t samples = 0;
    std::uint64_t sum = 0;
    std::int64_t oldest = 0;
    for (const auto& sample : ts.samples) {
      if (sample.time_s == 0) continue;
      ++samples;
      sum += sample.latency_ms;
      if (oldest == 0 || sample.time_s < oldest) oldest = sample.time_s;
    }
    std::uint64_t avg = 0;
    std::int64_t period = 0;
    std::uint64_t mad = 0;
    if (samples != 0) {
      avg = sum / samples;
      period = now_s - oldest;
      if (period == 0) period = 1;
      std::uint64_t dev = 0;
      for (const auto& sample : ts.samples) {
        if (sample.time_s == 0) continue;
        std::int64_t delta = static_cast<std::int64_t>(avg) - static_cast<std::int64_t>(sample.latency_ms);
        dev += static_cast<std::uint64_t>(delta < 0 ? -delta : delta);
      }
      mad = dev / samples;
    }
    char line[256];
    const std::string_view event = ts.event();
    // "%.2f" through print_double: the firmware's printf has no float support.
    char period_text[48];
    print_double(period_text, sizeof period_text,
                 samples != 0 ? static_cast<double>(period) / static_cast<double>(samples) : 0.0, 'f', 2);
    std::snprintf(line, sizeof line,
                  "%zu. %.*s: %d latency spikes (average %lums, mean deviation %lums, period %s sec). Worst all "
                  "time event %lums.",
                  i + 1, static_cast<int>(event.size()), event.data(), static_cast<int>(samples),
                  static_cast<unsigned long>(avg), static_cast<unsigned long>(mad), period_text,
                  static_cast<unsigned long>(ts.max));
    append_text(report, line);
    if (event == "command") {
      if (st.slowlog_log_slower_than < 0) {
        slowlog_enabled = true;
        ++advices;
      } else if (st.slowlog_log_slower_than / 1000 > st.latency_monitor_threshold) {
        slowlog_tuning = true;
        ++advices;
      }
      slowlog_inspect = true;
      large_objects = true;
      advices += 2;
    }
    if (event == "fast-command") {
      scheduler = true;
      ++advices;
    }
    append_text(report, "\n");
  }
  if (lm.size() == 0 && advices == 0) {
    append_text(report,
                "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
                "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
  } else if (advices == 0) {
    append_text(report,
                "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis "
                "community to get some help, providing this report in your help request.\n");
  } else {
    append_text(report, "\nI have a few advices for you:\n\n");
    char line[400];
    const auto threshold_us = static_cast<unsigned long long>(st.latency_monitor_threshold) * 1000;
    if (slowlog_enabled) {
      std::snprintf(line, sizeof line,
                    "- There are latency issues with potentially slow commands you are using. Try to enable the Slow "
                    "Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %llu'. If the Slow log "
                    "is disabled Redis is not able to log slow commands execution for you.\n",
                    threshold_us);
      append_text(report, line);
    }
    if (slowlog_tuning) {
      std::snprintf(line, sizeof line,
                    "- Your current Slow Log configuration only logs events that are slower than your configured "
                    "latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %llu'.\n",
                    threshold_us);
      append_text(report, line);
    }
    if (slowlog_inspect) {
      append_text(report,
                  "- Check your Slow Log to understand what are the commands you are running which are too slow to "
                  "execute. Please check https://redis.io/commands/slowlog for more information.\n");
    }
    if (scheduler) {
      append_text(report,
                  "- The system is slow to execute Redis code paths not containing system calls. This usually means "
                  "the system does not provide Redis CPU time to run for long periods. You should try to:\n"
                  "  1) Lower the system load.\n"
                  "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
                  "  3) Check if you have a \"noisy neighbour\" problem.\n"
                  "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your "
                  "system.\n"
                  "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are "
                  "using Jemalloc. However this may create fragmentation problems.\n");
    }
    if (large_objects) {
      append_text(report,
                  "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking "
                  "operation. If you have very large objects that are often deleted, expired, or evicted, try to "
                  "fragment those objects into multiple smaller objects.\n");
    }
  }
  if (report.incomplete()) return c.out.error(Status::oom);
  c.out.verbatim(report.view());
}

// LATENCY HISTOGRAM [command ...]: per command, its calls and the cumulative distribution of its
// latencies (see LatencyHistograms), for the commands that ran since the last CONFIG RESETSTAT.
inline bool reply_histogram(Context& c, CommandRef ref) {
  const LatencyHistograms::Histogram* h = c.engine.latency_histograms().find(ref.id);
  if (h == nullptr) return false;
  c.out.bulk(ref.spec->name());
  c.out.map(2);
  c.out.bulk("calls");
  c.out.integer(static_cast<std::int64_t>(h->calls));
  c.out.bulk("histogram_usec");
  std::size_t buckets = 0;
  for (const std::uint64_t n : h->counts) buckets += n != 0 ? 1 : 0;
  c.out.map(buckets);
  std::uint64_t cumulative = 0;
  for (int k = 0; k < LatencyHistograms::kBuckets; ++k) {
    if (h->counts[k] == 0) continue;
    cumulative += h->counts[k];
    c.out.integer(LatencyHistograms::bucket_usec(k));
    c.out.integer(static_cast<std::int64_t>(cumulative));
  }
  return true;
}

// A command with data, then its subcommands with data; returns how many were written.
inline std::size_t reply_histograms_of(Context& c, CommandRef ref) {
  std::size_t n = reply_histogram(c, ref) ? 1 : 0;
  for (std::size_t i = 0; i < ref.spec->subcommand_count; ++i) {
    const CommandRef sub = c.engine.commands().find_full(ref.spec->subcommands[i].name());
    if (sub && reply_histogram(c, sub)) ++n;
  }
  return n;
}

inline void latency_histogram(Context& c) {
  const CommandTable& table = c.engine.commands();
  const Writer::Deferred mark = c.out.defer();
  std::size_t n = 0;
  if (c.argc == 2) {
    for (std::size_t i = 0; i < table.size(); ++i) n += reply_histograms_of(c, table.at(i));
  } else {
    for (std::size_t j = 2; j < c.argc; ++j) {
      const CommandRef ref = table.find_full(c.arg(j));
      if (ref) n += reply_histograms_of(c, ref);
    }
  }
  c.out.end_map(mark, n);
}

inline void latency_help(Context& c) {
  c.reply_help({"DOCTOR", "    Return a human readable latency analysis report.", "HISTORY <event>",
                "    Return time-latency samples for the <event> class.", "LATEST",
                "    Return the latest latency samples for all events.", "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram for the specified "
                "command names.",
                "    If no commands are specified then all histograms are replied."});
}

// ROLE: always a master: its replication offset and its replicas (ip, listening port, acked
// offset; the numbers as bulk strings, as Redis sends them).
inline void role(Context& c) {
  const Replication& r = c.engine.replication();
  if (const MasterLink* m = c.engine.master_link()) {
    // ["slave", host, port, link state, offset (-1 without a link)]
    c.out.array(5);
    c.out.bulk("slave");
    c.out.bulk(m->master_host.view());
    c.out.integer(m->master_port);
    static constexpr std::string_view kStates[] = {"none", "connect", "connecting", "handshake", "sync", "connected"};
    c.out.bulk(kStates[static_cast<int>(m->link)]);
    c.out.integer(m->master != nullptr ? r.offset : -1);
    return;
  }
  c.out.array(3);
  c.out.bulk("master");
  c.out.integer(r.offset);
  c.out.array(r.replicas().size());
  for (const ReplicaInfo& ri : r.replicas()) {
    std::string_view peer = ri.session->peer();
    const std::size_t colon = peer.rfind(':');
    if (colon != std::string_view::npos) peer = peer.substr(0, colon);
    c.out.array(3);
    c.out.bulk(peer);
    c.out.bulk_int(ri.session->replica_listening_port);
    c.out.bulk_int(ri.ack_offset);
  }
}

// WAIT numreplicas timeout: the number of replicas that acknowledged this client's last write,
// once numreplicas did or the timeout (ms, 0: none) passed. Replicas are asked for an ACK when it
// blocks; inside MULTI it answers at once.
inline void wait(Context& c) {
  if (c.engine.is_replica()) return c.out.error(Status::wait_on_replica);
  std::int64_t numreplicas = 0;
  if (!parse_int64(c.arg(1), numreplicas)) return c.out.error(Status::not_integer);
  std::int64_t timeout = 0;
  if (!parse_int64(c.arg(2), timeout)) return c.out.error(Status::wait_timeout_not_integer);
  if (timeout < 0) return c.out.error(Status::timeout_negative);
  const std::int64_t offset = c.session.write_offset;
  const auto acked = static_cast<std::int64_t>(c.engine.replicas_acked(offset));
  if (acked >= numreplicas || c.session.in_exec() || c.session.executing_directly()) return c.out.integer(acked);
  const std::int64_t deadline_us = timeout == 0 ? 0 : (c.now_ms() + timeout) * 1000;
  if (!c.engine.wait_for_replicas(c.session, offset, numreplicas, deadline_us)) c.out.error(Status::oom);
}

// LOLWUT [VERSION version]: Redis 7.0's output for its own version (and any version without an
// artwork): the version line. The artworks of versions 5 and 6 are not built in.
inline void lolwut(Context& c) {
  std::int64_t version = 7;
  if (c.argc >= 3 && iequals(c.arg(1), "version")) {
    if (!parse_int64(c.arg(2), version) || version < INT32_MIN || version > INT32_MAX) {
      return c.out.error(Status::not_integer);
    }
  }
  // Redis prints the version number as unsigned ("%u.0.0") and dispatches on its first digits.
  char v[32];
  std::snprintf(v, sizeof v, "%u.0.0", static_cast<unsigned>(version));
  if ((v[0] == '5' || v[0] == '6') && v[1] == '.') return c.out.error(Status::lolwut_art, v[0] == '5' ? "5" : "6");
  c.out.verbatim("Redis ver. " MICROREDIS_REDIS_COMPAT_VERSION "\n");
}

}  // namespace server_cmds

// --- library metadata (functions.hpp) ---------------------------------------------------------

MICROREDIS_INLINE bool valid_function_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char ch : name) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  }
  return true;
}

namespace server_cmds {
inline int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}
inline bool is_space(char ch) { return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\v' || ch == '\f'; }

// Redis's sdssplitargs: the tokens of line, appended to scratch; the first kMax are recorded as
// (offset, length) pairs (more are checked, not kept: metadata fails by its third token). false on
// unbalanced quotes (or a closing quote not followed by a space).
struct Spans {
  static constexpr std::size_t kMax = 8;
  std::size_t at[2 * kMax];
  std::size_t count = 0;
};
inline bool split_args(std::string_view line, Buffer& scratch, Spans& spans) {
  std::size_t p = 0;
  for (;;) {
    while (p < line.size() && is_space(line[p])) ++p;
    if (p >= line.size()) return true;
    const std::size_t start = scratch.size();
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (p >= line.size()) return false;
        if (line[p] == '\\' && p + 3 < line.size() && line[p + 1] == 'x' && hex_digit(line[p + 2]) >= 0 &&
            hex_digit(line[p + 3]) >= 0) {
          const char byte = static_cast<char>(hex_digit(line[p + 2]) * 16 + hex_digit(line[p + 3]));
          if (!scratch.append(&byte, 1)) return false;
          p += 3;
        } else if (line[p] == '\\' && p + 1 < line.size()) {
          ++p;
          char ch = line[p];
          switch (ch) {
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'b': ch = '\b'; break;
            case 'a': ch = '\a'; break;
            default: break;
          }
          if (!scratch.append(&ch, 1)) return false;
        } else if (line[p] == '"') {
          if (p + 1 < line.size() && !is_space(line[p + 1])) return false;
          done = true;
        } else if (!scratch.append(&line[p], 1)) {
          return false;
        }
      } else if (insq) {
        if (p >= line.size()) return false;
        if (line[p] == '\\' && p + 1 < line.size() && line[p + 1] == '\'') {
          ++p;
          if (!scratch.append("'", 1)) return false;
        } else if (line[p] == '\'') {
          if (p + 1 < line.size() && !is_space(line[p + 1])) return false;
          done = true;
        } else if (!scratch.append(&line[p], 1)) {
          return false;
        }
      } else {
        if (p >= line.size() || is_space(line[p])) {
          done = true;
        } else if (line[p] == '"') {
          inq = true;
        } else if (line[p] == '\'') {
          insq = true;
        } else if (!scratch.append(&line[p], 1)) {
          return false;
        }
      }
      if (p < line.size()) ++p;
    }
    if (spans.count < Spans::kMax) {
      spans.at[2 * spans.count] = start;
      spans.at[2 * spans.count + 1] = scratch.size() - start;
    }
    ++spans.count;
  }
}
}  // namespace server_cmds

MICROREDIS_INLINE bool parse_library_metadata(std::string_view code, Buffer& scratch, LibraryMetadata& out,
                                              Buffer& error) {
  error.reset();
  if (code.substr(0, 2) != "#!") return (void)error.append("Missing library metadata"), false;
  const std::size_t eol = code.find('\n');
  if (eol == std::string_view::npos) return (void)error.append("Invalid library metadata"), false;
  const std::string_view shebang = code.substr(0, eol);
  scratch.reset();
  server_cmds::Spans spans;
  // The tokens together are at most the shebang's length: the views below stay valid.
  if (!scratch.reserve(shebang.size() + 1)) return false;  // out of memory: no error text
  if (!server_cmds::split_args(shebang, scratch, spans) || spans.count == 0) {
    return (void)error.append("Invalid library metadata"), false;
  }
  auto token = [&](std::size_t i) { return std::string_view(scratch.data() + spans.at[2 * i], spans.at[2 * i + 1]); };
  out.engine = token(0).substr(2 <= token(0).size() ? 2 : token(0).size());
  out.name = {};
  bool have_name = false;
  const std::size_t n = spans.count < server_cmds::Spans::kMax ? spans.count : server_cmds::Spans::kMax;
  for (std::size_t i = 1; i < n; ++i) {
    const std::string_view part = token(i);
    if (part.size() >= 5 && iequals(part.substr(0, 5), "name=")) {
      if (have_name) {
        return (void)error.append("Invalid metadata value, name argument was given multiple times"), false;
      }
      out.name = part.substr(5);
      have_name = true;
      continue;
    }
    (void)error.append("Invalid metadata value given: ");
    (void)error.append(part);
    return false;
  }
  if (!have_name) return (void)error.append("Library name was not given"), false;
  out.body_offset = eol;
  return true;
}

namespace server_cmds {

// FUNCTION and FCALL: the libraries belong to the function host (functions.hpp), which a
// component that runs code installs (adapters/lua). Without one, the registry is empty: the
// subcommands that inspect or clear it answer truthfully, and LOAD/RESTORE report the missing
// engine after the checks Redis makes first.
inline bool forward(Context& c, FunctionHost::Op op) {
  FunctionHost* host = c.engine.function_host();
  if (host == nullptr) return false;
  host->command(c, op);
  return true;
}

inline void function_subcommand_syntax(Context& c) {
  c.out.error(Status::unknown_subcommand_or_arity, c.arg(1).substr(0, 128), "FUNCTION");
}

inline void function_flush(Context& c) {
  if (c.argc > 3) return function_subcommand_syntax(c);
  if (c.argc == 3 && !iequals(c.arg(2), "ASYNC") && !iequals(c.arg(2), "SYNC")) {
    return c.out.error(Status::function_flush_option);
  }
  if (forward(c, FunctionHost::Op::flush)) return;
  c.engine.add_dirty(1);  // propagated and counted as a change, as Redis's
  c.out.ok();
}

inline void function_list(Context& c) {
  bool with_code = false, pattern = false;
  for (std::size_t i = 2; i < c.argc; ++i) {
    if (!with_code && iequals(c.arg(i), "WITHCODE")) {
      with_code = true;
      continue;
    }
    if (!pattern && iequals(c.arg(i), "LIBRARYNAME")) {
      if (i + 1 >= c.argc) return c.out.error(Status::function_no_library_name);
      pattern = true;
      ++i;
      continue;
    }
    return c.out.error(Status::function_unknown_argument, c.arg(i).substr(0, 128));
  }
  if (forward(c, FunctionHost::Op::list)) return;
  c.out.array(0);
}

inline void function_load(Context& c) {
  std::size_t i = 2;
  for (; i + 1 < c.argc; ++i) {
    if (!iequals(c.arg(i), "REPLACE")) return c.out.error(Status::function_unknown_option, c.arg(i).substr(0, 128));
  }
  if (i >= c.argc) return c.out.error(Status::function_code_missing);
  if (forward(c, FunctionHost::Op::load)) return;
  Buffer scratch(c.mem()), error(c.mem());
  LibraryMetadata md;
  if (!parse_library_metadata(c.arg(i), scratch, md, error)) {
    if (error.size() == 0 || error.incomplete()) return c.out.error(Status::oom);
    return c.out.error(Status::function_error, error.view());
  }
  if (!valid_function_name(md.name)) return c.out.error(Status::function_error, kBadFunctionName);
  c.out.error(Status::function_no_engine, md.engine.substr(0, 64));
}

inline void function_delete(Context& c) {
  if (forward(c, FunctionHost::Op::delete_library)) return;
  c.out.error(Status::function_no_library);
}

inline void function_stats(Context& c) {
  if (forward(c, FunctionHost::Op::stats)) return;
  c.out.map(2);
  c.out.bulk("running_script");
  c.out.null();
  c.out.bulk("engines");
  c.out.map(0);
}

inline void function_kill(Context& c) {
  if (forward(c, FunctionHost::Op::kill)) return;
  c.out.error(Status::function_not_busy);
}

inline void function_dump(Context& c) {
  if (forward(c, FunctionHost::Op::dump)) return;
  // An empty payload: the RDB version and the CRC64 of it (what Redis dumps for no libraries).
  char payload[10] = {static_cast<char>(rdb::kVersion & 0xff), static_cast<char>((rdb::kVersion >> 8) & 0xff)};
  const std::uint64_t crc = rdb::crc64(0, payload, 2);
  for (int b = 0; b < 8; ++b) payload[2 + b] = static_cast<char>((crc >> (8 * b)) & 0xff);
  c.out.bulk({payload, sizeof payload});
}

inline void function_restore(Context& c) {
  if (c.argc > 4) return function_subcommand_syntax(c);
  if (c.argc == 4 && !iequals(c.arg(3), "APPEND") && !iequals(c.arg(3), "REPLACE") && !iequals(c.arg(3), "FLUSH")) {
    return c.out.error(Status::function_restore_policy);
  }
  if (!rdb::verify_dump_payload(c.arg(2))) return c.out.error(Status::function_bad_payload);
  if (forward(c, FunctionHost::Op::restore)) return;
  // Only an empty payload restores without an engine.
  const std::string_view payload = c.arg(2);
  if (payload.size() > 10) {
    if (static_cast<std::uint8_t>(payload[0]) != rdb::kOpFunction2 &&
        static_cast<std::uint8_t>(payload[0]) != rdb::kOpFunction) {
      return c.out.error(Status::function_error, "given type is not a function");
    }
    return c.out.error(Status::function_no_engine, "LUA");
  }
  c.engine.add_dirty(1);
  c.out.ok();
}

inline void function_help(Context& c) {
  c.reply_help({
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE "
      "command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
  });
}

// FCALL function numkeys [key ...] [arg ...]: the numkeys arguments after numkeys are keys.
inline std::size_t fcall_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  std::int64_t n = 0;
  if (argc < 3 || !parse_int64(argv[2], n) || n <= 0 || static_cast<std::size_t>(n) > argc - 3) return 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n) && count < cap; ++i) out[count++] = 3 + i;
  return count;
}

// Redis's fcallGetCommandFlags: the function's flags decide write, deny-oom and stale.
inline std::uint32_t fcall_flags(const Engine& engine, const CommandSpec& spec, const std::string_view* argv,
                                 std::size_t argc) {
  const FunctionHost* host = engine.function_host();
  if (host == nullptr || argc < 2) return spec.flags;
  return host->call_flags(spec.flags, argv[1]);
}

inline void fcall_generic(Context& c, FunctionHost::Op op) {
  // Functions are fed to monitors before the commands they run (FCALL is skip-monitor).
  if (c.engine.monitor_count() > 0) c.engine.feed_monitors(c.session, c.argv, c.argc, 0);
  c.prevent_propagation();  // its effects are propagated, not FCALL itself
  if (forward(c, op)) return;
  c.out.error(Status::function_not_found);
}

inline void fcall(Context& c) { fcall_generic(c, FunctionHost::Op::fcall); }
inline void fcall_ro(Context& c) { fcall_generic(c, FunctionHost::Op::fcall_ro); }

inline const CommandSpec kFunctionSubcommands[] = {
    {"function|flush", -2, kWrite | kNoscript, 0, 0, 0, function_flush, "scripting", "Deletes all libraries and functions.",
     "7.0.0", "O(N) where N is the number of functions deleted", "[ASYNC | SYNC]", kAclScripting},
    {"function|list", -2, kNoscript, 0, 0, 0, function_list, "scripting", "Returns information about all libraries.",
     "7.0.0", "O(N) where N is the number of functions", "[LIBRARYNAME library-name-pattern] [WITHCODE]", kAclScripting},
    {"function|load", -3, kWrite | kDenyOom | kNoscript, 0, 0, 0, function_load, "scripting",
     "Creates a library.", "7.0.0", "O(1) (considering compilation time is redundant)", "[REPLACE] function-code",
     kAclScripting},
    {"function|delete", 3, kWrite | kNoscript, 0, 0, 0, function_delete, "scripting", "Deletes a library and its functions.",
     "7.0.0", "O(1)", "library-name", kAclScripting},
    {"function|stats", 2, kNoscript | kAllowBusy, 0, 0, 0, function_stats, "scripting",
     "Returns information about a function during execution.", "7.0.0", "O(1)", "", kAclScripting},
    {"function|kill", 2, kNoscript | kAllowBusy, 0, 0, 0, function_kill, "scripting", "Terminates a function during execution.",
     "7.0.0", "O(1)", "", kAclScripting},
    {"function|dump", 2, kNoscript, 0, 0, 0, function_dump, "scripting",
     "Dumps all libraries into a serialized binary payload.", "7.0.0", "O(N) where N is the number of functions", "",
     kAclScripting},
    {"function|restore", -3, kWrite | kDenyOom | kNoscript, 0, 0, 0, function_restore, "scripting",
     "Restores all libraries from a payload.", "7.0.0", "O(N) where N is the number of functions on the payload",
     "serialized-value [FLUSH | APPEND | REPLACE]", kAclScripting},
    {"function|help", 2, kLoading | kStale, 0, 0, 0, function_help, "scripting",
     "Returns helpful text about the different subcommands.", "7.0.0", "O(1)", "", kAclScripting},
};

inline const CommandSpec kSlowlogSubcommands[] = {
    {"slowlog|get", -2, kAdmin | kLoading | kStale, 0, 0, 0, slowlog_get, "server", "Returns the slow log's entries.",
     "2.2.12", "O(N) where N is the number of entries returned", "[count]", 0},
    {"slowlog|len", 2, kAdmin | kLoading | kStale, 0, 0, 0, slowlog_len, "server",
     "Returns the number of entries in the slow log.", "2.2.12", "O(1)", "", 0},
    {"slowlog|reset", 2, kAdmin | kLoading | kStale, 0, 0, 0, slowlog_reset, "server",
     "Clears all entries from the slow log.", "2.2.12", "O(N) where N is the number of entries in the slowlog", "", 0},
    {"slowlog|help", 2, kLoading | kStale, 0, 0, 0, slowlog_help, "server",
     "Show helpful text about the different subcommands", "6.2.0", "O(1)", "", 0},
};

inline const CommandSpec kLatencySubcommands[] = {
    {"latency|latest", 2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, latency_latest, "server",
     "Returns the latest latency samples for all events.", "2.8.13", "O(1)", "", 0},
    {"latency|history", 3, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, latency_history, "server",
     "Returns timestamp-latency samples for an event.", "2.8.13", "O(1)", "event", 0},
    {"latency|reset", -2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, latency_reset, "server",
     "Resets the latency data for one or more events.", "2.8.13", "O(1)", "[event [event ...]]", 0},
    {"latency|doctor", 2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, latency_doctor, "server",
     "Returns a human-readable latency analysis report.", "2.8.13", "O(1)", "", 0},
    {"latency|histogram", -2, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, latency_histogram, "server",
     "Returns the cumulative distribution of latencies of a subset or all commands.", "7.0.0",
     "O(N) where N is the number of commands with latency information being retrieved.", "[command [command ...]]",
     0},
    {"latency|help", 2, kLoading | kStale, 0, 0, 0, latency_help, "server",
     "Returns helpful text about the different subcommands.", "2.8.13", "O(1)", "", 0},
};

inline const CommandSpec kCommands[] = {
    {"dbsize", 1, kReadonly | kFast, 0, 0, 0, dbsize, "server", "Returns the number of keys in the database.", "1.0.0",
     "O(1)", "", kAclKeyspace},
    {"flushdb", -1, kWrite, 0, 0, 0, flushdb, "server", "Removes all keys from the current database.", "1.0.0",
     "O(N) where N is the number of keys in the selected database", "[ASYNC | SYNC]", kAclKeyspace | kAclDangerous},
    {"flushall", -1, kWrite, 0, 0, 0, flushall, "server", "Removes all keys from all databases.", "1.0.0",
     "O(N) where N is the total number of keys in all databases", "[ASYNC | SYNC]", kAclKeyspace | kAclDangerous},
    {"time", 1, kLoading | kStale | kFast, 0, 0, 0, time_now, "server", "Returns the server time.", "2.6.0", "O(1)", "", 0},
    {"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, lastsave, "server",
     "Returns the Unix timestamp of the last successful save to disk (0: never).", "1.0.0", "O(1)", "",
     kAclAdmin | kAclDangerous},
    {"save", 1, kAdmin | kNoscript | kNoAsyncLoading | kNoMulti, 0, 0, 0, save, "server",
     "Synchronously saves the database(s) to disk (microredis: no persistence, an error).", "1.0.0",
     "O(N) where N is the total number of keys in all databases", "", 0},
    {"bgsave", -1, kAdmin | kNoscript | kNoAsyncLoading, 0, 0, 0, bgsave, "server",
     "Asynchronously saves the database(s) to disk (microredis: no persistence, an error).", "1.0.0",
     "O(N) where N is the total number of keys in all databases", "[SCHEDULE]", 0},
    {"shutdown", -1, kAdmin | kNoscript | kLoading | kStale | kNoMulti | kAllowBusy, 0, 0, 0, shutdown, "server",
     "Stops the server (no dataset to save).", "1.0.0",
     "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
     "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", 0},
    {"slowlog", -2, 0, 0, 0, 0, nullptr, "server", "A container for slow log commands.", "2.2.12",
     "Depends on subcommand.", "", 0, kSlowlogSubcommands, sizeof kSlowlogSubcommands / sizeof kSlowlogSubcommands[0]},
    {"latency", -2, 0, 0, 0, 0, nullptr, "server", "A container for latency diagnostics commands.", "2.8.13",
     "Depends on subcommand.", "", 0, kLatencySubcommands, sizeof kLatencySubcommands / sizeof kLatencySubcommands[0]},
    {"role", 1, kNoscript | kLoading | kStale | kFast, 0, 0, 0, role, "server",
     "Returns the replication role.", "2.8.12", "O(1)", "", 0},
    {"wait", 3, kNoscript, 0, 0, 0, wait, "generic",
     "Waits for replicas to acknowledge writes (none: replies 0 at once).", "3.0.0", "O(1)", "numreplicas timeout",
     kAclConnection},
    {"lolwut", -1, kReadonly | kFast, 0, 0, 0, lolwut, "server", "Displays the server's version.", "5.0.0", "O(1)",
     "[VERSION version]", kAclRead},
    {"fcall", -3, kNoscript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale | kMovableKeys | kScriptKeys, 0,
     0, 0, fcall, "scripting", "Invokes a function.", "7.0.0", "Depends on the function that is executed.",
     "function numkeys [key [key ...]] [arg [arg ...]]", kAclScripting, nullptr, 0, fcall_keys, fcall_flags},
    {"fcall_ro", -3, kNoscript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadonly | kMovableKeys | kScriptKeys, 0, 0,
     0, fcall_ro, "scripting", "Invokes a read-only function.", "7.0.0", "Depends on the function that is executed.",
     "function numkeys [key [key ...]] [arg [arg ...]]", kAclScripting, nullptr, 0, fcall_keys, fcall_flags},
    {"function", -2, 0, 0, 0, 0, nullptr, "scripting", "A container for function commands.", "7.0.0",
     "Depends on subcommand.", "", 0, kFunctionSubcommands, sizeof kFunctionSubcommands / sizeof kFunctionSubcommands[0]},
};

}  // namespace server_cmds

MICROREDIS_INLINE bool register_server_commands(CommandTable& table) { return table.add(server_cmds::kCommands); }

}  // namespace microredis
