// CLIENT: ID SETNAME GETNAME INFO LIST KILL UNBLOCK PAUSE UNPAUSE NO-EVICT REPLY TRACKING CACHING
// GETREDIR TRACKINGINFO HELP; and MONITOR.
//
// CLIENT LIST / CLIENT INFO print Redis 7.0's full field line. The engine owns no socket, so some
// fields describe what a session is rather than what a Redis client struct holds:
//   fd             what the adapter passed to Session::set_fd() (-1 when none, as Redis's fake clients)
//   addr, laddr    what the adapter passed to Session::set_peer()
//   multi-mem      bytes held by commands queued in MULTI
//   qbuf           unconsumed input bytes; while a command runs, the batch it came in (as Redis)
//   qbuf-free      input buffer capacity minus qbuf
//   argv-mem       bytes of the running command's arguments (0 for idle sessions)
//   rbs            output buffer capacity; rbp the same (a session's buffer only grows while
//                  replies pile up and shrinks once drained, so its capacity is its recent peak)
//   obl omem       pending output bytes (one contiguous buffer: obl and omem are the same bytes,
//                  the ones client-output-buffer-limit counts); oll=0 (there is no reply list)
//   tot-mem        Session::memory_usage() (the session, its buffers, MULTI queue, watched keys,
//                  subscriptions...: what maxmemory-clients counts) plus argv-mem
//   events         r while the session reads, w while output is pending
//   user=default   the only user
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {
namespace client_cmds {

// Appends text and numbers to a Buffer (replies are built whole, then sent as one verbatim).
struct Text {
  Buffer& b;
  bool ok = true;
  Text& s(std::string_view v) {
    ok = b.append(v) && ok;
    return *this;
  }
  Text& i(std::int64_t v) {
    char buf[kLongLongChars];
    return s({buf, format_int64(buf, v)});
  }
  Text& u(std::uint64_t v) {
    char buf[kLongLongChars];
    return s({buf, format_uint64(buf, v)});
  }
};

enum class ClientType { normal, master, replica, pubsub, invalid };

inline ClientType client_type_by_name(std::string_view name) {
  if (iequals(name, "normal")) return ClientType::normal;
  if (iequals(name, "slave") || iequals(name, "replica")) return ClientType::replica;
  if (iequals(name, "pubsub")) return ClientType::pubsub;
  if (iequals(name, "master")) return ClientType::master;
  return ClientType::invalid;
}

// Redis's getClientType: the master link, replicas, subscribers, everyone else.
inline ClientType client_type(const Session& s) {
  if (s.master_link()) return ClientType::master;
  if (s.replica()) return ClientType::replica;
  return s.in_pubsub() ? ClientType::pubsub : ClientType::normal;
}

// A session that will be closed as soon as the adapter looks at it no longer counts as a client
// (Redis frees killed clients at once).
inline bool departing(const Session& s) { return s.want_close(); }

inline std::uint64_t argv_bytes(const Context& c, const Session& s) {
  if (&s != &c.session) return 0;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < c.argc; ++i) n += c.arg(i).size();
  return n;
}

inline void append_client_info(Text& t, const Context& c, Session& s) {
  // In Redis's order: O (monitor) P x b (blocked on keys or held by CLIENT PAUSE) t R B d c|A U e.
  char flags[16];
  std::size_t nf = 0;
  if (s.replica()) flags[nf++] = 'S';
  if (s.master_link()) flags[nf++] = 'M';
  if (s.monitoring()) flags[nf++] = 'O';
  if (s.in_pubsub()) flags[nf++] = 'P';
  if (s.in_multi()) flags[nf++] = 'x';
  if (s.blocked()) flags[nf++] = 'b';
  const Tracking::State* tracking = s.tracking_state();
  if (tracking != nullptr && tracking->enabled) flags[nf++] = 't';
  if (tracking != nullptr && tracking->broken_redirect) flags[nf++] = 'R';
  if (tracking != nullptr && tracking->options.bcast) flags[nf++] = 'B';
  if (s.watch_dirty()) flags[nf++] = 'd';
  if (s.closing()) flags[nf++] = s.want_close() ? 'A' : 'c';
  if (s.unix_socket()) flags[nf++] = 'U';
  if (s.no_evict()) flags[nf++] = 'e';
  if (nf == 0) flags[nf++] = 'N';

  const std::int64_t now_s = c.now_ms() / 1000;
  const std::uint64_t qbuf = s.query_buffer_size();
  const std::uint64_t qcap = s.query_buffer_capacity();
  const std::uint64_t argv_mem = argv_bytes(c, s);
  const std::uint64_t pending = s.output_buffer_size();
  const std::uint64_t ocap = s.output_buffer_capacity();
  const std::uint64_t tot = s.memory_usage() + argv_mem;
  std::string_view cmd = s.last_command();

  t.s("id=").u(s.id());
  t.s(" addr=").s(s.peer());
  t.s(" laddr=").s(s.local_addr());
  t.s(" fd=").i(s.fd());
  t.s(" name=").s(s.name());
  t.s(" age=").i(now_s - s.created_ms() / 1000);
  t.s(" idle=").i(now_s - s.last_interaction_ms() / 1000);
  t.s(" flags=").s({flags, nf});
  t.s(" db=").i(s.db_index());
  t.s(" sub=").u(s.subscription_count(SubscriptionKind::channel));
  t.s(" psub=").u(s.subscription_count(SubscriptionKind::pattern));
  t.s(" ssub=").u(s.subscription_count(SubscriptionKind::shard));
  t.s(" multi=").i(s.in_multi() ? static_cast<std::int64_t>(s.transaction().size()) : -1);
  t.s(" qbuf=").u(qbuf);
  t.s(" qbuf-free=").u(qcap > qbuf ? qcap - qbuf : 0);
  t.s(" argv-mem=").u(argv_mem);
  t.s(" multi-mem=").u(s.in_multi() ? s.transaction().memory() : 0);
  t.s(" rbs=").u(ocap);
  t.s(" rbp=").u(ocap);
  t.s(" obl=").u(pending);
  t.s(" oll=0");
  t.s(" omem=").u(pending);
  t.s(" tot-mem=").u(tot);
  t.s(" events=").s(s.want_read() ? "r" : "").s(s.has_output() ? "w" : "");
  t.s(" cmd=").s(cmd.empty() ? std::string_view("NULL") : cmd);
  t.s(" user=default redir=").i(s.tracking_enabled() ? static_cast<std::int64_t>(s.tracking().options.redirect) : -1);
  t.s(" resp=").i(s.protocol());
}

inline void reply_text(Context& c, Text& t) {
  if (!t.ok) return c.out.error(Status::oom);
  c.out.verbatim(t.b.view());
}

// --- CLIENT ID / SETNAME / GETNAME / INFO ---------------------------------------------------

inline void client_id(Context& c) { c.out.integer(static_cast<std::int64_t>(c.session.id())); }

inline void client_setname(Context& c) {
  std::string_view name = c.arg(2);
  for (char ch : name) {
    if (ch < '!' || ch > '~') return c.out.error(Status::client_name_spaces);
  }
  if (!c.session.set_name(name)) return c.out.error(Status::oom);
  c.out.ok();
}

inline void client_getname(Context& c) {
  if (c.session.name().empty()) return c.out.null();
  c.out.bulk(c.session.name());
}

inline void client_info(Context& c) {
  Buffer b(c.mem());
  Text t{b};
  append_client_info(t, c, c.session);
  t.s("\n");
  reply_text(c, t);
}

// --- CLIENT LIST [TYPE type] [ID id [id ...]] -------------------------------------------------

inline void client_list(Context& c) {
  Buffer b(c.mem());
  Text t{b};
  if (c.argc > 3 && iequals(c.arg(2), "ID")) {
    for (std::size_t i = 3; i < c.argc; ++i) {
      std::int64_t id = 0;
      if (!parse_int64(c.arg(i), id)) return c.out.error(Status::invalid_client_id);
    }
    for (std::size_t i = 3; i < c.argc; ++i) {
      std::int64_t id = 0;
      (void)parse_int64(c.arg(i), id);
      Session* s = c.engine.find_session(static_cast<std::uint64_t>(id));
      if (s == nullptr || departing(*s)) continue;
      append_client_info(t, c, *s);
      t.s("\n");
    }
    return reply_text(c, t);
  }
  ClientType type = ClientType::invalid;  // invalid: no filter
  if (c.argc == 4 && iequals(c.arg(2), "TYPE")) {
    type = client_type_by_name(c.arg(3));
    if (type == ClientType::invalid) return c.out.error(Status::unknown_client_type, c.arg(3));
  } else if (c.argc != 2) {
    return c.out.error(Status::syntax);
  }
  // Oldest first, as Redis lists its clients: the engine keeps the newest at the head.
  Session* s = c.engine.first_session();
  while (s != nullptr && s->next != nullptr) s = s->next;
  for (; s != nullptr; s = s->prev) {
    if (departing(*s)) continue;
    if (type != ClientType::invalid && client_type(*s) != type) continue;
    append_client_info(t, c, *s);
    t.s("\n");
  }
  reply_text(c, t);
}

// --- CLIENT KILL addr | CLIENT KILL [ID id] [TYPE type] [ADDR addr] [LADDR addr] [USER user]
//                                    [SKIPME yes|no] [MAXAGE seconds] ----------------------------

struct KillFilter {
  std::string_view addr, laddr;
  bool has_addr = false, has_laddr = false;
  ClientType type = ClientType::invalid;
  std::uint64_t id = 0;
  std::int64_t max_age = 0;
  bool skipme = true;
};

// Parses the filter form; false after replying with the error.
inline bool parse_kill_filter(Context& c, KillFilter& f) {
  for (std::size_t i = 2; i < c.argc; i += 2) {
    std::string_view opt = c.arg(i);
    if (i + 1 >= c.argc) {
      c.out.error(Status::syntax);
      return false;
    }
    std::string_view val = c.arg(i + 1);
    if (iequals(opt, "ID")) {
      std::int64_t id = 0;
      if (!parse_int64(val, id) || id < 1) {
        c.out.error(Status::client_id_not_positive);
        return false;
      }
      f.id = static_cast<std::uint64_t>(id);
    } else if (iequals(opt, "MAXAGE")) {  // Redis 7.4
      std::int64_t age = 0;
      if (!parse_int64(val, age)) {
        c.out.error(Status::client_maxage_not_integer);
        return false;
      }
      if (age <= 0) {
        c.out.error(Status::client_maxage_not_positive);
        return false;
      }
      f.max_age = age;
    } else if (iequals(opt, "TYPE")) {
      f.type = client_type_by_name(val);
      if (f.type == ClientType::invalid) {
        c.out.error(Status::unknown_client_type, val);
        return false;
      }
    } else if (iequals(opt, "ADDR")) {
      f.addr = val;
      f.has_addr = true;
    } else if (iequals(opt, "LADDR")) {
      f.laddr = val;
      f.has_laddr = true;
    } else if (iequals(opt, "USER")) {
      // "default" is the only user there is (no ACLs); it is every session's user.
      if (val != "default") {
        c.out.error(Status::no_such_user, val.substr(0, 128));
        return false;
      }
    } else if (iequals(opt, "SKIPME")) {
      if (iequals(val, "yes")) {
        f.skipme = true;
      } else if (iequals(val, "no")) {
        f.skipme = false;
      } else {
        c.out.error(Status::syntax);
        return false;
      }
    } else {
      c.out.error(Status::syntax);
      return false;
    }
  }
  return true;
}

inline void client_kill(Context& c) {
  const bool old_form = c.argc == 3;
  KillFilter f;
  if (old_form) {
    f.addr = c.arg(2);
    f.has_addr = true;
    f.skipme = false;  // the old form can kill the calling connection
  } else if (!parse_kill_filter(c, f)) {
    return;
  }
  const std::int64_t now_s = c.now_ms() / 1000;
  std::int64_t killed = 0;
  bool close_self = false;
  for (Session* s = c.engine.first_session(); s != nullptr; s = s->next) {
    if (departing(*s)) continue;
    if (s == c.engine.internal_session() && s != &c.session) continue;  // the in-process caller's own
    if (f.has_addr && s->peer() != f.addr) continue;
    if (f.has_laddr && s->local_addr() != f.laddr) continue;
    if (f.type != ClientType::invalid && client_type(*s) != f.type) continue;
    if (f.id != 0 && s->id() != f.id) continue;
    if (s == &c.session && f.skipme) continue;
    if (f.max_age != 0 && now_s - s->created_ms() / 1000 < f.max_age) continue;
    if (s == &c.session) {
      close_self = true;
    } else {
      s->close_now();
      c.engine.notify_output(*s);
    }
    ++killed;
  }
  if (old_form) {
    if (killed == 0) {
      c.out.error(Status::no_such_client);
    } else {
      c.out.ok();
    }
  } else {
    c.out.integer(killed);
  }
  // After the reply is queued: the connection closes once it has been written.
  if (close_self) c.session.close_after_reply();
}

// --- CLIENT NO-EVICT / REPLY / HELP --------------------------------------------------------

// --- CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO (client-side caching) ---------------

inline void client_tracking(Context& c) {
  TrackingOptions opt;
  std::string_view prefixes[64];
  std::size_t nprefix = 0;
  for (std::size_t j = 3; j < c.argc; ++j) {
    const bool more = j + 1 < c.argc;
    if (iequals(c.arg(j), "REDIRECT") && more) {
      ++j;
      if (opt.redirect != 0) return c.out.error(Status::tracking_single_redirect);
      std::int64_t id = 0;
      if (!parse_int64(c.arg(j), id)) return c.out.error(Status::not_integer);
      if (id <= 0 || c.engine.find_session(static_cast<std::uint64_t>(id)) == nullptr) {
        return c.out.error(Status::tracking_no_redirect_target);
      }
      opt.redirect = static_cast<std::uint64_t>(id);
    } else if (iequals(c.arg(j), "BCAST")) {
      opt.bcast = true;
    } else if (iequals(c.arg(j), "OPTIN")) {
      opt.optin = true;
    } else if (iequals(c.arg(j), "OPTOUT")) {
      opt.optout = true;
    } else if (iequals(c.arg(j), "NOLOOP")) {
      opt.noloop = true;
    } else if (iequals(c.arg(j), "PREFIX") && more) {
      if (nprefix == sizeof prefixes / sizeof prefixes[0]) return c.out.error(Status::syntax);
      prefixes[nprefix++] = c.arg(++j);
    } else {
      return c.out.error(Status::syntax);
    }
  }
  const Tracking::State never_tracked(c.mem());
  const Tracking::State& st = c.session.has_extras() ? c.session.tracking() : never_tracked;
  if (iequals(c.arg(2), "ON")) {
    if (!opt.bcast && nprefix > 0) return c.out.error(Status::tracking_prefix_needs_bcast);
    if (st.enabled && st.options.bcast != opt.bcast) return c.out.error(Status::tracking_bcast_switch);
    if (opt.bcast && (opt.optin || opt.optout)) return c.out.error(Status::tracking_bcast_opt);
    if (opt.optin && opt.optout) return c.out.error(Status::tracking_optin_optout);
    if (st.enabled && ((opt.optin && st.options.optout) || (opt.optout && st.options.optin))) {
      return c.out.error(Status::tracking_opt_switch);
    }
    if (opt.bcast) {
      std::string_view a, b;
      if (c.engine.tracking().find_collision(c.session, prefixes, nprefix, a, b)) {
        bool existing = false;
        for (std::size_t i = 0; i < nprefix; ++i) existing = existing || prefixes[i] == b;
        return c.out.error(existing ? Status::tracking_prefix_overlap_other : Status::tracking_prefix_overlap_existing,
                           a, b);
      }
    }
    if (!c.engine.tracking().enable(c.session, opt, prefixes, nprefix)) return c.out.error(Status::oom);
  } else if (iequals(c.arg(2), "OFF")) {
    c.engine.tracking().disable(c.session);
  } else {
    return c.out.error(Status::syntax);
  }
  c.out.ok();
}

inline void client_caching(Context& c) {
  if (!c.session.tracking_enabled()) return c.out.error(Status::caching_needs_tracking);
  Tracking::State& st = c.session.tracking();
  if (iequals(c.arg(2), "YES")) {
    if (!st.options.optin) return c.out.error(Status::caching_yes_needs_optin);
  } else if (iequals(c.arg(2), "NO")) {
    if (!st.options.optout) return c.out.error(Status::caching_no_needs_optout);
  } else {
    return c.out.error(Status::syntax);
  }
  st.caching = true;
  c.out.ok();
}

inline void client_getredir(Context& c) {
  c.out.integer(c.session.tracking_enabled() ? static_cast<std::int64_t>(c.session.tracking().options.redirect) : -1);
}

inline void client_trackinginfo(Context& c) {
  const Tracking::State never_tracked(c.mem());
  const Tracking::State& st = c.session.has_extras() ? c.session.tracking() : never_tracked;
  Writer& w = c.out;
  w.map(3);
  w.bulk("flags");
  const Writer::Deferred flags = w.defer();
  std::size_t n = 1;
  w.bulk(st.enabled ? "on" : "off");
  auto flag = [&](bool on, std::string_view name) {
    if (!on) return;
    w.bulk(name);
    ++n;
  };
  flag(st.options.bcast, "bcast");
  flag(st.options.optin, "optin");
  flag(st.options.optin && st.caching, "caching-yes");
  flag(st.options.optout, "optout");
  flag(st.options.optout && st.caching, "caching-no");
  flag(st.options.noloop, "noloop");
  flag(st.broken_redirect, "broken_redirect");
  w.end_set(flags, n);
  w.bulk("redirect");
  w.integer(st.enabled ? static_cast<std::int64_t>(st.options.redirect) : -1);
  w.bulk("prefixes");
  w.array(st.prefixes.size());
  for (const Tracking::Prefix* p : st.prefixes) w.bulk(p->name.view());
}

// CLIENT UNBLOCK id [TIMEOUT | ERROR]: ends a blocking command as if it timed out, or with an error.
inline void client_unblock(Context& c) {
  bool with_error = false;
  if (c.argc == 4) {
    if (iequals(c.arg(3), "ERROR")) {
      with_error = true;
    } else if (!iequals(c.arg(3), "TIMEOUT")) {
      return c.out.error(Status::client_unblock_reason);
    }
  }
  std::int64_t id = 0;
  if (!parse_int64(c.arg(2), id)) return c.out.error(Status::not_integer);
  Session* target = id > 0 ? c.engine.find_session(static_cast<std::uint64_t>(id)) : nullptr;
  if (target == nullptr || (target->block_reason() != BlockReason::keys && target->block_reason() != BlockReason::wait)) {
    return c.out.integer(0);
  }
  if (with_error) {
    c.engine.unblock_with_error(*target);
  } else {
    c.engine.unblock_with_timeout(*target);
  }
  c.out.integer(1);
}

// CLIENT PAUSE timeout [WRITE | ALL]: holds the commands of every client (of every client that
// may write, with WRITE) for timeout milliseconds or until CLIENT UNPAUSE. The engine holds them
// at dispatch; the pause of a command inside EXEC starts once the transaction is over.
inline void client_pause(Context& c) {
  Engine::PauseMode mode = Engine::PauseMode::all;
  if (c.argc == 4) {
    if (iequals(c.arg(3), "WRITE")) {
      mode = Engine::PauseMode::write;
    } else if (!iequals(c.arg(3), "ALL")) {
      return c.out.error(Status::client_pause_mode);
    }
  } else if (c.argc != 3) {
    return c.out.error(Status::syntax);
  }
  std::int64_t timeout = 0;
  if (!parse_int64(c.arg(2), timeout)) return c.out.error(Status::timeout_not_integer);
  if (timeout < 0) return c.out.error(Status::timeout_negative);
  // As Redis: 0 is "until now", a pause that is over at once.
  std::int64_t end = 0;
  if (timeout > 0) end = timeout > INT64_MAX / 2 - c.now_ms() ? INT64_MAX / 2 : timeout + c.now_ms();
  c.engine.pause_clients(end, mode);
  c.out.ok();
}

inline void client_unpause(Context& c) {
  c.engine.unpause_clients();
  c.out.ok();
}

inline void client_no_evict(Context& c) {
  if (iequals(c.arg(2), "ON")) {
    c.session.set_no_evict(true);
  } else if (iequals(c.arg(2), "OFF")) {
    c.session.set_no_evict(false);
  } else {
    return c.out.error(Status::syntax);
  }
  c.out.ok();
}

// The dispatcher drops the output of commands run in OFF/SKIP mode; only ON answers.
inline void client_reply(Context& c) {
  using Mode = Session::ReplyMode;
  if (iequals(c.arg(2), "ON")) {
    c.session.set_reply_mode(Mode::on);
    c.out.ok();
  } else if (iequals(c.arg(2), "OFF")) {
    c.session.set_reply_mode(Mode::off);
  } else if (iequals(c.arg(2), "SKIP")) {
    if (c.session.reply_mode() != Mode::off) c.session.set_reply_mode(Mode::skip_next);
  } else {
    c.out.error(Status::syntax);
  }
}

inline void client_help(Context& c) {
  c.reply_help({
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "    * MAXAGE <maxage>",
      "      Kill connections older than the specified age.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "    * ID <client-id> [<client-id> ...]",
      "      Return clients with the given IDs.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
  });
}

constexpr std::uint32_t kClientFlags = kNoscript | kLoading | kStale;

inline const CommandSpec kClientSubcommands[] = {
    {"client|id", 2, kClientFlags, 0, 0, 0, client_id, "connection", "Returns the unique client ID of the connection.",
     "5.0.0", "O(1)", "", kAclConnection},
    {"client|setname", 3, kClientFlags, 0, 0, 0, client_setname, "connection", "Sets the connection name.", "2.6.9",
     "O(1)", "connection-name", kAclConnection},
    {"client|getname", 2, kClientFlags, 0, 0, 0, client_getname, "connection", "Returns the name of the connection.",
     "2.6.9", "O(1)", "", kAclConnection},
    {"client|info", 2, kClientFlags, 0, 0, 0, client_info, "connection",
     "Returns information about the connection.", "6.2.0", "O(1)", "", kAclConnection},
    {"client|list", -2, kAdmin | kClientFlags, 0, 0, 0, client_list, "connection",
     "Lists open connections.", "2.4.0", "O(N) where N is the number of client connections",
     "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]", kAclConnection},
    {"client|kill", -3, kAdmin | kClientFlags, 0, 0, 0, client_kill, "connection",
     "Terminates open connections.", "2.4.0", "O(N) where N is the number of client connections",
     // The old form, or filters that may repeat.
     "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | "
     "[ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> "
     "[<[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | "
     "[ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> ...]>",
     kAclConnection},
#if MICROREDIS_WITH_TRACKING
    {"client|tracking", -3, kClientFlags, 0, 0, 0, client_tracking, "connection",
     "Controls server-assisted client-side caching for the connection.", "6.0.0",
     "O(1). Some options may introduce additional complexity.",
     "status [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
     kAclConnection},
    {"client|caching", 3, kClientFlags, 0, 0, 0, client_caching, "connection",
     "Instructs the server whether to track the keys in the next request.", "6.0.0", "O(1)", "<YES | NO>",
     kAclConnection},
    {"client|getredir", 2, kClientFlags, 0, 0, 0, client_getredir, "connection",
     "Returns the client ID to which the connection's tracking notifications are redirected.", "6.0.0", "O(1)", "",
     kAclConnection},
    {"client|trackinginfo", 2, kClientFlags, 0, 0, 0, client_trackinginfo, "connection",
     "Returns information about server-assisted client-side caching for the connection.", "6.2.0", "O(1)", "",
     kAclConnection},
#endif
    {"client|unblock", -3, kAdmin | kClientFlags, 0, 0, 0, client_unblock, "connection",
     "Unblocks a client blocked by a blocking command from a different connection.", "5.0.0",
     "O(log N) where N is the number of client connections", "client-id [TIMEOUT | ERROR]", kAclConnection},
    {"client|pause", -3, kAdmin | kClientFlags, 0, 0, 0, client_pause, "connection",
     "Suspends commands processing.", "3.0.0", "O(1)", "timeout [WRITE | ALL]", kAclConnection},
    {"client|unpause", 2, kAdmin | kClientFlags, 0, 0, 0, client_unpause, "connection",
     "Resumes processing commands from paused clients.", "6.2.0", "O(N) Where N is the number of paused clients",
     "", kAclConnection},
    {"client|no-evict", 3, kAdmin | kClientFlags, 0, 0, 0, client_no_evict, "connection",
     "Sets the client eviction mode of the connection.", "7.0.0", "O(1)", "<ON | OFF>", kAclConnection},
    {"client|reply", 3, kClientFlags, 0, 0, 0, client_reply, "connection",
     "Instructs the server whether to reply to commands.", "3.2.0", "O(1)", "<ON | OFF | SKIP>", kAclConnection},
    {"client|help", 2, kLoading | kStale, 0, 0, 0, client_help, "connection",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", "", kAclConnection},
};

// MONITOR: from now on the session receives every command the engine runs (except administrative
// and skip-monitor ones), one "+<time> [<db> <addr>] "cmd" "arg" ..." line each.
inline void monitor(Context& c) {
  // Redis refuses clients that need one reply per command: inside EXEC (and scripts); a direct
  // execute() call would pile the lines up where nobody reads them.
  if (c.session.in_exec() || c.session.executing_directly()) return c.out.error(Status::monitor_deny_blocking);
  if (c.session.monitoring()) return;  // already monitoring: Redis sends nothing
  if (!c.engine.add_monitor(c.session)) return c.out.error(Status::oom);
  c.out.ok();
}

inline const CommandSpec kCommands[] = {
    {"monitor", 1, kAdmin | kNoscript | kLoading | kStale, 0, 0, 0, monitor, "server",
     "Listens for all requests received by the server in real-time.", "1.0.0", "O(1)", "", 0},
    {"client", -2, 0, 0, 0, 0, nullptr, "connection", "A container for client connection commands.", "2.4.0",
     "Depends on subcommand.", "", 0, kClientSubcommands, sizeof kClientSubcommands / sizeof kClientSubcommands[0]},
};

}  // namespace client_cmds

MICROREDIS_INLINE bool register_client_commands(CommandTable& table) { return table.add(client_cmds::kCommands); }

}  // namespace microredis
