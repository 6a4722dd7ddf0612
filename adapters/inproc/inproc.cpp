#include "microredis/inproc.hpp"

#include <cstring>

#include "microredis/store/hash.hpp"
#include "microredis/store/quicklist.hpp"
#include "microredis/store/set.hpp"
#include "microredis/store/string.hpp"
#include "microredis/store/zset.hpp"
#include "microredis/util/strconv.hpp"
#include "microredis/version.hpp"

namespace microredis::inproc {

namespace {

// The connection is gone (a drop fault, CLIENT KILL, QUIT) and the command produced no reply.
constexpr std::string_view kDropped = "ERR connection closed by the server";

Error error_of(const Reply& r) {
  if (r.is_error()) return Error{r.str};
  return Error{"ERR unexpected reply: " + r.to_string()};
}

bool is_string(const Reply& r) { return r.type == Reply::Type::bulk || r.type == Reply::Type::simple || r.type == Reply::Type::verbatim; }

Result<std::int64_t> as_integer(const Reply& r) {
  if (r.type == Reply::Type::integer) return r.integer;
  return error_of(r);
}

Result<std::optional<std::string>> as_optional_string(Reply r) {
  if (r.is_null()) return std::optional<std::string>{};
  if (is_string(r)) return std::optional<std::string>{std::move(r.str)};
  return error_of(r);
}

Result<std::vector<std::string>> as_strings(Reply r) {
  if (r.type != Reply::Type::array && r.type != Reply::Type::set) return error_of(r);
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (Reply& e : r.elements) out.push_back(std::move(e.str));
  return out;
}

std::optional<double> as_double(const Reply& r) {
  if (r.type == Reply::Type::dbl) return r.dbl;
  double d = 0;
  if (is_string(r) && parse_double(r.str, d)) return d;
  return std::nullopt;
}

// Arguments built from a command name, fixed arguments and a list, without a copy of the bytes.
class Args {
 public:
  Args(std::initializer_list<std::string_view> head, std::initializer_list<std::string_view> tail = {}) {
    v_.reserve(head.size() + tail.size());
    v_.insert(v_.end(), head.begin(), head.end());
    v_.insert(v_.end(), tail.begin(), tail.end());
  }
  void push(std::string_view s) { v_.push_back(s); }
  const std::string_view* data() const { return v_.data(); }
  std::size_t size() const { return v_.size(); }

 private:
  std::vector<std::string_view> v_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Client

Client::Client(Engine& engine) : engine_(&engine) {}

Client::~Client() { close_sessions(); }

void Client::close_sessions() {
  if (session_ != nullptr) engine_->close_session(session_);
  if (subscriber_ != nullptr) engine_->close_session(subscriber_);
  session_ = subscriber_ = nullptr;
}

Session* Client::session() {
  if (session_ == nullptr && (session_ = engine_->open_session()) != nullptr) {
    session_->set_protocol(3);
    (void)session_->set_lib_info("microredis-inproc", MICROREDIS_VERSION_STRING);
  }
  return session_;
}

Session* Client::subscriber() {
  if (subscriber_ == nullptr && (subscriber_ = engine_->open_session()) != nullptr) {
    subscriber_->set_protocol(3);
    (void)subscriber_->set_lib_info("microredis-inproc", MICROREDIS_VERSION_STRING);
  }
  return subscriber_;
}

Reply Client::command(const std::vector<std::string>& args) {
  std::vector<std::string_view> v(args.begin(), args.end());
  return command(v.data(), v.size());
}

Reply Client::command(const std::string_view* argv, std::size_t argc) {
  Session* s = session();
  if (s == nullptr) return Reply::error(Status::oom);
  Reply r = s->execute(argv, argc);
  if (s->closing()) {
    // QUIT, CLIENT KILL or a drop fault: the connection is gone; the next call opens another,
    // as a client that reconnects (its SELECT and CLIENT state start afresh).
    engine_->close_session(s);
    session_ = nullptr;
    if (r.is_null()) r = Reply::error(kDropped);
  }
  poll();
  return r;
}

Result<bool> Client::set(std::string_view key, std::string_view value, Milliseconds ttl) {
  Reply r;
  if (ttl.count() > 0) {
    char buf[kLongLongChars];
    std::string_view ms(buf, format_int64(buf, ttl.count()));
    r = run({"SET", key, value, "PX", ms});
  } else {
    r = run({"SET", key, value});
  }
  if (r.type == Reply::Type::simple) return true;
  if (r.is_null()) return false;
  return error_of(r);
}

Result<std::optional<std::string>> Client::get(std::string_view key) { return as_optional_string(run({"GET", key})); }

Result<std::int64_t> Client::del(std::initializer_list<std::string_view> keys) {
  Args a({"DEL"}, keys);
  return as_integer(command(a.data(), a.size()));
}

Result<std::int64_t> Client::exists(std::initializer_list<std::string_view> keys) {
  Args a({"EXISTS"}, keys);
  return as_integer(command(a.data(), a.size()));
}

Result<bool> Client::expire(std::string_view key, Milliseconds ttl) {
  char buf[kLongLongChars];
  Reply r = run({"PEXPIRE", key, std::string_view(buf, format_int64(buf, ttl.count()))});
  if (r.type == Reply::Type::integer) return r.integer == 1;
  return error_of(r);
}

Result<Milliseconds> Client::ttl(std::string_view key) {
  Reply r = run({"PTTL", key});
  if (r.type == Reply::Type::integer) return Milliseconds{r.integer};
  return error_of(r);
}

Result<std::int64_t> Client::incr(std::string_view key, std::int64_t by) {
  char buf[kLongLongChars];
  return as_integer(run({"INCRBY", key, std::string_view(buf, format_int64(buf, by))}));
}

Result<bool> Client::select(int db) {
  char buf[kLongLongChars];
  Reply r = run({"SELECT", std::string_view(buf, format_int64(buf, db))});
  if (r.type == Reply::Type::simple) return true;
  return error_of(r);
}

Result<std::int64_t> Client::hset(std::string_view key, std::string_view field, std::string_view value) {
  return as_integer(run({"HSET", key, field, value}));
}

Result<std::int64_t> Client::hset(std::string_view key,
                                  std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  Args a({"HSET", key});
  for (const auto& p : pairs) {
    a.push(p.first);
    a.push(p.second);
  }
  return as_integer(command(a.data(), a.size()));
}

Result<std::optional<std::string>> Client::hget(std::string_view key, std::string_view field) {
  return as_optional_string(run({"HGET", key, field}));
}

Result<std::vector<std::pair<std::string, std::string>>> Client::hgetall(std::string_view key) {
  Reply r = run({"HGETALL", key});
  // RESP3 map (RESP2: a flat array); both hold fields and values alternately.
  if (r.type != Reply::Type::map && r.type != Reply::Type::array) return error_of(r);
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(r.elements.size() / 2);
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    out.emplace_back(std::move(r.elements[i].str), std::move(r.elements[i + 1].str));
  }
  return out;
}

Result<std::int64_t> Client::hdel(std::string_view key, std::initializer_list<std::string_view> fields) {
  Args a({"HDEL", key}, fields);
  return as_integer(command(a.data(), a.size()));
}

Result<std::int64_t> Client::lpush(std::string_view key, std::initializer_list<std::string_view> values) {
  Args a({"LPUSH", key}, values);
  return as_integer(command(a.data(), a.size()));
}

Result<std::int64_t> Client::rpush(std::string_view key, std::initializer_list<std::string_view> values) {
  Args a({"RPUSH", key}, values);
  return as_integer(command(a.data(), a.size()));
}

Result<std::optional<std::string>> Client::lpop(std::string_view key) { return as_optional_string(run({"LPOP", key})); }
Result<std::optional<std::string>> Client::rpop(std::string_view key) { return as_optional_string(run({"RPOP", key})); }

Result<std::vector<std::string>> Client::lrange(std::string_view key, std::int64_t start, std::int64_t stop) {
  char a[kLongLongChars], b[kLongLongChars];
  return as_strings(run({"LRANGE", key, {a, format_int64(a, start)}, {b, format_int64(b, stop)}}));
}

Result<std::int64_t> Client::sadd(std::string_view key, std::initializer_list<std::string_view> members) {
  Args a({"SADD", key}, members);
  return as_integer(command(a.data(), a.size()));
}

Result<std::int64_t> Client::srem(std::string_view key, std::initializer_list<std::string_view> members) {
  Args a({"SREM", key}, members);
  return as_integer(command(a.data(), a.size()));
}

Result<std::vector<std::string>> Client::smembers(std::string_view key) { return as_strings(run({"SMEMBERS", key})); }

Result<bool> Client::sismember(std::string_view key, std::string_view member) {
  Reply r = run({"SISMEMBER", key, member});
  if (r.type == Reply::Type::integer) return r.integer == 1;
  return error_of(r);
}

Result<std::int64_t> Client::zadd(std::string_view key, double score, std::string_view member) {
  return zadd(key, {{score, member}});
}

Result<std::int64_t> Client::zadd(std::string_view key, std::initializer_list<std::pair<double, std::string_view>> items) {
  // Scores are formatted as Redis would print them, so that they parse back exactly.
  std::vector<std::string> scores;
  scores.reserve(items.size());
  for (const auto& it : items) {
    char buf[64];
    scores.emplace_back(buf, format_double(buf, sizeof buf, it.first));
  }
  Args a({"ZADD", key});
  std::size_t i = 0;
  for (const auto& it : items) {
    a.push(scores[i++]);
    a.push(it.second);
  }
  return as_integer(command(a.data(), a.size()));
}

Result<std::optional<double>> Client::zscore(std::string_view key, std::string_view member) {
  Reply r = run({"ZSCORE", key, member});
  if (r.is_null()) return std::optional<double>{};
  if (auto d = as_double(r)) return std::optional<double>{*d};
  return error_of(r);
}

Result<std::vector<std::string>> Client::zrange(std::string_view key, std::int64_t start, std::int64_t stop) {
  char a[kLongLongChars], b[kLongLongChars];
  return as_strings(run({"ZRANGE", key, {a, format_int64(a, start)}, {b, format_int64(b, stop)}}));
}

Result<std::vector<std::pair<std::string, double>>> Client::zrange_with_scores(std::string_view key,
                                                                              std::int64_t start, std::int64_t stop) {
  char a[kLongLongChars], b[kLongLongChars];
  Reply r = run({"ZRANGE", key, {a, format_int64(a, start)}, {b, format_int64(b, stop)}, "WITHSCORES"});
  if (r.type != Reply::Type::array) return error_of(r);
  std::vector<std::pair<std::string, double>> out;
  // RESP3: [[member, score], ...]; RESP2: [member, score, member, score, ...].
  for (std::size_t i = 0; i < r.elements.size(); ++i) {
    Reply& e = r.elements[i];
    if (e.type == Reply::Type::array && e.elements.size() == 2) {
      out.emplace_back(std::move(e.elements[0].str), as_double(e.elements[1]).value_or(0));
    } else if (i + 1 < r.elements.size()) {
      out.emplace_back(std::move(e.str), as_double(r.elements[i + 1]).value_or(0));
      ++i;
    }
  }
  return out;
}

Result<std::optional<std::int64_t>> Client::zrank(std::string_view key, std::string_view member) {
  Reply r = run({"ZRANK", key, member});
  if (r.is_null()) return std::optional<std::int64_t>{};
  if (r.type == Reply::Type::integer) return std::optional<std::int64_t>{r.integer};
  return error_of(r);
}

Result<std::int64_t> Client::publish(std::string_view channel, std::string_view message) {
  return as_integer(run({"PUBLISH", channel, message}));
}

Result<bool> Client::subscription(std::string_view verb, std::string_view name, MessageHandler handler,
                                  bool pattern) {
  Session* s = subscriber();
  if (s == nullptr) return Error{std::string(status_text(Status::oom))};
  Reply r = s->execute({verb, name});
  if (r.is_error()) return error_of(r);
  if (handler) {
    bool replaced = false;
    for (Handler& h : handlers_) {
      if (h.pattern == pattern && h.name == name) {
        h.fn = std::move(handler);
        replaced = true;
        break;
      }
    }
    if (!replaced) handlers_.push_back(Handler{std::string(name), pattern, std::move(handler)});
  } else {
    for (std::size_t i = 0; i < handlers_.size(); ++i) {
      if (handlers_[i].pattern == pattern && handlers_[i].name == name) {
        handlers_.erase(handlers_.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
  }
  return true;
}

Result<bool> Client::subscribe(std::string_view channel, MessageHandler handler) {
  if (!handler) return Error{"ERR a handler is required"};
  return subscription("SUBSCRIBE", channel, std::move(handler), false);
}
Result<bool> Client::psubscribe(std::string_view pattern, MessageHandler handler) {
  if (!handler) return Error{"ERR a handler is required"};
  return subscription("PSUBSCRIBE", pattern, std::move(handler), true);
}
Result<bool> Client::unsubscribe(std::string_view channel) { return subscription("UNSUBSCRIBE", channel, {}, false); }
Result<bool> Client::punsubscribe(std::string_view pattern) {
  return subscription("PUNSUBSCRIBE", pattern, {}, true);
}

std::size_t Client::poll() {
  if (subscriber_ == nullptr || polling_) return 0;
  polling_ = true;
  std::size_t delivered = 0;
  while (subscriber_ != nullptr && subscriber_->has_output()) {
    Reply msg;
    std::size_t used = parse_reply(subscriber_->pending_output(), msg);
    if (used == 0) break;
    subscriber_->consume_output(used);
    // ["message", channel, payload] or ["pmessage", pattern, channel, payload].
    if (msg.type != Reply::Type::push && msg.type != Reply::Type::array) continue;
    if (msg.elements.empty()) continue;
    const std::string& kind = msg.elements[0].str;
    Message m;
    m.kind = kind;
    bool pattern = false;
    if ((kind == "message" || kind == "smessage") && msg.elements.size() == 3) {
      m.channel = msg.elements[1].str;
      m.payload = msg.elements[2].str;
    } else if (kind == "pmessage" && msg.elements.size() == 4) {
      pattern = true;
      m.pattern = msg.elements[1].str;
      m.channel = msg.elements[2].str;
      m.payload = msg.elements[3].str;
    } else {
      continue;
    }
    std::string_view name = pattern ? m.pattern : m.channel;
    MessageHandler fn;
    for (const Handler& h : handlers_) {
      if (h.pattern == pattern && h.name == name) fn = h.fn;  // a copy: the handler may unsubscribe
    }
    if (fn) {
      fn(m);
      ++delivered;
    }
  }
  if (subscriber_ != nullptr && subscriber_->closing()) {
    // Closed by client-output-buffer-limit pubsub (nobody polled) or CLIENT KILL.
    engine_->close_session(subscriber_);
    subscriber_ = nullptr;
    handlers_.clear();
  }
  polling_ = false;
  return delivered;
}

// ---------------------------------------------------------------------------------------------
// CommandRegistry

struct CommandRegistry::Owned {
  CommandDef def;
  CommandFunction fn;
  Slot slot;
};

CommandRegistry::CommandRegistry(Engine& engine) : engine_(&engine) {}
CommandRegistry::~CommandRegistry() = default;

bool CommandRegistry::add(CommandDef def, CommandFunction fn) {
  if (def.name.empty() || def.arity == 0 || !fn) return false;
  for (char& ch : def.name) {
    if (ch == ' ' || ch == '|' || ch == '\r' || ch == '\n') return false;
    ch = ascii_lower(ch);
  }
  auto fits = [](int v) { return v >= -128 && v <= 127; };
  if (!fits(def.first_key) || !fits(def.last_key) || !fits(def.key_step) || def.first_key < 0) return false;
  // The spec keeps the arity in a byte and the name's length in an unsigned one.
  if (!fits(def.arity) || def.name.size() > 255) return false;
  if (def.first_key > 0 && def.key_step <= 0) def.key_step = 1;
  auto owned = std::make_unique<Owned>();
  owned->def = std::move(def);
  owned->fn = std::move(fn);
  const CommandDef& d = owned->def;
  owned->slot.owner = owned.get();
  // The spec keeps pointers to the owned strings' NUL-terminated texts (the name's length beside it).
  using V = std::string_view;
  owned->slot.spec = CommandSpec{V(d.name),
                                 d.arity,
                                 d.flags,
                                 static_cast<std::int8_t>(d.first_key),
                                 static_cast<std::int8_t>(d.last_key),
                                 static_cast<std::int8_t>(d.key_step),
                                 &CommandRegistry::dispatch,
                                 V(d.group),
                                 V(d.summary),
                                 V(d.since),
                                 V(d.complexity),
                                 V(d.syntax),
                                 d.acl};
  if (!engine_->add_commands(&owned->slot.spec, 1)) return false;
  owned_.push_back(std::move(owned));
  return true;
}

void CommandRegistry::dispatch(Context& c) {
  // The engine hands back the spec it was given, the first member of a Slot.
  const auto* slot = reinterpret_cast<const Slot*>(c.cmd.spec);
  slot->owner->fn(c);
}

// ---------------------------------------------------------------------------------------------
// Observers

std::optional<std::string_view> KeyEvent::old_string() const {
  if (old == nullptr || old->type() != ValueType::string) return std::nullopt;
  // An integer-encoded value is formatted into the event, so the view lives as long as it does.
  return string_of(*old, int_text);
}

Reply KeyEvent::old_value() const {
  if (old == nullptr) return Reply::null();
  Reply r;
  ElementText a, b;
  switch (old->type()) {
    case ValueType::string: {
      IntText buf;
      return Reply::bulk(string_of(*old, buf));
    }
    case ValueType::hash:
      r.type = Reply::Type::map;
      HashObject::of(*old).for_each([&](Element f, Element v) {
        r.elements.push_back(Reply::bulk(f.text(a)));
        r.elements.push_back(Reply::bulk(v.text(b)));
      });
      return r;
    case ValueType::set:
      r.type = Reply::Type::set;
      SetObject::of(*old).for_each([&](Element m) { r.elements.push_back(Reply::bulk(m.text(a))); });
      return r;
    case ValueType::zset:
      r.type = Reply::Type::array;
      ZsetObject::of(*old).for_each([&](Element m, double score) {
        r.elements.push_back(Reply::array({Reply::bulk(m.text(a)), Reply::double_value(score)}));
      });
      return r;
    case ValueType::list: {
      r.type = Reply::Type::array;
      const Quicklist* ql = old->object<Quicklist>();
      for (Quicklist::Position p = ql->first(); p; p = Quicklist::step(p, true)) {
        r.elements.push_back(Reply::bulk(Quicklist::get(p).text(a)));
      }
      return r;
    }
    default:
      return Reply::error("ERR value type not rendered by the in-process adapter");
  }
}

Observers::Observers(Engine& engine, bool old_values_on_write) : engine_(&engine) {
  engine.set_key_observer(&Observers::observe, this, old_values_on_write);
}

Observers::~Observers() { engine_->set_key_observer(nullptr, nullptr, false); }

void Observers::observe(void* ctx, KeyChange what, Db& db, std::string_view key, const Entry* old) {
  auto* self = static_cast<Observers*>(ctx);
  const KeyEventHandler& fn = what == KeyChange::write ? self->write_
                              : what == KeyChange::expire ? self->expire_
                                                          : self->evict_;
  if (!fn) return;
  fn(KeyEvent{what, db.index(), key, old});
}

// ---------------------------------------------------------------------------------------------
// Faults

Faults::Faults(Engine& engine) : engine_(&engine) { engine.set_command_filter(&Faults::filter, this); }

Faults::~Faults() { engine_->set_command_filter(nullptr, nullptr); }

void Faults::fail(std::string_view command, std::string_view error, std::uint32_t times) {
  rules_.push_back(Rule{std::string(command), Action::fail, std::string(error), 0, 0, times});
}

void Faults::delay(std::string_view command, std::chrono::microseconds by, std::uint32_t times) {
  rules_.push_back(Rule{std::string(command), Action::delay, {}, by.count() > 0 ? by.count() : 1, 0, times});
}

void Faults::delay_ticks(std::string_view command, std::uint32_t ticks, std::uint32_t times) {
  rules_.push_back(Rule{std::string(command), Action::delay, {}, 0, ticks > 0 ? ticks : 1, times});
}

void Faults::drop(std::string_view command, std::uint32_t times) {
  rules_.push_back(Rule{std::string(command), Action::drop, {}, 0, 0, times});
}

bool Faults::drop_session(std::uint64_t id) {
  Session* s = engine_->find_session(id);
  if (s == nullptr) return false;
  s->close_now();
  engine_->notify_output(*s);
  return true;
}

std::size_t Faults::drop_all_connections() {
  std::size_t n = 0;
  for (Session* s = engine_->first_session(); s != nullptr; s = s->next) {
    if (s->user_data() == nullptr || s->closing()) continue;
    s->close_now();
    engine_->notify_output(*s);
    ++n;
  }
  return n;
}

bool Faults::filter(void* ctx, Context& c) {
  auto* self = static_cast<Faults*>(ctx);
  for (std::size_t i = 0; i < self->rules_.size(); ++i) {
    Rule& rule = self->rules_[i];
    if (rule.command != "*" && !iequals(rule.command, c.arg(0))) continue;
    ++self->injected_;
    const Rule r = rule;
    if (rule.remaining != 0 && --rule.remaining == 0) {
      self->rules_.erase(self->rules_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    switch (r.action) {
      case Action::fail:
        c.out.error_text(r.error);
        return false;
      case Action::delay:
        c.session.hold_output(r.delay_us != 0 ? c.engine.now_us() + r.delay_us : 0, r.ticks);
        return true;
      case Action::drop:
        c.session.close_now();
        return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Snapshot, Instance

namespace {
EngineOptions snapshot_options(const Engine& source) {
  EngineOptions o;
  o.clock = &source.clock();
  o.allocator = source.memory().hooks();
  o.seed = source.run_id_seed();
  o.databases = source.db_count();
  return o;
}
}  // namespace

Snapshot::Snapshot(const Engine& source) : engine_(std::make_unique<Engine>(snapshot_options(source))) {
  ok_ = engine_->copy_data_from(source);
}

EngineOptions Instance::engine_options(const InstanceOptions& o, const Clock* clock) {
  EngineOptions e;
  e.clock = clock;
  e.seed = o.seed;
  e.databases = o.databases;
  e.allocator = o.allocator;
  return e;
}

Instance::Instance(InstanceOptions options)
    : manual_(options.start_us),
      engine_(engine_options(options, options.manual_clock ? &manual_ : nullptr)),
      client_(engine_) {}

void Instance::advance(std::chrono::microseconds by) {
  manual_.advance_us(by.count());
  engine_.tick();
}

}  // namespace microredis::inproc
