// What the program does under each strategy, as the Python a user would write: the main
// process and its main thread, and from there pools, loops and more processes.
#pragma once

#include "world.hpp"

namespace gilsim {

// Makes the main process ("MainProcess") and runs the program's strategy in its main thread.
void start_program(World& world);

}  // namespace gilsim
