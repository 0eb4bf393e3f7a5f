#pragma once
// Server-Sent Events for the Streamable HTTP transport: the wire encoding, one stream's
// thread-safe event queue (the mcp::Outbound that tools write to), and the per-session registry
// of resumable streams that GET + Last-Event-ID resumes.
//
// Event ids are "<stream>-<seq>": <stream> is a CSPRNG token (96 bits) so an id seen in one
// session says nothing about another, and <seq> counts events within that stream from 1; the
// priming event has seq 0. A Last-Event-ID therefore names exactly one stream, and a resume
// replays only that stream's later events.
//
// No Asio here: a stream wakes its consumer through a callback the connection provides.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mcp/dispatcher.h"

namespace bastion::transport {

// "id: <id>\ndata: <data>\n\n"; `data` containing newlines becomes several data lines.
std::string formatSseEvent(std::string_view id, std::string_view data);
// The priming event: an id, the reconnection delay and empty data.
std::string formatSsePriming(std::string_view id, std::chrono::milliseconds retry);
// A comment line that keeps intermediaries from timing the stream out.
std::string_view sseKeepAlive();

struct EventId {
  std::string stream;
  std::uint64_t seq = 0;
};
// Parses "<stream>-<seq>"; nullopt for anything else (never throws, bounded length).
std::optional<EventId> parseEventId(std::string_view text);

struct SseEvent {
  std::uint64_t seq = 0;
  std::string data;  // one serialized JSON-RPC message
  bool final = false;  // the response that ends the stream
};

// One SSE stream: the response stream of a POST, or a session's standalone GET stream.
// Producers (tool threads through mcp::Outbound, the dispatch completion) and the one consumer
// (the connection writing it) may be on different threads; every member is guarded by mu_.
//
// A resumable stream (legacy era, with a session) keeps its recent events (bounded by bytes) so
// a later consumer can replay after any id it still holds; a non-resumable stream drops each
// event once taken. A consumer that falls more than `max_bytes` behind overflows: the stream
// reports it so the connection is dropped, and (non-resumable) further sends fail.
class SseStream final : public mcp::Outbound {
 public:
  SseStream(std::string id, bool resumable, std::size_t max_bytes);

  const std::string& id() const { return id_; }
  bool resumable() const { return resumable_; }
  std::string primingId() const { return id_ + "-0"; }
  std::string eventId(std::uint64_t seq) const { return id_ + "-" + std::to_string(seq); }

  // mcp::Outbound: queue a message; false once the client is gone for good.
  bool send(const boost::json::value& message) override;
  // Ends the current HTTP response early; later events wait for a resume (resumable only).
  void closeStream() override;

  // The final response (or none, for a stream that just ends). Later sends fail.
  void finish(std::optional<std::string> response);

  // Consumer side. attach() makes the caller the stream's writer, starting after `after_seq`
  // (0: from the first event); `wake` is called, from any thread, when take() has news.
  // Returns false if `after_seq` is older than what the stream still holds.
  bool attach(std::function<void()> wake, std::uint64_t after_seq = 0);
  struct Batch {
    std::vector<SseEvent> events;
    bool finished = false;  // the final event is in `events` (or the stream ended without one)
    bool detached = false;  // closeStream() was called: end the response now
    bool overflow = false;  // the consumer fell too far behind: drop the connection
  };
  Batch take();
  // The consumer's connection ended. Non-resumable streams count the client as gone
  // (cancellation); resumable ones wait for a resume.
  void release(bool client_gone);

  bool finished() const;
  bool delivered() const;  // the final event reached a live consumer

 private:
  void wakeLocked(std::unique_lock<std::mutex>& lock);

  const std::string id_;
  const bool resumable_;
  const std::size_t max_bytes_;

  mutable std::mutex mu_;  // guards everything below
  std::deque<SseEvent> events_;
  std::size_t bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t cursor_ = 0;  // last seq handed to the consumer
  std::uint64_t dropped_through_ = 0;  // resumable: events up to here were discarded
  std::function<void()> wake_;  // empty when no consumer is attached
  bool attached_ = false;
  bool detach_requested_ = false;
  bool overflow_ = false;
  bool gone_ = false;
  bool finished_ = false;
  bool delivered_ = false;
};

// Resumable streams per legacy session, for GET + Last-Event-ID. Entries die with their session
// (the registry holds the session weakly) and are bounded per session: the oldest streams are
// forgotten first. Thread-safe.
class StreamRegistry {
 public:
  explicit StreamRegistry(std::size_t max_streams_per_session = 32);

  void add(const std::shared_ptr<mcp::Session>& session, std::shared_ptr<SseStream> stream);
  // The stream with `stream_id` in `session_id`'s streams, or null. Never another session's.
  std::shared_ptr<SseStream> find(const std::string& session_id, std::string_view stream_id);
  void remove(const std::string& session_id, std::string_view stream_id);
  void dropSession(const std::string& session_id);
  // Forgets sessions that no longer exist and streams already delivered in full.
  void sweep();
  std::size_t streamCount() const;

 private:
  struct Entry {
    std::weak_ptr<mcp::Session> session;
    std::vector<std::shared_ptr<SseStream>> streams;  // oldest first
  };
  const std::size_t max_streams_;
  mutable std::mutex mu_;  // guards sessions_
  std::unordered_map<std::string, Entry> sessions_;
};

}  // namespace bastion::transport
