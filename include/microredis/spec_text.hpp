// SpecText: the string type of the declarative tables (CommandSpec, ConfigSpec).
#pragma once

#include <cstddef>
#include <string_view>

#include "config.hpp"

namespace microredis {

// A string_view made from a string literal without calling char_traits::length, so that arrays of
// specs holding them are constant-initialized. GCC 12 initializes `const` arrays whose
// string_views come from literals at run time instead (static constructors, the tables copied to
// RAM): on a microcontroller that is ~18 KB of RAM for the command tables and ~26 KB of start-up
// code that keeps every handler alive for the linker, whatever feature groups were left out.
struct SpecText : std::string_view {
  constexpr SpecText() = default;
  template <std::size_t N>
  constexpr SpecText(const char (&literal)[N]) : std::string_view(literal, N - 1) {}
  constexpr SpecText(std::string_view s) : std::string_view(s) {}
};

// DocText: text only COMMAND DOCS shows (argument grammar, complexity). Built without
// MICROREDIS_WITH_COMMAND_DOCS it keeps nothing, so the literals of every table are not emitted at
// all (about 13 KB of flash with every group), and the command files need no #if of their own.
struct DocText : SpecText {
  constexpr DocText() = default;
  template <std::size_t N>
  constexpr DocText(const char (&literal)[N]) : SpecText(MICROREDIS_WITH_COMMAND_DOCS ? SpecText(literal) : SpecText()) {}
  constexpr DocText(std::string_view s) : SpecText(MICROREDIS_WITH_COMMAND_DOCS ? s : std::string_view()) {}
};

}  // namespace microredis
