// SSE encoding, event ids, one stream's queue (bounds, resumption) and the per-session registry.

#include "transport/sse.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/random.h"

namespace bastion::transport {
namespace {

namespace json = boost::json;

json::value note(int i) { return json::object{{"jsonrpc", "2.0"}, {"method", "n"}, {"params", i}}; }

TEST(SseFormat, EventHasIdAndDataAndBlankLine) {
  EXPECT_EQ(formatSseEvent("s-1", R"({"a":1})"), "id: s-1\ndata: {\"a\":1}\n\n");
}

TEST(SseFormat, NewlineInDataCannotEndTheEventEarly) {
  // An injected "\n\nid: x" must stay inside data lines, never forge a new event.
  const std::string e = formatSseEvent("s-1", "a\n\nid: forged");
  EXPECT_EQ(e, "id: s-1\ndata: a\ndata: \ndata: id: forged\n\n");
}

TEST(SseFormat, PrimingEventHasRetryAndEmptyData) {
  EXPECT_EQ(formatSsePriming("s-0", std::chrono::milliseconds(1500)),
            "id: s-0\nretry: 1500\ndata: \n\n");
}

TEST(EventIdParse, AcceptsStreamDashSeq) {
  const auto id = parseEventId("Ab_c-d9-42");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->stream, "Ab_c-d9");
  EXPECT_EQ(id->seq, 42u);
}

TEST(EventIdParse, RejectsMalformedIds) {
  for (const char* bad : {"", "-", "abc", "abc-", "-5", "abc-5x", "abc-99999999999999999999999",
                          "abc- 5"}) {
    EXPECT_FALSE(parseEventId(bad)) << bad;
  }
  EXPECT_FALSE(parseEventId(std::string(200, 'a') + "-1")) << "bounded length";
}

TEST(SseStreamTest, NonResumableStreamHandsEventsOnceAndFinishes) {
  SseStream s("s", false, 1 << 20);
  int wakes = 0;
  ASSERT_TRUE(s.attach([&] { ++wakes; }));
  EXPECT_TRUE(s.send(note(1)));
  EXPECT_TRUE(s.send(note(2)));
  auto b = s.take();
  ASSERT_EQ(b.events.size(), 2u);
  EXPECT_EQ(b.events[0].seq, 1u);
  EXPECT_EQ(b.events[1].seq, 2u);
  EXPECT_FALSE(b.finished);
  EXPECT_TRUE(s.take().events.empty());
  s.finish(std::string(R"({"id":1})"));
  b = s.take();
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_TRUE(b.events[0].final);
  EXPECT_TRUE(b.finished);
  EXPECT_EQ(wakes, 3);
  EXPECT_FALSE(s.send(note(3))) << "nothing after the final response";
}

TEST(SseStreamTest, ClientThatStopsReadingOverflowsAndSendFails) {
  // A consumer that takes nothing: past max_bytes the stream overflows and refuses sends.
  SseStream s("s", false, 1000);
  ASSERT_TRUE(s.attach([] {}));
  int accepted = 0;
  while (s.send(note(accepted)) && accepted < 10000) {
    ++accepted;
  }
  EXPECT_LT(accepted, 100);
  EXPECT_TRUE(s.take().overflow);
}

TEST(SseStreamTest, DisconnectedNonResumableStreamRefusesSends) {
  SseStream s("s", false, 1 << 20);
  ASSERT_TRUE(s.attach([] {}));
  s.release(true);
  EXPECT_FALSE(s.send(note(1)));
}

TEST(SseStreamTest, CloseStreamDetachesResumableStreamOnly) {
  SseStream plain("p", false, 1 << 20);
  ASSERT_TRUE(plain.attach([] {}));
  plain.closeStream();
  EXPECT_FALSE(plain.take().detached) << "a stream that cannot resume is never cut short";
  SseStream s("r", true, 1 << 20);
  ASSERT_TRUE(s.attach([] {}));
  s.closeStream();
  EXPECT_TRUE(s.take().detached);
}

TEST(SseStreamTest, ResumeReplaysOnlyEventsAfterTheGivenSeq) {
  SseStream s("r", true, 1 << 20);
  ASSERT_TRUE(s.attach([] {}));
  s.send(note(1));
  s.send(note(2));
  EXPECT_EQ(s.take().events.size(), 2u);
  s.closeStream();
  s.release(false);
  s.send(note(3));
  s.finish(std::string("{}"));
  ASSERT_TRUE(s.attach([] {}, 1));
  const auto b = s.take();
  ASSERT_EQ(b.events.size(), 3u);
  EXPECT_EQ(b.events[0].seq, 2u);
  EXPECT_EQ(b.events[2].seq, 4u);
  EXPECT_TRUE(b.finished);
  EXPECT_TRUE(s.delivered());
}

TEST(SseStreamTest, ResumeFromAFutureOrForgottenSeqIsRefused) {
  SseStream s("r", true, 300);
  for (int i = 0; i < 20; ++i) {
    s.send(note(i));
  }
  EXPECT_FALSE(s.attach([] {}, 999)) << "an id this stream never issued";
  EXPECT_FALSE(s.attach([] {}, 1)) << "events already forgotten under the byte bound";
  EXPECT_TRUE(s.attach([] {}, 19));
}

TEST(StreamRegistryTest, FindsOnlyTheSessionsOwnStreams) {
  StreamRegistry reg;
  auto s1 = std::make_shared<mcp::Session>("one", auth::Principal{});
  auto s2 = std::make_shared<mcp::Session>("two", auth::Principal{});
  reg.add(s1, std::make_shared<SseStream>("aaa", true, 1024));
  reg.add(s2, std::make_shared<SseStream>("bbb", true, 1024));
  EXPECT_TRUE(reg.find("one", "aaa"));
  EXPECT_FALSE(reg.find("two", "aaa")) << "another session's stream id finds nothing";
  EXPECT_FALSE(reg.find("one", "bbb"));
}

TEST(StreamRegistryTest, BoundedPerSessionAndForgottenWithTheSession) {
  StreamRegistry reg(4);
  auto session = std::make_shared<mcp::Session>("one", auth::Principal{});
  for (int i = 0; i < 10; ++i) {
    reg.add(session, std::make_shared<SseStream>("s" + std::to_string(i), true, 1024));
  }
  EXPECT_EQ(reg.streamCount(), 4u);
  EXPECT_TRUE(reg.find("one", "s9"));
  EXPECT_FALSE(reg.find("one", "s0"));
  session.reset();
  reg.sweep();
  EXPECT_EQ(reg.streamCount(), 0u);
}

}  // namespace
}  // namespace bastion::transport
