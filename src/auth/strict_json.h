#pragma once
// JSON from untrusted parties (JWT headers and claims, JWK Sets) parsed strictly: standard JSON
// only (no comments, no trailing commas, valid UTF-8), bounded nesting, and an object member
// name repeated anywhere in the document is an error. Boost.JSON alone keeps the last of
// duplicate members; two parsers that disagree on which one wins are how claims get smuggled
// (RFC 7515 section 5.2 lets a JWS recipient reject duplicates, and we do).

#include <boost/json/object.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

namespace bastion::auth {

// The document if it is strict JSON whose top level is an object; nullopt otherwise.
// Checks nothing about the members.
std::optional<boost::json::object> parseStrictJsonObject(std::string_view text,
                                                         std::size_t max_depth = 16);

}  // namespace bastion::auth
