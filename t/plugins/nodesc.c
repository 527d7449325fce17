/* t/plugins/nodesc.c - a shared object with no descriptor at all. */
__attribute__((visibility("default"))) int weft_not_a_plugin = 42;
