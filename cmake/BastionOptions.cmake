# Warnings and hardening as INTERFACE targets, linked into every Bastion target.
add_library(bastion_warnings INTERFACE)
add_library(bastion::warnings ALIAS bastion_warnings)
target_compile_options(bastion_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast
  -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align -Wnull-dereference
  -Wimplicit-fallthrough -Wformat=2
  $<$<BOOL:${BASTION_WERROR}>:-Werror>)

add_library(bastion_hardening INTERFACE)
add_library(bastion::hardening ALIAS bastion_hardening)
if(BASTION_HARDEN)
  target_compile_options(bastion_hardening INTERFACE
    -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -D_GLIBCXX_ASSERTIONS
    -fstack-protector-strong -fstack-clash-protection -fcf-protection)
  target_link_options(bastion_hardening INTERFACE
    -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
endif()

if(BASTION_SANITIZE)
  add_compile_options(-fsanitize=${BASTION_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${BASTION_SANITIZE})
  # GCC's -Wtsan notes that TSan does not model standalone std::atomic_thread_fence; Asio's
  # headers use such fences. It is a limit of the tool, not a race in our code, so only this
  # note is turned off, only for GCC under TSan (every other warning stays an error).
  if(BASTION_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(bastion_warnings INTERFACE -Wno-tsan)
  endif()
endif()
if(BASTION_FUZZ)
  # UBSan must stop the run like ASan does: a report it recovers from leaves the fuzz test green.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
