// JSON text with source positions. nlohmann parses and validates; then PositionScanner walks the
// already-valid text once more, recording where every value and key starts, keyed by JSON
// pointer, and rejecting duplicate keys. Columns count characters (UTF-8 code points), 1-based.
#include "json_source.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include "gilsim/error.hpp"

namespace gilsim {
namespace {

using nlohmann::json;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr int kMaxDepth = 512;  // far beyond any scenario; keeps the recursive scanner safe

std::size_t bom_size(std::string_view text) {
  return text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
}

// "FILE:LINE:COL" of a byte offset.
std::string line_column(std::string_view path, std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = bom_size(text);
  for (std::size_t i = line_start; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::size_t column = 1;
  for (std::size_t i = line_start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;  // not a continuation
  }
  return std::string(path) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// JSON pointer reference token: "~" -> "~0", "/" -> "~1" (RFC 6901).
std::string escape_token(std::string_view key) {
  std::string token;
  for (char c : key) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// Walks text that nlohmann has accepted, so it checks nothing but duplicate keys and depth.
class PositionScanner {
 public:
  PositionScanner(std::string_view text, std::string_view path) : text_(text), path_(path) {}

  std::vector<JsonSource::Position> scan() {
    pos_ = bom_size(text_);
    skip_whitespace();
    value("", pos_, 0);
    return std::move(positions_);
  }

 private:
  void value(const std::string& pointer, std::size_t key_offset, int depth) {
    if (depth > kMaxDepth) {
      throw UserError(line_column(path_, text_, pos_),
                      "JSON nested more than " + std::to_string(kMaxDepth) + " levels deep",
                      "flatten the document; gilsim's files need fewer than ten levels");
    }
    positions_.push_back({pointer, pos_, key_offset});
    switch (text_[pos_]) {
      case '{':
        object(pointer, depth);
        break;
      case '[':
        array(pointer, depth);
        break;
      case '"':
        string();
        break;
      default:
        scalar();
    }
  }

  void object(const std::string& pointer, int depth) {
    std::map<std::string, std::size_t> first_offset;
    ++pos_;  // '{'
    skip_whitespace();
    while (text_[pos_] != '}') {
      const std::size_t key_offset = pos_;
      const std::string key = string();
      if (auto [it, inserted] = first_offset.emplace(key, key_offset); !inserted) {
        throw UserError(
            line_column(path_, text_, key_offset) + ": " + pointer + "/" + escape_token(key),
            "duplicate key \"" + key + "\": it is already set at " +
                line_column(path_, text_, it->second),
            "remove one of the two; JSON keeps only one value per key");
      }
      skip_whitespace();
      ++pos_;  // ':'
      skip_whitespace();
      value(pointer + "/" + escape_token(key), key_offset, depth + 1);
      skip_separator();
    }
    ++pos_;  // '}'
  }

  void array(const std::string& pointer, int depth) {
    ++pos_;  // '['
    skip_whitespace();
    for (std::size_t index = 0; text_[pos_] != ']'; ++index) {
      value(pointer + "/" + std::to_string(index), pos_, depth + 1);
      skip_separator();
    }
    ++pos_;  // ']'
  }

  // A string token, decoded (keys must be compared and put in pointers as their values).
  std::string string() {
    std::string decoded;
    ++pos_;  // opening quote
    while (text_[pos_] != '"') {
      if (text_[pos_] != '\\') {
        decoded += text_[pos_++];
        continue;
      }
      const char escaped = text_[pos_ + 1];
      pos_ += 2;
      switch (escaped) {
        case 'b':
          decoded += '\b';
          break;
        case 'f':
          decoded += '\f';
          break;
        case 'n':
          decoded += '\n';
          break;
        case 'r':
          decoded += '\r';
          break;
        case 't':
          decoded += '\t';
          break;
        case 'u':
          append_utf8(decoded, unicode_escape());
          break;
        default:
          decoded += escaped;  // '"', '\\', '/'
      }
    }
    ++pos_;  // closing quote
    return decoded;
  }

  // After "\u": four hex digits, or a surrogate pair "XXXX\uYYYY" (nlohmann checked the pairing).
  std::uint32_t unicode_escape() {
    std::uint32_t unit = hex4();
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      pos_ += 2;  // "\u"
      const std::uint32_t low = hex4();
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    return unit;
  }

  std::uint32_t hex4() {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      const std::uint32_t digit = c <= '9' ? static_cast<std::uint32_t>(c - '0')
                                           : static_cast<std::uint32_t>((c | 0x20) - 'a' + 10);
      value = value * 16 + digit;
    }
    return value;
  }

  // A number or true/false/null: everything up to the next delimiter.
  void scalar() {
    while (pos_ < text_.size() &&
           std::string_view(",]} \t\r\n").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
  }

  void skip_separator() {
    skip_whitespace();
    if (text_[pos_] == ',') {
      ++pos_;
      skip_whitespace();
    }
  }

  void skip_whitespace() {
    while (pos_ < text_.size() &&
           std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
    }
  }

  std::string_view text_;
  std::string_view path_;
  std::size_t pos_ = 0;
  std::vector<JsonSource::Position> positions_;
};

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error
// while parsing object key - unexpected '}'; expected string literal". Keep what went wrong, in
// plainer words; the position is reported separately, so "last read: '...'" goes.
std::string readable_syntax_error(std::string_view message) {
  const auto dash = message.find(" - ");
  std::string detail(dash == std::string_view::npos ? message : message.substr(dash + 3));
  if (const auto last_read = detail.find("; last read: '"); last_read != std::string::npos) {
    const auto expected = detail.find("; expected", last_read);
    detail.erase(last_read,
                 expected == std::string::npos ? std::string::npos : expected - last_read);
  }
  replace_all(detail, "'[', '{', or a literal", "a value");
  replace_all(detail, "invalid literal", "invalid value");
  replace_all(detail, "unexpected string literal", "unexpected string");
  replace_all(detail, "string literal", "a string in double quotes");
  replace_all(detail, " literal", "");  // "number literal", "true literal", ...
  replace_all(detail, "unexpected end of input", "unexpected end of text");
  replace_all(detail, "end of input", "the end of the text");
  replace_all(detail, "; expected", ", expected");
  return "invalid JSON: " + detail;
}

std::string syntax_error_hint(std::string_view message, std::string_view text, std::size_t offset) {
  const char at = offset < text.size() ? text[offset] : '\0';
  const auto before = text.substr(0, offset).find_last_not_of(" \t\r\n");
  const char previous = before == std::string_view::npos ? '\0' : text[before];
  if (at == '/') return "JSON has no comments: remove it";
  if (at == '\'') return "JSON strings use double quotes: \"name\", not 'name'";
  if ((at == '}' || at == ']') && previous == ',') {
    return "remove the comma before it: JSON allows no trailing comma";
  }
  if (message.find("parsing object separator") != std::string_view::npos) {
    return "put a ':' between a key and its value, e.g. \"cores\": 4";
  }
  if (offset >= text.size()) {
    if (text.find_first_not_of(" \t\r\n", bom_size(text)) == std::string_view::npos) {
      return "the text is empty: write a JSON object, e.g. {\"name\": \"example\"}";
    }
    return "the text ends too early: close every '{' with '}' and every '[' with ']'";
  }
  if (message.find("expected end of input") != std::string_view::npos) {
    return "remove what follows the end of the document, or wrap both in one object";
  }
  if (message.find("expected ']'") != std::string_view::npos ||
      message.find("expected '}'") != std::string_view::npos) {
    return "put a ',' between two items";
  }
  return "check this spot for a missing quote, comma or bracket";
}

// nlohmann reports an unexpected token at its last character; point at its first instead.
std::size_t token_start(std::string_view message, std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return offset;
  if (message.find("unexpected string literal") != std::string_view::npos) {
    // The opening quote is the nearest '"' before the closing one not escaped by a backslash.
    for (std::size_t quote = offset; quote-- > 0;) {
      std::size_t backslashes = 0;
      while (backslashes < quote && text[quote - 1 - backslashes] == '\\') ++backslashes;
      if (text[quote] == '"' && backslashes % 2 == 0) return quote;
    }
  }
  if (message.find("unexpected number literal") != std::string_view::npos ||
      message.find("unexpected true literal") != std::string_view::npos ||
      message.find("unexpected false literal") != std::string_view::npos ||
      message.find("unexpected null literal") != std::string_view::npos) {
    while (offset > 0 &&
           std::string_view(",:[]{} \t\r\n").find(text[offset - 1]) == std::string_view::npos) {
      --offset;
    }
  }
  return offset;
}

}  // namespace

JsonSource JsonSource::parse(std::string text, std::string path) {
  JsonSource source;
  try {
    source.root_ = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    const std::size_t last_read = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const std::size_t offset = token_start(e.what(), text, last_read);
    throw UserError(line_column(path, text, offset), readable_syntax_error(e.what()),
                    syntax_error_hint(e.what(), text, offset));
  }
  source.positions_ = PositionScanner(text, path).scan();
  std::sort(source.positions_.begin(), source.positions_.end(),
            [](const Position& a, const Position& b) { return a.pointer < b.pointer; });
  source.text_ = std::move(text);
  source.path_ = std::move(path);
  return source;
}

const JsonSource::Position& JsonSource::find(const json::json_pointer& p) const {
  for (json::json_pointer at = p;; at = at.parent_pointer()) {
    const std::string key = at.to_string();
    const auto it = std::lower_bound(
        positions_.begin(), positions_.end(), key,
        [](const Position& position, const std::string& k) { return position.pointer < k; });
    if (it != positions_.end() && it->pointer == key) return *it;
    if (at.empty()) return positions_.front();  // unreachable: the root is always recorded
  }
}

std::string JsonSource::location(const json::json_pointer& p, std::size_t offset) const {
  std::string text = line_column(path_, text_, offset);
  if (!p.empty()) text += ": " + p.to_string();
  return text;
}

std::string JsonSource::where(const json::json_pointer& p) const {
  return location(p, find(p).value_offset);
}

std::string JsonSource::where_key(const json::json_pointer& p) const {
  return location(p, find(p).key_offset);
}

void JsonSource::fail(const json::json_pointer& p, std::string what, std::string hint) const {
  throw UserError(where(p), std::move(what), std::move(hint));
}

void JsonSource::fail_key(const json::json_pointer& p, std::string what, std::string hint) const {
  throw UserError(where_key(p), std::move(what), std::move(hint));
}

}  // namespace gilsim
