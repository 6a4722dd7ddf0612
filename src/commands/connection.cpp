// Connection commands: PING ECHO QUIT SELECT HELLO AUTH RESET.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/version.hpp"

namespace microredis {
namespace connection_cmds {

inline void ping(Context& c) {
  if (c.argc > 2) return c.out.error(Status::wrong_arity, "ping");
  // A RESP2 subscriber cannot receive plain replies: Redis answers ["pong", message].
  if (c.session.in_pubsub() && c.session.protocol() < 3) {
    c.out.array(2);
    c.out.bulk("pong");
    return c.out.bulk(c.argc == 2 ? c.arg(1) : std::string_view());
  }
  if (c.argc == 2) return c.out.bulk(c.arg(1));
  c.out.simple("PONG");
}

inline void echo(Context& c) { c.out.bulk(c.arg(1)); }

inline void quit(Context& c) {
  c.out.ok();
  c.session.close_after_reply();
}

inline void select(Context& c) {
  std::int64_t index = 0;
  if (!parse_int64(c.arg(1), index)) return c.out.error(Status::invalid_db_index);
  if (index < 0 || index >= c.engine.db_count()) return c.out.error(Status::db_index_out_of_range);
  c.session.select_db(static_cast<int>(index));
  c.out.ok();
}

// Checks a password for the default user (the only user without ACLs).
inline bool password_matches(const Engine& e, std::string_view user, std::string_view password) {
  if (!iequals(user, "default")) return false;
  const Settings& st = e.settings();
  return !st.requirepass_set || st.requirepass.view() == password;
}

inline void auth(Context& c) {
  if (c.argc > 3) return c.out.error(Status::syntax);
  // MONITOR shows the password (and the user name of the two-argument form) as "(redacted)".
  c.redact(1);
  if (c.argc == 3) c.redact(2);
  std::string_view user = c.argc == 3 ? c.arg(1) : "default";
  std::string_view password = c.argc == 3 ? c.arg(2) : c.arg(1);
  if (c.argc == 2 && !c.engine.settings().requirepass_set) return c.out.error(Status::auth_not_configured);
  if (!password_matches(c.engine, user, password)) return c.out.error(Status::wrong_pass);
  c.session.set_authenticated(true);
  c.out.ok();
}

inline void hello(Context& c) {
  std::int64_t proto = c.session.protocol();
  if (c.argc >= 2) {
    if (!parse_int64(c.arg(1), proto)) {
      return c.out.error(Status::hello_proto_not_integer);
    }
    if (proto < 2 || proto > 3) return c.out.error(Status::no_proto);
  }
  std::string_view user, password, name;
  bool has_auth = false, has_name = false;
  for (std::size_t i = 2; i < c.argc; ++i) {
    std::size_t left = c.argc - i - 1;
    if (iequals(c.arg(i), "AUTH") && left >= 2) {
      c.redact(i + 1);
      c.redact(i + 2);
      has_auth = true;
      user = c.arg(i + 1);
      password = c.arg(i + 2);
      i += 2;
    } else if (iequals(c.arg(i), "SETNAME") && left >= 1) {
      has_name = true;
      name = c.arg(i + 1);
      i += 1;
    } else {
      return c.out.error(Status::hello_syntax, c.arg(i));
    }
  }
  if (has_auth) {
    if (!password_matches(c.engine, user, password)) return c.out.error(Status::wrong_pass);
    c.session.set_authenticated(true);
  }
  if (!c.session.authenticated()) {
    return c.out.error(Status::hello_noauth);
  }
  if (has_name) {
    for (char ch : name) {
      if (ch < '!' || ch > '~') return c.out.error(Status::client_name_spaces);
    }
    if (!c.session.set_name(name)) return c.out.error(Status::oom);
  }
  c.session.set_protocol(static_cast<int>(proto));
  Writer& w = c.out;
  w.map(7);
  w.bulk("server");
  w.bulk("redis");
  w.bulk("version");
  w.bulk(MICROREDIS_REDIS_COMPAT_VERSION);
  w.bulk("proto");
  w.integer(proto);
  w.bulk("id");
  w.integer(static_cast<std::int64_t>(c.session.id()));
  w.bulk("mode");
  w.bulk("standalone");
  w.bulk("role");
  w.bulk("master");
  w.bulk("modules");
  w.array(0);
}

// RESET: the connection back to the state of a new one (Redis's clearClientConnectionState):
// no MONITOR, tracking, transaction, watches or subscriptions; db 0, RESP2, no name, replies on,
// and unauthenticated when a password is required. CLIENT NO-EVICT stays, as in Redis 7.0.
inline void reset(Context& c) {
  Session& s = c.session;
  Engine& e = c.engine;
  if (s.monitoring()) e.remove_monitor(s);
  e.tracking().disable(s);
  s.select_db(0);
  s.set_protocol(2);
  s.set_authenticated(!e.settings().requirepass_set);
  s.discard_transaction();
  e.watches().unwatch_all(s);
  s.clear_watch_dirty();
  for (int k = 0; k < kSubscriptionKinds; ++k) (void)e.unsubscribe_all(s, static_cast<SubscriptionKind>(k), false);
  (void)s.set_name({});
  // CLIENT REPLY OFF ends here, so +RESET is sent; a SKIP that applies to RESET itself still holds.
  if (s.reply_mode() != Session::ReplyMode::skip) s.set_reply_mode(Session::ReplyMode::on);
  c.out.simple("RESET");
}

inline const CommandSpec kCommands[] = {
    {"ping", -1, kFast | kSubscribedContext, 0, 0, 0, ping, "connection", "Returns the server's liveliness response.", "1.0.0", "O(1)",
     "[message]", kAclConnection},
    {"echo", 2, kFast | kLoading | kStale, 0, 0, 0, echo, "connection", "Returns the given string.", "1.0.0", "O(1)", "message",
     kAclConnection},
    {"quit", -1, kNoAuth | kFast | kAllowBusy | kLoading | kStale | kNoscript | kTransactionControl | kSubscribedContext, 0, 0, 0, quit, "connection",
     "Closes the connection.", "1.0.0", "O(1)", "", kAclConnection},
    {"select", 2, kLoading | kStale | kFast, 0, 0, 0, select, "connection",
     "Changes the selected database.", "1.0.0", "O(1)", "index", kAclConnection},
    {"auth", -2, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0, auth, "connection",
     "Authenticates the connection.", "1.0.0", "O(N) where N is the number of passwords defined for the user",
     "[username] password", kAclConnection},
    {"hello", -1, kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0, hello, "connection",
     "Handshakes with the Redis server.", "6.0.0", "O(1)",
     "[protover [AUTH username password] [SETNAME clientname]]", kAclConnection},
    {"reset", 1,
     kNoscript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kTransactionControl | kSubscribedContext, 0, 0, 0,
     reset, "connection", "Resets the connection.", "6.2.0", "O(1)", "", kAclConnection},
};

}  // namespace connection_cmds

MICROREDIS_INLINE bool register_connection_commands(CommandTable& table) {
  return table.add(connection_cmds::kCommands);
}

}  // namespace microredis
