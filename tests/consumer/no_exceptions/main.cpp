#include "common.hpp"

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(__cpp_rtti) || defined(__GXX_RTTI)
#error "this program must be built with -fno-exceptions -fno-rtti"
#endif
static_assert(MICROREDIS_HAS_EXCEPTIONS == 0, "config.hpp must detect the missing exceptions");

int main() { return consumer::exercise_engine("no_exceptions consumer"); }
