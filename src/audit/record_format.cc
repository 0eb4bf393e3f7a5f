#include "audit/record_format.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

#include "core/crypto.h"

namespace bastion::audit {
namespace {

namespace json = boost::json;

// Deeper values are recorded as their canonical text: the verifier's parser stops at this depth.
constexpr int kMaxDepth = 16;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (Unicode Table 3-7: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) {
    return 1;
  }
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return n;
}

bool isUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII: the common case, no call
      ++i;
      continue;
    }
    const std::size_t n = utf8SequenceLength(s, i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

std::string toUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8SequenceLength(s, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void sanitizeAt(json::value& value, int depth);

void sanitizeObject(json::object& object, int depth) {
  const bool keys_ok = std::all_of(object.begin(), object.end(),
                                   [](const json::key_value_pair& kv) { return isUtf8(kv.key()); });
  if (!keys_ok) {
    json::object rebuilt;
    for (json::key_value_pair& kv : object) {
      rebuilt[toUtf8(kv.key())] = std::move(kv.value());
    }
    object = std::move(rebuilt);
  }
  for (json::key_value_pair& kv : object) {
    sanitizeAt(kv.value(), depth + 1);
  }
}

void sanitizeAt(json::value& value, int depth) {
  if (depth >= kMaxDepth && (value.is_object() || value.is_array())) {
    sanitizeAt(value, 0);  // make the nested text itself well-formed first
    value = json::string(canonicalJson(value));
    return;
  }
  switch (value.kind()) {
    case json::kind::string:
      if (!isUtf8(value.get_string())) {
        value = json::string(toUtf8(value.get_string()));
      }
      break;
    case json::kind::double_:
      value = json::string(json::serialize(value));
      break;
    case json::kind::object:
      sanitizeObject(value.get_object(), depth);
      break;
    case json::kind::array:
      for (json::value& v : value.get_array()) {
        sanitizeAt(v, depth + 1);
      }
      break;
    default:
      break;
  }
}

// Appends runs of plain bytes in one go; escapes only what canonical form escapes.
void appendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != 0x7F && u != '"' && u != '\\') {
      continue;
    }
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
    if (u == '"' || u == '\\') {
      out += '\\';
      out += s[i];
    } else if (u == '\n') {
      out += "\\n";
    } else if (u == '\t') {
      out += "\\t";
    } else if (u == '\r') {
      out += "\\r";
    } else {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

// An object's canonical text. When `mark` is given, it receives the offset in `out` where a
// member named `mark_key` would begin (its sorted place; the closing brace when last).
void appendObject(std::string& out, const json::object& object, std::string_view mark_key,
                  std::size_t* mark) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(object.size());
  for (const json::key_value_pair& kv : object) {
    members.push_back(&kv);
  }
  std::sort(members.begin(), members.end(),
            [](const auto* a, const auto* b) { return a->key() < b->key(); });
  out += '{';
  for (std::size_t i = 0; i < members.size(); ++i) {
    out += i == 0 ? "" : ",";
    if (mark != nullptr && *mark == 0 && std::string_view(members[i]->key()) > mark_key) {
      *mark = out.size();
    }
    appendString(out, members[i]->key());
    out += ':';
    appendCanonicalJson(out, members[i]->value());
  }
  if (mark != nullptr && *mark == 0) {
    *mark = out.size();
  }
  out += '}';
}

template <class Int>
void appendInteger(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

Error lineError(LineError code, std::string message) { return Error(code, std::move(message)); }

Result<std::string> requireHex(const json::object& record, std::string_view key) {
  const json::value* v = record.if_contains(key);
  if (v == nullptr || !v->is_string() || !isLowerHex(v->get_string(), 64)) {
    return lineError(LineError::BadField,
                     "field \"" + std::string(key) + "\" missing or not 64 lower-case hex digits");
  }
  return std::string(v->get_string());
}

Result<void> checkCommonFields(const json::object& record, ParsedLine& out) {
  const json::value* seq = record.if_contains("seq");
  if (seq == nullptr || !seq->is_number() || !(seq->is_int64() || seq->is_uint64()) ||
      (seq->is_int64() && seq->get_int64() < 1)) {
    return lineError(LineError::BadField, "field \"seq\" missing or not a positive integer");
  }
  out.seq = seq->is_int64() ? static_cast<std::uint64_t>(seq->get_int64()) : seq->get_uint64();
  const json::value* type = record.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return lineError(LineError::BadField, "field \"type\" missing or not a string");
  }
  out.type = type->get_string();
  const json::value* time = record.if_contains("time");
  if (time == nullptr || !time->is_string()) {
    return lineError(LineError::BadField, "field \"time\" missing or not a string");
  }
  auto prev = requireHex(record, "prev");
  if (!prev) {
    return prev.error();
  }
  out.prev = std::move(prev).value();
  auto hash = requireHex(record, "hash");
  if (!hash) {
    return hash.error();
  }
  out.hash = std::move(hash).value();
  return {};
}

}  // namespace

void appendCanonicalJson(std::string& out, const json::value& value) {
  if (value.is_object()) {
    appendObject(out, value.get_object(), {}, nullptr);
  } else if (value.is_array()) {
    out += '[';
    bool first = true;
    for (const json::value& v : value.get_array()) {
      out += first ? "" : ",";
      first = false;
      appendCanonicalJson(out, v);
    }
    out += ']';
  } else if (value.is_string()) {
    appendString(out, value.get_string());
  } else if (value.is_int64()) {
    appendInteger(out, value.get_int64());
  } else if (value.is_uint64()) {
    appendInteger(out, value.get_uint64());
  } else {
    out += json::serialize(value);  // bool, null; doubles only in unsanitized values
  }
}

std::string canonicalJson(const json::value& value) {
  std::string out;
  appendCanonicalJson(out, value);
  return out;
}

void sanitize(json::value& value) { sanitizeAt(value, 0); }

std::string rfc3339Millis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch());
  const auto secs = std::chrono::floor<std::chrono::seconds>(ms);
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - secs).count()));
  return buf;
}

std::string recordHash(const json::object& record_without_hash) {
  std::string text;
  appendCanonicalJson(text, record_without_hash);
  return crypto::sha256Hex(text);
}

std::string appendRecordLine(std::string& out, const json::object& record_without_hash) {
  const std::size_t start = out.size();
  std::size_t mark = 0;
  appendObject(out, record_without_hash, "hash", &mark);
  std::string hash = crypto::sha256Hex(std::string_view(out).substr(start));
  std::string member = "\"hash\":\"" + hash + "\"";
  if (out[mark] == '}') {
    member.insert(0, out[mark - 1] == '{' ? "" : ",");
  } else {
    member += ',';
  }
  out.insert(mark, member);
  return hash;
}

std::string checkpointMessage(std::uint64_t covers, std::string_view chain_hash) {
  std::string m = "bastion-audit-checkpoint-v1\n";
  m += std::to_string(covers);
  m += '\n';
  m += chain_hash;
  return m;
}

bool isLowerHex(std::string_view s, std::size_t size) {
  return s.size() == size && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<ParsedLine> parseLine(std::string_view line) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = kMaxDepth + 2;
  json::value value = json::parse(line, ec, json::storage_ptr(), options);
  if (ec || !value.is_object()) {
    return lineError(LineError::NotJson, "not a complete JSON object");
  }
  if (canonicalJson(value) != line) {
    return lineError(LineError::NotCanonical, "not in canonical form (edited?)");
  }
  ParsedLine out;
  out.record = std::move(value.get_object());
  if (auto fields = checkCommonFields(out.record, out); !fields) {
    return fields.error();
  }
  json::object without_hash = out.record;
  without_hash.erase("hash");
  if (recordHash(without_hash) != out.hash) {
    return lineError(LineError::BadHash, "hash does not match the record's content (edited?)");
  }
  return out;
}

}  // namespace bastion::audit
