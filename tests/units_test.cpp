// sim/units: duration strings parsed exactly, and printed for humans.
#include "units.hpp"

#include <doctest/doctest.h>

#include <limits>

using gilsim::DurationProblem;
using gilsim::format_duration;
using gilsim::Nanos;
using gilsim::parse_duration;
using gilsim::parse_duration_checked;

TEST_CASE("parse_duration reads each unit") {
  CHECK(parse_duration("100ns") == Nanos{100});
  CHECK(parse_duration("200us") == Nanos{200'000});
  CHECK(parse_duration("5ms") == Nanos{5'000'000});
  CHECK(parse_duration("2s") == Nanos{2'000'000'000});
}

TEST_CASE("parse_duration reads decimals exactly") {
  CHECK(parse_duration("1.5s") == Nanos{1'500'000'000});
  CHECK(parse_duration("0.25ms") == Nanos{250'000});
  CHECK(parse_duration("0.1s") == Nanos{100'000'000});
  CHECK(parse_duration("0.000000001s") == Nanos{1});
  CHECK(parse_duration("1.001us") == Nanos{1'001});
  CHECK(parse_duration("12.345678ms") == Nanos{12'345'678});
}

TEST_CASE("parse_duration ignores trailing zeros of the fraction") {
  CHECK(parse_duration("1.5000000000000000000s") == Nanos{1'500'000'000});
  CHECK(parse_duration("7.000ns") == Nanos{7});
}

TEST_CASE("parse_duration allows one space before the unit") {
  CHECK(parse_duration("5 ms") == Nanos{5'000'000});
  CHECK(parse_duration("1.5 s") == Nanos{1'500'000'000});
  CHECK_FALSE(parse_duration("5  ms"));
}

TEST_CASE("parse_duration accepts zero and leading zeros") {
  CHECK(parse_duration("0s") == Nanos{0});
  CHECK(parse_duration("0ns") == Nanos{0});
  CHECK(parse_duration("007ms") == Nanos{7'000'000});
}

TEST_CASE("parse_duration rejects malformed text as syntax") {
  for (const char* text :
       {"",     "ms",    "5",    "5.",    ".5ms",   "5.ms", "5m",  "5 sec",  "5MS",   " 5ms",
        "5ms ", "5\tms", "+5ms", "1e3ms", "5 ms s", "1,5s", "5µs", "0x10ns", "--5ms", "-ms"}) {
    CAPTURE(text);
    CHECK(parse_duration_checked(text).problem == DurationProblem::syntax);
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("parse_duration rejects negatives") {
  CHECK(parse_duration_checked("-5ms").problem == DurationProblem::negative);
  CHECK(parse_duration_checked("-0s").problem == DurationProblem::negative);
  CHECK_FALSE(parse_duration("-1.5s"));
}

TEST_CASE("parse_duration rejects a fraction of a nanosecond") {
  for (const char* text : {"0.5ns", "1.0001us", "0.0000001ms", "1.0000000001s"}) {
    CAPTURE(text);
    CHECK(parse_duration_checked(text).problem == DurationProblem::not_whole_ns);
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("parse_duration rejects values beyond the range of Nanos") {
  const Nanos max = std::numeric_limits<Nanos>::max();
  CHECK(parse_duration("9223372036854775807ns") == max);
  CHECK(parse_duration("9223372036.854775807s") == max);
  for (const char* text : {"9223372036854775808ns", "9223372037s", "9223372036.854775808s",
                           "99999999999999999999999999s"}) {
    CAPTURE(text);
    CHECK(parse_duration_checked(text).problem == DurationProblem::overflow);
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("format_duration picks the largest unit that reads at least 1") {
  CHECK(format_duration(5 * gilsim::kMilli) == "5 ms");
  CHECK(format_duration(1'500'000'000) == "1.5 s");
  CHECK(format_duration(200'000) == "200 us");
  CHECK(format_duration(12'345'000) == "12.345 ms");
  CHECK(format_duration(999) == "999 ns");
  CHECK(format_duration(1) == "1 ns");
  CHECK(format_duration(3600 * gilsim::kSecond) == "3600 s");
}

TEST_CASE("format_duration prints zero as 0 s") { CHECK(format_duration(0) == "0 s"); }

TEST_CASE("format_duration rounds to three decimals, half up, and strips zeros") {
  CHECK(format_duration(12'345'678) == "12.346 ms");
  CHECK(format_duration(12'345'499) == "12.345 ms");
  CHECK(format_duration(12'345'500) == "12.346 ms");
  CHECK(format_duration(1'000'100) == "1 ms");
  CHECK(format_duration(1'050'000) == "1.05 ms");
  CHECK(format_duration(1'001) == "1.001 us");
}

TEST_CASE("format_duration moves up a unit when rounding reaches 1000") {
  CHECK(format_duration(999'999'600) == "1 s");
  CHECK(format_duration(999'999) == "1 ms");
  CHECK(format_duration(999'499) == "999.499 us");
}

TEST_CASE("format_duration prints negative values with a minus sign") {
  CHECK(format_duration(-5 * gilsim::kMilli) == "-5 ms");
  CHECK(format_duration(std::numeric_limits<Nanos>::min()) == "-9223372036.855 s");
  CHECK(format_duration(std::numeric_limits<Nanos>::max()) == "9223372036.855 s");
}

TEST_CASE("format_duration output parses back when it is exact") {
  for (Nanos t : {Nanos{1}, Nanos{250'000}, Nanos{1'500'000'000}, Nanos{12'345'000}}) {
    CAPTURE(t);
    std::string text = format_duration(t);
    CHECK(parse_duration(text) == t);
  }
}

using namespace gilsim;

TEST_CASE("format_duration_exact writes the largest unit with every digit, and reads back") {
  CHECK(format_duration_exact(0) == "0ms");
  CHECK(format_duration_exact(1) == "1ns");
  CHECK(format_duration_exact(2 * kMicro) == "2us");
  CHECK(format_duration_exact(3'300'000) == "3.3ms");
  CHECK(format_duration_exact(80'600'001) == "80.600001ms");
  CHECK(format_duration_exact(90 * kSecond + 1) == "90.000000001s");
  for (Nanos t : {Nanos{1}, Nanos{999}, Nanos{1'000'001}, Nanos{123'456'789'012}}) {
    CAPTURE(t);
    CHECK(parse_duration(format_duration_exact(t)) == t);
  }
}

TEST_CASE("percentages are exact parts per million") {
  CHECK(parse_percent("40%") == 400'000);
  CHECK(parse_percent("12.5%") == 125'000);
  CHECK(parse_percent("0.0001%") == 1);
  CHECK(parse_percent("1000%") == 10'000'000);
  for (const char* bad : {"40", "%", "-5%", "0.00001%", "1000.1%", "5 %", ".5%", "5.%", "1e2%"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_percent(bad));
  }
  CHECK(format_percent(400'000) == "40%");
  CHECK(format_percent(125'000) == "12.5%");
  CHECK(format_percent(1) == "0.0001%");
}
