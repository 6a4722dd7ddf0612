#include "microredis/util/glob.hpp"

#include "microredis/config.hpp"

namespace microredis {

namespace detail {

inline int fold(int c, bool nocase) {
  return (nocase && c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

// Matches one pattern token starting at p against c; returns the token length, or 0 for no match.
inline std::size_t glob_token(std::string_view pat, std::size_t p, unsigned char c, bool nocase) {
  const std::size_t m = pat.size();
  char t = pat[p];
  if (t == '?') return 1;
  if (t == '[') {
    std::size_t i = p + 1;
    bool negate = i < m && pat[i] == '^';
    if (negate) ++i;
    bool match = false;
    while (i < m && pat[i] != ']') {
      if (pat[i] == '\\' && m - i >= 2) {
        ++i;
        if (static_cast<unsigned char>(pat[i]) == c) match = true;
      } else if (m - i >= 3 && pat[i + 1] == '-') {
        int lo = static_cast<unsigned char>(pat[i]);
        int hi = static_cast<unsigned char>(pat[i + 2]);
        if (lo > hi) {
          int tmp = lo;
          lo = hi;
          hi = tmp;
        }
        // Redis orders the bounds before folding case, so with nocase "[Z-a]" matches nothing.
        lo = fold(lo, nocase);
        hi = fold(hi, nocase);
        int x = fold(c, nocase);
        if (x >= lo && x <= hi) match = true;
        i += 2;
      } else if (fold(static_cast<unsigned char>(pat[i]), nocase) == fold(c, nocase)) {
        match = true;
      }
      ++i;
    }
    // An unclosed class runs to the end of the pattern.
    std::size_t len = (i < m ? i + 1 : m) - p;
    return match != negate ? len : 0;
  }
  std::size_t len = 1;
  if (t == '\\' && m - p >= 2) {
    t = pat[p + 1];
    len = 2;
  }
  return fold(static_cast<unsigned char>(t), nocase) == fold(c, nocase) ? len : 0;
}

}  // namespace detail

MICROREDIS_INLINE bool glob_match(std::string_view pat, std::string_view str, bool nocase) {
  // stringmatchlen's loop never runs for an empty string, so only an empty pattern matches it.
  if (str.empty()) return pat.empty();
  constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::size_t p = 0, s = 0, star_p = npos, star_s = 0;
  const std::size_t m = pat.size(), n = str.size();
  while (s < n) {
    if (p < m && pat[p] == '*') {
      while (p < m && pat[p] == '*') ++p;
      if (p == m) return true;
      star_p = p;
      star_s = s;
      continue;
    }
    if (p < m) {
      std::size_t len = detail::glob_token(pat, p, static_cast<unsigned char>(str[s]), nocase);
      if (len != 0) {
        p += len;
        ++s;
        continue;
      }
    }
    if (star_p == npos) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < m && pat[p] == '*') ++p;
  return p == m;
}

}  // namespace microredis
