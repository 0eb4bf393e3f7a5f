#pragma once
// libpq, loaded when the first PostgreSQL database is opened instead of linked into the
// program. libpq brings 18 libraries with it (GnuTLS, Kerberos, LDAP, SASL, p11-kit, ...) that a
// linked program maps, relocates and initialises at every start: about 3 MiB of resident
// memory and a few milliseconds of start-up, and all of that code in the address space of
// servers that use no PostgreSQL at all. The table holds the functions the backend calls,
// resolved once; the types and constants still come from <libpq-fe.h>.

#include <libpq-fe.h>

#include "core/error.h"

namespace bastion::tools {

struct PqLibrary {
  decltype(&::PQcancel) PQcancel = nullptr;
  decltype(&::PQclear) PQclear = nullptr;
  decltype(&::PQcmdTuples) PQcmdTuples = nullptr;
  decltype(&::PQconnectdbParams) PQconnectdbParams = nullptr;
  decltype(&::PQconninfoFree) PQconninfoFree = nullptr;
  decltype(&::PQconninfoParse) PQconninfoParse = nullptr;
  decltype(&::PQdescribePrepared) PQdescribePrepared = nullptr;
  decltype(&::PQerrorMessage) PQerrorMessage = nullptr;
  decltype(&::PQexec) PQexec = nullptr;
  decltype(&::PQfinish) PQfinish = nullptr;
  decltype(&::PQfname) PQfname = nullptr;
  decltype(&::PQfreeCancel) PQfreeCancel = nullptr;
  decltype(&::PQfreemem) PQfreemem = nullptr;
  decltype(&::PQftype) PQftype = nullptr;
  decltype(&::PQgetCancel) PQgetCancel = nullptr;
  decltype(&::PQgetResult) PQgetResult = nullptr;
  decltype(&::PQgetisnull) PQgetisnull = nullptr;
  decltype(&::PQgetlength) PQgetlength = nullptr;
  decltype(&::PQgetvalue) PQgetvalue = nullptr;
  decltype(&::PQnfields) PQnfields = nullptr;
  decltype(&::PQntuples) PQntuples = nullptr;
  decltype(&::PQparameterStatus) PQparameterStatus = nullptr;
  decltype(&::PQprepare) PQprepare = nullptr;
  decltype(&::PQresultErrorField) PQresultErrorField = nullptr;
  decltype(&::PQresultStatus) PQresultStatus = nullptr;
  decltype(&::PQsendQueryParams) PQsendQueryParams = nullptr;
  decltype(&::PQsetSingleRowMode) PQsetSingleRowMode = nullptr;
  decltype(&::PQstatus) PQstatus = nullptr;
  decltype(&::PQtransactionStatus) PQtransactionStatus = nullptr;
};

// Loads libpq.so.5 (RTLD_NOW | RTLD_LOCAL) on first use and resolves every function; later
// calls return the same table. Thread-safe. Fails, naming what is missing, when the library or
// a function is absent (Debian: the libpq5 package).
[[nodiscard]] Result<const PqLibrary*> loadPq();

// The loaded table. Only valid after loadPq() succeeded (a database is open): calling it
// earlier is a broken invariant and aborts.
const PqLibrary& pq();

}  // namespace bastion::tools
