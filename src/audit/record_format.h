#pragma once
// The byte format of one audit record, shared by the writer, the crash recovery and the
// verifier (the format itself is documented in audit_log.h). Nothing here does I/O.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace bastion::audit {

// "prev" of the first record of a file.
inline constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Canonical JSON: object members sorted by key bytes (recursively), no whitespace; strings with
// only '"' and '\\' escaped by a backslash, \n \t \r as such, other control characters and DEL
// as \u00xx (lower-case hex), everything else verbatim UTF-8; integers in plain decimal; true,
// false, null. Every record line is the canonical form of its record, so a line re-parses to
// exactly its own bytes.
std::string canonicalJson(const boost::json::value& value);
void appendCanonicalJson(std::string& out, const boost::json::value& value);

// Makes an event safe to write: strings (keys too) that are not valid UTF-8 get each bad byte
// replaced by U+FFFD, and floating-point numbers become strings holding their JSON text (Boost
// 1.81 does not parse every double back to the same bits). Afterwards canonicalJson() re-parses
// to the same bytes.
void sanitize(boost::json::value& value);

// RFC 3339 UTC with milliseconds: 2027-01-15T08:00:00.123Z.
std::string rfc3339Millis(std::chrono::system_clock::time_point t);

// hash = lower-case hex SHA-256 of canonicalJson(record without "hash").
std::string recordHash(const boost::json::object& record_without_hash);

// Appends the record's line (canonical, with "hash" in its sorted place; no newline) and returns
// the hash: one serialization instead of two. record_without_hash must not hold "hash".
std::string appendRecordLine(std::string& out, const boost::json::object& record_without_hash);

// The bytes an Ed25519 checkpoint signature covers: a domain separator, the last covered seq and
// the chain hash after it (that record's "hash").
std::string checkpointMessage(std::uint64_t covers, std::string_view chain_hash);

// Why a line is not a valid record. NotJson is kept apart: a crash leaves a torn fragment that
// is never complete JSON, while a line that parses but fails a check was edited.
enum class LineError {
  NotJson = 1,   // not a complete JSON object
  NotCanonical,  // parses, but is not byte-for-byte its canonical form
  BadField,      // seq, time, prev, hash or type missing or malformed
  BadHash,       // hash does not match the content
};

struct ParsedLine {
  boost::json::object record;
  std::uint64_t seq = 0;
  std::string type;
  std::string prev;
  std::string hash;
};

// Parses one line (without its newline) and checks what a single line can show on its own:
// canonical form, the common fields and the hash. Not checked: seq order, the prev link and the
// type-specific fields (checkpoint signatures, resume accounting); see verify.h.
[[nodiscard]] Result<ParsedLine> parseLine(std::string_view line);

bool isLowerHex(std::string_view s, std::size_t size);

}  // namespace bastion::audit
