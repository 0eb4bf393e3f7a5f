#include "transport/sse.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <utility>

namespace bastion::transport {

std::string formatSseEvent(std::string_view id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + id.size() + 16);
  out.append("id: ").append(id).append("\n");
  // Serialized JSON has no raw newlines; split anyway so a stray one cannot end the event.
  std::size_t start = 0;
  while (true) {
    const std::size_t nl = data.find('\n', start);
    out.append("data: ").append(data.substr(start, nl - start)).append("\n");
    if (nl == std::string_view::npos) {
      break;
    }
    start = nl + 1;
  }
  out.append("\n");
  return out;
}

std::string formatSsePriming(std::string_view id, std::chrono::milliseconds retry) {
  std::string out;
  out.append("id: ").append(id).append("\nretry: ").append(std::to_string(retry.count()));
  out.append("\ndata: \n\n");
  return out;
}

std::string_view sseKeepAlive() { return ":\n\n"; }

std::optional<EventId> parseEventId(std::string_view text) {
  if (text.empty() || text.size() > 128) {
    return std::nullopt;
  }
  const std::size_t dash = text.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == text.size()) {
    return std::nullopt;
  }
  EventId id;
  const std::string_view digits = text.substr(dash + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id.seq);
  if (ec != std::errc{} || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  id.stream.assign(text.substr(0, dash));
  return id;
}

SseStream::SseStream(std::string id, bool resumable, std::size_t max_bytes)
    : id_(std::move(id)), resumable_(resumable), max_bytes_(max_bytes) {}

void SseStream::wakeLocked(std::unique_lock<std::mutex>& lock) {
  std::function<void()> wake = wake_;
  lock.unlock();
  if (wake) {
    wake();
  }
}

bool SseStream::send(const boost::json::value& message) {
  std::string data = boost::json::serialize(message);
  std::unique_lock lock(mu_);
  if (gone_ || finished_ || (overflow_ && !resumable_)) {
    return false;
  }
  bytes_ += data.size();
  events_.push_back(SseEvent{next_seq_++, std::move(data), false});
  // Bounded memory: a resumable stream forgets its oldest events; if the live consumer had not
  // written them yet it is too slow and gets dropped. A non-resumable stream only holds what
  // the consumer has not taken, so exceeding the bound means the client stopped reading.
  while (bytes_ > max_bytes_ && !events_.empty()) {
    if (!resumable_) {
      overflow_ = true;
      break;
    }
    const SseEvent& oldest = events_.front();
    if (attached_ && oldest.seq > cursor_) {
      overflow_ = true;
    }
    dropped_through_ = oldest.seq;
    bytes_ -= oldest.data.size();
    events_.pop_front();
  }
  const bool ok = !(overflow_ && !resumable_);
  wakeLocked(lock);
  return ok;
}

void SseStream::closeStream() {
  std::unique_lock lock(mu_);
  if (!resumable_ || !attached_) {
    return;  // nothing to end, or a stream that could never be resumed: keep it open
  }
  detach_requested_ = true;
  wakeLocked(lock);
}

void SseStream::finish(std::optional<std::string> response) {
  std::unique_lock lock(mu_);
  if (finished_) {
    return;
  }
  finished_ = true;
  if (response) {
    bytes_ += response->size();
    // The final response is never dropped for size: it is what the client waits for.
    events_.push_back(SseEvent{next_seq_++, std::move(*response), true});
  }
  wakeLocked(lock);
}

bool SseStream::attach(std::function<void()> wake, std::uint64_t after_seq) {
  std::lock_guard lock(mu_);
  if (after_seq < dropped_through_ || after_seq >= next_seq_) {
    return false;
  }
  wake_ = std::move(wake);
  attached_ = true;
  detach_requested_ = false;
  overflow_ = false;
  cursor_ = after_seq;
  return true;
}

SseStream::Batch SseStream::take() {
  std::lock_guard lock(mu_);
  Batch batch;
  batch.overflow = overflow_;
  if (overflow_) {
    return batch;
  }
  if (resumable_) {
    for (const SseEvent& e : events_) {
      if (e.seq > cursor_) {
        batch.events.push_back(e);
      }
    }
  } else {
    bytes_ = 0;
    batch.events.assign(std::make_move_iterator(events_.begin()),
                        std::make_move_iterator(events_.end()));
    events_.clear();
  }
  if (!batch.events.empty()) {
    cursor_ = batch.events.back().seq;
  }
  batch.finished = finished_ && cursor_ + 1 >= next_seq_;
  batch.detached = detach_requested_ && !batch.finished;
  if (batch.finished) {
    delivered_ = true;
  }
  return batch;
}

void SseStream::release(bool client_gone) {
  std::lock_guard lock(mu_);
  wake_ = nullptr;
  attached_ = false;
  detach_requested_ = false;
  if (client_gone && !resumable_) {
    gone_ = true;
    events_.clear();
    bytes_ = 0;
  }
}

bool SseStream::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

bool SseStream::delivered() const {
  std::lock_guard lock(mu_);
  return delivered_;
}

StreamRegistry::StreamRegistry(std::size_t max_streams_per_session)
    : max_streams_(std::max<std::size_t>(1, max_streams_per_session)) {}

void StreamRegistry::add(const std::shared_ptr<mcp::Session>& session,
                         std::shared_ptr<SseStream> stream) {
  std::lock_guard lock(mu_);
  Entry& entry = sessions_[session->id()];
  entry.session = session;
  auto& streams = entry.streams;
  std::erase_if(streams, [](const auto& s) { return s->delivered(); });
  if (streams.size() >= max_streams_) {
    // Forget the oldest finished stream, else the oldest: a bound, not a guarantee of replay.
    auto victim = std::find_if(streams.begin(), streams.end(),
                               [](const auto& s) { return s->finished(); });
    streams.erase(victim != streams.end() ? victim : streams.begin());
  }
  streams.push_back(std::move(stream));
}

std::shared_ptr<SseStream> StreamRegistry::find(const std::string& session_id,
                                                std::string_view stream_id) {
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) {
    return nullptr;
  }
  for (const auto& s : it->second.streams) {
    if (s->id() == stream_id) {
      return s;
    }
  }
  return nullptr;
}

void StreamRegistry::remove(const std::string& session_id, std::string_view stream_id) {
  std::lock_guard lock(mu_);
  const auto it = sessions_.find(session_id);
  if (it != sessions_.end()) {
    std::erase_if(it->second.streams, [&](const auto& s) { return s->id() == stream_id; });
  }
}

void StreamRegistry::dropSession(const std::string& session_id) {
  std::lock_guard lock(mu_);
  sessions_.erase(session_id);
}

void StreamRegistry::sweep() {
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    std::erase_if(it->second.streams, [](const auto& s) { return s->delivered(); });
    it = it->second.session.expired() ? sessions_.erase(it) : std::next(it);
  }
}

std::size_t StreamRegistry::streamCount() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& kv : sessions_) {
    n += kv.second.streams.size();
  }
  return n;
}

}  // namespace bastion::transport
