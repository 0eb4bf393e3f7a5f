# Every dependency is a Debian 12 package (scripts/deps.sh installs them); nothing is fetched.
find_package(Boost 1.81 REQUIRED COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
find_package(SQLite3 REQUIRED)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
if(BASTION_TESTS)
  find_package(GTest REQUIRED)
endif()
if(BASTION_BENCH)
  find_package(benchmark REQUIRED)
endif()

# Asio and Beast are compiled once, in net/asio_impl.cc; every user sees only declarations.
add_library(bastion_asio_defs INTERFACE)
target_compile_definitions(bastion_asio_defs INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
target_link_libraries(bastion_asio_defs INTERFACE Boost::headers Threads::Threads)
