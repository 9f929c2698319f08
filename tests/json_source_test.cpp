// sim/json_source: positions of values by JSON pointer, duplicate keys, readable syntax errors.
#include "json_source.hpp"

#include <doctest/doctest.h>

#include <string>

#include "gilsim/error.hpp"

using gilsim::JsonSource;
using gilsim::UserError;
using Pointer = nlohmann::json::json_pointer;

namespace {

UserError parse_error(const std::string& text) {
  try {
    JsonSource::parse(text, "f.json");
  } catch (const UserError& e) {
    return e;
  }
  FAIL("parsed without error: " << text);
  return UserError("", "");
}

void check_error(const UserError& e, const std::string& where, const std::string& what,
                 const std::string& hint) {
  CHECK(e.where == where);
  CHECK(e.what_wrong == what);
  CHECK(e.hint == hint);
  CHECK(std::string(e.what()) == where + ": " + what);
}

// Line 1..5 of a small document; columns are 1-based.
const std::string kDocument =
    "{\n"
    "  \"machine\": {\"cores\": 4, \"profile\": \"default\"},\n"
    "  \"ops\": [ {\"cpu\": \"1ms\"},\n"
    "           {\"io\": [true, null, -1.5e3]} ],\n"
    "  \"a/b~c\": {}\n"
    "}\n";

}  // namespace

TEST_CASE("parse keeps the document and its path") {
  const JsonSource source = JsonSource::parse(kDocument, "dir/f.json");
  CHECK(source.path() == "dir/f.json");
  CHECK(source.root()["machine"]["cores"] == 4);
  CHECK(source.root()["ops"][1]["io"][2] == -1500.0);
}

TEST_CASE("where gives the line and column of each kind of value") {
  const JsonSource source = JsonSource::parse(kDocument, "f.json");
  CHECK(source.where(Pointer("/machine")) == "f.json:2:14: /machine");
  CHECK(source.where(Pointer("/machine/cores")) == "f.json:2:24: /machine/cores");
  CHECK(source.where(Pointer("/machine/profile")) == "f.json:2:38: /machine/profile");
  CHECK(source.where(Pointer("/ops")) == "f.json:3:10: /ops");
  CHECK(source.where(Pointer("/ops/0")) == "f.json:3:12: /ops/0");
  CHECK(source.where(Pointer("/ops/0/cpu")) == "f.json:3:20: /ops/0/cpu");
  CHECK(source.where(Pointer("/ops/1")) == "f.json:4:12: /ops/1");
  CHECK(source.where(Pointer("/ops/1/io/0")) == "f.json:4:20: /ops/1/io/0");
  CHECK(source.where(Pointer("/ops/1/io/1")) == "f.json:4:26: /ops/1/io/1");
  CHECK(source.where(Pointer("/ops/1/io/2")) == "f.json:4:32: /ops/1/io/2");
}

TEST_CASE("where of the root has no pointer") {
  CHECK(JsonSource::parse(kDocument, "f.json").where(Pointer("")) == "f.json:1:1");
  CHECK(JsonSource::parse("\n\n   [1]", "f.json").where(Pointer("")) == "f.json:3:4");
}

TEST_CASE("where of a missing value is the position of its nearest existing parent") {
  const JsonSource source = JsonSource::parse(kDocument, "f.json");
  CHECK(source.where(Pointer("/machine/seed")) == "f.json:2:14: /machine/seed");
  CHECK(source.where(Pointer("/ops/7/cpu")) == "f.json:3:10: /ops/7/cpu");
  CHECK(source.where(Pointer("/nothing/here")) == "f.json:1:1: /nothing/here");
}

TEST_CASE("where_key points at the key that names a member") {
  const JsonSource source = JsonSource::parse(kDocument, "f.json");
  CHECK(source.where_key(Pointer("/machine/cores")) == "f.json:2:15: /machine/cores");
  CHECK(source.where_key(Pointer("/ops")) == "f.json:3:3: /ops");
  CHECK(source.where_key(Pointer("/ops/1")) == "f.json:4:12: /ops/1");  // element: its value
  CHECK(source.where_key(Pointer("")) == "f.json:1:1");
}

TEST_CASE("pointers escape '/' and '~' in keys") {
  const JsonSource source = JsonSource::parse(kDocument, "f.json");
  CHECK(source.where(Pointer("/a~1b~0c")) == "f.json:5:12: /a~1b~0c");
}

TEST_CASE("keys with escape sequences are decoded before they name a pointer") {
  const JsonSource source = JsonSource::parse(
      R"({"\u0063ores": 1, "t\"q": 2, "\ud83d\ude00": 3, "\u00e9": 4})", "f.json");
  CHECK(source.where(Pointer("/cores")) == "f.json:1:16: /cores");
  CHECK(source.where(Pointer("/t\"q")) == "f.json:1:27: /t\"q");
  CHECK(source.where(Pointer("/\xF0\x9F\x98\x80")) == "f.json:1:46: /\xF0\x9F\x98\x80");
  CHECK(source.where(Pointer("/\xC3\xA9")) == "f.json:1:59: /\xC3\xA9");
}

TEST_CASE("columns count characters, not bytes") {
  // "é" is two bytes, "😀" four: the value 1 is the 12th character of the line.
  const JsonSource source =
      JsonSource::parse("{\"x\": \"\xC3\xA9\xF0\x9F\x98\x80\", \"y\": 1}", "f.json");
  CHECK(source.where(Pointer("/y")) == "f.json:1:18: /y");
}

TEST_CASE("a UTF-8 byte order mark is not a column") {
  const JsonSource source = JsonSource::parse("\xEF\xBB\xBF{\"a\": 1}", "f.json");
  CHECK(source.where(Pointer("")) == "f.json:1:1");
  CHECK(source.where(Pointer("/a")) == "f.json:1:7: /a");
}

TEST_CASE("CRLF line ends count as one line each") {
  const JsonSource source = JsonSource::parse("{\r\n\"a\":\r\n  1}", "f.json");
  CHECK(source.where(Pointer("/a")) == "f.json:3:3: /a");
}

TEST_CASE("fail throws a UserError at the value's position") {
  const JsonSource source = JsonSource::parse(kDocument, "f.json");
  try {
    source.fail(Pointer("/machine/cores"), "too many cores", "use fewer");
    FAIL("fail returned");
  } catch (const UserError& e) {
    check_error(e, "f.json:2:24: /machine/cores", "too many cores", "use fewer");
  }
}

TEST_CASE("fail_key throws a UserError at the key's position") {
  const JsonSource source = JsonSource::parse(kDocument, "f.json");
  try {
    source.fail_key(Pointer("/machine/profile"), "bad key", "rename it");
    FAIL("fail_key returned");
  } catch (const UserError& e) {
    check_error(e, "f.json:2:27: /machine/profile", "bad key", "rename it");
  }
}

TEST_CASE("a duplicate key is an error at its second occurrence") {
  check_error(parse_error("{\"seed\": 1,\n \"seed\": 2}"), "f.json:2:2: /seed",
              "duplicate key \"seed\": it is already set at f.json:1:2",
              "remove one of the two; JSON keeps only one value per key");
}

TEST_CASE("a duplicate key deep inside arrays is reported with its full pointer") {
  check_error(parse_error(R"({"a": [{}, {"b": {"x": 1, "y": 2, "x": 3}}]})"),
              "f.json:1:35: /a/1/b/x", "duplicate key \"x\": it is already set at f.json:1:19",
              "remove one of the two; JSON keeps only one value per key");
}

TEST_CASE("the same key in two different objects is not a duplicate") {
  CHECK_NOTHROW(JsonSource::parse(R"({"a": {"x": 1}, "b": {"x": 1}, "x": [{"x": 1}]})", "f.json"));
}

TEST_CASE("a trailing comma is a syntax error with a hint to remove it") {
  check_error(parse_error("{\"a\": 1,\n}"), "f.json:2:1",
              "invalid JSON: unexpected '}', expected a string in double quotes",
              "remove the comma before it: JSON allows no trailing comma");
  check_error(parse_error("[1, 2, ]"), "f.json:1:8",
              "invalid JSON: unexpected ']', expected a value",
              "remove the comma before it: JSON allows no trailing comma");
}

TEST_CASE("a missing colon is a syntax error") {
  check_error(parse_error("{\"a\" 1}"), "f.json:1:6",
              "invalid JSON: unexpected number, expected ':'",
              "put a ':' between a key and its value, e.g. \"cores\": 4");
}

TEST_CASE("a missing comma is a syntax error") {
  check_error(parse_error("{\"a\": 1\n \"b\": 2}"), "f.json:2:2",
              "invalid JSON: unexpected string, expected '}'", "put a ',' between two items");
  check_error(parse_error("[1 234]"), "f.json:1:4", "invalid JSON: unexpected number, expected ']'",
              "put a ',' between two items");
  check_error(parse_error("[true false]"), "f.json:1:7",
              "invalid JSON: unexpected false, expected ']'", "put a ',' between two items");
  check_error(parse_error(R"(["a" "b\\\"c\\"])"), "f.json:1:6",
              "invalid JSON: unexpected string, expected ']'", "put a ',' between two items");
}

TEST_CASE("a comment is a syntax error with a hint that JSON has none") {
  check_error(parse_error("{\n  // the seed\n  \"seed\": 1}"), "f.json:2:3",
              "invalid JSON: invalid value, expected a string in double quotes",
              "JSON has no comments: remove it");
}

TEST_CASE("single quotes are a syntax error with a hint to use double quotes") {
  check_error(parse_error("{'a': 1}"), "f.json:1:2",
              "invalid JSON: invalid value, expected a string in double quotes",
              "JSON strings use double quotes: \"name\", not 'name'");
}

TEST_CASE("empty text is a syntax error") {
  check_error(parse_error(""), "f.json:1:1",
              "invalid JSON: unexpected end of text, expected a value",
              "the text is empty: write a JSON object, e.g. {\"name\": \"example\"}");
  check_error(parse_error("\n  \n"), "f.json:3:1",
              "invalid JSON: unexpected end of text, expected a value",
              "the text is empty: write a JSON object, e.g. {\"name\": \"example\"}");
}

TEST_CASE("truncated text is a syntax error at its end") {
  check_error(parse_error("{\"a\": [1, 2"), "f.json:1:12",
              "invalid JSON: unexpected end of text, expected ']'",
              "the text ends too early: close every '{' with '}' and every '[' with ']'");
}

TEST_CASE("text after the document is a syntax error") {
  check_error(parse_error("{} {}"), "f.json:1:4",
              "invalid JSON: unexpected '{', expected the end of the text",
              "remove what follows the end of the document, or wrap both in one object");
}

TEST_CASE("a misspelt literal is a syntax error") {
  check_error(parse_error("{\"a\": True}"), "f.json:1:7", "invalid JSON: invalid value",
              "check this spot for a missing quote, comma or bracket");
}

TEST_CASE("a raw line break inside a string is a syntax error") {
  // The offending character is the line feed itself, at the end of line 1.
  check_error(parse_error("{\"a\": \"x\ny\"}"), "f.json:1:9",
              "invalid JSON: invalid string: control character U+000A (LF) must be escaped to "
              "\\u000A or \\n",
              "check this spot for a missing quote, comma or bracket");
}

TEST_CASE("a bad number is a syntax error") {
  check_error(parse_error("{\"a\": 1.}"), "f.json:1:9",
              "invalid JSON: invalid number, expected digit after '.'",
              "check this spot for a missing quote, comma or bracket");
}

TEST_CASE("nesting deeper than 512 levels is an error") {
  const std::string deep = std::string(600, '[') + std::string(600, ']');
  check_error(parse_error(deep), "f.json:1:514", "JSON nested more than 512 levels deep",
              "flatten the document; gilsim's files need fewer than ten levels");
  CHECK_NOTHROW(JsonSource::parse(std::string(100, '[') + std::string(100, ']'), "f.json"));
}
