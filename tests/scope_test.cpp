// --trace-window and --trace-threads: what they accept, what they refuse, what they pick.
#include "scope.hpp"

#include <doctest/doctest.h>

#include "gilsim/error.hpp"

using namespace gilsim;

TEST_CASE("a window is START:END, either end may be left out") {
  const Window w = parse_window("--trace-window", "1s:1.25s");
  CHECK(w.from == kSecond);
  CHECK(w.to == 1'250'000'000);
  CHECK(w.contains(kSecond));
  CHECK_FALSE(w.contains(1'250'000'000));  // half-open: END is outside
  CHECK(parse_window("--trace-window", "2ms:").to == kNever);
  CHECK(parse_window("--trace-window", ":50ms").from == 0);
  CHECK(parse_window("--trace-window", "0:50ms").to == 50 * kMilli);
  CHECK(parse_window("--trace-window", ":").whole());
}

TEST_CASE("a bad window says which rule it broke and names the option") {
  auto message = [](const char* text) {
    try {
      parse_window("--trace-window", text);
    } catch (const UserError& e) {
      CHECK(e.where == "--trace-window");
      CHECK_FALSE(e.hint.empty());
      return e.what_wrong;
    }
    return std::string("accepted");
  };
  CHECK(message("50ms") == "\"50ms\" is not START:END");
  CHECK(message("1x:2ms") == "\"1x\" is not a duration");
  CHECK(message("5ms:1ms") == "the window \"5ms:1ms\" ends before it starts");
  CHECK(message("5ms:5ms") == "the window \"5ms:5ms\" ends before it starts");
  CHECK(message("-1ms:5ms") == "\"-1ms\" is not a duration");
}

TEST_CASE("threads are picked by name, pattern or Process/Thread") {
  ThreadSelection all;
  CHECK(all.admit("MainProcess", "anything"));

  ThreadSelection some("--trace-threads", "io, ThreadPoolExecutor-0_*,ForkProcess-1/MainThread");
  CHECK(some.admit("MainProcess", "io"));
  CHECK(some.admit("MainProcess", "ThreadPoolExecutor-0_12"));
  CHECK_FALSE(some.admit("MainProcess", "MainThread"));
  CHECK(some.admit("ForkProcess-1", "MainThread"));
  CHECK_NOTHROW(some.check("threads"));

  ThreadSelection slash("--trace-threads", "Main*");  // * does not cross the '/'
  CHECK_FALSE(slash.admit("MainProcess", "spinner"));
}

TEST_CASE("a pattern that matched no thread is an error listing the threads") {
  ThreadSelection some("--trace-threads", "io,nobody");
  some.admit("MainProcess", "MainThread");
  some.admit("MainProcess", "io");
  try {
    some.check("program");
    FAIL("no error");
  } catch (const UserError& e) {
    CHECK(e.what_wrong == "no thread of the program run is called \"nobody\"");
    CHECK(e.hint.find("MainThread, io") != std::string::npos);
  }
  CHECK_THROWS_AS(ThreadSelection("--trace-threads", "io,,x"), UserError);
}
