// COMMAND [COUNT | INFO | DOCS | LIST | GETKEYS | GETKEYSANDFLAGS | HELP], all generated from the
// command table: nothing here lists commands by hand.
//
// Derived the way Redis derives them:
//   ACL categories  spec.acl, plus write -> @write, readonly -> @read, admin -> @admin @dangerous,
//                   pubsub -> @pubsub, blocking -> @blocking, fast -> @fast else @slow, and the
//                   group's category (@string for "string", @keyspace for "generic", ...) for
//                   commands that are not containers
//   key specs       one range spec from first/last/step (begin_search index, find_keys range); a
//                   movable-keys command adds an "unknown" spec. Key flags follow the command
//                   flags (readonly: RO access; write: RW access update); the table has no
//                   per-key flags (OW, RM, insert, delete).
//   COMMAND DOCS    summary, since, group, complexity, and an argument tree parsed from
//                   CommandSpec::syntax (see class Syntax below); no history or per-argument since
//   tips            none: the table records none
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace introspection_cmds {

// --- flags and categories ------------------------------------------------------------------

struct FlagName {
  std::uint32_t flag;
  std::string_view name;
};

// COMMAND INFO's order (Redis hides may_replicate).
inline constexpr FlagName kFlagNames[] = {
    {kWrite, "write"},         {kReadonly, "readonly"},
    {kDenyOom, "denyoom"},     {kAdmin, "admin"},
    {kPubsub, "pubsub"},       {kNoscript, "noscript"},
    {kBlocking, "blocking"},   {kLoading, "loading"},
    {kStale, "stale"},         {kSkipMonitor, "skip_monitor"},
    {kSkipSlowlog, "skip_slowlog"}, {kAsking, "asking"},
    {kFast, "fast"},
    {kNoAuth, "no_auth"},      {kNoMandatoryKeys, "no_mandatory_keys"},
    {kNoAsyncLoading, "no_async_loading"}, {kNoMulti, "no_multi"},
    {kMovableKeys, "movablekeys"}, {kAllowBusy, "allow_busy"},
};

// ACL categories in Redis's order (ACLCommandCategories).
inline constexpr FlagName kCategoryNames[] = {
    {kAclKeyspace, "keyspace"},       {kAclRead, "read"},       {kAclWrite, "write"},
    {kAclSet, "set"},                 {kAclSortedSet, "sortedset"}, {kAclList, "list"},
    {kAclHash, "hash"},               {kAclString, "string"},   {kAclBitmap, "bitmap"},
    {kAclHyperLogLog, "hyperloglog"}, {kAclGeo, "geo"},         {kAclStream, "stream"},
    {kAclPubsub, "pubsub"},           {kAclAdmin, "admin"},     {kAclFast, "fast"},
    {kAclSlow, "slow"},               {kAclBlocking, "blocking"}, {kAclDangerous, "dangerous"},
    {kAclConnection, "connection"},   {kAclTransaction, "transaction"}, {kAclScripting, "scripting"},
};

struct GroupCategory {
  std::string_view group;
  std::uint32_t category;
};

inline constexpr GroupCategory kGroupCategories[] = {
    {"string", kAclString},     {"list", kAclList},         {"set", kAclSet},
    {"sorted-set", kAclSortedSet}, {"hash", kAclHash},      {"stream", kAclStream},
    {"geo", kAclGeo},           {"hyperloglog", kAclHyperLogLog}, {"bitmap", kAclBitmap},
    {"pubsub", kAclPubsub},     {"connection", kAclConnection}, {"transactions", kAclTransaction},
    {"scripting", kAclScripting},
};

constexpr std::uint32_t kDataTypeCategories = kAclSet | kAclSortedSet | kAclList | kAclHash | kAclString |
                                              kAclBitmap | kAclHyperLogLog | kAclGeo | kAclStream;

inline std::uint32_t acl_categories(const CommandSpec& s) {
  std::uint32_t cats = s.acl;
  if (s.flags & kWrite) cats |= kAclWrite;
  if ((s.flags & kReadonly) && !(cats & kAclScripting)) cats |= kAclRead;
  if (s.flags & kAdmin) cats |= kAclAdmin | kAclDangerous;
  if (s.flags & kPubsub) cats |= kAclPubsub;
  if (s.flags & kFast) cats |= kAclFast;
  if (s.flags & kBlocking) cats |= kAclBlocking;
  // A container's category list is its own (CLIENT is just @slow).
  if (s.subcommand_count == 0) {
    for (const GroupCategory& g : kGroupCategories) {
      if (s.group() == g.group) cats |= g.category;
    }
    // Generic commands work on keys of any type, unless they name the types they handle (SORT).
    if (s.group() == "generic" && !(cats & kDataTypeCategories)) cats |= kAclKeyspace;
  }
  if (!(cats & kAclFast)) cats |= kAclSlow;
  return cats;
}

inline std::uint32_t category_by_name(std::string_view name) {
  for (const FlagName& f : kCategoryNames) {
    if (iequals(f.name, name)) return f.flag;
  }
  return 0;
}

// --- key arguments -------------------------------------------------------------------------

enum KeyFlag : std::uint32_t {
  kKeyRO = 1u << 0,
  kKeyRW = 1u << 1,
  kKeyOW = 1u << 2,
  kKeyRM = 1u << 3,
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
};

inline constexpr FlagName kKeyFlagNames[] = {
    {kKeyRO, "RO"},         {kKeyRW, "RW"},         {kKeyOW, "OW"},         {kKeyRM, "RM"},
    {kKeyAccess, "access"}, {kKeyUpdate, "update"}, {kKeyInsert, "insert"}, {kKeyDelete, "delete"},
};

inline std::uint32_t key_flags(const CommandSpec& s) {
  if (s.flags & kWrite) return kKeyRW | kKeyAccess | kKeyUpdate;
  return kKeyRO | kKeyAccess;
}

inline bool has_keys(const CommandSpec& s) { return s.first_key > 0 || s.get_keys != nullptr; }

template <std::size_t N>
void write_flag_set(Writer& w, std::uint32_t flags, const FlagName (&names)[N], std::string_view prefix = {}) {
  std::size_t n = 0;
  for (const FlagName& f : names) n += (flags & f.flag) ? 1 : 0;
  w.set(n);
  for (const FlagName& f : names) {
    if (!(flags & f.flag)) continue;
    if (prefix.empty()) {
      w.simple(f.name);
    } else {
      char buf[32];
      std::memcpy(buf, prefix.data(), prefix.size());
      std::memcpy(buf + prefix.size(), f.name.data(), f.name.size());
      w.simple({buf, prefix.size() + f.name.size()});
    }
  }
}

inline void write_key_specs(Writer& w, const CommandSpec& s) {
  const bool range = s.first_key > 0;
  const bool movable = (s.flags & kMovableKeys) != 0;
  w.set((range ? 1 : 0) + (movable ? 1 : 0));
  if (range) {
    w.map(3);
    w.bulk("flags");
    write_flag_set(w, key_flags(s), kKeyFlagNames);
    w.bulk("begin_search");
    w.map(2);
    w.bulk("type");
    w.bulk("index");
    w.bulk("spec");
    w.map(1);
    w.bulk("index");
    w.integer(s.first_key);
    w.bulk("find_keys");
    w.map(2);
    w.bulk("type");
    w.bulk("range");
    w.bulk("spec");
    w.map(3);
    w.bulk("lastkey");
    w.integer(s.last_key >= 0 ? s.last_key - s.first_key : s.last_key);
    w.bulk("keystep");
    w.integer(s.key_step);
    w.bulk("limit");
    w.integer(0);
  }
  if (movable) {
    w.map(3);
    w.bulk("flags");
    write_flag_set(w, key_flags(s), kKeyFlagNames);
    for (std::string_view part : {std::string_view("begin_search"), std::string_view("find_keys")}) {
      w.bulk(part);
      w.map(2);
      w.bulk("type");
      w.bulk("unknown");
      w.bulk("spec");
      w.map(0);
    }
  }
}

// The COMMAND INFO entry of a command (and, for a container, of each subcommand).
inline void write_info(Writer& w, const CommandSpec& s) {
  w.array(10);
  w.bulk(s.name());
  w.integer(s.arity);
  write_flag_set(w, s.flags, kFlagNames);
  w.integer(s.first_key);
  w.integer(s.last_key);
  w.integer(s.key_step);
  write_flag_set(w, acl_categories(s), kCategoryNames, "@");
  w.set(0);  // tips
  write_key_specs(w, s);
  // Redis answers an empty set when there are no subcommands, an array when there are.
  if (s.subcommand_count == 0) {
    w.set(0);
  } else {
    w.array(s.subcommand_count);
  }
  for (std::size_t i = 0; i < s.subcommand_count; ++i) write_info(w, s.subcommands[i]);
}

// Resolves a command as COMMAND GETKEYS sees it: the container, or its subcommand when there
// is a second argument.
inline const CommandSpec* lookup_command(const CommandTable& t, const std::string_view* argv, std::size_t argc) {
  CommandRef ref = t.find(argv[0]);
  if (!ref) return nullptr;
  if (argc == 1 || ref.spec->subcommand_count == 0) return ref.spec;
  CommandRef sub = t.find_subcommand(ref, argv[1]);
  return sub ? sub.spec : nullptr;
}

// --- the syntax grammar (COMMAND DOCS arguments) ----------------------------------------------
//
// CommandSpec::syntax follows Redis's documentation style:
//   key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]
//   [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
// Rules:
//   - lower-case words are arguments; their type is inferred from the name (key names, counts
//     and times as integers, patterns, unix times, scores, ...)
//   - UPPER-CASE words (and symbols such as "*" or "~") are tokens; a token takes the words and
//     groups that follow it up to the next token: none -> pure-token, one argument -> that
//     argument with the token, several -> a block with the token
//   - [ ... ] is optional, < ... > groups without making optional, "a | b" is a oneof
//   - "x [x ...]" (any repeated run) makes x multiple; a repeated token makes it multiple_token
//   - a group of several arguments is a block; oneofs and blocks are named after their members
//     joined by "_", as Redis names unnamed groups

class Syntax {
 public:
  enum class ArgType : std::uint8_t { string, integer, dbl, key, pattern, unix_time, pure_token, oneof, block };
  static constexpr std::uint8_t kOptional = 1, kMultiple = 2, kMultipleToken = 4;

  struct Arg {
    std::string_view name;
    std::string_view token;
    ArgType type = ArgType::string;
    std::uint8_t flags = 0;
    std::uint16_t first_child = 0;
    std::uint16_t child_count = 0;
  };

  // Parses a syntax string. False when it is malformed or too big (no arguments are reported).
  bool parse(std::string_view syntax, bool command_has_keys) {
    ntok_ = nnode_ = nkid_ = narg_ = nargkid_ = arena_used_ = 0;
    top_first_ = top_count_ = 0;
    has_keys_ = command_has_keys;
    failed_ = false;
    if (!tokenize(syntax)) return false;
    std::size_t pos = 0;
    int seq = parse_seq(pos, Tok::end);
    if (failed_ || seq < 0 || pos != ntok_) return false;
    std::size_t count = 0;
    std::uint16_t first = convert_seq(nodes_[seq].first, nodes_[seq].count, count);
    if (failed_) return false;
    top_first_ = first;
    top_count_ = static_cast<std::uint16_t>(count);
    return true;
  }

  std::size_t top_count() const { return top_count_; }
  const Arg& top(std::size_t i) const { return args_[arg_kids_[top_first_ + i]]; }
  const Arg& child(const Arg& a, std::size_t i) const { return args_[arg_kids_[a.first_child + i]]; }

  static std::string_view type_name(ArgType t) {
    constexpr std::string_view kNames[] = {"string", "integer",    "double", "key",  "pattern",
                                           "unix-time", "pure-token", "oneof", "block"};
    return kNames[static_cast<int>(t)];
  }

 private:
  enum class Tok : std::uint8_t { word, open_opt, close_opt, open_req, close_req, pipe, end };
  struct Token {
    Tok kind;
    std::string_view text;
  };
  // Parse tree: a word, a sequence (children: items) or a group (children: alternative sequences).
  enum class NodeKind : std::uint8_t { word, seq, optional, required };
  struct Node {
    NodeKind kind;
    std::string_view text;
    std::uint16_t first;  // into kids_
    std::uint16_t count;
  };

  static constexpr std::size_t kMaxTokens = 160, kMaxNodes = 192, kMaxArgs = 192, kArena = 2048;

  bool tokenize(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      char ch = s[i];
      if (ch == ' ') {
        ++i;
        continue;
      }
      if (ntok_ == kMaxTokens) return false;
      Tok kind = ch == '[' ? Tok::open_opt : ch == ']' ? Tok::close_opt : ch == '<' ? Tok::open_req
               : ch == '>' ? Tok::close_req : ch == '|' ? Tok::pipe : Tok::word;
      if (kind != Tok::word) {
        toks_[ntok_++] = {kind, s.substr(i, 1)};
        ++i;
        continue;
      }
      std::size_t start = i;
      while (i < s.size() && s[i] != ' ' && s[i] != '[' && s[i] != ']' && s[i] != '<' && s[i] != '>' && s[i] != '|') {
        ++i;
      }
      toks_[ntok_++] = {Tok::word, s.substr(start, i - start)};
    }
    return true;
  }

  int new_node(NodeKind kind, std::string_view text) {
    if (nnode_ == kMaxNodes) {
      failed_ = true;
      return -1;
    }
    nodes_[nnode_] = {kind, text, 0, 0};
    return static_cast<int>(nnode_++);
  }

  // Stores a run of node indexes contiguously; returns where it starts.
  std::uint16_t store_kids(const int* items, std::size_t n) {
    if (nkid_ + n > kMaxNodes) {
      failed_ = true;
      return 0;
    }
    auto first = static_cast<std::uint16_t>(nkid_);
    for (std::size_t i = 0; i < n; ++i) kids_[nkid_++] = static_cast<std::uint16_t>(items[i]);
    return first;
  }

  // seq := (word | '[' alts ']' | '<' alts '>')*, ending before '|', the closer, or the end.
  int parse_seq(std::size_t& pos, Tok closer) {
    int items[48];
    std::size_t n = 0;
    while (pos < ntok_ && !failed_) {
      const Token& t = toks_[pos];
      if (t.kind == Tok::pipe || t.kind == closer) break;
      int item;
      if (t.kind == Tok::word) {
        item = new_node(NodeKind::word, t.text);
        ++pos;
      } else if (t.kind == Tok::open_opt || t.kind == Tok::open_req) {
        bool opt = t.kind == Tok::open_opt;
        ++pos;
        item = parse_group(pos, opt ? Tok::close_opt : Tok::close_req, opt ? NodeKind::optional : NodeKind::required);
      } else {
        failed_ = true;  // a stray closer
        return -1;
      }
      if (item < 0 || n == 48) {
        failed_ = true;
        return -1;
      }
      items[n++] = item;
    }
    int seq = new_node(NodeKind::seq, {});
    if (seq < 0) return -1;
    nodes_[seq].first = store_kids(items, n);
    nodes_[seq].count = static_cast<std::uint16_t>(n);
    return seq;
  }

  int parse_group(std::size_t& pos, Tok closer, NodeKind kind) {
    int alts[24];
    std::size_t n = 0;
    for (;;) {
      int seq = parse_seq(pos, closer);
      if (seq < 0 || n == 24) {
        failed_ = true;
        return -1;
      }
      alts[n++] = seq;
      if (pos < ntok_ && toks_[pos].kind == Tok::pipe) {
        ++pos;
        continue;
      }
      break;
    }
    if (pos >= ntok_ || toks_[pos].kind != closer) {
      failed_ = true;
      return -1;
    }
    ++pos;
    int group = new_node(kind, {});
    if (group < 0) return -1;
    nodes_[group].first = store_kids(alts, n);
    nodes_[group].count = static_cast<std::uint16_t>(n);
    return group;
  }

  // --- tree to arguments ---

  const Node& item(std::uint16_t first, std::size_t i) const { return nodes_[kids_[first + i]]; }

  static bool is_token_word(std::string_view w) {
    for (char ch : w) {
      if (ch >= 'a' && ch <= 'z') return false;
    }
    return w != "...";
  }
  bool is_token(const Node& n) const { return n.kind == NodeKind::word && is_token_word(n.text); }
  static bool is_ellipsis(const Node& n) { return n.kind == NodeKind::word && n.text == "..."; }

  bool same(const Node& a, const Node& b) const {
    if (a.kind != b.kind || a.count != b.count) return false;
    if (a.kind == NodeKind::word) return a.text == b.text;
    for (std::size_t i = 0; i < a.count; ++i) {
      if (!same(item(a.first, i), item(b.first, i))) return false;
    }
    return true;
  }

  // True when g is "[ items[i..j) ... ]": the repetition of the run before it.
  bool repeats(const Node& g, std::uint16_t first, std::size_t i, std::size_t j) const {
    if (g.kind != NodeKind::optional || g.count != 1) return false;
    const Node& alt = item(g.first, 0);
    if (alt.count != j - i + 1 || !is_ellipsis(item(alt.first, alt.count - 1))) return false;
    for (std::size_t k = 0; k < j - i; ++k) {
      if (!same(item(alt.first, k), item(first, i + k))) return false;
    }
    return true;
  }

  std::string_view keep(std::string_view s) {
    if (arena_used_ + s.size() > kArena) {
      failed_ = true;
      return {};
    }
    char* p = arena_ + arena_used_;
    std::memcpy(p, s.data(), s.size());
    arena_used_ += s.size();
    return {p, s.size()};
  }
  std::string_view lower(std::string_view s) {
    std::string_view k = keep(s);
    for (std::size_t i = 0; i < k.size(); ++i) const_cast<char*>(k.data())[i] = ascii_lower(k[i]);
    return k;
  }
  // Members' names joined by '_' (kept contiguous in the arena).
  std::string_view joined_name(std::uint16_t first, std::size_t count) {
    std::size_t start = arena_used_;
    for (std::size_t i = 0; i < count; ++i) {
      if (i) keep("_");
      keep(args_[arg_kids_[first + i]].name);
    }
    return failed_ ? std::string_view() : std::string_view(arena_ + start, arena_used_ - start);
  }

  static bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
  }
  ArgType infer_type(std::string_view name) const {
    if (has_keys_ && (name == "key" || name == "destination" || name == "source" || ends_with(name, "key"))) {
      return ArgType::key;
    }
    if (name.find("unix-time") != std::string_view::npos) return ArgType::unix_time;
    if (ends_with(name, "pattern")) return ArgType::pattern;
    constexpr std::string_view kIntegers[] = {
        "count",  "seconds", "milliseconds", "index",  "offset", "start",     "end",        "stop",
        "db",     "numkeys", "increment",    "decrement", "port", "len",      "rank",       "num-matches",
        "cursor", "client-id", "protover",   "timeout", "maxage", "index1",   "index2",     "numreplicas",
        "bit",    "limit",   "delay",        "samples", "id-or-count", "maxlen", "destination-db", "ttl"};
    constexpr std::string_view kDoubles[] = {"score", "longitude", "latitude", "radius", "width", "height", "weight"};
    for (std::string_view n : kIntegers) {
      if (name == n) return ArgType::integer;
    }
    for (std::string_view n : kDoubles) {
      if (name == n) return ArgType::dbl;
    }
    return ArgType::string;
  }

  int new_arg() {
    if (narg_ == kMaxArgs) {
      failed_ = true;
      return -1;
    }
    args_[narg_] = Arg{};
    return static_cast<int>(narg_++);
  }

  std::uint16_t store_args(const int* ids, std::size_t n) {
    if (nargkid_ + n > kMaxArgs) {
      failed_ = true;
      return 0;
    }
    auto first = static_cast<std::uint16_t>(nargkid_);
    for (std::size_t i = 0; i < n; ++i) arg_kids_[nargkid_++] = static_cast<std::uint16_t>(ids[i]);
    return first;
  }

  // One argument from a list of several: itself if there is one, else a block of them.
  int wrap(std::uint16_t first, std::size_t count, std::string_view token) {
    if (count == 1 && (token.empty() || args_[arg_kids_[first]].token.empty())) {
      int only = arg_kids_[first];
      if (!token.empty()) args_[only].token = token;
      return only;
    }
    int a = new_arg();
    if (a < 0) return -1;
    args_[a].type = ArgType::block;
    args_[a].token = token;
    args_[a].name = token.empty() ? joined_name(first, count) : lower(token);
    args_[a].first_child = first;
    args_[a].child_count = static_cast<std::uint16_t>(count);
    return a;
  }

  int convert_group(const Node& g) {
    int alts[24];
    std::size_t n = 0;
    for (std::size_t i = 0; i < g.count && n < 24; ++i) {
      const Node& alt = item(g.first, i);
      // "[x ...]" without a preceding x: optional and multiple.
      std::size_t len = alt.count;
      bool multiple = len > 1 && is_ellipsis(item(alt.first, len - 1));
      if (multiple) --len;
      std::size_t count = 0;
      std::uint16_t first = convert_seq(alt.first, len, count);
      if (failed_) return -1;
      if (count == 0) continue;
      int a = wrap(first, count, {});
      if (a < 0) return -1;
      if (multiple) args_[a].flags |= kMultiple;
      alts[n++] = a;
    }
    if (n == 0) {
      failed_ = true;
      return -1;
    }
    int result;
    if (n == 1) {
      result = alts[0];
    } else {
      result = new_arg();
      if (result < 0) return -1;
      std::uint16_t first = store_args(alts, n);
      args_[result].type = ArgType::oneof;
      args_[result].name = joined_name(first, n);
      args_[result].first_child = first;
      args_[result].child_count = static_cast<std::uint16_t>(n);
    }
    if (g.kind == NodeKind::optional) args_[result].flags |= kOptional;
    return result;
  }

  // Converts items[first .. first+n) of a sequence into arguments stored contiguously.
  std::uint16_t convert_seq(std::uint16_t first, std::size_t n, std::size_t& out_count) {
    int out[48];
    std::size_t nout = 0;
    for (std::size_t i = 0; i < n && !failed_;) {
      // A run repeated by the optional group right after it: "x [x ...]", "a b [a b ...]".
      std::size_t run_end = 0;
      for (std::size_t j = i + 1; j < n && j <= i + 6; ++j) {
        if (repeats(item(first, j), first, i, j)) {
          run_end = j;
          break;
        }
      }
      int a;
      std::size_t next;
      if (run_end != 0) {
        std::size_t count = 0;
        std::uint16_t sub = convert_seq(static_cast<std::uint16_t>(first + i), run_end - i, count);
        if (failed_ || count == 0) break;
        a = wrap(sub, count, {});
        if (a < 0) break;
        args_[a].flags |= kMultiple;
        if (is_token(item(first, i))) args_[a].flags |= kMultipleToken;
        next = run_end + 1;
      } else if (is_token(item(first, i))) {
        // A token takes what follows it, up to the next token.
        std::size_t k = i + 1;
        while (k < n && !is_token(item(first, k))) ++k;
        std::size_t count = 0;
        std::uint16_t sub = convert_seq(static_cast<std::uint16_t>(first + i + 1), k - i - 1, count);
        if (failed_) break;
        std::string_view token = item(first, i).text;
        if (count == 0) {
          a = new_arg();
          if (a < 0) break;
          args_[a].type = ArgType::pure_token;
          args_[a].token = token;
          args_[a].name = lower(token);
        } else {
          a = wrap(sub, count, token);
        }
        next = k;
      } else if (item(first, i).kind == NodeKind::word) {
        if (is_ellipsis(item(first, i))) {  // "x ..." without brackets
          if (nout > 0) args_[out[nout - 1]].flags |= kMultiple;
          ++i;
          continue;
        }
        a = new_arg();
        if (a < 0) break;
        args_[a].name = item(first, i).text;
        args_[a].type = infer_type(item(first, i).text);
        next = i + 1;
      } else {
        a = convert_group(item(first, i));
        next = i + 1;
      }
      if (a < 0 || nout == 48) {
        failed_ = true;
        break;
      }
      out[nout++] = a;
      i = next;
    }
    out_count = nout;
    return store_args(out, nout);
  }

  Token toks_[kMaxTokens];
  Node nodes_[kMaxNodes];
  std::uint16_t kids_[kMaxNodes];
  Arg args_[kMaxArgs];
  std::uint16_t arg_kids_[kMaxArgs];
  char arena_[kArena];
  std::size_t ntok_ = 0, nnode_ = 0, nkid_ = 0, narg_ = 0, nargkid_ = 0, arena_used_ = 0;
  std::uint16_t top_first_ = 0, top_count_ = 0;
  bool has_keys_ = false;
  bool failed_ = false;
};

inline void write_arg(Writer& w, const Syntax& syn, const Syntax::Arg& a) {
  const bool key = a.type == Syntax::ArgType::key;
  const bool group = a.type == Syntax::ArgType::oneof || a.type == Syntax::ArgType::block;
  w.map(2 + (key ? 1 : 0) + (a.token.empty() ? 0 : 1) + (a.flags ? 1 : 0) + (group ? 1 : 0));
  w.bulk("name");
  w.bulk(a.name);
  w.bulk("type");
  w.bulk(Syntax::type_name(a.type));
  if (key) {
    w.bulk("key_spec_index");
    w.integer(0);
  }
  if (!a.token.empty()) {
    w.bulk("token");
    w.bulk(a.token);
  }
  if (a.flags) {
    w.bulk("flags");
    std::size_t n = ((a.flags & Syntax::kOptional) ? 1 : 0) + ((a.flags & Syntax::kMultiple) ? 1 : 0) +
                    ((a.flags & Syntax::kMultipleToken) ? 1 : 0);
    w.set(n);
    if (a.flags & Syntax::kOptional) w.simple("optional");
    if (a.flags & Syntax::kMultiple) w.simple("multiple");
    if (a.flags & Syntax::kMultipleToken) w.simple("multiple_token");
  }
  if (group) {
    w.bulk("arguments");
    w.array(a.child_count);
    for (std::size_t i = 0; i < a.child_count; ++i) write_arg(w, syn, syn.child(a, i));
  }
}

// The COMMAND DOCS map of a command. syn is scratch space for the syntax parser.
inline void write_docs(Writer& w, Syntax& syn, const CommandSpec& s) {
  // Without MICROREDIS_WITH_COMMAND_DOCS the argument trees (and their parser) are left out.
  bool args = MICROREDIS_WITH_COMMAND_DOCS && !s.syntax().empty() && syn.parse(s.syntax(), has_keys(s)) &&
              syn.top_count() > 0;
  bool container = s.subcommand_count > 0;
  bool complexity = !s.complexity().empty();
  w.map(3 + (complexity ? 1 : 0) + (args ? 1 : 0) + (container ? 1 : 0));
  w.bulk("summary");
  w.bulk(s.summary());
  w.bulk("since");
  w.bulk(s.since());
  w.bulk("group");
  w.bulk(s.group());
  if (complexity) {
    w.bulk("complexity");
    w.bulk(s.complexity());
  }
  if (args) {
    w.bulk("arguments");
    w.array(syn.top_count());
    for (std::size_t i = 0; i < syn.top_count(); ++i) write_arg(w, syn, syn.top(i));
  }
  if (container) {
    w.bulk("subcommands");
    w.map(s.subcommand_count);
    for (std::size_t i = 0; i < s.subcommand_count; ++i) {
      w.bulk(s.subcommands[i].name());
      write_docs(w, syn, s.subcommands[i]);
    }
  }
}

// --- COMMAND and its subcommands -------------------------------------------------------------

inline void command_all(Context& c) {
  const CommandTable& t = c.engine.commands();
  c.out.array(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) write_info(c.out, *t.at(i).spec);
}

inline void command_count(Context& c) { c.out.integer(static_cast<std::int64_t>(c.engine.commands().size())); }

inline void command_info(Context& c) {
  if (c.argc == 2) return command_all(c);
  c.out.array(c.argc - 2);
  for (std::size_t i = 2; i < c.argc; ++i) {
    CommandRef ref = c.engine.commands().find_full(c.arg(i));
    if (!ref) {
      c.out.null();
    } else {
      write_info(c.out, *ref.spec);
    }
  }
}

inline void command_docs(Context& c) {
  Syntax* syn = c.mem().create<Syntax>();
  if (syn == nullptr) return c.out.error(Status::oom);
  const CommandTable& t = c.engine.commands();
  if (c.argc == 2) {
    c.out.map(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
      c.out.bulk(t.at(i).spec->name());
      write_docs(c.out, *syn, *t.at(i).spec);
    }
  } else {
    Writer::Deferred d = c.out.defer();
    std::size_t n = 0;
    for (std::size_t i = 2; i < c.argc; ++i) {
      CommandRef ref = t.find_full(c.arg(i));
      if (!ref) continue;
      c.out.bulk(ref.spec->name());
      write_docs(c.out, *syn, *ref.spec);
      ++n;
    }
    c.out.end_map(d, n);
  }
  c.mem().destroy(syn);
}

enum class ListFilter { none, module, aclcat, pattern };

inline bool listed(const CommandSpec& s, ListFilter filter, std::string_view arg, std::uint32_t category) {
  switch (filter) {
    case ListFilter::none: return true;
    case ListFilter::module: return false;  // no command comes from a module
    case ListFilter::aclcat: return category != 0 && (acl_categories(s) & category) != 0;
    case ListFilter::pattern: return glob_match(arg, s.name(), true);
  }
  return false;
}

inline void command_list(Context& c) {
  ListFilter filter = ListFilter::none;
  std::string_view arg;
  for (std::size_t i = 2; i < c.argc; i += 3) {
    if (!iequals(c.arg(i), "FILTERBY") || c.argc - i - 1 != 2) return c.out.error(Status::syntax);
    std::string_view type = c.arg(i + 1);
    if (iequals(type, "MODULE")) {
      filter = ListFilter::module;
    } else if (iequals(type, "ACLCAT")) {
      filter = ListFilter::aclcat;
    } else if (iequals(type, "PATTERN")) {
      filter = ListFilter::pattern;
    } else {
      return c.out.error(Status::syntax);
    }
    arg = c.arg(i + 2);
  }
  const std::uint32_t category = filter == ListFilter::aclcat ? category_by_name(arg) : 0;
  const CommandTable& t = c.engine.commands();
  Writer::Deferred d = c.out.defer();
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const CommandSpec& s = *t.at(i).spec;
    if (listed(s, filter, arg, category)) {
      c.out.bulk(s.name());
      ++n;
    }
    for (std::size_t j = 0; j < s.subcommand_count; ++j) {
      if (listed(s.subcommands[j], filter, arg, category)) {
        c.out.bulk(s.subcommands[j].name());
        ++n;
      }
    }
  }
  c.out.end_array(d, n);
}

inline void get_keys(Context& c, bool with_flags) {
  const std::string_view* argv = c.argv + 2;
  const std::size_t argc = c.argc - 2;
  const CommandSpec* s = lookup_command(c.engine.commands(), argv, argc);
  if (s == nullptr) return c.out.error(Status::invalid_command);
  if (!has_keys(*s)) return c.out.error(Status::no_keys);
  const auto n = static_cast<int>(argc);
  if ((s->arity > 0 && s->arity != n) || n < -s->arity) return c.out.error(Status::invalid_argument_count);

  Vec<std::size_t> keys(c.mem());
  if (!keys.resize(argc)) return c.out.error(Status::oom);
  const std::size_t count = command_key_positions(*s, argv, argc, keys.data(), argc);
  if (count == 0) {
    if (s->flags & kNoMandatoryKeys) return c.out.array(0);
    return c.out.error(Status::invalid_arguments);
  }
  c.out.array(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (with_flags) c.out.array(2);
    c.out.bulk(argv[keys[i]]);
    if (with_flags) write_flag_set(c.out, key_flags(*s), kKeyFlagNames);
  }
}

inline void command_getkeys(Context& c) { get_keys(c, false); }
inline void command_getkeysandflags(Context& c) { get_keys(c, true); }

inline void command_help(Context& c) {
  c.reply_help({
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
  });
}

constexpr std::uint32_t kCommandFlags = kLoading | kStale;

inline const CommandSpec kCommandSubcommands[] = {
    {"command|count", 2, kCommandFlags, 0, 0, 0, command_count, "server", "Returns a count of commands.", "2.8.13",
     "O(1)", "", kAclConnection},
    {"command|info", -2, kCommandFlags, 0, 0, 0, command_info, "server",
     "Returns information about one, multiple or all commands.", "2.8.13",
     "O(N) where N is the number of commands to look up", "[command-name [command-name ...]]", kAclConnection},
    {"command|docs", -2, kCommandFlags, 0, 0, 0, command_docs, "server",
     "Returns documentary information about one, multiple or all commands.", "7.0.0",
     "O(N) where N is the number of commands to look up", "[command-name [command-name ...]]", kAclConnection},
    {"command|list", -2, kCommandFlags, 0, 0, 0, command_list, "server", "Returns a list of command names.", "7.0.0",
     "O(N) where N is the total number of Redis commands",
     "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]", kAclConnection},
    {"command|getkeys", -4, kCommandFlags, 0, 0, 0, command_getkeys, "server",
     "Extracts the key names from an arbitrary command.", "2.8.13", "O(N) where N is the number of arguments to the command",
     "command [arg [arg ...]]", kAclConnection},
    {"command|getkeysandflags", -4, kCommandFlags, 0, 0, 0, command_getkeysandflags, "server",
     "Extracts the key names and access flags for an arbitrary command.", "7.0.0",
     "O(N) where N is the number of arguments to the command", "command [arg [arg ...]]", kAclConnection},
    {"command|help", 2, kCommandFlags, 0, 0, 0, command_help, "server",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", "", kAclConnection},
};

inline const CommandSpec kCommands[] = {
    // A container that also runs alone: COMMAND without a subcommand lists every command.
    {"command", -1, kCommandFlags, 0, 0, 0, command_all, "server", "Returns detailed information about all commands.",
     "2.8.13", "O(N) where N is the total number of Redis commands", "", kAclConnection, kCommandSubcommands,
     sizeof kCommandSubcommands / sizeof kCommandSubcommands[0]},
};

}  // namespace introspection_cmds

MICROREDIS_INLINE bool register_introspection_commands(CommandTable& table) {
  return table.add(introspection_cmds::kCommands);
}

}  // namespace microredis
