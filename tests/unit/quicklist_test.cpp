// The quicklist data structure (store/quicklist.hpp), without commands: node sizing under every
// kind of list-max-listpack-size, large and plain elements, splits and merges, every operation
// against a std::deque model, memory accounting and out-of-memory at every allocation.
#include <algorithm>
#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/quicklist.hpp"
#include "microredis/util/random.hpp"

using microredis::Element;
using microredis::ElementText;
using microredis::ListEnd;
using microredis::Listpack;
using microredis::Memory;
using microredis::Quicklist;
using microredis::QuicklistLimits;
using microredis::QuicklistNode;

namespace {

// An allocator that fails every allocation after a budget (the failmalloc idea): a budget of N
// lets N allocations (or growing reallocations) succeed, then everything fails.
struct BudgetAllocator {
  long budget = -1;  // < 0: unlimited
  bool take() {
    if (budget < 0) return true;
    if (budget == 0) return false;
    --budget;
    return true;
  }
  static void* allocate(void* ctx, std::size_t size, std::size_t) {
    return static_cast<BudgetAllocator*>(ctx)->take() ? std::malloc(size) : nullptr;
  }
  static void deallocate(void*, void* p, std::size_t, std::size_t) { std::free(p); }
  static void* reallocate(void* ctx, void* p, std::size_t, std::size_t n) {
    return static_cast<BudgetAllocator*>(ctx)->take() ? std::realloc(p, n) : nullptr;
  }
  microredis::AllocatorHooks hooks() {
    microredis::AllocatorHooks h;
    h.allocate = allocate;
    h.deallocate = deallocate;
    h.reallocate = reallocate;
    h.ctx = this;
    return h;
  }
};

std::string text(const Element& e) {
  ElementText buf;
  return std::string(e.text(buf));
}

std::vector<std::string> contents(const Quicklist& ql) {
  std::vector<std::string> out;
  Quicklist::walk(ql.first(), true, [&](const Element& e) {
    out.push_back(text(e));
    return true;
  });
  return out;
}

std::vector<std::string> reversed_contents(const Quicklist& ql) {
  std::vector<std::string> out;
  Quicklist::walk(ql.last(), false, [&](const Element& e) {
    out.insert(out.begin(), text(e));
    return true;
  });
  return out;
}

std::vector<std::string> as_vector(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

// Every node within the limits it was built under (large elements alone in their node).
bool nodes_within(const Quicklist& ql, const QuicklistLimits& limits) {
  for (const QuicklistNode* n = ql.head(); n != nullptr; n = n->next) {
    if (n->count > 1 && !limits.node_fits(n->bytes(), n->count)) return false;
  }
  return true;
}

struct List {
  Memory mem;
  Quicklist* ql;
  explicit List(microredis::AllocatorHooks hooks = microredis::malloc_hooks()) : mem(hooks), ql(Quicklist::create(mem)) {}
  ~List() { Quicklist::destroy(mem, ql); }
};

}  // namespace

TEST_SUITE("quicklist") {
  TEST_CASE("push and pop at both ends") {
    List l;
    const QuicklistLimits lim;
    CHECK(l.ql->empty());
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "b"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::head, "a"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "12"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "-9223372036854775808"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "012"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, ""));
    CHECK(contents(*l.ql) == std::vector<std::string>{"a", "b", "12", "-9223372036854775808", "012", ""});
    CHECK(l.ql->length() == 6);
    CHECK(l.ql->node_count() == 1);
    CHECK(l.ql->peek(ListEnd::tail).len == 0);
    // Canonical integers are stored as integers and read back as the same text.
    CHECK(l.ql->seek(2).node != nullptr);
    CHECK(Quicklist::get(l.ql->seek(2)).is_int());
    CHECK_FALSE(Quicklist::get(l.ql->seek(4)).is_int());
    REQUIRE(l.ql->pop(l.mem, ListEnd::head, 2));
    REQUIRE(l.ql->pop(l.mem, ListEnd::tail, 1));
    CHECK(contents(*l.ql) == std::vector<std::string>{"12", "-9223372036854775808", "012"});
    REQUIRE(l.ql->pop(l.mem, ListEnd::tail, 100));
    CHECK(l.ql->empty());
    CHECK(l.ql->node_count() == 0);
    CHECK(l.ql->check());
  }

  TEST_CASE("nodes follow list-max-listpack-size") {
    SUBCASE("byte limits -1..-5") {
      const std::size_t levels[] = {4096, 8192, 16384, 32768, 65536};
      for (int fill = -1; fill >= -5; --fill) {
        List l;
        const QuicklistLimits lim = QuicklistLimits::of(fill);
        for (int i = 0; i < 5000; ++i) REQUIRE(l.ql->push(l.mem, lim, i % 2 ? ListEnd::head : ListEnd::tail, "element-" + std::to_string(i)));
        CHECK(l.ql->check());
        CHECK(nodes_within(*l.ql, lim));
        std::size_t biggest = 0;
        for (const QuicklistNode* n = l.ql->head(); n != nullptr; n = n->next) biggest = std::max(biggest, n->bytes());
        CHECK(biggest <= levels[-fill - 1]);
        // Nodes are filled, not left half empty by pushes.
        CHECK(biggest > levels[-fill - 1] - 64);
      }
    }
    SUBCASE("element counts") {
      for (int fill : {1, 2, 5, 128}) {
        List l;
        const QuicklistLimits lim = QuicklistLimits::of(fill);
        for (int i = 0; i < 1000; ++i) REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, std::to_string(i)));
        CHECK(l.ql->check());
        CHECK(l.ql->node_count() == (1000 + fill - 1) / fill);
        for (const QuicklistNode* n = l.ql->head(); n != nullptr; n = n->next) CHECK(n->count <= static_cast<unsigned>(fill));
      }
    }
    SUBCASE("a count limit never lets a node pass 8 KiB") {
      List l;
      const QuicklistLimits lim = QuicklistLimits::of(1000);
      for (int i = 0; i < 100; ++i) REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, std::string(500, 'x')));
      CHECK(l.ql->node_count() > 1);
      for (const QuicklistNode* n = l.ql->head(); n != nullptr; n = n->next) CHECK(n->bytes() <= 8192);
    }
    SUBCASE("fill 0 keeps one element per node") {
      List l;
      const QuicklistLimits lim = QuicklistLimits::of(0);
      for (int i = 0; i < 10; ++i) REQUIRE(l.ql->push(l.mem, lim, ListEnd::head, "x"));
      CHECK(l.ql->node_count() == 10);
    }
    SUBCASE("out-of-range settings clamp as Redis's quicklistSetFill") {
      CHECK(QuicklistLimits::of(-100).fill == -5);
      CHECK(QuicklistLimits::of(INT32_MIN).fill == -5);
      CHECK(QuicklistLimits::of(1000000).fill == 32767);
      CHECK(QuicklistLimits::of(7).fill == 7);
    }
    SUBCASE("limits are read at each insert: a list adopts a new setting") {
      List l;
      for (int i = 0; i < 100; ++i) REQUIRE(l.ql->push(l.mem, QuicklistLimits::of(-2), ListEnd::tail, "v"));
      CHECK(l.ql->node_count() == 1);
      const QuicklistLimits small = QuicklistLimits::of(3);
      for (int i = 0; i < 9; ++i) REQUIRE(l.ql->push(l.mem, small, ListEnd::tail, "w"));
      CHECK(l.ql->node_count() == 4);
      CHECK(l.ql->check());
    }
  }

  TEST_CASE("large elements sit alone in their node") {
    List l;
    const QuicklistLimits lim = QuicklistLimits::of(-2);
    const std::string big(20000, 'B');
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "a"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, big));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "b"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::head, big));
    CHECK(l.ql->node_count() == 4);
    CHECK(l.ql->check());
    CHECK(contents(*l.ql) == std::vector<std::string>{big, "a", big, "b"});
    // Not "plain": the packed threshold (1 GiB) is far away.
    for (const QuicklistNode* n = l.ql->head(); n != nullptr; n = n->next) CHECK_FALSE(n->plain);
    // An insert next to a big element does not go into its node.
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(2), true, "c"));
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(2), false, "d"));
    CHECK(contents(*l.ql) == std::vector<std::string>{big, "a", "d", big, "c", "b"});
    CHECK(l.ql->check());
    CHECK(nodes_within(*l.ql, lim));
  }

  TEST_CASE("plain nodes past the packed threshold") {
    List l;
    const QuicklistLimits lim = QuicklistLimits::of(-2, 10);
    const std::string big(10, 'P');
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "a"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, big));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "b"));
    REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "c"));
    CHECK(l.ql->node_count() == 3);
    CHECK(l.ql->head()->next->plain);
    // Inserting a plain value inside a packed node splits it around the new plain node.
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(2), true, std::string(12, 'Q')));
    CHECK(contents(*l.ql) == std::vector<std::string>{"a", big, "b", std::string(12, 'Q'), "c"});
    CHECK(l.ql->node_count() == 5);
    CHECK(l.ql->check());
    // Replacing a plain value with a small one makes it packed again; a small value becoming big
    // moves to a plain node.
    REQUIRE(l.ql->replace(l.mem, lim, 1, "s"));
    REQUIRE(l.ql->replace(l.mem, lim, 0, std::string(11, 'R')));
    CHECK(contents(*l.ql) == std::vector<std::string>{std::string(11, 'R'), "s", "b", std::string(12, 'Q'), "c"});
    CHECK(l.ql->head()->plain);
    CHECK(l.ql->check());
    // A plain value replaced by another plain value stays in place.
    REQUIRE(l.ql->replace(l.mem, lim, -2, std::string(13, 'S')));
    CHECK(contents(*l.ql)[3] == std::string(13, 'S'));
    // Merges never take plain nodes.
    REQUIRE(l.ql->erase_range(l.mem, 1, 2));
    CHECK(contents(*l.ql) == std::vector<std::string>{std::string(11, 'R'), std::string(13, 'S'), "c"});
    CHECK(l.ql->check());
  }

  TEST_CASE("insert into a full node splits it and merges neighbours") {
    List l;
    const QuicklistLimits lim = QuicklistLimits::of(4);
    std::deque<std::string> model;
    for (int i = 0; i < 12; ++i) {
      REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, std::to_string(i)));
      model.push_back(std::to_string(i));
    }
    CHECK(l.ql->node_count() == 3);
    // In the middle of a full node.
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(5), true, "x"));
    model.insert(model.begin() + 6, "x");
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(9), false, "y"));
    model.insert(model.begin() + 9, "y");
    // At a full node's edges: the neighbour or a new node takes it.
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(0), false, "h"));
    model.push_front("h");
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(-1), true, "t"));
    model.push_back("t");
    CHECK(contents(*l.ql) == as_vector(model));
    CHECK(reversed_contents(*l.ql) == as_vector(model));
    CHECK(l.ql->check());
    CHECK(nodes_within(*l.ql, lim));
    // Removing makes room: a split result merges back with a neighbour.
    const std::size_t nodes = l.ql->node_count();
    std::size_t removed = 0;
    REQUIRE(l.ql->remove_matching(l.mem, "x", 0, false, removed));
    CHECK(removed == 1);
    REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(2), true, "z"));
    model.erase(model.begin() + 7);
    model.insert(model.begin() + 3, "z");
    CHECK(contents(*l.ql) == as_vector(model));
    CHECK(l.ql->node_count() <= nodes + 1);
    CHECK(l.ql->check());
  }

  TEST_CASE("seek walks from the nearer end") {
    List l;
    const QuicklistLimits lim = QuicklistLimits::of(3);
    for (int i = 0; i < 100; ++i) REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, std::to_string(i)));
    for (int i = 0; i < 100; ++i) {
      CHECK(text(Quicklist::get(l.ql->seek(i))) == std::to_string(i));
      CHECK(text(Quicklist::get(l.ql->seek(i - 100))) == std::to_string(i));
    }
    CHECK_FALSE(l.ql->seek(100));
    CHECK_FALSE(l.ql->seek(-101));
    CHECK_FALSE(l.ql->seek(INT64_MIN));
    CHECK_FALSE(l.ql->seek(INT64_MAX));
  }

  TEST_CASE("erase_range, LTRIM-style pops, LREM and rotation") {
    List l;
    const QuicklistLimits lim = QuicklistLimits::of(5);
    std::deque<std::string> model;
    for (int i = 0; i < 40; ++i) {
      const std::string v = i % 3 == 0 ? "m" : std::to_string(i);
      REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, v));
      model.push_back(v);
    }
    REQUIRE(l.ql->erase_range(l.mem, 3, 9));  // across node boundaries
    model.erase(model.begin() + 3, model.begin() + 12);
    CHECK(contents(*l.ql) == as_vector(model));
    REQUIRE(l.ql->erase_range(l.mem, 29, 100));  // past the end
    model.erase(model.begin() + 29, model.end());
    CHECK(contents(*l.ql) == as_vector(model));
    CHECK(l.ql->check());

    std::size_t removed = 0;
    REQUIRE(l.ql->remove_matching(l.mem, "m", 2, true, removed));
    CHECK(removed == 2);
    int left = 2;
    for (auto it = model.end(); it != model.begin() && left > 0;) {
      --it;
      if (*it == "m") {
        it = model.erase(it);
        --left;
      }
    }
    CHECK(contents(*l.ql) == as_vector(model));
    REQUIRE(l.ql->remove_matching(l.mem, "m", 0, false, removed));
    model.erase(std::remove(model.begin(), model.end(), "m"), model.end());
    CHECK(contents(*l.ql) == as_vector(model));
    CHECK(l.ql->check());

    for (int i = 0; i < 7; ++i) {
      REQUIRE(l.ql->rotate(l.mem, lim, ListEnd::tail));
      model.push_front(model.back());
      model.pop_back();
    }
    REQUIRE(l.ql->rotate(l.mem, lim, ListEnd::head));
    model.push_back(model.front());
    model.pop_front();
    CHECK(contents(*l.ql) == as_vector(model));
    CHECK(l.ql->check());
  }

  TEST_CASE("rotation inside a single node moves bytes, not allocations") {
    List l;
    const QuicklistLimits lim;
    for (const char* v : {"1", "two", "3000000", "four"}) REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, v));
    const std::uint64_t allocations = l.mem.allocations();
    REQUIRE(l.ql->rotate(l.mem, lim, ListEnd::tail));
    CHECK(contents(*l.ql) == std::vector<std::string>{"four", "1", "two", "3000000"});
    REQUIRE(l.ql->rotate(l.mem, lim, ListEnd::head));
    REQUIRE(l.ql->rotate(l.mem, lim, ListEnd::head));
    CHECK(contents(*l.ql) == std::vector<std::string>{"two", "3000000", "four", "1"});
    CHECK(l.mem.allocations() == allocations);
    CHECK(l.ql->check());
  }

  TEST_CASE("pops at a node's head allocate nothing") {
    List l;
    const QuicklistLimits lim;
    for (int i = 0; i < 200; ++i) REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, "value-" + std::to_string(i)));
    const std::uint64_t allocations = l.mem.allocations();
    for (int i = 0; i < 100; ++i) REQUIRE(l.ql->pop(l.mem, ListEnd::head, 1));
    for (int i = 0; i < 50; ++i) REQUIRE(l.ql->pop(l.mem, ListEnd::tail, 1));
    CHECK(l.mem.allocations() == allocations);
    CHECK(text(l.ql->peek(ListEnd::head)) == "value-100");
    CHECK(l.ql->check());
  }

  TEST_CASE("erase_in_place restores the block when it cannot shrink") {
    BudgetAllocator a;
    Memory mem(a.hooks());
    std::uint8_t* lp = Listpack::create(mem);
    for (int i = 0; i < 10; ++i) lp = Listpack::append(mem, lp, Element::of("e" + std::to_string(i)));
    const std::size_t bytes = Listpack::bytes(lp);
    a.budget = 0;
    CHECK(Listpack::erase_in_place(mem, lp, Listpack::kHeaderSize, 3) == nullptr);
    CHECK(Listpack::bytes(lp) == bytes);
    CHECK(Listpack::length(lp) == 10);
    CHECK(text(Listpack::get(Listpack::first(lp))) == "e0");
    CHECK(text(Listpack::get(Listpack::last(lp))) == "e9");
    a.budget = -1;
    lp = Listpack::erase_in_place(mem, lp, Listpack::kHeaderSize, 3);
    REQUIRE(lp != nullptr);
    CHECK(Listpack::length(lp) == 7);
    CHECK(text(Listpack::get(Listpack::first(lp))) == "e3");
    // Past kInPlaceEraseMax bytes it takes erase()'s path.
    lp = Listpack::prepend(mem, lp, Element::of(std::string(300, 'z')));
    lp = Listpack::erase_in_place(mem, lp, Listpack::kHeaderSize, 2);
    REQUIRE(lp != nullptr);
    CHECK(text(Listpack::get(Listpack::first(lp))) == "e4");
    Listpack::destroy(mem, lp);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("clone and memory accounting") {
    Memory mem;
    const QuicklistLimits lim = QuicklistLimits::of(-1, 1000);
    Quicklist* ql = Quicklist::create(mem);
    for (int i = 0; i < 3000; ++i) REQUIRE(ql->push(mem, lim, ListEnd::tail, i % 500 == 0 ? std::string(2000, 'p') : std::to_string(i)));
    Quicklist* copy = ql->clone(mem);
    REQUIRE(copy != nullptr);
    CHECK(contents(*copy) == contents(*ql));
    CHECK(copy->node_count() == ql->node_count());
    CHECK(copy->check());
    CHECK(copy->memory_usage() == ql->memory_usage());
    CHECK(mem.used() == 2 * ql->memory_usage());
    Quicklist::destroy(mem, ql);
    Quicklist::destroy(mem, copy);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("random operations against a model") {
    for (int fill : {-2, -1, 1, 3, 16}) {
      for (std::size_t threshold : {std::size_t{1} << 30, std::size_t{40}}) {
        CAPTURE(fill);
        CAPTURE(threshold);
        microredis::Random rng(static_cast<std::uint64_t>(fill + 1000) * 7919 + threshold);
        List l;
        const QuicklistLimits lim = QuicklistLimits::of(fill, threshold);
        std::deque<std::string> model;
        auto value = [&]() {
          switch (rng.below(5)) {
            case 0: return std::to_string(static_cast<std::int64_t>(rng.next() % 2000) - 1000);
            case 1: return std::string(static_cast<std::size_t>(rng.below(80)), 'a' + static_cast<char>(rng.below(3)));
            case 2: return std::string(static_cast<std::size_t>(rng.below(3000)), 'L');
            default: return std::string(1, 'a' + static_cast<char>(rng.below(4)));
          }
        };
        for (int step = 0; step < 3000; ++step) {
          const auto len = static_cast<std::int64_t>(model.size());
          switch (rng.below(10)) {
            case 0:
            case 1: {
              const std::string v = value();
              const bool head = rng.below(2) == 0;
              REQUIRE(l.ql->push(l.mem, lim, head ? ListEnd::head : ListEnd::tail, v));
              head ? model.push_front(v) : model.push_back(v);
              break;
            }
            case 2: {
              const std::size_t n = static_cast<std::size_t>(rng.below(4));
              const bool head = rng.below(2) == 0;
              REQUIRE(l.ql->pop(l.mem, head ? ListEnd::head : ListEnd::tail, n));
              for (std::size_t i = 0; i < n && !model.empty(); ++i) head ? model.pop_front() : model.pop_back();
              break;
            }
            case 3: {
              if (len == 0) break;
              const auto i = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(len)));
              const bool after = rng.below(2) == 0;
              const std::string v = value();
              REQUIRE(l.ql->insert(l.mem, lim, l.ql->seek(i), after, v));
              model.insert(model.begin() + i + (after ? 1 : 0), v);
              break;
            }
            case 4: {
              if (len == 0) break;
              const auto i = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * len))) - len;
              const std::string v = value();
              REQUIRE(l.ql->replace(l.mem, lim, i, v));
              model[static_cast<std::size_t>(i < 0 ? i + len : i)] = v;
              break;
            }
            case 5: {
              if (len == 0 || rng.below(4) != 0) break;
              const auto start = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(len)));
              const auto n = static_cast<std::size_t>(rng.below(20));
              REQUIRE(l.ql->erase_range(l.mem, start, n));
              model.erase(model.begin() + static_cast<std::ptrdiff_t>(start),
                          model.begin() + static_cast<std::ptrdiff_t>(std::min(model.size(), start + n)));
              break;
            }
            case 6: {
              const std::string v(1, 'a' + static_cast<char>(rng.below(4)));
              const std::size_t limit = static_cast<std::size_t>(rng.below(4));
              const bool from_tail = rng.below(2) == 0;
              std::size_t removed = 0;
              REQUIRE(l.ql->remove_matching(l.mem, v, limit, from_tail, removed));
              std::size_t expect = 0;
              if (from_tail) {
                for (auto it = model.end(); it != model.begin() && (limit == 0 || expect < limit);) {
                  --it;
                  if (*it == v) {
                    it = model.erase(it);
                    ++expect;
                  }
                }
              } else {
                for (auto it = model.begin(); it != model.end() && (limit == 0 || expect < limit);) {
                  if (*it == v) {
                    it = model.erase(it);
                    ++expect;
                  } else {
                    ++it;
                  }
                }
              }
              CHECK(removed == expect);
              break;
            }
            case 7: {
              if (len == 0) break;
              const bool from_tail = rng.below(2) == 0;
              REQUIRE(l.ql->rotate(l.mem, lim, from_tail ? ListEnd::tail : ListEnd::head));
              if (from_tail) {
                model.push_front(model.back());
                model.pop_back();
              } else {
                model.push_back(model.front());
                model.pop_front();
              }
              break;
            }
            default: {
              if (len == 0) break;
              const auto i = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(len)));
              REQUIRE(l.ql->seek(i));
              CHECK(text(Quicklist::get(l.ql->seek(i))) == model[static_cast<std::size_t>(i)]);
              break;
            }
          }
          REQUIRE(l.ql->length() == model.size());
          if (step % 50 == 0) {
            REQUIRE(l.ql->check());
            REQUIRE(contents(*l.ql) == as_vector(model));
            REQUIRE(reversed_contents(*l.ql) == as_vector(model));
          }
        }
        CHECK(l.ql->check());
        CHECK(contents(*l.ql) == as_vector(model));
      }
    }
  }

  TEST_CASE("out of memory at every allocation leaves the list as it was") {
    // Each operation runs with a budget of 0, 1, 2... allocations until it succeeds; every failed
    // attempt must leave the same list behind, and no memory.
    const QuicklistLimits lim = QuicklistLimits::of(4, 50);
    auto fresh = [&](List& l) {
      for (int i = 0; i < 14; ++i) {
        const std::string v = i == 5 ? std::string(60, 'P') : (i % 4 == 0 ? "m" : "v" + std::to_string(i));
        REQUIRE(l.ql->push(l.mem, lim, ListEnd::tail, v));
      }
    };
    using Op = std::function<bool(List&)>;
    const std::vector<std::pair<const char*, Op>> ops = {
        {"push head", [&](List& l) { return l.ql->push(l.mem, lim, ListEnd::head, "new"); }},
        {"push tail big", [&](List& l) { return l.ql->push(l.mem, lim, ListEnd::tail, std::string(70, 'B')); }},
        {"pop head 6", [&](List& l) { return l.ql->pop(l.mem, ListEnd::head, 6); }},
        {"pop tail 2", [&](List& l) { return l.ql->pop(l.mem, ListEnd::tail, 2); }},
        {"insert split", [&](List& l) { return l.ql->insert(l.mem, lim, l.ql->seek(9), true, "ins"); }},
        {"insert before", [&](List& l) { return l.ql->insert(l.mem, lim, l.ql->seek(1), false, "ins"); }},
        {"insert plain", [&](List& l) { return l.ql->insert(l.mem, lim, l.ql->seek(1), true, std::string(80, 'Q')); }},
        {"replace in place", [&](List& l) { return l.ql->replace(l.mem, lim, 2, "replaced-value"); }},
        {"replace to plain", [&](List& l) { return l.ql->replace(l.mem, lim, 2, std::string(90, 'R')); }},
        {"replace plain", [&](List& l) { return l.ql->replace(l.mem, lim, 5, "small"); }},
        {"rotate tail", [&](List& l) { return l.ql->rotate(l.mem, lim, ListEnd::tail); }},
        {"rotate head", [&](List& l) { return l.ql->rotate(l.mem, lim, ListEnd::head); }},
        {"erase range in node", [&](List& l) { return l.ql->erase_range(l.mem, 7, 2); }},
        {"replace packed past the limits",
         [&](List& l) { return l.ql->replace(l.mem, QuicklistLimits::of(4), 1, std::string(9000, 'W')); }},
        {"replace first to plain", [&](List& l) { return l.ql->replace(l.mem, lim, 6, std::string(90, 'R')); }},
        {"replace last to plain", [&](List& l) { return l.ql->replace(l.mem, lim, -1, std::string(90, 'R')); }},
    };
    for (const auto& [op_name, op] : ops) {
      const std::string name = op_name;
      CAPTURE(name);
      std::vector<std::string> expected;
      {
        List l;
        fresh(l);
        REQUIRE(op(l));
        expected = contents(*l.ql);
      }
      bool done = false;
      for (long budget = 0; budget < 50 && !done; ++budget) {
        CAPTURE(budget);
        BudgetAllocator a;
        {
          List l(a.hooks());
          fresh(l);
          const std::vector<std::string> before = contents(*l.ql);
          a.budget = budget;
          done = op(l);
          a.budget = -1;
          REQUIRE(l.ql->check());
          CHECK(contents(*l.ql) == (done ? expected : before));
        }
      }
      CHECK(done);
    }
  }
}
