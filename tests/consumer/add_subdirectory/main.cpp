#include "common.hpp"

int main() { return consumer::exercise_engine("add_subdirectory consumer"); }
