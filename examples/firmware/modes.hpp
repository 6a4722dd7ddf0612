// The firmware's modes; main() picks one from the semihosting command line.
#pragma once

#include "arena.hpp"

namespace firmware {

// Runs every command group through Engine::execute (and sessions, for pub/sub and blocking) and
// prints a PASS/FAIL line per group over semihosting. Returns the exit status (0: all passed).
int run_selftest(Arena& arena);
// Prints the memory figures benchmarks/footprint collects ("FOOTPRINT name value" lines).
int run_footprint(Arena& arena);
// Serves redis-cli on UART0 until the board is switched off.
int run_serve(Arena& arena);

}  // namespace firmware
