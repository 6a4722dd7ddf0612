#include "common.hpp"

int main() { return consumer::exercise_engine("find_package consumer"); }
