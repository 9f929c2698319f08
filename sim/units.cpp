// Duration strings in and out. Parsing never touches floating point: the decimal fraction is
// scaled by the unit's power of ten, and a fraction finer than 1 ns is rejected, not rounded.
#include "units.hpp"

#include <array>
#include <cstdint>

namespace gilsim {
namespace {

struct Unit {
  std::string_view suffix;
  Nanos nanos;
  int decimal_digits;  // nanos == 10^decimal_digits
};

// Largest first: format_duration picks the first unit in which the value reads >= 1.
constexpr std::array<Unit, 4> kUnits{{
    {"s", kSecond, 9},
    {"ms", kMilli, 6},
    {"us", kMicro, 3},
    {"ns", 1, 0},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view take_digits(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  std::string_view digits = text.substr(0, n);
  text.remove_prefix(n);
  return digits;
}

const Unit* find_unit(std::string_view suffix) {
  for (const Unit& unit : kUnits) {
    if (unit.suffix == suffix) return &unit;
  }
  return nullptr;
}

// Decimal digits to a number; false on overflow.
bool to_nanos(std::string_view digits, Nanos& out) {
  out = 0;
  for (char c : digits) {
    if (__builtin_mul_overflow(out, Nanos{10}, &out) ||
        __builtin_add_overflow(out, Nanos{c - '0'}, &out)) {
      return false;
    }
  }
  return true;
}

// value / 10^digits as an exact decimal: trailing zeros (and a bare dot) stripped.
std::string exact_decimal(std::int64_t value, int digits) {
  std::int64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string text = std::to_string(value / scale);
  std::string fraction = std::to_string(value % scale + scale).substr(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return fraction.empty() ? text : text + "." + fraction;
}

}  // namespace

std::string format_duration_exact(Nanos t) {
  if (t < 0) return format_duration(t);  // no file holds a negative duration
  if (t == 0) return "0ms";
  for (const Unit& unit : kUnits)
    if (t >= unit.nanos) return exact_decimal(t, unit.decimal_digits) + std::string(unit.suffix);
  return "0ms";  // unreachable
}

std::optional<Ppm> parse_percent(std::string_view text) {
  constexpr int kDecimals = 4;  // ppm = percent * 10^4
  if (text.empty() || text.back() != '%') return std::nullopt;
  text.remove_suffix(1);
  const std::string_view whole = take_digits(text);
  std::string_view fraction;
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    fraction = take_digits(text);
    if (fraction.empty()) return std::nullopt;
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (!text.empty() || whole.empty() || whole.size() > 4 || fraction.size() > kDecimals)
    return std::nullopt;
  Nanos whole_value = 0, fraction_value = 0;
  to_nanos(whole, whole_value);
  to_nanos(fraction, fraction_value);
  for (auto i = fraction.size(); i < kDecimals; ++i) fraction_value *= 10;
  const Ppm ppm = whole_value * 10'000 + fraction_value;
  if (ppm > 1000 * 10'000) return std::nullopt;
  return ppm;
}

std::string format_percent(Ppm ppm) { return exact_decimal(ppm, 4) + "%"; }

ParsedDuration parse_duration_checked(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);

  std::string_view rest = text;
  const std::string_view whole = take_digits(rest);
  std::string_view fraction;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    fraction = take_digits(rest);
    if (fraction.empty()) return {0, DurationProblem::syntax};  // "5.ms"
  }
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const Unit* unit = find_unit(rest);
  if (whole.empty() || unit == nullptr) return {0, DurationProblem::syntax};
  if (negative) return {0, DurationProblem::negative};

  // value = whole * unit + fraction * unit / 10^len(fraction), exact or rejected.
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > static_cast<std::size_t>(unit->decimal_digits)) {
    return {0, DurationProblem::not_whole_ns};
  }
  Nanos whole_nanos = 0;
  Nanos fraction_nanos = 0;
  if (!to_nanos(whole, whole_nanos) || !to_nanos(fraction, fraction_nanos) ||
      __builtin_mul_overflow(whole_nanos, unit->nanos, &whole_nanos)) {
    return {0, DurationProblem::overflow};
  }
  for (auto i = fraction.size(); i < static_cast<std::size_t>(unit->decimal_digits); ++i) {
    fraction_nanos *= 10;  // < 10^9: cannot overflow
  }
  Nanos value = 0;
  if (__builtin_add_overflow(whole_nanos, fraction_nanos, &value)) {
    return {0, DurationProblem::overflow};
  }
  return {value, DurationProblem::none};
}

std::optional<Nanos> parse_duration(std::string_view text) {
  const ParsedDuration parsed = parse_duration_checked(text);
  if (parsed.problem != DurationProblem::none) return std::nullopt;
  return parsed.value;
}

std::string format_duration(Nanos t) {
  const std::string sign = t < 0 ? "-" : "";
  // Unsigned magnitude: -kNever - 1 has no positive Nanos.
  const std::uint64_t magnitude =
      t < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(t) : static_cast<std::uint64_t>(t);
  if (magnitude == 0) return "0 s";
  for (const Unit& unit : kUnits) {
    const auto nanos = static_cast<std::uint64_t>(unit.nanos);
    std::uint64_t whole = magnitude / nanos;
    // Thousandths of the unit, rounded half up; the remainder is < 10^9, so * 1000 fits.
    std::uint64_t thousandths = (magnitude % nanos * 1000 + nanos / 2) / nanos;
    if (thousandths == 1000) {
      ++whole;
      thousandths = 0;
    }
    if (whole == 0) continue;
    std::string text = sign + std::to_string(whole);
    if (thousandths != 0) {
      std::string decimals = std::to_string(thousandths + 1000).substr(1);  // zero-padded
      while (decimals.back() == '0') decimals.pop_back();
      text += "." + decimals;
    }
    return text + " " + std::string(unit.suffix);
  }
  return "0 s";  // unreachable: magnitude >= 1 reads >= 1 in ns
}

}  // namespace gilsim
