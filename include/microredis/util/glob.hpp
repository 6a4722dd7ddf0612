// Glob-style matching with the semantics of Redis's stringmatchlen (KEYS, SCAN MATCH, PSUBSCRIBE):
// '*', '?', '[abc]', '[^a]', '[a-z]' (bounds in either order), '\' escapes, an unclosed '['
// running to the end of the pattern. Like stringmatchlen, an empty string matches only the empty
// pattern: "*" does not match "" (PUBLISH "" reaches no PSUBSCRIBE * client). KEYS and SCAN do not
// call the matcher at all for the pattern "*", which is how they list an empty key: callers do
// the same. Range bounds compare as unsigned bytes (Redis compares plain chars, which are signed
// on x86 and unsigned on ARM; only ranges with a bound above 0x7f differ).
#pragma once

#include <cstddef>
#include <string_view>

namespace microredis {

// Iterative matching with one backtrack point per '*': every token other than '*' consumes exactly
// one character, so remembering the last star is enough, and time is O(pattern x string) at worst
// (no exponential blow-up on patterns such as "a*a*a*a*b").
bool glob_match(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace microredis
