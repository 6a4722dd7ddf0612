#include "common.hpp"

int second_translation_unit();

int main() {
  return consumer::exercise_engine("header_only consumer (first translation unit)") + second_translation_unit();
}
