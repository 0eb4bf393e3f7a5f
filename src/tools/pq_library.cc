#include "tools/pq_library.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace bastion::tools {
namespace {

enum class PqError { Unavailable = 1 };

template <class Fn>
bool resolve(void* handle, const char* name, Fn& out, std::string& missing) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    missing = name;
    return false;
  }
  out = reinterpret_cast<Fn>(symbol);  // NOLINT: dlsym's documented use
  return true;
}

struct Loaded {
  PqLibrary lib;
  bool ok = false;
  std::string error;
};

Loaded& loaded() {
  static Loaded state;
  static std::once_flag once;
  std::call_once(once, [] {
    // Never unloaded: the table stays valid for the life of the process.
    void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      state.error = std::string("PostgreSQL client library libpq.so.5 cannot be loaded: ") +
                    (why != nullptr ? why : "unknown error") + " (install libpq5)";
      return;
    }
    PqLibrary& lib = state.lib;
    std::string missing;
    bool ok = true;
    ok = ok && resolve(handle, "PQcancel", lib.PQcancel, missing);
    ok = ok && resolve(handle, "PQclear", lib.PQclear, missing);
    ok = ok && resolve(handle, "PQcmdTuples", lib.PQcmdTuples, missing);
    ok = ok && resolve(handle, "PQconnectdbParams", lib.PQconnectdbParams, missing);
    ok = ok && resolve(handle, "PQconninfoFree", lib.PQconninfoFree, missing);
    ok = ok && resolve(handle, "PQconninfoParse", lib.PQconninfoParse, missing);
    ok = ok && resolve(handle, "PQdescribePrepared", lib.PQdescribePrepared, missing);
    ok = ok && resolve(handle, "PQerrorMessage", lib.PQerrorMessage, missing);
    ok = ok && resolve(handle, "PQexec", lib.PQexec, missing);
    ok = ok && resolve(handle, "PQfinish", lib.PQfinish, missing);
    ok = ok && resolve(handle, "PQfname", lib.PQfname, missing);
    ok = ok && resolve(handle, "PQfreeCancel", lib.PQfreeCancel, missing);
    ok = ok && resolve(handle, "PQfreemem", lib.PQfreemem, missing);
    ok = ok && resolve(handle, "PQftype", lib.PQftype, missing);
    ok = ok && resolve(handle, "PQgetCancel", lib.PQgetCancel, missing);
    ok = ok && resolve(handle, "PQgetResult", lib.PQgetResult, missing);
    ok = ok && resolve(handle, "PQgetisnull", lib.PQgetisnull, missing);
    ok = ok && resolve(handle, "PQgetlength", lib.PQgetlength, missing);
    ok = ok && resolve(handle, "PQgetvalue", lib.PQgetvalue, missing);
    ok = ok && resolve(handle, "PQnfields", lib.PQnfields, missing);
    ok = ok && resolve(handle, "PQntuples", lib.PQntuples, missing);
    ok = ok && resolve(handle, "PQparameterStatus", lib.PQparameterStatus, missing);
    ok = ok && resolve(handle, "PQprepare", lib.PQprepare, missing);
    ok = ok && resolve(handle, "PQresultErrorField", lib.PQresultErrorField, missing);
    ok = ok && resolve(handle, "PQresultStatus", lib.PQresultStatus, missing);
    ok = ok && resolve(handle, "PQsendQueryParams", lib.PQsendQueryParams, missing);
    ok = ok && resolve(handle, "PQsetSingleRowMode", lib.PQsetSingleRowMode, missing);
    ok = ok && resolve(handle, "PQstatus", lib.PQstatus, missing);
    ok = ok && resolve(handle, "PQtransactionStatus", lib.PQtransactionStatus, missing);
    if (!ok) {
      state.error = "libpq.so.5 lacks " + missing + " (too old a libpq)";
      return;
    }
    state.ok = true;
  });
  return state;
}

}  // namespace

Result<const PqLibrary*> loadPq() {
  const Loaded& state = loaded();
  if (!state.ok) {
    return Error(PqError::Unavailable, state.error);
  }
  return &state.lib;
}

const PqLibrary& pq() {
  const Loaded& state = loaded();
  if (!state.ok) {
    std::fprintf(stderr, "bastion: libpq used before it was loaded: %s\n", state.error.c_str());
    std::abort();
  }
  return state.lib;
}

}  // namespace bastion::tools
