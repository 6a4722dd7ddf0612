#include "common.hpp"

int second_translation_unit() { return consumer::exercise_engine("header_only consumer (second translation unit)"); }
