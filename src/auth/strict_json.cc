#include "auth/strict_json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <set>
#include <string>
#include <vector>

namespace bastion::auth {
namespace {

using boost::json::error_code;
using boost::json::string_view;

// A SAX pass that fails on the first member name seen twice in one object. Each open object
// owns a set of the names seen so far; arrays push nothing.
class DuplicateKeyCheck {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t, error_code&) { return true; }
  bool on_object_begin(error_code&) {
    names_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    names_.pop_back();
    return true;
  }
  bool on_string_part(string_view, std::size_t, error_code&) { return true; }
  bool on_string(string_view, std::size_t, error_code&) { return true; }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    key_.append(s.data(), s.size());
    const bool fresh = names_.back().insert(std::move(key_)).second;
    key_.clear();
    if (!fresh) {
      ec = boost::json::error::syntax;  // any error stops the parse; the kind is not reported
    }
    return fresh;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(std::int64_t, string_view, error_code&) { return true; }
  bool on_uint64(std::uint64_t, string_view, error_code&) { return true; }
  bool on_double(double, string_view, error_code&) { return true; }
  bool on_bool(bool, error_code&) { return true; }
  bool on_null(error_code&) { return true; }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  std::vector<std::set<std::string>> names_;
  std::string key_;
};

bool hasNoDuplicateKeys(std::string_view text, const boost::json::parse_options& opts) {
  boost::json::basic_parser<DuplicateKeyCheck> parser(opts);
  error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  return !ec && used == text.size() && parser.done();
}

}  // namespace

std::optional<boost::json::object> parseStrictJsonObject(std::string_view text,
                                                         std::size_t max_depth) {
  boost::json::parse_options opts;
  opts.max_depth = max_depth;
  if (!hasNoDuplicateKeys(text, opts)) {
    return std::nullopt;
  }
  error_code ec;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return std::move(v.get_object());
}

}  // namespace bastion::auth
