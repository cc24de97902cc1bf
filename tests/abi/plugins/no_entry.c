/* A shared library that is not a Capstan plugin: it exports no capstan_plugin_entry. */
int capstan_test_not_a_plugin(void) { return 42; }
