# Every dependency comes from Debian 12 packages (scripts/setup installs them).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
if(KILN_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()

# BLAS: OpenBLAS (libopenblas-pthread-dev), linked statically. kiln splits work
# over its own thread pool and calls sgemm per block, so linalg/gemm.cc pins
# OpenBLAS to one thread of its own. The pthread build is used because it is
# safe for concurrent callers; Debian's serial build is not (it races on its
# buffer pool). Static linking keeps the choice away from the system's
# libblas.so.3 alternative (which Debian's libfaiss uses).
set(KILN_OPENBLAS_DIR /usr/lib/x86_64-linux-gnu/openblas-pthread)
find_path(KILN_CBLAS_INCLUDE cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-pthread NO_DEFAULT_PATH)
find_library(KILN_OPENBLAS_LIB NAMES libopenblas.a PATHS ${KILN_OPENBLAS_DIR} NO_DEFAULT_PATH)
if(NOT KILN_CBLAS_INCLUDE OR NOT KILN_OPENBLAS_LIB)
  message(FATAL_ERROR "OpenBLAS not found: run scripts/setup (needs libopenblas-pthread-dev)")
endif()
add_library(kiln_blas INTERFACE)
target_include_directories(kiln_blas SYSTEM INTERFACE ${KILN_CBLAS_INCLUDE})
target_link_libraries(kiln_blas INTERFACE ${KILN_OPENBLAS_LIB} Threads::Threads m)

# HDF5 (C API) for ann-benchmarks files.
find_path(KILN_HDF5_INCLUDE hdf5.h PATHS /usr/include/hdf5/serial NO_DEFAULT_PATH)
find_library(KILN_HDF5_LIB NAMES hdf5_serial hdf5 PATHS /usr/lib/x86_64-linux-gnu/hdf5/serial /usr/lib/x86_64-linux-gnu)
if(NOT KILN_HDF5_INCLUDE OR NOT KILN_HDF5_LIB)
  message(FATAL_ERROR "HDF5 not found: run scripts/setup (needs libhdf5-dev)")
endif()
add_library(kiln_hdf5 INTERFACE)
target_include_directories(kiln_hdf5 SYSTEM INTERFACE ${KILN_HDF5_INCLUDE})
target_link_libraries(kiln_hdf5 INTERFACE ${KILN_HDF5_LIB})

find_package(CLI11 CONFIG QUIET)
find_package(nlohmann_json CONFIG REQUIRED)

# Outer layers only (storage/, service/, cli/): the core never sees these headers.
find_package(CURL REQUIRED)            # libcurl4-openssl-dev: S3 over HTTP with CURLOPT_AWS_SIGV4
find_package(OpenSSL REQUIRED)         # libssl-dev: SHA-256 payload hashes, TLS for kiln serve
find_package(SQLite3 REQUIRED)         # libsqlite3-dev: the persistent job store
find_package(PostgreSQL REQUIRED)      # libpq-dev: binary COPY into PostgreSQL
find_package(spdlog CONFIG REQUIRED)   # libspdlog-dev: structured service logs
# cpp-httplib: Debian ships a split build (declarations in httplib.h, code in
# libcpp-httplib.so); pkg-config carries the macros the .so was built with.
pkg_check_modules(KILN_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(kiln_httplib INTERFACE)
target_link_libraries(kiln_httplib INTERFACE PkgConfig::KILN_HTTPLIB)
