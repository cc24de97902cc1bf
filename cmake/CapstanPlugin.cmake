# capstan_add_plugin(<target> SOURCES ... [LIBS ...]) builds a plugin shared library the way every
# Capstan plugin must be built: hidden visibility (only the entry point is exported), linked
# against the shared libcapnp/libkj (never a static copy) and the SDK, output into the plugin dir.
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

# capstan_add_plugin_library(<target> SOURCES ... [LIBS ...]) builds a static library of a plugin's
# own code — its logic, linked into the plugin and into its unit tests — compiled as plugin code
# is: position-independent (it ends up in a shared module) and with hidden visibility. LIBS are
# linked PUBLIC (the tests that link the library get them too).
function(capstan_add_plugin_library target)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_library(${target} STATIC ${P_SOURCES})
  target_link_libraries(${target} PUBLIC ${P_LIBS})
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
