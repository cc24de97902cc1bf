# find_package(CapstanSDK) for out-of-tree plugins.
include(CMakeFindDependencyMacro)
find_dependency(CapnProto CONFIG)
find_dependency(Threads)
find_dependency(nlohmann_json)
include(${CMAKE_CURRENT_LIST_DIR}/CapstanSDKTargets.cmake)
get_filename_component(CAPSTAN_SDK_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(CAPSTAN_SDK_SCHEMA_DIR "${CAPSTAN_SDK_PREFIX}/share/capstan/schema")

# capstan_add_plugin(<target> SOURCES ...): a plugin module built the way Capstan loads them.
function(capstan_add_plugin target)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES PREFIX "" CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE Capstan::capstan_sdk ${P_LIBS})
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
endfunction()

# capstan_generate_schemas(<srcs-var> <hdrs-var> files...): compile a plugin's own kind schemas,
# which import "capstan/k8s.capnp" and "capstan/meta.capnp" from the SDK.
macro(capstan_generate_schemas srcs hdrs)
  set(CAPNPC_IMPORT_DIRS ${CAPSTAN_SDK_SCHEMA_DIR})
  capnp_generate_cpp(${srcs} ${hdrs} ${ARGN})
endmacro()
