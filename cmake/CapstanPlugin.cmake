# capstan_add_plugin(<target> SOURCES ... [SCHEMAS ...]) builds a plugin shared library the way
# every Capstan plugin must be built: hidden visibility (only the entry point is exported),
# linked against the shared libcapnp/libkj (never a static copy), output into the plugin dir.
function(capstan_add_plugin target)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${CAPSTAN_PLUGIN_OUTPUT_DIR})
  target_link_libraries(${target} PRIVATE capstan_sdk ${P_LIBS})
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  install(TARGETS ${target} LIBRARY DESTINATION lib/capstan/plugins)
endfunction()
