// The keys of `sql.*` tools and [databases.NAME]. OWNED BY THE SQL HELPER.

#include "config/config_internal.h"

namespace bastion::config::detail {

void readDatabases(const toml::table& table, Diagnostics& diags,
                   std::map<std::string, tools::DatabaseOptions, std::less<>>& /*out*/) {
  diags.at(table.source(), "databases", "databases are not available yet");
}

void readSqlTool(TableReader& r, std::string_view /*kind*/,
                 const std::map<std::string, tools::DatabaseOptions, std::less<>>& /*databases*/,
                 tools::SqlToolOptions& /*out*/) {
  r.error(r.node(), "kind", "sql tools are not available yet");
}

}  // namespace bastion::config::detail
