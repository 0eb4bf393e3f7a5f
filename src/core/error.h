#pragma once
// Errors as values at module boundaries: bastion::Result<T> is boost::system::result<T, Error>.

#include <boost/system/result.hpp>

#include <string>
#include <utility>

namespace bastion {

// A failure with a stable machine-readable kind and a message fit to show the caller.
// `code` is meaningful within the module that produced it (each area defines its enum);
// `message` never contains secret values or host paths.
struct Error {
  int code = 0;
  std::string message;

  Error() = default;
  Error(int c, std::string m) : code(c), message(std::move(m)) {}
  template <class E>
    requires std::is_enum_v<E>
  Error(E c, std::string m) : code(static_cast<int>(c)), message(std::move(m)) {}
};

template <class T = void>
using Result = boost::system::result<T, Error>;

// Lets Result<T>::value() throw when misused; callers are expected to test first.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace bastion
