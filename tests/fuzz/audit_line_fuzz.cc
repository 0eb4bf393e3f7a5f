// Any bytes as one audit line and as a whole audit log: a verdict, never a crash or sanitizer
// report. Invariants: a line that parses is exactly the canonical form of its record, and any
// JSON the writer sanitizes re-parses to the same canonical bytes.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/record_format.h"
#include "audit/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto line = bastion::audit::parseLine(bytes)) {
    if (bastion::audit::canonicalJson(line.value().record) != bytes) {
      std::abort();
    }
  }
  const bastion::audit::VerifyResult r = bastion::audit::verifyLog(bytes, {});
  if (r.ok == (r.bad_line != 0)) {
    std::abort();
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(bytes, ec);
  if (!ec) {
    bastion::audit::sanitize(v);
    const std::string text = bastion::audit::canonicalJson(v);
    const boost::json::value again = boost::json::parse(text, ec);
    if (ec || bastion::audit::canonicalJson(again) != text) {
      std::abort();
    }
  }
  return 0;
}
