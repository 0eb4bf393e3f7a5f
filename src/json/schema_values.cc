// JSON value semantics shared by the keywords: exact number comparison, JSON equality.
#include <cfloat>
#include <cmath>

#include "json/schema_internal.h"

namespace bastion::json::detail {
namespace {

long double asLongDouble(const Number& n) {
  switch (n.kind) {
    case Number::Kind::Int: return static_cast<long double>(n.i);
    case Number::Kind::Uint: return static_cast<long double>(n.u);
    case Number::Kind::Double: break;
  }
  return static_cast<long double>(n.d);
}

template <class T>
int threeWay(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

std::optional<Number> Number::from(const boost::json::value& v) {
  Number n;
  switch (v.kind()) {
    case boost::json::kind::int64: n.kind = Kind::Int; n.i = v.get_int64(); return n;
    case boost::json::kind::uint64: n.kind = Kind::Uint; n.u = v.get_uint64(); return n;
    case boost::json::kind::double_: n.kind = Kind::Double; n.d = v.get_double(); return n;
    default: return std::nullopt;
  }
}

int compareNumbers(const Number& a, const Number& b) {
  using K = Number::Kind;
  if (a.kind == K::Int && b.kind == K::Int) return threeWay(a.i, b.i);
  if (a.kind == K::Uint && b.kind == K::Uint) return threeWay(a.u, b.u);
  if (a.kind == K::Int && b.kind == K::Uint) return a.i < 0 ? -1 : threeWay(static_cast<std::uint64_t>(a.i), b.u);
  if (a.kind == K::Uint && b.kind == K::Int) return b.i < 0 ? 1 : threeWay(a.u, static_cast<std::uint64_t>(b.i));
  return threeWay(asLongDouble(a), asLongDouble(b));
}

bool isMultipleOf(const Number& x, const Number& m) {
  if (x.kind != Number::Kind::Double && m.kind != Number::Kind::Double) {
    const std::uint64_t mu = m.kind == Number::Kind::Uint ? m.u : static_cast<std::uint64_t>(m.i);
    const std::uint64_t xu = x.kind == Number::Kind::Uint ? x.u
                             : x.i < 0 ? 0 - static_cast<std::uint64_t>(x.i)
                                       : static_cast<std::uint64_t>(x.i);
    return xu % mu == 0;
  }
  // Binary floating point: accept a quotient within rounding error of an integer; an
  // overflowing quotient is never a multiple.
  const double q = static_cast<double>(asLongDouble(x) / asLongDouble(m));
  if (!std::isfinite(q)) {
    // Too large a quotient to tell, except when m divides 1: then every integer qualifies.
    const double xd = static_cast<double>(asLongDouble(x));
    const double md = static_cast<double>(asLongDouble(m));
    return std::floor(xd) == xd && std::fmod(1.0, md) == 0.0;
  }
  return std::fabs(q - std::round(q)) <= std::fabs(q) * 8 * DBL_EPSILON;
}

bool jsonEqual(const boost::json::value& a, const boost::json::value& b) {
  const auto na = Number::from(a);
  const auto nb = Number::from(b);
  if (na || nb) return na && nb && compareNumbers(*na, *nb) == 0;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case boost::json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!jsonEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case boost::json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& member : x) {
        const auto* other = y.if_contains(member.key());
        if (other == nullptr || !jsonEqual(member.value(), *other)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

}  // namespace bastion::json::detail
