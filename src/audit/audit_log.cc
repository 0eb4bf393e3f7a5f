// The file-backed audit log: callers enqueue, one writer thread formats, chains, writes each
// group with one write() and fsyncs per the mode.

#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "audit/log_recovery.h"
#include "audit/record_format.h"
#include "audit/signing_key.h"
#include "core/crypto.h"
#include "core/fd_io.h"
#include "core/unique_fd.h"

namespace bastion::audit {
namespace {

namespace json = boost::json;

struct Pending {
  json::object event;
  Clock::time_point time;
};

// Fields the log owns; an event's own fields of these names are kept under "event_<name>".
constexpr std::array<std::string_view, 4> kReserved{"seq", "time", "prev", "hash"};

// Records written together at most; reaching it wakes the writer before its write_delay.
constexpr std::size_t kGroupSize = 512;

json::object prepareEvent(json::object event) {
  for (std::string_view name : kReserved) {
    if (auto it = event.find(name); it != event.end()) {
      json::value v = std::move(it->value());
      event.erase(it);
      event["event_" + std::string(name)] = std::move(v);
    }
  }
  const json::value* type = event.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    if (type != nullptr) {
      event["event_type"] = *type;
    }
    event["type"] = "event";
  } else if (type->get_string() == "checkpoint" || type->get_string() == "resume") {
    // Only the log writes these: their extra checks in the verifier must not meet caller data.
    event["type"] = "event_" + std::string(type->get_string());
  }
  json::value v(std::move(event));
  sanitize(v);
  return std::move(v.get_object());
}

// A newly created file is durable only once its directory entry is.
void syncParentDirectory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) {
    ::fsync(fd.get());
  }
}

class FileAuditLog final : public AuditLog {
 public:
  FileAuditLog(const AuditOptions& options, const Clock& clock, UniqueFd fd, const ChainTail& tail,
               std::optional<SigningKey> key)
      : options_(options),
        clock_(clock),
        fd_(std::move(fd)),
        seq_(tail.seq),
        prev_(tail.hash),
        since_checkpoint_(tail.seq > 0 && !tail.last_is_checkpoint ? 1 : 0),
        key_(std::move(key)),
        last_sync_(std::chrono::steady_clock::now()) {}

  ~FileAuditLog() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      close_time_ = clock_.now();
    }
    work_cv_.notify_all();
    space_cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Before the writer starts: account for crash debris after the last valid record.
  Result<void> resume(const ChainTail& tail, Clock::time_point now) {
    if (tail.needs_newline) {
      if (!writeAll(fd_.get(), "\n") || ::fdatasync(fd_.get()) != 0) {
        return Error(AuditError::WriteFailed, "cannot write to the audit log");
      }
    }
    const std::string& torn = tail.torn;
    if (torn.empty()) {
      return {};
    }
    std::string out;
    std::string accounted = torn;
    if (torn.back() != '\n') {
      out += '\n';
      accounted += '\n';
    }
    json::object r;
    r["type"] = "resume";
    r["torn_bytes"] = accounted.size();
    r["torn_sha256"] = crypto::sha256Hex(accounted);
    appendRecord(out, std::move(r), now);
    ++since_checkpoint_;  // the next checkpoint covers the resume record too
    if (!writeAll(fd_.get(), out) || ::fdatasync(fd_.get()) != 0) {
      return Error(AuditError::WriteFailed, "cannot write to the audit log");
    }
    published_ = local_;
    return {};
  }

  void start() {
    thread_ = std::thread([this] { run(); });
  }

  void record(json::object event) override {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] {
      return queue_.size() < std::max<std::size_t>(options_.queue_capacity, 1) || failed_ ||
             stopping_;
    });
    if (failed_ || stopping_) {
      return;  // on_failure has been told; the owner decides what happens next
    }
    const std::uint64_t ticket = next_ticket_++;
    queue_.push_back(Pending{std::move(event), clock_.now()});
    // Wake the writer when it may be asleep with nothing to do (the first record of a group)
    // or a group is full; otherwise it is already counting down its write_delay.
    if (options_.fsync == Fsync::Always || queue_.size() == 1 || queue_.size() == kGroupSize) {
      work_cv_.notify_one();
    }
    if (options_.fsync == Fsync::Always) {
      done_cv_.wait(lock, [&] { return synced_ticket_ >= ticket || failed_; });
    }
  }

  bool recordWaitsForDisk() const override { return options_.fsync == Fsync::Always; }

  void flush() override {
    std::unique_lock lock(mu_);
    const std::uint64_t target = next_ticket_ - 1;
    flush_ticket_ = std::max(flush_ticket_, target);
    work_cv_.notify_one();
    done_cv_.wait(lock, [&] { return synced_ticket_ >= target || failed_; });
  }

  Stats stats() const override {
    std::lock_guard lock(mu_);
    return published_;
  }

 private:
  void run();
  void waitForWork(std::unique_lock<std::mutex>& lock);
  void appendEvent(std::string& out, Pending pending);
  void appendRecord(std::string& out, json::object record, Clock::time_point time);
  void appendCheckpoint(std::string& out, Clock::time_point time);
  bool syncDue(bool forced, bool stopping) const;
  void publish(std::uint64_t last_ticket);
  void fail(const char* what);

  const AuditOptions options_;
  const Clock& clock_;

  // Writer thread only (and resume(), before the thread starts).
  UniqueFd fd_;
  std::uint64_t seq_;
  std::string prev_;
  std::size_t since_checkpoint_;
  std::optional<SigningKey> key_;
  bool dirty_ = false;  // written but not fsynced
  std::chrono::steady_clock::time_point last_sync_;
  Stats local_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // the writer waits for records, a flush or stop
  std::condition_variable space_cv_;  // record() waits for room in the queue
  std::condition_variable done_cv_;   // record() (Always) and flush() wait for durability
  std::deque<Pending> queue_;         // guarded by mu_
  std::uint64_t next_ticket_ = 1;     // guarded by mu_; the ticket of the next record()
  std::uint64_t synced_ticket_ = 0;   // guarded by mu_; events up to here are durable (Never:
                                      // written)
  std::uint64_t flush_ticket_ = 0;    // guarded by mu_; a flush() waits for this one
  bool stopping_ = false;             // guarded by mu_
  bool failed_ = false;               // guarded by mu_
  Clock::time_point close_time_;      // guarded by mu_; set with stopping_
  Stats published_;                   // guarded by mu_
  std::thread thread_;
};

void FileAuditLog::waitForWork(std::unique_lock<std::mutex>& lock) {
  auto urgent = [&] {
    return stopping_ || flush_ticket_ > synced_ticket_ || queue_.size() >= kGroupSize ||
           (options_.fsync == Fsync::Always && !queue_.empty());
  };
  auto ready = [&] { return !queue_.empty() || urgent(); };
  if (options_.fsync == Fsync::Batch && dirty_) {
    work_cv_.wait_until(lock, last_sync_ + options_.batch_interval, ready);
  } else {
    work_cv_.wait(lock, ready);
  }
  // Batch and Never: let a group gather for write_delay, so that a busy server makes one
  // write (and one wake-up) per group instead of one per call.
  if (!queue_.empty() && !urgent() && options_.write_delay.count() > 0) {
    work_cv_.wait_until(lock, std::chrono::steady_clock::now() + options_.write_delay, urgent);
  }
}

void FileAuditLog::run() {
  for (;;) {
    std::deque<Pending> batch;
    std::uint64_t last_ticket = 0;
    bool stopping = false;
    bool flush_requested = false;
    Clock::time_point close_time;
    {
      std::unique_lock lock(mu_);
      waitForWork(lock);
      batch.swap(queue_);
      last_ticket = next_ticket_ - 1;
      stopping = stopping_;
      flush_requested = flush_ticket_ > synced_ticket_;
      close_time = close_time_;
    }
    space_cv_.notify_all();
    std::string out;
    for (Pending& pending : batch) {
      appendEvent(out, std::move(pending));
    }
    if (stopping && key_ && since_checkpoint_ > 0) {
      appendCheckpoint(out, close_time);
    }
    if (!out.empty()) {
      if (!writeAll(fd_.get(), out)) {
        return fail("write failed");
      }
      dirty_ = true;
      ++local_.writes;
    }
    if (syncDue(flush_requested, stopping)) {
      if (::fdatasync(fd_.get()) != 0) {
        return fail("fsync failed");
      }
      dirty_ = false;
      last_sync_ = std::chrono::steady_clock::now();
      ++local_.fsyncs;
    }
    publish(last_ticket);
    if (stopping) {
      return;
    }
  }
}

bool FileAuditLog::syncDue(bool forced, bool stopping) const {
  if (!dirty_ || options_.fsync == Fsync::Never) {
    return false;
  }
  return options_.fsync == Fsync::Always || forced || stopping ||
         std::chrono::steady_clock::now() - last_sync_ >= options_.batch_interval;
}

void FileAuditLog::publish(std::uint64_t last_ticket) {
  {
    std::lock_guard lock(mu_);
    published_ = local_;
    if (!dirty_ || options_.fsync == Fsync::Never) {
      synced_ticket_ = std::max(synced_ticket_, last_ticket);
    }
  }
  done_cv_.notify_all();
}

void FileAuditLog::fail(const char* what) {
  const Error error(AuditError::WriteFailed, std::string("audit log: ") + what + " (errno " +
                                                 std::to_string(errno) +
                                                 "); nothing more is recorded");
  // The owner hears first, while callers waiting under fsync=always are still held: none of
  // them returns from record() as if its event were on disk before the owner could react.
  if (!options_.on_failure) {
    // Fail closed: without an owner to stop the server, no call may go on unaudited.
    std::fprintf(stderr, "bastion: %s\n", error.message.c_str());
    std::abort();
  }
  options_.on_failure(error);
  {
    std::lock_guard lock(mu_);
    failed_ = true;
    queue_.clear();
  }
  space_cv_.notify_all();
  done_cv_.notify_all();
}

void FileAuditLog::appendEvent(std::string& out, Pending pending) {
  appendRecord(out, prepareEvent(std::move(pending.event)), pending.time);
  ++since_checkpoint_;
  if (key_ && options_.checkpoint_every > 0 && since_checkpoint_ >= options_.checkpoint_every) {
    appendCheckpoint(out, pending.time);
  }
}

void FileAuditLog::appendRecord(std::string& out, json::object record, Clock::time_point time) {
  record["seq"] = ++seq_;
  record["time"] = rfc3339Millis(time);
  record["prev"] = prev_;
  prev_ = appendRecordLine(out, record);
  out += '\n';
  ++local_.records;
}

void FileAuditLog::appendCheckpoint(std::string& out, Clock::time_point time) {
  json::object cp;
  cp["type"] = "checkpoint";
  cp["covers"] = seq_;
  cp["key_id"] = key_->keyId();
  cp["sig"] = crypto::base64UrlEncode(key_->sign(checkpointMessage(seq_, prev_)));
  appendRecord(out, std::move(cp), time);
  since_checkpoint_ = 0;
  ++local_.checkpoints;
}

Result<UniqueFd> openLocked(const std::string& path, bool& created) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) {
    return Error(AuditError::CannotOpen, "cannot open the audit log " + path);
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return Error(AuditError::InUse, "the audit log " + path + " is in use by another writer");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Error(AuditError::CannotOpen, "the audit log " + path + " is not a regular file");
  }
  created = st.st_size == 0;
  return fd;
}

}  // namespace

Result<std::shared_ptr<AuditLog>> AuditLog::open(const AuditOptions& options, const Clock& clock) {
  bool created = false;
  auto fd = openLocked(options.path, created);
  if (!fd) {
    return fd.error();
  }
  struct stat st {};
  ::fstat(fd.value().get(), &st);
  auto tail = readChainTail(fd.value().get(), static_cast<std::uint64_t>(st.st_size));
  if (!tail) {
    return Error(AuditError::CannotContinue, options.path + ": " + tail.error().message);
  }
  std::optional<SigningKey> key;
  if (!options.key_path.empty()) {
    auto loaded = SigningKey::loadOrCreate(options.key_path);
    if (!loaded) {
      return Error(AuditError::BadKey, loaded.error().message);
    }
    key.emplace(std::move(loaded).value());
  }
  if (created) {
    syncParentDirectory(options.path);
  }
  auto log = std::make_shared<FileAuditLog>(options, clock, std::move(fd).value(), tail.value(),
                                            std::move(key));
  if (auto resumed = log->resume(tail.value(), clock.now()); !resumed) {
    return resumed.error();
  }
  log->start();
  return std::shared_ptr<AuditLog>(std::move(log));
}

std::optional<Fsync> parseFsync(std::string_view text) {
  if (text == "always") {
    return Fsync::Always;
  }
  if (text == "batch") {
    return Fsync::Batch;
  }
  if (text == "never") {
    return Fsync::Never;
  }
  return std::nullopt;
}

Result<std::shared_ptr<AuditSink>> openAuditLog(const AuditOptions& options, const Clock& clock) {
  auto log = AuditLog::open(options, clock);
  if (!log) {
    return log.error();
  }
  return std::shared_ptr<AuditSink>(std::move(log).value());
}

}  // namespace bastion::audit
