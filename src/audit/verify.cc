#include "audit/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "audit/record_format.h"
#include "core/unique_fd.h"
#include "core/crypto.h"

namespace bastion::audit {
namespace {

namespace json = boost::json;

// Debris (and any single line) beyond this is not a crash's leftover.
constexpr std::size_t kMaxDebris = std::size_t{64} << 20;

std::optional<std::uint64_t> positiveInteger(const json::object& record, std::string_view key) {
  const json::value* v = record.if_contains(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (v->is_uint64()) {
    return v->get_uint64();
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    return static_cast<std::uint64_t>(v->get_int64());
  }
  return std::nullopt;
}

std::string_view stringField(const json::object& record, std::string_view key) {
  const json::value* v = record.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

}  // namespace

ChainVerifier::ChainVerifier(std::span<const VerifyKey> keys) : keys_(keys), prev_(kZeroHash) {
  result_.signatures_checked = !keys.empty();
}

bool ChainVerifier::fail(std::size_t line, std::string problem) {
  failed_ = true;
  result_.bad_line = line;
  result_.problem = std::move(problem);
  return false;
}

bool ChainVerifier::addLine(std::string_view line, bool terminated) {
  if (failed_) {
    return false;
  }
  ++line_;
  auto parsed = terminated ? parseLine(line) : Result<ParsedLine>(Error(LineError::NotJson, ""));
  if (!parsed && parsed.error().code == static_cast<int>(LineError::NotJson)) {
    // Possibly a crash's leftover: judged by what follows (a resume record, or nothing).
    if (debris_.empty()) {
      debris_line_ = line_;
    }
    if (debris_.size() + line.size() >= kMaxDebris) {
      return fail(debris_line_, "more than 64 MiB that is not JSON records");
    }
    debris_.append(line);
    debris_ += terminated ? "\n" : "";
    return true;
  }
  if (!debris_.empty() && (!parsed || stringField(parsed.value().record, "type") != "resume")) {
    return fail(debris_line_, "not a complete JSON object, and no resume record accounts for it");
  }
  if (!parsed) {
    return fail(line_, parsed.error().message);
  }
  return checkRecord(parsed.value());
}

bool ChainVerifier::checkRecord(const ParsedLine& parsed) {
  const std::uint64_t expected = result_.last_seq + 1;
  if (parsed.type == "resume" && !checkResume(parsed)) {
    return false;
  }
  if (parsed.seq != expected) {
    return fail(line_, "seq " + std::to_string(parsed.seq) + " where " + std::to_string(expected) +
                           " was expected (record removed, inserted or reordered?)");
  }
  if (parsed.prev != prev_) {
    return fail(line_,
                "prev does not match the previous record's hash (record removed, inserted, "
                "reordered or edited?)");
  }
  if (parsed.type == "checkpoint" && !checkCheckpoint(parsed)) {
    return false;
  }
  prev_ = parsed.hash;
  result_.last_seq = parsed.seq;
  result_.last_good_line = line_;
  ++result_.records;
  return true;
}

bool ChainVerifier::checkResume(const ParsedLine& parsed) {
  const auto torn_bytes = positiveInteger(parsed.record, "torn_bytes");
  const std::string_view torn_sha = stringField(parsed.record, "torn_sha256");
  if (debris_.empty()) {
    return fail(line_, "resume record with no torn bytes before it");
  }
  if (!torn_bytes || *torn_bytes != debris_.size() || torn_sha != crypto::sha256Hex(debris_)) {
    return fail(debris_line_, "not a complete JSON object, and the resume record at line " +
                                  std::to_string(line_) + " does not account for it");
  }
  debris_.clear();
  ++result_.resumes;
  return true;
}

bool ChainVerifier::checkCheckpoint(const ParsedLine& parsed) {
  const auto covers = positiveInteger(parsed.record, "covers");
  const std::string_view key_id = stringField(parsed.record, "key_id");
  const auto sig = crypto::base64UrlDecode(stringField(parsed.record, "sig"));
  if (!covers || *covers + 1 != parsed.seq) {
    return fail(line_, "checkpoint \"covers\" is not the previous seq");
  }
  if (!isLowerHex(key_id, 16) || !sig || sig->size() != 64) {
    return fail(line_, "checkpoint key_id or sig malformed");
  }
  if (!keys_.empty() && !checkSignature(key_id, *covers, parsed.prev, *sig)) {
    return false;
  }
  ++result_.checkpoints;
  result_.last_checkpoint_covers = *covers;
  return true;
}

bool ChainVerifier::checkSignature(std::string_view key_id, std::uint64_t covers,
                                   std::string_view prev, std::string_view sig) {
  std::size_t i = 0;
  while (i < keys_.size() && keys_[i].keyId() != key_id) {
    ++i;
  }
  if (i == keys_.size()) {
    std::string given;
    for (const VerifyKey& k : keys_) {
      given += (given.empty() ? "" : ", ") + k.keyId();
    }
    return fail(line_, "checkpoint signed by key " + std::string(key_id) +
                           ", not by a given key (" + given + ")");
  }
  if (i < first_allowed_key_) {
    return fail(line_, "checkpoint signed by retired key " + std::string(key_id) +
                           " after its successor " + keys_[first_allowed_key_].keyId() +
                           " signed one");
  }
  if (!keys_[i].verify(checkpointMessage(covers, prev), sig)) {
    return fail(line_, "checkpoint signature does not verify (forged?)");
  }
  first_allowed_key_ = i;
  return true;
}

VerifyResult ChainVerifier::finish() {
  result_.ok = !failed_;
  if (!failed_ && !debris_.empty()) {
    result_.torn_line = debris_line_;
  }
  return result_;
}

VerifyResult verifyLog(std::string_view bytes, std::span<const VerifyKey> keys) {
  ChainVerifier verifier(keys);
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    const bool terminated = nl != std::string_view::npos;
    if (!verifier.addLine(bytes.substr(0, nl), terminated)) {
      break;
    }
    bytes.remove_prefix(terminated ? nl + 1 : bytes.size());
  }
  return verifier.finish();
}

Result<VerifyResult> verifyLogFile(const std::string& path, std::span<const VerifyKey> keys) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return Error(VerifyError::Unreadable, "cannot open " + path);
  }
  ChainVerifier verifier(keys);
  std::string pending;
  std::string chunk(std::size_t{1} << 20, '\0');
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error(VerifyError::Unreadable, "cannot read " + path);
    }
    if (n == 0) {
      break;
    }
    pending.append(chunk.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!verifier.addLine(std::string_view(pending).substr(start, nl - start), true)) {
        return verifier.finish();
      }
    }
    pending.erase(0, start);
    if (pending.size() > kMaxDebris) {
      verifier.addLine(std::string_view(pending).substr(0, kMaxDebris), false);
      return verifier.finish();
    }
  }
  if (!pending.empty()) {
    verifier.addLine(pending, false);
  }
  return verifier.finish();
}

}  // namespace bastion::audit
