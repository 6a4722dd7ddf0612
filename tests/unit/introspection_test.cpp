#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "harness.hpp"
#if MICROREDIS_TEST_WITH_LUA
#include "microredis/scripting.hpp"
#endif

using namespace mrtest;
using microredis::CommandSpec;

namespace {

void no_op(microredis::Context&) {}

// ZUNIONSTORE-like keys: destination, then numkeys keys.
std::size_t numkeys_keys(const std::string_view* argv, std::size_t argc, std::size_t* out, std::size_t cap) {
  std::size_t n = 0;
  if (argc > 1 && n < cap) out[n++] = 1;
  std::int64_t numkeys = 0;
  if (argc < 3 || !microredis::parse_int64(argv[2], numkeys) || numkeys < 0) return n;
  for (std::size_t i = 3; i < argc && i < 3 + static_cast<std::size_t>(numkeys) && n < cap; ++i) out[n++] = i;
  return n;
}

std::size_t no_keys_found(const std::string_view*, std::size_t, std::size_t*, std::size_t) { return 0; }

using namespace microredis;

// Commands with keys for these tests (the families that own real ones are elsewhere). Added to
// the table only: COMMAND reads them, nothing dispatches them.
const CommandSpec kTestCommands[] = {
    {"tget", 2, kReadonly | kFast, 1, 1, 1, no_op, "string", "Test GET.", "1.0.0", "O(1)", "key", 0},
    {"tmset", -3, kWrite | kDenyOom, 1, -1, 2, no_op, "string", "Test MSET.", "1.0.1", "O(N)",
     "key value [key value ...]", 0},
    {"tdel", -2, kWrite, 1, -1, 1, no_op, "generic", "Test DEL.", "1.0.0", "O(N)", "key [key ...]", 0},
    {"tzunionstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, no_op, "sorted-set", "Test ZUNIONSTORE.", "2.0.0",
     "O(N)", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]", 0,
     nullptr, 0, numkeys_keys},
    {"teval", -3, kNoscript | kNoMandatoryKeys | kMovableKeys, 0, 0, 0, no_op, "scripting", "Test EVAL.", "2.6.0",
     "O(1)", "script numkeys [key [key ...]] [arg [arg ...]]", 0, nullptr, 0, no_keys_found},
    {"tnokeys", -2, kWrite | kMovableKeys, 0, 0, 0, no_op, "generic", "Test nothing found.", "1.0.0", "O(1)",
     "arg [arg ...]", 0, nullptr, 0, no_keys_found},
    {"tsort", -2, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, no_op, "generic", "Test SORT.", "1.0.0", "O(N)",
     "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]",
     kAclSet | kAclSortedSet | kAclList | kAclDangerous, nullptr, 0, numkeys_keys},
    {"tset", -3, kWrite | kDenyOom, 1, 1, 1, no_op, "string", "Test SET.", "1.0.0", "O(1)",
     "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds "
     "| KEEPTTL]",
     0},
    {"txadd", -5, kWrite | kDenyOom | kFast, 1, 1, 1, no_op, "stream", "Test XADD.", "5.0.0", "O(1)",
     "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]", 0},
    {"txread", -4, kReadonly | kBlocking | kMovableKeys, 0, 0, 0, no_op, "stream", "Test XREAD.", "5.0.0", "O(1)",
     "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]", 0, nullptr, 0, no_keys_found},
};

struct TestHarness : Harness {
  TestHarness() { REQUIRE(engine.commands().add(kTestCommands)); }
};

// The value of a key in a RESP2 reply of alternating keys and values (COMMAND DOCS maps).
const Reply* get(const Reply& map, std::string_view key) {
  for (std::size_t i = 0; i + 1 < map.size(); i += 2) {
    if (map[i].str == key) return &map[i + 1];
  }
  return nullptr;
}

// redis-cli 7.0's rendering of a COMMAND DOCS argument tree (cliAddArgument), which is what its
// hints show.
std::string render_args(const Reply& args, const char* sep);
std::string render_arg(const Reply& arg) {
  std::string name, type, token, repeat;
  bool optional = false, multiple = false, multiple_token = false;
  const Reply* children = nullptr;
  for (std::size_t i = 0; i + 1 < arg.size(); i += 2) {
    const std::string& k = arg[i].str;
    const Reply& v = arg[i + 1];
    if (k == "name") name = v.str;
    if (k == "type") type = v.str;
    if (k == "token") token = v.str;
    if (k == "arguments") children = &v;
    if (k == "flags") {
      for (const Reply& f : v.elements) {
        optional = optional || f.str == "optional";
        multiple = multiple || f.str == "multiple";
        multiple_token = multiple_token || f.str == "multiple_token";
      }
    }
  }
  if (type == "oneof") repeat = render_args(*children, "|");
  else if (type == "block") repeat = render_args(*children, " ");
  else if (type != "pure-token") repeat = name;
  std::string out;
  if (!token.empty() && type != "pure-token") token += " ";
  if (optional) out += "[";
  out += token + repeat;
  if (multiple) out += " [" + (multiple_token ? token : std::string()) + repeat + " ...]";
  if (optional) out += "]";
  return out;
}
std::string render_args(const Reply& args, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += sep;
    out += render_arg(args[i]);
  }
  return out;
}

// The syntax as redis-cli would print it: "a | b" -> "a|b", <required> groups unbracketed.
std::string cli_form(std::string_view syntax) {
  std::string out;
  for (std::size_t i = 0; i < syntax.size(); ++i) {
    if (syntax.substr(i, 3) == " | ") {
      out += '|';
      i += 2;
    } else if (syntax[i] != '<' && syntax[i] != '>') {
      out += syntax[i];
    }
  }
  return out;
}

std::string docs_arguments(Harness& h, std::string_view name) {
  Reply r = h.run({"COMMAND", "DOCS", name});
  REQUIRE(r.size() == 2);
  const Reply* args = get(r[1], "arguments");
  return args ? render_args(*args, " ") : std::string();
}

// --- docs/commands.md ---

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = microredis::ascii_upper(c);
  return out;
}

std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

std::string render_command_table(const microredis::CommandTable& t) {
  struct Row {
    std::string group, name, syntax, since, summary;
  };
  std::vector<Row> rows;
  std::size_t top = 0, subs = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const CommandSpec& s = *t.at(i).spec;
    ++top;
    if (s.subcommand_count == 0 || s.handler != nullptr) {
      rows.push_back({std::string(s.group()), upper(s.name()), std::string(s.syntax()), std::string(s.since()),
                      std::string(s.summary())});
    }
    for (std::size_t j = 0; j < s.subcommand_count; ++j) {
      const CommandSpec& sub = s.subcommands[j];
      std::string name = upper(sub.name());
      name[name.find('|')] = ' ';
      rows.push_back({std::string(sub.group()), name, std::string(sub.syntax()), std::string(sub.since()),
                      std::string(sub.summary())});
      ++subs;
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.group != b.group ? a.group < b.group : a.name < b.name; });
  std::ostringstream md;
  md << "# Commands\n\n"
     << "The commands microredis implements, generated from its command table (do not edit: run\n"
     << "`MICROREDIS_UPDATE_DOCS=1 ./build/tests/microredis_tests -tc='docs/commands.md*'`).\n"
     << "Each works with every option Redis 7.0 documents for it, with Redis's replies and errors.\n\n"
     << top << " commands and " << subs << " subcommands.\n";
  std::string group;
  for (const Row& r : rows) {
    if (r.group != group) {
      group = r.group;
      md << "\n## " << group << "\n\n";
      if (group == "cluster") {
        md << "microredis runs standalone, as redis-server does with `cluster-enabled no` (its default): these\n"
           << "commands exist, with Redis's arities and flags, and answer\n"
           << "`-ERR This instance has cluster support disabled` as redis-server then does.\n\n";
      }
      md << "| Command | Arguments | Since | Summary |\n|---|---|---|---|\n";
    }
    md << "| `" << r.name << "` | " << (r.syntax.empty() ? "" : "`" + cell(r.syntax) + "`") << " | " << r.since
       << " | " << cell(r.summary) << " |\n";
  }
  return md.str();
}

// The README's coverage table: one row per group, its top-level commands.
std::string render_readme_coverage(const microredis::CommandTable& t) {
  std::map<std::string, std::vector<std::string>> groups;
  std::size_t total = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const CommandSpec& spec = *t.at(i).spec;
    groups[std::string(spec.group())].push_back(upper(spec.name()));
    ++total;
  }
  std::ostringstream md;
  md << "| Group | Commands |\n|---|---|\n";
  for (auto& [group, names] : groups) {
    std::sort(names.begin(), names.end());
    md << "| " << group << (group == "cluster" ? " (standalone: cluster support disabled, as redis-server)" : "") << " |";
    for (const auto& n : names) md << " " << n;
    md << " |\n";
  }
  md << "\n" << total << " commands; every option of each, with Redis 7.0's replies and errors. "
     << "Per-command syntax: [docs/commands.md](docs/commands.md).\n";
  return md.str();
}

constexpr std::string_view kReadmeBegin = "<!-- commands:begin (generated from the command table) -->\n";
constexpr std::string_view kReadmeEnd = "<!-- commands:end -->";

std::string root_path(const std::string& relative) {
  std::string here = __FILE__;  // <root>/tests/unit/introspection_test.cpp
  for (int i = 0; i < 3; ++i) here = here.substr(0, here.find_last_of("/\\"));
  return here + "/" + relative;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string docs_path() {
  std::string here = __FILE__;  // <root>/tests/unit/introspection_test.cpp
  for (int i = 0; i < 3; ++i) here = here.substr(0, here.find_last_of("/\\"));
  return here + "/docs/commands.md";
}

}  // namespace

TEST_SUITE("introspection") {
  TEST_CASE("COMMAND and COMMAND COUNT cover the table") {
    Harness h;
    const auto& t = h.engine.commands();
    CHECK(h.run({"COMMAND", "COUNT"}) == integer(static_cast<std::int64_t>(t.size())));
    Reply all = h.run({"COMMAND"});
    REQUIRE(all.size() == t.size());
    for (const Reply& e : all.elements) CHECK(e.size() == 10);
    CHECK(h.run({"COMMAND", "INFO"}).size() == t.size());
    CHECK(h.run({"COMMAND", "COUNT", "x"}) == error("ERR wrong number of arguments for 'command|count' command"));
    CHECK(h.run({"COMMAND", "FOO"}) == error("ERR unknown subcommand 'FOO'. Try COMMAND HELP."));
  }

  TEST_CASE("COMMAND INFO entries") {
    TestHarness h;
    // Redis 7.0's GET entry, word for word.
    Reply get = h.run({"COMMAND", "INFO", "tget"})[0];
    CHECK(get == array({bulk("tget"), integer(2), array({simple("readonly"), simple("fast")}), integer(1), integer(1),
                        integer(1), array({simple("@read"), simple("@string"), simple("@fast")}), array({}),
                        array({array({bulk("flags"), array({simple("RO"), simple("access")}), bulk("begin_search"),
                                      array({bulk("type"), bulk("index"), bulk("spec"), array({bulk("index"), integer(1)})}),
                                      bulk("find_keys"),
                                      array({bulk("type"), bulk("range"), bulk("spec"),
                                             array({bulk("lastkey"), integer(0), bulk("keystep"), integer(1),
                                                    bulk("limit"), integer(0)})})})}),
                        array({})}));
    Reply mset = h.run({"COMMAND", "INFO", "tmset"})[0];
    CHECK(mset[2] == array({simple("write"), simple("denyoom")}));
    CHECK(mset[4] == integer(-1));
    CHECK(mset[5] == integer(2));
    CHECK(mset[6] == array({simple("@write"), simple("@string"), simple("@slow")}));
    CHECK(mset[8][0][1] == array({simple("RW"), simple("access"), simple("update")}));
    CHECK(mset[8][0][5][3] == array({bulk("lastkey"), integer(-1), bulk("keystep"), integer(2), bulk("limit"), integer(0)}));
    // Generic commands are @keyspace unless they name their types.
    CHECK(h.run({"COMMAND", "INFO", "tdel"})[0][6] == array({simple("@keyspace"), simple("@write"), simple("@slow")}));
    CHECK(h.run({"COMMAND", "INFO", "tsort"})[0][6] ==
          array({simple("@write"), simple("@set"), simple("@sortedset"), simple("@list"), simple("@slow"),
                 simple("@dangerous")}));
    // Movable keys: the flag and an "unknown" key spec.
    Reply z = h.run({"COMMAND", "INFO", "tzunionstore"})[0];
    CHECK(z[2] == array({simple("write"), simple("denyoom"), simple("movablekeys")}));
    REQUIRE(z[8].size() == 2);
    CHECK(z[8][1][3] == array({bulk("type"), bulk("unknown"), bulk("spec"), array({})}));
    Reply x = h.run({"COMMAND", "INFO", "txread"})[0];
    CHECK(x[6] == array({simple("@read"), simple("@stream"), simple("@slow"), simple("@blocking")}));
    CHECK(x[8].size() == 1);

    // Containers: their own categories only, and their subcommands.
    Reply config = h.run({"COMMAND", "INFO", "config"})[0];
    CHECK(config[2] == array({}));
    CHECK(config[6] == array({simple("@slow")}));
    REQUIRE(config[9].size() >= 4);
    CHECK(config[9][0][0] == bulk("config|get"));
    CHECK(config[9][0][6] == array({simple("@admin"), simple("@slow"), simple("@dangerous")}));
    Reply command = h.run({"COMMAND", "INFO", "command"})[0];
    CHECK(command[1] == integer(-1));
    CHECK(command[6] == array({simple("@slow"), simple("@connection")}));

    // Subcommand names; unknown names are nil.
    Reply r = h.run({"COMMAND", "INFO", "client|kill", "CLIENT|ID", "get|key", "config|get|key", "nosuch"});
    REQUIRE(r.size() == 5);
    CHECK(r[0][0] == bulk("client|kill"));
    CHECK(r[0][1] == integer(-3));
    CHECK(r[0][2] == array({simple("admin"), simple("noscript"), simple("loading"), simple("stale")}));
    CHECK(r[0][6] == array({simple("@admin"), simple("@slow"), simple("@dangerous"), simple("@connection")}));
    CHECK(r[1][0] == bulk("client|id"));
    CHECK(r[1][6] == array({simple("@slow"), simple("@connection")}));
    CHECK(r[2] == nil());
    CHECK(r[3] == nil());
    CHECK(r[4] == nil());
  }

  TEST_CASE("COMMAND INFO in RESP3 uses sets") {
    TestHarness h;
    (void)h.run({"HELLO", "3"});
    Reply get = h.run({"COMMAND", "INFO", "tget"})[0];
    CHECK(get[2].type == Reply::Type::set);
    CHECK(get[6].type == Reply::Type::set);
    CHECK(get[8][0].type == Reply::Type::map);
    CHECK(get[9].type == Reply::Type::set);  // no subcommands: an empty set, as Redis
    Reply config = h.run({"COMMAND", "INFO", "config"})[0];
    CHECK(config[9].type == Reply::Type::array);
  }

  TEST_CASE("COMMAND GETKEYS and GETKEYSANDFLAGS") {
    TestHarness h;
    CHECK(h.run({"COMMAND", "GETKEYS", "tget", "k"}) == bulks({"k"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "TMSET", "k1", "v1", "k2", "v2"}) == bulks({"k1", "k2"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "tmset", "k1", "v1", "k2"}) == bulks({"k1", "k2"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "tdel", "a", "b", "c"}) == bulks({"a", "b", "c"}));
    CHECK(h.run({"COMMAND", "GETKEYS", "tzunionstore", "dst", "2", "a", "b", "WEIGHTS", "1", "2"}) ==
          bulks({"dst", "a", "b"}));
    // More keys than any fixed buffer would hold.
    std::vector<std::string> big = {"COMMAND", "GETKEYS", "tzunionstore", "target", "300"};
    for (int i = 0; i < 300; ++i) big.push_back("key" + std::to_string(i));
    CHECK(h.run(big).size() == 301);
    CHECK(h.run({"COMMAND", "GETKEYS", "teval", "return 1", "0"}) == array({}));  // no_mandatory_keys
    CHECK(h.run({"COMMAND", "GETKEYS", "tnokeys", "x"}) == error("ERR Invalid arguments specified for command"));
    CHECK(h.run({"COMMAND", "GETKEYS", "tget", "a", "b"}) == error("ERR Invalid number of arguments specified for command"));
    CHECK(h.run({"COMMAND", "GETKEYS", "tmset", "a"}) == error("ERR Invalid number of arguments specified for command"));
    CHECK(h.run({"COMMAND", "GETKEYS", "ping", "x"}) == error("ERR The command has no key arguments"));
    CHECK(h.run({"COMMAND", "GETKEYS", "client", "list"}) == error("ERR The command has no key arguments"));
    CHECK(h.run({"COMMAND", "GETKEYS", "config", "nosuch"}) == error("ERR Invalid command specified"));
    CHECK(h.run({"COMMAND", "GETKEYS", "nosuch", "x"}) == error("ERR Invalid command specified"));
    CHECK(h.run({"COMMAND", "GETKEYS", "tget"}) == error("ERR wrong number of arguments for 'command|getkeys' command"));

    CHECK(h.run({"COMMAND", "GETKEYSANDFLAGS", "tget", "k"}) == array({array({bulk("k"), array({simple("RO"), simple("access")})})}));
    CHECK(h.run({"COMMAND", "GETKEYSANDFLAGS", "tmset", "k1", "v1"}) ==
          array({array({bulk("k1"), array({simple("RW"), simple("access"), simple("update")})})}));
  }

  TEST_CASE("COMMAND LIST") {
    TestHarness h;
    std::vector<std::string> all = sorted_strings(h.run({"COMMAND", "LIST"}));
    auto has = [](const std::vector<std::string>& v, const char* s) { return std::find(v.begin(), v.end(), s) != v.end(); };
    CHECK(has(all, "client"));
    CHECK(has(all, "client|list"));
    CHECK(has(all, "command|docs"));
    CHECK(has(all, "tget"));
    std::size_t expected = 0;
    for (std::size_t i = 0; i < h.engine.commands().size(); ++i) expected += 1 + h.engine.commands().at(i).spec->subcommand_count;
    CHECK(all.size() == expected);

    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "tget"}) == bulks({"tget"}));
    std::vector<std::string> config = sorted_strings(h.run({"COMMAND", "LIST", "FILTERBY", "pattern", "config*"}));
    CHECK(has(config, "config"));
    CHECK(has(config, "config|get"));
    CHECK(sorted_strings(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "config|*re*"})) ==
          std::vector<std::string>{"config|resetstat", "config|rewrite"});
    CHECK(has(sorted_strings(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*help"})), "client|help"));
    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "non_exists*"}) == array({}));

    std::vector<std::string> connection = sorted_strings(h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection"}));
    CHECK(has(connection, "ping"));
    CHECK(has(connection, "client|id"));
    CHECK(has(connection, "command"));
    CHECK(!has(connection, "client"));  // the container itself is just @slow
    CHECK(!has(connection, "tget"));
    std::vector<std::string> read = sorted_strings(h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "READ"}));
    CHECK(has(read, "tget"));
    CHECK(!has(read, "tmset"));
    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "non_existing_category"}) == array({}));
    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "MODULE", "any"}) == array({}));

    CHECK(h.run({"COMMAND", "LIST", "bad_arg"}) == error("ERR syntax error"));
    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "bad_arg"}) == error("ERR syntax error"));
    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "bad_arg", "x"}) == error("ERR syntax error"));
    CHECK(h.run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "a", "b"}) == error("ERR syntax error"));
  }

  TEST_CASE("COMMAND DOCS") {
    TestHarness h;
    Reply r = h.run({"COMMAND", "DOCS", "tget", "nosuch", "client|getname"});
    REQUIRE(r.size() == 4);  // unknown names are left out
    CHECK(r[0] == bulk("tget"));
    CHECK(r[1] == array({bulk("summary"), bulk("Test GET."), bulk("since"), bulk("1.0.0"), bulk("group"), bulk("string"),
                         bulk("complexity"), bulk("O(1)"), bulk("arguments"),
                         array({array({bulk("name"), bulk("key"), bulk("type"), bulk("key"), bulk("key_spec_index"),
                                       integer(0)})})}));
    CHECK(r[2] == bulk("client|getname"));
    CHECK(get(r[3], "arguments") == nullptr);  // no arguments, no key
    CHECK(*get(r[3], "group") == bulk("connection"));

    Reply all = h.run({"COMMAND", "DOCS"});
    CHECK(all.size() == 2 * h.engine.commands().size());
    Reply client = h.run({"COMMAND", "DOCS", "client"});
    const Reply* subs = get(client[1], "subcommands");
    REQUIRE(subs != nullptr);
    CHECK(subs->size() == 2 * h.engine.commands().find("client").spec->subcommand_count);
    CHECK(h.run({"COMMAND", "DOCS", "nosuch"}) == array({}));

    (void)h.run({"HELLO", "3"});
    Reply m = h.run({"COMMAND", "DOCS", "tset"});
    CHECK(m.type == Reply::Type::map);
    CHECK(m[1].type == Reply::Type::map);
  }

  TEST_CASE("COMMAND DOCS argument trees") {
    TestHarness h;
    Reply set = h.run({"COMMAND", "DOCS", "tset"})[1];
    const Reply* args = get(set, "arguments");
    REQUIRE(args != nullptr);
    REQUIRE(args->size() == 5);
    CHECK((*args)[1] == array({bulk("name"), bulk("value"), bulk("type"), bulk("string")}));
    CHECK((*args)[2] == array({bulk("name"), bulk("nx_xx"), bulk("type"), bulk("oneof"), bulk("flags"),
                                array({simple("optional")}), bulk("arguments"),
                                array({array({bulk("name"), bulk("nx"), bulk("type"), bulk("pure-token"), bulk("token"), bulk("NX")}),
                                       array({bulk("name"), bulk("xx"), bulk("type"), bulk("pure-token"), bulk("token"),
                                              bulk("XX")})})}));
    CHECK((*args)[3] == array({bulk("name"), bulk("get"), bulk("type"), bulk("pure-token"), bulk("token"), bulk("GET"),
                                bulk("flags"), array({simple("optional")})}));
    const Reply& expiration = *get((*args)[4], "arguments");
    REQUIRE(expiration.size() == 5);
    CHECK(expiration[0] == array({bulk("name"), bulk("seconds"), bulk("type"), bulk("integer"), bulk("token"), bulk("EX")}));
    CHECK(expiration[2] ==
          array({bulk("name"), bulk("unix-time-seconds"), bulk("type"), bulk("unix-time"), bulk("token"), bulk("EXAT")}));

    // x [x ...] is one multiple argument; a repeated token is multiple_token.
    Reply sort = h.run({"COMMAND", "DOCS", "tsort"})[1];
    const Reply& s = *get(sort, "arguments");
    CHECK(s[1] == array({bulk("name"), bulk("pattern"), bulk("type"), bulk("pattern"), bulk("token"), bulk("BY"),
                         bulk("flags"), array({simple("optional")})}));
    CHECK(s[2] == array({bulk("name"), bulk("limit"), bulk("type"), bulk("block"), bulk("token"), bulk("LIMIT"),
                         bulk("flags"), array({simple("optional")}), bulk("arguments"),
                         array({array({bulk("name"), bulk("offset"), bulk("type"), bulk("integer")}),
                                array({bulk("name"), bulk("count"), bulk("type"), bulk("integer")})})}));
    CHECK(s[3] == array({bulk("name"), bulk("pattern"), bulk("type"), bulk("pattern"), bulk("token"), bulk("GET"),
                         bulk("flags"), array({simple("optional"), simple("multiple"), simple("multiple_token")})}));
    CHECK(s[6] == array({bulk("name"), bulk("destination"), bulk("type"), bulk("key"), bulk("key_spec_index"), integer(0),
                         bulk("token"), bulk("STORE"), bulk("flags"), array({simple("optional")})}));
    Reply mset = h.run({"COMMAND", "DOCS", "tmset"})[1];
    CHECK((*get(mset, "arguments"))[0] ==
          array({bulk("name"), bulk("key_value"), bulk("type"), bulk("block"), bulk("flags"), array({simple("multiple")}),
                 bulk("arguments"),
                 array({array({bulk("name"), bulk("key"), bulk("type"), bulk("key"), bulk("key_spec_index"), integer(0)}),
                        array({bulk("name"), bulk("value"), bulk("type"), bulk("string")})})}));
    // A token takes everything up to the next token.
    Reply xread = h.run({"COMMAND", "DOCS", "txread"})[1];
    const Reply& streams = (*get(xread, "arguments"))[2];
    CHECK(*get(streams, "token") == bulk("STREAMS"));
    CHECK(*get(streams, "type") == bulk("block"));
    CHECK(get(streams, "arguments")->size() == 2);
  }

  TEST_CASE("redis-cli renders every command's arguments back to its syntax") {
    TestHarness h;
    const auto& t = h.engine.commands();
    auto check = [&](const CommandSpec& s) {
      if (s.syntax().empty()) return;
      CHECK_MESSAGE(docs_arguments(h, s.name()) == cli_form(s.syntax()), s.name());
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
      const CommandSpec& s = *t.at(i).spec;
      check(s);
      for (std::size_t j = 0; j < s.subcommand_count; ++j) check(s.subcommands[j]);
    }
    CHECK(docs_arguments(h, "client|kill") ==
          "ip:port|[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|[USER username]|[ADDR ip:port]|"
          "[LADDR ip:port]|[SKIPME YES|NO]|[MAXAGE maxage] [[ID client-id]|[TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB]|"
          "[USER username]|[ADDR ip:port]|[LADDR ip:port]|[SKIPME YES|NO]|[MAXAGE maxage] ...]");
  }

  TEST_CASE("COMMAND HELP") {
    Harness h;
    Reply r = h.run({"COMMAND", "HELP"});
    REQUIRE(r.size() > 4);
    CHECK(r[0] == simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
    CHECK(r[1] == simple("(no subcommand)"));
  }

  TEST_CASE("docs/commands.md is up to date") {
    Harness h;
#if MICROREDIS_TEST_WITH_LUA
    microredis::lua::Scripting scripting(h.engine);  // the docs list the optional scripting commands too
#else
    MESSAGE("built without Lua (adapters/lua): the generated docs, which list its commands, are not checked");
    return;
#endif
    const std::string expected = render_command_table(h.engine.commands());
    const std::string path = docs_path();
    const char* update = std::getenv("MICROREDIS_UPDATE_DOCS");
    if (update != nullptr && std::string(update) == "1") {
      std::ofstream out(path, std::ios::binary);
      out << expected;
      REQUIRE_MESSAGE(out.good(), "cannot write " << path);
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream current;
    current << in.rdbuf();
    const bool up_to_date = current.str() == expected;  // (not the texts: they would flood the log)
    CHECK_MESSAGE(up_to_date,
                  path << " does not match the command table; regenerate it with "
                          "MICROREDIS_UPDATE_DOCS=1 ./build/tests/microredis_tests -tc='docs/commands.md*'");
  }

  TEST_CASE("docs/commands.md: the README's coverage table is up to date") {
    Harness h;
#if MICROREDIS_TEST_WITH_LUA
    microredis::lua::Scripting scripting(h.engine);  // the docs list the optional scripting commands too
#else
    MESSAGE("built without Lua (adapters/lua): the generated docs, which list its commands, are not checked");
    return;
#endif
    const std::string path = root_path("README.md");
    std::string readme = read_file(path);
    std::size_t begin = readme.find(kReadmeBegin);
    std::size_t end = readme.find(kReadmeEnd);
    REQUIRE_MESSAGE((begin != std::string::npos && end != std::string::npos && begin < end),
                    "README.md lacks the coverage markers");
    begin += kReadmeBegin.size();
    const std::string expected = render_readme_coverage(h.engine.commands());
    const char* update = std::getenv("MICROREDIS_UPDATE_DOCS");
    if (update != nullptr && std::string(update) == "1") {
      readme.replace(begin, end - begin, expected);
      std::ofstream out(path, std::ios::binary);
      out << readme;
      REQUIRE_MESSAGE(out.good(), "cannot write " << path);
      return;
    }
    CHECK_MESSAGE(readme.compare(begin, end - begin, expected) == 0,
                  "README.md's coverage table does not match the command table; regenerate it with "
                  "MICROREDIS_UPDATE_DOCS=1 ./build/tests/microredis_tests -tc='docs/commands.md*'");
  }
}
