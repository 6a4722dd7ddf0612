// The compact encodings: Listpack and Intset, tested as data structures (no commands).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness.hpp"
#include "microredis/store/intset.hpp"
#include "microredis/store/listpack.hpp"

using microredis::Element;
using microredis::ElementText;
using microredis::Intset;
using microredis::Listpack;
using microredis::Memory;
using mrtest::FailingAllocator;

namespace {

std::string text_of(const Element& e) {
  ElementText buf;
  return std::string(e.text(buf));
}

// Every element, read front to back and (to check backlen) back to front.
std::vector<std::string> elements(const std::uint8_t* lp) {
  std::vector<std::string> forward;
  for (const std::uint8_t* p = Listpack::first(lp); p != nullptr; p = Listpack::next(lp, p)) {
    forward.push_back(text_of(Listpack::get(p)));
  }
  std::vector<std::string> backward;
  for (const std::uint8_t* p = Listpack::last(lp); p != nullptr; p = Listpack::prev(lp, p)) {
    backward.insert(backward.begin(), text_of(Listpack::get(p)));
  }
  CHECK(forward == backward);
  CHECK(Listpack::length(lp) == forward.size());
  return forward;
}

std::uint8_t* append_all(Memory& mem, std::uint8_t* lp, const std::vector<std::string>& items) {
  for (const std::string& s : items) {
    lp = Listpack::append(mem, lp, Element::of(s));
    REQUIRE(lp != nullptr);
  }
  return lp;
}

std::vector<std::int64_t> members(const Intset* is) {
  std::vector<std::int64_t> v;
  for (std::size_t i = 0; i < is->length(); ++i) v.push_back(is->at(i));
  return v;
}

}  // namespace

TEST_SUITE("listpack") {
  TEST_CASE("elements round-trip through every integer and string encoding") {
    Memory mem;
    std::uint8_t* lp = Listpack::create(mem);
    REQUIRE(lp != nullptr);
    CHECK(Listpack::empty(lp));
    CHECK(Listpack::first(lp) == nullptr);
    CHECK(Listpack::last(lp) == nullptr);
    const std::vector<std::string> items = {
        "0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768", "8388607", "-8388608",
        "8388608", "2147483647", "-2147483648", "2147483648", "9223372036854775807", "-9223372036854775808",
        // not canonical integers: stay strings
        "9223372036854775808", "007", "+1", "-0", " 1", "1 ", "", "x", std::string(63, 'a'), std::string(64, 'b'),
        std::string(4095, 'c'), std::string(4096, 'd'), std::string(70000, 'e')};
    lp = append_all(mem, lp, items);
    CHECK(elements(lp) == items);
    // Integers come back as integers, the others as strings.
    CHECK(Listpack::get(Listpack::first(lp)).is_int());
    CHECK(Listpack::get(Listpack::seek(lp, 18)).is_int());
    CHECK_FALSE(Listpack::get(Listpack::seek(lp, 19)).is_int());
    CHECK_FALSE(Listpack::get(Listpack::seek(lp, 20)).is_int());
    CHECK(Listpack::get(Listpack::seek(lp, 18)).num == INT64_MIN);
    CHECK(text_of(Listpack::get(Listpack::seek(lp, -1))) == std::string(70000, 'e'));
    CHECK(Listpack::seek(lp, static_cast<std::int64_t>(items.size())) == nullptr);
    CHECK(Listpack::seek(lp, -static_cast<std::int64_t>(items.size()) - 1) == nullptr);
    Listpack::destroy(mem, lp);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("element sizes are Redis's: 1-byte headers and backlens for small elements") {
    CHECK(Listpack::encoded_size(Element::of("field:0")) == 9);   // header + 7 bytes + backlen
    CHECK(Listpack::encoded_size(Element::of("v:000000")) == 10);
    CHECK(Listpack::encoded_size(Element::of("5")) == 2);          // 7-bit integer + backlen
    CHECK(Listpack::encoded_size(Element::of("-100")) == 3);       // 13-bit integer
    CHECK(Listpack::encoded_size(Element::of("100000")) == 5);     // 24-bit integer
    CHECK(Listpack::encoded_size(Element::of(std::string(127, 'x'))) == 2 + 127 + 2);
    Memory mem;
    std::uint8_t* lp = Listpack::create(mem);
    lp = append_all(mem, lp, {"field:0", "v:000000"});
    CHECK(Listpack::bytes(lp) == Listpack::kHeaderSize + 19);
    CHECK(mem.used() == Listpack::bytes(lp));
    Listpack::destroy(mem, lp);
  }

  TEST_CASE("insert, replace and erase at any position") {
    Memory mem;
    std::uint8_t* lp = append_all(mem, Listpack::create(mem), {"a", "b", "c"});
    // Insert before the second element, at the front and at the end.
    lp = Listpack::insert(mem, lp, Listpack::offset(lp, Listpack::seek(lp, 1)), Element::of("x"));
    lp = Listpack::prepend(mem, lp, Element::of("1000"));
    lp = Listpack::insert(mem, lp, Listpack::bytes(lp), Element::of("z"));
    CHECK(elements(lp) == std::vector<std::string>{"1000", "a", "x", "b", "c", "z"});
    // Several at once.
    const Element pair[2] = {Element::of("k"), Element::of("12")};
    lp = Listpack::insert(mem, lp, Listpack::offset(lp, Listpack::seek(lp, 2)), pair, 2);
    CHECK(elements(lp) == std::vector<std::string>{"1000", "a", "k", "12", "x", "b", "c", "z"});
    // Replace with a bigger, a smaller and an equal-size element.
    lp = Listpack::replace(mem, lp, Listpack::offset(lp, Listpack::seek(lp, 1)), Element::of(std::string(100, 'A')));
    lp = Listpack::replace(mem, lp, Listpack::offset(lp, Listpack::seek(lp, 0)), Element::of("y"));
    lp = Listpack::replace(mem, lp, Listpack::offset(lp, Listpack::seek(lp, -1)), Element::of("w"));
    CHECK(elements(lp) == std::vector<std::string>{"y", std::string(100, 'A'), "k", "12", "x", "b", "c", "w"});
    CHECK(mem.used() == Listpack::bytes(lp));
    // Erase in the middle, at the front, at the end, and past the end.
    lp = Listpack::erase(mem, lp, Listpack::offset(lp, Listpack::seek(lp, 2)), 2);
    CHECK(elements(lp) == std::vector<std::string>{"y", std::string(100, 'A'), "x", "b", "c", "w"});
    lp = Listpack::erase(mem, lp, Listpack::kHeaderSize, 1);
    lp = Listpack::erase(mem, lp, Listpack::offset(lp, Listpack::last(lp)), 5);
    CHECK(elements(lp) == std::vector<std::string>{std::string(100, 'A'), "x", "b", "c"});
    CHECK(mem.used() == Listpack::bytes(lp));
    lp = Listpack::erase(mem, lp, Listpack::kHeaderSize, 100);
    CHECK(Listpack::empty(lp));
    CHECK(Listpack::length(lp) == 0);
    Listpack::destroy(mem, lp);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("find compares integers as numbers and strings as bytes, stepping over values") {
    Memory mem;
    std::uint8_t* lp = append_all(mem, Listpack::create(mem), {"f1", "12", "12", "v2", "007", "x", "", "e"});
    const std::uint8_t* first = Listpack::first(lp);
    CHECK(Listpack::find(lp, first, "12") == Listpack::seek(lp, 1));
    CHECK(Listpack::find(lp, first, "12", 1) == Listpack::seek(lp, 2));  // fields only: index 2
    CHECK(Listpack::find(lp, first, "v2", 1) == nullptr);                // a value, not a field
    CHECK(Listpack::find(lp, first, "007", 1) == Listpack::seek(lp, 4));
    CHECK(Listpack::find(lp, first, "7", 1) == nullptr);
    CHECK(Listpack::find(lp, first, "", 1) == Listpack::seek(lp, 6));
    CHECK(Listpack::find(lp, first, "+12") == nullptr);
    CHECK(Listpack::get(Listpack::seek(lp, 1)).equals("12"));
    CHECK_FALSE(Listpack::get(Listpack::seek(lp, 1)).equals("012"));
    Listpack::destroy(mem, lp);
  }

  TEST_CASE("element count saturates at 65535 and is then counted by walking") {
    Memory mem;
    std::uint8_t* lp = Listpack::create(mem);
    std::vector<Element> many(70000, Element::of_int(1));
    lp = Listpack::insert(mem, lp, Listpack::bytes(lp), many.data(), many.size());
    REQUIRE(lp != nullptr);
    CHECK(Listpack::length(lp) == 70000);
    lp = Listpack::erase(mem, lp, Listpack::kHeaderSize, 10000);
    CHECK(Listpack::length(lp) == 60000);
    lp = Listpack::append(mem, lp, Element::of("x"));
    CHECK(Listpack::length(lp) == 60001);
    CHECK(text_of(Listpack::get(Listpack::last(lp))) == "x");
    Listpack::destroy(mem, lp);
  }

  TEST_CASE("a failed allocation leaves the listpack untouched") {
    FailingAllocator alloc;
    Memory mem(alloc.hooks());
    std::uint8_t* lp = append_all(mem, Listpack::create(mem), {"a", "b", "c", "d"});
    const std::vector<std::string> before = elements(lp);
    alloc.fail_from(1);
    CHECK(Listpack::append(mem, lp, Element::of("e")) == nullptr);
    CHECK(Listpack::replace(mem, lp, Listpack::kHeaderSize, Element::of(std::string(50, 'x'))) == nullptr);
    CHECK(Listpack::replace(mem, lp, Listpack::offset(lp, Listpack::seek(lp, 1)), Element::of("bb")) == nullptr);
    CHECK(Listpack::erase(mem, lp, Listpack::kHeaderSize, 1) == nullptr);
    CHECK(elements(lp) == before);
    alloc.heal();
    Listpack::destroy(mem, lp);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("intset keeps integers sorted and upgrades its width") {
    Memory mem;
    Intset* is = Intset::create(mem);
    REQUIRE(is != nullptr);
    bool changed = false;
    for (std::int64_t v : {5, 1, 3, -2, 3}) is = Intset::add(mem, is, v, changed);
    CHECK_FALSE(changed);  // the second 3
    CHECK(members(is) == std::vector<std::int64_t>{-2, 1, 3, 5});
    CHECK(is->width() == 2);
    CHECK(is->bytes() == 4 + 4 * 2);
    CHECK(mem.used() == is->bytes());
    is = Intset::add(mem, is, 70000, changed);  // upgrade to 32 bits, appended
    CHECK(changed);
    CHECK(is->width() == 4);
    is = Intset::add(mem, is, INT64_MIN, changed);  // upgrade to 64 bits, prepended
    CHECK(is->width() == 8);
    CHECK(members(is) == std::vector<std::int64_t>{INT64_MIN, -2, 1, 3, 5, 70000});
    CHECK(is->contains(70000));
    CHECK(is->contains(INT64_MIN));
    CHECK_FALSE(is->contains(4));
    CHECK_FALSE(is->contains(INT64_MAX));
    // Removal never downgrades.
    is = Intset::remove(mem, is, INT64_MIN, changed);
    CHECK(changed);
    is = Intset::remove(mem, is, 70000, changed);
    is = Intset::remove(mem, is, 42, changed);
    CHECK_FALSE(changed);
    CHECK(members(is) == std::vector<std::int64_t>{-2, 1, 3, 5});
    CHECK(is->width() == 8);
    CHECK(mem.used() == is->bytes());
    microredis::Random rng(7);
    for (int i = 0; i < 20; ++i) CHECK(is->contains(is->random(rng)));
    Intset* copy = Intset::clone(mem, is);
    CHECK(members(copy) == members(is));
    Intset::destroy(mem, copy);
    Intset::destroy(mem, is);
    CHECK(mem.used() == 0);
  }

  TEST_CASE("intset: values narrower than the array are found, wider ones never are") {
    Memory mem;
    Intset* is = Intset::create(mem);
    bool changed = false;
    is = Intset::add(mem, is, 32767, changed);
    is = Intset::add(mem, is, -32768, changed);
    CHECK(is->width() == 2);
    CHECK_FALSE(is->contains(32768));
    CHECK_FALSE(is->contains(-32769));
    is = Intset::add(mem, is, 2147483647, changed);
    CHECK(is->width() == 4);
    CHECK(is->contains(32767));
    CHECK_FALSE(is->contains(2147483648));
    CHECK(members(is) == std::vector<std::int64_t>{-32768, 32767, 2147483647});
    Intset::destroy(mem, is);
  }

  TEST_CASE("intset: a failed allocation leaves the set untouched") {
    FailingAllocator alloc;
    Memory mem(alloc.hooks());
    Intset* is = Intset::create(mem);
    bool changed = false;
    for (std::int64_t v : {1, 2, 3}) is = Intset::add(mem, is, v, changed);
    alloc.fail_from(1);
    CHECK(Intset::add(mem, is, 4, changed) == nullptr);
    CHECK(Intset::add(mem, is, 1LL << 40, changed) == nullptr);
    CHECK(Intset::remove(mem, is, 2, changed) == nullptr);
    CHECK(members(is) == std::vector<std::int64_t>{1, 2, 3});
    CHECK(Intset::add(mem, is, 2, changed) == is);  // already there: no allocation needed
    alloc.heal();
    Intset::destroy(mem, is);
    CHECK(mem.used() == 0);
  }
}
