// Schema compilation + validation on untrusted bytes: "<schema JSON>\0<instance JSON>".
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  boost::system::error_code ec;
  const auto schema = boost::json::parse(input.substr(0, split), ec);
  if (ec) return 0;
  bastion::json::CompileOptions options;
  options.assert_formats = (size % 2) == 1;
  for (const auto& s : {schema, bastion::json::closeObjectSchemas(schema)}) {
    auto compiled = bastion::json::CompiledSchema::compile(s, nullptr, options);
    if (!compiled || split == std::string_view::npos) continue;
    const auto instance = boost::json::parse(input.substr(split + 1), ec);
    if (!ec) (void)(*compiled)->validate(instance);
  }
  return 0;
}
